"""A sheet ten times the seed in the browser: the board and the whole-ward sheet page a page at a
time, their page links named and keyboard-reachable, audited."""

import pytest
from playwright.sync_api import expect

from departments.models import Membership
from goals.seed.synthetic import build_synthetic_sheet

from ..conftest import _member
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_board_and_sheet_page_of_a_large_ward_come_in_pages(page, audit, seed):
    sheet = build_synthetic_sheet(scale=10, ward_name="大区")
    reviewer = _member("oku-reviewer", sheet.ward.departments.first(), Membership.Role.REVIEWER)
    sign_in(page, reviewer)
    page.goto("/board/大区/2025/")
    pages = page.get_by_role("navigation", name="部署ごとの状況のページ")
    expect(pages).to_contain_text(
        "150部署を50部署ずつ3ページに分けて表示しています。このページは1ページ目です。"
    )
    pages.get_by_role("link", name="3：").click()
    expect(
        page.get_by_role("navigation", name="部署ごとの状況のページ").get_by_role("link", name="3：")
    ).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="前のページ（2：")).to_be_visible()
    audit(page, "全部署の状況（150部署の3ページ目）")

    page.goto("/sheets/大区/2025/")
    expect(page.get_by_role("navigation", name="取組シートのページ")).to_contain_text(
        "150部署・目標420件を、部署の区切りで"
    )
    page.get_by_role("link", name="次のページ（2：").click()
    expect(page).to_have_url("/sheets/%E5%A4%A7%E5%8C%BA/2025/?page=2")
    expect(page.get_by_role("link", name="PDF をダウンロード")).to_have_attribute(
        "href", "/sheets/%E5%A4%A7%E5%8C%BA/2025/pdf/"
    )
    audit(page, "取組シート（大区・2ページ目）")
