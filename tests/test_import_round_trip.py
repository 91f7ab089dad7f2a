"""Round trip: export a sheet to .xlsx (goals/sheet/workbook.py), import it into another year, export again: identical content.

The property test generates the texts people really type or paste: Japanese and Latin text, line breaks
and tabs, 〜, ①, 髙, 𠮷 (outside the BMP), half-width kana, text beginning with = + - @, <script>, and
goals with and without 区分, results and 達成度, departments with no goal yet.
"""

from io import BytesIO

import openpyxl
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department, Ward
from goals.imports.commit import commit_import
from goals.imports.reader import read_workbook
from goals.models import (
    GOAL_TEXT_MAX,
    AchievementLevel,
    Category,
    DepartmentReport,
    Goal,
    ServicePolicy,
    Sheet,
)
from goals.sheet.layout import build_layout
from goals.sheet.workbook import render_xlsx


def export(sheet) -> bytes:
    return render_xlsx(build_layout(sheet))


def workbook_content(data: bytes):
    """Every cell's value and type and every merged range; the title (it names the year) is returned apart."""
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    cells = {
        (c.row, c.column): (c.value, c.data_type)
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    }
    title = cells.pop((1, 1))
    return title[0], cells, sorted(str(r) for r in sheet.merged_cells.ranges)


def import_into(data: bytes, ward: str, year: int) -> Sheet:
    parsed = read_workbook(data, Category.objects.values_list("name", flat=True))
    commit_import(parsed, ward, year, create_missing=True)
    return Sheet.objects.get(ward__name=ward, fiscal_year=year)


def assert_round_trip(source: Sheet, year: int) -> Sheet:
    # The sheet prints the results its departments handed in (提出済み・確認済み); the workbook carries
    # results, not the review's state, so the imported year is given the same state before it is
    # exported again.
    source.reports.update(status=DepartmentReport.Status.SUBMITTED)
    first = export(source)
    target = import_into(first, source.ward.name, year)
    target.reports.update(status=DepartmentReport.Status.SUBMITTED)
    title, cells, merges = workbook_content(first)
    new_title, new_cells, new_merges = workbook_content(export(target))
    assert title == f"{source.fiscal_year_label}向上指針取組シート"
    assert new_title == f"{target.fiscal_year_label}向上指針取組シート"
    assert new_cells == cells
    assert new_merges == merges
    return target


def goal_values(sheet):
    return list(
        Goal.objects.filter(sheet=sheet)
        .order_by("department__order", "order")
        .values_list(
            "department__name", "number", "order", "category__name", "text", "result", "achievement__number"
        )
    )


def test_seed_sheet_with_results_round_trips_into_another_year(seed):
    levels = list(AchievementLevel.objects.all())
    for index, goal in enumerate(Goal.objects.filter(sheet=seed).order_by("pk")[:10]):
        goal.result = f"実施結果{index}\n二行目 =SUM(A1) <script>"
        goal.achievement = levels[index % len(levels)] if index % 3 else None
        goal.save()
    department = Department.objects.create(ward=seed.ward, name="新設課", order=999)
    DepartmentReport.objects.create(sheet=seed, department=department)
    target = assert_round_trip(seed, 2026)
    assert goal_values(target) == goal_values(seed)
    assert list(target.policies.values_list("number", "text")) == list(
        seed.policies.values_list("number", "text")
    )
    assert target.reports.filter(department=department).exists()


FRAGMENTS = [
    "窓口", "対応", "します", "。", "、", "市民", "サービス", "髙橋", "𠮷野家", "〜", "①", "②", "ｶﾀｶﾅ", "ﾊﾟ",
    "abc", "Latin text", "123", " ", "\n", "\t", "<script>alert(1)</script>", "&amp;", '"', "'", "#N/A", "(", "）",
]  # fmt: skip
FORMULA_STARTS = ["=", "=SUM(A1:A3)", "+81", "-", "@user"]

