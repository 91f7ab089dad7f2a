"""Search and the 達成度 trends in a real browser, audited (axe + Nu): the reviewer searches from the
header, meets a too-short word, filters and pages; opens the ward's trends from the board; city staff
open the city's trends from the city board and follow a ward."""

import re

import pytest
from playwright.sync_api import expect

from departments.models import City
from goals.models import Goal, GoalComment
from goals.seed.synthetic_city import build_synthetic_city

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_the_header(new_page, audit, seed, reviewer):
    goal = Goal.objects.filter(sheet=seed, text__contains="窓口").order_by("pk").first()
    GoalComment.objects.create(goal=goal, text="<b>窓口</b>の混雑状況を教えてください。")
    page = new_page()
    sign_in(page, reviewer)
    page.get_by_role("navigation", name="利用者メニュー").get_by_role("link", name="検索").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("目標・実施結果・コメントの検索")
    audit(page, "検索（はじめ）")

    page.get_by_label("検索する語").fill("窓")
    page.get_by_role("button", name="検索する").click()
    expect(page.get_by_role("alert")).to_contain_text("「窓」は短すぎます")
    audit(page, "検索（短すぎる語）")

    page.get_by_label("検索する語").fill("窓口")
    page.get_by_role("button", name="検索する").click()
    expect(page.get_by_role("status")).to_contain_text("件の目標が見つかりました")
    expect(page.locator("mark").first).to_have_text("窓口")
    expect(page.get_by_text("<b>窓口</b>の混雑状況", exact=False)).to_be_visible()  # shown as text
    audit(page, "検索（結果）")

    page.get_by_label("部署").select_option(label=goal.department.name)
    page.get_by_role("button", name="検索する").click()
    expect(page.get_by_role("heading", level=3).first).to_contain_text(goal.department.name)
    page.get_by_role("heading", level=3).first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/goals/{goal.pk}/$"))

    page.goto("/search/?q=見つかるはずのない語")
    expect(page.get_by_role("status")).to_contain_text("見つかりませんでした")
    audit(page, "検索（該当なし）")


def test_trends_of_a_ward_and_of_the_city(new_page, audit, seed, reviewer, city_staff):
    build_synthetic_city(City.objects.get(code="141305"), scale=6, years=3)
    board = new_page()
    sign_in(board, reviewer)
    board.goto("/board/幸区/2025/")
    board.get_by_role("link", name="幸区の達成度の推移（年度ごと）").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("幸区　達成度の推移（年度ごと）")
    expect(board.get_by_role("img", name="幸区の達成度の内訳（年度ごと）")).to_be_visible()
    audit(board, "区の達成度の推移")

    city = new_page()
    sign_in(city, city_staff)
    city.goto("/cities/141305/2025/")
    city.get_by_role("link", name="川崎市の達成度の推移（年度ごと）").click()
    expect(city.get_by_role("table")).to_contain_text("令和5年度")
    expect(city.get_by_role("img", name="川崎市の達成度の内訳（年度ごと）")).to_be_visible()
    audit(city, "市の達成度の推移")
    city.get_by_role("link", name="試験2区の達成度の推移").click()
    expect(city.get_by_role("heading", level=1)).to_have_text("試験2区　達成度の推移（年度ごと）")
    audit(city, "市から見た区の達成度の推移")

    search = new_page()
    sign_in(search, city_staff)
    search.goto("/search/?q=研修")
    search.get_by_label("区", exact=True).select_option(label="試験2区")
    search.get_by_role("button", name="検索する").click()
    expect(search.get_by_role("status")).to_contain_text("件の目標が見つかりました")
    expect(search.get_by_role("navigation", name="検索結果のページ")).to_be_visible()
    audit(search, "検索（市・区で絞り込み）")
    search.get_by_role("link", name="次の20件").click()
    expect(search.get_by_role("navigation", name="検索結果のページ")).to_contain_text("2 / ")
    audit(search, "検索（2ページ目）")
