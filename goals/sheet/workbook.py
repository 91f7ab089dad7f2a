"""The 取組シート as an Excel workbook (openpyxl), drawn from goals/sheet/layout.py's layout.

What the workbook holds, for people and for programs that read it back
(the importer recognises columns by their header text):

- First worksheet, 「取組シート」, the official layout. From the top: the title
  (令和7年度向上指針取組シート), the issuing office (right-aligned),
  「区役所サービス向上方針」 and one row per policy item (「① …」),
  「区役所サービス向上目標」, the legend of the achievement scale on one row
  (「達成度の凡例　1 目標を大きく上回って達成　2 …」), then the goals table.
- The goals table's header row holds exactly, in columns A–E:
  部署名 | 番号 | 区分 | 目標及び具体的な取組内容 | 実施結果及び目標の達成度.
  It is the sheet's print title row (repeated on every printed page).
- One row per goal below it. 部署名 is merged vertically over the
  department's rows on a printed page (the value sits in the first row of
  the merge); a department running on to the next page starts a new merge
  there with its name again (the same name: importers join them). 番号 is
  the goal's label as text (「2・3」 is a valid number); 区分 is empty when the
  goal has none; the goal text is exactly as stored.
- 実施結果及び目標の達成度: only results the department handed in (提出済み・確認済み).
  From 実施中 on, a department that has not shows 「未提出」 (「未提出（差戻し中）」
  after a 差戻し) in its result cells, which the importer reads as no result;
  in 計画 they are empty. A handed-in result with a level: the cell's value
  starts with the line 「達成度：<number> <label>」 (e.g. 「達成度：3 目標をほぼ
  達成」), as the PDF prints it, then a line break and the result text.
  Without a level it is the result text alone.
- Every text cell is a string cell (data type 's'), even when it starts with
  =, +, - or @ (such cells also carry Excel's quote prefix, so editing them
  keeps them text). Characters XML cannot hold (control characters other
  than tab and line break) are removed; nothing else is changed.

- Second worksheet, 「一覧」: the same goals as a flat table with an autofilter,
  one row per goal: 区 | 年度 | 部署 | 番号 | 区分 | 目標 | 実施結果 | 達成度 (a
  number) | 達成度の名称 | 提出状況. 実施結果 and 達成度 are empty unless handed in.

Print setup: A4 landscape, fit to one page wide, the header row repeated,
what the sheet is (作成中（案） or 確定, with the dates) in the page header,
「n / N」 page numbers and the output date in the footer, and manual page
breaks between goals planned from the row heights by the PDF's rule
(goals/sheet/pagination.page_starts), so no printed page opens inside a
department without its name. Column widths and row heights are computed from
the text (East Asian width, goals/sheet/textfit.py) so every line shows without
manual fixing, up to Excel's limit of 409 points a row.

Styles are the workbook's named styles (「取組シート 本文」 and so on, listed in
Excel's cell styles), registered once per workbook: a cell takes one by name,
which costs the same whatever the sheet's size, where assigning font, border
and alignment objects to each cell makes openpyxl hash them all again.
Merged ranges are collected and handed to the worksheet once (openpyxl's
merge_cells compares each new range with every earlier one), and the cells
they cover in the 部署名 column carry the range's outer borders, as Excel
stores them.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from goals.lib.collector import collector_paused
from goals.lib.text import FORMULA_PREFIXES, xml_safe
from goals.lib.wareki import fiscal_year_label
from goals.sheet.layout import SheetLayout
from goals.sheet.pagination import page_starts
from goals.sheet.textfit import count_lines, text_em
from goals.sheet.vocabulary import FLAT_HEADERS, FLAT_SHEET_TITLE

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "取組シート"
FONT_NAME = "ＭＳ ゴシック"  # on every Japanese Windows; monospaced, so widths are predictable
FONT_SIZE = 10
# Total width of the five columns in Excel's units (about one half-width
# character each): fits A4 landscape at close to 100 %.
TABLE_WIDTH = 150
MAX_DEPARTMENT_WIDTH = 24
# Excel's unit is the width of a digit of the default font (7 px; a column
# also gets 5 px, about what the cell's own margins take); a full-width
# character of 10 pt is 13.33 px.
UNIT_PX, EM_PX = 7, FONT_SIZE * 96 / 72
# Windows fonts and Excel's own line breaking differ a little from ours:
# leave one character of room per line, and give each line 1.35 times the font size.
SAFETY_EM = 1.0
LINE_PT, CELL_PADDING_PT = FONT_SIZE * 1.35, 4
MAX_ROW_PT = 409
# The printed page (A4 landscape less the margins below), in points, and the room
# kept for Excel's and LibreOffice's own rounding of row heights and scale.
PAGE_WIDTH_PT = (297 - 25.4 * 0.8) * 72 / 25.4
PAGE_HEIGHT_PT = (210 - 25.4 * 1.1) * 72 / 25.4
PAGE_SLACK = 0.94
# The level's label, printed before the value (which stays what the importer reads).
FLAT_WIDTHS = (8, 11, 18, 6, 10, 60, 60, 7, 24, 10)

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
TEXT = Font(name=FONT_NAME, size=FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
HEADER_FILL = PatternFill("solid", start_color="E8E8E8")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
TITLE = Font(name=FONT_NAME, size=14, bold=True)
ISSUER = Font(name=FONT_NAME, size=11)

# The workbook's named styles: (font, alignment, border, fill) by name.
STYLE_BODY = "取組シート 本文"
STYLE_BODY_CENTER = "取組シート 本文（中央）"
STYLE_HEADER = "取組シート 見出し"
STYLE_TITLE = "取組シート 表題"
STYLE_ISSUER = "取組シート 作成者"
STYLE_HEADING = "取組シート 小見出し"
STYLE_LINE = "取組シート 文"
# The cells under a department's merged name: the range's left and right edges, and its
# bottom edge on the last row.
STYLE_COVERED = "取組シート 結合"
STYLE_COVERED_LAST = "取組シート 結合（下端）"
STYLES = {
    STYLE_BODY: (TEXT, WRAP_TOP, BORDER, None),
    STYLE_BODY_CENTER: (TEXT, WRAP_CENTER, BORDER, None),
    STYLE_HEADER: (BOLD, HEADER_ALIGN, BORDER, HEADER_FILL),
    STYLE_TITLE: (TITLE, Alignment(horizontal="center", vertical="center"), None, None),
    STYLE_ISSUER: (ISSUER, Alignment(horizontal="right", vertical="center"), None, None),
    STYLE_HEADING: (BOLD, Alignment(vertical="center"), None, None),
    STYLE_LINE: (TEXT, WRAP_TOP, None, None),
    STYLE_COVERED: (TEXT, None, Border(left=_thin, right=_thin), None),
    STYLE_COVERED_LAST: (TEXT, None, Border(left=_thin, right=_thin, bottom=_thin), None),
}


def add_named_styles(workbook):
    """The sheet's named styles in `workbook`, once (a later call finds them there)."""
    if STYLE_BODY in workbook.named_styles:
        return
    # New NamedStyle objects for each workbook: binding one to a workbook changes it.
    for name, (font, alignment, border, fill) in STYLES.items():
        workbook.add_named_style(NamedStyle(name, font=font, alignment=alignment, border=border, fill=fill))


