"""Mail to people: a department submitted, a report was returned, a comment was written, a deadline
is near or past, an approval is waiting.

Sent after the transaction commits (transaction.on_commit), so a mail never
announces a change that was rolled back. Notices that ask someone to look at
something (a submission to approve or confirm, a comment) go, for a person who
chose 1日1回まとめて, into their daily digest instead (goals/mail/digests.py);
a return or a reminder, which comes with a deadline, is always mailed at once.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership
from goals.lib.people import display_name
from goals.lib.wareki import date_label
from goals.models import DIGEST_LINE_MAX, DepartmentReport, DigestItem, GoalComment, MailSetting


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


def department_approvers(department, on=None):
    return _active_members(Membership.Role.APPROVER, on, department=department)


def _notify(users, *, ward, subject: str, body: str, line: str, url: str, leave_out=None) -> list[str]:
    """Mail each person now, or hold the notice (one line and its link) for the daily digest of those
    who chose it; returns the addresses mailed now. `leave_out`: the person who caused the notice."""
    people = {u.pk: u for u in users if u.email and (leave_out is None or u.pk != leave_out.pk)}
    daily = set(
        MailSetting.objects.filter(user_id__in=people, delivery=MailSetting.Delivery.DAILY).values_list(
            "user_id", flat=True
        )
    )
    DigestItem.objects.bulk_create(
        [DigestItem(user_id=pk, ward=ward, line=line[:DIGEST_LINE_MAX], url=url) for pk in sorted(daily)]
    )
    return _send(_addresses(u for pk, u in people.items() if pk not in daily), subject, body)


def _load(report_pk):
    return DepartmentReport.objects.select_related(
        "sheet__ward", "department", "status_changed_by", "submitted_by", "approved_by"
    ).get(pk=report_pk)


def sender_name(ward) -> str:
    """Who signs the mail: the ward's office and its 総務課 (the section's name is a setting)."""
    return f"{ward.office_name} {settings.KOJO_MAIL_SENDER_SECTION}"


def _letter(ward, to: str, *, happened: str, todo: str, url: str) -> str:
    """A mail as an office writes it: salutation, what happened, what to do and by when, the link,
    the sender and a closing."""
    return (
        f"{to}\n\n"
        "お疲れさまです。\n"
        f"{happened}\n\n"
        f"{todo}\n"
        f"{url}\n\n"
        "よろしくお願いいたします。\n\n"
        "――――――――――\n"
        f"{sender_name(ward)}\n"
        "（このメールは向上指針取組シートのシステムから自動で送信しています。）\n"
    )


def _by_when(sheet) -> str:
    if sheet.results_deadline is None:
        return ""
    return f"実施結果の提出期限は{date_label(sheet.results_deadline)}です。"


def _person(user) -> str:
    return display_name(user, absent="（不明）")


def notify_awaiting_approval(report_pk):
    """An editor submitted in a department with a 承認者: the approvers are asked to approve."""
    report = _load(report_pk)
    sheet = report.sheet
    url = _absolute(reverse("goals:report", args=[report.pk]))
    body = _letter(
        sheet.ward,
        f"{report.department} 承認者（課長）各位",
        happened=(
            f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、{report.department}の"
            f"実施結果が提出され、承認をお待ちしています（提出者：{_person(report.submitted_by)}）。"
        ),
        todo=(
            "内容をご確認のうえ、「承認する」（総務課に届きます）または理由を添えて「差し戻す」を"
            f"行ってください。{_by_when(sheet)}"
        ),
        url=url,
    )
    return _notify(
        department_approvers(report.department),
        ward=sheet.ward,
        subject=f"【向上指針】{report.department}の実施結果の承認のお願い",
        body=body,
        line=f"{sheet.ward} {sheet.fiscal_year_label} {report.department}の実施結果が承認待ちになりました"
        f"（提出者：{_person(report.submitted_by)}）。",
        url=url,
    )


def notify_submitted(report_pk):
    report = _load(report_pk)
    sheet = report.sheet
    url = _absolute(reverse("goals:report", args=[report.pk]))
    approved = f"、承認者：{_person(report.approved_by)}" if report.approved_by_id else ""
    who = f"（提出者：{_person(report.submitted_by or report.status_changed_by)}{approved}）"
    body = _letter(
        sheet.ward,
        f"{sheet.ward} 取りまとめ担当各位",
        happened=(
            f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、{report.department}が"
            f"実施結果を提出しました{who}。"
        ),
        todo="内容をご確認のうえ、「確認済みにする」または理由を添えて「差し戻す」を行ってください。",
        url=url,
    )
    return _notify(
        ward_reviewers(sheet.ward),
        ward=sheet.ward,
        subject=f"【向上指針】{report.department}が実施結果を提出しました",
        body=body,
        line=f"{sheet.ward} {sheet.fiscal_year_label} {report.department}が実施結果を提出しました{who}。",
        url=url,
    )


def _returned_goals(report) -> str:
    """The goals the return points at, each with its page, or nothing."""
    goals = report.return_goals.order_by("order", "pk")
    lines = [
        f"・目標{g.number}：{_excerpt(g.text)}\n  {_absolute(reverse('goals:goal', args=[g.pk]))}"
        for g in goals
    ]
    return "\n\n対象の目標：\n" + "\n".join(lines) if lines else ""


def _excerpt(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notify_returned(report_pk):
    report = _load(report_pk)
    sheet = report.sheet
    url = _absolute(reverse("goals:report", args=[report.pk]))
    body = _letter(
        sheet.ward,
        f"{report.department} 入力担当各位",
        happened=(
            f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、{report.department}の"
            f"実施結果が差し戻されました（{_person(report.status_changed_by)}）。\n\n"
            f"差戻しの理由：\n{report.return_reason}"
            f"{_returned_goals(report)}"
        ),
        todo=f"お手数ですが、内容を直して、もう一度提出してください。{_by_when(sheet)}",
        url=url,
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
    """Remind the department's editors; returns the addresses written to. Without a deadline (a
    reminder sent from the board), the mail asks for the results as soon as possible."""
    sheet = report.sheet
    deadline = sheet.results_deadline
    url = _absolute(reverse("goals:report", args=[report.pk]))
    if deadline is not None:
        when = f"実施結果の提出期限は{date_label(deadline)}です（{deadline_phrase(deadline, today)}）。"
        todo = f"お手数ですが、{date_label(deadline)}までに実施結果と達成度を入力し、提出してください。"
        subject = f"【向上指針】実施結果の提出のお願い（{deadline_phrase(deadline, today)}）"
    else:
        when = "実施結果の提出をお待ちしています。"
        todo = "お手数ですが、できるだけ早く実施結果と達成度を入力し、提出してください。"
        subject = "【向上指針】実施結果の提出のお願い"
    body = _letter(
        sheet.ward,
        f"{report.department} 入力担当各位",
        happened=(
            f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートの{when}\n"
            f"{report.department}はまだ提出していません（現在の状況：{report.get_status_display()}）。"
        ),
        todo=todo,
        url=url,
    )
    return _send(_addresses(department_editors(report.department, on=today)), subject, body)


def notify_comment(comment_pk):
    """A comment on a goal: from 総務課 (or anyone outside the department) to the department's
    editors and approvers; from the department to the ward's reviewers. The writer is left out."""
    comment = GoalComment.objects.select_related(
        "goal__sheet__ward", "goal__department", "author", "parent"
    ).get(pk=comment_pk)
    goal, author = comment.goal, comment.author
    sheet, department = goal.sheet, goal.department
    from_department = (
        author is not None
        and Membership.objects.active().filter(user_id=author.pk, department_id=department.pk).exists()
    )
    what = "返信" if comment.parent_id else "コメント"
    where = f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、{department}の目標{goal.number}"
    quoted = "\n".join(f"> {line}" for line in comment.text.splitlines())
    url = _absolute(reverse("goals:goal", args=[goal.pk]) + f"#thread-{comment.parent_id or comment.pk}")
    if from_department:
        users = list(ward_reviewers(sheet.ward))
        to = f"{sheet.ward} 取りまとめ担当各位"
        happened = f"{where}について、部署から{what}がありました（{_person(author)}）。"
        todo = "内容をご確認のうえ、目標のページで返信するか、解決済みにしてください。"
    else:
        users = [*department_editors(department), *department_approvers(department)]
        to = f"{department} 入力担当・承認者（課長）各位"
        happened = f"{where}について、{sheet.ward.office_name} {settings.KOJO_MAIL_SENDER_SECTION}から{what}がありました（{_person(author)}）。"
        todo = "お手数ですが、目標のページで内容をご確認のうえ、返信してください。"
    unique = list({u.pk: u for u in users}.values())
    return _notify(
        unique,
        ward=sheet.ward,
        subject=f"【向上指針】{department}の目標{goal.number}への{what}",
        body=_letter(sheet.ward, to, happened=f"{happened}\n\n{quoted}", todo=todo, url=url),
        line=f"{department}の目標{goal.number}に{what}がありました（{_person(author)}）：{_excerpt(comment.text)}",
        url=url,
        leave_out=author,
    )


def send_approval_reminder(report, today: datetime.date) -> list[str]:
    """Remind the department's approvers of a report waiting in 承認待ち; the addresses written to."""
    sheet = report.sheet
    since = "提出後"
    if report.submitted_at is not None:
        submitted_on = timezone.localtime(report.submitted_at).date()
        since = f"{date_label(submitted_on)}の提出から{(today - submitted_on).days}日"
    body = _letter(
        sheet.ward,
        f"{report.department} 承認者（課長）各位",
        happened=(
            f"{sheet.ward} {sheet.fiscal_year_label}の向上指針取組シートで、{report.department}の"
            f"実施結果が承認をお待ちしています（{since}、提出者：{_person(report.submitted_by)}）。"
        ),
        todo=(
            "お手数ですが、内容をご確認のうえ、「承認する」または理由を添えて「差し戻す」を行ってください。"
            f"{_by_when(sheet)}"
        ),
        url=_absolute(reverse("goals:report", args=[report.pk])),
    )
    subject = f"【向上指針】{report.department}の実施結果の承認のお願い（再送）"
    return _send(_addresses(department_approvers(report.department, on=today)), subject, body)
