"""The public pages (/kokai/) without signing in: lists, the sheet, its PDF and workbook, open data, API."""

import csv
import io
import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from departments.models import Department, Membership
from goals import workflow
from goals.models import Category, DepartmentReport, Goal, Sheet
from goals.sheet import opendata

from .publication_helpers import city_ward, hand_everything_in, published, reviewer_of

CSV_HEADER = (
    "全国地方公共団体コード,都道府県名,市区町村名,区名,年度,年度（和暦）,部署名,番号,区分,目標,"
    "実施結果,達成度,達成度の説明,公開日"
)


@pytest.fixture
def public_seed(seed, reviewer):
    return published(seed, reviewer)


def test_index_city_and_ward_lists_show_published_sheets(client, public_seed):
    index = client.get(reverse("goals:public_index")).content.decode()
    assert "神奈川県 川崎市" in index and "幸区 令和7年度向上指針取組シート" in index
    city = client.get(reverse("goals:public_city", args=["141305"])).content.decode()
    assert "幸区 令和7年度向上指針取組シート" in city
    ward = client.get(reverse("goals:public_ward", args=["幸区"])).content.decode()
    assert "/kokai/data/%E5%B9%B8%E5%8C%BA/2025.csv" in ward


def test_the_sheet_page_is_the_official_sheet_with_its_downloads(client, public_seed):
    response = client.get(reverse("goals:public_sheet", args=["幸区", 2025]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "令和7年度向上指針取組シート" in body and "幸区役所" in body
    first = Goal.objects.filter(sheet=public_seed).order_by("department__order", "order").first()
    assert first.text.splitlines()[0] in body
    for name in ("public_sheet_pdf", "public_sheet_xlsx", "public_csv", "public_json"):
        assert reverse(f"goals:{name}", args=["幸区", 2025]) in body


def test_pdf_and_workbook_are_the_sheets(client, public_seed):
    pdf = client.get(reverse("goals:public_sheet_pdf", args=["幸区", 2025]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "向上指針取組シート" in text.replace(" ", "")
    xlsx = client.get(reverse("goals:public_sheet_xlsx", args=["幸区", 2025]))
    assert "attachment" in xlsx["Content-Disposition"]
    cells = {c.value for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row}
    assert "部署名" in cells


def test_csv_one_row_per_goal_with_bom_and_japanese_columns(client, public_seed):
    response = client.get(reverse("goals:public_csv", args=["幸区", 2025]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == CSV_HEADER
    records = list(csv.DictReader(io.StringIO(text)))
    goals = list(
        Goal.objects.filter(sheet=public_seed)
        .select_related("department", "category", "achievement")
        .order_by("department__order", "order", "pk")
    )
    assert len(records) == len(goals) == 42
    first, goal = records[0], goals[0]
    assert first["全国地方公共団体コード"] == "141321"
    assert (first["都道府県名"], first["市区町村名"], first["区名"]) == ("神奈川県", "川崎市", "幸区")
    assert (first["年度"], first["年度（和暦）"]) == ("2025", "令和7年度")
    assert (first["部署名"], first["番号"], first["目標"]) == (goal.department.name, goal.number, goal.text)
    assert (first["達成度"], first["達成度の説明"]) == ("3", "目標をほぼ達成")
    assert first["公開日"] == timezone.localdate(public_seed.published_at).isoformat()


def test_csv_neutralises_formula_looking_text_and_json_keeps_it(client, seed, reviewer):
    goal = Goal.objects.filter(sheet=seed).order_by("pk").first()
    hand_everything_in(seed)
    Goal.objects.filter(pk=goal.pk).update(text='=HYPERLINK("http://evil")', result="+1-2", number="-3")
    published_sheet = published(seed, reviewer, hand_in=False)
    text = client.get(reverse("goals:public_csv", args=["幸区", 2025])).content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["目標"].startswith("'="))
    assert (row["目標"], row["実施結果"], row["番号"]) == ('\'=HYPERLINK("http://evil")', "'+1-2", "'-3")
    document = json.loads(client.get(reverse("goals:public_json", args=["幸区", 2025])).content)
    assert any(r["目標"] == '=HYPERLINK("http://evil")' for r in document["データ"])
    assert published_sheet.published_at


def test_neutralise_formula():
    assert [
        opendata.neutralise_formula(t) for t in ["=1", "+1", "-1", "@A", "\t=1", "\r=1", "1-2", "窓口"]
    ] == [
        "'=1",
        "'+1",
        "'-1",
        "'@A",
        "'\t=1",
        "'\r=1",
        "1-2",
        "窓口",
    ]


def test_json_file_and_api_detail_hold_the_same_records_as_the_csv(client, public_seed):
    document = json.loads(client.get(reverse("goals:public_json", args=["幸区", 2025])).content)
    api = json.loads(client.get(reverse("goals:public_api_sheet", args=["幸区", 2025])).content)
    assert document == api
    assert document["列"] == list(opendata.COLUMN_NAMES)
    assert document["件数"] == len(document["データ"]) == 42
    assert document["表題"] == "令和7年度向上指針取組シート" and document["発行者"] == "幸区役所"
    assert document["区役所サービス向上方針"][0].startswith("①")
    assert document["データ"][0]["達成度"] == 3
    assert document["URL"]["csv"] == "http://testserver/kokai/data/%E5%B9%B8%E5%8C%BA/2025.csv"


def test_api_list_and_etags(client, public_seed, reviewer):
    url = reverse("goals:public_api_sheets")
    first = client.get(url)
    assert first["Content-Type"] == "application/json; charset=utf-8"
    listing = json.loads(first.content)
    assert listing["件数"] == 1 and listing["取組シート"][0]["区名"] == "幸区"
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    for name in ("public_api_sheet", "public_csv", "public_json"):
        detail = reverse(f"goals:{name}", args=["幸区", 2025])
        tag = client.get(detail)["ETag"]
        assert client.get(detail, headers={"If-None-Match": tag}).status_code == 304
    # The data changes (withdrawn): the ETag of the list changes with it.
    workflow.unpublish(public_seed, by=reviewer, reason="取り下げ")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and json.loads(changed.content)["件数"] == 0


def test_columns_page_describes_every_column(client, db):
    body = client.get(reverse("goals:public_columns")).content.decode()
    for column in opendata.COLUMNS:
        assert f'<th scope="row">{column.name}</th>' in body


def test_nothing_published_is_404_everywhere(client, seed):
    for name, args in [
        ("public_city", ["141305"]),
        ("public_ward", ["幸区"]),
        ("public_sheet", ["幸区", 2025]),
        ("public_csv", ["幸区", 2025]),
        ("public_api_sheet", ["幸区", 2025]),
    ]:
        assert client.get(reverse(f"goals:{name}", args=args)).status_code == 404, name
    assert (
        "公開している取組シートはまだありません" in client.get(reverse("goals:public_index")).content.decode()
    )


# --- Walking every public page: nothing unpublished, no draft, no staff name ---------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.links.append(href)


def _text_of(response) -> str:
    kind = response["Content-Type"]
    if kind == "application/pdf":
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace(
            " ", ""
        )
    if kind.startswith("application/vnd.openxml"):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value)
    return response.content.decode("utf-8-sig")


def _walk(client, start="/kokai/", limit=200):
    """Every URL reachable from the public index by links (HTML) and URLs (JSON), staying under /kokai/."""
    seen, queue, pages = set(), [start], {}
    while queue and len(seen) < limit:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        pages[url] = _text_of(response)
        found = []
        if response["Content-Type"].startswith("text/html"):
            parser = _Links()
            parser.feed(pages[url])
            found = parser.links
        elif response["Content-Type"].startswith("application/json"):
            document = json.loads(response.content)
            for sheet in [document, *document.get("取組シート", [])]:
                found += list(sheet.get("URL", {}).values())
        for link in found:
            path = urlsplit(urljoin("http://testserver" + url, link)).path
            if path.startswith("/kokai/") and path not in seen:
                queue.append(path)
    return pages


def test_no_unpublished_sheet_draft_or_staff_name_is_reachable_anonymously(
    client, seed, reviewer, make_member
):
    """Four sheets share one city: published (幸区 2025), 確定 but never published (幸区 2024), a ward
    still entering results (川崎区 2025, with a draft), and one marked published in the admin while a
    department's results were returned to it (川崎区 2024). Staff have names unlike any sheet text.
    Every page reached from /kokai/ is read, including the PDFs and workbooks."""
    people = get_user_model().objects.all()
    people.filter(pk=reviewer.pk).update(last_name="秘匿", first_name="総務子")
    editor = make_member(
        "saiwai-kumin", Department.objects.get(ward=seed.ward, name="区民課"), Membership.Role.EDITOR
    )
    get_user_model().objects.filter(pk=editor.pk).update(last_name="内緒", first_name="入力男")
    goal = Goal.objects.filter(sheet=seed, department__name="区民課").first()
    workflow.save_result(
        goal, by=editor, expected_version=goal.version, result="公開済みの結果", achievement=None
    )
    published(seed, reviewer)

    last_year = Sheet.objects.create(ward=seed.ward, fiscal_year=2024, phase=Sheet.Phase.CLOSED)
    department = Department.objects.get(ward=seed.ward, name="区民課")
    Goal.objects.create(sheet=last_year, department=department, number="1", text="非公開年度の目標ＸＹＺ")
    DepartmentReport.objects.create(sheet=last_year, department=department, status="confirmed")

    other = city_ward("川崎区", departments=("総務課", "区民課"))
    other_reviewer = reviewer_of(other, make_member, "kawasaki-reviewer")
    other_sheet = Sheet.objects.create(ward=other, fiscal_year=2025, phase=Sheet.Phase.IN_PROGRESS)
    kumin = other.departments.get(name="区民課")
    draft = Goal.objects.create(
        sheet=other_sheet,
        department=kumin,
        number="1",
        text="入力中の区の目標ＡＢＣ",
        category=Category.objects.first(),
    )
    DepartmentReport.objects.create(sheet=other_sheet, department=kumin, status="in_progress")
    Goal.objects.filter(pk=draft.pk).update(result="下書きの実施結果ＤＥＦ")
    # Marked published behind the workflow (the admin) while a department's results came back to it.
    returned_sheet = Sheet.objects.create(
        ward=other, fiscal_year=2024, phase=Sheet.Phase.CLOSED, published_at=timezone.now()
    )
    Goal.objects.create(sheet=returned_sheet, department=kumin, number="1", text="差戻し中の目標ＧＨＩ")
    DepartmentReport.objects.create(sheet=returned_sheet, department=kumin, status="returned")

    pages = _walk(client)
    every_kind = [reverse("goals:public_api_sheets"), reverse("goals:public_columns")] + [
        reverse(f"goals:{name}", args=["幸区", 2025])
        for name in (
            "public_sheet",
            "public_sheet_pdf",
            "public_sheet_xlsx",
            "public_csv",
            "public_json",
            "public_api_sheet",
        )
    ]
    assert set(every_kind) <= set(pages), sorted(set(every_kind) - set(pages))
    secrets = [
        "非公開年度の目標ＸＹＺ",
        "入力中の区の目標ＡＢＣ",
        "下書きの実施結果ＤＥＦ",
        "差戻し中の目標ＧＨＩ",
        "令和6年度",
        "秘匿",
        "総務子",
        "内緒",
        "入力男",
        reviewer.username,
        editor.username,
        other_reviewer.username,
        "saiwai-reviewer",
        "@example.invalid",
        "川崎区",
    ]
    for url, text in pages.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{url} shows {leaked}"
    # Nor by guessing: every public URL of the unpublished sheets is 404.
    for ward, year in [("幸区", 2024), ("川崎区", 2025), ("川崎区", 2024)]:
        for name in (
            "public_sheet",
            "public_sheet_pdf",
            "public_sheet_xlsx",
            "public_csv",
            "public_json",
            "public_api_sheet",
        ):
            assert client.get(reverse(f"goals:{name}", args=[ward, year])).status_code == 404
    assert client.get(reverse("goals:public_ward", args=["川崎区"])).status_code == 404
