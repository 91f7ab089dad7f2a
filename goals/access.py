"""Who may see and change what: one lookup per object type.

The rule is applied in the lookup, so an object outside a person's reach is
a 404 (its existence is not revealed). A person who may read an object but
not change it now gets a 403 with the reason in Japanese.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from departments.models import Department, Membership, Ward
from goals.models import DepartmentReport, Goal, Sheet

NOT_AN_EDITOR = (
    "部署の目標と実施結果は、その部署の入力担当だけが編集できます。"
    "取りまとめ担当は内容を確認し、「確認」または「差戻し」を行えます。"
)
NOT_A_REVIEWER = "この画面は、区の取りまとめ担当（総務課）だけが使えます。"


def _reach(user) -> Q:
    """Departments a person belongs to (any role), and every department of a ward they review."""
    own = Department.objects.filter(memberships__user=user)
    reviewed = Ward.objects.filter(
        departments__memberships__user=user, departments__memberships__role=Membership.Role.REVIEWER
    )
    return Q(department__in=own) | Q(sheet__ward__in=reviewed)


def readable_reports(user):
    """Reports a person may read: their own departments', every one of a ward they review; all for a superuser."""
    reports = DepartmentReport.objects.select_related("sheet__ward", "department", "status_changed_by")
    if user.is_superuser:
        return reports
    if not user.is_authenticated:
        return reports.none()
    return reports.filter(_reach(user))


def readable_goals(user):
    """Goals a person may read: the same reach as readable_reports."""
    goals = Goal.objects.select_related("sheet__ward", "department", "category", "achievement", "updated_by")
    if user.is_superuser:
        return goals
    if not user.is_authenticated:
        return goals.none()
    return goals.filter(_reach(user))


def report_for_reader(user, pk) -> DepartmentReport:
    """A department page: its members and the ward's reviewers; others get 404."""
    return get_object_or_404(readable_reports(user), pk=pk)


def report_for_editor(user, pk, *, purpose: str) -> DepartmentReport:
    """Changing a department's goals ("goals") or results ("results"): its 入力担当 while unlocked.

    Readers who are not editors (reviewers) and any locked situation get 403 with the reason.
    """
    report = report_for_reader(user, pk)
    if not report.department.is_edited_by(user):
        raise PermissionDenied(NOT_AN_EDITOR)
    reason = report.goals_locked_reason() if purpose == "goals" else report.results_locked_reason()
    if reason:
        raise PermissionDenied(reason)
    return report


def goal_for_reader(user, pk) -> Goal:
    """A goal page: the department's members and the ward's reviewers; others get 404."""
    return get_object_or_404(readable_goals(user), pk=pk)


def goal_for_editor(user, pk, *, purpose: str) -> tuple[Goal, DepartmentReport]:
    """Changing a goal ("goals": number, 区分, text, order; "results": 実施結果, 達成度): as report_for_editor."""
    goal = goal_for_reader(user, pk)
    if not goal.department.is_edited_by(user):
        raise PermissionDenied(NOT_AN_EDITOR)
    # A goal loaded without its report (an import) is judged as a fresh report; no write on a GET.
    report = DepartmentReport.objects.filter(sheet=goal.sheet, department=goal.department).first()
    report = report or DepartmentReport(sheet=goal.sheet, department=goal.department)
    reason = report.goals_locked_reason() if purpose == "goals" else report.results_locked_reason()
    if reason:
        raise PermissionDenied(reason)
    return goal, report


def report_for_reviewer(user, pk) -> DepartmentReport:
    """確認 / 差戻し: the ward's reviewers (and superusers); a department's own editors get 403."""
    report = report_for_reader(user, pk)
    if not report.sheet.ward.is_reviewed_by(user):
        raise PermissionDenied("確認と差戻しは、区の取りまとめ担当（総務課）だけが行えます。")
    return report


def sheet_for_reviewer(user, ward: str, year: int) -> Sheet:
    """The ward board and phase changes: the ward's reviewers; its editors 403, other wards 404."""
    sheet = get_object_or_404(
        Sheet.objects.for_user(user).select_related("ward"), ward__name=ward, fiscal_year=year
    )
    if not sheet.ward.is_reviewed_by(user):
        raise PermissionDenied(NOT_A_REVIEWER)
    return sheet
