"""Where the PDF's pages break, planned before drawing; the workbook's manual breaks by the same rule.

WeasyPrint does not repeat a cell that spans rows when the rows run on to
the next page, yet the official sheet must show the department there too.
Finding the breaks by rendering once and then rendering again with the
department cell repeated doubles the time of a PDF; planning them from the
text instead costs a few milliseconds. Heights come from goals/sheet/textfit.py
(upper bounds) and from the sizes in static/css/sheet.css, mirrored below,
so the plan breaks a little early rather than late. goals/sheet/pdf.py forces the
planned breaks, checks on the drawn pages that every page opens with its
department cell, and falls back to measuring when it does not.

A goal taller than a page is cut into pieces at line ends (textfit.wrap),
one per page, each a row of its own that repeats department, number and
区分 (SheetLayout.split_rows): no page shows a text whose owner it does not name.

`page_starts` is the rule itself, on heights of any unit: the workbook
(goals/sheet/workbook.py) plans its manual page breaks with it from its own
row heights, so Excel and LibreOffice break between goals as the PDF does.
"""

from dataclasses import dataclass, field

from goals.sheet.layout import COLUMN_WIDTHS, SheetLayout
from goals.sheet.textfit import count_lines, wrap

MM = 72 / 25.4  # points per millimetre

# static/css/sheet.css, @page: A4 landscape, margins 12mm 10mm 14mm.
PAGE_WIDTH = (297 - 2 * 10) * MM
PAGE_HEIGHT = (210 - 12 - 14) * MM

# .sheet-header, .sheet-title, .sheet-issuer, .sheet h2, .policies, .sheet-legend.
# A heading's 2mm top margin collapses into the larger margin above it.
TITLE = 16 * 1.4 + 1 * MM
ISSUER = 11 * 1.4
HEADER_MARGIN = 3 * MM
HEADING = 10.5 * 1.4 + 1 * MM
POLICY_FONT, POLICY_LINE = 9, 9 * 1.5
POLICY_INDENT_EM = 1 + 1.2
POLICIES_MARGIN = 2 * MM
LEGEND_FONT, LEGEND_LINE = 8.5, 8.5 * 1.5
LEGEND_MARGIN = 1.5 * MM

# .goals: 9pt text, line-height 1.45, cell padding 1.2mm 1.5mm, 0.75pt borders.
FONT = 9
LINE = FONT * 1.45
CELL_PADDING_V = 2 * 1.2 * MM
CELL_PADDING_H = 2 * 1.5 * MM
BORDER = 0.75
HEADER_ROW = LINE + CELL_PADDING_V + BORDER

# IPAex Gothic's Latin letters and digits are proportional, 0.2–0.93 em;
# 0.6 em covers ordinary words.
NARROW = 0.6

# Rounding in the renderer and collapsed borders: keep a little room.
SLACK = 2 * MM
ROUNDING_EM = 0.05

# A goal that must be cut starts on the next page rather than leave fewer lines than this.
MIN_PIECE_LINES = 3


@dataclass(frozen=True)
class PagePlan:
    starts: tuple[int, ...]  # rows (of the cut layout) that open pages 2, 3, …
    pieces: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # row → (text, result) per page

    def apply(self, layout: SheetLayout) -> SheetLayout:
        return layout.split_rows(self.pieces).paged_at(self.starts)


def page_starts(parts, first_room: float, body: float) -> list[int]:
    """Rows that open a new page, from `parts`: per department, a list of (row, height).

    Rows are never split here; a row taller than a page gets a page of its own
    (the renderer cuts it). The department cell is repeated by the caller.
    """
    starts, room, first = [], first_room, True
    for rows in parts:
        for index, height in rows:
            if height > room and not first:
                starts.append(index)
                room = body
            room -= height
            first = False
    return starts


