"""The one layout every output draws: order, row spans, labels, the last column, queries."""

import pytest

from departments.models import Department
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet
from goals.seed.parser import SEED_TEXT, parse_seed_text
from goals.seed.synthetic import build_synthetic_sheet
from goals.sheet.layout import build_layout, departments_on
from goals.sheet.vocabulary import HEADERS
from tests.sheet_helpers import hand_in


@pytest.fixture
def official():
    """The seed document itself, parsed independently of the database."""
    return parse_seed_text(SEED_TEXT.read_text(encoding="utf-8"))


def test_layout_shows_the_official_sheet_in_order(seed, official):
    layout = build_layout(seed)
    assert layout.title == "令和7年度向上指針取組シート"
    assert layout.issuer == "幸区役所"
    assert layout.policy_heading == "区役所サービス向上方針"
    assert [(p.marker, p.text) for p in layout.policies] == [
        ("①②③④"[n - 1], text) for n, text in official.policies
    ]
    assert layout.goals_heading == "区役所サービス向上目標"
    assert layout.headers == (
        "部署名",
        "番号",
        "区分",
        "目標及び具体的な取組内容",
        "実施結果及び目標の達成度",
    )
    expected = [(d.name, g.number, g.category or "", g.text) for d in official.departments for g in d.goals]
    assert [(r.department, r.number, r.category, r.text) for r in layout.rows] == expected
    assert [r.index for r in layout.rows] == list(range(42))
    assert [p.name for p in layout.departments] == [d.name for d in official.departments]


def test_department_cell_spans_its_rows(seed):
    layout = build_layout(seed)
    spans = {part.name: [row.department_rowspan for row in part.rows] for part in layout.parts}
    assert spans["総務課"] == [3, 0, 0]
    assert spans["保険年金課"] == [2, 0]
    assert spans["児童家庭課"] == [3, 0, 0]
    assert all(span[0] == len(span) and not any(span[1:]) for span in spans.values())
    assert len(spans) == 15


def test_number_label_and_missing_category_are_kept(seed):
    rows = build_layout(seed).rows
    kodomo = [(r.number, r.category) for r in rows if r.department == "児童家庭課"]
    assert kodomo == [("1", "共通"), ("2・3", "対応"), ("4", "対面")]
    assert {r.category for r in rows if r.department == "保険年金課"} == {""}


def test_first_year_of_reiwa_is_gannen(seed):
    sheet = Sheet.objects.create(ward=seed.ward, fiscal_year=2019)
    assert build_layout(sheet).title == "令和元年度向上指針取組シート"
    assert build_layout(sheet).filename("pdf") == "令和元年度向上指針取組シート_幸区.pdf"


def test_last_column_is_empty_in_planning_for_handwriting(seed):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    seed.refresh_from_db()
    rows = build_layout(seed).rows
    assert all(row.achievement == row.result == row.result_cell == row.mark == "" for row in rows)


def test_results_not_handed_in_are_marked_not_printed(seed):
    """実施中: a draft is not a result; 差戻し makes a handed-in result a draft again."""
    Goal.objects.filter(sheet=seed).update(
        result="下書きの実施結果", achievement=AchievementLevel.objects.get(number=1)
    )
    hand_in(seed, "総務課")
    hand_in(seed, "企画課", status=DepartmentReport.Status.CONFIRMED)
    hand_in(seed, "衛生課", status=DepartmentReport.Status.RETURNED)
    hand_in(seed, "区民課", status=DepartmentReport.Status.IN_PROGRESS)
    by_department = {}
    for row in build_layout(seed).rows:
        by_department.setdefault(row.department, set()).add((row.mark, row.result, row.achievement))
    printed = {("", "下書きの実施結果", "達成度：1 目標を大きく上回って達成")}
    assert by_department["総務課"] == by_department["企画課"] == printed
    assert by_department["衛生課"] == {("未提出（差戻し中）", "", "")}
    assert by_department["区民課"] == by_department["保護課"] == {("未提出", "", "")}
    assert all("下書き" not in row.result_cell for row in build_layout(seed).rows if row.mark)


