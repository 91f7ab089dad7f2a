"""The 取組シート as a PDF: WeasyPrint draws the print view's template and stylesheet.

The header row repeats on every page (thead) and rows are not split across
pages (break-inside: avoid). A department's cell is repeated on a page its
rows run on to: goals/sheet/pagination.py plans the page breaks, the layout is cut
there (SheetLayout.paged_at), and the drawn pages are checked through their
anchors (every row has an id). If a page would still open inside a
department without its cell, the breaks are measured on a plain rendering
and the sheet is drawn again.

The PDF is tagged (a structure tree: headings, the goals table with its
header cells, rows in reading order; language ja) and carries the sheet's own
metadata (Title, Author = the issuing office, Subject, creation date). Two
variants: PDF/UA-1 for handing out and publishing, PDF/A-3a for keeping as
the record (fonts embedded, an sRGB output intent, XMP metadata), chosen by
settings.SHEET_PDF_VARIANT or per download.

A sheet of many departments is drawn in parts and assembled
(goals/sheet/parts.py); the parts are drawn in two processes at once when
there are several to draw and this process may fork. A sheet of one part is
drawn the same way as two halves cut at one of its planned page breaks.

WeasyPrint is imported where a page is laid out, not with this module: a
command that forks its drawing processes then loads it in both at once
rather than first in the parent.
"""

import gc
import multiprocessing
import os
import threading
import warnings
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone

from goals.sheet import parts
from goals.sheet.layout import SheetLayout
from goals.sheet.pagination import PagePlan, plan_pages

TEMPLATE = "goals/sheet_document.html"
# Links in the document resolve under this base; only static files are served from it.
BASE_URL = "https://kojo-shishin.invalid/"
MEASURED_PASSES = 3
# Processes drawing parts at once (the machines have two cores).
MAX_WORKERS = 2
# The variants a sheet may be drawn in: what each is for, as the download offers it.
VARIANTS = {
    "pdf/ua-1": "PDF/UA-1（アクセシブル・配布用）",
    "pdf/a-3a": "PDF/A-3a（長期保存用）",
}
CONTENT_TYPES = {".css": "text/css", ".woff2": "font/woff2", ".png": "image/png", ".svg": "image/svg+xml"}


def static_files_only():
    """A fetcher that serves the app's own static files and fetches nothing else (closed network, no
    SSRF). A missing stylesheet stops the rendering rather than print an unstyled sheet."""
    return _static_fetcher_class()()


@lru_cache(maxsize=1)
def _static_fetcher_class():
    from goals.sheet.weasy import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
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

    return StaticFilesOnly


def _static_path(name: str) -> str | None:
    """The file behind a static URL: collected (hashed names in production) or in the source folders."""
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
        return finders.find(name)
    except SuspiciousFileOperation:
        return None


def render_pdf(layout: SheetLayout, variant: str | None = None) -> bytes:
    return render_parts(layout, variant).content


def render_parts(layout: SheetLayout, variant: str | None = None) -> parts.Assembly:
    """The PDF with how it was made: parts kept from earlier renderings, parts drawn now."""
    return parts.render(layout, checked_variant(variant), draw_parts)


def render_whole(layout: SheetLayout, variant: str | None = None) -> bytes:
    """The sheet drawn in one piece: the same pages as the parts assembled, for comparison."""
    marked, _ = parts.split(layout)
    return render_part(marked, checked_variant(variant))


def checked_variant(variant: str | None) -> str:
    variant = variant or settings.SHEET_PDF_VARIANT
    if variant not in VARIANTS:
        raise ImproperlyConfigured(
            f"PDF の形式「{variant}」には対応していません。{'、'.join(VARIANTS)} のいずれかを指定してください。"
        )
    return variant


def draw_parts(jobs: list[tuple[SheetLayout, str, bool]]) -> list[bytes]:
    """The parts' PDFs; in two forked processes at once where this process has one thread (a
    command, a helper process): forking a threaded process could copy held locks."""
    if _started is None and not _may_fork():
        return [content for batch in parts.batches(jobs, 1) for content in render_batch(batch)]
    if len(jobs) == 1:
        return [_draw_in_halves(*jobs[0])]
    workers = min(len(jobs), MAX_WORKERS)
    with _pool(workers) as pool:
        batches = parts.batches(jobs, workers)
        drawn = _collected(pool.map_async(_render_batch_and_collect, batches, chunksize=1), len(batches))
    return [content for batch in drawn for content in batch]


