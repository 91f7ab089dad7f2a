"""Signing in, in a real browser, with every page audited."""

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible_and_valid(page, audit, screenshot):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    audit(page, "ログイン")
    screenshot(page, "login")


def test_wrong_password_shows_an_error_that_is_audited(page, audit, editor):
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(editor.username)
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("ユーザー名またはパスワードが違います")
    audit(page, "ログイン（パスワード誤り）")


def test_empty_fields_are_named_at_the_fields(page, audit):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("入力内容を確認してください")
    for label in ("ユーザー名", "パスワード"):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description("このフィールドは必須です。")
    audit(page, "ログイン（未入力）")


def focus_order(page, stop_at: str, limit: int = 10) -> list[str]:
    """Tab through the page until an element named `stop_at` has focus; return what got focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("(e => e.name || e.textContent.trim())(document.activeElement)"))
        if seen[-1] == stop_at:
            return seen
    raise AssertionError(f"{stop_at} never got focus: {seen}")


def test_keyboard_only_sign_in(page, editor):
    page.goto("/accounts/login/")
    # The user name field has autofocus: typing starts there.
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type(editor.username)
    page.keyboard.press("Tab")
    page.keyboard.type(editor.raw_password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    # On every signed-in page the first Tab reaches the skip link.
    page.evaluate("document.activeElement.blur()")
    assert focus_order(page, "本文へ移動")[0] == "本文へ移動"


def test_sign_in_helper_reaches_a_signed_in_page(page, editor):
    sign_in(page, editor)
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def test_repeated_failures_lock_the_name_with_an_explanation(page, audit, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    page.goto("/accounts/login/")
    for attempt in range(3):
        page.get_by_label("ユーザー名").fill(editor.username)
        page.get_by_label("パスワード").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="ログイン").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("ログインを一時停止しています")
    expect(page.get_by_role("alert")).to_contain_text("15分間停止しています")
    audit(page, "ログインの一時停止")
    # Even the right password is refused while the name is locked.
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(editor.username)
    page.get_by_label("パスワード").fill(editor.raw_password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ログインを一時停止しています")
