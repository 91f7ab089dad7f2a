"""Carrying a ward's sheet into the next fiscal year (confirmation page, then POST)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from goals import access
from goals.carry_forward import CarryForwardRefused, carry_into_next_year, plan_next_year


@require_http_methods(["GET", "POST"])
def carry_forward(request, ward, year):
    sheet = access.sheet_for_importer(request.user, ward, year)
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
