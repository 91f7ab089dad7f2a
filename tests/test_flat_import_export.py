"""Flat import/export in the admin: CSV with a BOM, XLSX, JSON, the confirm step, Japanese validation messages."""

import csv
import io
import json
import re

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import Department
from departments.resources import DepartmentResource
from goals.admin_io.resources import GoalResource
from goals.models import Goal
from tests.bad_workbooks import encrypted_workbook, zip_bomb
from tests.import_helpers import full_dump, web_dump

GOAL_COLUMNS = ["区", "年度", "部署名", "番号", "表示順", "区分", "目標及び具体的な取組内容", "実施結果", "達成度"]  # fmt: skip
GOAL_FIELDS = ["ward", "sheet", "department", "number", "order", "category", "text", "result", "achievement"]
FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(client, file_format):
    data = {"format": FORMATS[file_format], "resource": "0"}
    data.update({f"goalresource_{name}": "on" for name in GOAL_FIELDS})
    return client.post(reverse("admin:goals_goal_export"), data)


@pytest.fixture
def admin_client_(client, superuser, seed):
    client.force_login(superuser)
    return client


def test_csv_export_has_a_bom_for_japanese_excel(admin_client_):
    response = export(admin_client_, "csv")
    assert response["Content-Type"] == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="Goal-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == GOAL_COLUMNS
    assert len(rows) == 43
    assert rows[1][:4] == ["幸区", "2025", "危機管理担当", "1"]


def test_xlsx_export_keeps_formula_like_text_as_text(admin_client_):
    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.text = '=HYPERLINK("http://example.invalid","押してください")'
    goal.save()
    response = export(admin_client_, "xlsx")
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == GOAL_COLUMNS
    cells = [row[6] for row in sheet.iter_rows(min_row=2)]
    formula_like = [c for c in cells if str(c.value).startswith("=")]
    assert [(c.value, c.data_type) for c in formula_like] == [(goal.text, "s")]
    assert sheet.max_row == 43


def test_json_export_is_plain_json(admin_client_):
    response = export(admin_client_, "json")
    assert response["Content-Type"] == "application/json"
    rows = json.loads(response.content.decode("utf-8"))
    assert list(rows[0]) == GOAL_COLUMNS and len(rows) == 42


def csv_upload(rows, columns=GOAL_COLUMNS, bom=True):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    data = ("\ufeff" if bom else "") + out.getvalue()
    return SimpleUploadedFile("goals.csv", data.encode("utf-8"), content_type="text/csv")


def admin_import(client, upload, file_format="csv", model="goals_goal"):
    return client.post(
        reverse(f"admin:{model}_import"),
        {"import_file": upload, "format": FORMATS[file_format], "resource": "0"},
    )


def test_admin_import_previews_then_confirms(admin_client_):
    goal = Goal.objects.get(department__name="総務課", number="1")
    row = ["幸区", "2025", "総務課", "1", "1", "共通", goal.text, "実施しました", "2"]
    before = web_dump()
    preview = admin_import(admin_client_, csv_upload([row]))
    assert preview.status_code == 200
    confirm_form = preview.context["confirm_form"]
    assert web_dump() == before  # the preview is a dry run
    done = admin_client_.post(
        reverse("admin:goals_goal_process_import"),
        {name: confirm_form[name].value() for name in confirm_form.fields},
        follow=True,
    )
    assert done.status_code == 200
    goal.refresh_from_db()
    assert (goal.result, goal.achievement.number, goal.version) == ("実施しました", 2, 2)
    assert Goal.objects.count() == 42


BAD_ROWS = {
    "unknown ward": (["港北区", "2025", "総務課", "1", "1", "共通", "本文", "", ""], "区「港北区」は登録されていません。"),
    "unknown department": (["幸区", "2025", "広報課", "1", "1", "共通", "本文", "", ""], "部署「広報課」は幸区にありません。"),
    "unknown level": (["幸区", "2025", "総務課", "1", "1", "共通", "本文", "", "9"], "達成度「9」はありません。"),
    "unknown category": (["幸区", "2025", "総務課", "1", "1", "窓口", "本文", "", ""], "区分「窓口」は登録されていません。"),
    "too-long text": (["幸区", "2025", "総務課", "1", "1", "共通", "あ" * 2001, "", ""], "目標の本文が長すぎます（2001文字、上限2000文字）。"),
    "impossible year": (["幸区", "3000", "総務課", "1", "1", "共通", "本文", "", ""], "年度「3000」は扱えません。"),
    "year without a sheet": (["幸区", "2030", "総務課", "1", "1", "共通", "本文", "", ""], "幸区の令和12年度（2030年度）の取組シートがありません。"),
}  # fmt: skip


