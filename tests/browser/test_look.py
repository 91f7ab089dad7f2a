"""What a person sees: Japanese type, status in words and icons as well as colour, pages that fit an
office screen and a tablet, and a print of the ward board with its chart."""

import io
import unicodedata

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from goals.models import DepartmentReport

from ..conftest import fill_results
from .conftest import OFFICE_SCREEN, TABLET, sign_in

PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUSES = {
    "not_started": "未入力",
    "in_progress": "入力中",
    "awaiting_approval": "承認待ち",
    "submitted": "提出済み",
    "returned": "差戻し",
    "confirmed": "確認済み",
}


@pytest.fixture
def lived_in_board(seed):
    """One department in each status, with results, so every status and level shows on the board."""
    for (status, _), name, level in zip(
        STATUSES.items(),
        ["危機管理担当", "企画課", "総務課", "区民課", "保護課", "衛生課"],
        [5, 4, 3, 3, 2, 1],
        strict=True,
    ):
        report = DepartmentReport.objects.get(sheet=seed, department__name=name)
        if status != "not_started":
            fill_results(report, level_number=level)
        DepartmentReport.objects.filter(pk=report.pk).update(
            status=status, return_reason="数値を追記してください。" if status == "returned" else ""
        )
    return seed


def test_japanese_text_is_set_in_a_japanese_font_with_room_between_lines(page, kumin_report, editor):
    sign_in(page, editor)
    text = page.locator("table.goals .goal-text").first
    expect(text).to_contain_text("情報収集及び関係部署と情報共有を徹底し")
    style = text.evaluate(
        "e => { const s = getComputedStyle(e); return {family: s.fontFamily, size: parseFloat(s.fontSize),"
        " height: parseFloat(s.lineHeight), align: s.textAlign, lineBreak: s.lineBreak}; }"
    )
    assert style["family"].startswith('"BIZ UDPGothic"') and "IPAexGothic" in style["family"], style
    assert 1.7 <= style["height"] / style["size"] <= 1.8, style
    assert style["align"] in {"start", "left"} and style["lineBreak"] == "strict", style
    # The glyphs really come from a Japanese font on this machine (no tofu, no Latin fallback).
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": ".goal-text"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    used = max(fonts, key=lambda f: f["glyphCount"])
    assert used["familyName"] in {"IPAexGothic", "IPAexゴシック", "BIZ UDPGothic", "Noto Sans CJK JP"}, fonts


def test_every_status_has_a_word_and_an_icon_not_only_a_colour(page, lived_in_board, reviewer):
    sign_in(page, reviewer)
    statuses = page.locator("table.board td .status")
    expect(statuses.first).to_be_visible()
    seen = {}
    for element in statuses.all():
        found = element.evaluate(
            "e => ({cls: [...e.classList].find(c => c.startsWith('status-')), text: e.textContent,"
            " icon: e.querySelector('.status-icon').textContent, hidden: e.querySelector('.status-icon')"
            ".getAttribute('aria-hidden'), colour: getComputedStyle(e).color,"
            " border: getComputedStyle(e).borderTopStyle})"
        )
        seen[found["cls"].removeprefix("status-")] = found
    assert set(seen) == set(STATUSES)
    for status, word in STATUSES.items():
        found = seen[status]
        assert found["text"] == found["icon"] + word, found
        assert found["icon"].strip() and found["hidden"] == "true", found
        assert found["border"] == "solid", found  # the badge is drawn in its colour, shape visible in grey
    assert len({f["icon"] for f in seen.values()}) == len(STATUSES)
    assert len({f["colour"] for f in seen.values()}) == len(STATUSES)


@pytest.mark.parametrize(
    "viewport", [OFFICE_SCREEN, TABLET, PHONE], ids=["office-1366x768", "tablet-768x1024", "phone-390x844"]
)
def test_pages_fit_the_screen_without_sideways_scrolling(
    new_page, lived_in_board, kumin_report, reviewer, editor, viewport
):
    goal = kumin_report.sheet.goals.filter(department=kumin_report.department).first()
    DepartmentReport.objects.filter(pk=kumin_report.pk).update(status="in_progress")
    pages = {
        reviewer: [
            "/board/幸区/2025/",
            f"/reports/{kumin_report.pk}/",
            f"/goals/{goal.pk}/",
            "/board/幸区/2025/advance/",
        ],
        editor: [
            f"/reports/{kumin_report.pk}/",
            f"/goals/{goal.pk}/result/",
            f"/reports/{kumin_report.pk}/submit/",
            "/tasks/",
            "/help/",
            "/settings/mail/",
        ],
    }
    for person, urls in pages.items():
        page = new_page(viewport=viewport)
        sign_in(page, person)
        for url in urls:
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {viewport}"
            # The header's menu stays on screen and usable.
            expect(page.get_by_role("button", name="ログアウト")).to_be_in_viewport()


def test_the_board_prints_with_its_chart_on_a4_landscape(page, lived_in_board, reviewer):
    sign_in(page, reviewer)
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("button", name="確定する")).to_be_hidden()
    chart = page.get_by_role("img", name="達成度の内訳（幸区 令和7年度）")
    expect(chart).to_be_visible()
    bar = chart.locator("rect.level-1")
    assert bar.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"

    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape in points
    # IPAex maps some kanji to their Kangxi radical code points (⽬ for 目): NFKC folds them back.
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pdf.pages))
    for expected in [
        "全部署の状況",
        "達成度の内訳",
        "1 目標を大きく上回って達成",
        "件(",
        "衛生課",
        "確認済み",
    ]:
        assert expected in text, expected
    for hidden in ["ログアウト", "確定する", "提出期限を保存する"]:
        assert hidden not in text, hidden
