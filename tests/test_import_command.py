"""python manage.py import_sheet FILE --ward 幸区 --year 2025 [--dry-run] [--create-missing] [--sheet NAME]."""

import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from goals.imports.commit import commit_import
from goals.imports.reader import read_workbook
from goals.models import Category, DepartmentReport, Goal
from goals.seed.synthetic import build_synthetic_sheet
from tests.bad_workbooks import HEADER, small_workbook, workbook_from_database
from tests.import_helpers import fixture_content, full_dump, sheet_content
from tests.seed_workbooks import build_seed_workbook


def write(tmp_path, data, name="torikumi.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(*args, **options):
    out = StringIO()
    call_command("import_sheet", *args, stdout=out, **options)
    return out.getvalue()


def test_dry_run_reports_the_plan_and_writes_nothing(bare_ward, tmp_path):
    path = write(tmp_path, build_seed_workbook())
    before = full_dump()
    output = run(path, ward="幸区", year=2025, dry_run=True, create_missing=True)
    assert "シート「取組シート」：15部署・42目標" in output
    assert "未登録の部署：危機管理担当" in output
    assert "新規：児童家庭課 2・3" in output
    assert "新規42件・変更0件・変更なし0件" in output
    assert "何も書き込んでいません（--dry-run）" in output
    assert full_dump() == before


def test_import_with_create_missing_gives_the_fixture_content(bare_ward, tmp_path):
    output = run(write(tmp_path, build_seed_workbook()), ward="幸区", year=2025, create_missing=True)
    assert "幸区の令和7年度の取組シートに読み込みました（新規42件・変更0件・変更なし0件）。" in output
    content = sheet_content("幸区", 2025)
    assert content["goals"] == fixture_content()["goals"]
    again = run(write(tmp_path, build_seed_workbook()), ward="幸区", year=2025)
    assert "新規0件・変更0件・変更なし42件" in again


def test_changes_are_listed_by_field(seed, tmp_path):
    rows = [
        [
            "総務課",
            "1",
            "共通",
            Goal.objects.get(department__name="総務課", number="1").text,
            "実施しました",
            "3",
        ]
    ]
    output = run(write(tmp_path, small_workbook(rows)), ward="幸区", year=2025)
    assert "変更：総務課 1（実施結果、達成度）" in output
    goal = Goal.objects.get(department__name="総務課", number="1")
    assert (goal.result, goal.achievement.number) == ("実施しました", 3)
    assert Goal.objects.count() == 42


@pytest.mark.parametrize(
    ("cell", "result", "level"),
    [
        ("3 目標をほぼ達成\n窓口で丁寧に説明しました。", "窓口で丁寧に説明しました。", 3),
        ("３　目標をほぼ達成", "", 3),
        ("1 件の苦情がありましたが、\n改善しました。", "1 件の苦情がありましたが、\n改善しました。", None),
    ],
)
def test_level_on_the_first_line_of_the_result_cell(seed, tmp_path, cell, result, level):
    """Our own export writes 「<number> <label>」 as the result cell's first line when there is no 達成度 column."""
    text = Goal.objects.get(department__name="総務課", number="1").text
    rows = [["総務課", "1", "共通", text, cell]]
    run(write(tmp_path, small_workbook(rows, header=HEADER[:5])), ward="幸区", year=2025)
    goal = Goal.objects.get(department__name="総務課", number="1")
    assert (goal.result, goal.achievement.number if goal.achievement else None) == (result, level)


def test_blank_result_in_the_workbook_keeps_what_was_typed(seed, tmp_path):
    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.result = "入力済みの実施結果"
    goal.save()
    output = run(
        write(tmp_path, small_workbook([["総務課", "1", "共通", goal.text, "", ""]])), ward="幸区", year=2025
    )
    assert "新規0件・変更0件・変更なし1件" in output
    goal.refresh_from_db()
    assert goal.result == "入力済みの実施結果"


def test_sheet_option_picks_the_worksheet_and_names_the_missing_one(seed, tmp_path):
    path = write(tmp_path, workbook_from_database(seed, worksheet_titles=("R6", "R7")))
    assert "シート「R7」" in run(path, ward="幸区", year=2025, sheet="R7", dry_run=True)
    with pytest.raises(
        CommandError, match="シート「R8」はこのブックにありません。ブックのシート：「R6」、「R7」"
    ):
        run(path, ward="幸区", year=2025, sheet="R8")


def test_missing_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match=r"ファイル .*none\.xlsx が見つかりません。"):
        run(str(tmp_path / "none.xlsx"), ward="幸区", year=2025)


