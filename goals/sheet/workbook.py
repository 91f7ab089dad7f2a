"""The 取組シート as an Excel workbook (openpyxl), drawn from goals/sheet/layout.py's layout.

What the workbook holds, for people and for programs that read it back
(the importer recognises columns by their header text):

- One worksheet, 「取組シート」. From the top: the title (令和7年度向上指針取組シート),
  the issuing office (right-aligned), 「区役所サービス向上方針」 and one row per
  policy item (「① …」), 「区役所サービス向上目標」, then the goals table.
- The goals table's header row holds exactly, in columns A–E:
  部署名 | 番号 | 区分 | 目標及び具体的な取組内容 | 実施結果及び目標の達成度.
  It is the sheet's print title row (repeated on every printed page).
- One row per goal below it. 部署名 is merged vertically over the
  department's rows (the value sits in the first row of the merge). 番号 is
  the goal's label as text (「2・3」 is a valid number); 区分 is empty when the
  goal has none; the goal text is exactly as stored.
- 実施結果及び目標の達成度: empty until results exist. Otherwise, when a level
  is set, its first line is 「<number> <label>」 (e.g. 「3 目標をほぼ達成」), then a
  line break and the result text; without a level it is the result text alone.
- Every text cell is a string cell (data type 's'), even when it starts with
  =, +, - or @ (such cells also carry Excel's quote prefix, so editing them
  keeps them text). Characters XML cannot hold (control characters other
  than tab and line break) are removed; nothing else is changed.

Print setup: A4 landscape, fit to one page wide, the header row repeated,
「n / N」 page numbers in the footer and the output date. Column widths and row
heights are computed from the text (East Asian width, goals/sheet/textfit.py) so
every line shows without manual fixing, up to Excel's limit of 409 points a
row.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from goals.lib.text import FORMULA_PREFIXES, xml_safe
from goals.sheet.layout import SheetLayout
from goals.sheet.textfit import count_lines, text_em

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

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
TEXT = Font(name=FONT_NAME, size=FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
ISSUER = Font(name=FONT_NAME, size=11)
HEADER_FILL = PatternFill("solid", start_color="E8E8E8")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")


def render_xlsx(layout: SheetLayout) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    workbook.properties.title = f"{layout.title} {layout.ward}"
    workbook.properties.creator = layout.issuer
    widths = _column_widths(layout)
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    header_row = _write_preamble(sheet, layout, sum(widths))
    _write_goals(sheet, layout, header_row, widths)
    _print_setup(sheet, layout, header_row)
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


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


def _set(sheet, row: int, column: int, value: str, font=TEXT, alignment=WRAP_TOP, border=None):
    cell = sheet.cell(row=row, column=column)
    value = xml_safe(value)
    if value:
        cell.value = value
        # openpyxl would store 「=…」 as a formula and 「#N/A」 as an error.
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    cell.font, cell.alignment = font, alignment
    if border:
        cell.border = border
    return cell


def _merged_line(sheet, row: int, value: str, font, alignment, last_column: int):
    _set(sheet, row, 1, value, font, alignment)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)


def _write_preamble(sheet, layout: SheetLayout, total_width: float) -> int:
    """Title, issuer and policies; returns the header row's number."""
    last = len(layout.headers)
    _merged_line(sheet, 1, layout.title, TITLE, Alignment(horizontal="center", vertical="center"), last)
    sheet.row_dimensions[1].height = 24
    _merged_line(sheet, 2, layout.issuer, ISSUER, Alignment(horizontal="right", vertical="center"), last)
    _merged_line(sheet, 4, f"■ {layout.policy_heading}", BOLD, Alignment(vertical="center"), last)
    row = 5
    for policy in layout.policies:
        text = f"{policy.marker} {policy.text}"
        _merged_line(sheet, row, text, TEXT, WRAP_TOP, last)
        sheet.row_dimensions[row].height = _height(count_lines(text, _text_em(total_width), 0.5))
        row += 1
    _merged_line(sheet, row + 1, f"■ {layout.goals_heading}", BOLD, Alignment(vertical="center"), last)
    return row + 2


def _write_goals(sheet, layout: SheetLayout, header_row: int, widths: list[float]):
    for column, header in enumerate(layout.headers, 1):
        cell = _set(sheet, header_row, column, header, BOLD, HEADER_ALIGN, BORDER)
        cell.fill = HEADER_FILL
    sheet.row_dimensions[header_row].height = _height(1)
    text_ems = [_text_em(width) for width in widths]
    row = header_row + 1
    for part in layout.parts:
        first = row
        for goal in part.rows:
            values = (goal.department, goal.number, goal.category, goal.text, goal.result_cell)
            for column, value in enumerate(values, 1):
                if column == 1 and row != first:
                    continue  # merged into the department's first row below
                _set(sheet, row, column, value, TEXT, WRAP_CENTER if column in (2, 3) else WRAP_TOP, BORDER)
            lines = max(count_lines(v, em, 0.5) for v, em in zip(values[1:], text_ems[1:], strict=True))
            sheet.row_dimensions[row].height = _height(lines)
            row += 1
        if row - 1 > first:
            sheet.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
        _fit_department_name(sheet, part.name, first, row - 1, text_ems[0])


def _fit_department_name(sheet, name: str, first: int, last: int, width_em: float):
    """A long department name over few short rows: grow the last row so the name shows."""
    needed = _height(count_lines(name, width_em, 0.5))
    have = sum(sheet.row_dimensions[r].height for r in range(first, last + 1))
    if needed > have:
        sheet.row_dimensions[last].height = min(sheet.row_dimensions[last].height + needed - have, MAX_ROW_PT)


def _print_setup(sheet, layout: SheetLayout, header_row: int):
    setup = sheet.page_setup
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.2, footer=0.25)
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddFooter.right.text = f"出力日 {layout.output_date}"
    sheet.freeze_panes = f"A{header_row + 1}"
