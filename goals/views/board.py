"""The ward board (取りまとめ): every department's status, the tally, the sheet's phase."""

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from goals import access, workflow
from goals.forms import AdvanceForm, DeadlineForm, ReopenForm, SelectedReportsForm, StatusFilterForm
from goals.history import sheet_history
from goals.models import DepartmentReport, Sheet
from goals.overview.board import UNSUBMITTED, board, board_index, filter_choices, filtered, status_counts
from goals.overview.paging import chunks, page_number, paging
from goals.workflow import WorkflowError

# Departments per page of the board: a ward of ordinary size stays on one page.
BOARD_PAGE = 50


def _render(request, sheet, status=200, **forms):
    index = board_index(sheet)
    status_form = StatusFilterForm(request.GET or None, choices=filter_choices())
    chosen = status_form.cleaned_data["status"] if status_form.is_valid() else []
    shown = filtered(index, chosen)
    pages = chunks(shown, BOARD_PAGE)
    number = page_number(request.GET, len(pages))
    # Rows (the costly part) only for the page shown; counts and the tally are the whole ward's.
    rows, tally = board(sheet, [entry.report_id for entry in pages[number - 1]])
    for row in rows:
        row.url = reverse("goals:report", args=[row.report.pk])
    labels = dict(filter_choices())
    context = {
        "unsubmitted_count": len(filtered(index, [UNSUBMITTED])),
        "unsubmitted": UNSUBMITTED,
        "sheet": sheet,
        "rows": rows,
        "shown_count": len(shown),
        "paging_summary": f"{len(shown)}部署を{BOARD_PAGE}部署ずつ{len(pages)}ページに分けて表示しています。",
        "paging": paging(request.GET, number, [_range(page) for page in pages]) if len(pages) > 1 else None,
        "department_count": len(index),
        "tally": tally,
        "tally_total": sum(bar.count for bar in tally),
        "tally_height": 28 * len(tally),
        "status_counts": status_counts(index),
        "status_form": status_form,
        "chosen_status": "・".join(labels[value] for value in chosen),
        "chosen_values": chosen,
        "year_links": [
            (
                other.fiscal_year_label,
                reverse("goals:board", args=[sheet.ward.name, other.fiscal_year]),
                other == sheet,
            )
            for other in Sheet.objects.filter(ward=sheet.ward).order_by("-fiscal_year")
        ],
        "history": sheet_history(sheet),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "deadline_form": forms.get("deadline_form")
        or DeadlineForm(initial={"results_deadline": sheet.results_deadline}),
        "unconfirmed": sum(1 for e in index if e.status != DepartmentReport.Status.CONFIRMED),
    }
    return render(request, "goals/board.html", context, status=status)


def _range(entries) -> str:
    first, last = entries[0].department, entries[-1].department
    return first if first == last else f"{first}〜{last}"


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


def _render_advance(request, sheet, form, status=200):
    pending = (
        sheet.reports.exclude(status=DepartmentReport.Status.CONFIRMED)
        .select_related("department")
        .order_by("department__order", "department__name")
    )
    context = {"sheet": sheet, "advance_form": form, "pending": list(pending)}
    return render(request, "goals/board_confirm_advance.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def board_advance(request, ward, year):
    """The next phase, asked first on a page of its own (GET), done on POST; a refusal stays on it."""
    sheet = access.sheet_for_reviewer(request.user, ward, year)
    if sheet.phase == Sheet.Phase.CLOSED:
        raise PermissionDenied("この取組シートは既に確定しています。")
    if request.method != "POST":
        return _render_advance(request, sheet, AdvanceForm())
    form = AdvanceForm(request.POST)
    if form.is_valid():
        try:
            workflow.advance(sheet, by=request.user, override_reason=form.cleaned_data["override_reason"])
        except WorkflowError as error:
            # 確定 is refused for want of a reason: the message belongs to the reason field.
            field = "override_reason" if sheet.phase == Sheet.Phase.IN_PROGRESS else None
            form.add_error(field, error.message)
        else:
            messages.success(request, f"{sheet.title}を「{sheet.get_phase_display()}」に進めました。")
            return _back(sheet)
    return _render_advance(request, sheet, form, status=400)


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


def _back_filtered(sheet, post):
    """Back to the board with the filter the person was looking at (only known statuses kept)."""
    known = dict(filter_choices())
    chosen = [value for value in post.getlist("status") if value in known]
    url = reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])
    return redirect(f"{url}?{urlencode({'status': chosen}, doseq=True)}" if chosen else url)


@require_POST
def board_selected(request, ward, year):
    """Confirm or remind the departments chosen on the board in one action; each refusal is named."""
    sheet = access.sheet_for_reviewer(request.user, ward, year)
    _back = partial(_back_filtered, post=request.POST)
    form = SelectedReportsForm(request.POST, report_ids=list(sheet.reports.values_list("pk", flat=True)))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(sheet)
    data = form.cleaned_data
    try:
        if data["action"] == "confirm":
            outcome = workflow.confirm_many(sheet, data["reports"], by=request.user)
            done = "確認済みにしました"
        else:
            outcome = workflow.remind_many(sheet, data["reports"], by=request.user, force=data["force"])
            done = "催促のメールを送りました"
    except WorkflowError as error:
        messages.error(request, error.message)
        return _back(sheet)
    if outcome.done:
        names = "、".join(r.department.name for r in outcome.done)
        messages.success(
            request,
            f"{len(outcome.done)}部署を{done}：{names}"
            if data["action"] == "confirm"
            else f"{len(outcome.done)}部署に{done}：{names}",
        )
    for report, reason in outcome.refused:
        messages.error(request, f"{report.department}：{reason}")
    return _back(sheet)
