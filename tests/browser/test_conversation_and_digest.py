"""A question, a return that points at goals and a daily digest, in three browsers at once, every
page on the way audited.

総務課 asks about one goal and returns 区民課's results pointing at two goals; the editor finds the
unanswered comment among their tasks, replies, follows the return's links and submits again; the
approver, who chose 1日1回まとめて, gets no mail for it but one digest, once; 総務課 sees the reply
waiting among its own tasks.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from goals.mail.digests import send_digests
from goals.models import DepartmentReport, Goal, MailSetting

from ..conftest import fill_results
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _message(page):
    return page.get_by_role("status").filter(has=page.locator(".message"))


@pytest.fixture
def submitted(seed, kumin_report):
    fill_results(kumin_report)
    DepartmentReport.objects.filter(pk=kumin_report.pk).update(status="submitted")
    return list(Goal.objects.filter(sheet=seed, department=kumin_report.department).order_by("order", "pk"))


def test_a_question_a_return_with_goals_and_a_digest_in_three_browsers(
    new_page, audit, screenshot, submitted, kumin_report, editor, approver, reviewer, mailoutbox
):
    first, second = submitted[:2]

    # The approver chooses the daily digest on their own settings page.
    chief = new_page()
    chief.persona = "approver"
    sign_in(chief, approver)
    chief.get_by_role("link", name="通知メール").click()
    expect(chief.get_by_role("heading", level=1)).to_have_text("通知メールの設定")
    audit(chief, "通知メールの設定")
    chief.get_by_label("1日1回まとめて").check()
    chief.get_by_role("button", name="この受け取り方にする").click()
    expect(_message(chief)).to_have_text("通知メールの受け取り方を「1日1回まとめて」にしました。")
    assert MailSetting.objects.get(user=approver).delivery == "daily"
    screenshot(chief, "mail-settings")

    # 総務課 asks about one goal, then returns the department's results pointing at two goals.
    office = new_page()
    office.persona = "reviewer"
    sign_in(office, reviewer)
    office.goto(f"/goals/{first.pk}/")
    office.get_by_role("textbox", name="コメント").fill("問い合わせ件数の変化を数字で教えてください。")
    office.get_by_role("button", name="コメントを書く").click()
    expect(_message(office)).to_have_text("コメントを書きました。")
    office.goto(f"/reports/{kumin_report.pk}/")
    review = office.get_by_role("region", name="確認・差戻し")
    review.get_by_label("差戻しの理由").fill("二つの目標で、実施結果に数値の根拠を書き足してください。")
    review.get_by_label(f"目標{first.number}：").check()
    review.get_by_label(f"目標{second.number}：").check()
    audit(office, "部署のページ（差戻しの対象の目標を選ぶ）")
    screenshot(office, "return-with-goals")
    review.get_by_role("button", name="差し戻す").click()
    expect(_message(office)).to_contain_text("区民課に差し戻しました。")
    assert [m.to for m in mail.outbox if "差し戻されました" in m.subject] == [[editor.email]]
    assert f"/goals/{second.pk}/" in next(m.body for m in mail.outbox if "差し戻されました" in m.subject)

    # The editor finds the question among their tasks, answers it, and follows the return's links.
    desk = new_page()
    desk.persona = "editor"
    sign_in(desk, editor)
    desk.get_by_role("link", name="やること").click()
    task = desk.get_by_role("link", name="未回答のコメントに返信する")
    expect(task).to_have_count(1)
    expect(desk.locator("ul.tasks")).to_contain_text("問い合わせ件数の変化を数字で教えてください。")
    audit(desk, "やること（未回答のコメント）")
    screenshot(desk, "tasks-with-comments")
    task.click()
    desk.get_by_role("textbox", name="返信").fill("前年度の月平均40件が、今年度は25件になりました。")
    desk.get_by_role("button", name="返信する").click()
    expect(_message(desk)).to_have_text("返信しました。")
    desk.get_by_role("link", name="やること").click()
    expect(desk.get_by_role("link", name="未回答のコメントに返信する")).to_have_count(0)

    desk.goto(f"/reports/{kumin_report.pk}/")
    returned = desk.get_by_role("region", name="差し戻されています")
    expect(returned).to_contain_text("二つの目標で、実施結果に数値の根拠を書き足してください。")
    expect(returned.get_by_role("link", name=f"目標{first.number}")).to_have_attribute(
        "href", f"/goals/{first.pk}/"
    )
    expect(desk.locator(f"#goal-{second.pk} .returned-mark")).to_have_text("差戻しの対象")
    expect(desk.locator(".returned-mark")).to_have_count(2)
    audit(desk, "部署のページ（差戻しの対象の目標）")
    screenshot(desk, "returned-with-goals")
    returned.get_by_role("link", name=f"目標{second.number}").click()
    expect(desk).to_have_url(re.compile(rf"/goals/{second.pk}/$"))
    desk.goto(f"/reports/{kumin_report.pk}/")
    desk.get_by_role("link", name="提出する（確認の画面へ）").click()
    desk.get_by_role("button", name="提出する").click()
    expect(_message(desk)).to_contain_text("承認者（課長）に承認を依頼しました")

    # The approver chose the digest: no mail for 総務課's question or the submission, one digest
    # with both later, and only once.
    assert not [m for m in mail.outbox if m.to == [approver.email]]
    sent = send_digests()
    assert [(d.user.username, d.count) for d in sent] == [("kumin-approver", 2)]
    digest = [m for m in mail.outbox if m.to == [approver.email]]
    assert len(digest) == 1
    assert f"区民課の目標{first.number}にコメントがありました（saiwai-reviewer）" in digest[0].body
    assert "区民課の実施結果が承認待ちになりました" in digest[0].body
    assert send_digests() == []

    # 総務課 sees the department's reply waiting among its own tasks.
    office.get_by_role("link", name="やること").click()
    expect(office.get_by_role("link", name="未回答のコメントに返信する")).to_have_count(1)
    audit(office, "やること（取りまとめ・部署からの返信）")
