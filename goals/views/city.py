"""The city board (区政推進): every ward of a city for a fiscal year, read only."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from goals import access
from goals.lib.wareki import fiscal_year_label
from goals.models import Sheet
from goals.overview.board import board, status_counts
from goals.overview.city import city_board, city_years
from goals.sheet.pdf_helper import PdfHelperFailed, render_rollup_pdf
from goals.sheet.rollup import build_city_layout, render_rollup_xlsx
from goals.sheet.workbook import CONTENT_TYPE as XLSX_CONTENT_TYPE


@require_safe
def city(request, code, year):
    """Each ward's phase, departments submitted / confirmed, deadline and 達成度 tally."""
    city = access.city_for_staff(request.user, code)
    years = city_years(city)
    if year not in years:
        raise Http404("この年度の取組シートはありません。")
    rows, total = city_board(city, year)
    context = {
        "city": city,
        "year": year,
        "year_label": fiscal_year_label(year),
        "rows": rows,
        "total": total,
        "level_labels": [level.label for level in total],
        "year_links": [
            (fiscal_year_label(y), reverse("goals:city", args=[city.code, y]), y == year) for y in years
        ],
    }
    return render(request, "goals/city/board.html", context)


@require_safe
def city_ward(request, code, year, ward):
    """One ward's board as the city sees it: every department's status and tally, no action."""
    city = access.city_for_staff(request.user, code)
    sheet = get_object_or_404(
        Sheet.objects.select_related("ward"), ward__city=city, ward__name=ward, fiscal_year=year
    )
    rows, tally = board(sheet)
    context = {
        "city": city,
        "sheet": sheet,
        "rows": rows,
        "tally": tally,
        "status_counts": status_counts(rows),
    }
    return render(request, "goals/city/ward.html", context)


def _rollup(request, code, year, *, sheets: bool):
    city = access.city_for_rollup(request.user, code)
    rollup = build_city_layout(city, year, sheets=sheets)
    if not rollup.summary.rows:
        raise Http404("この年度の取組シートはありません。")
    return city, rollup


@require_safe
def city_rollup(request, code, year):
    """Every ward's sheet of the year at once: the summary table, links to each sheet, the downloads."""
    city, rollup = _rollup(request, code, year, sheets=False)
    return render(request, "goals/city/rollup.html", {"city": city, "year": year, "rollup": rollup})


@require_safe
def city_rollup_pdf(request, code, year):
    city, rollup = _rollup(request, code, year, sheets=True)
    try:
        content = render_rollup_pdf(rollup)
    except PdfHelperFailed as error:
        messages.error(request, str(error))
        return redirect("goals:city_rollup", city.code, year)
    return download(content, "application/pdf", rollup.filename("pdf"))


@require_safe
def city_rollup_xlsx(request, code, year):
    _city, rollup = _rollup(request, code, year, sheets=True)
    return download(render_rollup_xlsx(rollup), XLSX_CONTENT_TYPE, rollup.filename("xlsx"))


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