def insert_batches(model, rows):
    """INSERTs bulk_create needs for `rows` rows: SQLite caps the parameters of one query, PostgreSQL hardly."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, [None] * rows)
    return math.ceil(rows / size)


def expected_commit_queries(goals, reports):
    # 13: savepoint, the plan's reads, the sheet and its history row, lookups, release.
    return (
        13
        + insert_batches(Goal, goals)
        + insert_batches(Goal.history.model, goals)
        + insert_batches(DepartmentReport, reports)
        + insert_batches(DepartmentReport.history.model, reports)
    )


def test_commit_queries_do_not_grow_with_the_sheet(seed, django_assert_num_queries):
    """Departments, reports, goals and their history are written in bulk, never one query per row."""
    big = build_synthetic_sheet(scale=10)
    for sheet, ward, goals, reports in ((seed, "幸区", 42, 15), (big, "試験区", 420, 150)):
        parsed = read_workbook(workbook_from_database(sheet), Category.objects.values_list("name", flat=True))
        with django_assert_num_queries(expected_commit_queries(goals, reports)):
            plan = commit_import(parsed, ward, 2026, create_missing=True)
        assert plan.created == goals
    assert expected_commit_queries(42, 15) == 17
    assert len(sheet_content("試験区", 2026)["goals"]) == 420


def test_commit_is_all_or_nothing(bare_ward, monkeypatch):
    """A failure after the sheet, departments and reports were written rolls all of them back."""
    from goals.imports import commit as import_commit

    real = import_commit.bulk_create_with_history

    def fail_on_goals(objs, model, **kwargs):
        if model is Goal:
            raise RuntimeError("disk full")
        return real(objs, model, **kwargs)

    monkeypatch.setattr(import_commit, "bulk_create_with_history", fail_on_goals)
    parsed = read_workbook(build_seed_workbook(), Category.objects.values_list("name", flat=True))
    before = full_dump()
    with pytest.raises(RuntimeError):
        commit_import(parsed, "幸区", 2025, create_missing=True)
    assert full_dump() == before


def test_department_row_without_goals_keeps_the_department_on_the_sheet(seed, tmp_path):
    """Our export gives a department with no goal yet one empty row; importing it keeps that department."""
    rows = [["総務課", "1", "共通", "本文", "", ""], ["新設課", None, None, None, None, None]]
    output = run(
        write(tmp_path, small_workbook(rows)), ward="幸区", year=2026, create_missing=True, confirm=True
    )
    assert "シート「取組シート」：2部署・1目標" in output
    sheet = seed.ward.sheets.get(fiscal_year=2026)
    assert sorted(sheet.reports.values_list("department__name", flat=True)) == ["新設課", "総務課"]
    assert list(sheet.goals.values_list("department__name", "number")) == [("総務課", "1")]


def test_changing_a_submitted_department_is_pointed_out(seed, tmp_path):
    DepartmentReport.objects.filter(sheet=seed, department__name="総務課").update(status="submitted")
    DepartmentReport.objects.filter(sheet=seed, department__name="企画課").update(status="confirmed")
    rows = [["総務課", "1", "共通", "書き換えた本文", "", ""], ["企画課", "9", "共通", "追加の目標", "", ""]]
    output = run(write(tmp_path, small_workbook(rows)), ward="幸区", year=2025, dry_run=True)
    assert "お知らせ：部署「総務課」は提出済みですが、読み込むと目標が変わります。" in output
    assert "お知らせ：部署「企画課」は確認済みですが、読み込むと目標が変わります。" in output


@pytest.mark.parametrize("year", ["2025", "令和7年度", "令和７年度", "２０２５"])
def test_the_year_is_read_as_western_or_japanese_era(bare_ward, tmp_path, year):
    path = write(tmp_path, build_seed_workbook())
    output = run(path, "--ward", "幸区", "--year", year, "--dry-run", "--create-missing")
    assert "新規42件・変更0件・変更なし0件" in output


def test_an_unreadable_year_is_refused_in_japanese(bare_ward, tmp_path):
    with pytest.raises(CommandError, match="年度「来年」が読めません"):
        run(write(tmp_path, build_seed_workbook()), "--ward", "幸区", "--year", "来年", "--dry-run")
