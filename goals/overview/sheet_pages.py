"""The whole-ward sheet page a few dozen goals at a time, never cutting a department in two.

One query (departments with their goal counts) decides the pages; the page
shown then builds the layout of its own departments only, so the page costs
the same at any size of sheet. A sheet that fits on one page is shown whole.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from departments.models import Department
from goals.lib.text import plain
from goals.models import DepartmentReport
from goals.sheet.layout import departments_on

PAGE_GOALS = 60  # about the seed's ward and a half: an ordinary ward stays on one page


@dataclass(frozen=True)
class SheetPage:
    department_ids: tuple[int, ...]
    names: tuple[str, ...]
    goals: int

    @property
    def departments(self) -> list[Department]:
        """The page's departments, for build_layout (which reads their keys)."""
        return [Department(pk=pk) for pk in self.department_ids]

    @property
    def label(self) -> str:
        """「総務課〜保護課」, or the one department's name."""
        first, last = self.names[0], self.names[-1]
        return first if first == last else f"{first}〜{last}"


def sheet_pages(sheet, confirmed_only: bool = False, page_goals: int = PAGE_GOALS) -> list[SheetPage]:
    """The sheet's departments (those the layout shows) in sheet order, cut into pages of about
    `page_goals` goals; a department without goals counts as its one empty row."""
    query = departments_on(sheet).annotate(goal_count=Count("goals", filter=Q(goals__sheet=sheet)))
    if confirmed_only:
        confirmed = DepartmentReport.objects.filter(
            sheet=sheet, department=OuterRef("pk"), status=DepartmentReport.Status.CONFIRMED
        )
        query = query.filter(Exists(confirmed))
    pages, ids, names, rows = [], [], [], 0
    # Three columns, no model instances: this loop runs over every department of the sheet.
    for pk, name, goals in query.values_list("pk", "name", "goal_count"):
        if ids and rows + max(goals, 1) > page_goals:
            pages.append(SheetPage(tuple(ids), tuple(names), rows))
            ids, names, rows = [], [], 0
        ids.append(pk)
        names.append(plain(name))
        rows += max(goals, 1)
    if ids:
        pages.append(SheetPage(tuple(ids), tuple(names), rows))
    return pages
