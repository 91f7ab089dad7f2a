"""The official 取組シート layout: built once, rendered as a web page, a PDF and a workbook.

This module is the one place that knows what the official sheet shows and in
which order: the title (令和 fiscal year), the issuing office, the ward's
service policy (①–④), the goals table with its column headers, one row per
goal and the department cell spanning that department's rows, and the last
column holding the achievement level and the result. It also decides what
the sheet says about itself (a working copy 作成中（案） before 確定, 確定 with
the date of locking after), which results count (only those a department
handed in: its report is 提出済み or 確認済み; a returned report is a draft again),
the mark in the result cells of a department that has not handed its results
in (from 実施中 on; in 計画 the cells stay empty, for handwriting), the
achievement level's label and the scale's legend, and how a goal too long for
one page is cut into pieces that each repeat department, number and 区分. The
renderers (templates/goals/_sheet.html, pdf.py, workbook.py) only draw
this structure; none of them orders, groups, filters or labels.

Building a layout takes a constant number of queries (departments with their
report's status, goals, policies, achievement levels, and the sheet's history
once it is 確定) whatever the sheet's size.
"""

import re
from dataclasses import dataclass, replace
from itertools import groupby

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from departments.models import Department
from goals.lib.text import plain
from goals.lib.wareki import date_label
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet
from goals.sheet.vocabulary import (
    ACHIEVEMENT_PREFIX,
    CONFIRMED_ONLY_FILENAME,
    CONFIRMED_ONLY_NOTE,
    CONTINUED_MARK,
    DRAFT_MARK,
    FINAL_MARK,
    GOALS_HEADING,
    HEADERS,
    LEGEND_HEADING,
    NOT_SUBMITTED_MARK,
    POLICY_HEADING,
    RETURNED_MARK,
    draft_statement,
    final_statement,
)

Status = DepartmentReport.Status
# A department's results count on the sheet once it handed them in. 差戻し is
# not among them: the report came back to the department to be changed, so
# what it holds is a draft again, whatever it held when it was handed in.
HANDED_IN = frozenset({Status.SUBMITTED, Status.CONFIRMED})

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
class Statement:
    """What the sheet is: a working copy (作成中（案）) or the locked record (確定)."""

    final: bool
    mark: str
    text: str

    @property
    def line(self) -> str:
        return f"{self.mark}　{self.text}"


@dataclass(frozen=True)
class Level:
    number: int
    label: str

    @property
    def text(self) -> str:
        return f"{self.number} {self.label}"


@dataclass(frozen=True)
class GoalRow:
    """One row of the goals table.

    `department_rowspan` is the number of rows the department cell spans on
    the row that carries it, and 0 on the rows it covers (the official sheet
    merges a department's cells vertically). `level` and `result` are empty
    unless the department handed its results in; `mark` then says why
    (未提出). `piece` counts the pages a goal too long for one page runs on:
    the pieces after the first are `continued`.
    """

    index: int
    department_id: int
    department: str
    department_rowspan: int
    number: str
    category: str
    text: str
    level: Level | None
    result: str
    mark: str = ""
    status: str = ""
    piece: int = 0

    @property
    def continued(self) -> bool:
        return self.piece > 0

    @property
    def continued_mark(self) -> str:
        return CONTINUED_MARK if self.continued else ""

    @property
    def number_label(self) -> str:
        return f"{self.number}{CONTINUED_MARK}" if self.continued and self.number else self.number

    @property
    def achievement(self) -> str:
        """The level as printed: 「達成度：2 目標を上回って達成」 (never a bare number beside 番号)."""
        return f"{ACHIEVEMENT_PREFIX}{self.level.text}" if self.level else ""

    @property
    def result_cell(self) -> str:
        """The last column as printed: the mark, or the level on its own first line, then the result."""
        if self.mark:
            return self.mark
        return "\n".join(part for part in (self.achievement, self.result) if part)


