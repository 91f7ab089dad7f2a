"""Who may see and change what: one lookup per object type.

The rule is applied in the lookup, so an object outside a person's reach is
a 404 (its existence is not revealed). A person who may read an object but
not change it now gets a 403 with the reason in Japanese.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from departments.models import City, CityStaff, Department, Membership, Ward
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
    reviews = Membership.objects.active().filter(user_id=user.pk, role=Membership.Role.REVIEWER)
    return Ward.objects.filter(departments__memberships__in=reviews).distinct()


def _served_cities(user):
    """The ids of the cities a person serves as city staff, as a subquery.

    A filter across the city's staff (city__staff__user) joins every staff row
    of the city: each report or goal came back once per staff member, and with
    two of them a department page answered 500 (get() found two rows).
    """
    return CityStaff.objects.filter(user_id=user.pk).values("city_id")


def _reach(user) -> Q:
    """Departments a person belongs to today (any role), every department of a ward they review, and
    every department of the wards of a city they serve as city staff."""
    own = Department.objects.filter(memberships__in=Membership.objects.active().filter(user_id=user.pk))
    return (
        Q(department__in=own)
        | Q(sheet__ward__in=reviewed_wards(user))
        | Q(sheet__ward__city__in=_served_cities(user))
    )


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


NOT_A_COMMENTER = (
    "コメントを書けるのは、この部署の職員と区の取りまとめ担当だけです（市の区政推進担当は閲覧のみです）。"
)


def may_comment(user, goal: Goal) -> bool:
    """The goal's department (any role, today), the ward's reviewers and superusers; city staff only read."""
    if user.is_superuser or goal.sheet.ward.is_reviewed_by(user):
        return True
    return Membership.objects.active().filter(user_id=user.pk, department_id=goal.department_id).exists()


def goal_for_commenter(user, pk) -> Goal:
    """Writing on a goal's conversation: as may_comment, while its sheet is open; other readers 403."""
    goal = goal_for_reader(user, pk)
    if not may_comment(user, goal):
        raise PermissionDenied(NOT_A_COMMENTER)
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
    if not may_comment(user, comment.goal):
        raise PermissionDenied(NOT_A_COMMENTER)
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


NOT_A_STAFF_MANAGER = (
    "職員名簿と所属の管理は、区の取りまとめ担当（総務課）だけが行えます。"
    "異動や新しい職員は、取りまとめ担当に連絡してください。"
)


def ward_for_staff_manager(user, ward: str) -> Ward:
    """A ward's roster and memberships: its reviewers and superusers; its other members 403, others 404."""
    found = get_object_or_404(Ward.objects.for_user(user), name=ward)
    if not found.is_reviewed_by(user):
        raise PermissionDenied(NOT_A_STAFF_MANAGER)
    return found


def membership_for_staff_manager(user, ward: str, pk) -> tuple[Ward, Membership]:
    """One membership of a ward, for its staff managers; a membership of another ward is a 404."""
    found = ward_for_staff_manager(user, ward)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "department"), pk=pk, department__ward=found
    )
    return found, membership


def person_for_staff_manager(user, ward: str, pk):
    """A person with a membership (any date) in the ward; anyone else is a 404 to its staff managers.

    Administrators and people who also belong to another ward are managed by a superuser only:
    a ward must not be able to send their sign-in set-up mail.
    """
    from django.contrib.auth import get_user_model

    found = ward_for_staff_manager(user, ward)
    person = get_object_or_404(
        get_user_model().objects.filter(memberships__department__ward=found).distinct(), pk=pk
    )
    if not user.is_superuser and (
        person.is_superuser
        or person.is_staff
        or Membership.objects.filter(user=person).exclude(department__ward=found).exists()
    ):
        raise PermissionDenied(
            "この職員は管理者か、ほかの区にも所属しているため、システム管理者だけが設定メールを送れます。"
        )
    return found, person


def access_log_wards(user):
    """Wards whose access log a person may read: every one for a superuser, the wards they review.

    Anyone else who belongs to a ward gets 403; someone with no ward at all 404.
    """
    if user.is_superuser:
        return Ward.objects.all()
    wards = reviewed_wards(user)
    if not wards.exists():
        if not Ward.objects.for_user(user).exists():
            raise Http404("この画面はありません。")
        raise PermissionDenied(
            "アクセス記録は、区の取りまとめ担当（総務課）とシステム管理者だけが見られます。"
        )
    return wards


def readable_access_events(user, wards):
    """The log lines of the given wards: events about the ward, and those of its people (any date)."""
    from audit.models import AccessEvent

    events = AccessEvent.objects.select_related("ward")
    if user.is_superuser:
        return events
    people = Membership.objects.filter(department__ward__in=wards).values("user_id")
    return events.filter(Q(ward__in=wards) | Q(user_id__in=people))


