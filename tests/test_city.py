"""The city level: 川崎市 above its wards, city staff (区政推進) who read every ward and change nothing,
the city board's figures, and constant queries on the new list pages at 1× and 10×."""

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from departments.models import CityStaff, Ward
from goals import access, workflow
from goals.models import DepartmentReport, Goal, Sheet
from goals.overview.city import city_board
from goals.seed.synthetic import build_synthetic_sheet
from goals.workflow import WorkflowError

from .conftest import _user, fill_results
from .publication_helpers import city_ward, hand_everything_in, kawasaki


def test_the_seed_ward_belongs_to_kawasaki(seed):
    assert seed.ward.city == kawasaki()
    assert (kawasaki().name, kawasaki().prefecture, seed.ward.code) == ("川崎市", "神奈川県", "141321")


def test_city_staff_is_one_post_per_city(city_staff):
    with pytest.raises(IntegrityError):
        CityStaff.objects.create(user=city_staff, city=kawasaki())


def test_city_staff_read_every_ward_of_their_city_only(seed, city_staff, other_ward):
    takatsu = city_ward("高津区")
    assert set(Ward.objects.for_user(city_staff)) == {seed.ward, takatsu}
    assert other_ward not in Ward.objects.for_user(city_staff)
    assert access.readable_reports(city_staff).filter(sheet=seed).count() == seed.reports.count()
    assert access.readable_goals(city_staff).filter(sheet=seed).count() == 42


def test_a_city_with_two_staff_shows_each_page_once(client, seed, editor, city_staff):
    """The city staff's reach is a subquery on the city, not a join with its staff: a second staff
    member repeated every row of the ward, and the editor's own department page answered 500."""
    CityStaff.objects.create(user=_user("kawasaki-city-2"), city=kawasaki())
    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    goal = Goal.objects.filter(sheet=seed, department=report.department).first()
    for user in (editor, city_staff):
        assert list(access.readable_reports(user).filter(sheet=seed, pk=report.pk)) == [report]
        assert list(access.readable_goals(user).filter(pk=goal.pk)) == [goal]
        assert access.searchable_departments(user).filter(pk=report.department_id).count() == 1
    client.force_login(editor)
    assert client.get(reverse("goals:report", args=[report.pk])).status_code == 200
    assert client.get(reverse("goals:goal_result", args=[goal.pk])).status_code == 200


def test_city_staff_change_nothing(seed, city_staff, kumin_report):
    """Every workflow function refuses them; the pages' 403s are in the permission matrix."""
    goal = Goal.objects.filter(sheet=seed, department=kumin_report.department).first()
    fill_results(kumin_report)
    attempts = [
        lambda: workflow.submit(kumin_report, by=city_staff),
        lambda: workflow.confirm(kumin_report, by=city_staff),
        lambda: workflow.return_to_department(kumin_report, by=city_staff, reason="直して"),
        lambda: workflow.advance(seed, by=city_staff, override_reason="理由"),
        lambda: workflow.reopen(seed, by=city_staff, reason="理由"),
        lambda: workflow.set_results_deadline(seed, by=city_staff, deadline=timezone.localdate()),
        lambda: workflow.save_result(
            goal, by=city_staff, expected_version=goal.version, result="x", achievement=None
        ),
        lambda: workflow.publish(seed, by=city_staff, reason="理由"),
    ]
    for attempt in attempts:
        with pytest.raises(WorkflowError):
            attempt()


def test_city_staff_land_on_the_city_board(client, city_staff):
    client.force_login(city_staff)
    assert client.get(reverse("goals:home"))["Location"] == reverse("goals:city", args=["141305", 2025])