@dataclass(frozen=True)
class DepartmentPart:
    """A department's rows; a department split across pages has several parts."""

    id: int
    name: str
    rows: tuple[GoalRow, ...]
    continued: bool = False
    starts_page: bool = False
    # The department opens a part drawn on its own (goals/sheet/parts.py): a new page.
    opens_part: bool = False

    @property
    def label(self) -> str:
        """The department cell: its name, with （続き） where it runs on from an earlier page."""
        return f"{self.name}{CONTINUED_MARK}" if self.continued else self.name


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
    phase: str = ""
    statement: Statement = Statement(False, DRAFT_MARK, "")
    legend_heading: str = LEGEND_HEADING
    legend: tuple[Level, ...] = ()
    selection_note: str = ""
    confirmed_only: bool = False
    # False for a part of the sheet drawn on its own after the first: no title, policies or legend.
    opens_sheet: bool = True

    @property
    def rows(self) -> list[GoalRow]:
        return [row for part in self.parts for row in part.rows]

    @property
    def legend_line(self) -> str:
        """The legend on one line: 「達成度の凡例　1 目標を大きく上回って達成　2 …」."""
        return "　".join((self.legend_heading, *(level.text for level in self.legend)))

    @property
    def departments(self) -> list[DepartmentPart]:
        """Each department once, in sheet order (for links to its part)."""
        return [part for part in self.parts if not part.continued]

    def filename(self, extension: str) -> str:
        """令和7年度向上指針取組シート_幸区.pdf, …_幸区_総務課.pdf for one department."""
        only = CONFIRMED_ONLY_FILENAME if self.confirmed_only else ""
        stem = "_".join(filter(None, (self.title, self.ward, self.department, only)))
        return f"{_UNSAFE_IN_FILENAME.sub('_', stem)}.{extension}"

    def split_rows(self, pieces: dict[int, list[tuple[str, str]]]) -> "SheetLayout":
        """The same layout with each row of `pieces` cut into one row per (goal text, result) piece.

        A goal too long for one page runs on to the next as a row of its own
        that repeats department, number and 区分 (its number marked （続き）):
        a row split by the renderer would leave those cells blank there. The
        level is printed with the first piece. Rows are numbered again.
        """
        if not pieces:
            return self
        parts, index = [], 0
        for part in self.parts:
            rows = []
            for row in part.rows:
                cut = pieces.get(row.index) or [(row.text, row.result)]
                for number, (text, result) in enumerate(cut):
                    level = row.level if number == 0 else None
                    rows.append(
                        replace(row, index=index, text=text, result=result, level=level, piece=number)
                    )
                    index += 1
            parts.append(_part(part.id, part.name, rows, part.continued, part.starts_page, part.opens_part))
        return replace(self, parts=tuple(parts))

    def paged_at(self, page_starts) -> "SheetLayout":
        """The same layout with a page starting at each row of `page_starts`.

        A department whose rows run on to a new page gets its cell again
        there, spanning its rows on that page (WeasyPrint, like browsers,
        does not repeat a cell that spans rows across a page break), marked
        （続き）.
        """
        starts = set(page_starts)
        parts = []
        for part in self.parts:
            pieces = [[]]
            for row in part.rows:
                if row.index in starts and pieces[-1]:
                    pieces.append([])
                pieces[-1].append(row)
            for number, piece in enumerate(pieces):
                continued = part.continued or number > 0
                opens = part.opens_part and number == 0
                parts.append(_part(part.id, part.name, piece, continued, piece[0].index in starts, opens))
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


def shown_departments(sheet: Sheet, chosen, confirmed_only: bool):
    """The departments a layout shows (all, or those `chosen`), each with its `report_status`."""
    query = departments_on(sheet).annotate(
        report_status=Subquery(
            DepartmentReport.objects.filter(sheet=sheet, department=OuterRef("pk")).values("status")[:1]
        )
    )
    if chosen:
        query = query.filter(pk__in=[d.pk for d in chosen])
    if confirmed_only:
        query = query.filter(report_status=Status.CONFIRMED)
    return query


