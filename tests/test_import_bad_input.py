"""Every kind of bad input gets its own Japanese message and leaves the database exactly as it was.

Each case runs through the command line and through the web upload; the
database is compared as a full dumpdata before and after.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.bad_workbooks import (
    broken_xml_workbook,
    empty_workbook,
    encrypted_workbook,
    good_rows,
    headerless_workbook,
    small_workbook,
    truncated_workbook,
    zip_bomb,
)
from tests.import_helpers import full_dump, upload, web_dump

MB = 1024 * 1024

FILE_CASES = {
    "not a workbook": (
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(64),
        "取組シートのファイルではありません。",
    ),
    "password-protected": (encrypted_workbook, "パスワードで保護されたブックは読み込めません。"),
    "corrupt .xls": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
        "ブックが壊れているため読み込めません。",
    ),
    "corrupt: cut short": (truncated_workbook, "ブックが壊れているため読み込めません。"),
    "corrupt: broken XML": (broken_xml_workbook, "ブックが壊れているため読み込めません。"),
    "empty workbook": (empty_workbook, "ブックに何も入力されていません（空のブックです）。"),
    "no header row": (headerless_workbook, "見出しの行が見つかりません。"),
    "zip bomb": (lambda: zip_bomb(51 * MB), "ブックを展開すると大きすぎます"),
    "over the upload limit": (lambda: b"PK\x03\x04" + bytes(10 * MB), "ファイルが大きすぎます"),
}

# (goal rows under the header on row 3, message, "sheet row column")
ROW_CASES = {
    "duplicate numbers in one department": (
        [["総務課", "1", "共通", "本文A", "", ""], [None, "1", "共通", "本文B", "", ""]],
        "部署「総務課」の番号「1」が重複しています（4行目と同じ番号）。",
        "シート「取組シート」 5行目 B列",
    ),
    "achievement label that does not exist": (
        [["総務課", "1", "共通", "本文", "実施しました", "6 とても良い"]],
        "達成度「6 とても良い」はありません。使える達成度：1 目標を大きく上回って達成、",
        "シート「取組シート」 4行目 F列",
    ),
    "text longer than the field allows": (
        [["総務課", "1", "共通", "あ" * 2001, "", ""]],
        "目標の本文が長すぎます（2001文字、上限2000文字）。",
        "シート「取組シート」 4行目 D列",
    ),
    "result longer than the field allows": (
        [["総務課", "1", "共通", "本文", "い" * 4001, ""]],
        "実施結果が長すぎます（4001文字、上限4000文字）。",
        "シート「取組シート」 4行目 E列",
    ),
}


def run_command(tmp_path, data, ward="幸区", year=2025):
    path = tmp_path / "torikumi.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError) as refused:
        call_command("import_sheet", str(path), ward=ward, year=year, create_missing=True)
    return str(refused.value)


@pytest.mark.parametrize(("make", "message"), FILE_CASES.values(), ids=FILE_CASES.keys())
def test_command_refuses_bad_files(seed, tmp_path, make, message):
    before = full_dump()
    assert message in run_command(tmp_path, make())
    assert full_dump() == before


@pytest.mark.parametrize(("rows", "message", "where"), ROW_CASES.values(), ids=ROW_CASES.keys())
def test_command_refuses_bad_rows_naming_sheet_row_and_column(seed, tmp_path, rows, message, where):
    before = full_dump()
    error = run_command(tmp_path, small_workbook(rows))
    assert f"{where}：{message}" in error
    assert full_dump() == before


@pytest.mark.parametrize(
    ("ward", "year", "message"),
    [
        ("港北区", 2025, "区「港北区」は登録されていません。登録済みの区：幸区"),
        ("幸区", 3000, "年度「3000」は扱えません。1989〜2100の西暦で指定してください（令和7年度なら2025）。"),
        ("幸区", 1988, "年度「1988」は扱えません。"),
    ],
)
def test_command_refuses_unknown_ward_and_impossible_year(seed, tmp_path, ward, year, message):
    before = full_dump()
    assert message in run_command(tmp_path, small_workbook(good_rows()), ward=ward, year=year)
    assert full_dump() == before


def test_command_exits_non_zero_with_the_message_on_stderr(seed, tmp_path, capsys):
    from goals.management.commands.import_sheet import Command

    path = tmp_path / "bad.xlsx"
    path.write_bytes(encrypted_workbook())
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "import_sheet", str(path), "--ward", "幸区", "--year", "2025"])
    assert exited.value.code == 1
    assert "パスワードで保護されたブックは読み込めません。" in capsys.readouterr().err


def test_command_does_not_create_unknown_departments_without_create_missing(seed, tmp_path):
    path = tmp_path / "new.xlsx"
    path.write_bytes(small_workbook([["新設課", "1", "共通", "本文", "", ""]]))
    before = full_dump()
    with pytest.raises(CommandError, match=r"未登録の部署・区分があるため、中止しました。.*--create-missing"):
        call_command("import_sheet", str(path), ward="幸区", year=2025)
    assert full_dump() == before


@pytest.mark.parametrize(("make", "message"), FILE_CASES.values(), ids=FILE_CASES.keys())
def test_web_upload_refuses_bad_files(client, reviewer, make, message):
    client.force_login(reviewer)
    before = web_dump()
    page = upload(client, make())
    assert page.status_code == 200
    html = page.content.decode()
    assert "読み込めませんでした" in html
    assert message in html
    assert 'aria-invalid="true"' in html
    assert web_dump() == before


@pytest.mark.parametrize(("rows", "message", "where"), ROW_CASES.values(), ids=ROW_CASES.keys())
def test_web_preview_lists_bad_rows_and_confirm_writes_nothing(client, reviewer, rows, message, where):
    client.force_login(reviewer)
    before = web_dump()
    page = upload(client, small_workbook(rows))
    assert page.status_code == 302
    preview = client.get(page.url)
    html = preview.content.decode()
    assert where in html and message in html
    assert "読み込む</button>" not in html
    plan = preview.context["plan"]
    confirm = client.post(
        page.url + "confirm/",
        {"digest": plan.digest, "worksheet": "取組シート", "create_missing": "on"},
        follow=True,
    )
    assert "問題があるため、読み込みませんでした。" in confirm.content.decode()
    assert web_dump() == before


@pytest.mark.parametrize(
    ("ward", "year", "message"),
    [
        ("港北区", 2025, "この区の取組シートは読み込めません。一覧から選んでください。"),
        ("幸区", 3000, "1989〜2100の西暦で入力してください（令和7年度なら2025）。"),
    ],
)
def test_web_upload_refuses_unknown_ward_and_impossible_year(client, reviewer, ward, year, message):
    client.force_login(reviewer)
    before = web_dump()
    page = upload(client, small_workbook(good_rows()), ward=ward, year=year)
    assert message in page.content.decode()
    assert web_dump() == before
