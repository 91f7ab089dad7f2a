"""The sheet page and its downloads: the official table in HTML, links, exact downloads, constant queries."""

import io
import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from departments.models import Department
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet
from goals.seed.synthetic import build_synthetic_sheet
from tests.sheet_helpers import hand_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(filename: str) -> str:
    return f"attachment; filename*=utf-8''{quote(filename)}"


@pytest.fixture
def somu(seed):
    return Department.objects.get(ward=seed.ward, name="総務課")


def test_sheet_page_is_the_official_table(client, editor, seed):
    client.force_login(editor)
    response = client.get(reverse("goals:sheet", args=["幸区", 2025]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert html.count("<h1") == 1
    assert re.search(r'<h1 class="sheet-title">令和7年度向上指針取組シート</h1>', html)
    assert '<p class="sheet-issuer">幸区役所</p>' in html
    headers = re.findall(r'<th scope="col">([^<]*)</th>', html)
    assert headers == ["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度"]
    spans = re.findall(r'<th scope="rowgroup" rowspan="(\d+)" class="department-name">([^<]*)</th>', html)
    assert len(spans) == 15 and ("3", "総務課") in spans and ("2", "保険年金課") in spans
    assert html.count('<tr data-row="') == 42
    # 実施中 and nothing handed in yet: every result cell says so.
    assert html.count('<td class="goal-result"><span class="not-submitted">未提出</span></td>') == 42
    assert '<strong class="statement-mark">作成中（案）</strong>' in html
    assert "迅速かつ確に対応するため" in html  # the official text, typo included


def test_sheet_page_links_downloads_and_departments(client, editor, seed, somu):
    client.force_login(editor)
    html = client.get(reverse("goals:sheet", args=["幸区", 2025])).content.decode()
    assert f'href="{reverse("goals:sheet_pdf", args=["幸区", 2025])}"' in html
    assert f'href="{reverse("goals:sheet_xlsx", args=["幸区", 2025])}"' in html
    for department in Department.objects.filter(ward=seed.ward):
        url = reverse("goals:department_sheet", args=["幸区", 2025, department.pk])
        assert f'<a href="{url}">{department.name}</a>' in html


def test_pages_carry_no_inline_style_or_script(client, editor, seed, somu):
    """A strict Content-Security-Policy is coming: all CSS lives in static/css."""
    client.force_login(editor)
    for url in (
        reverse("goals:sheet", args=["幸区", 2025]),
        reverse("goals:department_sheet", args=["幸区", 2025, somu.pk]),
    ):
        html = client.get(url).content.decode()
        assert not re.search(r"\sstyle=|<style", html)
        assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # only scripts from static files
        assert '<link rel="stylesheet" href="/static/css/sheet.css">' in html


def test_department_page_shows_its_part_and_links_back(client, editor, seed, somu):
    client.force_login(editor)
    html = client.get(reverse("goals:department_sheet", args=["幸区", 2025, somu.pk])).content.decode()
    assert '令和7年度向上指針取組シート<span class="sheet-department">（総務課）</span>' in html
    assert html.count('<tr data-row="') == 3
    assert f'href="{reverse("goals:sheet", args=["幸区", 2025])}"' in html
    assert f'href="{reverse("goals:department_sheet_pdf", args=["幸区", 2025, somu.pk])}"' in html
    assert f'href="{reverse("goals:department_sheet_xlsx", args=["幸区", 2025, somu.pk])}"' in html


def test_results_and_hostile_text_are_shown_escaped(client, editor, seed, somu):
    goal = Goal.objects.get(sheet=seed, department=somu, number="1")
    goal.achievement = AchievementLevel.objects.get(number=4)
    goal.result = '<script>alert("x")</script>\n2行目'
    goal.save()
    hand_in(seed, "総務課")
    client.force_login(editor)
    html = client.get(reverse("goals:department_sheet", args=["幸区", 2025, somu.pk])).content.decode()
    assert '<span class="achievement">達成度：4 目標を下回った</span>' in html
    assert '<span class="result">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\n2行目</span>' in html
    assert "<script>alert" not in html


def test_pdf_download(client, editor, seed):
    client.force_login(editor)
    response = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == attachment("令和7年度向上指針取組シート_幸区.pdf")
    assert response.content.startswith(b"%PDF-")


def test_xlsx_download(client, editor, seed):
    client.force_login(editor)
    response = client.get(reverse("goals:sheet_xlsx", args=["幸区", 2025]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == attachment("令和7年度向上指針取組シート_幸区.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["取組シート"]
    assert [c.value for c in sheet[12]] == [
        "部署名",
        "番号",
        "区分",
        "目標及び具体的な取組内容",
        "実施結果及び目標の達成度",
    ]


def test_department_downloads(client, editor, seed, somu):
    client.force_login(editor)
    args = ["幸区", 2025, somu.pk]
    pdf = client.get(reverse("goals:department_sheet_pdf", args=args))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == attachment("令和7年度向上指針取組シート_幸区_総務課.pdf")
    xlsx = client.get(reverse("goals:department_sheet_xlsx", args=args))
    assert xlsx["Content-Type"] == XLSX
    assert xlsx["Content-Disposition"] == attachment("令和7年度向上指針取組シート_幸区_総務課.xlsx")


@pytest.mark.parametrize("name", ["sheet", "sheet_pdf", "sheet_xlsx"])
def test_unknown_ward_or_year_is_404(client, superuser, seed, name):
    client.force_login(superuser)
    assert client.get(reverse(f"goals:{name}", args=["中区", 2025])).status_code == 404
    assert client.get(reverse(f"goals:{name}", args=["幸区", 2024])).status_code == 404


@pytest.mark.parametrize("name", ["department_sheet", "department_sheet_pdf", "department_sheet_xlsx"])
def test_department_not_on_the_sheet_is_404(client, superuser, seed, other_ward, name):
    client.force_login(superuser)
    idle = Department.objects.create(ward=seed.ward, name="休止課", order=99)
    elsewhere = other_ward.departments.get(name="総務課")
    other_sheet = Sheet.objects.create(ward=other_ward, fiscal_year=2025)
    DepartmentReport.objects.create(sheet=other_sheet, department=elsewhere)
    for department_id in (idle.pk, elsewhere.pk, 999999):
        url = reverse(f"goals:{name}", args=["幸区", 2025, department_id])
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["sheet", "sheet_pdf", "sheet_xlsx"])
def test_writes_are_refused(client, editor, seed, name):
    client.force_login(editor)
    assert client.post(reverse(f"goals:{name}", args=["幸区", 2025])).status_code == 405


# The sheet's own queries (session, user, sheet with its ward; the layout's departments with their
# report's status, goals, policies, achievement levels), plus the session's renewal on every request
# (savepoint, update, release), plus, on HTML pages, the deadline banner that base.html shows (one query).
SHEET_QUERIES = 7
# One department: also the department looked up for the 404 rule.
DEPARTMENT_SHEET_QUERIES = SHEET_QUERIES + 1
SESSION_RENEWAL = 3
# A download writes one access-log line: the ward by name, then savepoint, insert, release.
ACCESS_LOG = 4
# A download drawn for the first time: its key (departments with status, policies, levels, goals), the
# store's miss, the claim to draw it (savepoint, insert, release), keeping it (savepoint, insert, release),
# the budget (expired entries, total size) and letting the claim go.
FIRST_DRAWN = 14
EXTRA = {
    "sheet": 2,  # and the departments' goal counts that cut the page into pages
    "department_sheet": 1,
    **{
        f"{part}_{kind}": ACCESS_LOG + FIRST_DRAWN
        for part in ("sheet", "department_sheet")
        for kind in ("pdf", "xlsx")
    },
}


# A PDF of more than one part (the 10× ward's, not the seed's fifteen departments) also looks its parts
# up and keeps them: the same queries for any number of parts (tests/test_sheet_pdf_parts.py).
PARTS = 7


@pytest.mark.parametrize("name", ["sheet", "sheet_pdf", "sheet_xlsx"])
@pytest.mark.parametrize("scale", [1, 10])
def test_queries_do_not_grow_with_the_sheet(client, superuser, seed, django_assert_num_queries, name, scale):
    """Session, user, sheet with its ward, departments, goals with 区分 and 達成度, policies:
    no query per department or per goal, whatever the size."""
    ward = "幸区"
    if scale > 1:
        ward = build_synthetic_sheet(scale=scale).ward.name
    in_parts = PARTS if name == "sheet_pdf" and scale > 1 else 0
    client.force_login(superuser)
    with django_assert_num_queries(SHEET_QUERIES + SESSION_RENEWAL + EXTRA.get(name, 0) + in_parts):
        response = client.get(reverse(f"goals:{name}", args=[ward, 2025]))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["department_sheet", "department_sheet_pdf", "department_sheet_xlsx"])
@pytest.mark.parametrize("scale", [1, 10])
def test_department_queries_do_not_grow_with_the_sheet(
    client, superuser, seed, django_assert_num_queries, name, scale
):
    """Session, user, sheet, the department on it, the layout's queries: nothing per goal."""
    sheet = seed if scale == 1 else build_synthetic_sheet(scale=scale)
    department = Department.objects.filter(ward=sheet.ward).order_by("order").last()
    client.force_login(superuser)
    with django_assert_num_queries(DEPARTMENT_SHEET_QUERIES + SESSION_RENEWAL + EXTRA.get(name, 0)):
        response = client.get(reverse(f"goals:{name}", args=[sheet.ward.name, 2025, department.pk]))
    assert response.status_code == 200
