"""Importing a workbook and carrying a year forward, in a real browser, with every page audited."""

import pytest
from playwright.sync_api import expect

from goals.models import Goal, Sheet
from tests.bad_workbooks import small_workbook

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def choose_file(page, data: bytes, name="torikumi.xlsx"):
    page.get_by_label("取組シートのファイル（.xlsx・.xlsm・.xls・.ods・.csv）").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="確認する").click()


def test_upload_preview_and_confirm_pages_are_accessible(page, audit, screenshot, reviewer):
    sign_in(page, reviewer)
    page.goto("/imports/?ward=幸区&year=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("取組シートの読み込み")
    audit(page, "import-upload")

    choose_file(page, b"\x89PNG\r\n\x1a\n" + bytes(64), name="picture.png")
    expect(page.get_by_role("alert")).to_contain_text("取組シートのファイルではありません。")
    expect(page.get_by_label("取組シートのファイル（.xlsx・.xlsm・.xls・.ods・.csv）")).to_have_attribute(
        "aria-invalid", "true"
    )
    audit(page, "import-upload-error")

    text = Goal.objects.get(department__name="総務課", number="1").text
    rows = [
        ["総務課", "1", "共通", text, "実施しました", "3"],
        ["新設課", "1", "新区分", "新しい目標", "", ""],
    ]
    choose_file(page, small_workbook(rows))
    expect(page.get_by_role("heading", level=1)).to_have_text("読み込みの確認")
    expect(page.get_by_role("cell", name="変更", exact=True)).to_be_visible()
    audit(page, "import-preview")
    screenshot(page, "import-preview")

    expect(page.get_by_text("旧：実施しました")).to_have_count(0)
    page.get_by_role("button", name="読み込む").click()
    expect(page.get_by_role("status")).to_contain_text("登録されていないものがあります")
    page.get_by_label("未登録の部署・区分を作成して読み込む").check()
    page.get_by_role("button", name="読み込む").click()
    expect(page.get_by_role("status")).to_contain_text("（新規1件・変更1件・変更なし0件）")
    audit(page, "import-done")
    assert Goal.objects.get(department__name="新設課", number="1").category.name == "新区分"


def test_unchanged_goals_unfold_and_the_diff_marks_the_change(page, audit, screenshot, reviewer):
    goal = Goal.objects.get(department__name="総務課", number="1")
    others = Goal.objects.get(department__name="総務課", number="2")
    rows = [
        ["総務課", "1", "共通", goal.text + "さらに案内を見直しました。", "", ""],
        [None, "2", others.category.name, others.text, "", ""],
    ]
    sign_in(page, reviewer)
    page.goto("/imports/?ward=幸区&year=2025")
    choose_file(page, small_workbook(rows))
    expect(page.locator(".import-diff ins")).to_have_text("さらに案内を見直しました。")
    fold = page.get_by_text("変更なしの目標 1件を表示")
    unchanged = page.get_by_role("cell", name=others.text[:79] + "…")
    expect(unchanged).to_be_hidden()
    fold.click()
    expect(unchanged).to_be_visible()
    audit(page, "import-preview-diff")
    screenshot(page, "import-preview-diff")


def test_preview_with_problems_is_accessible(page, audit, reviewer):
    sign_in(page, reviewer)
    page.goto("/imports/?year=2025")
    rows = [["総務課", "1", "共通", "本文A", "", "9"], [None, "1", "共通", "本文B", "", ""]]
    choose_file(page, small_workbook(rows))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("シート「取組シート」 5行目 B列")
    expect(alert).to_contain_text("達成度「9」はありません。")
    expect(page.get_by_role("button", name="読み込む")).to_have_count(0)
    audit(page, "import-preview-problems")


def test_carry_forward_pages_are_accessible(page, audit, reviewer):
    sign_in(page, reviewer)
    page.goto("/sheets/幸区/2025/carry-forward/")
    expect(page.get_by_role("heading", level=1)).to_have_text("幸区 令和8年度への引き継ぎ")
    audit(page, "carry-forward")
    page.get_by_role("button", name="令和8年度の取組シートを作成する").click()
    expect(page.get_by_role("status").first).to_contain_text("部署15・目標42件・方針4件を引き継ぎました。")
    audit(page, "carry-forward-done")
    assert Sheet.objects.get(ward__name="幸区", fiscal_year=2026).goals.count() == 42


def test_editor_gets_a_japanese_reason(page, audit, editor):
    sign_in(page, editor)
    page.goto("/imports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("この操作はできません")
    expect(page.get_by_text("取りまとめ担当（総務課など）だけが行えます")).to_be_visible()
    audit(page, "import-forbidden")
