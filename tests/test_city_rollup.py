"""The city's roll-up: every ward's sheet of a year in one PDF and one workbook, a summary table first,
the city's name on the outputs; the roll-up page; constant queries at 1× and 10×."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from goals.models import DepartmentReport, Goal, Sheet, SheetDocument
from goals.overview.city import rollup_summary
from goals.sheet.layout import build_layout
from goals.sheet.pdf import render_pdf
from goals.sheet.rollup import build_city_layout, render_rollup_pdf, render_rollup_xlsx
from goals.sheet.workbook import render_xlsx

from .publication_helpers import city_ward, hand_everything_in, kawasaki
from .sheet_helpers import pdfinfo, pdftotext_pages, strip
from .test_city import SESSION, SESSION_RENEWAL, _published_wards

# City, staff check, any sheet that year, sheets with wards, goals by level, reports by status, levels,
# the deadline banner.
ROLLUP_PAGE_QUERIES = SESSION + 8 + SESSION_RENEWAL


@pytest.fixture
def takatsu(seed):
    """A second ward of 川崎市 with two departments: one handed in (level 2), one still 入力中."""
    ward = city_ward("高津区", departments=("総務課", "区民課"))
    sheet = Sheet.objects.create(ward=ward, fiscal_year=2025, phase=Sheet.Phase.IN_PROGRESS)
    for department in ward.departments.all():
        DepartmentReport.objects.create(sheet=sheet, department=department)
        Goal.objects.create(sheet=sheet, department=department, number="1", text=f"{department.name}の目標")
    hand_everything_in(sheet, level_number=2)
    DepartmentReport.objects.filter(sheet=sheet, department__name="区民課").update(status="in_progress")
    return sheet


def test_summary_counts_levels_as_the_sheets_print_them(seed, takatsu):
    """A level counts only where the department handed its results in; the rest is 達成度なし."""
    summary = rollup_summary(kawasaki(), 2025)
    by_ward = {row.ward.name: row for row in summary.rows}
    assert list(by_ward) == ["幸区", "高津区"]
    assert summary.level_labels[1] == "2 目標を上回って達成"
    takatsu_row = by_ward["高津区"]
    assert (takatsu_row.goals, takatsu_row.levels, takatsu_row.no_level) == (2, [0, 1, 0, 0, 0], 1)
    status = dict(zip(summary.status_labels, takatsu_row.statuses, strict=True))
    assert (status["確認済み"], status["入力中"], status["提出済み"]) == (1, 1, 0)
    saiwai = by_ward["幸区"]
    assert (saiwai.goals, saiwai.no_level, sum(saiwai.levels)) == (42, 42, 0)
    assert summary.total.goals == 44 and summary.total.levels == [0, 1, 0, 0, 0]


def test_rollup_pdf_is_the_summary_then_every_wards_own_sheet(seed, takatsu):
    layout = build_city_layout(kawasaki(), 2025)
    content = render_rollup_pdf(layout)
    pages = pdftotext_pages(content)
    assert "川崎市令和7年度向上指針取組シート各区の取りまとめ" in pages[0]
    assert "達成度なし" in pages[0] and "市全体" in pages[0]
    # Each ward's pages are its own PDF's pages, in the summary's order.
    own = [pdftotext_pages(render_pdf(build_layout(sheet))) for sheet in (seed, takatsu)]
    assert len(pages) == 1 + sum(len(p) for p in own)
    assert "幸区役所" in pages[1] and "高津区の目標" not in "".join(pages[: 1 + len(own[0])])
    assert "高津区役所" in pages[1 + len(own[0])] and "総務課の目標" in pages[1 + len(own[0])]
    info = strip(pdfinfo(content))
    assert info["Title"] == "川崎市 令和7年度向上指針取組シート 各区の取りまとめ"
    assert info["Author"] == "川崎市"
    assert info["Tagged"] == "yes"
    assert len(PdfReader(io.BytesIO(content)).pages) == len(pages)


def test_rollup_workbook_has_the_summary_then_one_worksheet_per_ward(seed, takatsu):
    layout = build_city_layout(kawasaki(), 2025)
    workbook = load_workbook(io.BytesIO(render_rollup_xlsx(layout)))
    assert workbook.sheetnames == ["集計", "幸区", "高津区"]
    assert workbook.properties.creator == "川崎市"
    summary = workbook["集計"]
    assert summary["A1"].value == "川崎市　令和7年度向上指針取組シート　各区の取りまとめ"
    header = [c.value for c in summary[5]]
    assert header[:3] == ["区", "段階", "目標数"] and "達成度なし" in header and "部署 確認済み" in header
    rows = {r[0]: r for r in summary.iter_rows(min_row=6, values_only=True)}
    assert rows["高津区"][:5] == ("高津区", "実施中", 2, 0, 1)
    assert rows["市全体"][2] == 44
    ward = workbook["高津区"]
    assert ward["A1"].value == "令和7年度向上指針取組シート"
    values = [c for row in ward.iter_rows(values_only=True) for c in row if c]
    assert "部署名" in values and "総務課の目標" in values and "未提出" in values
    # Each ward's worksheet is its own workbook's 取組シート, cell for cell, merges and breaks too.
    own = load_workbook(io.BytesIO(render_xlsx(build_layout(seed))))["取組シート"]
    drawn = workbook["幸区"]
    assert list(drawn.iter_rows(values_only=True)) == list(own.iter_rows(values_only=True))
    assert drawn.merged_cells.ranges == own.merged_cells.ranges
    assert [b.id for b in drawn.row_breaks.brk] == [b.id for b in own.row_breaks.brk]


def test_rollup_page_and_downloads(client, seed, takatsu, city_staff):
    client.force_login(city_staff)
    board = client.get(reverse("goals:city", args=["141305", 2025])).content.decode()
    page_url = reverse("goals:city_rollup", args=["141305", 2025])
    assert f'href="{page_url}"' in board
    body = client.get(page_url).content.decode()
    assert "川崎市　令和7年度向上指針取組シート　各区の取りまとめ" in body
    for ward in ("幸区", "高津区"):
        assert f'href="{reverse("goals:sheet", args=[ward, 2025])}"' in body
    pdf = client.get(reverse("goals:city_rollup_pdf", args=["141305", 2025]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "%E5%B7%9D%E5%B4%8E%E5%B8%82" in pdf["Content-Disposition"]  # 川崎市 in the file name
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("goals:city_rollup_xlsx", args=["141305", 2025]))
    assert xlsx["Content-Disposition"].endswith(".xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["集計", "幸区", "高津区"]


def test_rollup_of_a_year_without_sheets_is_404(client, seed, city_staff):
    client.force_login(city_staff)
    assert client.get(reverse("goals:city_rollup", args=["141305", 2001])).status_code == 404
    assert client.get(reverse("goals:city_rollup_xlsx", args=["141305", 2001])).status_code == 404


@pytest.mark.parametrize("scale", [1, 10])
def test_rollup_page_queries_are_constant(client, city_staff, scale, django_assert_num_queries):
    """Goals by level and reports by status are counted in two grouped queries for all wards (no query
    per ward, department or goal); the page does not build the sheets it links to."""
    _published_wards(scale, scale=scale)
    client.force_login(city_staff)
    with django_assert_num_queries(ROLLUP_PAGE_QUERIES):
        body = client.get(reverse("goals:city_rollup", args=["141305", 2025])).content.decode()
    assert body.count("の取組シート</a>") == scale + 1


def test_rollup_downloads_are_kept_and_a_change_in_any_ward_draws_them_again(
    client, seed, takatsu, city_staff
):
    """The roll-up lives in the shared document store under a key made of every ward's sheet key."""
    client.force_login(city_staff)
    url = reverse("goals:city_rollup_xlsx", args=["141305", 2025])
    first = client.get(url)
    assert SheetDocument.objects.filter(key__startswith="city:").count() == 1
    again = client.get(url)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Goal.objects.filter(sheet=takatsu, department__name="総務課").update(text="変わった目標")
    changed = client.get(url)
    assert changed["ETag"] != first["ETag"]
    assert SheetDocument.objects.filter(key__startswith="city:").count() == 2
    assert "変わった目標" in [
        c
        for row in load_workbook(io.BytesIO(changed.content))["高津区"].iter_rows(values_only=True)
        for c in row
    ]