def test_last_column_shows_level_then_result(seed):
    goal = Goal.objects.get(sheet=seed, department__name="総務課", number="2")
    goal.achievement = AchievementLevel.objects.get(number=3)
    goal.result = "苦情対応の手順書を改訂した。\n全職員に周知した。"
    goal.save()
    only_result = Goal.objects.get(sheet=seed, department__name="総務課", number="3")
    only_result.result = "案内表示を更新した。"
    only_result.save()
    hand_in(seed, "総務課")
    rows = {row.number: row for row in build_layout(seed).rows if row.department == "総務課"}
    assert rows["2"].achievement == "達成度：3 目標をほぼ達成"
    assert rows["2"].level.text == "3 目標をほぼ達成"
    assert (
        rows["2"].result_cell == "達成度：3 目標をほぼ達成\n苦情対応の手順書を改訂した。\n全職員に周知した。"
    )
    assert rows["3"].result_cell == "案内表示を更新した。"
    assert rows["1"].result_cell == ""


def test_one_department_part(seed):
    somu = Department.objects.get(ward=seed.ward, name="総務課")
    layout = build_layout(seed, somu)
    assert layout.department == "総務課"
    assert [row.number for row in layout.rows] == ["1", "2", "3"]
    assert layout.rows[0].department_rowspan == 3
    assert layout.filename("xlsx") == "令和7年度向上指針取組シート_幸区_総務課.xlsx"
    assert [p.marker for p in layout.policies] == ["①", "②", "③", "④"]


def test_department_with_a_report_but_no_goal_gets_one_empty_row(seed):
    new = Department.objects.create(ward=seed.ward, name="新設課", order=999)
    DepartmentReport.objects.create(sheet=seed, department=new)
    idle = Department.objects.create(ward=seed.ward, name="休止課", order=1000)
    assert new in departments_on(seed)
    assert idle not in departments_on(seed)
    last = build_layout(seed).parts[-1]
    assert last.name == "新設課"
    assert [(r.department_rowspan, r.number, r.text, r.result_cell) for r in last.rows] == [(1, "", "", "")]
    assert last.rows[0].status == "未入力"


def test_unsafe_characters_leave_the_filename(seed):
    odd = Department.objects.create(ward=seed.ward, name='企画/調整:課*"?', order=5)
    DepartmentReport.objects.create(sheet=seed, department=odd)
    assert build_layout(seed, odd).filename("pdf") == "令和7年度向上指針取組シート_幸区_企画_調整_課___.pdf"


def test_paged_at_repeats_the_department_cell(seed):
    layout = build_layout(seed)
    # Rows 2–4 are 総務課; a page opening at row 3 cuts it, one opening at row 5 (企画課) does not.
    paged = layout.paged_at([3, 5])
    somu = [p for p in paged.parts if p.name == "総務課"]
    assert [[r.index for r in p.rows] for p in somu] == [[2], [3, 4]]
    assert [(p.continued, p.starts_page) for p in somu] == [(False, False), (True, True)]
    assert [p.label for p in somu] == ["総務課", "総務課（続き）"]
    assert [r.department_rowspan for p in somu for r in p.rows] == [1, 2, 0]
    kikaku = next(p for p in paged.parts if p.name == "企画課")
    assert (kikaku.continued, kikaku.starts_page) == (False, True)
    assert [r.index for r in paged.rows] == list(range(42))
    assert [p.name for p in paged.departments] == [p.name for p in layout.departments]
    assert HEADERS == paged.headers


@pytest.mark.parametrize("scale", [1, 10])
def test_layout_queries_do_not_grow_with_the_sheet(seed, django_assert_num_queries, scale):
    """One query each for departments (with their report's status), goals (with 区分 and 達成度),
    policies and the achievement scale, and for a 確定 sheet its history: no query per row."""
    sheet = build_synthetic_sheet(scale=scale, ward_name=f"試験区{scale}")
    sheet = Sheet.objects.select_related("ward").get(pk=sheet.pk)
    with django_assert_num_queries(4):
        layout = build_layout(sheet)
    assert len(layout.rows) == 42 * scale
    sheet.phase = Sheet.Phase.CLOSED
    sheet.save()
    with django_assert_num_queries(5):
        assert build_layout(sheet).statement.final
