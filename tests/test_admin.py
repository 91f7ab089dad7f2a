"""The admin in Japanese: every model listed, exact seed data, constant queries, flat import/export."""

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Department
from departments.resources import DepartmentResource
from goals.admin_io.resources import GoalResource
from goals.models import Goal
from goals.seed.synthetic import build_synthetic_sheet

GOAL_COLUMNS = ["区", "年度", "部署名", "番号", "表示順", "区分", "目標及び具体的な取組内容", "実施結果", "達成度"]  # fmt: skip
CHANGELISTS = [
    "departments_ward", "departments_department", "departments_membership", "goals_category",
    "goals_achievementlevel", "goals_sheet", "goals_servicepolicy", "goals_goal", "goals_departmentreport",
]  # fmt: skip


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_queries_do_not_grow_with_data(client, superuser, seed, name):
    """list_select_related keeps each row's ward, department, category and level out of per-row queries."""
    client.force_login(superuser)
    url = reverse(f"admin:{name}_changelist")
    at_seed_size = count_queries(client, url)
    build_synthetic_sheet(scale=10)
    assert count_queries(client, url) == at_seed_size
    assert at_seed_size <= 15


def test_superuser_sees_seed_departments_and_goals_in_japanese(client, superuser, seed):
    client.force_login(superuser)
    page = client.get(reverse("admin:goals_goal_changelist") + "?all=")
    html = page.content.decode()
    assert "42 目標" in html
    assert "迅速かつ確に対応するため" in html
    page = client.get(reverse("admin:departments_department_changelist"))
    assert "15 部署" in page.content.decode()
    assert "道路公園センター" in page.content.decode()


def test_goal_change_form_opens(client, superuser, seed):
    client.force_login(superuser)
    goal = Goal.objects.get(department__name="児童家庭課", number="2・3")
    page = client.get(reverse("admin:goals_goal_change", args=[goal.pk]))
    assert page.status_code == 200
    assert goal.text in page.content.decode()


def test_goal_export_rows_are_flat_and_exact(seed):
    dataset = GoalResource().export()
    assert dataset.headers == GOAL_COLUMNS
    assert len(dataset) == 42
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    first = Goal.objects.select_related("department").order_by("department__order", "order").first()
    assert row["区"] == "幸区" and str(row["年度"]) == "2025"
    assert row["部署名"] == first.department.name and row["目標及び具体的な取組内容"] == first.text


def test_goal_import_updates_by_ward_year_department_and_number(seed):
    data = tablib.Dataset(headers=GOAL_COLUMNS)
    data.append(["幸区", "2025", "総務課", "1", "1", "共通", "新しい本文", "実施しました", "2"])
    result = GoalResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    goal = Goal.objects.get(department__name="総務課", number="1")
    assert (goal.text, goal.result, goal.achievement.number) == ("新しい本文", "実施しました", 2)
    assert Goal.objects.count() == 42


def test_department_export_round_trips(seed):
    dataset = DepartmentResource().export()
    assert dataset.headers == ["区", "部署名", "表示順", "廃止日"]
    result = DepartmentResource().import_data(dataset, dry_run=False)
    assert not result.has_errors()
    assert Department.objects.count() == 15
