"""The staff roster: upload (CSV UTF-8/CP932, XLSX) → preview → commit in one transaction; export."""

import datetime
import io
import shutil
import subprocess

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership
from departments.staff.reader import COLUMNS

from .conftest import MEMBER_SINCE

APRIL = datetime.date(2026, 4, 1)
HEADER = ",".join(COLUMNS)


def _csv(*lines, encoding="utf-8"):
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def _upload(client, data, name="roster.csv", effective=APRIL, ward="幸区"):
    return client.post(
        reverse("staff:roster", args=[ward]),
        {"file": SimpleUploadedFile(name, data), "effective": effective.isoformat()},
    )


def _preview(client, data, **kwargs):
    response = _upload(client, data, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page, response["Location"]


def _commit(client, preview_url):
    return client.post(preview_url + "commit/")


def state():
    """Everything a roster may change."""
    return (
        list(Membership.objects.order_by("pk").values()),
        list(get_user_model().objects.order_by("pk").values("username", "first_name", "last_name", "email")),
        Membership.history.count(),
    )


@pytest.fixture
def signed_in_reviewer(client, reviewer, editor, other_editor):
    client.force_login(reviewer)
    return reviewer


def test_april_changes_previewed_then_committed(client, seed, signed_in_reviewer, editor, other_editor):
    """区民課's editor moves to 保護課, 保護課's editor leaves, a new person joins 区民課."""
    data = _csv(
        "saiwai-reviewer,,saiwai-reviewer@example.invalid,総務課,取りまとめ,,",
        "kumin-editor,,,保護課,入力担当,,",
        "new-person,川崎 花子,hanako@example.invalid,区民課,入力担当,,",
    )
    before = state()
    page, url = _preview(client, data)
    assert state() == before  # the preview writes nothing
    plan = page.context["plan"]
    assert not plan.problems
    assert [p["username"] for p in plan.new_people] == ["new-person"]
    assert [(m.username, m.department) for m in plan.moves] == [("kumin-editor", "区民課")]
    assert [(m.username, m.department) for m in plan.leavers] == [("hogo-editor", "保護課")]
    assert {(m.username, m.department) for m in plan.new_memberships} == {
        ("kumin-editor", "保護課"),
        ("new-person", "区民課"),
    }
    assert plan.unchanged == 1
    body = page.content.decode()
    assert "新しい職員（1人）" in body and "転出・退職" in body

    response = _commit(client, url)
    assert response.status_code == 302
    editor_now = {
        (m.department.name, m.valid_from, m.valid_until) for m in Membership.objects.filter(user=editor)
    }
    assert editor_now == {
        ("区民課", MEMBER_SINCE, datetime.date(2026, 3, 31)),
        ("保護課", APRIL, None),
    }
    assert Membership.objects.get(user=other_editor).valid_until == datetime.date(2026, 3, 31)
    hanako = get_user_model().objects.get(username="new-person")
    assert (hanako.last_name, hanako.first_name, hanako.email) == ("川崎", "花子", "hanako@example.invalid")
    assert not hanako.has_usable_password()
    # Who did it is in the history.
    assert Membership.history.filter(history_user=signed_in_reviewer).count() == 4


def test_a_cp932_file_is_read(client, seed, signed_in_reviewer):
    data = _csv(
        "saiwai-reviewer,,,総務課,取りまとめ,,",
        "kumin-editor,,,区民課,入力担当,,",
        "hogo-editor,,,保護課,入力担当,,",
        "sjis-person,髙橋 﨑子,,区民課,入力担当,2026/4/1,",
        encoding="cp932",
    )
    page, url = _preview(client, data)
    plan = page.context["plan"]
    assert not plan.problems
    assert plan.new_people == [
        {"username": "sjis-person", "last_name": "髙橋", "first_name": "﨑子", "email": ""}
    ]
    _commit(client, url)
    assert get_user_model().objects.get(username="sjis-person").last_name == "髙橋"


def test_export_then_upload_unchanged_is_no_change(client, seed, signed_in_reviewer):
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("staff:roster_export", args=["幸区", fmt]))
        assert export.status_code == 200
        assert "attachment" in export["Content-Disposition"]
        page, _ = _preview(client, export.content, name=f"roster.{fmt}", effective=timezone.localdate())
        plan = page.context["plan"]
        assert not plan.problems and not plan.has_changes, fmt
        assert plan.unchanged == 3
        assert "変更はありません" in page.content.decode()


