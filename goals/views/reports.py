"""The department page (one department × one sheet) and the report's transitions."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from goals import access, workflow
from goals.forms import ReturnForm
from goals.history import report_history
from goals.models import DepartmentReport, Goal
from goals.workflow import WorkflowError


def _render(request, report, *, return_form=None, status=200):
    user = request.user
    goals = list(
        Goal.objects.filter(sheet=report.sheet, department=report.department)
        .select_related(
            "category", "achievement", "updated_by", "carried_from__achievement", "carried_from__sheet"
        )
        .order_by("order", "pk")
    )
    can_edit = report.department.is_edited_by(user)
    can_review = report.sheet.ward.is_reviewed_by(user)
    context = {
        "report": report,
        "sheet": report.sheet,
        "goals": goals,
        "incomplete": report.incomplete_goals(goals),
        "can_edit": can_edit,
        "can_review": can_review,
        "goals_locked": report.goals_locked_reason(),
        "results_locked": report.results_locked_reason(),
        "year_links": [
            (other.sheet.fiscal_year_label, reverse("goals:report", args=[other.pk]), other == report)
            for other in DepartmentReport.objects.filter(department=report.department)
            .select_related("sheet")
            .order_by("-sheet__fiscal_year")
        ],
        "history": report_history(report),
        "return_form": return_form or ReturnForm(),
    }
    return render(request, "goals/report_detail.html", context, status=status)


def report_detail(request, pk):
    """A department's goals for a sheet: what the department writes and the reviewer reads."""
    return _render(request, access.report_for_reader(request.user, pk))


@require_POST
def report_submit(request, pk):
    report = access.report_for_result_editor(request.user, pk)
    try:
        workflow.submit(report, by=request.user)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "実施結果を提出しました。総務課の取りまとめ担当に通知しました。")
    return redirect("goals:report", pk=report.pk)


@require_POST
def report_return(request, pk):
    report = access.report_for_reviewer(request.user, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _render(request, report, return_form=form, status=400)
    try:
        workflow.return_to_department(report, by=request.user, reason=form.cleaned_data["reason"])
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
