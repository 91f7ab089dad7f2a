"""The city's roll-up in a real browser, audited (axe + Nu): a city user opens the city board, follows a
ward, opens the roll-up and downloads its PDF (the summary first, then every ward's sheet); an anonymous
visitor reads a published sheet and downloads its CSV."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from goals.models import DepartmentReport, Goal, Sheet

from ..publication_helpers import city_ward, published
from ..sheet_helpers import pdfinfo, pdftotext_pages, strip
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_user_downloads_the_roll_up_and_a_visitor_the_published_csv(
    new_page, audit, seed, reviewer, city_staff
):
    published(seed, reviewer)
    takatsu = city_ward("高津区")
    other = Sheet.objects.create(ward=takatsu, fiscal_year=2025, phase=Sheet.Phase.IN_PROGRESS)
    department = takatsu.departments.get()
    DepartmentReport.objects.create(sheet=other, department=department)
    Goal.objects.create(sheet=other, department=department, number="1", text="高津区の窓口の目標")

    city = new_page()
    sign_in(city, city_staff)
    expect(city.get_by_role("heading", level=1)).to_have_text(
        "川崎市　令和7年度向上指針取組シート　各区の状況"
    )
    city.get_by_role("link", name="高津区", exact=True).click()
    expect(city.get_by_role("heading", level=1)).to_contain_text("全部署の状況（閲覧）")
    city.go_back()
    city.get_by_role("link", name="各区の取組シートの取りまとめ（集計表、PDF・Excel の一括出力）").click()
    expect(city.get_by_role("heading", level=1)).to_have_text(
        "川崎市　令和7年度向上指針取組シート　各区の取りまとめ"
    )
    summary = city.get_by_role("table", name="集計（区ごとの達成度と部署の提出状況）")
    expect(summary.get_by_role("row", name="幸区")).to_contain_text("確定")
    expect(summary.get_by_role("row", name="高津区")).to_contain_text("実施中")
    expect(summary.get_by_role("row", name="市全体")).to_contain_text("43")
    audit(city, "市の各区の取りまとめ")
    with city.expect_download() as started:
        city.get_by_role("link", name="各区の取りまとめ PDF をダウンロード").click()
    download = started.value
    assert download.suggested_filename == "令和7年度向上指針取組シート_川崎市_各区の取りまとめ.pdf"
    content = Path(download.path()).read_bytes()
    pages = pdftotext_pages(content)
    assert "川崎市令和7年度向上指針取組シート各区の取りまとめ" in pages[0]
    assert "幸区役所" in pages[1] and "高津区の窓口の目標" in pages[-1]
    assert strip(pdfinfo(content))["Author"] == "川崎市"
    city.get_by_role("link", name="高津区の取組シート").click()
    expect(city.get_by_role("table")).to_contain_text("高津区の窓口の目標")

    visitor = new_page()
    visitor.goto("/kokai/wards/幸区/2025/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("令和7年度向上指針取組シート")
    audit(visitor, "公開：取組シート（取りまとめの後）")
    with visitor.expect_download() as started:
        visitor.get_by_role("link", name="CSV（オープンデータ）").click()
    records = list(csv.DictReader(io.StringIO(Path(started.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(records) == 42 and {r["区名"] for r in records} == {"幸区"}
    visitor.goto("/cities/141305/2025/rollup/")
    assert "/accounts/login/" in visitor.url  # the roll-up is the city staff's, never public
