"""The sheet's PDF and workbook downloads, drawn once per content (goals/sheet/documents.py).

The caller has already checked who may read the sheet (a 304 or a kept copy
tells what the sheet holds, so it is never answered before that). Then the
document's key is read from the sheet's rows (a few queries), a matching
If-None-Match is answered 304 without drawing anything, and otherwise the
kept bytes are sent, drawn first if no server has drawn them yet.

Signed-in downloads keep NoStoreMiddleware's `no-store, private` (a shared PC's
browser keeps no copy), so browsers do not ask conditionally; the ETag serves
clients that keep their own copy, and the store makes a repeated download
cheap anyway. Published sheets are `public, no-cache`, as the open data: any
cache may keep them but asks again, and a 304 answers.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date

from goals.sheet import documents
from goals.sheet.layout import build_layout
from goals.sheet.pdf_helper import render_pdf, render_rollup_pdf
from goals.sheet.rollup import build_city_layout, render_rollup_xlsx, rollup_key
from goals.sheet.workbook import CONTENT_TYPE as XLSX_CONTENT_TYPE
from goals.sheet.workbook import render_xlsx


def sheet_pdf(request, sheet, selection: dict, variant: str | None = None, public: bool = False):
    """The sheet's PDF with build_layout's `selection`; raises PdfHelperFailed if it cannot be drawn."""
    variant = variant or settings.SHEET_PDF_VARIANT

    def render():
        layout = build_layout(sheet, **selection)
        return render_pdf(layout, variant), layout.filename("pdf")

    key = documents.sheet_key(sheet, variant, **selection)
    return _respond(request, key, render, "application/pdf", public)


def sheet_xlsx(request, sheet, selection: dict, public: bool = False):
    def render():
        layout = build_layout(sheet, **selection)
        return render_xlsx(layout), layout.filename("xlsx")

    key = documents.sheet_key(sheet, "xlsx", **selection)
    return _respond(request, key, render, XLSX_CONTENT_TYPE, public)


def city_rollup(request, city, year: int, kind: str, variant: str | None = None):
    """The city's roll-up (goals/sheet/rollup.py) as a PDF (`kind` "pdf") or workbook ("xlsx"), kept in
    the same store; raises PdfHelperFailed if the PDF cannot be drawn."""
    variant = variant or settings.SHEET_PDF_VARIANT

    def render():
        layout = build_city_layout(city, year)
        if kind == "pdf":
            return render_rollup_pdf(layout, variant), layout.filename("pdf")
        return render_rollup_xlsx(layout), layout.filename("xlsx")

    key = rollup_key(city, year, variant if kind == "pdf" else "xlsx")
    content_type = "application/pdf" if kind == "pdf" else XLSX_CONTENT_TYPE
    return _respond(request, key, render, content_type, False)


def _respond(request, key: str, render, content_type: str, public: bool) -> HttpResponse:
    etag = documents.etag(key)
    # If-None-Match first, on the key alone: nothing is read from the store, nothing drawn.
    response = get_conditional_response(request, etag=etag)
    if response is None:
        document = documents.cached_document(key, render)
        response = HttpResponse(document.content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=document.filename
        )
        modified = int(document.created_at.timestamp())
        response["Last-Modified"] = http_date(modified)
        response["ETag"] = etag
        _cache_control(response, public)
        return get_conditional_response(request, etag=etag, last_modified=modified, response=response)
    response["ETag"] = etag
    _cache_control(response, public)
    return response


def _cache_control(response, public: bool) -> None:
    if public:
        response["Cache-Control"] = "public, no-cache"