@pytest.mark.parametrize(("row", "message"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_admin_import_shows_japanese_messages_and_changes_nothing(admin_client_, row, message):
    before = web_dump()
    page = admin_import(admin_client_, csv_upload([row]))
    html = page.content.decode()
    assert message in html
    assert "confirm_form" not in page.context or page.context["confirm_form"] is None
    assert web_dump() == before


def test_duplicate_numbers_in_one_file_are_refused(seed):
    data = tablib.Dataset(headers=GOAL_COLUMNS)
    data.append(["幸区", "2025", "総務課", "1", "1", "共通", "本文A", "", ""])
    data.append(["幸区", "2025", "総務課", "1", "2", "共通", "本文B", "", ""])
    before = full_dump()
    result = GoalResource().import_data(
        data, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert invalid.error_dict["番号"] == [
        "部署「総務課」の番号「1」が重複しています（行番号 1 と同じ番号）。"
    ]
    assert full_dump() == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (encrypted_workbook, "パスワードで保護されたブックは読み込めません。"),
        (lambda: zip_bomb(51 * 1024 * 1024), "展開すると大きすぎます"),
    ],
)
def test_admin_xlsx_import_refuses_unsafe_files_in_japanese(admin_client_, make, message):
    before = web_dump()
    upload = SimpleUploadedFile("goals.xlsx", make(), content_type=XLSX_TYPE)
    page = admin_import(admin_client_, upload, "xlsx")
    assert message in page.content.decode()
    assert web_dump() == before


def confirm_admin_import(client, preview):
    confirm_form = preview.context["confirm_form"]
    return client.post(
        reverse("admin:goals_goal_process_import"),
        {name: confirm_form[name].value() for name in confirm_form.fields},
        follow=True,
    )


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_csv_in_cp932_or_utf8_with_full_width_numbers_updates_the_same_goal(admin_client_, encoding):
    """Japanese Excel's plain 「CSV」 is CP932 with CRLF; 「１」 and 「３」 typed full-width are goal 1 and level 3."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(
        [
            GOAL_COLUMNS,
            ["幸区", "２０２５", "総務課", "１", "1", "共通", "髙橋の窓口～改善", "実施した", "３"],
        ]
    )
    upload = SimpleUploadedFile("goals.csv", out.getvalue().encode(encoding), content_type="text/csv")
    preview = admin_import(admin_client_, upload)
    assert preview.status_code == 200 and "confirm_form" in preview.context, preview.content.decode()[-3000:]
    confirm_admin_import(admin_client_, preview)
    goal = Goal.objects.get(department__name="総務課", number="1", sheet__fiscal_year=2025)
    assert (goal.text, goal.result, goal.achievement.number) == ("髙橋の窓口～改善", "実施した", 3)
    assert Goal.objects.count() == 42  # updated, not added beside goal 1
    assert not Goal.objects.filter(number="１").exists()


def test_csv_in_no_known_encoding_gets_a_message_about_the_encoding(admin_client_):
    upload = SimpleUploadedFile(
        "goals.csv", "区,年度\n".encode() + b"\x82\xa0\xff\xfe\x85", content_type="text/csv"
    )
    before = web_dump()
    page = admin_import(admin_client_, upload)
    assert "CSV の文字コードを読み取れません。" in page.content.decode()
    assert web_dump() == before


def test_xlsx_export_imports_back_unchanged(admin_client_):
    exported = export(admin_client_, "xlsx").content
    upload = SimpleUploadedFile("goals.xlsx", exported, content_type=XLSX_TYPE)
    page = admin_import(admin_client_, upload, "xlsx")
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 42


def test_department_rows_are_checked_in_japanese(seed):
    data = tablib.Dataset(headers=["区", "部署名", "表示順", "廃止日"])
    data.append(["港北区", "総務課", "10", ""])
    data.append(["幸区", "広報課", "十", ""])
    data.append(["幸区", "広報課", "20", "令和8年3月31日"])
    result = DepartmentResource().import_data(
        data, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    errors = [row.error_dict for row in result.invalid_rows]
    assert errors == [
        {"区": ["区「港北区」は登録されていません。"]},
        {"表示順": ["表示順「十」は0以上の整数で入力してください。"]},
        {
            "部署名": ["部署「広報課」が重複しています（行番号 2 と同じ部署）。"],
            "廃止日": ["廃止日「令和8年3月31日」は 2026-03-31 の形で入力してください。"],
        },
    ]
    assert not Department.objects.filter(name="広報課").exists()
