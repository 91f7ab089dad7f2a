"""Where the PDF's pages break, planned before drawing.

WeasyPrint does not repeat a cell that spans rows when the rows run on to
the next page, yet the official sheet must show the department there too.
Finding the breaks by rendering once and then rendering again with the
department cell repeated doubles the time of a PDF; planning them from the
text instead costs a few milliseconds. Heights come from goals/sheet/textfit.py
(upper bounds) and from the sizes in static/css/sheet.css, mirrored below,
so the plan breaks a little early rather than late. goals/sheet/pdf.py forces the
planned breaks, checks on the drawn pages that every page opens with its
department cell, and falls back to measuring when it does not.
"""

from dataclasses import dataclass

from goals.sheet.layout import SheetLayout
from goals.sheet.textfit import count_lines

MM = 72 / 25.4  # points per millimetre

# static/css/sheet.css, @page: A4 landscape, margins 12mm 10mm 14mm.
PAGE_WIDTH = (297 - 2 * 10) * MM
PAGE_HEIGHT = (210 - 12 - 14) * MM

# .sheet-header, .sheet-title, .sheet-issuer, .sheet h2, .policies. A heading's
# 2mm top margin collapses into the larger margin above it.
TITLE = 16 * 1.4 + 1 * MM
ISSUER = 11 * 1.4
HEADER_MARGIN = 3 * MM
HEADING = 10.5 * 1.4 + 1 * MM
POLICY_FONT, POLICY_LINE = 9, 9 * 1.5
POLICY_INDENT_EM = 1 + 1.2
POLICIES_MARGIN = 2 * MM

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


@dataclass(frozen=True)
class PagePlan:
    starts: tuple[int, ...]  # rows that open pages 2, 3, …
    tall: frozenset[int]  # rows taller than a page, which the renderer must split

    @property
    def restarts(self) -> set[int]:
        """A row taller than a page gets its own department cell, and so does the row after it."""
        return {index + offset for index in self.tall for offset in (0, 1)}

    def apply(self, layout: SheetLayout) -> SheetLayout:
        return layout.paged_at(self.starts, self.restarts)


def plan_pages(layout: SheetLayout) -> PagePlan:
    widths = [_cell_width_em(percent) for percent in layout.column_widths]
    body = PAGE_HEIGHT - HEADER_ROW - SLACK
    room = body - _preamble_height(layout)
    starts, tall = [], set()
    for number, (height, index) in enumerate(_row_heights(layout, widths)):
        if height > room and number:
            starts.append(index)
            room = body
        if height > body:
            # Split a page at a time (each split can push a line down); the
            # rows after it share the page where it ends.
            tall.add(index)
            rest = height
            while rest > body:
                rest -= body - LINE
            room = body - rest
            continue
        room -= height
    return PagePlan(tuple(starts), frozenset(tall))


def _cell_width_em(percent: int) -> float:
    return (PAGE_WIDTH * percent / 100 - CELL_PADDING_H - BORDER) / FONT - ROUNDING_EM


def _preamble_height(layout: SheetLayout) -> float:
    policy_width = PAGE_WIDTH / POLICY_FONT - POLICY_INDENT_EM
    policy_lines = sum(
        count_lines(f"{policy.marker} {policy.text}", policy_width, NARROW) for policy in layout.policies
    )
    return TITLE + ISSUER + HEADER_MARGIN + 2 * HEADING + policy_lines * POLICY_LINE + POLICIES_MARGIN


def _row_heights(layout: SheetLayout, widths: list[float]):
    """(height, index) of every row; a department name taller than its rows stretches the last one."""
    for part in layout.parts:
        heights = [_row_height(row, widths) for row in part.rows]
        name = count_lines(part.name, widths[0], NARROW) * LINE + CELL_PADDING_V + BORDER
        heights[-1] += max(0.0, name - sum(heights))
        yield from zip(heights, (row.index for row in part.rows), strict=True)


def _row_height(row, widths) -> float:
    cells = (row.number, row.category, row.text, row.result_cell)
    lines = max(
        max(count_lines(text, width, NARROW) for text, width in zip(cells, widths[1:], strict=True)), 1
    )
    return lines * LINE + CELL_PADDING_V + BORDER
