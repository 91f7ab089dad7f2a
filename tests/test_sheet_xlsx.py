"""The workbook read back with openpyxl: every text in its cell, merged departments, print setup,
text that looks like a formula kept as text, rows tall enough for their lines."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from departments.models import Department
from goals.models import AchievementLevel, DepartmentReport, Goal, ServicePolicy
from goals.sheet.layout import build_layout
from goals.sheet.textfit import text_em
from goals.sheet.workbook import render_xlsx
from tests.sheet_helpers import hand_in

HEADER = ["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度"]


def read(content: bytes):
    return load_workbook(io.BytesIO(content))["取組シート"]


def header_row(sheet) -> int:
    return next(row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value == "部署名")


@pytest.fixture
def seed_sheet(seed):
    return read(render_xlsx(build_layout(seed)))


def test_title_issuer_and_policies(seed, seed_sheet):
    assert seed_sheet["A1"].value == "令和7年度向上指針取組シート"
    assert seed_sheet["A2"].value == "幸区役所"
    assert seed_sheet["A2"].alignment.horizontal == "right"
    assert seed_sheet["A4"].value == "■ 区役所サービス向上方針"
    policies = ServicePolicy.objects.filter(sheet=seed).order_by("number")
    assert [seed_sheet.cell(row=5 + i, column=1).value for i in range(4)] == [
        f"{p.marker} {p.text}" for p in policies
    ]
    assert seed_sheet.cell(row=10, column=1).value == "■ 区役所サービス向上目標"


def test_header_row_and_every_goal_in_its_cells(seed, seed_sheet):
    top = header_row(seed_sheet)
    assert [c.value for c in seed_sheet[top]] == HEADER
    goals = list(
        Goal.objects.filter(sheet=seed)
        .select_related("department", "category")
        .order_by("department__order", "order")
    )
    rows = list(seed_sheet.iter_rows(min_row=top + 1, values_only=True))
    assert len(rows) == len(goals) == 42
    page_starts = {brk.id + 1 for brk in seed_sheet.row_breaks.brk}
    department = None
    for row, (goal, (name, number, category, text, result)) in enumerate(
        zip(goals, rows, strict=True), top + 1
    ):
        if goal.department.name != department or row in page_starts:
            assert name == goal.department.name  # again on a new printed page
            department = goal.department.name
        else:
            assert name is None  # covered by the merge above
        assert number == goal.number
        assert category == (goal.category.name if goal.category else None)
        assert text == goal.text
        assert result == "未提出"  # 実施中, nothing handed in yet


def test_each_department_is_merged_over_its_rows(seed, seed_sheet):
    top = header_row(seed_sheet)
    merged = {
        str(r) for r in seed_sheet.merged_cells.ranges if r.min_col == r.max_col == 1 and r.min_row > top
    }
    page_starts = {brk.id + 1 for brk in seed_sheet.row_breaks.brk}
    expected, row = set(), top + 1
    for part in build_layout(seed).parts:
        blocks = [[]]
        for _ in part.rows:
            if row in page_starts and blocks[-1]:
                blocks.append([])  # a new printed page: the department's name again
            blocks[-1].append(row)
            row += 1
        expected.update(f"A{block[0]}:A{block[-1]}" for block in blocks if len(block) > 1)
    assert merged == expected
    assert "A13:A14" in merged  # 危機管理担当, two goals (below the legend and the header)
    assert "A15:A16" in merged and 17 in page_starts  # 総務課, three goals: two, then a new page


def test_cells_under_a_merged_department_carry_its_outline(seed):
    """Excel draws a merged range's outline from the cells it covers: each holds the left and
    right borders, the last also the bottom one (read as stored, without openpyxl's merging)."""
    content = render_xlsx(build_layout(seed))
    merges = read(content).merged_cells.ranges
    stored = load_workbook(io.BytesIO(content), read_only=True)["取組シート"]
    column_a = {number: row[0] for number, row in enumerate(stored.iter_rows(max_col=1), 1)}
    department_merges = [r for r in merges if r.min_col == r.max_col == 1]
    assert department_merges
    for merge in department_merges:
        for row in range(merge.min_row + 1, merge.max_row + 1):
            border = column_a[row].border
            assert column_a[row].value is None
            assert border.left.style == border.right.style == "thin"
            assert bool(border.bottom and border.bottom.style) is (row == merge.max_row)
    # The preamble's lines are merged across the table's five columns.
    assert {"A1:E1", "A2:E2"} <= {str(r) for r in merges}


def test_print_setup(seed_sheet):
    top = header_row(seed_sheet)
    setup = seed_sheet.page_setup
    assert setup.orientation == "landscape"
    assert int(setup.paperSize) == 9  # A4
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    assert seed_sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert seed_sheet.print_title_rows == f"${top}:${top}"
    assert seed_sheet.oddFooter.center.text == "&P / &N"
    assert seed_sheet.oddFooter.right.text.startswith("出力日 令和")


def test_japanese_font_wrapping_and_borders(seed_sheet):
    top = header_row(seed_sheet)
    goal_cell = seed_sheet.cell(row=top + 1, column=4)
    assert goal_cell.font.name == "ＭＳ ゴシック"
    assert goal_cell.alignment.wrap_text is True
    assert goal_cell.border.left.style == goal_cell.border.bottom.style == "thin"
    assert seed_sheet["A1"].font.name == "ＭＳ ゴシック"
    widths = [seed_sheet.column_dimensions[letter].width for letter in "ABCDE"]
    assert widths[3] > widths[4] > widths[0] > widths[2] > widths[1]
    # 番号 and 区分 fit on one line: two units a full-width character, one a half-width.
    assert widths[1] >= len("2・3") + 2 and widths[2] >= 2 * len("お知らせ")
    assert widths[0] >= 2 * len("道路公園センター")
    assert 140 <= sum(widths) <= 160  # A4 landscape at about 100 %


def test_rows_are_tall_enough_for_every_line(seed, seed_sheet):
    """Checked against a plain model: every line holds at most the column's width in full-width
    characters, and a line of 10 pt ＭＳ ゴシック needs at least 12 pt."""
    top = header_row(seed_sheet)
    for offset, row in enumerate(build_layout(seed).rows, 1):
        height = seed_sheet.row_dimensions[top + offset].height
        for column, text in ((4, row.text), (5, row.result_cell)):
            width_em = seed_sheet.column_dimensions["ABCDE"[column - 1]].width * 7 / (10 * 96 / 72)
            lines = -(-text_em(text) // width_em)
            assert height >= lines * 12, (row.index, height, lines)


def test_results_with_level_in_the_last_column(seed):
    goal = Goal.objects.get(sheet=seed, department__name="区民課", number="1")
    goal.achievement = AchievementLevel.objects.get(number=1)
    goal.result = "説明資料を改訂し、窓口での案内時間を短縮した。"
    goal.save()
    hand_in(seed)
    sheet = read(render_xlsx(build_layout(seed)))
    values = [row[4] for row in sheet.iter_rows(min_row=header_row(sheet) + 1, values_only=True)]
    assert "達成度：1 目標を大きく上回って達成\n説明資料を改訂し、窓口での案内時間を短縮した。" in values
    assert values.count(None) == 41


@pytest.mark.parametrize("text", ["=SUM(A1:A3)", "+81-44-000-0000", "-1", "@media", "#N/A"])
def test_text_that_looks_like_a_formula_stays_text(seed, text):
    department = Department.objects.get(ward=seed.ward, name="衛生課")
    Goal.objects.create(sheet=seed, department=department, number="9", order=9, text=text, result=text)
    hand_in(seed, "衛生課")
    content = render_xlsx(build_layout(seed, department))
    sheet = read(content)
    cells = next(row for row in sheet.iter_rows(min_row=header_row(sheet) + 1) if row[1].value == "9")
    for cell in (cells[3], cells[4]):
        assert cell.value == text
        assert cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml
    if text[0] in "=+-@":
        assert cells[3].quotePrefix


def test_characters_xml_cannot_hold_are_removed(seed):
    department = Department.objects.get(ward=seed.ward, name="衛生課")
    Goal.objects.create(
        sheet=seed, department=department, number="9", order=9, text="ベル\x07と\x1bエスケープ\tタブ\n改行"
    )
    sheet = read(render_xlsx(build_layout(seed, department)))
    texts = [row[3] for row in sheet.iter_rows(min_row=header_row(sheet) + 1, values_only=True)]
    assert "ベルとエスケープ\tタブ\n改行" in texts


def test_department_workbook_holds_its_part(seed):
    somu = Department.objects.get(ward=seed.ward, name="総務課")
    sheet = read(render_xlsx(build_layout(seed, somu)))
    rows = list(sheet.iter_rows(min_row=header_row(sheet) + 1, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [("総務課", "1"), (None, "2"), (None, "3")]


def test_department_without_goals_gets_an_empty_row(seed):
    new = Department.objects.create(ward=seed.ward, name="新設課", order=999)
    DepartmentReport.objects.create(sheet=seed, department=new)
    sheet = read(render_xlsx(build_layout(seed, new)))
    rows = list(sheet.iter_rows(min_row=header_row(sheet) + 1, values_only=True))
    assert rows == [("新設課", None, None, None, None)]


def test_the_workbook_is_built_without_the_cycle_collector(seed, monkeypatch):
    """The collector would walk the whole heap again and again while the cells are made: a 30×
    workbook cost more than three 10× ones (docs/benchmarks.md). Both workbooks, the ward's and the
    city's, are built and saved with it paused, and it runs again afterwards."""
    import gc

    from openpyxl import Workbook

    from goals.sheet import workbook
    from goals.sheet.rollup import build_city_layout, render_rollup_xlsx

    layout, city = build_layout(seed), build_city_layout(seed.ward.city, seed.fiscal_year)
    collecting = []

    def watched(function):
        def call(*args, **kwargs):
            collecting.append(gc.isenabled())
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(workbook, "write_sheet", watched(workbook.write_sheet))
    monkeypatch.setattr(Workbook, "save", watched(Workbook.save))
    content, rollup = render_xlsx(layout), render_rollup_xlsx(city)
    assert collecting and not any(collecting)
    assert gc.isenabled()
    assert load_workbook(io.BytesIO(content)).sheetnames == ["取組シート", "一覧"]
    assert len(load_workbook(io.BytesIO(rollup)).sheetnames) >= 2
