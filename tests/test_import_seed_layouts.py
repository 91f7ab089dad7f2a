"""The seed text turned into .xlsx in each of its layouts imports to exactly the fixture's content."""

import pytest

from goals.imports.commit import commit_import
from goals.imports.plan import build_plan
from goals.imports.reader import read_workbook
from goals.models import Category, Sheet
from tests.import_helpers import fixture_content, sheet_content
from tests.seed_workbooks import Layout, build_seed_workbook

LAYOUTS = {
    "both layouts as in the seed, blank department cells": Layout(),
    "one cell per goal, departments merged": Layout(goals="one_cell", departments="merged"),
    "separate columns, 区分 broken by line breaks, merged": Layout(
        goals="columns", categories="line_breaks", departments="merged"
    ),
    "separate columns, 区分 broken by spaces, header on row 1": Layout(goals="columns", preamble=False),
    "番号/区分 headers, no policy section, several worksheets": Layout(
        sub_headers=True, policies=False, extra_sheets=True
    ),
}


def import_seed(layout, **kwargs):
    parsed = read_workbook(build_seed_workbook(layout), Category.objects.values_list("name", flat=True))
    return commit_import(parsed, "幸区", 2025, **kwargs)


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_seed_workbook_imports_to_the_fixture(bare_ward, layout):
    Sheet.objects.create(ward=bare_ward, fiscal_year=2025, phase=Sheet.Phase.IN_PROGRESS)
    plan = import_seed(layout, create_missing=True)
    expected = fixture_content()
    if not (layout.preamble and layout.policies):
        expected["policies"] = []
    assert sheet_content("幸区", 2025) == expected
    assert (plan.created, plan.changed, plan.unchanged) == (42, 0, 0)
    assert len(plan.missing_departments) == 15 and plan.missing_categories == []


def test_several_worksheets_say_which_one_is_read(bare_ward):
    parsed = read_workbook(
        build_seed_workbook(Layout(extra_sheets=True)), Category.objects.values_list("name", flat=True)
    )
    assert parsed.worksheets == ["表紙", "取組シート", "メモ"]
    assert parsed.worksheet == "取組シート"


def test_reimporting_the_same_workbook_changes_nothing(bare_ward):
    import_seed(Layout(), create_missing=True)
    parsed = read_workbook(build_seed_workbook(Layout()), Category.objects.values_list("name", flat=True))
    plan = build_plan(parsed, "幸区", 2025)
    assert (plan.created, plan.changed, plan.unchanged) == (0, 0, 42)
    assert not plan.writes_anything and not plan.problems


def test_title_year_and_office_are_read_and_a_different_target_needs_confirmation(bare_ward):
    parsed = read_workbook(build_seed_workbook(Layout()), Category.objects.values_list("name", flat=True))
    assert (parsed.title_year, parsed.office_name) == (2025, "幸区役所")
    plan = build_plan(parsed, "幸区", 2026)
    assert "ブックの表題は令和7年度ですが、令和8年度の取組シートに読み込みます。" in plan.confirmations