def render_xlsx(layout: SheetLayout) -> bytes:
    with collector_paused():
        workbook = Workbook()
        worksheet = workbook.active
        worksheet.title = SHEET_TITLE
        workbook.properties.title = f"{layout.title} {layout.ward}"
        workbook.properties.creator = layout.issuer
        write_sheet(worksheet, layout)
        _write_flat(workbook.create_sheet(FLAT_SHEET_TITLE), layout)
        output = BytesIO()
        workbook.save(output)
        return output.getvalue()


def write_sheet(worksheet, layout: SheetLayout) -> None:
    """The official layout on one worksheet (also one ward's worksheet of the city's roll-up)."""
    add_named_styles(worksheet.parent)
    widths = _column_widths(layout)
    for column, width in enumerate(widths, 1):
        worksheet.column_dimensions[get_column_letter(column)].width = width
    merged = []
    header_row = _write_preamble(worksheet, layout, sum(widths), merged)
    paged, heights = _paged(worksheet, layout, header_row, widths)
    _write_goals(worksheet, paged, header_row, widths, heights, merged)
    worksheet.merged_cells = MultiCellRange(merged)
    _print_setup(worksheet, layout, header_row)


def _column_widths(layout: SheetLayout) -> list[float]:
    """部署名, 番号 and 区分 as wide as their longest text (部署名 up to a limit, past which it
    wraps); the goal and result columns share the rest in the layout's proportion."""
    rows = layout.rows
    department = min(_widest(layout.headers[0], (part.name for part in layout.parts)), MAX_DEPARTMENT_WIDTH)
    number = _widest(layout.headers[1], (row.number for row in rows))
    category = _widest(layout.headers[2], (row.category for row in rows))
    rest = TABLE_WIDTH - department - number - category
    goal_share, result_share = layout.column_widths[3:]
    goal = round(rest * goal_share / (goal_share + result_share), 1)
    return [department, number, category, goal, round(rest - goal, 1)]


