"""Which departments get a reminder on a given day, and sending it at most once a day."""

import datetime
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from goals.mail.notifications import send_approval_reminder, send_reminder
from goals.models import DepartmentReport, ReminderLog, Sheet

BEFORE_DEADLINE = (7, 1)  # days before the deadline that get a reminder
NOT_SUBMITTED = (
    DepartmentReport.Status.NOT_STARTED,
    DepartmentReport.Status.IN_PROGRESS,
    DepartmentReport.Status.RETURNED,
)


def is_working_day(day: datetime.date) -> bool:
    """Mon–Fri, not a national holiday (国民の祝日・振替休日), not 12/29–1/3 (年末年始, offices closed)."""
    if day.weekday() >= 5 or day in holidays.country_holidays("JP", years=day.year):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def is_reminder_day(deadline: datetime.date, today: datetime.date) -> bool:
    """7 and 1 days before the deadline, and every working day after it."""
    days_left = (deadline - today).days
    if days_left in BEFORE_DEADLINE:
        return True
    return days_left < 0 and is_working_day(today)


@dataclass
class Sent:
    report: DepartmentReport
    recipients: list[str]


def send_due_reminders(today: datetime.date) -> tuple[list[Sent], list[DepartmentReport]]:
    """Send today's reminders; returns what was sent and what had been sent earlier today."""
    sheets = Sheet.objects.filter(phase=Sheet.Phase.IN_PROGRESS, results_deadline__isnull=False)
    due = [s for s in sheets.select_related("ward") if is_reminder_day(s.results_deadline, today)]
    reports = (
        DepartmentReport.objects.filter(sheet__in=due, status__in=NOT_SUBMITTED)
        .select_related("sheet__ward", "department")
        .order_by("sheet__ward__name", "department__order")
    )
    return _send_logged(reports, today, send_reminder)


def _send_logged(reports, today, send) -> tuple[list[Sent], list[DepartmentReport]]:
    """Send to each report once today: a report already logged today is returned as skipped."""
    sent, skipped = [], []
    for report in reports:
        try:
            # The log row and the mail stand or fall together: a failed send is retried by the next run.
            with transaction.atomic():
                log = ReminderLog.objects.create(report=report, date=today)
                recipients = send(report, today)
                log.recipients = ", ".join(recipients)
                log.save(update_fields=["recipients"])
        except IntegrityError:
            skipped.append(report)
            continue
        sent.append(Sent(report, recipients))
    return sent, skipped


def send_due_approval_reminders(today: datetime.date, days: int | None = None):
    """Remind the approvers of every report waiting in 承認待ち for `days` days or more (the setting
    KOJO_APPROVAL_REMINDER_DAYS), on working days, at most once a day per report like the editors'."""
    days = settings.KOJO_APPROVAL_REMINDER_DAYS if days is None else days
    if not is_working_day(today):
        return [], []
    waiting = (
        DepartmentReport.objects.filter(
            sheet__phase=Sheet.Phase.IN_PROGRESS,
            status=DepartmentReport.Status.AWAITING_APPROVAL,
            submitted_at__isnull=False,
        )
        .select_related("sheet__ward", "department", "submitted_by")
        .order_by("sheet__ward__name", "department__order")
    )
    due = [r for r in waiting if (today - timezone.localtime(r.submitted_at).date()).days >= days]
    return _send_logged(due, today, send_approval_reminder)


def remind_now(report, *, by, today: datetime.date, force: bool = False) -> list[str]:
    """催促 from the board: mail the department's editors now and log it. At most once a day per
    department, counting the daily run, unless `force`; IntegrityError when already reminded today."""
    with transaction.atomic():
        log = ReminderLog.objects.create(report=report, date=today, sent_by=by, forced=force)
        recipients = send_reminder(report, today)
        log.recipients = ", ".join(recipients)
        log.save(update_fields=["recipients"])
    return recipients
