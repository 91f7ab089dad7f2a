"""The city board's figures: for one fiscal year, each ward's phase, departments, deadline, tally.

A constant number of queries however many wards and departments the city
has: the wards, their sheets of the year, the report statuses counted per
sheet, the goals counted per sheet and level, and the levels.
"""

from dataclasses import dataclass, field

from django.db.models import Count

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
