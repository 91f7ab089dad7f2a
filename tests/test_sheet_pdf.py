"""The PDF: every official text in it, A4 landscape, a Japanese font embedded, header and department
on every page, page numbers and the output date, and rows kept whole."""

import dataclasses
import io
import re

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from departments.models import Department
from goals.lib.wareki import date_label
from goals.models import AchievementLevel, DepartmentReport, Goal, ServicePolicy
from goals.seed.synthetic import build_synthetic_sheet
from goals.sheet import drawing, pagination, pdf
from goals.sheet.layout import COLUMN_WIDTHS, build_layout
from goals.sheet.vocabulary import HEADERS
from tests.sheet_helpers import hand_in

_SPACE = re.compile(r"\s+")


def flat(text: str) -> str:
    """Extracted text breaks lines inside cells: compare without any whitespace."""
    return _SPACE.sub("", text)


def page_texts(content: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


@pytest.fixture
def seed_pdf(seed):
    return pdf.render_pdf(build_layout(seed))


def test_every_official_text_is_in_the_pdf(seed, seed_pdf):
    whole = "".join(page_texts(seed_pdf))
    assert flat("令和7年度向上指針取組シート") in whole
    assert "幸区役所" in whole
    assert "区役所サービス向上方針" in whole and "区役所サービス向上目標" in whole
    for policy in ServicePolicy.objects.filter(sheet=seed):
        assert flat(f"{policy.marker}{policy.text}") in whole
    goals = list(Goal.objects.filter(sheet=seed).select_related("department"))
    assert len(goals) == 42
    for goal in goals:
        assert flat(goal.text) in whole, goal
    for department in {goal.department.name for goal in goals}:
        assert department in whole


def test_pages_are_a4_landscape_with_a_japanese_font_embedded(seed_pdf):
    reader = PdfReader(io.BytesIO(seed_pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for font in fonts.values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                embedded.append(str(font["/BaseFont"]))
    assert any("IPAex" in name for name in embedded), embedded


def test_header_row_page_numbers_and_date_on_every_page(seed_pdf):
    pages = page_texts(seed_pdf)
    today = flat(date_label(timezone.localdate()))
    for number, text in enumerate(pages, 1):
        assert all(header in text for header in HEADERS), number
        assert f"{number}/{len(pages)}" in text
        assert today in text


def test_no_goal_is_split_across_pages(seed, seed_pdf):
    pages = page_texts(seed_pdf)
    for goal in Goal.objects.filter(sheet=seed):
        assert sum(flat(goal.text) in page for page in pages) == 1, goal


def test_department_is_shown_on_every_page_its_rows_reach(seed, seed_pdf):
    pages = page_texts(seed_pdf)
    continued = 0
    for department in Department.objects.filter(ward=seed.ward):
        texts = [flat(goal.text) for goal in Goal.objects.filter(sheet=seed, department=department)]
        reached = [page for page in pages if any(text in page for text in texts)]
        assert all(department.name in page for page in reached), department
        continued += len(reached) > 1
    # The seed has departments that run on to the next page: the case is exercised.
    assert continued >= 1


def test_planned_page_breaks_match_the_renderer(seed):
    """The plan forces the page breaks; the drawn pages must open where it said, without a fallback."""
    layout = build_layout(seed)
    natural = pdf.rows_per_page(pdf.lay_out(layout))
    planned = layout.paged_at(pagination.plan_pages(layout).starts)
    drawn = pdf.lay_out(planned)
    assert pdf.pages_lacking_department(planned, drawn) == []
    assert len(drawn.pages) == len(natural)


def test_every_row_is_found_on_the_pages_it_was_drawn_on(seed):
    layout = build_layout(seed)
    pages = pdf.rows_per_page(pdf.lay_out(layout))
    assert len(pages) > 1 and all(pages)
    assert sorted({row for rows in pages for row in rows}) == [row.index for row in layout.rows]
    # Top to bottom, page after page.
    assert [row for rows in pages for row in rows] == sorted(row for rows in pages for row in rows)


def test_a_wrong_plan_is_corrected_by_measuring(seed, monkeypatch):
    monkeypatch.setattr(pdf, "plan_pages", lambda layout: pagination.PagePlan((), frozenset()))
    layout = build_layout(seed)
    document = pdf.render_document(layout)
    assert len(document.pages) > 1
    pages = [[layout.rows[i].department for i in rows] for rows in pdf.rows_per_page(document)]
    content = document.write_pdf()
    for names, text in zip(pages, page_texts(content), strict=True):
        assert all(name in text for name in names)


def test_results_and_levels_are_printed(seed):
    goal = Goal.objects.get(sheet=seed, department__name="衛生課", number="2")
    goal.achievement = AchievementLevel.objects.get(number=2)
    goal.result = "窓口での案内件数が前年度より増えた。"
    goal.save()
    hand_in(seed, "衛生課")
    whole = "".join(page_texts(pdf.render_pdf(build_layout(seed))))
    assert flat("達成度：2 目標を上回って達成") in whole
    assert "窓口での案内件数が前年度より増えた。" in whole


def test_hostile_text_is_printed_as_text_and_fetches_nothing(seed):
    department = Department.objects.create(ward=seed.ward, name="試験課", order=99)
    DepartmentReport.objects.create(sheet=seed, department=department)
    Goal.objects.create(
        sheet=seed,
        department=department,
        number="1",
        text='<img src="https://example.invalid/x.png"><script>alert(1)</script>=1+1',
    )
    whole = "".join(page_texts(pdf.render_pdf(build_layout(seed, department))))
    assert flat('<img src="https://example.invalid/x.png"><script>alert(1)</script>=1+1') in whole


def test_a_goal_taller_than_a_page_is_split_not_lost(seed):
    department = Department.objects.get(ward=seed.ward, name="道路公園センター")
    text = "長い目標です。" * 280  # 1,960 characters
    Goal.objects.create(sheet=seed, department=department, number="4", order=4, text=text)
    Goal.objects.create(sheet=seed, department=department, number="5", order=5, text="次の目標です。")
    content = pdf.render_pdf(build_layout(seed))
    pages = page_texts(content)
    reached = [page for page in pages if "長い目標です。" in page]
    assert len(reached) >= 2
    # Each page break cuts one repetition in two.
    assert sum(page.count("長い目標です。") for page in reached) >= 280 - (len(reached) - 1)
    assert all(all(header in page for header in HEADERS) for page in reached)
    # The long goal starts with its department; each page it runs on to repeats department and
    # number, marked （続き）, and the goal after it shares the last of them.
    assert "道路公園センター" in reached[0] and "4長い目標です。" in reached[0]
    for page in reached[1:]:
        assert "道路公園センター（続き）4（続き）" in page
    assert "5次の目標です。" in reached[-1]


def test_only_static_files_are_fetched():
    """The drawing may read the app's own static files the page links, read beforehand, and nothing
    else: not another host, not a local file, not a path out of the static folders."""
    links = [
        "/static/css/sheet.css",
        "https://example.invalid/x.png",
        "file:///etc/passwd",
        pdf.BASE_URL + "static/../settings.py",
    ]
    html = "".join(f'<link rel="stylesheet" href="{link}">' for link in links)
    found = pdf.resources(html)
    assert [url for url, _, _ in found] == [pdf.BASE_URL + "static/css/sheet.css"]
    fetcher = drawing.fetcher(found)
    css = fetcher.fetch(pdf.BASE_URL + "static/css/sheet.css")
    assert b"size: A4 landscape" in css.read()
    for url in [*links[1:], pdf.BASE_URL + "static/css/kojo.css"]:
        with pytest.raises(ValueError, match="PDF に含められないリソースです"):
            fetcher.fetch(url)


def test_department_pdf_holds_only_its_part(seed):
    somu = Department.objects.get(ward=seed.ward, name="総務課")
    whole = "".join(page_texts(pdf.render_pdf(build_layout(seed, somu))))
    assert flat("令和7年度向上指針取組シート（総務課）") in whole
    for goal in Goal.objects.filter(sheet=seed):
        assert (flat(goal.text) in whole) == (goal.department_id == somu.pk)


def test_ten_times_the_seed_is_planned_without_fallback(db, seed):
    sheet = build_synthetic_sheet(scale=10)
    layout = build_layout(sheet)
    planned = layout.paged_at(pagination.plan_pages(layout).starts)
    document = pdf.lay_out(planned)
    assert pdf.pages_lacking_department(planned, document) == []
    assert len(document.pages) >= 40


def test_stylesheet_sizes_every_layout_column():
    """The template marks each column with its share (col.w43); sheet.css must size each of them."""
    css = (settings.BASE_DIR / "static" / "css" / "sheet.css").read_text(encoding="utf-8")
    for width in COLUMN_WIDTHS:
        assert f".goals col.w{width} {{ width: {width}%; }}" in css
    assert sum(COLUMN_WIDTHS) == 100
    assert "table-layout: fixed;" in css


def test_a_missing_stylesheet_stops_the_pdf(seed, monkeypatch):
    """Better no PDF than an unstyled one: the error says which file is missing."""
    monkeypatch.setattr(pdf, "_static_path", lambda name: None)
    with pytest.raises(pdf.MissingResource, match="PDF の作成に必要なファイルを読めません"):
        pdf.render_pdf(build_layout(seed))


MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def test_production_pdf_reads_the_collected_hashed_stylesheet(seed, settings, tmp_path):
    """With DEBUG off the template links css/sheet.<hash>.css, which only the collected files hold."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = MANIFEST_STORAGE
    call_command("collectstatic", interactive=False, verbosity=0)
    reader = PdfReader(io.BytesIO(pdf.render_pdf(build_layout(seed))))
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (842, 595)  # the stylesheet's @page was applied


def test_production_pdf_before_collectstatic_says_what_to_do(seed, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = MANIFEST_STORAGE
    with pytest.raises(pdf.MissingResource, match="collectstatic を実行してください"):
        pdf.render_pdf(build_layout(seed))


def test_the_bottom_boxes_own_widths_change_nothing_printed(seed):
    """The page-number and date boxes are given widths so that WeasyPrint need not measure their
    content on every page: the pages must be what the measured widths gave, byte for byte."""
    layout = pagination.plan_pages(build_layout(seed)).apply(build_layout(seed))
    for numbered in (True, False):
        prepared = pdf._drawing(layout, "pdf/ua-1", numbered)
        measured = tuple(
            (url, re.sub(rb"\n    width: \d+mm;", b"", body) if url.endswith(".css") else body, kind)
            for url, body, kind in prepared.resources
        )
        assert measured != prepared.resources
        assert drawing.draw(prepared) == drawing.draw(dataclasses.replace(prepared, resources=measured))
