"""The year with department approval, in three browsers at once, every page on the way audited.

区民課's editor lands on this year's results although next year's sheet is open for goals, saves an
empty form (nothing is saved, and the page says so), enters the last result and submits after the
confirmation page; the department's 承認者 approves; 総務課 picks departments on the board and
confirms them in one action (the unready one is named with its reason) and reminds the late ones;
総務課 asks about one goal, the department answers in the thread, 総務課 marks it settled.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from goals.models import DepartmentReport, Goal, ReminderLog, Sheet

from ..conftest import fill_results
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _message(page):
    return page.get_by_role("status").filter(has=page.locator(".message"))


@pytest.fixture
def april(seed, kumin_report):
    Sheet.objects.filter(pk=seed.pk).update(
        results_deadline=timezone.localdate() + datetime.timedelta(days=10)
    )
    next_year = Sheet.objects.create(ward=seed.ward, fiscal_year=2026, phase=Sheet.Phase.PLANNING)
    DepartmentReport.objects.create(sheet=next_year, department=kumin_report.department)
    # 区民課 has entered every result but the last; 企画課 has submitted; the others are late.
    fill_results(kumin_report)
    last = Goal.objects.filter(sheet=seed, department=kumin_report.department).order_by("-order").first()
    Goal.objects.filter(pk=last.pk).update(result="", achievement=None)
    kikaku = DepartmentReport.objects.get(sheet=seed, department__name="企画課")
    fill_results(kikaku, level_number=2)
    DepartmentReport.objects.filter(pk=kikaku.pk).update(status="submitted")
    return last


def test_the_year_with_approval_in_three_browsers(
    new_page, audit, screenshot, april, kumin_report, editor, approver, reviewer
):
    # The editor lands on this year's results, not next year's goals.
    desk = new_page()
    desk.persona = "editor"
    sign_in(desk, editor)
    expect(desk.get_by_role("heading", level=1)).to_have_text("区民課　令和7年度の目標と実施結果")
    desk.get_by_role("link", name="やること").click()
    tasks = desk.locator("ul.tasks > li")
    expect(tasks.first).to_contain_text("実施結果と達成度を入力して提出する")
    expect(tasks.first).to_contain_text("あと10日")
    expect(tasks.nth(1)).to_contain_text("令和8年度の目標を書く")
    audit(desk, "やること（入力担当）")
    screenshot(desk, "tasks")

    # An empty form saves nothing and says so.
    desk.goto(f"/goals/{april.pk}/result/")
    desk.get_by_role("button", name="保存する", exact=True).click()
    expect(_message(desk)).to_contain_text("実施結果も達成度も入力されていないため、保存していません")
    assert Goal.objects.get(pk=april.pk).version == 1
    desk.goto(f"/goals/{april.pk}/result/")
    desk.get_by_label("実施結果").fill("案内表示を改め、問い合わせが減りました。")
    desk.get_by_label("目標をほぼ達成").check()
    desk.get_by_role("button", name="保存する", exact=True).click()
    expect(_message(desk)).to_contain_text("の実施結果を保存しました。")

    # 提出 asks first on a page of its own; with an approver it goes to them.
    desk.get_by_role("link", name="提出する（確認の画面へ）").click()
    expect(desk.get_by_role("main")).to_contain_text("部署の承認者（kumin-approver）に提出します")
    audit(desk, "提出の確認")
    screenshot(desk, "submit-confirmation")
    desk.get_by_role("button", name="提出する").click()
    expect(_message(desk)).to_contain_text("承認者（課長）に承認を依頼しました")
    expect(desk.locator(".summary .status")).to_contain_text("承認待ち")
    audit(desk, "部署のページ（承認待ち）")

    # The approver approves.
    chief = new_page()
    chief.persona = "approver"
    sign_in(chief, approver)
    approval = chief.get_by_role("region", name="承認・差戻し（承認者）")
    expect(approval).to_contain_text("kumin-editorさんが")
    audit(chief, "部署のページ（承認者・承認待ち）")
    approval.get_by_role("button", name="承認する").click()
    expect(_message(chief)).to_contain_text("承認しました")
    expect(chief.locator(".summary .status")).to_contain_text("提出済み")

    # 総務課: the late ones together, then two departments confirmed in one action.
    office = new_page()
    office.persona = "reviewer"
    sign_in(office, reviewer)
    office.get_by_label("未提出（提出済みより前のすべて）").check()
    office.get_by_role("button", name="絞り込む").click()
    expect(
        office.get_by_text(re.compile("「未提出（提出済みより前のすべて）」の部署だけを表示しています"))
    ).to_be_visible()
    expect(office.get_by_label("区民課を選ぶ")).to_have_count(0)
    office.get_by_label("総務課を選ぶ").check()
    office.get_by_label("保護課を選ぶ").check()
    office.get_by_role("button", name="催促のメールを送る").click()
    expect(office.get_by_role("status")).to_contain_text("2部署に催促のメールを送りました：総務課、保護課")
    assert ReminderLog.objects.filter(sent_by=reviewer).count() == 2

    office.get_by_role("link", name="すべて表示").click()
    for name in ("区民課", "企画課", "総務課"):
        office.get_by_label(f"{name}を選ぶ").check()
    audit(office, "全部署の状況（部署を選択）")
    screenshot(office, "board-selection")
    office.get_by_role("button", name="確認済みにする").click()
    expect(office.get_by_role("status")).to_contain_text("2部署を確認済みにしました：企画課、区民課")
    expect(office.get_by_role("status")).to_contain_text("総務課：提出されていないため、確認できません。")
    row = office.get_by_role("row", name=re.compile("区民課"))
    expect(row).to_contain_text("kumin-editor")
    expect(row).to_contain_text("kumin-approver")
    expect(row).to_contain_text("saiwai-reviewer")
    audit(office, "全部署の状況（まとめて確認の後）")

    # A question on one goal, answered by the department and marked settled.
    office.goto(f"/goals/{april.pk}/")
    office.get_by_role("textbox", name="コメント").fill(
        "達成度3とした根拠（問い合わせの件数）を教えてください。"
    )
    office.get_by_role("button", name="コメントを書く").click()
    expect(_message(office)).to_have_text("コメントを書きました。")
    desk.goto(f"/reports/{kumin_report.pk}/")
    expect(desk.locator(".summary")).to_contain_text("未解決 1件")
    desk.get_by_role("link", name=re.compile("^未解決のやりとり 1件")).click()
    desk.get_by_role("textbox", name="返信").fill("前年度の月平均40件が、今年度は25件になりました。")
    desk.get_by_role("button", name="返信する").click()
    expect(_message(desk)).to_have_text("返信しました。")
    audit(desk, "目標のページ（やりとり）")
    office.reload()
    thread = office.get_by_role("article")
    expect(thread).to_contain_text("前年度の月平均40件")
    office.get_by_role("button", name="解決にする").click()
    expect(office.get_by_role("article")).to_contain_text("解決（saiwai-reviewer")
    audit(office, "目標のページ（やりとり・解決）")
    screenshot(office, "goal-thread")

    office.get_by_role("link", name="使い方").click()
    expect(office.get_by_role("heading", name="達成度の目安")).to_be_visible()
    audit(office, "使い方")
    screenshot(office, "help")
