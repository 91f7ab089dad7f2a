"""The 取組シート as a web page, a PDF and an Excel workbook, for the whole ward or one department.

Who may read: anyone who belongs to the sheet's ward (any role) and
superusers; everyone else gets 404, so the URL tells nothing about what exists.

Query parameters (page, PDF and workbook alike): `status=confirmed` keeps the
departments 総務課 has confirmed (確認済み); `department=<id>` (repeatable) on the
whole sheet's URLs keeps those departments. The PDF also takes `variant=pdfa`
(PDF/A-3a, for keeping as the record) or `variant=pdfua` (PDF/UA-1); without
it, settings.SHEET_PDF_VARIANT.
"""

from dataclasses import replace

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from goals import access
from goals.models import Sheet
from goals.overview.paging import page_number, paging
from goals.overview.sheet_pages import sheet_pages
from goals.sheet.layout import build_layout, departments_on
from goals.sheet.pdf_helper import PdfHelperFailed
from goals.views import downloads


def get_department_on_sheet(sheet: Sheet, department_id: int):
    """A department of the sheet's ward that has goals or a report on this sheet; else 404."""
    return get_object_or_404(departments_on(sheet), pk=department_id)


PDF_VARIANTS = {"pdfua": "pdf/ua-1", "pdfa": "pdf/a-3a"}


def _selection(request, sheet: Sheet) -> dict:
    """The departments and the confirmed-only filter asked for in the query string; 404 if unknown."""
    confirmed_only = request.GET.get("status") == "confirmed"
    ids = request.GET.getlist("department")
    if not ids:
        return {"confirmed_only": confirmed_only}
    if not all(i.isdigit() for i in ids):
        raise Http404
    departments = list(departments_on(sheet).filter(pk__in={int(i) for i in ids}))
    if len(departments) != len(set(ids)):
        raise Http404
    return {"departments": departments, "confirmed_only": confirmed_only}


def _variant(request) -> str | None:
    wanted = request.GET.get("variant")
    if wanted is None:
        return None
    if wanted not in PDF_VARIANTS:
        raise Http404
    return PDF_VARIANTS[wanted]


def _with_query(url: str, request, **extra) -> str:
    query = request.GET.copy()
    query.pop("variant", None)
    query.pop("page", None)  # the web page's pages: the documents are always whole
    for key, value in extra.items():
        query[key] = value
    return f"{url}?{query.urlencode()}" if query else url


def _paged_layout(request, sheet):
    """The layout of the page asked for, the links between pages (None when it fits on one) and
    what the pages hold, in words.

    The whole sheet (or its confirmed departments) comes a page of whole departments at a
    time; departments chosen by `department=` are shown together, as asked."""
    selection = _selection(request, sheet)
    pages = [] if "departments" in selection else sheet_pages(sheet, selection["confirmed_only"])
    number = page_number(request.GET, len(pages))
    if len(pages) <= 1:
        return build_layout(sheet, **selection), None, ""
    page = pages[number - 1]
    layout = build_layout(sheet, departments=page.departments, confirmed_only=selection["confirmed_only"])
    departments, goals = sum(len(p.departments) for p in pages), sum(p.goals for p in pages)
    summary = (
        f"{departments}部署・目標{goals}件を、部署の区切りで{len(pages)}ページに分けて表示しています。"
        "印刷や会議の資料には、シート全体の PDF または Excel をお使いください。"
    )
    # Still the whole sheet, not a selection of departments: its title names none.
    return replace(layout, department=""), paging(request.GET, number, [p.label for p in pages]), summary


@require_safe
def sheet(request, ward, year):
    sheet = access.sheet_for_reader(request.user, ward, year)
    layout, pages, summary = _paged_layout(request, sheet)
    args = (ward, year)
    links = {
        "pdf": _with_query(reverse("goals:sheet_pdf", args=args), request),
        "pdf_archive": _with_query(reverse("goals:sheet_pdf", args=args), request, variant="pdfa"),
        "xlsx": _with_query(reverse("goals:sheet_xlsx", args=args), request),
        "confirmed_only": None
        if layout.confirmed_only
        else _with_query(reverse("goals:sheet", args=args), request, status="confirmed"),
        "departments": [
            (part.name, reverse("goals:department_sheet", args=(*args, part.id)))
            for part in layout.departments
        ],
    }
    context = {"layout": layout, "links": links, "paging": pages, "paging_summary": summary}
    return render(request, "goals/sheet_print.html", context)


@require_safe
def sheet_pdf(request, ward, year):
    sheet = access.sheet_for_reader(request.user, ward, year)
    sheet_page = _with_query(reverse("goals:sheet", args=(ward, year)), request)
    return _pdf(request, sheet, _selection(request, sheet), sheet_page)


@require_safe
def sheet_xlsx(request, ward, year):
    sheet = access.sheet_for_reader(request.user, ward, year)
    return downloads.sheet_xlsx(request, sheet, _selection(request, sheet))


def _department_selection(request, ward, year, department_id) -> tuple[Sheet, dict]:
    sheet = access.sheet_for_reader(request.user, ward, year)
    confirmed_only = request.GET.get("status") == "confirmed"
    return sheet, {
        "department": get_department_on_sheet(sheet, department_id),
        "confirmed_only": confirmed_only,
    }


def _department_layout(request, ward, year, department_id):
    sheet, selection = _department_selection(request, ward, year, department_id)
    return build_layout(sheet, **selection)


@require_safe
def department_sheet(request, ward, year, department_id):
    layout = _department_layout(request, ward, year, department_id)
    args = (ward, year, department_id)
    links = {
        "pdf": _with_query(reverse("goals:department_sheet_pdf", args=args), request),
        "pdf_archive": _with_query(reverse("goals:department_sheet_pdf", args=args), request, variant="pdfa"),
        "xlsx": _with_query(reverse("goals:department_sheet_xlsx", args=args), request),
        "whole_sheet": reverse("goals:sheet", args=(ward, year)),
    }
    return render(request, "goals/sheet_print.html", {"layout": layout, "links": links})


@require_safe
def department_sheet_pdf(request, ward, year, department_id):
    sheet, selection = _department_selection(request, ward, year, department_id)
    return _pdf(
        request, sheet, selection, reverse("goals:department_sheet", args=(ward, year, department_id))
    )


@require_safe
def department_sheet_xlsx(request, ward, year, department_id):
    return downloads.sheet_xlsx(request, *_department_selection(request, ward, year, department_id))


def _pdf(request, sheet: Sheet, selection: dict, sheet_page: str):
    try:
        return downloads.sheet_pdf(request, sheet, selection, _variant(request))
    except PdfHelperFailed as error:
        messages.error(request, str(error))
        return redirect(sheet_page)
