"""The ward board (取りまとめ): every department's status, the tally, the sheet's phase."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goals import access, workflow
from goals.board import board, status_counts
from goals.forms import AdvanceForm, DeadlineForm, ReopenForm, StatusFilterForm
from goals.history import sheet_history
from goals.models import DepartmentReport, Sheet
from goals.workflow import WorkflowError


def _render(request, sheet, status=200, **forms):
    rows, tally = board(sheet)
    counts = status_counts(rows)
    status_form = StatusFilterForm(request.GET or None, choices=DepartmentReport.Status.choices)
    chosen = status_form.cleaned_data["status"] if status_form.is_valid() else ""
    shown = [r for r in rows if r.report.status == chosen] if chosen else rows
    context = {
        "sheet": sheet,
        "rows": shown,
        "all_rows": rows,
        "tally": tally,
        "tally_total": sum(bar.count for bar in tally),
        "tally_height": 28 * len(tally),
        "status_counts": counts,
        "status_form": status_form,
        "chosen_status": dict(DepartmentReport.Status.choices).get(chosen, ""),
        "other_sheets": Sheet.objects.filter(ward=sheet.ward).order_by("-fiscal_year"),
        "history": sheet_history(sheet),
        "advance_form": forms.get("advance_form") or AdvanceForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "deadline_form": forms.get("deadline_form")
        or DeadlineForm(initial={"results_deadline": sheet.results_deadline}),
        "unconfirmed": sum(1 for r in rows if r.report.status != DepartmentReport.Status.CONFIRMED),
    }
    return render(request, "goals/board.html", context, status=status)


def ward_board(request, ward, year):
    """Every department of the ward for one sheet; only the ward's reviewers."""
    return _render(request, access.sheet_for_reviewer(request.user, ward, year))


def _back(sheet):
    return redirect("goals:board", ward=sheet.ward.name, year=sheet.fiscal_year)


def _sheet_action(request, ward, year, form_class, form_name, act, error_field=lambda sheet: None):
    """One reviewer action from the board's forms: back to the board with a message when it is
    done, or the board again (400) with the form's errors when it is refused."""
    sheet = access.sheet_for_reviewer(request.user, ward, year)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            done = act(sheet, form.cleaned_data)
        except WorkflowError as error:
            form.add_error(error_field(sheet), error.message)
        else:
            messages.success(request, done)
            return _back(sheet)
    return _render(request, sheet, status=400, **{form_name: form})


@require_POST
def board_advance(request, ward, year):
    def advance(sheet, data):
        workflow.advance(sheet, by=request.user, override_reason=data["override_reason"])
        return f"{sheet.title}を「{sheet.get_phase_display()}」に進めました。"

    def refused_field(sheet):
        # 確定 is refused for want of a reason: the message belongs to the reason field.
        return "override_reason" if sheet.phase == Sheet.Phase.IN_PROGRESS else None

    return _sheet_action(request, ward, year, AdvanceForm, "advance_form", advance, refused_field)


@require_POST
def board_reopen(request, ward, year):
    def reopen(sheet, data):
        workflow.reopen(sheet, by=request.user, reason=data["reason"])
        return f"{sheet.title}を「{sheet.get_phase_display()}」に戻しました。"

    return _sheet_action(request, ward, year, ReopenForm, "reopen_form", reopen)


@require_POST
def board_deadline(request, ward, year):
    def set_deadline(sheet, data):
        workflow.set_results_deadline(sheet, by=request.user, deadline=data["results_deadline"])
        return "実施結果の提出期限を保存しました。"

    return _sheet_action(
        request, ward, year, DeadlineForm, "deadline_form", set_deadline, lambda sheet: "results_deadline"
    )
