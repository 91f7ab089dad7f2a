"""The 取組シート as a PDF: WeasyPrint draws the print view's template and stylesheet.

The header row repeats on every page (thead) and rows are not split across
pages (break-inside: avoid). A department's cell is repeated on a page its
rows run on to: goals/sheet/pagination.py plans the page breaks, the layout is cut
there (SheetLayout.paged_at), and the drawn pages are checked through their
anchors (every row has an id). If a page would still open inside a
department without its cell, the breaks are measured on a plain rendering
and the sheet is drawn again.
"""

import gc
from contextlib import contextmanager

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

from goals.sheet.layout import SheetLayout
from goals.sheet.pagination import PagePlan, plan_pages
from goals.sheet.weasy import HTML, FatalURLFetchingError, URLFetcher, URLFetcherResponse

TEMPLATE = "goals/sheet_print.html"
# Links in the document resolve under this base; only static files are served from it.
BASE_URL = "https://kojo-shishin.invalid/"
MEASURED_PASSES = 3
CONTENT_TYPES = {".css": "text/css", ".woff2": "font/woff2", ".png": "image/png", ".svg": "image/svg+xml"}


class StaticFilesOnly(URLFetcher):
    """Serves the app's own static files and fetches nothing else (closed network, no SSRF).

    A missing stylesheet stops the rendering rather than print an unstyled sheet.
    """

    def __init__(self):
        super().__init__(fail_on_errors=True)

    def fetch(self, url, headers=None):
        prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
        path = _static_path(url.removeprefix(prefix)) if url.startswith(prefix) else None
        if not path:
            raise ValueError(f"PDF に含められないリソースです: {url}")
        with open(path, "rb") as file:
            body = file.read()
        suffix = path[path.rfind(".") :]
        return URLFetcherResponse(
            url, body, {"Content-Type": CONTENT_TYPES.get(suffix, "application/octet-stream")}
        )


def _static_path(name: str) -> str | None:
    """The file behind a static URL: collected (hashed names in production) or in the source folders."""
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
        return finders.find(name)
    except SuspiciousFileOperation:
        return None


def render_pdf(layout: SheetLayout) -> bytes:
    with collector_paused():
        return render_document(layout).write_pdf()


@contextmanager
def collector_paused():
    """Pause Python's cycle collector while WeasyPrint works.

    A rendering allocates about a million short-lived objects; meanwhile the
    collector would traverse the process's whole long-lived heap (Django,
    templates, WeasyPrint's stylesheets) again and again: about a tenth of
    the rendering time. The garbage is collected as usual afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_document(layout: SheetLayout):
    """The laid-out pages (a weasyprint Document), every page opening with its department cell."""
    plan = plan_pages(layout)
    planned = plan.apply(layout)
    document = _render(planned, plan.tall)
    if not pages_lacking_department(planned, document):
        return document
    return _render_measured(layout, plan)


def pages_lacking_department(layout: SheetLayout, document) -> list[int]:
    """Rows that open a page (after the first) without the department cell beside them."""
    carries = {row.index for row in layout.rows if row.department_rowspan}
    return [row for row in _page_openers(document) if row not in carries]


def rows_per_page(document) -> list[list[int]]:
    """The table rows drawn on each page (a row split across pages is on each of them)."""
    return [sorted(_rows_on(page)) for page in document.pages]


def _render_measured(layout: SheetLayout, plan: PagePlan):
    """Render with the renderer's own breaks, then cut the departments where pages opened."""
    starts = set()
    for _ in range(MEASURED_PASSES):
        paged = layout.paged_at(starts, plan.restarts)
        document = _render(paged, plan.tall)
        missing = pages_lacking_department(paged, document)
        if not missing:
            break
        starts.update(missing)
    return document


def _page_openers(document) -> list[int]:
    """The row at the top of each page after the first."""
    openers = []
    for page in document.pages[1:]:
        rows = [(box[1], name) for name, box in page.anchors.items() if name.startswith("row-")]
        if rows:
            openers.append(int(min(rows)[1].removeprefix("row-")))
    return openers


def _rows_on(page) -> set[int]:
    return {int(name.removeprefix("row-")) for name in page.anchors if name.startswith("row-")}


class MissingResource(RuntimeError):
    pass


def _render(layout: SheetLayout, tall_rows=frozenset()):
    """Lay out the pages; `tall_rows`, taller than a page, may be split (the others may not)."""
    try:
        html = render_to_string(TEMPLATE, {"layout": layout, "tall_rows": tall_rows})
    except ValueError as error:
        # ManifestStaticFilesStorage (production) knows no file before collectstatic has run.
        raise MissingResource(
            "静的ファイルが集められていないため PDF を作れません。"
            "manage.py collectstatic を実行してください（make serve は自動で実行します）。"
        ) from error
    try:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnly()).render()
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException, which would slip past
        # Django's error handling: make it an ordinary one.
        raise MissingResource(f"PDF の作成に必要なファイルを読めません: {error}") from error
