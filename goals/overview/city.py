"""The city board's figures: for one fiscal year, each ward's phase, departments, deadline, tally.

A constant number of queries however many wards and departments the city
has: the wards, their sheets of the year, the report statuses counted per
sheet, the goals counted per sheet and level, and the levels.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet

Status = DepartmentReport.Status


@dataclass
class LevelCount:
    label: str
    count: int


@dataclass
class WardRow:
    ward: object
    sheet: Sheet | None
    departments: int = 0
    submitted: int = 0
    confirmed: int = 0
    goals: int = 0
    levels: list[LevelCount] = field(default_factory=list)


def city_years(city) -> list[int]:
    """Fiscal years any ward of the city has a sheet for, newest first."""
    return list(
        Sheet.objects.filter(ward__city=city)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )


def city_board(city, year: int) -> tuple[list[WardRow], list[LevelCount]]:
    """One row per ward of the city (a ward without a sheet that year too), and the city's tally."""
    wards = list(city.wards.order_by("name"))
    sheets = {s.ward_id: s for s in Sheet.objects.filter(ward__city=city, fiscal_year=year)}
    statuses: dict[int, dict[str, int]] = {}
    for c in (
        DepartmentReport.objects.filter(sheet__in=sheets.values())
        .values("sheet_id", "status")
        .annotate(n=Count("id"))
    ):
        statuses.setdefault(c["sheet_id"], {})[c["status"]] = c["n"]
    tallies: dict[int, dict[int | None, int]] = {}
    for c in (
        Goal.objects.filter(sheet__in=sheets.values())
        .values("sheet_id", "achievement_id")
        .annotate(n=Count("id"))
    ):
        tallies.setdefault(c["sheet_id"], {})[c["achievement_id"]] = c["n"]
    levels = list(AchievementLevel.objects.all())
    labels = [(lv.pk, f"{lv.number} {lv.label}") for lv in levels] + [(None, "未入力")]

    rows = []
    for ward in wards:
        sheet = sheets.get(ward.pk)
        row = WardRow(ward=ward, sheet=sheet)
        if sheet is not None:
            by_status = statuses.get(sheet.pk, {})
            by_level = tallies.get(sheet.pk, {})
            row.departments = sum(by_status.values())
            row.submitted = by_status.get(Status.SUBMITTED, 0)
            row.confirmed = by_status.get(Status.CONFIRMED, 0)
            row.goals = sum(by_level.values())
            row.levels = [LevelCount(label, by_level.get(pk, 0)) for pk, label in labels]
        rows.append(row)
    total = [
        LevelCount(label, sum(r.levels[i].count for r in rows if r.levels))
        for i, (_, label) in enumerate(labels)
    ]
    return rows, total


# --- The roll-up's summary: per ward, goals by 達成度 as the sheet prints them, departments by status ---

NO_LEVEL = "達成度なし"


@dataclass
class RollupRow:
    ward: object
    sheet: Sheet
    phase: str
    goals: int = 0
    levels: list[int] = field(default_factory=list)
    no_level: int = 0
    statuses: list[int] = field(default_factory=list)


@dataclass
class RollupSummary:
    """The first table of the city's roll-up: one row per ward that has a sheet that year."""

    level_labels: list[str]
    status_labels: list[str]
    rows: list[RollupRow]
    total: RollupRow | None = None


def rollup_summary(city, year: int) -> RollupSummary:
    """Three queries whatever the size: the sheets, goals counted by level (only results a
    department handed in count, as on the sheet), reports counted by status.

    A level counts only where the department handed its results in (提出済み・確認済み): what the
    sheet prints. Every other goal is 達成度なし.
    """
    sheets = list(
        Sheet.objects.filter(ward__city=city, fiscal_year=year).select_related("ward").order_by("ward__name")
    )
    levels = list(AchievementLevel.objects.all())
    handed_in = DepartmentReport.objects.filter(
        sheet=OuterRef("sheet"),
        department=OuterRef("department"),
        status__in=(Status.SUBMITTED, Status.CONFIRMED),
    )
    by_level: dict[int, dict[int | None, int]] = {}
    counted = (
        Goal.objects.filter(sheet__in=sheets)
        .annotate(handed_in=Exists(handed_in))
        .values("sheet_id", "achievement_id", "handed_in")
        .annotate(n=Count("id"))
    )
    for c in counted:
        level = c["achievement_id"] if c["handed_in"] else None
        tally = by_level.setdefault(c["sheet_id"], {})
        tally[level] = tally.get(level, 0) + c["n"]
    by_status: dict[int, dict[str, int]] = {}
    for c in (
        DepartmentReport.objects.filter(sheet__in=sheets).values("sheet_id", "status").annotate(n=Count("id"))
    ):
        by_status.setdefault(c["sheet_id"], {})[c["status"]] = c["n"]
    rows = []
    for sheet in sheets:
        tally, statuses = by_level.get(sheet.pk, {}), by_status.get(sheet.pk, {})
        rows.append(
            RollupRow(
                ward=sheet.ward,
                sheet=sheet,
                phase=sheet.get_phase_display(),
                goals=sum(tally.values()),
                levels=[tally.get(level.pk, 0) for level in levels],
                no_level=sum(n for pk, n in tally.items() if pk not in {lv.pk for lv in levels}),
                statuses=[statuses.get(status, 0) for status in Status.values],
            )
        )
    total = None
    if rows:
        total = RollupRow(
            ward="市全体",
            sheet=None,
            phase="",
            goals=sum(r.goals for r in rows),
            levels=[sum(column) for column in zip(*(r.levels for r in rows), strict=True)],
            no_level=sum(r.no_level for r in rows),
            statuses=[sum(column) for column in zip(*(r.statuses for r in rows), strict=True)],
        )
    return RollupSummary(
        level_labels=[f"{level.number} {level.label}" for level in levels],
        status_labels=list(Status.labels),
        rows=rows,
        total=total,
    )
