"""Who may see and change what: one lookup per object type.

The rule is applied in the lookup, so an object outside a person's reach is
a 404 (its existence is not revealed). A person who may read an object but
not change it now gets a 403 with the reason in Japanese.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from departments.models import Department, Membership, Ward
from goals.models import DepartmentReport, Goal, GoalComment, Sheet

NOT_AN_EDITOR = (
    "部署の目標と実施結果は、その部署の入力担当だけが編集できます。"
    "取りまとめ担当は内容を確認し、「確認」または「差戻し」を行えます。"
)
NOT_A_REVIEWER = "この画面は、区の取りまとめ担当（総務課）だけが使えます。"


def reviewed_wards(user):
    """Wards a person reviews (取りまとめ in any of its departments); every ward for a superuser."""
    if user.is_superuser:
        return Ward.objects.all()
    if not user.is_authenticated:
        return Ward.objects.none()
    return Ward.objects.filter(
        departments__memberships__user=user, departments__memberships__role=Membership.Role.REVIEWER
    ).distinct()


def _reach(user) -> Q:
    """Departments a person belongs to (any role), and every department of a ward they review."""
    own = Department.objects.filter(memberships__user=user)
    return Q(department__in=own) | Q(sheet__ward__in=reviewed_wards(user))


def readable_reports(user):
    """Reports a person may read: their own departments', every one of a ward they review; all for a superuser."""
    reports = DepartmentReport.objects.select_related(
        "sheet__ward", "department", "status_changed_by", "submitted_by", "approved_by", "confirmed_by"
    )
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


def _editable(report: DepartmentReport, user, locked_reason) -> DepartmentReport:
    if not report.department.is_edited_by(user):
        raise PermissionDenied(NOT_AN_EDITOR)
    if reason := locked_reason(report):
        raise PermissionDenied(reason)
    return report


def report_for_goal_editor(user, pk) -> DepartmentReport:
    """Writing a department's goals (計画): its 入力担当 while the goals are open; readers get 403."""
    return _editable(report_for_reader(user, pk), user, DepartmentReport.goals_locked_reason)


def report_for_result_editor(user, pk) -> DepartmentReport:
    """Entering and submitting a department's results (実施中): its 入力担当 while results are open."""
    return _editable(report_for_reader(user, pk), user, DepartmentReport.results_locked_reason)


def goal_for_reader(user, pk) -> Goal:
    """A goal page: the department's members and the ward's reviewers; others get 404."""
    return get_object_or_404(readable_goals(user), pk=pk)


def _report_of(goal: Goal) -> DepartmentReport:
    """The goal's report; a goal loaded without one (an import) is judged as a fresh report, unsaved."""
    report = DepartmentReport.objects.filter(sheet=goal.sheet, department=goal.department).first()
    report = report or DepartmentReport(sheet=goal.sheet, department=goal.department)
    report.sheet = goal.sheet
    return report


def goal_for_plan_editor(user, pk) -> tuple[Goal, DepartmentReport]:
    """Changing a goal's number, 区分, text or order (計画): as report_for_goal_editor."""
    goal = goal_for_reader(user, pk)
    return goal, _editable(_report_of(goal), user, DepartmentReport.goals_locked_reason)


def goal_for_result_editor(user, pk) -> tuple[Goal, DepartmentReport]:
    """Entering a goal's 実施結果 and 達成度 (実施中): as report_for_result_editor."""
    goal = goal_for_reader(user, pk)
    return goal, _editable(_report_of(goal), user, DepartmentReport.results_locked_reason)


def goal_for_commenter(user, pk) -> Goal:
    """Writing on a goal's conversation: everyone who reads the goal, while its sheet is open."""
    goal = goal_for_reader(user, pk)
    if reason := goal.sheet.locked_reason():
        raise PermissionDenied(reason)
    return goal


def comment_for_commenter(user, pk) -> GoalComment:
    """A comment of a goal the person may comment on; others get 404, a locked sheet 403."""
    comment = get_object_or_404(
        GoalComment.objects.select_related("goal__sheet__ward", "goal__department", "parent"),
        pk=pk,
        goal__in=readable_goals(user),
    )
    if reason := comment.goal.sheet.locked_reason():
        raise PermissionDenied(reason)
    return comment


@dataclass(frozen=True)
class GoalActions:
    """What a reader of a goal may do with it now, by the same rules as the editor lookups."""

    report: DepartmentReport
    can_plan: bool
    can_result: bool


def goal_actions(user, goal: Goal) -> GoalActions:
    report = _report_of(goal)
    if not goal.department.is_edited_by(user):
        return GoalActions(report, can_plan=False, can_result=False)
    return GoalActions(
        report,
        can_plan=report.goals_locked_reason() is None,
        can_result=report.results_locked_reason() is None,
    )


def report_for_reviewer(user, pk) -> DepartmentReport:
    """確認 / 差戻し: the ward's reviewers (and superusers); a department's own editors get 403."""
    report = report_for_reader(user, pk)
    if not report.sheet.ward.is_reviewed_by(user):
        raise PermissionDenied("確認と差戻しは、区の取りまとめ担当（総務課）だけが行えます。")
    return report


def report_for_approver(user, pk) -> DepartmentReport:
    """承認 / 承認者の差戻し: the department's 承認者 (and superusers); its editors and 総務課 get 403."""
    report = report_for_reader(user, pk)
    if not report.department.is_approved_by(user):
        raise PermissionDenied("承認と承認者の差戻しは、この部署の承認者（課長）だけが行えます。")
    if reason := report.sheet.locked_reason():
        raise PermissionDenied(reason)
    return report


def sheet_for_reader(user, ward: str, year: int) -> Sheet:
    """A ward's sheet of a fiscal year: anyone who belongs to the ward (any role) and superusers; else 404."""
    return get_object_or_404(
        Sheet.objects.for_user(user).select_related("ward"), ward__name=ward, fiscal_year=year
    )


def sheet_for_reviewer(user, ward: str, year: int) -> Sheet:
    """The ward board and phase changes: the ward's reviewers; its editors 403, other wards 404."""
    sheet = sheet_for_reader(user, ward, year)
    if not sheet.ward.is_reviewed_by(user):
        raise PermissionDenied(NOT_A_REVIEWER)
    return sheet


def not_an_importer(ward=None) -> PermissionDenied:
    """403 for a member of the ward who does not review it: they may read, not import or carry forward."""
    whose = f"{ward}の" if ward else ""
    return PermissionDenied(
        f"取組シートの読み込みと次年度への引き継ぎは、{whose}取りまとめ担当（総務課など）だけが行えます。"
        "必要な場合は、取りまとめ担当に依頼してください。"
    )


def sheet_for_importer(user, ward: str, year: int) -> Sheet:
    """Carrying a sheet forward: the ward's reviewers; its other members 403, other wards 404."""
    sheet = sheet_for_reader(user, ward, year)
    if not sheet.ward.is_reviewed_by(user):
        raise not_an_importer(sheet.ward)
    return sheet


def importable_wards(user):
    """Wards a person may import sheets into. Outsiders (no ward at all) get 404, other members 403."""
    wards = reviewed_wards(user)
    if not wards.exists():
        if not Ward.objects.for_user(user).exists():
            raise Http404("この画面はありません。")
        raise not_an_importer()
    return wards
