"""What each person has to do now, across the sheets that are open: the landing's task list.

A fixed handful of queries whatever the number of memberships, sheets or departments: the
person's memberships, the sheets of their wards, the reports those memberships reach (with goal
counts), the status counts of the wards they review, and the open threads they reach with the
memberships of their last writers (unanswered comments).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership
from goals.lib.people import display_name
from goals.mail.notifications import deadline_phrase
from goals.mail.reminders import NOT_SUBMITTED
from goals.models import DepartmentReport, GoalComment, Sheet


@dataclass
class Task:
    title: str
    detail: str
    url: str
    deadline: datetime.date | None = None
    days_left: int | None = None
    deadline_text: str = ""

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def open_sheets(sheets):
    """Sheets still open for work: not 確定 and not a past year (the rule of Sheet.is_past_year,
    applied in Python to the ward's sheets so no query is made per sheet)."""
    by_ward: dict[int, list] = {}
    for sheet in sheets:
        by_ward.setdefault(sheet.ward_id, []).append(sheet)
    result = []
    for ward_sheets in by_ward.values():
        for sheet in ward_sheets:
            later = [s for s in ward_sheets if s.fiscal_year > sheet.fiscal_year]
            past = any(
                s.phase != Sheet.Phase.PLANNING or s.fiscal_year > sheet.fiscal_year + 1 for s in later
            )
            if sheet.phase != Sheet.Phase.CLOSED and not past:
                result.append(sheet)
    return result


def working_sheet(sheets):
    """The sheet where the work is now: this year's in 実施中 before next year's in 計画."""
    candidates = open_sheets(sheets) or list(sheets)
    if not candidates:
        return None
    return min(candidates, key=lambda s: (s.phase != Sheet.Phase.IN_PROGRESS, -s.fiscal_year))


def _deadline(task: Task, sheet, today):
    if sheet.results_deadline is not None:
        task.deadline = sheet.results_deadline
        task.days_left = (sheet.results_deadline - today).days
        task.deadline_text = deadline_phrase(sheet.results_deadline, today)
    return task


def tasks_for(user, today=None) -> list[Task]:
    today = today or timezone.localdate()
    memberships = list(Membership.objects.active().filter(user_id=user.pk).select_related("department__ward"))
    ward_ids = {m.department.ward_id for m in memberships}
    sheets = list(Sheet.objects.filter(ward_id__in=ward_ids).select_related("ward").order_by("-fiscal_year"))
    open_ = {s.pk: s for s in open_sheets(sheets)}
    department_roles: dict[int, set] = {}
    for m in memberships:
        department_roles.setdefault(m.department_id, set()).add(m.role)
    reports = (
        DepartmentReport.objects.filter(sheet_id__in=open_, department_id__in=department_roles)
        .select_related("department")
        .annotate(
            goal_total=Count("department__goals", filter=Q(department__goals__sheet_id=F("sheet_id"))),
        )
        .order_by("department__order", "department__name")
        if open_ and department_roles
        else []
    )
    tasks: list[Task] = []
    for report in reports:
        sheet = open_[report.sheet_id]
        roles = department_roles[report.department_id]
        where = f"{report.department} {sheet.fiscal_year_label}"
        url = reverse("goals:report", args=[report.pk])
        if Membership.Role.EDITOR in roles:
            if sheet.phase == Sheet.Phase.IN_PROGRESS and report.status in NOT_SUBMITTED:
                title = (
                    "差し戻された実施結果を直して提出する"
                    if report.status == "returned"
                    else "実施結果と達成度を入力して提出する"
                )
                detail = f"{where}（現在の状況：{report.get_status_display()}、目標{report.goal_total}件）"
                tasks.append(_deadline(Task(title, detail, url), sheet, today))
            elif sheet.phase == Sheet.Phase.PLANNING:
                detail = f"{where}（計画の段階、目標{report.goal_total}件）"
                tasks.append(Task(f"{sheet.fiscal_year_label}の目標を書く", detail, url))
        if Membership.Role.APPROVER in roles and report.status == DepartmentReport.Status.AWAITING_APPROVAL:
            tasks.append(
                _deadline(Task("提出された実施結果を承認する", f"{where}（承認待ち）", url), sheet, today)
            )
    reviewed = {m.department.ward_id for m in memberships if m.role == Membership.Role.REVIEWER}
    review_sheets = [
        s for s in open_.values() if s.ward_id in reviewed and s.phase == Sheet.Phase.IN_PROGRESS
    ]
    if review_sheets:
        counts = (
            DepartmentReport.objects.filter(sheet__in=review_sheets)
            .values("sheet_id")
            .annotate(
                submitted=Count("pk", filter=Q(status=DepartmentReport.Status.SUBMITTED)),
                unsubmitted=Count("pk", filter=Q(status__in=DepartmentReport.before_submitted())),
            )
        )
        for row in counts:
            sheet = open_[row["sheet_id"]]
            board = reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])
            where = f"{sheet.ward} {sheet.fiscal_year_label}"
            if row["submitted"]:
                tasks.append(
                    Task(
                        "提出された実施結果を確認する",
                        f"{where}（確認待ち：{row['submitted']}部署）",
                        f"{board}?status=submitted",
                    )
                )
            if row["unsubmitted"]:
                tasks.append(
                    _deadline(
                        Task(
                            "未提出の部署を確かめる（催促）",
                            f"{where}（未提出：{row['unsubmitted']}部署）",
                            f"{board}?status=unsubmitted",
                        ),
                        sheet,
                        today,
                    )
                )
    tasks += _unanswered(user, open_, department_roles, reviewed)
    return sorted(tasks, key=lambda t: (t.days_left is None, t.days_left if t.days_left is not None else 0))


def _unanswered(user, open_, department_roles, reviewed) -> list[Task]:
    """Open threads whose last comment came from the other side: from outside the department for its
    members, from the department for the ward's reviewers. Two queries: the threads with their last
    writer, and those writers' memberships."""
    if not open_ or not (department_roles or reviewed):
        return []
    last = GoalComment.objects.filter(Q(pk=OuterRef("pk")) | Q(parent_id=OuterRef("pk"))).order_by(
        "-created_at", "-pk"
    )
    threads = list(
        GoalComment.objects.filter(parent=None, resolved_at=None, goal__sheet_id__in=open_)
        .filter(Q(goal__department_id__in=department_roles) | Q(goal__sheet__ward_id__in=reviewed))
        .annotate(
            last_author=Subquery(last.values("author_id")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
        .select_related("goal__department", "author")
        .order_by("last_at", "pk")
    )
    writers = {t.last_author for t in threads if t.last_author is not None}
    members = set(
        Membership.objects.active().filter(user_id__in=writers).values_list("user_id", "department_id")
    )
    tasks = []
    for thread in threads:
        goal, writer = thread.goal, thread.last_author
        if writer is None or writer == user.pk:
            continue
        from_department = (writer, goal.department_id) in members
        mine = goal.department_id in department_roles and not from_department
        to_review = open_[goal.sheet_id].ward_id in reviewed and from_department
        if not (mine or to_review):
            continue
        sheet = open_[goal.sheet_id]
        text = " ".join(thread.text.split())
        detail = (
            f"{goal.department} {sheet.fiscal_year_label} 目標{goal.number}"
            f"「{text[:30]}{'…' if len(text) > 30 else ''}」（{display_name(thread.author, absent='（不明）')}）"
        )
        url = reverse("goals:goal", args=[goal.pk]) + f"#thread-{thread.pk}"
        tasks.append(Task("未回答のコメントに返信する", detail, url))
    return tasks
