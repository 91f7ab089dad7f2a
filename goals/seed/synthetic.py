"""Synthetic sheets N times the seed's size, for query-count tests and benchmarks."""

from django.db import transaction

from departments.models import Department, Ward
from goals.models import Category, DepartmentReport, Goal, ServicePolicy, Sheet
from goals.seed.parser import SEED_TEXT, parse_seed_text


@transaction.atomic
def build_synthetic_sheet(scale: int, ward_name: str = "試験区", fiscal_year: int = 2025) -> Sheet:
    """A ward whose sheet repeats every seed department and goal `scale` times."""
    seed = parse_seed_text(SEED_TEXT.read_text(encoding="utf-8"))
    categories = {c.name: c for c in Category.objects.all()}
    ward = Ward.objects.create(name=ward_name, office_name=f"{ward_name}役所")
    sheet = Sheet.objects.create(ward=ward, fiscal_year=fiscal_year, phase=Sheet.Phase.IN_PROGRESS)
    ServicePolicy.objects.bulk_create(
        ServicePolicy(sheet=sheet, number=number, text=text) for number, text in seed.policies
    )
    copies = [(copy, d) for copy in range(1, scale + 1) for d in seed.departments]
    departments = Department.objects.bulk_create(
        Department(ward=ward, name=f"{d.name}{copy:03d}", order=order)
        for order, (copy, d) in enumerate(copies, 1)
    )
    DepartmentReport.objects.bulk_create(DepartmentReport(sheet=sheet, department=d) for d in departments)
    # bulk_create skips Goal.save(); the departments were made for this ward above.
    Goal.objects.bulk_create(
        Goal(
            sheet=sheet,
            department=department,
            number=goal.number,
            order=order,
            category=categories.get(goal.category) if goal.category else None,
            text=goal.text,
        )
        for department, (_, seed_department) in zip(departments, copies, strict=True)
        for order, goal in enumerate(seed_department.goals, 1)
    )
    return sheet