def test_a_workbook_saved_by_libreoffice_is_read(client, seed, signed_in_reviewer, tmp_path):
    """The office's own spreadsheet program, not ours, wrote this workbook."""
    source = tmp_path / "roster.csv"
    source.write_bytes(
        _csv(
            "saiwai-reviewer,,,総務課,取りまとめ,,",
            "kumin-editor,,,区民課,入力担当,,",
            "lo-person,中原 一郎,,保護課,入力担当,2026-04-01,2027-03-31",
        )
    )
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run(
        [
            soffice,
            "--headless",
            "--infilter=CSV:44,34,76",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    page, _ = _preview(client, (tmp_path / "roster.xlsx").read_bytes(), name="roster.xlsx")
    plan = page.context["plan"]
    assert not plan.problems
    assert [(m.username, m.valid_from, m.valid_until) for m in plan.new_memberships] == [
        ("lo-person", APRIL, datetime.date(2027, 3, 31))
    ]
    assert [m.username for m in plan.leavers] == ["hogo-editor"]


@pytest.mark.parametrize(
    "lines, row, column, message",
    [
        (["kumin-editor,,,存在しない課,入力担当,,"], 2, "部署", "登録されていません"),
        (["kumin-editor,,,区民課,課長,,"], 2, "役割", "役割「課長」はありません"),
        (["kumin-editor,,,区民課,入力担当,4月1日,"], 2, "開始日", "2026-04-01 または 2026/4/1"),
        (["kumin-editor,,,区民課,入力担当,2026-04-01,2026-03-01"], 2, "終了日", "終了日が開始日より前"),
        ([",,,区民課,入力担当,,"], 2, "ユーザー名", "ユーザー名を入力してください"),
        (["a b,,,区民課,入力担当,,"], 2, "ユーザー名", "英数字"),
        (["kumin-editor,,not-a-mail,区民課,入力担当,,"], 2, "メール", "形が正しくありません"),
        (
            [
                "twice,,,区民課,入力担当,2026-04-01,2026-09-30",
                "twice,,,区民課,取りまとめ,2026-09-01,",
            ],
            3,
            "開始日",
            "2行目と期間が重なっています",
        ),
        (["twice,甲,,区民課,入力担当,,", "twice,乙,,保護課,入力担当,,"], 3, "氏名", "2行目と同じ職員なのに"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(
    client, seed, signed_in_reviewer, lines, row, column, message
):
    before = state()
    page, url = _preview(client, _csv(*lines))
    problems = page.context["plan"].problems
    assert any(p.row == row and p.column == column and message in p.message for p in problems), problems
    assert "直すところが" in page.content.decode()
    assert "読み込む</button>" not in page.content.decode()
    _commit(client, url)
    assert state() == before


def test_unknown_departments_are_listed(client, seed, signed_in_reviewer):
    page, _ = _preview(client, _csv("kumin-editor,,,市民課,入力担当,,", "x1,,,市民課,入力担当,,"))
    assert page.context["plan"].unknown_departments == ["市民課"]


def test_overlap_with_a_stored_membership_is_refused(client, seed, signed_in_reviewer, editor):
    """A row going back before the effective day into a period the person already has in the department."""
    page, _ = _preview(client, _csv("kumin-editor,,,区民課,取りまとめ,2025-04-01,"))
    assert any("登録済みの所属と期間が重なっています" in p.message for p in page.context["plan"].problems)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "ファイルが空です"),
        (b"PK\x03\x04" + b"\x00" * 200, "壊れている"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "古い形式"),
        ("氏名,部署\r\n山田,区民課\r\n".encode(), "見出し「ユーザー名」、「役割」がありません"),
        (b"\x81\x00\xff\xfe garbage", "CSV ファイルとして読めません"),
        (b'"unterminated,\r\n' + HEADER.encode(), "見出し"),
    ],
)
def test_broken_files_are_refused_and_nothing_changes(client, seed, signed_in_reviewer, data, message):
    before = state()
    response = _upload(client, data)
    if response.status_code == 200:  # refused by the form itself (an empty file)
        assert message in response.content.decode()
    else:
        page = client.get(response["Location"])
        assert message in page.context["rejected"], page.context.get("rejected")
        _commit(client, response["Location"])
    assert state() == before


def test_a_zip_bomb_is_refused(client, seed, signed_in_reviewer, settings):
    import zipfile

    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (4 * 1024 * 1024))
    response = _upload(client, out.getvalue(), name="bomb.xlsx")
    rejected = client.get(response["Location"]).context["rejected"]
    assert "大きすぎます" in rejected
    assert "取組シート" not in rejected  # the sheet import's check, in the roster's words


def test_a_commit_after_someone_changed_the_memberships_is_refused(client, seed, signed_in_reviewer, editor):
    page, url = _preview(
        client, _csv("saiwai-reviewer,,,総務課,取りまとめ,,", "kumin-editor,,,区民課,入力担当,,")
    )
    assert [m.username for m in page.context["plan"].leavers] == ["hogo-editor"]
    Membership.objects.filter(user__username="hogo-editor").update(valid_until=datetime.date(2026, 1, 31))
    before = state()
    response = _commit(client, url)
    assert response.status_code == 302
    assert state() == before
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("確認の後に所属が変更された" in m for m in messages)


def test_a_ward_cannot_rename_or_readdress_a_person_of_another_ward(
    client, seed, signed_in_reviewer, other_ward_reviewer
):
    before = state()
    page, url = _preview(
        client,
        _csv(
            "saiwai-reviewer,,,総務課,取りまとめ,,",
            "kumin-editor,,,区民課,入力担当,,",
            "hogo-editor,,,保護課,入力担当,,",
            "nakahara-reviewer,,attacker@example.invalid,区民課,入力担当,,",
        ),
    )
    assert any(
        "ほかの区にも所属" in p.message and p.column == "メール" for p in page.context["plan"].problems
    )
    _commit(client, url)
    assert state() == before


def test_the_xlsx_export_keeps_text_as_text(client, seed, signed_in_reviewer, editor):
    get_user_model().objects.filter(pk=editor.pk).update(last_name="=HYPERLINK(1)")
    export = client.get(reverse("staff:roster_export", args=["幸区", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[1]] == COLUMNS
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=HYPERLINK(1)" in names
    cell = next(c for c in sheet["B"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


def test_another_wards_preview_token_is_404(client, seed, signed_in_reviewer, other_ward_reviewer):
    _, url = _preview(client, _csv("kumin-editor,,,区民課,入力担当,,"))
    token = url.rstrip("/").rsplit("/", 1)[1]
    client.force_login(other_ward_reviewer)
    assert client.get(reverse("staff:roster_preview", args=["中原区", token])).status_code == 404
    assert client.get(reverse("staff:roster_preview", args=["幸区", token])).status_code == 404


def test_the_staff_number_header_is_read_as_the_user_name(client, seed, signed_in_reviewer):
    data = "職員番号,部署,役割\r\nsaiwai-reviewer,総務課,取りまとめ\r\nkumin-editor,区民課,入力担当\r\n"
    page, _ = _preview(client, data.encode())
    plan = page.context["plan"]
    assert not plan.problems and plan.unchanged == 2
    assert [m.username for m in plan.leavers] == ["hogo-editor"]
