"""The public pages (/kokai/): published sheets for anyone, without signing in.

Only access.public_sheets() is ever read here (published, 確定, every
department's results handed in), so nothing unpublished or drafted can be
reached. Nothing here shows a person: the sheet's layout has no names, and
neither the history nor who changed what is used. Every view is marked
login_not_required (LoginRequiredMiddleware guards all other pages).
"""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from departments.models import City
from goals import access
from goals.sheet import opendata
from goals.sheet.layout import build_layout
from goals.sheet.pdf_helper import PdfHelperFailed
from goals.views import downloads

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _grouped(sheets):
    """[(ward, [sheet, …newest first]), …] for sheets ordered by ward."""
    return [(ward, list(group)) for ward, group in groupby(sheets, key=lambda s: s.ward)]


def _ordered(sheets):
    return sheets.order_by("ward__city__code", "ward__name", "-fiscal_year")


@login_not_required
@require_safe
def index(request):
    """Every city and ward with a published sheet (2 queries: sheets with ward and city)."""
    by_city = []
    for city, group in groupby(_ordered(access.public_sheets()), key=lambda s: s.ward.city):
        by_city.append((city, _grouped(group)))
    return render(request, "goals/public/index.html", {"by_city": by_city})


@login_not_required
@require_safe
def city(request, code):
    city = City.objects.filter(code=code).first()
    sheets = list(_ordered(access.public_sheets().filter(ward__city=city))) if city else []
    if not sheets:
        raise Http404("公開している取組シートはありません。")
    return render(request, "goals/public/city.html", {"city": city, "wards": _grouped(sheets)})


@login_not_required
@require_safe
def ward(request, ward):
    sheets = list(access.public_sheets().filter(ward__name=ward).order_by("-fiscal_year"))
    if not sheets:
        raise Http404("公開している取組シートはありません。")
    return render(request, "goals/public/ward.html", {"ward": sheets[0].ward, "sheets": sheets})


def _links(sheet) -> dict:
    args = (sheet.ward.name, sheet.fiscal_year)
    return {
        "page": reverse("goals:public_sheet", args=args),
        "pdf": reverse("goals:public_sheet_pdf", args=args),
        "xlsx": reverse("goals:public_sheet_xlsx", args=args),
        "csv": reverse("goals:public_csv", args=args),
        "json": reverse("goals:public_json", args=args),
        "api": reverse("goals:public_api_sheet", args=args),
    }


@login_not_required
@require_safe
def sheet(request, ward, year):
    sheet = access.public_sheet(ward, year)
    links = _links(sheet)
    context = {
        "layout": build_layout(sheet),
        "sheet": sheet,
        # The official sheet's own toolbar (PDF, Excel); no per-department links on the public page.
        "links": {"pdf": links["pdf"], "xlsx": links["xlsx"]},
        "data_links": links,
    }
    return render(request, "goals/public/sheet.html", context)


@login_not_required
@require_safe
def sheet_pdf(request, ward, year):
    sheet = access.public_sheet(ward, year)
    try:
        return downloads.sheet_pdf(request, sheet, {}, public=True)
    except PdfHelperFailed as error:
        messages.error(request, str(error))
        return redirect("goals:public_sheet", ward=ward, year=year)


@login_not_required
@require_safe
def sheet_xlsx(request, ward, year):
    return downloads.sheet_xlsx(request, access.public_sheet(ward, year), {}, public=True)


def _data_filename(sheet, extension):
    return f"{sheet.ward.name}_{sheet.fiscal_year}_向上指針取組シート.{extension}"


@login_not_required
@require_safe
def data_csv(request, ward, year):
    """The open-data file: one row per goal, UTF-8 with BOM (a stable URL per ward and year)."""
    sheet = access.public_sheet(ward, year)
    content = opendata.to_csv(opendata.rows(sheet))
    return _download(request, content, CSV_CONTENT_TYPE, _data_filename(sheet, "csv"), etag=True)


def _document(request, sheet) -> dict:
    links = {name: request.build_absolute_uri(url) for name, url in _links(sheet).items()}
    records = opendata.rows(sheet)
    return {
        **opendata.sheet_meta(sheet),
        "表題": sheet.title,
        "発行者": sheet.ward.office_name,
        "区役所サービス向上方針": [f"{p.marker} {p.text}" for p in sheet.policies.all()],
        "URL": links,
        "列": list(opendata.COLUMN_NAMES),
        "件数": len(records),
        "データ": records,
    }


@login_not_required
@require_safe
def data_json(request, ward, year):
    sheet = access.public_sheet(ward, year)
    content = opendata.to_json(_document(request, sheet))
    return _download(request, content, JSON_CONTENT_TYPE, _data_filename(sheet, "json"), etag=True)


@login_not_required
@require_safe
def columns(request):
    """What each open-data column means (the same list the files are written from)."""
    return render(request, "goals/public/opendata.html", {"columns": opendata.COLUMNS})


# --- The read-only JSON API: the same data, with ETags (If-None-Match → 304). ---


@login_not_required
@require_safe
def api_sheets(request):
    sheets = []
    for sheet in _ordered(access.public_sheets()):
        links = {name: request.build_absolute_uri(url) for name, url in _links(sheet).items()}
        sheets.append({**opendata.sheet_meta(sheet), "表題": sheet.title, "URL": links})
    return _json(request, {"件数": len(sheets), "取組シート": sheets})


@login_not_required
@require_safe
def api_sheet(request, ward, year):
    return _json(request, _document(request, access.public_sheet(ward, year)))


def _json(request, document) -> HttpResponse:
    return _conditional(request, HttpResponse(opendata.to_json(document), content_type=JSON_CONTENT_TYPE))


def _conditional(request, response) -> HttpResponse:
    etag = opendata.etag_of(response.content)
    response["ETag"] = etag
    # Anyone may cache published data, but must ask again (the ETag makes that cheap).
    response["Cache-Control"] = "public, no-cache"
    return get_conditional_response(request, etag=etag, response=response)


def _download(request, content, content_type, filename, etag=False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return _conditional(request, response) if etag else response