def plan_pages(layout: SheetLayout) -> PagePlan:
    widths = [_cell_width_em(percent) for percent in layout.column_widths]
    body = PAGE_HEIGHT - _table_header(layout) - SLACK
    room = body - _preamble_height(layout) if layout.opens_sheet else body
    starts, pieces = [], {}
    index = 0  # the row's number once long goals are cut
    first = True
    for height, row, opens_part in _row_heights(layout, widths):
        if opens_part and not first:
            # A part drawn on its own (goals/sheet/parts.py) opens a page, whatever room is left.
            starts.append(index)
            room = body
        if height <= body:
            if height > room and not first:
                starts.append(index)
                room = body
            room -= height
            index, first = index + 1, False
            continue
        if _lines_in(room) < MIN_PIECE_LINES and not first:
            starts.append(index)
            room = body
        cut = _cut(row, widths, [_lines_in(room)], _lines_in(body))
        pieces[row.index] = cut
        starts.extend(range(index + 1, index + len(cut)))
        index += len(cut)
        last_text, last_result = cut[-1]
        room = body - _row_height(row.number, row.category, last_text, last_result, widths)
        first = False
    return PagePlan(tuple(starts), pieces)


def _lines_in(height: float) -> int:
    return max(int((height - CELL_PADDING_V - BORDER) // LINE), 0)


def _cut(row, widths, budgets: list[int], per_page: int) -> list[tuple[str, str]]:
    """The goal's text and result in pieces of at most `budgets[0]`, then `per_page` lines."""
    text_lines = wrap(row.text, widths[3], NARROW)
    result_lines = wrap(row.result, widths[4], NARROW)
    # The first piece prints the level (or the mark) above the result.
    head = count_lines(row.mark or row.achievement, widths[4], NARROW)
    cut, t, r = [], 0, 0
    while t < len(text_lines) or r < len(result_lines) or not cut:
        budget = budgets[len(cut)] if len(cut) < len(budgets) else per_page
        result_budget = budget - head if not cut else budget
        cut.append(
            ("".join(text_lines[t : t + budget]), "".join(result_lines[r : r + max(result_budget, 0)]))
        )
        t, r = t + budget, r + max(result_budget, 0)
    # A piece ends at a line end; a paragraph's line break there is the page break itself.
    last = len(cut) - 1
    return [(t.rstrip("\n"), r.rstrip("\n")) if i < last else (t, r) for i, (t, r) in enumerate(cut)]


def _cell_width_em(percent: int) -> float:
    return (PAGE_WIDTH * percent / 100 - CELL_PADDING_H - BORDER) / FONT - ROUNDING_EM


def _table_header(layout: SheetLayout) -> float:
    """The statement row and the column headers, repeated on every page."""
    statement = count_lines(layout.statement.line, PAGE_WIDTH / FONT - 1, NARROW)
    return HEADER_ROW + max(statement, 1) * LINE + CELL_PADDING_V + BORDER


def _preamble_height(layout: SheetLayout) -> float:
    policy_width = PAGE_WIDTH / POLICY_FONT - POLICY_INDENT_EM
    policy_lines = sum(
        count_lines(f"{policy.marker} {policy.text}", policy_width, NARROW) for policy in layout.policies
    )
    legend = count_lines(layout.legend_line, PAGE_WIDTH / LEGEND_FONT, NARROW) if layout.legend else 0
    return (
        TITLE
        + ISSUER
        + HEADER_MARGIN
        + 2 * HEADING
        + policy_lines * POLICY_LINE
        + POLICIES_MARGIN
        + legend * LEGEND_LINE
        + (LEGEND_MARGIN if legend else 0)
    )


def _row_heights(layout: SheetLayout, widths: list[float]):
    """(height, row, opens a part) of every row; a department name taller than its rows stretches the
    last one."""
    for part in layout.parts:
        heights = [
            _row_height(row.number, row.category, row.text, row.result_cell, widths) for row in part.rows
        ]
        name = count_lines(part.label, widths[0], NARROW) * LINE + CELL_PADDING_V + BORDER
        heights[-1] += max(0.0, name - sum(heights))
        for number, (height, row) in enumerate(zip(heights, part.rows, strict=True)):
            yield height, row, part.opens_part and number == 0


def _row_height(number, category, text, result_cell, widths) -> float:
    cells = (number, category, text, result_cell)
    lines = max(
        max(count_lines(text, width, NARROW) for text, width in zip(cells, widths[1:], strict=True)), 1
    )
    return lines * LINE + CELL_PADDING_V + BORDER


def result_length_for_a_page() -> int:
    """About how many full-width characters of result fill the result column of one printed page.

    The result form names it, so that people know when a result will run on
    to another page. Rounded down to a hundred.
    """
    width = int(_cell_width_em(COLUMN_WIDTHS[4]))
    lines = _lines_in(PAGE_HEIGHT - 2 * HEADER_ROW - SLACK)
    return width * lines // 100 * 100
