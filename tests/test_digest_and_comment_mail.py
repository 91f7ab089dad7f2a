"""The daily digest (chosen per person, sent once), the comment mails, returns pointing at goals,
unanswered comments among the tasks and the approvers' reminders."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Membership
from goals import workflow
from goals.history import report_history
from goals.mail.digests import send_digests
from goals.models import DepartmentReport, DigestItem, Goal, MailSetting, ReminderLog, Sheet
from goals.overview.tasks import tasks_for

from .conftest import fill_results
from .test_reminders_and_mail import _run

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def mailing(django_capture_on_commit_callbacks):
    """Run the mail callbacks as if each request's transaction had committed."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _choose(client, user, delivery):
    client.force_login(user)
    return client.post(reverse("goals:mail_settings"), {"delivery": delivery}, follow=True)


def _goals(report):
    return list(Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order", "pk"))


# --- The setting -----------------------------------------------------------------------------------


def test_the_setting_page_stores_each_persons_choice(client, reviewer, approver):
    page = client.get(reverse("goals:mail_settings")).status_code
    assert page == 302  # not signed in
    response = _choose(client, reviewer, "daily")
    assert "通知メールの受け取り方を「1日1回まとめて」にしました。" in response.content.decode()
    assert MailSetting.objects.get(user=reviewer).delivery == "daily"
    assert not MailSetting.objects.filter(user=approver).exists()  # 都度 until chosen
    client.force_login(approver)
    page = client.get(reverse("goals:mail_settings")).content.decode()
    assert re.search(r'<input type="radio" name="delivery" value="each"[^>]*checked>', page)
    assert not re.search(r'value="daily"[^>]*checked', page)
    _choose(client, reviewer, "each")
    assert MailSetting.objects.get(user=reviewer).delivery == "each"


def test_a_bad_choice_is_refused_in_japanese_and_changes_nothing(client, reviewer):
    _choose(client, reviewer, "daily")
    response = client.post(reverse("goals:mail_settings"), {"delivery": "weekly"})
    assert response.status_code == 400
    assert "受け取り方を選んでください。" in response.content.decode()
    assert MailSetting.objects.get(user=reviewer).delivery == "daily"


# --- The digest ------------------------------------------------------------------------------------


@pytest.fixture
def second_reviewer(seed, make_member):
    return make_member(
        "saiwai-reviewer-2", Department.objects.get(ward__name="幸区", name="総務課"), "reviewer"
    )


def test_a_digest_person_gets_no_mail_per_submission_and_one_digest_once(
    client, kumin_report, editor, reviewer, second_reviewer, mailoutbox, mailing
):
    _choose(client, reviewer, "daily")
    fill_results(kumin_report)
    with mailing():
        workflow.submit(kumin_report, by=editor)
    # The reviewer who chose 都度 is mailed at once; the other's notice waits for the digest.
    assert [m.to for m in mailoutbox] == [[second_reviewer.email]]
    assert DigestItem.objects.filter(user=reviewer, sent_at=None).count() == 1

    mailoutbox.clear()
    sent = send_digests()
    assert [(d.user, d.count, d.recipients) for d in sent] == [(reviewer, 1, [reviewer.email])]
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    digest = mailoutbox[0]
    assert digest.subject == "【向上指針】お知らせのまとめ（1件）"
    assert "1. 幸区 令和7年度 区民課が実施結果を提出しました（提出者：kumin-editor）。" in digest.body
    assert f"{SITE}/reports/{kumin_report.pk}/" in digest.body

    # Never twice: a second run the same day finds nothing.
    mailoutbox.clear()
    assert send_digests() == []
    assert mailoutbox == []
    assert not DigestItem.objects.filter(sent_at=None).exists()


def test_the_next_digest_lists_only_what_arrived_since_the_last(
    client, kumin_report, editor, reviewer, mailoutbox, mailing
):
    _choose(client, reviewer, "daily")
    goal, other = _goals(kumin_report)[:2]
    with mailing():
        workflow.add_comment(goal, by=editor, text="最初の質問です。")
    send_digests()
    mailoutbox.clear()
    with mailing():
        workflow.add_comment(other, by=editor, text="二つ目の質問です。")
        workflow.add_comment(goal, by=editor, text="三つ目の質問です。")
    send_digests()
    body = mailoutbox[0].body
    assert mailoutbox[0].subject == "【向上指針】お知らせのまとめ（2件）"
    assert "二つ目の質問です。" in body and "三つ目の質問です。" in body
    assert "最初の質問です。" not in body


def test_the_digest_reads_like_an_office_letter(client, kumin_report, editor, reviewer, mailoutbox, mailing):
    _choose(client, reviewer, "daily")
    goal = _goals(kumin_report)[0]
    with mailing():
        thread = workflow.add_comment(goal, by=editor, text="達成度は3でよいでしょうか。")
    item = DigestItem.objects.get(user=reviewer)
    when = timezone.localtime(item.created_at)
    send_digests()
    from goals.lib.wareki import date_label

    assert mailoutbox[0].body == (
        "saiwai-reviewer 様\n\n"
        "お疲れさまです。\n"
        "前回のまとめのお知らせ以降に、向上指針取組シートで次の1件がありました。\n\n"
        f"1. 区民課の目標{goal.number}にコメントがありました（kumin-editor）：達成度は3でよいでしょうか。"
        f"（{date_label(when.date())} {when:%H:%M}）\n"
        f"   {SITE}/goals/{goal.pk}/#thread-{thread.pk}\n\n"
        "内容をご確認のうえ、それぞれのページで必要な作業を行ってください。"
        "通知メールの受け取り方（都度／1日1回まとめて）は、次のページで変更できます。\n"
        f"{SITE}/settings/mail/\n\n"
        "よろしくお願いいたします。\n\n"
        "――――――――――\n"
        "幸区役所 総務課\n"
        "（このメールは向上指針取組シートのシステムから自動で送信しています。）\n"
    )


def test_an_approver_may_take_the_approval_requests_as_a_digest(
    client, kumin_report, editor, approver, mailoutbox, mailing
):
    _choose(client, approver, "daily")
    fill_results(kumin_report)
    with mailing():
        workflow.submit(kumin_report, by=editor)
    assert mailoutbox == []
    call_out = StringIO()
    call_command("send_digests", stdout=call_out)
    assert f"送信：kumin-approver（1件）→ {approver.email}" in call_out.getvalue()
    assert "区民課の実施結果が承認待ちになりました" in mailoutbox[0].body
    call_out = StringIO()
    call_command("send_digests", stdout=call_out)
    assert "まとめて送る通知はありません。" in call_out.getvalue()


def test_returns_are_mailed_at_once_even_to_digest_people(
    client, kumin_report, editor, reviewer, mailoutbox, mailing
):
    _choose(client, editor, "daily")
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    with mailing():
        workflow.return_to_department(kumin_report, by=reviewer, reason="根拠を書いてください")
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert not DigestItem.objects.filter(user=editor).exists()


# --- Comment mails ---------------------------------------------------------------------------------


def test_a_comment_of_somu_is_mailed_to_the_departments_editors_and_approver(
    kumin_report, editor, other_editor, approver, reviewer, second_reviewer, mailoutbox, mailing
):
    goal = _goals(kumin_report)[0]
    with mailing():
        thread = workflow.add_comment(
            goal, by=reviewer, text="達成度の根拠を教えてください。\n数値があれば。"
        )
    assert sorted(m.to[0] for m in mailoutbox) == sorted([editor.email, approver.email])
    mail = mailoutbox[0]
    assert mail.subject == f"【向上指針】区民課の目標{goal.number}へのコメント"
    assert mail.body == (
        "区民課 入力担当・承認者（課長）各位\n\n"
        "お疲れさまです。\n"
        f"幸区 令和7年度の向上指針取組シートで、区民課の目標{goal.number}について、"
        "幸区役所 総務課からコメントがありました（saiwai-reviewer）。\n\n"
        "> 達成度の根拠を教えてください。\n"
        "> 数値があれば。\n\n"
        "お手数ですが、目標のページで内容をご確認のうえ、返信してください。\n"
        f"{SITE}/goals/{goal.pk}/#thread-{thread.pk}\n\n"
        "よろしくお願いいたします。\n\n"
        "――――――――――\n"
        "幸区役所 総務課\n"
        "（このメールは向上指針取組シートのシステムから自動で送信しています。）\n"
    )


def test_a_reply_of_the_department_is_mailed_to_the_reviewers_not_the_writer(
    kumin_report, editor, approver, reviewer, second_reviewer, mailoutbox, mailing
):
    goal = _goals(kumin_report)[0]
    thread = workflow.add_comment(goal, by=reviewer, text="根拠は？")
    with mailing():
        workflow.add_comment(goal, by=editor, text="アンケートの結果です。", parent=thread)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([reviewer.email, second_reviewer.email])
    mail = mailoutbox[0]
    assert mail.subject == f"【向上指針】区民課の目標{goal.number}への返信"
    assert mail.body.startswith(
        "幸区 取りまとめ担当各位\n\n"
        "お疲れさまです。\n"
        f"幸区 令和7年度の向上指針取組シートで、区民課の目標{goal.number}について、"
        "部署から返信がありました（kumin-editor）。\n\n"
        "> アンケートの結果です。\n\n"
        "内容をご確認のうえ、目標のページで返信するか、解決済みにしてください。\n"
    )
    # The approver writing in the department's name is the department too; the writer is left out.
    mailoutbox.clear()
    with mailing():
        workflow.add_comment(goal, by=approver, text="課としても確認しました。", parent=thread)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([reviewer.email, second_reviewer.email])


def test_a_refused_comment_mails_nobody(kumin_report, city_staff, mailoutbox, mailing):
    goal = _goals(kumin_report)[0]
    with mailing(), pytest.raises(workflow.WorkflowError):
        workflow.add_comment(goal, by=city_staff, text="質問")
    assert mailoutbox == []


# --- A return pointing at goals --------------------------------------------------------------------


def test_a_return_points_at_goals_shown_on_the_page_in_the_mail_and_in_history(
    client, kumin_report, editor, reviewer, mailoutbox, mailing
):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    first, second = _goals(kumin_report)[:2]
    client.force_login(reviewer)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert f'name="goals" value="{first.pk}"' in page
    with mailing():
        response = client.post(
            reverse("goals:report_return", args=[kumin_report.pk]),
            {"reason": "数値の根拠を書いてください。", "goals": [second.pk, first.pk]},
        )
    assert response.status_code == 302
    report = DepartmentReport.objects.get(pk=kumin_report.pk)
    assert report.status == "returned"
    assert sorted(report.return_goals.values_list("pk", flat=True)) == sorted([first.pk, second.pk])

    client.force_login(editor)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert "差戻しの対象の目標：" in page
    assert f'<a href="/goals/{first.pk}/">目標{first.number}</a>' in page
    assert f'<a href="/goals/{second.pk}/">目標{second.number}</a>' in page
    assert page.count('<span class="returned-mark">差戻しの対象</span>') == 2

    body = mailoutbox[0].body
    assert "差戻しの理由：\n数値の根拠を書いてください。\n\n対象の目標：\n" in body
    assert f"・目標{first.number}：" in body and f"{SITE}/goals/{first.pk}/" in body
    assert body.index(f"目標{first.number}：") < body.index(f"目標{second.number}：")

    reasons = [e.reason for e in report_history(report) if e.reason]
    assert f"差戻し：数値の根拠を書いてください。（対象の目標：{first.number}、{second.number}）" in reasons

    # The next submission starts afresh: the pointers go, the history keeps them.
    fill_results(report)
    workflow.submit(report, by=editor)
    assert not report.return_goals.exists()


def test_a_goal_of_another_department_cannot_be_pointed_at(client, kumin_report, editor, reviewer):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    foreign = (
        Goal.objects.filter(sheet=kumin_report.sheet).exclude(department=kumin_report.department).first()
    )
    client.force_login(reviewer)
    response = client.post(
        reverse("goals:report_return", args=[kumin_report.pk]), {"reason": "直して", "goals": [foreign.pk]}
    )
    assert response.status_code == 400
    assert "選んだ目標が見つかりません。画面を開き直してください。" in response.content.decode()
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == "submitted"


def test_the_approver_may_point_at_goals_too(client, kumin_report, editor, approver):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    goal = _goals(kumin_report)[0]
    client.force_login(approver)
    client.post(
        reverse("goals:report_send_back", args=[kumin_report.pk]),
        {"send_back-reason": "表現を直して", "send_back-goals": [goal.pk]},
    )
    assert list(DepartmentReport.objects.get(pk=kumin_report.pk).return_goals.all()) == [goal]


# --- Unanswered comments in the tasks --------------------------------------------------------------


def _titles(user):
    return [(t.title, t.url) for t in tasks_for(user) if t.title == "未回答のコメントに返信する"]


def test_a_thread_waits_on_whoever_did_not_write_last_until_resolved(
    kumin_report, editor, approver, reviewer
):
    goal = _goals(kumin_report)[0]
    thread = workflow.add_comment(goal, by=reviewer, text="根拠は？")
    link = f"/goals/{goal.pk}/#thread-{thread.pk}"
    assert _titles(editor) == [("未回答のコメントに返信する", link)]
    assert _titles(approver) == [("未回答のコメントに返信する", link)]
    assert _titles(reviewer) == []
    workflow.add_comment(goal, by=editor, text="アンケートです。", parent=thread)
    assert _titles(editor) == [] and _titles(approver) == []
    assert _titles(reviewer) == [("未回答のコメントに返信する", link)]
    workflow.set_resolved(thread, by=reviewer, resolved=True)
    assert _titles(reviewer) == [] and _titles(editor) == []


def test_unanswered_comments_are_links_on_the_task_page(client, kumin_report, editor, reviewer, other_editor):
    goal = _goals(kumin_report)[0]
    thread = workflow.add_comment(goal, by=reviewer, text="達成度の根拠を教えてください。")
    client.force_login(editor)
    page = client.get(reverse("goals:tasks")).content.decode()
    assert f'<a href="/goals/{goal.pk}/#thread-{thread.pk}">未回答のコメントに返信する</a>' in page
    assert f"区民課 令和7年度 目標{goal.number}「達成度の根拠を教えてください。」（saiwai-reviewer）" in page
    assert _titles(other_editor) == []  # another department's conversation


# --- Approvers reminded by the daily run -----------------------------------------------------------


@pytest.fixture
def waiting(kumin_report, editor, approver):
    """区民課 in 承認待ち since Friday 2026-05-08 09:00 (Tokyo)."""
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    submitted = timezone.make_aware(datetime.datetime(2026, 5, 8, 9, 0))
    DepartmentReport.objects.filter(pk=kumin_report.pk).update(submitted_at=submitted)
    return kumin_report


@pytest.mark.parametrize(
    "day, expected",
    [
        (datetime.date(2026, 5, 8), False),  # the day of the submission
        (datetime.date(2026, 5, 10), False),  # Sunday
        (datetime.date(2026, 5, 11), True),  # Monday, 3 days waiting
        (datetime.date(2026, 5, 12), True),  # every working day after
    ],
)
def test_approvers_are_reminded_after_the_days_waiting(waiting, approver, mailoutbox, day, expected):
    output = _run(day)
    to_approver = [m for m in mailoutbox if m.to == [approver.email]]
    if expected:
        assert len(to_approver) == 1
        assert f"承認のお願い：幸区 令和7年度 区民課（承認待ち）→ {approver.email}" in output
        mail = to_approver[0]
        assert mail.subject == "【向上指針】区民課の実施結果の承認のお願い（再送）"
        waited = (day - datetime.date(2026, 5, 8)).days
        assert (
            f"区民課の実施結果が承認をお待ちしています（令和8年5月8日の提出から{waited}日、提出者：kumin-editor）。"
        ) in mail.body
        assert f"{SITE}/reports/{waiting.pk}/" in mail.body
    else:
        assert to_approver == []


def test_an_approver_is_reminded_once_a_day(waiting, approver, mailoutbox):
    _run(datetime.date(2026, 5, 11))
    output = _run(datetime.date(2026, 5, 11))
    assert len([m for m in mailoutbox if m.to == [approver.email]]) == 1
    assert "送信済み（本日分）：幸区 区民課（承認待ち）" in output
    assert ReminderLog.objects.filter(report=waiting).count() == 1


def test_the_days_before_an_approval_reminder_are_a_setting(waiting, approver, mailoutbox, settings):
    settings.KOJO_APPROVAL_REMINDER_DAYS = 5
    _run(datetime.date(2026, 5, 12))  # 4 days
    assert [m for m in mailoutbox if m.to == [approver.email]] == []
    _run(datetime.date(2026, 5, 13))  # 5 days
    assert len([m for m in mailoutbox if m.to == [approver.email]]) == 1


def test_no_approval_reminder_on_a_closed_sheet(waiting, approver, mailoutbox):
    Sheet.objects.filter(pk=waiting.sheet_id).update(phase=Sheet.Phase.CLOSED)
    _run(datetime.date(2026, 5, 11))
    assert [m for m in mailoutbox if m.to == [approver.email]] == []


def test_a_moved_approver_is_not_reminded(waiting, approver, mailoutbox):
    Membership.objects.filter(user=approver).update(valid_until=datetime.date(2026, 4, 30))
    _run(datetime.date(2026, 5, 11))
    assert [m for m in mailoutbox if m.to == [approver.email]] == []
