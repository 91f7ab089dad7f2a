"""The preview people can trust: full old and new text with the changed characters marked, unchanged goals
folded away, the year from the workbook's title, explicit confirmations, a locked year that says who can
reopen it, hidden rows listed, warnings located, and the file read once from upload to confirmation.
"""

import pytest
from django.urls import reverse

from goals.imports import forms as import_forms
from goals.imports import reader
from goals.models import Goal, Sheet
from goals.views import imports as import_views
from tests.import_helpers import upload, web_dump
from tests.real_workbooks import FIRST_GOAL_ROW, libreoffice_convert, xlsxwriter_workbook
from tests.seed_workbooks import build_seed_workbook

UPLOAD = reverse("goals:import_upload")


def preview_url(response):
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response.url


def confirm(client, url, **extra):
    plan = client.get(url).context["plan"]
    data = {"digest": plan.digest, "worksheet": plan.parsed.worksheet, **extra}
    return client.post(url + "confirm/", data, follow=True)


def test_changed_text_is_shown_in_full_with_the_changed_characters_marked(client, seed, reviewer):
    goal = Goal.objects.get(department__name="総務課", number="1")
    added = "さらに、窓口の案内表示を全面的に見直しました。"
    client.force_login(reviewer)
    rows = [["総務課", "1", "共通", goal.text + added, None, None]]
    html = client.get(preview_url(upload(client, xlsxwriter_workbook(rows)))).content.decode()
    # An added sentence at the very end of a 100-character text is visible, not truncated away.
    assert f'<p class="import-diff">旧：{goal.text}</p>' in html
    assert f'<p class="import-diff">新：{goal.text}<ins>{added}</ins></p>' in html


def test_a_changed_word_in_the_middle_is_marked_on_both_sides(client, seed, reviewer):
    goal = Goal.objects.get(department__name="総務課", number="1")
    new_text = goal.text.replace("市民", "区民", 1)
    client.force_login(reviewer)
    rows = [["総務課", "1", "共通", new_text, None, None]]
    html = client.get(preview_url(upload(client, xlsxwriter_workbook(rows)))).content.decode()
    assert "<del>市</del>" in html and "<ins>区</ins>" in html


def test_unchanged_goals_are_folded_behind_a_count(client, seed, reviewer):
    client.force_login(reviewer)
    page = client.get(preview_url(upload(client, build_seed_workbook())))
    html = page.content.decode()
    assert page.context["plan"].unchanged == 42
    assert html.count('<details class="import-fold">') == 15
    assert "変更なしの目標 3件を表示" in html  # 総務課
    assert '<table class="import-plan">\n      <thead>\n        <tr><th scope="col">番号</th>' not in html
    assert "<script" not in html.split("<main")[1]  # the CSP allows no inline script: <details> folds


def test_the_year_defaults_to_the_workbook_title(client, seed, reviewer):
    client.force_login(reviewer)
    response = client.post(
        UPLOAD,
        {
            "ward": "幸区",
            "fiscal_year": "",
            "file": _file(xlsxwriter_workbook([["総務課", "1", "共通", "本文"]])),
        },
    )
    page = client.get(preview_url(response))
    assert page.context["plan"].fiscal_year == 2025
    assert not page.context["plan"].confirmations


def test_no_year_and_no_title_asks_for_the_year(client, seed, reviewer):
    client.force_login(reviewer)
    before = web_dump()
    data = xlsxwriter_workbook([["総務課", "1", "共通", "本文"]], title=None)
    page = client.post(UPLOAD, {"ward": "幸区", "fiscal_year": "", "file": _file(data)})
    assert (
        "ブックの表題から年度を読み取れませんでした。読み込む先の年度を入力してください"
        in page.content.decode()
    )
    assert web_dump() == before


def test_another_years_workbook_needs_the_confirmation_checkbox(client, seed, reviewer):
    Sheet.objects.create(ward=seed.ward, fiscal_year=2026, phase=Sheet.Phase.IN_PROGRESS)
    client.force_login(reviewer)
    url = preview_url(upload(client, xlsxwriter_workbook([["総務課", "1", "共通", "本文"]]), year=2026))
    html = client.get(url).content.decode()
    assert "ブックの表題は令和7年度ですが、令和8年度の取組シートに読み込みます。" in html
    assert 'name="confirmed"' in html
    before = web_dump()
    refused = confirm(client, url, create_missing="on")
    assert "確認が必要な点があります" in refused.content.decode()
    assert web_dump() == before
    confirm(client, url, create_missing="on", confirmed="on")
    assert Goal.objects.get(sheet__fiscal_year=2026, department__name="総務課", number="1").text == "本文"


