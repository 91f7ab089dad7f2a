"""Mail to people: a department submitted, a report was returned, a deadline is near or past.

Sent after the transaction commits (transaction.on_commit), so a mail never
announces a change that was rolled back.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from departments.models import Membership
from goals.lib.people import display_name
from goals.lib.wareki import date_label
from goals.models import DepartmentReport


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _addresses(users) -> list[str]:
    return sorted({u.email for u in users if u.email})


def _active_members(role, on=None, **where):
    """Active accounts with a membership of the role valid on the day (today): a mover's old
    department stops mailing them the day after their last day there."""
    memberships = Membership.objects.active(on).filter(role=role, **where)
    return get_user_model().objects.filter(is_active=True, memberships__in=memberships).distinct()


def ward_reviewers(ward, on=None):
    return _active_members(Membership.Role.REVIEWER, on, department__ward=ward)


def department_editors(department, on=None):
    return _active_members(Membership.Role.EDITOR, on, department=department)


def _send(recipients: list[str], subject: str, body: str):
    """One message per person: colleagues' addresses are not shared."""
    messages = [EmailMessage(subject, body, to=[address]) for address in recipients]
    if messages:
        get_connection().send_messages(messages)
    return recipients


def _load(report_pk):
    return DepartmentReport.objects.select_related("sheet__ward", "department", "status_changed_by").get(
        pk=report_pk
    )


def _person(user) -> str:
    return display_name(user, absent="（不明）")


def notify_submitted(report_pk):
    report = _load(report_pk)
    sheet = report.sheet
    url = _absolute(reverse("goals:report", args=[report.pk]))
    body = (
        f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、"
        f"{report.department}が実施結果を提出しました（提出者：{_person(report.status_changed_by)}）。\n\n"
        f"内容を確認し、「確認」または「差戻し」を行ってください。\n{url}\n"
    )
    return _send(
        _addresses(ward_reviewers(sheet.ward)),
        f"【向上指針】{report.department}が実施結果を提出しました",
        body,
    )


def notify_returned(report_pk):
    report = _load(report_pk)
    sheet = report.sheet
    url = _absolute(reverse("goals:report", args=[report.pk]))
    body = (
        f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、"
        f"{report.department}の実施結果が差し戻されました（{_person(report.status_changed_by)}）。\n\n"
        f"差戻しの理由：\n{report.return_reason}\n\n"
        f"内容を直して、もう一度提出してください。\n{url}\n"
    )
    return _send(
        _addresses(department_editors(report.department)),
        f"【向上指針】{report.department}の実施結果が差し戻されました",
        body,
    )


def deadline_phrase(deadline: datetime.date, today: datetime.date) -> str:
    """あと3日 / 本日が期限です / 期限を2日過ぎています."""
    days = (deadline - today).days
    if days > 0:
        return f"あと{days}日"
    if days == 0:
        return "本日が期限です"
    return f"期限を{-days}日過ぎています"


def send_reminder(report, today: datetime.date) -> list[str]:
    """Remind the department's editors; returns the addresses written to."""
    sheet = report.sheet
    deadline = sheet.results_deadline
    url = _absolute(reverse("goals:report", args=[report.pk]))
    body = (
        f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートの実施結果の提出期限は"
        f"{date_label(deadline)}です（{deadline_phrase(deadline, today)}）。\n"
        f"{report.department}はまだ提出していません（現在の状況：{report.get_status_display()}）。\n\n"
        f"実施結果と達成度を入力し、提出してください。\n{url}\n"
    )
    subject = f"【向上指針】実施結果の提出のお願い（{deadline_phrase(deadline, today)}）"
    return _send(_addresses(department_editors(report.department, on=today)), subject, body)
