"""The city board (区政推進): every ward of a city for a fiscal year, read only."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from goals import access
from goals.lib.wareki import fiscal_year_label
from goals.models import Sheet
from goals.overview.board import board, status_counts
from goals.overview.city import city_board, city_years
from goals.sheet.pdf_helper import PdfHelperFailed
from goals.sheet.rollup import build_city_layout
from goals.views import downloads


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


def _rollup_city(request, code, year):
    """The city, for its staff and superusers, if any of its wards has a sheet that year; else 404."""
    city = access.city_for_rollup(request.user, code)
    if not Sheet.objects.filter(ward__city=city, fiscal_year=year).exists():
        raise Http404("この年度の取組シートはありません。")
    return city


@require_safe
def city_rollup(request, code, year):
    """Every ward's sheet of the year at once: the summary table, links to each sheet, the downloads."""
    city = _rollup_city(request, code, year)
    rollup = build_city_layout(city, year, sheets=False)
    return render(request, "goals/city/rollup.html", {"city": city, "year": year, "rollup": rollup})


@require_safe
def city_rollup_pdf(request, code, year):
    city = _rollup_city(request, code, year)
    try:
        return downloads.city_rollup(request, city, year, "pdf")
    except PdfHelperFailed as error:
        messages.error(request, str(error))
        return redirect("goals:city_rollup", city.code, year)


@require_safe
def city_rollup_xlsx(request, code, year):
    return downloads.city_rollup(request, _rollup_city(request, code, year), year, "xlsx")