def build_layout(
    sheet: Sheet, department: Department | None = None, *, departments=None, confirmed_only: bool = False
) -> SheetLayout:
    """The whole sheet, one department's part, or several departments' parts.

    `confirmed_only` keeps the departments whose report 総務課 has confirmed
    (確認済み). The ward is read from `sheet.ward`.
    """
    chosen = [department] if department else list(departments or ())
    shown = list(shown_departments(sheet, chosen, confirmed_only))
    goals = Goal.objects.filter(sheet=sheet, department__in=[d.pk for d in shown])
    goals = goals.select_related("category", "achievement").order_by("department_id", "order", "pk")
    goals_by_department = {key: list(group) for key, group in groupby(goals, key=lambda g: g.department_id)}
    results_due = sheet.phase != Sheet.Phase.PLANNING
    parts, index = [], 0
    for dept in shown:
        rows = []
        for goal in goals_by_department.get(dept.pk) or [None]:
            rows.append(_row(index, dept, goal, dept.report_status or Status.NOT_STARTED, results_due))
            index += 1
        parts.append(_part(dept.pk, plain(dept.name), rows))
    output_date = date_label(timezone.localdate())
    return SheetLayout(
        ward=sheet.ward.name,
        fiscal_year=sheet.fiscal_year,
        title=sheet.title,
        issuer=sheet.ward.office_name,
        output_date=output_date,
        policy_heading=POLICY_HEADING,
        policies=tuple(Policy(p.marker, plain(p.text)) for p in sheet.policies.all()),
        goals_heading=GOALS_HEADING,
        headers=HEADERS,
        column_widths=COLUMN_WIDTHS,
        parts=tuple(parts),
        department=_selection_name([plain(d.name) for d in shown]) if chosen else "",
        phase=sheet.get_phase_display(),
        statement=_statement(sheet, output_date, CONFIRMED_ONLY_NOTE if confirmed_only else ""),
        legend=tuple(Level(level.number, plain(level.label)) for level in AchievementLevel.objects.all()),
        selection_note=CONFIRMED_ONLY_NOTE if confirmed_only else "",
        confirmed_only=confirmed_only,
    )


def _selection_name(names: list[str]) -> str:
    """総務課; 総務課・企画課・衛生課; 総務課ほか4部署."""
    if len(names) <= 3:
        return "・".join(names)
    return f"{names[0]}ほか{len(names) - 1}部署"


def _statement(sheet: Sheet, output_date: str, note: str) -> Statement:
    note = f"。{note}" if note else ""
    if sheet.phase != Sheet.Phase.CLOSED:
        return Statement(False, DRAFT_MARK, draft_statement(sheet.get_phase_display(), output_date) + note)
    closed_at = closed_on(sheet)
    closed = date_label(timezone.localdate(closed_at)) if closed_at else ""
    return Statement(True, FINAL_MARK, final_statement(closed, output_date) + note)


def closed_on(sheet: Sheet):
    """When the sheet last became 確定, from its history (one query); None if the history does not say."""
    closed_at = None
    history = sheet.history.order_by("-history_date", "-history_id").values_list("phase", "history_date")
    for phase, when in history:
        if phase != Sheet.Phase.CLOSED:
            break
        closed_at = when
    return closed_at


def _row(index: int, department: Department, goal: Goal | None, status: str, results_due: bool) -> GoalRow:
    """A goal's row; a department with no goal yet still gets one empty row."""
    status_label = Status(status).label
    if goal is None:
        return GoalRow(
            index, department.pk, plain(department.name), 0, "", "", "", None, "", "", status_label
        )
    handed_in = status in HANDED_IN
    level = goal.achievement if handed_in else None
    mark = ""
    if results_due and not handed_in:
        mark = RETURNED_MARK if status == Status.RETURNED else NOT_SUBMITTED_MARK
    # Every output reads this layout: text is made printable here, once (goals.text).
    return GoalRow(
        index=index,
        department_id=department.pk,
        department=plain(department.name),
        department_rowspan=0,
        number=plain(goal.number),
        category=plain(goal.category.name) if goal.category else "",
        text=plain(goal.text),
        level=Level(level.number, plain(level.label)) if level else None,
        result=plain(goal.result) if handed_in else "",
        mark=mark,
        status=status_label,
    )


def _part(department_id, name, rows, continued=False, starts_page=False, opens_part=False) -> DepartmentPart:
    spanned = [replace(row, department_rowspan=len(rows) if i == 0 else 0) for i, row in enumerate(rows)]
    return DepartmentPart(department_id, name, tuple(spanned), continued, starts_page, opens_part)
