"""The 達成度 per year of a ward and of the city: the figures, the chart and its table, the links."""

import re

import pytest
from django.urls import reverse

from departments.models import City, CityStaff, Ward
from goals.models import AchievementLevel, Goal
from goals.overview.trends import CHART_WIDTH, city_trends, ward_trends
from goals.seed.synthetic_city import build_synthetic_city


@pytest.fixture
def city(seed):
    city = City.objects.get(code="141305")
    build_synthetic_city(city, scale=2, years=3)
    return city


def test_ward_figures_count_every_goal_per_year_and_level(city):
    ward = Ward.objects.get(name="試験0区")
    trends = ward_trends(ward)
    assert [bar.year for bar in trends.bars] == [2023, 2024, 2025]
    levels = list(AchievementLevel.objects.order_by("number"))
    for bar in trends.bars:
        goals = Goal.objects.filter(sheet__ward=ward, sheet__fiscal_year=bar.year)
        expected = [goals.filter(achievement=lv).count() for lv in levels] + [
            goals.filter(achievement=None).count()
        ]
        assert [s.count for s in bar.segments] == expected
        assert bar.total == goals.count() == sum(expected)
        assert abs(sum(s.width for s in bar.segments) - CHART_WIDTH) <= len(expected)
    assert trends.levels[-1] == "未入力" and len(trends.levels) == len(levels) + 1


def test_city_figures_add_up_the_wards(city):
    trends = city_trends(city)
    for bar in trends.bars:
        wards = [
            next(b for b in ward_trends(w).bars if b.year == bar.year)
            for w in city.wards.all()
            if any(b.year == bar.year for b in ward_trends(w).bars)
        ]
        assert bar.total == sum(w.total for w in wards)
        for i, segment in enumerate(bar.segments):
            assert segment.count == sum(w.segments[i].count for w in wards)


def test_ward_page_draws_the_chart_with_its_text_and_the_table(client, city, reviewer):
    client.force_login(reviewer)
    board = client.get(reverse("goals:board", args=["幸区", 2025])).content.decode()
    url = reverse("goals:ward_trends", args=["幸区"])
    assert f'href="{url}"' in board
    body = client.get(url).content.decode()
    assert re.search(r'<svg [^>]*role="img"[^>]*aria-labelledby="trends-title trends-desc"', body)
    trends = ward_trends(Ward.objects.get(name="幸区"))
    desc = re.search(r'<desc id="trends-desc">(.*?)</desc>', body).group(1)
    assert desc and all(bar.label in desc for bar in trends.bars)
    table = body[body.index('<table class="tally-table">') :]
    for bar in trends.bars:
        assert f'<th scope="row">{bar.label}</th>' in table
    assert "<script" not in body.split("</head>")[1]


def test_city_page_links_each_ward_and_is_linked_from_the_city_board(client, city, city_staff):
    client.force_login(city_staff)
    url = reverse("goals:city_trends", args=[city.code])
    assert f'href="{url}"' in client.get(reverse("goals:city", args=[city.code, 2025])).content.decode()
    body = client.get(url).content.decode()
    for ward in city.wards.all():
        assert reverse("goals:ward_trends", args=[ward.name]) in body
    assert client.get(reverse("goals:ward_trends", args=["試験3区"])).status_code == 200
    ward_page = client.get(reverse("goals:city_ward", args=[city.code, 2025, "試験3区"])).content.decode()
    assert reverse("goals:ward_trends", args=["試験3区"]) in ward_page


@pytest.mark.parametrize("scale", [1, 10, 30])
def test_trends_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """Years, one GROUP BY of goals per year and level, the levels: nothing per ward, year or goal."""
    city = City.objects.get(code="141305")
    build_synthetic_city(city, scale=scale, years=3)
    staff = make_member(f"trends-{scale}", Ward.objects.get(name="幸区").departments.first(), "editor")
    staff.memberships.all().delete()
    CityStaff.objects.create(user=staff, city=city)
    client.force_login(staff)
    city_url = reverse("goals:city_trends", args=[city.code])
    ward_url = reverse("goals:ward_trends", args=["試験0区"])
    client.get(city_url)
    with django_assert_num_queries(13):
        assert client.get(city_url).status_code == 200
    with django_assert_num_queries(15):
        assert client.get(ward_url).status_code == 200
