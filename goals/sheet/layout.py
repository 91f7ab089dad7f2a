"""The official 取組シート layout: built once, rendered as a web page, a PDF and a workbook.

This module is the one place that knows what the official sheet shows and in
which order: the title (令和 fiscal year), the issuing office, the ward's
service policy (①–④), the goals table with its column headers, one row per
goal and the department cell spanning that department's rows, and the last
column holding the achievement level and the result (empty, for handwriting,
until they exist). The renderers (templates/goals/sheet_print.html, pdf.py,
xlsx.py) only draw this structure; none of them orders, groups or labels.

Building a layout takes a constant number of queries (departments, goals,
policies) whatever the sheet's size.
"""

import re
from dataclasses import dataclass, replace
from itertools import groupby

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from departments.models import Department
from goals.lib.text import plain
from goals.lib.wareki import date_label
from goals.models import DepartmentReport, Goal, Sheet
from goals.sheet.vocabulary import GOALS_HEADING, HEADERS, POLICY_HEADING

# Share of the table's width per column, in percent, in HEADERS order. The
# PDF, the print view and the workbook all size their columns from these.
COLUMN_WIDTHS = (12, 4, 7, 43, 34)

# Characters no file system or download dialog accepts in a file name.
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Policy:
    marker: str
    text: str


@dataclass(frozen=True)
class GoalRow:
    """One row of the goals table.

    `department_rowspan` is the number of rows the department cell spans on
    the row that carries it, and 0 on the rows it covers (the official sheet
    merges a department's cells vertically).
    """

    index: int
    department_id: int
    department: str
    department_rowspan: int
    number: str
    category: str
    text: str
    achievement: str
    result: str

    @property
    def result_cell(self) -> str:
        """The last column as one text: the level on its own first line, then the result."""
        return "\n".join(part for part in (self.achievement, self.result) if part)


@dataclass(frozen=True)
class DepartmentPart:
    """A department's rows; a department split across pages has several parts."""

    id: int
    name: str
    rows: tuple[GoalRow, ...]
    continued: bool = False
    starts_page: bool = False


@dataclass(frozen=True)
class SheetLayout:
    ward: str
    fiscal_year: int
    title: str
    issuer: str
    output_date: str
    policy_heading: str
    policies: tuple[Policy, ...]
    goals_heading: str
    headers: tuple[str, ...]
    column_widths: tuple[int, ...]
    parts: tuple[DepartmentPart, ...]
    department: str = ""

    @property
    def rows(self) -> list[GoalRow]:
        return [row for part in self.parts for row in part.rows]

    @property
    def departments(self) -> list[DepartmentPart]:
        """Each department once, in sheet order (for links to its part)."""
        return [part for part in self.parts if not part.continued]

    def filename(self, extension: str) -> str:
        """令和7年度向上指針取組シート_幸区.pdf, …_幸区_総務課.pdf for one department."""
        stem = "_".join(filter(None, (self.title, self.ward, self.department)))
        return f"{_UNSAFE_IN_FILENAME.sub('_', stem)}.{extension}"

    def paged_at(self, page_starts, restarts=()) -> "SheetLayout":
        """The same layout with a page starting at each row of `page_starts`.

        A department whose rows run on to a new page gets its cell again
        there, spanning its rows on that page (WeasyPrint, like browsers,
        does not repeat a cell that spans rows across a page break). At
        `restarts` the cell is repeated without a page break (after a row
        taller than a page, which the renderer splits).
        """
        starts = set(page_starts)
        cuts = starts | set(restarts)
        parts = []
        for part in self.parts:
            pieces = [[]]
            for row in part.rows:
                if row.index in cuts and pieces[-1]:
                    pieces.append([])
                pieces[-1].append(row)
            for number, piece in enumerate(pieces):
                continued = part.continued or number > 0
                parts.append(_part(part.id, part.name, piece, continued, piece[0].index in starts))
        return replace(self, parts=tuple(parts))


def departments_on(sheet: Sheet):
    """Departments of the sheet's ward that have goals or a report on it, in sheet order."""
    return (
        Department.objects.filter(ward_id=sheet.ward_id)
        .filter(
            Q(Exists(Goal.objects.filter(sheet=sheet, department=OuterRef("pk"))))
            | Q(Exists(DepartmentReport.objects.filter(sheet=sheet, department=OuterRef("pk"))))
        )
        .order_by("order", "name")
    )


def build_layout(sheet: Sheet, department: Department | None = None) -> SheetLayout:
    """The whole sheet, or one department's part of it (the ward is read from `sheet.ward`)."""
    departments = [department] if department else list(departments_on(sheet))
    goals = Goal.objects.filter(sheet=sheet).select_related("category", "achievement")
    if department:
        goals = goals.filter(department=department)
    goals = goals.order_by("department_id", "order", "pk")
    goals_by_department = {key: list(group) for key, group in groupby(goals, key=lambda g: g.department_id)}
    parts, index = [], 0
    for dept in departments:
        rows = []
        for goal in goals_by_department.get(dept.pk) or [None]:
            rows.append(_row(index, dept, goal))
            index += 1
        parts.append(_part(dept.pk, plain(dept.name), rows))
    return SheetLayout(
        ward=sheet.ward.name,
        fiscal_year=sheet.fiscal_year,
        title=sheet.title,
        issuer=sheet.ward.office_name,
        output_date=date_label(timezone.localdate()),
        policy_heading=POLICY_HEADING,
        policies=tuple(Policy(p.marker, plain(p.text)) for p in sheet.policies.all()),
        goals_heading=GOALS_HEADING,
        headers=HEADERS,
        column_widths=COLUMN_WIDTHS,
        parts=tuple(parts),
        department=department.name if department else "",
    )


def _row(index: int, department: Department, goal: Goal | None) -> GoalRow:
    """A goal's row; a department with no goal yet still gets one empty row."""
    if goal is None:
        return GoalRow(index, department.pk, plain(department.name), 0, "", "", "", "", "")
    level = goal.achievement
    # Every output reads this layout: text is made printable here, once (goals.text).
    return GoalRow(
        index=index,
        department_id=department.pk,
        department=plain(department.name),
        department_rowspan=0,
        number=plain(goal.number),
        category=plain(goal.category.name) if goal.category else "",
        text=plain(goal.text),
        achievement=f"{level.number} {plain(level.label)}" if level else "",
        result=plain(goal.result),
    )


def _part(department_id, name, rows, continued=False, starts_page=False) -> DepartmentPart:
    spanned = [replace(row, department_rowspan=len(rows) if i == 0 else 0) for i, row in enumerate(rows)]
    return DepartmentPart(department_id, name, tuple(spanned), continued, starts_page)