def test_city_board_figures_per_ward(client, seed, city_staff, reviewer):
    takatsu = city_ward("高津区", departments=("総務課", "区民課"))
    city_ward("多摩区")  # no sheet this year
    other = Sheet.objects.create(ward=takatsu, fiscal_year=2025, phase=Sheet.Phase.PLANNING)
    for department in takatsu.departments.all():
        DepartmentReport.objects.create(sheet=other, department=department)
        Goal.objects.create(sheet=other, department=department, number="1", text="目標")
    hand_everything_in(seed, level_number=2)
    DepartmentReport.objects.filter(sheet=seed, department__name="区民課").update(status="submitted")
    rows, total = city_board(kawasaki(), 2025)
    by_ward = {row.ward.name: row for row in rows}
    assert list(by_ward) == ["多摩区", "幸区", "高津区"]
    saiwai = by_ward["幸区"]
    assert (saiwai.departments, saiwai.submitted, saiwai.confirmed, saiwai.goals) == (15, 1, 14, 42)
    assert [lv.count for lv in saiwai.levels] == [0, 42, 0, 0, 0, 0]
    assert [lv.count for lv in by_ward["高津区"].levels] == [0, 0, 0, 0, 0, 2]
    assert by_ward["多摩区"].sheet is None
    assert [lv.count for lv in total] == [0, 42, 0, 0, 0, 2]

    client.force_login(city_staff)
    body = client.get(reverse("goals:city", args=["141305", 2025])).content.decode()
    assert "川崎市　令和7年度向上指針取組シート　各区の状況" in body
    assert reverse("goals:city_ward", args=["141305", 2025, "幸区"]) in body
    assert "この年度の取組シートはありません" in body  # 多摩区
    ward_page = client.get(reverse("goals:city_ward", args=["141305", 2025, "幸区"])).content.decode()
    assert reverse("goals:report", args=[seed.reports.get(department__name="区民課").pk]) in ward_page
    assert "<form" not in ward_page.split("<main")[1], "the city's view of a ward has no action"
    report = seed.reports.get(department__name="区民課")
    detail = client.get(reverse("goals:report", args=[report.pk])).content.decode()
    assert "確認・差戻し" not in detail


# --- Constant queries at 1× and 10× ---------------------------------------------------------------------

# Session and user lookups, then the page's own: see each test's docstring.
SESSION = 2
SESSION_RENEWAL = 3
PUBLIC_INDEX_QUERIES = 1
PUBLIC_API_LIST_QUERIES = 1
PUBLIC_CSV_QUERIES = 2
PUBLIC_JSON_QUERIES = 3
# Sheet, departments, goals, policies, achievement levels (the legend), the date it was locked (the layout's own).
PUBLIC_SHEET_QUERIES = 6
# City, staff check, years, wards, sheets, statuses, tallies, levels, the deadline banner.
CITY_BOARD_QUERIES = SESSION + 9 + SESSION_RENEWAL


def _published_wards(count, scale=1, city=None):
    """`count` synthetic wards of the city, each with a published sheet `scale`× the seed."""
    city = city or kawasaki()
    sheets = []
    for n in range(count):
        sheet = build_synthetic_sheet(scale=scale, ward_name=f"試験{n:02d}区")
        Ward.objects.filter(pk=sheet.ward_id).update(city=city)
        hand_everything_in(sheet)
        Sheet.objects.filter(pk=sheet.pk).update(phase=Sheet.Phase.CLOSED, published_at=timezone.now())
        sheets.append(sheet)
    return sheets


@pytest.mark.parametrize("scale", [1, 10])
def test_public_lists_queries_are_constant(client, seed, scale, django_assert_num_queries):
    """The index and the API list read sheets with ward and city joined (no query per sheet or ward);
    the drafts check is one subquery, not one per sheet."""
    _published_wards(scale)
    with django_assert_num_queries(PUBLIC_INDEX_QUERIES):
        body = client.get(reverse("goals:public_index")).content.decode()
    assert body.count("令和7年度向上指針取組シート</a>") == scale
    with django_assert_num_queries(PUBLIC_API_LIST_QUERIES):
        assert client.get(reverse("goals:public_api_sheets")).json()["件数"] == scale


@pytest.mark.parametrize("scale", [1, 10])
def test_public_sheet_and_data_queries_are_constant(client, seed, scale, django_assert_num_queries):
    """The CSV and JSON rows join department, 区分 and 達成度 (no query per goal); the page is the layout's
    constant queries plus the sheet."""
    (sheet,) = _published_wards(1, scale=scale)
    args = [sheet.ward.name, 2025]
    with django_assert_num_queries(PUBLIC_CSV_QUERIES):
        content = client.get(reverse("goals:public_csv", args=args)).content
    assert content.decode("utf-8-sig").count("\r\n") == 1 + 42 * scale
    with django_assert_num_queries(PUBLIC_JSON_QUERIES):
        assert client.get(reverse("goals:public_json", args=args)).json()["件数"] == 42 * scale
    with django_assert_num_queries(PUBLIC_SHEET_QUERIES):
        assert client.get(reverse("goals:public_sheet", args=args)).status_code == 200


@pytest.mark.parametrize("scale", [1, 10])
def test_city_board_queries_are_constant(client, city_staff, scale, django_assert_num_queries):
    """Reports and goals are counted per sheet in two grouped queries (no query per ward or department)."""
    _published_wards(scale, scale=scale)
    client.force_login(city_staff)
    with django_assert_num_queries(CITY_BOARD_QUERIES):
        body = client.get(reverse("goals:city", args=["141305", 2025])).content.decode()
    assert body.count('<th scope="row"><a href="/cities/141305/2025/wards/') == scale + 1
