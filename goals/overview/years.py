"""A department's goals across years: goals linked by carry forward as one line, and the 達成度
distribution per year (for a server-rendered SVG chart and its table).

Three queries whatever the number of years or goals: the ward's sheets, the
department's goals of every year (with 区分 and 達成度), the levels. Lines are
followed in Python through Goal.carried_from.
"""

from dataclasses import dataclass, field

from goals.models import AchievementLevel, Goal, Sheet

CHART_WIDTH = 480  # px of a year's full bar
ROW_HEIGHT = 28


@dataclass
class Cell:
    goal: Goal | None

    @property
    def level(self) -> str:
        level = self.goal.achievement if self.goal else None
        return f"{level.number} {level.label}" if level else ""


@dataclass
class Line:
    """One goal through the years: a cell per year (None where the goal was not on that year's sheet)."""

    cells: list[Cell]

    @property
    def latest(self) -> Goal:
        return next(c.goal for c in reversed(self.cells) if c.goal)


@dataclass
class Segment:
    label: str
    css: str
    count: int
    x: int = 0
    width: int = 0


@dataclass
class YearBar:
    sheet: Sheet
    y: int
    total: int
    segments: list[Segment] = field(default_factory=list)


def department_years(department) -> tuple[list[Sheet], list[Line], list[YearBar]]:
    """Sheets of the department's ward (oldest first), the lines of goals, and a bar per year."""
    sheets = list(Sheet.objects.filter(ward_id=department.ward_id).order_by("fiscal_year"))
    column = {s.pk: i for i, s in enumerate(sheets)}
    goals = list(
        Goal.objects.filter(department=department, sheet__in=sheets)
        .select_related("category", "achievement")
        .order_by("sheet__fiscal_year", "order", "pk")
    )
    by_pk = {g.pk: g for g in goals}
    carried_to: dict[int, Goal] = {}
    for goal in goals:
        if goal.carried_from_id in by_pk:
            carried_to.setdefault(goal.carried_from_id, goal)
    lines = []
    for goal in goals:
        if goal.carried_from_id in by_pk and carried_to.get(goal.carried_from_id) is goal:
            continue  # drawn on the line of the goal it was carried from
        cells = [Cell(None) for _ in sheets]
        current = goal
        while current is not None:
            cells[column[current.sheet_id]] = Cell(current)
            current = carried_to.get(current.pk)
        lines.append(Line(cells))
    return sheets, lines, _bars(sheets, goals)


def _bars(sheets, goals) -> list[YearBar]:
    levels = list(AchievementLevel.objects.all())
    keys = [(lv.pk, f"{lv.number} {lv.label}", f"level-{lv.number}") for lv in levels]
    keys.append((None, "未入力", "level-none"))
    counts: dict[int, dict] = {}
    for goal in goals:
        per_year = counts.setdefault(goal.sheet_id, {})
        per_year[goal.achievement_id] = per_year.get(goal.achievement_id, 0) + 1
    bars = []
    for i, sheet in enumerate(sheets):
        per_year = counts.get(sheet.pk, {})
        total = sum(per_year.values())
        bar = YearBar(sheet=sheet, y=ROW_HEIGHT * i, total=total)
        x = 0
        for pk, label, css in keys:
            n = per_year.get(pk, 0)
            width = round(CHART_WIDTH * n / total) if total else 0
            bar.segments.append(Segment(label, css, n, x, width))
            x += width
        bars.append(bar)
    return bars
