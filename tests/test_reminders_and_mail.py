"""Mail on submit and return, and the daily reminder command."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from departments.models import Department, Membership
from goals import workflow
from goals.mail.reminders import is_working_day
from goals.models import DepartmentReport, ReminderLog, Sheet

from .conftest import fill_results


def test_submitting_mails_the_wards_reviewers_only(
    make_member,
    kumin_report,
    editor,
    other_editor,
    reviewer,
    other_ward_reviewer,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    second_reviewer = make_member(
        "saiwai-reviewer-2", Department.objects.get(name="総務課", ward__name="幸区"), "reviewer"
    )
    fill_results(kumin_report)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(kumin_report, by=editor)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([reviewer.email, second_reviewer.email])
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert "区民課が実施結果を提出しました" in mailoutbox[0].subject
    assert f"/reports/{kumin_report.pk}/" in mailoutbox[0].body


def test_returning_mails_the_departments_editors_only(
    kumin_report, editor, other_editor, reviewer, django_capture_on_commit_callbacks, mailoutbox
):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_to_department(kumin_report, by=reviewer, reason="達成度の根拠を書いてください")
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert "達成度の根拠を書いてください" in mailoutbox[0].body


def test_no_mail_when_the_transition_is_refused(
    kumin_report, editor, django_capture_on_commit_callbacks, mailoutbox
):
    from goals.workflow import WorkflowError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError):
        workflow.submit(kumin_report, by=editor)  # no results yet
    assert mailoutbox == []


DEADLINE = datetime.date(2026, 5, 15)  # a Friday


@pytest.fixture
def deadline_sheet(seed, editor, other_editor):
    Sheet.objects.filter(pk=seed.pk).update(results_deadline=DEADLINE)
    return seed


def _run(day):
    out = StringIO()
    call_command("send_reminders", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "day, expected",
    [
        (datetime.date(2026, 5, 8), True),  # 7 days before
        (datetime.date(2026, 5, 9), False),  # 6 days before
        (datetime.date(2026, 5, 14), True),  # 1 day before
        (datetime.date(2026, 5, 15), False),  # the deadline itself
        (datetime.date(2026, 5, 16), False),  # Saturday after
        (datetime.date(2026, 5, 17), False),  # Sunday after
        (datetime.date(2026, 5, 18), True),  # Monday after
        (datetime.date(2026, 5, 19), True),  # Tuesday after
    ],
)
def test_reminders_go_out_7_and_1_days_before_and_on_working_days_after(
    deadline_sheet, mailoutbox, day, expected
):
    output = _run(day)
    recipients = sorted(m.to[0] for m in mailoutbox)
    if expected:
        assert recipients == ["hogo-editor@example.invalid", "kumin-editor@example.invalid"]
        assert "送信：幸区 令和7年度 区民課（未入力）→ kumin-editor@example.invalid" in output
    else:
        assert recipients == []
        assert "本日送る催促メールはありません" in output


def test_not_twice_the_same_day(deadline_sheet, mailoutbox):
    _run(datetime.date(2026, 5, 18))
    first = len(mailoutbox)
    second_output = _run(datetime.date(2026, 5, 18))
    assert len(mailoutbox) == first == 2
    assert "送信済み（本日分）：幸区 区民課" in second_output
    assert ReminderLog.objects.filter(date=datetime.date(2026, 5, 18)).count() == 15
    _run(datetime.date(2026, 5, 19))
    assert len(mailoutbox) == 4


def test_submitted_and_confirmed_departments_are_not_reminded(
    deadline_sheet, kumin_report, editor, mailoutbox
):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    hogo = DepartmentReport.objects.get(sheet=deadline_sheet, department__name="保護課")
    DepartmentReport.objects.filter(pk=hogo.pk).update(status=DepartmentReport.Status.RETURNED)
    _run(datetime.date(2026, 5, 18))
    assert [m.to for m in mailoutbox] == [["hogo-editor@example.invalid"]]
    assert "期限を3日過ぎています" in mailoutbox[0].subject
    assert "令和8年5月15日" in mailoutbox[0].body


def test_reminder_text_counts_days_before(deadline_sheet, mailoutbox):
    _run(datetime.date(2026, 5, 8))
    assert "あと7日" in mailoutbox[0].subject


def test_sheets_not_in_progress_get_no_reminders(deadline_sheet, mailoutbox):
    Sheet.objects.filter(pk=deadline_sheet.pk).update(phase=Sheet.Phase.CLOSED)
    _run(datetime.date(2026, 5, 8))
    assert mailoutbox == []


def test_a_reviewer_is_not_reminded(deadline_sheet, reviewer, mailoutbox):
    _run(datetime.date(2026, 5, 8))
    assert reviewer.email not in [m.to[0] for m in mailoutbox]


def test_an_unreadable_date_is_refused_in_japanese(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "5月8日")


@pytest.mark.parametrize(
    "day, working",
    [
        (datetime.date(2026, 4, 29), False),  # 昭和の日
        (datetime.date(2026, 5, 6), False),  # 振替休日
        (datetime.date(2026, 5, 7), True),
        (datetime.date(2026, 12, 29), False),  # 年末年始
        (datetime.date(2027, 1, 4), True),
        (datetime.date(2026, 5, 16), False),  # Saturday
    ],
)
def test_working_days_skip_weekends_holidays_and_new_year(day, working):
    assert is_working_day(day) is working


def test_after_the_deadline_a_holiday_is_skipped(seed, editor, mailoutbox):
    Sheet.objects.filter(pk=seed.pk).update(results_deadline=datetime.date(2026, 4, 28))
    _run(datetime.date(2026, 4, 29))  # 昭和の日
    assert mailoutbox == []
    _run(datetime.date(2026, 4, 30))
    assert [m.to for m in mailoutbox] == [[editor.email]]


def test_a_department_without_editors_is_listed_as_such(deadline_sheet):
    Membership.objects.filter(user__username="kumin-editor").update(role=Membership.Role.REVIEWER)
    output = _run(datetime.date(2026, 5, 8))
    assert "区民課（未入力）→ （メールアドレスのある入力担当がいません）" in output