fragment_text = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join)
goal_text = (
    st.one_of(fragment_text, st.tuples(st.sampled_from(FORMULA_STARTS), fragment_text).map("".join))
    .map(str.strip)
    .filter(lambda t: t and len(t) <= GOAL_TEXT_MAX)
)
result_text = st.one_of(st.just(""), goal_text)
department_names = st.lists(
    st.lists(st.sampled_from(["総務", "課", "髙", "𠮷", "ｶ", "①", "地域", "A"]), min_size=1, max_size=4).map(
        "".join
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda name: name,
)


@st.composite
def sheets(draw):
    names = draw(department_names)
    departments = []
    for name in names:
        goals = draw(
            st.lists(
                st.tuples(goal_text, result_text, st.one_of(st.none(), st.integers(1, 5)), st.booleans()),
                min_size=0,
                max_size=3,
            )
        )
        departments.append((name, goals))
    policies = draw(st.lists(goal_text, min_size=0, max_size=3))
    return departments, policies


def build_sheet(departments, policies) -> Sheet:
    ward = Ward.objects.create(name="試験区", office_name="試験区役所")
    sheet = Sheet.objects.create(ward=ward, fiscal_year=2025)
    category = Category.objects.get(name="対面対応")
    levels = {level.number: level for level in AchievementLevel.objects.all()}
    for order, text in enumerate(policies, 1):
        ServicePolicy.objects.create(sheet=sheet, number=order, text=text)
    for d_order, (name, goals) in enumerate(departments, 1):
        department = Department.objects.create(ward=ward, name=name, order=d_order * 10)
        DepartmentReport.objects.create(sheet=sheet, department=department)
        for g_order, (text, result, level, with_category) in enumerate(goals, 1):
            Goal.objects.create(
                sheet=sheet,
                department=department,
                number="2・3" if g_order == 2 else str(g_order),
                order=g_order,
                category=category if with_category else None,
                text=text,
                result=result,
                achievement=levels[level] if level else None,
            )
    return sheet


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheets())
def test_generated_texts_round_trip(bare_ward, generated):
    departments, policies = generated
    with transaction.atomic():
        source = build_sheet(departments, policies)
        target = assert_round_trip(source, 2026)
        assert goal_values(target) == goal_values(source)
        assert list(target.policies.values_list("text", flat=True)) == policies
        transaction.set_rollback(True)


def test_our_own_workbook_of_a_year_in_progress_leaves_drafts_and_reads_levels_back(seed, levels):
    """The sheet prints 未提出 where a department has not handed in; importing that mark erases nothing.

    A submitted result is printed as 「達成度：2 目標を上回って達成」 above its text, and comes back as
    level 2 and the text alone.
    """
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    goals = list(Goal.objects.filter(sheet=seed).order_by("department__order", "order", "pk"))
    draft, handed_in = goals[0], next(g for g in goals if g.department_id != goals[0].department_id)
    Goal.objects.filter(pk=draft.pk).update(result="下書きの結果", achievement=levels[0])
    Goal.objects.filter(pk=handed_in.pk).update(result="提出した結果\n二行目", achievement=levels[1])
    DepartmentReport.objects.filter(sheet=seed, department=handed_in.department).update(
        status=DepartmentReport.Status.SUBMITTED
    )
    seed.refresh_from_db()
    data = export(seed)
    cells = [
        c
        for row in openpyxl.load_workbook(BytesIO(data)).worksheets[0].iter_rows(values_only=True)
        for c in row
    ]
    assert "未提出" in cells
    assert f"達成度：{levels[1].number} {levels[1].label}\n提出した結果\n二行目" in cells
    before = list(Goal.objects.order_by("pk").values("pk", "result", "achievement_id", "version"))
    parsed = read_workbook(data, Category.objects.values_list("name", flat=True), None)
    assert any("未提出" in note for note in parsed.notes)
    plan = commit_import(parsed, seed.ward.name, seed.fiscal_year)
    assert [g for d in plan.departments for g in d.goals if g.kind != "unchanged"] == []
    assert list(Goal.objects.order_by("pk").values("pk", "result", "achievement_id", "version")) == before
