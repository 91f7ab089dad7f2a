"""What must be unique, in range or in the same ward is refused by the model and the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Department
from goals.models import GOAL_TEXT_MAX, DepartmentReport, Goal, Sheet


def test_one_sheet_per_ward_and_year(seed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Sheet.objects.create(ward=seed.ward, fiscal_year=2025)
    Sheet.objects.create(ward=seed.ward, fiscal_year=2026)


def test_one_goal_number_per_department_and_sheet(seed):
    department = Department.objects.get(name="総務課")
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.create(sheet=seed, department=department, number="1", text="重複")
    # The same number in another department is fine.
    assert Goal.objects.filter(sheet=seed, number="1").count() == 15


def test_one_report_per_department_and_sheet(seed):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentReport.objects.create(sheet=seed, department=Department.objects.get(name="総務課"))


def test_goal_department_must_belong_to_the_sheet_ward(seed, other_ward):
    stranger = other_ward.departments.get()
    goal = Goal(sheet=seed, department=stranger, number="9", text="他区の部署")
    with pytest.raises(ValidationError) as error:
        goal.full_clean()
    assert "幸区の部署ではありません" in str(error.value)
    with pytest.raises(ValidationError):
        goal.save()
    with pytest.raises(ValidationError):
        DepartmentReport.objects.create(sheet=seed, department=stranger)
    assert not Goal.objects.filter(department=stranger).exists()


@pytest.mark.parametrize("year", [0, 1988, 2101, 20250])
def test_impossible_fiscal_year_refused_by_database(seed, year):
    with pytest.raises(IntegrityError), transaction.atomic():
        Sheet.objects.create(ward=seed.ward, fiscal_year=year)


def test_text_longer_than_the_field_refused_by_database(seed):
    goal = Goal.objects.filter(sheet=seed).first()
    goal.text = "あ" * (GOAL_TEXT_MAX + 1)
    with pytest.raises(ValidationError):
        goal.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        goal.save()
    goal.text = "𠮷" * GOAL_TEXT_MAX  # characters, not bytes, are counted
    goal.save()
