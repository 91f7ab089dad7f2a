"""The 取組シート as a web page, a PDF and an Excel workbook, for the whole ward or one department.

Who may read: anyone who belongs to the sheet's ward (any role) and
superusers; everyone else gets 404, so the URL tells nothing about what exists.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from goals import access
from goals.models import Sheet
from goals.sheet.layout import build_layout, departments_on
from goals.sheet.pdf_helper import PdfHelperFailed, render_pdf
from goals.sheet.workbook import CONTENT_TYPE as XLSX_CONTENT_TYPE
from goals.sheet.workbook import render_xlsx


def get_department_on_sheet(sheet: Sheet, department_id: int):
    """A department of the sheet's ward that has goals or a report on this sheet; else 404."""
    return get_object_or_404(departments_on(sheet), pk=department_id)


@require_safe
def sheet(request, ward, year):
    sheet = access.sheet_for_reader(request.user, ward, year)
    layout = build_layout(sheet)
    args = (ward, year)
    links = {
        "pdf": reverse("goals:sheet_pdf", args=args),
        "xlsx": reverse("goals:sheet_xlsx", args=args),
        "departments": [
            (part.name, reverse("goals:department_sheet", args=(*args, part.id)))
            for part in layout.departments
        ],
    }
    return render(request, "goals/sheet_print.html", {"layout": layout, "links": links})


@require_safe
def sheet_pdf(request, ward, year):
    layout = build_layout(access.sheet_for_reader(request.user, ward, year))
    return _pdf(request, layout, reverse("goals:sheet", args=(ward, year)))


@require_safe
def sheet_xlsx(request, ward, year):
    return _xlsx(build_layout(access.sheet_for_reader(request.user, ward, year)))


@require_safe
def department_sheet(request, ward, year, department_id):
    sheet = access.sheet_for_reader(request.user, ward, year)
    layout = build_layout(sheet, get_department_on_sheet(sheet, department_id))
    args = (ward, year, department_id)
    links = {
        "pdf": reverse("goals:department_sheet_pdf", args=args),
        "xlsx": reverse("goals:department_sheet_xlsx", args=args),
        "whole_sheet": reverse("goals:sheet", args=(ward, year)),
    }
    return render(request, "goals/sheet_print.html", {"layout": layout, "links": links})


@require_safe
def department_sheet_pdf(request, ward, year, department_id):
    sheet = access.sheet_for_reader(request.user, ward, year)
    layout = build_layout(sheet, get_department_on_sheet(sheet, department_id))
    return _pdf(request, layout, reverse("goals:department_sheet", args=(ward, year, department_id)))


@require_safe
def department_sheet_xlsx(request, ward, year, department_id):
    sheet = access.sheet_for_reader(request.user, ward, year)
    return _xlsx(build_layout(sheet, get_department_on_sheet(sheet, department_id)))


def _pdf(request, layout, sheet_page: str):
    try:
        content = render_pdf(layout)
    except PdfHelperFailed as error:
        messages.error(request, str(error))
        return redirect(sheet_page)
    return _download(content, "application/pdf", layout.filename("pdf"))


def _xlsx(layout):
    return _download(render_xlsx(layout), XLSX_CONTENT_TYPE, layout.filename("xlsx"))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