_started = None  # the processes drawing_processes started, while its block runs


@contextmanager
def drawing_processes():
    """For a command about to draw a PDF: the two drawing processes start now and load WeasyPrint
    while the command reads the sheet, instead of after it. Nothing where draw_parts would not fork."""
    global _started
    if _started is not None or not _may_fork():
        yield
        return
    _started = multiprocessing.get_context("fork").Pool(MAX_WORKERS, initializer=_prepare_drawing)
    try:
        yield
    finally:
        started, _started = _started, None
        started.terminate()


def _prepare_drawing():
    from goals.sheet import weasy  # noqa: F401

    gc.freeze()


def _may_fork() -> bool:
    # A pool's own threads (drawing_processes) come after this check.
    return (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


@contextmanager
def _pool(workers: int):
    if _started is not None:
        yield _started
        return
    with multiprocessing.get_context("fork").Pool(workers, initializer=gc.freeze) as pool:
        yield pool


class DrawingStopped(RuntimeError):
    """A drawing process ended without its pages (killed for memory, say): multiprocessing's pool
    would wait for them for ever."""


def _collected(result, batches: int) -> list:
    try:
        return result.get(timeout=settings.PDF_TIMEOUT_SECONDS * max(batches, 1))
    except multiprocessing.TimeoutError:
        raise DrawingStopped(
            "PDF を作る処理が途中で止まりました（時間内に終わりませんでした）。もう一度お試しください。"
        ) from None


def _draw_in_halves(layout: SheetLayout, variant: str, numbered: bool) -> bytes:
    """A document of one part: two halves side by side in the drawing processes, assembled here."""
    if not numbered:
        return render_part(layout, variant, numbered)

    def draw_halves(halves, variant):
        with _pool(2) as pool:
            return _collected(pool.starmap_async(_render_half_and_collect, [(h, variant) for h in halves]), 1)

    return parts.draw_in_halves(
        layout, variant, draw_halves, parts.assemble, lambda: render_part(layout, variant, numbered)
    )


def _render_half_and_collect(layout: SheetLayout, variant: str) -> bytes:
    try:
        return render_half(layout, variant)
    finally:
        gc.collect()


def render_half(layout: SheetLayout, variant: str) -> bytes:
    """One of parts.halves, laid out exactly as planned, its page numbers the placeholder."""
    with collector_paused():
        document = lay_out(layout, numbered=False)
        if pages_lacking_department(layout, document):
            raise parts.PlanMissed(f"{layout.ward}: 計画と異なる位置で改ページされました。")
        return _write(document, layout, variant)


def _render_batch_and_collect(batch) -> list[bytes]:
    """In a forked worker: the heap it was given is frozen, so collecting walks only the batch's."""
    try:
        return render_batch(batch)
    finally:
        gc.collect()


def render_batch(jobs: list[tuple[SheetLayout, str, bool]]) -> list[bytes]:
    """Parts laid out in one pass, each written as a PDF of its own pages."""
    if len(jobs) == 1:
        return [render_part(*jobs[0])]
    groups = [group for group, _, _ in jobs]
    _, variant, numbered = jobs[0]
    combined, firsts = parts.join(groups)
    with collector_paused():
        document = render_document(combined, numbered=numbered)
        pages = _rows_by_page(document)
        opens = [_page_of_row(pages, row) for row in firsts] + [len(document.pages)]
        contents = [
            _write(document.copy(document.pages[start:end]), group, variant)
            for group, start, end in zip(groups, opens, opens[1:], strict=False)
        ]
        del document
    return contents


def _page_of_row(pages: list[list[int]], row: int) -> int:
    return next(number for number, rows in enumerate(pages) if row in rows)


def render_part(layout: SheetLayout, variant: str, numbered: bool = True) -> bytes:
    """One piece drawn by WeasyPrint; `numbered` False prints parts.PLACEHOLDER as the page number."""
    with collector_paused():
        # The laid-out document is freed before the collector resumes: it would walk its
        # million objects once more on the way out.
        return _write(render_document(layout, numbered=numbered), layout, variant)


def _write(document, layout: SheetLayout, variant: str) -> bytes:
    _set_metadata(document.metadata, layout)
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A's output intent and leaves the file
        # to be closed by the garbage collector, which warns.
        warnings.filterwarnings("ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning)
        return document.write_pdf(pdf_variant=variant, pdf_tags=True)


def _set_metadata(metadata, layout: SheetLayout) -> None:
    """The document's own title and office, not the web page's (whose title ends in ｜向上指針)."""
    part = f"（{layout.department}）" if layout.department else ""
    metadata.title = f"{layout.title}{part} {layout.ward}"
    metadata.authors = [layout.issuer]
    metadata.description = (
        f"{layout.ward}の{layout.policy_heading}と{layout.goals_heading}"
        f"（{layout.statement.mark}：{layout.statement.text}）"
    )
    metadata.keywords = [layout.title, layout.ward, layout.statement.mark]
    metadata.generator = "kojo_shishin"
    metadata.created = metadata.modified = timezone.localtime().isoformat(timespec="seconds")
    metadata.lang = "ja"


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


def render_document(layout: SheetLayout, numbered: bool = True):
    """The laid-out pages (a weasyprint Document), every page opening with its department cell."""
    plan = plan_pages(layout)
    planned = plan.apply(layout)
    document = lay_out(planned, numbered)
    if not pages_lacking_department(planned, document):
        return document
    return _render_measured(layout, plan, numbered)


def pages_lacking_department(layout: SheetLayout, document) -> list[int]:
    """Rows that open a page (after the first) without the department cell beside them."""
    carries = {row.index for row in layout.rows if row.department_rowspan}
    return [row for row in _page_openers(document) if row not in carries]


def rows_per_page(document) -> list[list[int]]:
    """The table rows drawn on each page (a row split across pages is on each of them)."""
    return [sorted(set(rows)) for rows in _rows_by_page(document)]


def _render_measured(layout: SheetLayout, plan: PagePlan, numbered: bool = True):
    """Render with the renderer's own breaks, then cut the departments where pages opened."""
    cut = layout.split_rows(plan.pieces)
    # Parts drawn on their own (goals/sheet/parts.py) open pages whatever the renderer measures.
    starts = {part.rows[0].index for part in cut.parts if part.opens_part}
    for _ in range(MEASURED_PASSES):
        paged = cut.paged_at(starts)
        document = lay_out(paged, numbered)
        missing = pages_lacking_department(paged, document)
        if not missing:
            break
        starts.update(missing)
    return document


def _page_openers(document) -> list[int]:
    """The row at the top of each page after the first."""
    return [rows[0] for rows in _rows_by_page(document)[1:] if rows]


def _rows_by_page(document) -> list[list[int]]:
    """The goal rows laid out on each page, top to bottom.

    Read from the page's boxes rather than from anchors: an id on every row
    would make each row's style unique, and WeasyPrint shares computed styles
    only between elements that cascade alike (with ids a sixth more work for
    the whole PDF). The page box is WeasyPrint's own (Page has no public
    accessor for it); tests/test_sheet_pdf.py checks this on drawn pages.
    """
    pages = []
    for page in document.pages:
        rows = []
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if getattr(box, "element_tag", None) == "tr" and element is not None:
                number = element.get("data-row")
                if number is not None and (not rows or rows[-1] != int(number)):
                    rows.append(int(number))
        pages.append(rows)
    return pages


class MissingResource(RuntimeError):
    pass


def lay_out(layout: SheetLayout, numbered: bool = True):
    """The pages of exactly this layout, breaks as it says (rows are not split: a goal longer than a
    page comes in pieces); render_document plans the breaks first."""
    try:
        html = render_to_string(TEMPLATE, {"layout": layout})
    except ValueError as error:
        # ManifestStaticFilesStorage (production) knows no file before collectstatic has run.
        raise MissingResource(
            "静的ファイルが集められていないため PDF を作れません。"
            "manage.py collectstatic を実行してください（make serve は自動で実行します）。"
        ) from error
    from goals.sheet.weasy import HTML, FatalURLFetchingError

    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=static_files_only())
        return document.render(stylesheets=[] if numbered else [_placeholder_numbers()])
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException, which would slip past
        # Django's error handling: make it an ordinary one.
        raise MissingResource(f"PDF の作成に必要なファイルを読めません: {error}") from error


@lru_cache(maxsize=1)
def _placeholder_numbers():
    """The page-number box of a part: numbered when the parts are assembled (goals/sheet/parts.py)."""
    from goals.sheet.weasy import CSS

    return CSS(string=f'@page {{ @bottom-center {{ content: "{parts.PLACEHOLDER}" !important; }} }}')
