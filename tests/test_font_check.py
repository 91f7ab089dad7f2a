"""The system check that stops the app when no Japanese font is installed (the PDF would print tofu)."""

import subprocess

from django.core import checks as django_checks

from goals.sheet import checks


def test_passes_when_fontconfig_finds_a_japanese_font():
    # The machines install IPAex Gothic (scripts/install-os-deps.sh).
    assert any("IPAex" in family for family in checks.japanese_font_families())
    assert checks.japanese_font_installed() == []


def test_fails_clearly_when_no_japanese_font_is_found(monkeypatch):
    monkeypatch.setattr(checks, "japanese_font_families", lambda: [])
    errors = django_checks.run_checks(tags=["fonts"])
    assert [error.id for error in errors] == ["goals.E001"]
    error = errors[0]
    assert error.is_serious()
    assert "日本語フォントが見つかりません" in error.msg and "豆腐" in error.msg
    assert (
        error.hint
        == "管理者が次を実行してください: sudo apt-get install -y fontconfig fonts-ipaexfont-gothic"
    )


def test_no_fontconfig_counts_as_no_font(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("fc-list")

    monkeypatch.setattr(subprocess, "run", missing)
    assert checks.japanese_font_families() == []
    assert [error.id for error in checks.japanese_font_installed()] == ["goals.E001"]


def test_fontconfig_output_is_read_as_families(monkeypatch):
    listing = "IPAexGothic,IPAexゴシック\nIPAexMincho,IPAex明朝\n\nIPAexGothic,IPAexゴシック\n"
    monkeypatch.setattr(
        subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=listing, stderr="")
    )
    assert checks.japanese_font_families() == ["IPAexGothic,IPAexゴシック", "IPAexMincho,IPAex明朝"]
