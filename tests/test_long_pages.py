"""City-sized sheets on the web: the whole-ward sheet page and the board come a page at a time,
never cutting a department, with constant queries at 1×, 10× and 30× the seed."""

import re

import pytest
from django.urls import reverse

from departments.models import Membership
from goals.models import Goal
from goals.overview.sheet_pages import PAGE_GOALS
from goals.seed.synthetic import build_synthetic_sheet
from goals.views.board import BOARD_PAGE
from tests.test_queries import BOARD_QUERIES
from tests.test_sheet_views import EXTRA, SESSION_RENEWAL, SHEET_QUERIES

SHEET_PAGE_QUERIES = SHEET_QUERIES + SESSION_RENEWAL + EXTRA["sheet"]


def _sheet_url(sheet, **query):
    url = reverse("goals:sheet", args=[sheet.ward.name, sheet.fiscal_year])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("scale", [1, 10, 30])
def test_sheet_page_queries_are_constant(client, superuser, seed, django_assert_num_queries, scale):
    """The page's departments come from one query of goal counts; only the page's goals are loaded."""
    sheet = seed if scale == 1 else build_synthetic_sheet(scale=scale)
    client.force_login(superuser)
    url = _sheet_url(sheet, page=2) if scale > 1 else _sheet_url(sheet)
    with django_assert_num_queries(SHEET_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    rows = response.content.decode().count('<tr data-row="')
    assert rows == 42 if scale == 1 else 0 < rows <= PAGE_GOALS


def test_every_department_on_exactly_one_page_whole(client, superuser, seed):
    sheet = build_synthetic_sheet(scale=10)
    client.force_login(superuser)
    first = client.get(_sheet_url(sheet)).content.decode()
    assert 'aria-label="取組シートのページ"' in first
    assert "150部署・目標420件を、部署の区切りで" in first
    pages = int(re.findall(r">(\d+)：", first)[-1])
    assert pages == len(set(re.findall(r'href="\?page=(\d+)"', first))) + 1  # page 1's link has no number
    seen = []
    for number in range(1, pages + 1):
        html = client.get(_sheet_url(sheet, page=number)).content.decode()
        names = re.findall(r'class="department-name">([^<]+)</th>', html)
        seen += names
        for name in set(names):  # a department's goals all on this page
            goals = Goal.objects.filter(sheet=sheet, department__name=name).count()
            rows = re.findall(rf'class="department-name">{name}</th>', html)
            assert rows == [f'class="department-name">{name}</th>'], name
            assert html.count(f'rowspan="{goals}" class="department-name">{name}<') == (goals > 1), name
        # The downloads are always of the whole sheet.
        downloads = re.findall(r'href="([^"]*/(?:pdf|xlsx)/[^"]*)"', html)
        assert len(downloads) == 3 and not [d for d in downloads if "page=" in d], downloads
    assert len(seen) == len(set(seen)) == 150
    assert "前のページ" in html and "次のページ" not in html


@pytest.mark.parametrize("page", ["0", "99", "abc", "-1"])
def test_a_page_that_does_not_exist_is_not_found(client, superuser, seed, page):
    sheet = build_synthetic_sheet(scale=10)
    client.force_login(superuser)
    assert client.get(_sheet_url(sheet, page=page)).status_code == 404


def test_seed_sheet_is_one_page_without_page_links(client, superuser, seed):
    client.force_login(superuser)
    html = client.get(_sheet_url(seed)).content.decode()
    assert "取組シートのページ" not in html and html.count('<tr data-row="') == 42


def test_board_shows_a_page_of_departments_and_the_whole_wards_figures(client, seed, make_member):
    sheet = build_synthetic_sheet(scale=30)
    reviewer = make_member("reviewer-30", sheet.ward.departments.first(), Membership.Role.REVIEWER)
    client.force_login(reviewer)
    url = reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])
    html = client.get(url + "?status=unsubmitted").content.decode()
    assert html.count('name="reports"') == BOARD_PAGE
    assert "<dd>450部署（確認済みでない部署：450）</dd>" in html
    assert "（450部署）" in html and f"450部署を{BOARD_PAGE}部署ずつ9ページに分けて表示しています。" in html
    assert "達成度の内訳（区全体・目標1260件）" in html
    # The filter is kept in the links between pages.
    assert 'href="?status=unsubmitted&amp;page=9"' in html
    last = client.get(url + "?status=unsubmitted&page=9").content.decode()
    assert last.count('name="reports"') == 450 - 8 * BOARD_PAGE
    assert client.get(url + "?page=10").status_code == 404


@pytest.mark.parametrize("scale", [1, 10, 30])
def test_board_page_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """Every department's status in one query of three columns; rows for the page shown only."""
    sheet = seed if scale == 1 else build_synthetic_sheet(scale=scale)
    department = sheet.ward.departments.order_by("order").first()
    reviewer = make_member(f"reviewer-{scale}", department, Membership.Role.REVIEWER)
    # A change by a person on the page shown: its author is looked up (one query for the page).
    Goal.objects.filter(sheet=sheet, department=department).update(updated_by=reviewer)
    client.force_login(reviewer)
    url = reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])
    with django_assert_num_queries(BOARD_QUERIES):
        assert client.get(url).status_code == 200
