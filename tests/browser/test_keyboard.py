"""The result form with the keyboard only: a sensible Tab order, a focus ring that can be seen on
every stop, Space and the arrow keys for the level, Space and Enter to submit."""

import pytest
from playwright.sync_api import expect

from goals.models import DepartmentReport, Goal

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return {
    name: e.labels && e.labels.length ? e.labels[0].textContent.trim() : e.textContent.trim(),
    tag: e.tagName.toLowerCase(),
    outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor,
    boxShadow: s.boxShadow,
    inViewport: box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth,
  };
}"""


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3])

    def channel(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast_with_white(css_colour: str) -> float:
    return 1.05 / (_luminance(css_colour) + 0.05)


def _tab(page) -> dict:
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    # WCAG 2.4.7: the focus can be seen. The ring is a solid outline of at least 2px, in a colour that
    # stands out from the white page by 3:1 (1.4.11), and the element is on screen.
    assert focused["outlineStyle"] == "solid", focused
    assert focused["outlineWidth"] >= 2, focused
    assert _contrast_with_white(focused["outlineColor"]) >= 3, focused
    assert focused["inViewport"], focused
    return focused


def test_result_form_by_keyboard_alone(page, kumin_report, editor, levels):
    goals = list(
        Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).order_by("order")
    )
    sign_in(page, editor)
    page.goto(f"/goals/{goals[0].pk}/result/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("目標 1 の実施結果")

    # First stop: the skip link, shown on screen when it has focus; Enter jumps past the header.
    assert _tab(page)["name"] == "本文へ移動"
    page.keyboard.press("Enter")
    order = [_tab(page)["name"] for _ in range(3)]
    assert order == ["ホーム", "区民課 令和7年度", "実施結果"]

    page.keyboard.type("窓口で説明の手順書を使い、問い合わせの再来が減りました。")
    level = _tab(page)
    assert (level["tag"], level["name"]) == ("input", "1　目標を大きく上回って達成")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("目標をほぼ達成")).to_be_checked()
    # The radio group is one stop: the next Tab leaves it for the buttons.
    assert [_tab(page)["name"] for _ in range(3)] == [
        "保存する",
        "保存して次の目標（2）へ",
        "保存せずに戻る",
    ]

    # Space on "保存して次の目標" saves and opens goal 2.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_contain_text("目標 2 の実施結果")
    goals[0].refresh_from_db()
    assert (goals[0].result, goals[0].achievement.number) == (
        "窓口で説明の手順書を使い、問い合わせの再来が減りました。",
        3,
    )

    # Enter on "保存する" saves goal 2 and returns to the department page.
    page.get_by_label("実施結果").focus()
    page.keyboard.type("研修に全員が参加しました。")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert _tab(page)["name"] == "保存する"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("区民課")
    goals[1].refresh_from_db()
    assert (goals[1].result, goals[1].achievement.number) == ("研修に全員が参加しました。", 1)
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == DepartmentReport.Status.IN_PROGRESS
