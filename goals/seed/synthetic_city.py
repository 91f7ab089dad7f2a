"""A synthetic city across years, for the search and trends tests and benchmarks.

`scale` is the city's size against the seed: at 1× its wards together hold
the seed's 42 goals a year (6 a ward with 7 wards), at 30× about 180 a ward,
every year. Each goal is carried from the same goal of the year before; past
years are 確定 with every department 確認済み and a level on every goal, the
last year is 実施中 with some results still open. Every fourth goal has a
comment. Written with bulk_create (no history rows), in a handful of queries
a year.
"""

from django.db import transaction

from departments.models import Department, Ward
from goals.models import AchievementLevel, Category, DepartmentReport, Goal, GoalComment, ServicePolicy, Sheet
from goals.seed.parser import SEED_TEXT, parse_seed_text

SEED_GOALS = 42
COMMENTS_EVERY = 4
RESULTS = (
    "{year}年度は計画どおり実施し、窓口アンケートの満足度が向上しました。",
    "{year}年度は研修を2回開催し、職員の応対を改善しました。",
    "{year}年度は一部の取組が遅れ、次年度に引き継ぎます。",
)


@transaction.atomic
def build_synthetic_city(city, scale: int, *, wards: int = 7, years: int = 10, last_year: int = 2025):
    """`wards` wards of `city` (試験0区…), each with a sheet a year for `years` years up to `last_year`."""
    seed = parse_seed_text(SEED_TEXT.read_text(encoding="utf-8"))
    pairs = [(d.name, g) for d in seed.departments for g in d.goals]
    categories = {c.name: c for c in Category.objects.all()}
    levels = list(AchievementLevel.objects.order_by("number"))
    per_ward = max(1, round(SEED_GOALS * scale / wards))
    first_year = last_year - years + 1
    for w in range(wards):
        ward = Ward.objects.create(name=f"試験{w}区", office_name=f"試験{w}区役所", city=city)
        slots = [(i // len(pairs), *pairs[i % len(pairs)]) for i in range(per_ward)]
        names = list(dict.fromkeys(f"{name}{copy:03d}" for copy, name, _ in slots))
        departments = Department.objects.bulk_create(
            Department(ward=ward, name=name, order=order) for order, name in enumerate(names, 1)
        )
        by_name = {d.name: d for d in departments}
        previous: list[Goal] = []
        for year in range(first_year, last_year + 1):
            current = year == last_year
            sheet = Sheet.objects.create(
                ward=ward,
                fiscal_year=year,
                phase=Sheet.Phase.IN_PROGRESS if current else Sheet.Phase.CLOSED,
            )
            ServicePolicy.objects.bulk_create(
                ServicePolicy(sheet=sheet, number=number, text=text) for number, text in seed.policies
            )
            status = DepartmentReport.Status.IN_PROGRESS if current else DepartmentReport.Status.CONFIRMED
            DepartmentReport.objects.bulk_create(
                DepartmentReport(sheet=sheet, department=d, status=status) for d in departments
            )
            goals = []
            for i, (copy, name, goal) in enumerate(slots):
                open_result = current and i % 3 == 0
                goals.append(
                    Goal(
                        sheet=sheet,
                        department=by_name[f"{name}{copy:03d}"],
                        number=goal.number,
                        order=i,
                        category=categories.get(goal.category) if goal.category else None,
                        text=goal.text,
                        result="" if open_result else RESULTS[(i + year) % len(RESULTS)].format(year=year),
                        achievement=None if open_result else levels[(i + year) % len(levels)],
                        carried_from=previous[i] if previous else None,
                    )
                )
            previous = Goal.objects.bulk_create(goals)
            GoalComment.objects.bulk_create(
                GoalComment(goal=g, text=f"{year}年度：達成度の根拠となる資料を添付してください（{i}）。")
                for i, g in enumerate(previous)
                if i % COMMENTS_EVERY == 0
            )
    return Ward.objects.filter(city=city, name__startswith="試験")
