"""The department page (one department × one sheet) and the report's transitions."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from goals import access, workflow
from goals.forms import ReturnForm
from goals.history import report_history
from goals.mail.notifications import department_approvers
from goals.models import DepartmentReport, Goal, GoalComment
from goals.workflow import WorkflowError


def _render(request, report, *, return_form=None, send_back_form=None, status=200):
    user = request.user
    goals = list(
        Goal.objects.filter(sheet=report.sheet, department=report.department)
        .select_related(
            "category", "achievement", "updated_by", "carried_from__achievement", "carried_from__sheet"
        )
        .order_by("order", "pk")
    )
    open_threads = dict(
        GoalComment.objects.filter(
            goal__sheet=report.sheet, goal__department=report.department, parent=None, resolved_at=None
        )
        .values_list("goal_id")
        .annotate(n=Count("pk"))
    )
    for goal in goals:
        goal.open_threads = open_threads.get(goal.pk, 0)
    returned_ids = (
        set(report.return_goals.values_list("pk", flat=True))
        if report.status == DepartmentReport.Status.RETURNED
        else set()
    )
    can_edit = report.department.is_edited_by(user)
    can_review = report.sheet.ward.is_reviewed_by(user)
    can_approve = report.department.is_approved_by(user)
    context = {
        "report": report,
        "sheet": report.sheet,
        "goals": goals,
        "incomplete": report.incomplete_goals(goals),
        "open_threads": sum(open_threads.values()),
        "can_edit": can_edit,
        "can_review": can_review,
        "can_approve": can_approve,
        "send_back_form": send_back_form or ReturnForm(prefix="send_back", goals=goals),
        "returned_goals": [g for g in goals if g.pk in returned_ids],
        "goals_locked": report.goals_locked_reason(),
        "results_locked": report.results_locked_reason(),
        "year_links": [
            (other.sheet.fiscal_year_label, reverse("goals:report", args=[other.pk]), other == report)
            for other in DepartmentReport.objects.filter(department=report.department)
            .select_related("sheet")
            .order_by("-sheet__fiscal_year")
        ],
        "history": report_history(report),
        "return_form": return_form or ReturnForm(goals=goals),
    }
    return render(request, "goals/report_detail.html", context, status=status)


def _goals(report):
    """The department's goals on the sheet: what a return may point at."""
    return list(Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order", "pk"))


def report_detail(request, pk):
    """A department's goals for a sheet: what the department writes and the reviewer reads."""
    return _render(request, access.report_for_reader(request.user, pk))


@require_http_methods(["GET", "HEAD", "POST"])
def report_submit(request, pk):
    """Asks first on a page of its own (GET: what is sent, to whom, what follows), submits on POST."""
    report = access.report_for_result_editor(request.user, pk)
    if request.method != "POST":
        goals = list(
            Goal.objects.filter(sheet=report.sheet, department=report.department)
            .select_related("category", "achievement")
            .order_by("order", "pk")
        )
        context = {
            "report": report,
            "sheet": report.sheet,
            "goals": goals,
            "incomplete": report.incomplete_goals(goals),
            "approvers": list(department_approvers(report.department)),
        }
        return render(request, "goals/report_confirm_submit.html", context)
    try:
        submitted = workflow.submit(report, by=request.user)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        if submitted.status == DepartmentReport.Status.AWAITING_APPROVAL:
            messages.success(request, "実施結果を提出しました。部署の承認者（課長）に承認を依頼しました。")
        else:
            messages.success(request, "実施結果を提出しました。総務課の取りまとめ担当に通知しました。")
    return redirect("goals:report", pk=report.pk)


@require_POST
def report_return(request, pk):
    report = access.report_for_reviewer(request.user, pk)
    form = ReturnForm(request.POST, goals=_goals(report))
    if not form.is_valid():
        return _render(request, report, return_form=form, status=400)
    try:
        workflow.return_to_department(
            report, by=request.user, reason=form.cleaned_data["reason"], goals=form.cleaned_data["goals"]
        )
    except WorkflowError as error:
        messages.error(request, error.message)
        return redirect("goals:report", pk=report.pk)
    messages.success(request, f"{report.department}に差し戻しました。部署の入力担当に通知しました。")
    return redirect("goals:board", ward=report.sheet.ward.name, year=report.sheet.fiscal_year)


@require_POST
def report_confirm(request, pk):
    report = access.report_for_reviewer(request.user, pk)
    try:
        workflow.confirm(report, by=request.user)
    except WorkflowError as error:
        messages.error(request, error.message)
        return redirect("goals:report", pk=report.pk)
    messages.success(request, f"{report.department}の実施結果を確認済みにしました。")
    return redirect("goals:board", ward=report.sheet.ward.name, year=report.sheet.fiscal_year)


@require_POST
def report_approve(request, pk):
    report = access.report_for_approver(request.user, pk)
    try:
        workflow.approve(report, by=request.user)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{report.department}の実施結果を承認しました。総務課の取りまとめ担当に通知しました。"
        )
    return redirect("goals:report", pk=report.pk)


@require_POST
def report_send_back(request, pk):
    report = access.report_for_approver(request.user, pk)
    form = ReturnForm(request.POST, prefix="send_back", goals=_goals(report))
    if not form.is_valid():
        return _render(request, report, send_back_form=form, status=400)
    try:
        workflow.send_back(
            report, by=request.user, reason=form.cleaned_data["reason"], goals=form.cleaned_data["goals"]
        )
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{report.department}の入力担当に差し戻しました。メールで通知しました。")
    return redirect("goals:report", pk=report.pk)
