"""Carrying a ward's sheet into the next fiscal year (confirmation page, then POST)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from goals.carry_forward import CarryForwardRefused, carry_into_next_year, plan_next_year
from goals.models import Sheet
from goals.views.imports import reviewer_only


def _sheet(request, ward, year):
    """The sheet of a ward the person belongs to (404 otherwise); whether they review it is checked after."""
    return get_object_or_404(
        Sheet.objects.for_user(request.user).select_related("ward"), ward__name=ward, fiscal_year=year
    )


@require_http_methods(["GET", "POST"])
def carry_forward(request, ward, year):
    sheet = _sheet(request, ward, year)
    if not sheet.ward.is_reviewed_by(request.user):
        raise reviewer_only(sheet.ward)
    if request.method == "POST":
        try:
            plan = carry_into_next_year(sheet, by=request.user)
        except CarryForwardRefused as refused:
            messages.error(request, f"{refused} 何も書き込んでいません。")
        else:
            if plan.already_done:
                messages.info(request, plan.summary())
            else:
                messages.success(
                    request,
                    f"{plan.target_label}の取組シートに、部署{len(plan.new_reports)}・目標{len(plan.new_goals)}件・"
                    f"方針{len(plan.new_policies)}件を引き継ぎました。",
                )
        return redirect("goals:carry_forward", ward=sheet.ward.name, year=sheet.fiscal_year)
    return render(request, "goals/carry_forward.html", {"sheet": sheet, "plan": plan_next_year(sheet)})
