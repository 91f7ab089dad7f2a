"""The board for 総務課: several departments in one action, 未提出 and multi-select filters, 催促 now."""

import datetime

import pytest
from django.urls import reverse

from departments.models import Department
from goals import workflow
from goals.mail.reminders import send_due_reminders
from goals.models import DepartmentReport, ReminderLog

from .conftest import fill_results

BOARD = ("幸区", 2025)


def _report(seed, name):
    return DepartmentReport.objects.get(sheet=seed, department__name=name)


def _board(client, query=""):
    return client.get(reverse("goals:board", args=BOARD) + query)


def _selected(client, reports, action, **extra):
    url = reverse("goals:board_selected", args=BOARD)
    return client.post(url, {"reports": [r.pk for r in reports], "action": action, **extra}, follow=True)


@pytest.fixture
def submitted(seed, editor, other_editor):
    """区民課 and 保護課 submitted; every other department not."""
    reports = [_report(seed, "区民課"), _report(seed, "保護課")]
    for report, by in zip(reports, (editor, other_editor), strict=True):
        fill_results(report)
        workflow.submit(report, by=by)
    return reports


def test_confirm_several_departments_in_one_action_naming_each_refusal(client, seed, reviewer, submitted):
    late = _report(seed, "総務課")
    client.force_login(reviewer)
    page = _selected(client, [*submitted, late], "confirm").content.decode()
    assert "2部署を確認済みにしました：区民課、保護課" in page
    assert "総務課：提出されていないため、確認できません。" in page
    statuses = {r.department.name: r.status for r in seed.reports.select_related("department")}
    assert statuses["区民課"] == statuses["保護課"] == DepartmentReport.Status.CONFIRMED
    assert statuses["総務課"] == DepartmentReport.Status.NOT_STARTED
    assert _report(seed, "区民課").confirmed_by == reviewer


def test_selecting_nothing_says_so_and_changes_nothing(client, seed, reviewer, submitted):
    client.force_login(reviewer)
    page = _selected(client, [], "confirm").content.decode()
    assert "部署を選んでください。" in page
    assert _report(seed, "区民課").status == DepartmentReport.Status.SUBMITTED


def test_a_department_of_another_sheet_cannot_be_slipped_in(client, seed, reviewer, other_ward, submitted):
    client.force_login(reviewer)
    url = reverse("goals:board_selected", args=BOARD)
    page = client.post(url, {"reports": [999999], "action": "confirm"}, follow=True).content.decode()
    assert "選んだ部署が見つかりません" in page


def test_the_unsubmitted_filter_lists_every_state_before_submitted(client, seed, reviewer, submitted):
    DepartmentReport.objects.filter(pk=_report(seed, "総務課").pk).update(status="returned")
    DepartmentReport.objects.filter(pk=_report(seed, "企画課").pk).update(status="in_progress")
    DepartmentReport.objects.filter(pk=_report(seed, "保護課").pk).update(status="awaiting_approval")
    client.force_login(reviewer)
    response = _board(client, "?status=unsubmitted")
    rows = {r.report.department.name for r in response.context["rows"]}
    assert {"総務課", "企画課", "保護課"} <= rows
    assert "区民課" not in rows  # 提出済み
    not_started = seed.reports.filter(status="not_started").count()
    assert len(rows) == not_started + 3
    assert "「未提出（提出済みより前のすべて）」の部署だけを表示しています" in response.content.decode()


def test_several_statuses_can_be_chosen_together(client, seed, reviewer, submitted):
    DepartmentReport.objects.filter(pk=_report(seed, "総務課").pk).update(status="returned")
    client.force_login(reviewer)
    response = _board(client, "?status=returned&status=submitted")
    assert {r.report.department.name for r in response.context["rows"]} == {"区民課", "保護課", "総務課"}
    assert "「差戻し・提出済み」の部署だけを表示しています" in response.content.decode()


def test_the_board_keeps_who_submitted_approved_and_confirmed(client, seed, reviewer, editor, approver):
    report = _report(seed, "区民課")
    fill_results(report)
    workflow.submit(report, by=editor)
    workflow.approve(report, by=approver)
    workflow.confirm(report, by=reviewer)
    client.force_login(reviewer)
    page = _board(client).content.decode()
    row = page[page.index('aria-label="区民課を選ぶ"') :].split("</tr>", 1)[0]
    assert "提出</dt>" in row and "kumin-editor" in row
    assert "承認</dt>" in row and "kumin-approver" in row
    assert "確認</dt>" in row and "saiwai-reviewer" in row


def test_remind_now_mails_late_departments_once_a_day_unless_forced(
    client, seed, reviewer, editor, other_editor, submitted, mailoutbox
):
    late = _report(seed, "区民課")
    workflow.return_to_department(late, by=reviewer, reason="直してください")
    mailoutbox.clear()
    client.force_login(reviewer)
    page = _selected(client, [late, submitted[1]], "remind").content.decode()
    assert "1部署に催促のメールを送りました：区民課" in page
    assert "保護課：提出済みのため、催促しません（提出済み）。" in page
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert "区民課 入力担当各位" in mailoutbox[0].body
    log = ReminderLog.objects.get(report=late)
    assert log.sent_by == reviewer and log.recipients == editor.email

    again = _selected(client, [late], "remind").content.decode()
    assert "区民課：本日は既に催促しています" in again
    assert len(mailoutbox) == 1 and ReminderLog.objects.filter(report=late).count() == 1

    forced = _selected(client, [late], "remind", force="on").content.decode()
    assert "1部署に催促のメールを送りました：区民課" in forced
    assert len(mailoutbox) == 2 and ReminderLog.objects.filter(report=late).count() == 2
    assert "催促：" in _board(client).content.decode()


def test_a_reminder_from_the_board_counts_for_the_daily_run(client, seed, reviewer, editor, mailoutbox):
    today = datetime.date(2026, 5, 18)
    seed.results_deadline = today - datetime.timedelta(days=3)
    seed.save()
    report = _report(seed, "区民課")
    workflow.remind_many(seed, [report.pk], by=reviewer, today=today)
    sent, skipped = send_due_reminders(today)
    assert report.pk not in {s.report.pk for s in sent}
    assert report.pk in {r.pk for r in skipped}


def test_only_the_wards_reviewers_act_on_selected_departments(client, seed, editor, submitted):
    client.force_login(editor)
    url = reverse("goals:board_selected", args=BOARD)
    assert client.post(url, {"reports": [submitted[0].pk], "action": "confirm"}).status_code == 403
    assert _report(seed, "区民課").status == DepartmentReport.Status.SUBMITTED
    assert Department.objects.exists()


def test_the_board_comes_back_with_the_filter_it_was_acting_on(client, seed, reviewer, submitted):
    client.force_login(reviewer)
    url = reverse("goals:board_selected", args=BOARD)
    response = client.post(
        url, {"reports": [submitted[0].pk], "action": "confirm", "status": ["submitted", "<script>"]}
    )
    assert response["Location"] == reverse("goals:board", args=BOARD) + "?status=submitted"