def test_results_into_a_sheet_in_planning_need_the_confirmation_checkbox(client, seed, reviewer):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goal = Goal.objects.get(department__name="総務課", number="1")
    client.force_login(reviewer)
    url = preview_url(
        upload(client, xlsxwriter_workbook([["総務課", "1", "共通", goal.text, "実施した", 3]]))
    )
    assert "計画」の段階ですが、ファイルには実施結果・達成度があります。" in client.get(url).content.decode()
    before = web_dump()
    confirm(client, url)
    assert web_dump() == before
    confirm(client, url, confirmed="on")
    goal.refresh_from_db()
    assert (goal.result, goal.achievement.number) == ("実施した", 3)


def test_a_locked_year_says_it_is_locked_and_who_can_reopen_it(client, seed, reviewer):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    client.force_login(reviewer)
    html = client.get(preview_url(upload(client, build_seed_workbook()))).content.decode()
    assert "この年度は確定済みのため、読み込めません" in html
    assert "確定を解除できるのは幸区の取りまとめ担当（総務課など）です。" in html
    assert "次の箇所を直したファイルを、もう一度選んでください。" not in html
    assert "読み込む</button>" not in html


def test_hidden_rows_are_listed_and_can_be_included(client, seed, reviewer):
    rows = [["総務課", "1", "共通", "見える目標"], [None, "7", "共通", "取り下げて隠した目標"]]
    client.force_login(reviewer)
    url = preview_url(upload(client, xlsxwriter_workbook(rows, hidden_rows={FIRST_GOAL_ROW + 1})))
    page = client.get(url)
    html = page.content.decode()
    assert "シート「取組シート」の非表示の行（5行目）は読み込みません。" in html
    assert "取り下げて隠した目標" not in html
    included = client.get(url + "?sheet=取組シート&hidden=1")
    assert "取り下げて隠した目標" in included.content.decode()
    confirm_form = included.context["confirm_form"]
    client.post(
        url + "confirm/",
        {"digest": included.context["plan"].digest, "worksheet": "取組シート", "include_hidden": "True"},
    )
    assert Goal.objects.filter(sheet=seed, department__name="総務課", number="7").exists()
    assert confirm_form["include_hidden"].value() is True


def test_warnings_name_sheet_row_and_column(client, seed, reviewer):
    client.force_login(reviewer)
    rows = [["総務課", "1", "共通", "本文", "窓口を改善した。達成度：A"]]
    html = client.get(preview_url(upload(client, xlsxwriter_workbook(rows)))).content.decode()
    assert "確かめてほしい箇所（1件）" in html
    assert (
        "<td>シート「取組シート」 4行目 E列</td><td>実施結果の「達成度：A」から達成度を読み取れません。"
        in html
    )


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_xls_and_ods_go_through_the_web_import(client, seed, reviewer, target):
    goal = Goal.objects.get(department__name="総務課", number="1")
    data = libreoffice_convert(
        xlsxwriter_workbook([["総務課", "１", "共通", goal.text, "達成度：2"]]), ".xlsx", target
    )
    client.force_login(reviewer)
    url = preview_url(upload(client, data))
    page = client.get(url)
    assert page.context["plan"].parsed.kind == target
    confirm(client, url)
    goal.refresh_from_db()
    assert (goal.number, goal.achievement.number, goal.result) == ("1", 2, "")


def test_the_file_is_read_once_from_upload_to_confirmation(client, seed, reviewer, monkeypatch):
    calls = []
    real = reader.read_workbook

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(import_forms, "read_workbook", counting)
    monkeypatch.setattr(import_views, "read_workbook", counting)
    goal = Goal.objects.get(department__name="総務課", number="1")
    client.force_login(reviewer)
    url = preview_url(
        upload(client, xlsxwriter_workbook([["総務課", "1", "共通", goal.text, "実施した", 3]]))
    )
    client.get(url)
    confirm(client, url)
    goal.refresh_from_db()
    assert goal.result == "実施した"
    assert len(calls) == 1


def _file(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("torikumi.xlsx", data)
