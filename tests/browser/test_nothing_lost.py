"""Nothing typed is lost, in real browsers: two people on the same goal, a draft left in the page,
a session that expired while typing. Every screen on the way is audited."""

import re

import pytest
from playwright.sync_api import expect

from departments.models import Membership
from goals.models import Goal, Sheet

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_editor(make_member, kumin_report):
    return make_member("kumin-editor-2", kumin_report.department, Membership.Role.EDITOR)


def _first_goal(report):
    return Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order").first()


def _open(page, user, url):
    sign_in(page, user)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("目標 1")


def test_two_people_save_the_same_result_the_second_chooses(
    new_page, audit, kumin_report, editor, second_editor
):
    goal = _first_goal(kumin_report)
    url = f"/goals/{goal.pk}/result/"
    first, second = new_page(), new_page()
    _open(first, editor, url)
    _open(second, second_editor, url)

    first.get_by_label("実施結果").fill("Aさん：研修を2回実施しました。")
    first.get_by_label("目標を上回って達成").check()
    first.get_by_role("button", name="保存する").click()
    expect(first.get_by_role("status")).to_contain_text("目標 1 の実施結果を保存しました")

    second.get_by_label("実施結果").fill("Bさん：研修を1回実施しました。")
    second.get_by_label("目標を下回った").check()
    second.get_by_role("button", name="保存する").click()
    conflict = second.get_by_role("alert").filter(has_text="他の人が先に保存しました")
    expect(conflict).to_contain_text("Aさん：研修を2回実施しました。")
    expect(conflict).to_contain_text("2 目標を上回って達成")
    expect(conflict).to_contain_text("kumin-editor")
    # B's text and level are still in the form, now aimed at the stored version.
    expect(second.get_by_label("実施結果")).to_have_value("Bさん：研修を1回実施しました。")
    expect(second.get_by_label("目標を下回った")).to_be_checked()
    expect(second.get_by_role("button", name="保存して次の目標（2）へ")).to_have_count(0)
    audit(second, "競合の画面（実施結果）")
    assert Goal.objects.get(pk=goal.pk).result == "Aさん：研修を2回実施しました。"

    second.get_by_role("button", name="あなたの入力で保存する").click()
    expect(second.get_by_role("status")).to_contain_text("目標 1 の実施結果を保存しました")
    goal.refresh_from_db()
    assert (goal.result, goal.achievement.number) == ("Bさん：研修を1回実施しました。", 4)
    # A's text is not lost either: the goal page's history shows both.
    second.goto(f"/goals/{goal.pk}/")
    history = second.get_by_role("table", name="この目標の変更の履歴")
    expect(history).to_contain_text("Aさん：研修を2回実施しました。")
    expect(history).to_contain_text("Bさん：研修を1回実施しました。")


def test_keeping_the_stored_goal_text_discards_only_the_second_edit(
    new_page, audit, seed, kumin_report, editor, second_editor
):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goal = _first_goal(kumin_report)
    url = f"/goals/{goal.pk}/edit/"
    first, second = new_page(), new_page()
    _open(first, editor, url)
    _open(second, second_editor, url)
    audit(first, "目標の編集")

    first.get_by_label("目標及び具体的な取組内容").fill("Aさんが書き直した目標")
    first.get_by_role("button", name="保存する").click()
    expect(first.get_by_role("status")).to_contain_text("目標 1 を保存しました")

    second.get_by_label("目標及び具体的な取組内容").fill("Bさんが書き直した目標")
    second.get_by_role("button", name="保存する").click()
    expect(second.get_by_role("alert")).to_contain_text("Aさんが書き直した目標")
    expect(second.get_by_label("目標及び具体的な取組内容")).to_have_value("Bさんが書き直した目標")
    audit(second, "競合の画面（目標）")

    second.get_by_role("link", name=re.compile("^保存されている内容を残す")).click()
    expect(second.get_by_label("目標及び具体的な取組内容")).to_have_value("Aさんが書き直した目標")
    assert Goal.objects.get(pk=goal.pk).text == "Aさんが書き直した目標"


def test_a_draft_left_in_the_page_is_offered_back(page, audit, kumin_report, editor):
    goal = _first_goal(kumin_report)
    _open(page, editor, f"/goals/{goal.pk}/result/")
    page.get_by_label("実施結果").fill("保存する前にタブを閉じてしまった文章")
    page.goto(f"/goals/{goal.pk}/")
    page.get_by_role("link", name="実施結果を入力する").click()

    offer = page.get_by_role("status").filter(has_text="保存されていない内容")
    expect(offer).to_be_visible()
    expect(page.get_by_label("実施結果")).to_have_value("")
    audit(page, "実施結果の入力（下書きの復元の案内）")
    offer.get_by_role("button", name="前回の入力を復元する").click()
    expect(page.get_by_label("実施結果")).to_have_value("保存する前にタブを閉じてしまった文章")
    expect(offer).to_have_count(0)


def test_text_typed_when_the_session_expired_comes_back_after_signing_in(page, audit, kumin_report, editor):
    goal = _first_goal(kumin_report)
    _open(page, editor, f"/goals/{goal.pk}/result/")
    page.get_by_label("実施結果").fill("長い会議のあいだに書いた実施結果")
    page.get_by_label("目標をほぼ達成").check()
    # The session ends (a working day without activity) while the person is typing.
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="保存する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    expect(page.get_by_role("status")).to_contain_text("入力した内容は預かっています")
    page.persona = "anonymous"
    audit(page, "ログイン（期限切れの入力を預かり中）")

    page.get_by_label("ユーザー名").fill(editor.username)
    page.get_by_label("パスワード").fill(editor.raw_password)
    page.get_by_role("button", name="ログイン").click()
    page.persona = editor.username
    expect(page.get_by_role("status")).to_contain_text("入力していた内容を復元しました")
    expect(page.get_by_label("実施結果")).to_have_value("長い会議のあいだに書いた実施結果")
    expect(page.get_by_label("目標をほぼ達成")).to_be_checked()
    audit(page, "実施結果の入力（ログイン後に復元）")
    assert Goal.objects.get(pk=goal.pk).result == ""