# --- The city (区政推進) and the public ---------------------------------------------------------

NOT_CITY_STAFF = "この画面は、市の区政推進担当だけが使えます。"
# A department's results count once it handed them in; 差戻し is a draft again.
HANDED_IN = (DepartmentReport.Status.SUBMITTED, DepartmentReport.Status.CONFIRMED)


def staff_cities(user):
    """Cities whose every ward a person reads as city staff (区政推進); every city for a superuser."""
    if user.is_superuser:
        return City.objects.all()
    if not user.is_authenticated:
        return City.objects.none()
    return City.objects.filter(staff__user=user)


def city_for_staff(user, code: str) -> City:
    """The city board: the city's staff and superusers. A member of one of its wards gets 403
    (they know the city exists); anyone else 404."""
    city = City.objects.filter(code=code).first()
    if city is None or not (user.is_superuser or staff_cities(user).filter(pk=city.pk).exists()):
        if city is not None and Ward.objects.for_user(user).filter(city=city).exists():
            raise PermissionDenied(NOT_CITY_STAFF)
        raise Http404("この画面はありません。")
    return city


def may_publish(user, sheet: Sheet) -> bool:
    """公開 and its withdrawal: the ward's 取りまとめ (総務課) and superusers; city staff read only."""
    return sheet.ward.is_reviewed_by(user)


def departments_not_handed_in(sheet: Sheet) -> list[str]:
    """Departments with goals on the sheet whose results were not handed in (no 提出済み / 確認済み report)."""
    handed_in = DepartmentReport.objects.filter(sheet=sheet, status__in=HANDED_IN).values("department_id")
    pending = (
        Goal.objects.filter(sheet=sheet)
        .exclude(department_id__in=handed_in)
        .values_list("department__name", "department__order")
        .distinct()
        .order_by("department__order", "department__name")
    )
    return [name for name, _ in pending]


def public_sheets():
    """What anyone may read without signing in: published, 確定, and no department's draft on it.

    The phase and the drafts are checked again here, not only when publishing,
    so that a sheet changed afterwards in the admin never reaches the public.
    """
    handed_in = DepartmentReport.objects.filter(
        sheet=OuterRef("sheet"), department=OuterRef("department"), status__in=HANDED_IN
    )
    draft = Goal.objects.filter(sheet=OuterRef("pk")).filter(~Exists(handed_in))
    return (
        Sheet.objects.filter(published_at__isnull=False, phase=Sheet.Phase.CLOSED)
        .filter(~Exists(draft))
        .select_related("ward__city")
    )


def public_sheet(ward: str, year: int) -> Sheet:
    """A published sheet by ward name and fiscal year; anything else is 404 for everyone."""
    return get_object_or_404(public_sheets(), ward__name=ward, fiscal_year=year)


# --- Search ---------------------------------------------------------------------------------------


def searchable_goals(user):
    """Goals a person may find by search: exactly those whose goal page they may open (readable_goals).

    Every year counts: a department's members find its goals of every year, the ward's reviewers every
    goal of the ward, city staff every goal of their city's wards, superusers all. Not every sheet a
    ward member may print: the printed sheet hides drafts and conversations, and every hit links to
    the goal page with both.
    """
    return readable_goals(user)


def searchable_departments(user):
    """The departments whose goals a person may search, by the same reach as readable_goals but on
    the small departments table (the search form's choices; retired departments too: old years
    keep them)."""
    if user.is_superuser:
        return Department.objects.all()
    if not user.is_authenticated:
        return Department.objects.none()
    own = Membership.objects.active().filter(user_id=user.pk).values("department_id")
    return Department.objects.filter(
        Q(pk__in=own) | Q(ward__in=reviewed_wards(user)) | Q(ward__city__in=_served_cities(user))
    ).distinct()


def searchable_wards(user):
    """The wards of the departments a person may search, for the search form's choices."""
    if user.is_superuser:
        return Ward.objects.all()
    return Ward.objects.filter(pk__in=searchable_departments(user).values("ward_id"))


# --- Trends (達成度 per year) ----------------------------------------------------------------------


def ward_for_trends(user, ward: str) -> Ward:
    """A ward's 達成度 across years: its reviewers, its city's staff and superusers (who read every
    department of it); its other members 403, anyone else 404."""
    found = get_object_or_404(Ward.objects.for_user(user).select_related("city"), name=ward)
    if not (found.is_reviewed_by(user) or staff_cities(user).filter(wards=found).exists()):
        raise PermissionDenied(
            "区全体の達成度の推移は、区の取りまとめ担当（総務課）と市の区政推進担当だけが見られます。"
        )
    return found


def city_for_rollup(user, code: str) -> City:
    """The city's roll-up of every ward's sheet (page, PDF, workbook): as the city board, its staff
    and superusers; a member of one of its wards 403, anyone else 404."""
    return city_for_staff(user, code)