def _widest(header: str, texts) -> float:
    """Excel units for the widest text: two per full-width character, one per half-width, plus margins."""
    return max(text_em(text, 0.5) * 2 for text in (header, *texts)) + 2


def _text_em(width_units: float) -> float:
    return width_units * UNIT_PX / EM_PX - SAFETY_EM


def _height(lines: int) -> float:
    return min(max(lines, 1) * LINE_PT + CELL_PADDING_PT, MAX_ROW_PT)


def _set(worksheet, row: int, column: int, value, style: str | None = STYLE_BODY):
    cell = worksheet.cell(row=row, column=column)
    if style:
        cell.style = style
    if isinstance(value, int):
        cell.value = value
        return cell
    value = xml_safe(value)
    if value:
        cell.value = value
        # openpyxl would store 「=…」 as a formula and 「#N/A」 as an error.
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


def set_cell(worksheet, row: int, column: int, value, font=TEXT, alignment=WRAP_TOP, border=None):
    """A cell of another worksheet drawn in the sheet's style (the city's roll-up summary), written
    as safely as the sheet's own. Style objects here: such a worksheet has a few dozen cells."""
    cell = _set(worksheet, row, column, value, None)
    cell.font, cell.alignment = font, alignment
    if border:
        cell.border = border
    return cell


def _merged_line(worksheet, row: int, value: str, style: str, last_column: int, merged: list):
    _set(worksheet, row, 1, value, style)
    merged.append(CellRange(min_col=1, min_row=row, max_col=last_column, max_row=row))


def _write_preamble(worksheet, layout: SheetLayout, total_width: float, merged: list) -> int:
    """Title, issuer and policies; returns the header row's number."""
    last = len(layout.headers)
    _merged_line(worksheet, 1, layout.title, STYLE_TITLE, last, merged)
    worksheet.row_dimensions[1].height = 24
    _merged_line(worksheet, 2, layout.issuer, STYLE_ISSUER, last, merged)
    _merged_line(worksheet, 4, f"■ {layout.policy_heading}", STYLE_HEADING, last, merged)
    row = 5
    for policy in layout.policies:
        text = f"{policy.marker} {policy.text}"
        _merged_line(worksheet, row, text, STYLE_LINE, last, merged)
        worksheet.row_dimensions[row].height = _height(count_lines(text, _text_em(total_width), 0.5))
        row += 1
    _merged_line(worksheet, row + 1, f"■ {layout.goals_heading}", STYLE_HEADING, last, merged)
    row += 2
    if layout.legend:
        _merged_line(worksheet, row, layout.legend_line, STYLE_LINE, last, merged)
        worksheet.row_dimensions[row].height = _height(
            count_lines(layout.legend_line, _text_em(total_width), 0.5)
        )
        row += 1
    return row


def _row_lines(row, text_ems) -> int:
    # Measured on the printed text (with 「達成度：」), which is what must fit.
    values = (row.number, row.category, row.text, row.result_cell)
    return max(count_lines(v, em, 0.5) for v, em in zip(values, text_ems[1:], strict=True))


def print_scale(widths: list[float]) -> int:
    """The percentage at which Excel prints the table one page wide (fit to width).

    Pages are planned at this scale. A program whose columns come out wider
    (LibreOffice without Windows fonts measures a column unit a third wider)
    prints smaller, so its pages have more room than planned, never less.
    """
    sheet_pt = sum(width * UNIT_PX + 5 for width in widths) * 0.75
    return min(100, int(PAGE_WIDTH_PT / sheet_pt * 100))


