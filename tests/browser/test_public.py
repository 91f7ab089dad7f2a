"""The public pages and the city board in a real browser, audited (axe + Nu): a city user opens the
city board and follows a ward; the reviewer publishes; an anonymous visitor reads the published sheet
and downloads its CSV; the open-data description; the publication page with an error; a department
across years."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from goals.carry_forward import carry_into_next_year
from goals.models import Goal, Sheet

from ..publication_helpers import close, hand_everything_in
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_board_publication_and_the_public_sheet(new_page, audit, seed, reviewer, city_staff):
    hand_everything_in(seed)
    close(seed, reviewer)

    city = new_page()
    sign_in(city, city_staff)
    expect(city.get_by_role("heading", level=1)).to_have_text(
        "川崎市　令和7年度向上指針取組シート　各区の状況"
    )
    expect(city.get_by_role("row", name="幸区")).to_contain_text("確定")
    audit(city, "市の各区の状況")
    city.get_by_role("link", name="幸区", exact=True).click()
    expect(city.get_by_role("heading", level=1)).to_contain_text("全部署の状況（閲覧）")
    expect(city.get_by_role("button")).to_have_text(["ログアウト"])  # nothing to change here
    audit(city, "市から見た区の全部署の状況")

    board = new_page()
    sign_in(board, reviewer)
    board.goto("/board/幸区/2025/")
    board.get_by_role("link", name="公開の設定").click()
    board.get_by_role("button", name="公開する").click()
    expect(board.get_by_role("alert")).to_contain_text("理由を入力してください。")
    audit(board, "公開の設定（理由なし）")
    board.get_by_label("理由").fill("区のホームページで公表するため")
    board.get_by_role("button", name="公開する").click()
    expect(board.get_by_role("status")).to_contain_text("公開しました")
    expect(board.get_by_role("table")).to_contain_text("公開しました（理由：区のホームページで公表するため）")
    audit(board, "公開の設定（公開中）")

    visitor = new_page()
    visitor.goto("/kokai/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("公開している向上指針取組シート")
    audit(visitor, "公開：一覧")
    visitor.get_by_role("link", name="川崎市").click()
    audit(visitor, "公開：市の一覧")
    visitor.get_by_role("link", name="幸区", exact=True).click()
    audit(visitor, "公開：区の一覧")
    visitor.get_by_role("link", name="幸区 令和7年度向上指針取組シート").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("令和7年度向上指針取組シート")
    first = Goal.objects.filter(sheet=seed).order_by("department__order", "order").first()
    expect(visitor.get_by_role("table")).to_contain_text(first.text.splitlines()[0])
    audit(visitor, "公開：取組シート")
    with visitor.expect_download() as started:
        visitor.get_by_role("link", name="CSV（オープンデータ）").click()
    download = started.value
    assert download.suggested_filename == "幸区_2025_向上指針取組シート.csv"
    records = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert len(records) == 42 and records[0]["区名"] == "幸区"
    visitor.get_by_role("link", name="項目の説明").click()
    expect(visitor.get_by_role("table")).to_contain_text("全国地方公共団体コード")
    audit(visitor, "公開：オープンデータの項目")
    visitor.goto("/kokai/wards/幸区/2024/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")


def test_department_across_years(new_page, audit, seed, reviewer, city_staff, kumin_report):
    hand_everything_in(seed, level_number=2)
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    seed.refresh_from_db()
    carry_into_next_year(seed, by=reviewer)
    city = new_page()
    sign_in(city, city_staff)
    city.goto(f"/reports/{kumin_report.pk}/")
    city.get_by_role("link", name="年度ごとの目標と達成度").click()
    expect(city.get_by_role("heading", level=1)).to_have_text("幸区　区民課　年度ごとの目標と達成度")
    expect(city.get_by_role("table", name="年度ごとの達成度の件数")).to_contain_text("令和8年度")
    audit(city, "年度ごとの目標と達成度")
