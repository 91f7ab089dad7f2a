"""Approval inside the department: 入力担当 → 承認者（課長） → 総務課; without an approver, today's path."""

import pytest
from django.urls import reverse

from goals import workflow
from goals.history import report_history
from goals.models import DepartmentReport
from goals.workflow import WorkflowError

from .conftest import fill_results


def _status(report):
    return DepartmentReport.objects.get(pk=report.pk).status


@pytest.fixture
def mailing(django_capture_on_commit_callbacks):
    """Run the mail callbacks as if each request's transaction had committed."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_submit_goes_to_the_approver_then_to_the_reviewers(
    client, kumin_report, editor, approver, reviewer, mailoutbox, mailing
):
    fill_results(kumin_report)
    client.force_login(editor)
    with mailing():
        response = client.post(reverse("goals:report_submit", args=[kumin_report.pk]), follow=True)
    assert "承認者（課長）に承認を依頼しました" in response.content.decode()
    assert _status(kumin_report) == DepartmentReport.Status.AWAITING_APPROVAL
    assert [m.to for m in mailoutbox] == [[approver.email]]
    assert "承認のお願い" in mailoutbox[0].subject
    # The editor can no longer change results while the approver looks at them.
    assert "承認待ちのため編集できません" in response.content.decode()

    client.force_login(approver)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert "承認する</button>" in page
    with mailing():
        client.post(reverse("goals:report_approve", args=[kumin_report.pk]))
    report = DepartmentReport.objects.get(pk=kumin_report.pk)
    assert report.status == DepartmentReport.Status.SUBMITTED
    assert report.approved_by == approver and report.submitted_by == editor
    assert [m.to for m in mailoutbox[1:]] == [[reviewer.email]]
    assert "承認者：kumin-approver" in mailoutbox[1].body

    client.force_login(reviewer)
    client.post(reverse("goals:report_confirm", args=[kumin_report.pk]))
    report = DepartmentReport.objects.get(pk=kumin_report.pk)
    assert report.status == DepartmentReport.Status.CONFIRMED
    # Confirming keeps who submitted and who approved.
    assert (report.submitted_by, report.approved_by, report.confirmed_by) == (editor, approver, reviewer)
    statuses = [d.new for e in report_history(report) for d in e.diffs if d.label == "状況"]
    assert statuses[:3] == ["確認済み", "提出済み", "承認待ち"]


def test_the_approver_sends_back_with_a_reason(client, kumin_report, editor, approver, mailoutbox, mailing):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    client.force_login(approver)
    url = reverse("goals:report_send_back", args=[kumin_report.pk])
    refused = client.post(url, {"send_back-reason": " "})
    assert refused.status_code == 400 and "差戻しの理由を入力してください" in refused.content.decode()
    assert _status(kumin_report) == DepartmentReport.Status.AWAITING_APPROVAL
    with mailing():
        client.post(url, {"send_back-reason": "数値の根拠を書いてください"})
    report = DepartmentReport.objects.get(pk=kumin_report.pk)
    assert report.status == DepartmentReport.Status.RETURNED
    assert report.return_reason == "数値の根拠を書いてください"
    assert mailoutbox[-1].to == [editor.email]
    assert "数値の根拠を書いてください" in mailoutbox[-1].body


def test_a_department_without_an_approver_keeps_the_direct_path(
    kumin_report, editor, reviewer, mailoutbox, mailing
):
    fill_results(kumin_report)
    with mailing():
        workflow.submit(kumin_report, by=editor)
    assert _status(kumin_report) == DepartmentReport.Status.SUBMITTED
    assert [m.to for m in mailoutbox] == [[reviewer.email]]


def test_an_inactive_approver_does_not_hold_up_the_department(kumin_report, editor, approver):
    approver.is_active = False
    approver.save()
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    assert _status(kumin_report) == DepartmentReport.Status.SUBMITTED


def test_only_the_departments_approver_approves(kumin_report, editor, approver, reviewer, other_editor):
    fill_results(kumin_report)
    with pytest.raises(WorkflowError, match="承認待ちでない"):
        workflow.approve(kumin_report, by=approver)
    workflow.submit(kumin_report, by=editor)
    for person in (editor, reviewer, other_editor):
        with pytest.raises(WorkflowError, match="承認者（課長）だけ"):
            workflow.approve(kumin_report, by=person)
    # 総務課 sees 承認待ち but cannot confirm it before the approver has approved.
    with pytest.raises(WorkflowError, match="提出されていない"):
        workflow.confirm(kumin_report, by=reviewer)
    assert _status(kumin_report) == DepartmentReport.Status.AWAITING_APPROVAL


def test_the_department_page_says_where_a_submission_goes(client, kumin_report, editor, approver):
    fill_results(kumin_report)
    client.force_login(editor)
    url = reverse("goals:report", args=[kumin_report.pk])
    assert "提出すると部署の承認者（課長）に届き" in client.get(url).content.decode()
    approver.is_active = False
    approver.save()
    page = client.get(url).content.decode()
    assert "提出すると総務課の取りまとめ担当に通知されます" in page
    assert "承認者（課長）に届き" not in page