def _paged(worksheet, layout: SheetLayout, header_row: int, widths: list[float]):
    """The layout cut where the printed pages will start, by the PDF's rule on this sheet's heights,
    and each row's height by its index (measured once, for the plan and for the rows)."""
    text_ems = [_text_em(width) for width in widths]
    page = PAGE_HEIGHT_PT * 100 / print_scale(widths) * PAGE_SLACK - _height(1)
    preamble = sum(worksheet.row_dimensions[r].height or 15 for r in range(1, header_row))
    parts, row_heights = [], {}
    for part in layout.parts:
        heights = [_height(_row_lines(row, text_ems)) for row in part.rows]
        row_heights.update((row.index, height) for row, height in zip(part.rows, heights, strict=True))
        name = _height(count_lines(part.name, text_ems[0], 0.5))
        heights[-1] = min(heights[-1] + max(0.0, name - sum(heights)), MAX_ROW_PT)
        parts.append([(row.index, height) for row, height in zip(part.rows, heights, strict=True)])
    return layout.paged_at(page_starts(parts, page - preamble, page)), row_heights


def _write_goals(worksheet, layout: SheetLayout, header_row: int, widths, heights: dict, merged: list):
    for column, header in enumerate(layout.headers, 1):
        _set(worksheet, header_row, column, header, STYLE_HEADER)
    worksheet.row_dimensions[header_row].height = _height(1)
    name_em = _text_em(widths[0])
    row = header_row + 1
    for part in layout.parts:
        first = row
        if part.starts_page:
            worksheet.row_breaks.append(Break(id=row - 1))
        for goal in part.rows:
            if row == first:
                _set(worksheet, row, 1, goal.department)
            else:  # under the department's merged name
                worksheet.cell(row=row, column=1).style = (
                    STYLE_COVERED_LAST if goal is part.rows[-1] else STYLE_COVERED
                )
            _set(worksheet, row, 2, goal.number, STYLE_BODY_CENTER)
            _set(worksheet, row, 3, goal.category, STYLE_BODY_CENTER)
            _set(worksheet, row, 4, goal.text)
            _set(worksheet, row, 5, goal.result_cell)
            worksheet.row_dimensions[row].height = heights[goal.index]
            row += 1
        if row - 1 > first:
            merged.append(CellRange(min_col=1, min_row=first, max_col=1, max_row=row - 1))
        _fit_department_name(worksheet, part.name, first, row - 1, name_em)


def _fit_department_name(worksheet, name: str, first: int, last: int, width_em: float):
    """A long department name over few short rows: grow the last row so the name shows."""
    needed = _height(count_lines(name, width_em, 0.5))
    have = sum(worksheet.row_dimensions[r].height for r in range(first, last + 1))
    if needed > have:
        worksheet.row_dimensions[last].height = min(
            worksheet.row_dimensions[last].height + needed - have, MAX_ROW_PT
        )


def _print_setup(worksheet, layout: SheetLayout, header_row: int):
    setup = worksheet.page_setup
    setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    setup.paperSize = worksheet.PAPERSIZE_A4
    # Fit to one page wide, any number tall: manual page breaks are still honoured.
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.2, footer=0.25)
    worksheet.print_options.horizontalCentered = True
    worksheet.print_title_rows = f"{header_row}:{header_row}"
    worksheet.oddHeader.left.text = _header_text(layout.statement.mark)
    worksheet.oddHeader.left.font = f"{FONT_NAME},Bold"
    worksheet.oddHeader.right.text = _header_text(layout.statement.text)
    worksheet.oddFooter.center.text = "&P / &N"
    worksheet.oddFooter.right.text = f"出力日 {layout.output_date}"
    worksheet.freeze_panes = f"A{header_row + 1}"


def _header_text(text: str) -> str:
    # 「&」 starts a code in Excel's header and footer language.
    return text.replace("&", "&&")


def _write_flat(worksheet, layout: SheetLayout):
    """One row per goal, each fact in its own column, ready to filter, sort and pivot."""
    year = fiscal_year_label(layout.fiscal_year)
    for column, (header, width) in enumerate(zip(FLAT_HEADERS, FLAT_WIDTHS, strict=True), 1):
        _set(worksheet, 1, column, header, STYLE_HEADER)
        worksheet.column_dimensions[get_column_letter(column)].width = width
    row = 1
    for goal in layout.rows:
        if not (goal.number or goal.text):
            continue  # a department with no goal yet: nothing to list
        row += 1
        level = goal.level
        values = (
            layout.ward,
            year,
            goal.department,
            goal.number,
            goal.category,
            goal.text,
            goal.result,
            level.number if level else "",
            level.label if level else "",
            goal.status,
        )
        for column, value in enumerate(values, 1):
            _set(worksheet, row, column, value)
    worksheet.auto_filter.ref = f"A1:{get_column_letter(len(FLAT_HEADERS))}{row}"
    worksheet.freeze_panes = "A2"
    worksheet.page_setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_title_rows = "1:1"
