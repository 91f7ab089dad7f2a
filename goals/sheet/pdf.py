"""The 取組シート as a PDF: WeasyPrint draws the print view's template and stylesheet.

The header row repeats on every page (thead) and rows are not split across
pages (break-inside: avoid). A department's cell is repeated on a page its
rows run on to: goals/sheet/pagination.py plans the page breaks, the layout is cut
there (SheetLayout.paged_at), and the drawn pages are checked through the
rows on each page (drawing.rows_by_page). If a page would still open inside a
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
there are several to draw and this process has one thread. A sheet of one
part is drawn the same way as two halves cut at one of its planned page breaks.

This module prepares (the template rendered with the planned breaks, the
static files it links, the metadata); goals/sheet/drawing.py draws, with
WeasyPrint and without Django. The drawing processes are forked from a fork
server that loaded WeasyPrint once: `manage.py export_sheet` starts it
before Django, so that it loads while the command reads the sheet.
"""

import itertools
import multiprocessing
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone

from goals.lib.collector import collector_paused
from goals.sheet import drawing, parts
from goals.sheet.drawing import MissingResource
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
_LINKED = re.compile(r'(?:href|src)="([^"#]+)')


def resources(html: str) -> tuple[tuple[str, bytes, str], ...]:
    """The app's own static files the page links, read now: the drawing may fetch these and nothing
    else (closed network, no SSRF). A link to anything else fails the drawing (drawing.fetcher)."""
    prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
    found = []
    for url in sorted({urljoin(BASE_URL, link) for link in _LINKED.findall(html)}):
        path = _static_path(url.removeprefix(prefix)) if url.startswith(prefix) else None
        if path:
            with open(path, "rb") as file:
                body = file.read()
            found.append((url, body, CONTENT_TYPES.get(path[path.rfind(".") :], "application/octet-stream")))
    return tuple(found)


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


def draw_parts(jobs: list[tuple[SheetLayout, str, bool]]):
    """The parts' PDFs in order; in two drawing processes at once where drawing_processes started
    them, or where this process may start them (one thread: a command, a helper process), each
    batch's as soon as it is drawn, so that the caller puts them together meanwhile."""
    if _started is None and not _may_fork():
        return [content for batch in parts.batches(jobs, 1) for content in render_batch(batch)]
    if len(jobs) == 1:
        return [_draw_in_halves(*jobs[0])]
    workers = min(len(jobs), MAX_WORKERS)
    batches = parts.batches(jobs, workers)
    return _batches_as_drawn(batches, _drawn_in_processes(map(_batch_drawing, batches), workers))


def _batches_as_drawn(batches, drawn):
    for batch, contents in zip(batches, drawn, strict=True):
        # A batch whose planned breaks missed is drawn here, its breaks measured.
        yield from render_batch(batch) if contents is None else contents


_started = None  # the drawing processes drawing_processes asked for (a Future), while its block runs
# What each drawing process runs first.
_WORKER_START = (drawing.start_process, ())


@contextmanager
def drawing_processes():
    """For a command about to draw a PDF: two drawing processes, forked from the fork server that
    manage.py started before Django (drawing.start_server) and so with WeasyPrint loaded.

    They are asked for at once but waited for only when the first drawing is
    prepared: the server answers once WeasyPrint is loaded, and meanwhile this
    process reads the sheet and renders its template. Nothing on a machine of
    one core; where the server cannot start, draw_parts forks this process as
    elsewhere.
    """
    global _started
    if _started is not None or (os.cpu_count() or 1) < 2:
        yield
        return
    try:
        drawing.start_server()
    except (OSError, EOFError):
        yield
        return
    asking = ThreadPoolExecutor(1, thread_name_prefix="drawing-processes")
    _started = asking.submit(_new_pool, "forkserver", MAX_WORKERS)
    asking.shutdown(wait=False)  # its one thread ends with the asking
    try:
        yield
    finally:
        started, _started = _ready(_started), None
        if started is not None:
            started.terminate()


def _ready(asked):
    """The processes drawing_processes asked for; None where the server died loading WeasyPrint."""
    if asked is None:
        return None
    try:
        return asked.result()
    except (OSError, EOFError):
        return None


def _new_pool(method: str, workers: int):
    function, arguments = _WORKER_START
    return multiprocessing.get_context(method).Pool(workers, initializer=function, initargs=arguments)


def _may_fork() -> bool:
    # Forking a threaded process (an app server) could copy a lock another thread holds.
    return (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


@contextmanager
def _pool(workers: int):
    started = _ready(_started)
    if started is not None:
        yield started
        return
    with _new_pool("fork", workers) as pool:
        yield pool


def _drawn_in_processes(drawings, workers: int):
    """Each drawing's pieces (None where its plan missed), drawn in the drawing processes: an
    iterator that gives them in order, each as soon as it is drawn.

    All are sent now, each as soon as it is prepared, so the processes draw
    while the next one is. The first is prepared before waiting for the
    processes: while they start, or while the fork server still loads
    WeasyPrint, this process renders the template. A pool forked for the
    drawing ends when the iterator is done (or dropped).
    """
    drawings = iter(drawings)
    first = next(drawings)
    if _started is not None and not _started.done():
        # Still waiting for the fork server: load what assembles the pieces now rather than
        # after the drawing, on the way to the file.
        parts.load_assembler()

    def results():
        with _pool(workers) as pool:
            pending = [
                pool.apply_async(drawing.draw_in_process, (prepared,))
                for prepared in itertools.chain([first], drawings)
            ]
            yield None  # everything is sent: the caller goes on while it is drawn
            for result in pending:
                yield _collected(result)

    given = results()
    next(given)
    return given


class DrawingStopped(RuntimeError):
    """A drawing process ended without its pages (killed for memory, say): multiprocessing's pool
    would wait for them for ever."""


def _collected(result):
    """A drawing's result; pieces come in document order, so each waits at most one drawing's time."""
    try:
        return result.get(timeout=settings.PDF_TIMEOUT_SECONDS)
    except multiprocessing.TimeoutError:
        raise DrawingStopped(
            "PDF を作る処理が途中で止まりました（時間内に終わりませんでした）。もう一度お試しください。"
        ) from None


def _draw_in_halves(layout: SheetLayout, variant: str, numbered: bool) -> bytes:
    """A document of one part: two halves side by side in the drawing processes, assembled here."""
    if not numbered:
        return render_part(layout, variant, numbered)

    def draw_halves(halves, variant):
        drawn = list(_drawn_in_processes((_half_drawing(half, variant) for half in halves), 2))
        if None in drawn:
            raise drawing.PlanMissed(f"{layout.ward}: 計画と異なる位置で改ページされました。")
        return [contents[0] for contents in drawn]

    return parts.draw_in_halves(
        layout, variant, draw_halves, parts.assemble, lambda: render_part(layout, variant, numbered)
    )


def render_half(layout: SheetLayout, variant: str) -> bytes:
    """One of parts.halves, laid out exactly as planned, its page numbers the placeholder;
    drawing.PlanMissed where the renderer broke its pages elsewhere."""
    return drawing.draw(_half_drawing(layout, variant))[0]


def _half_drawing(layout: SheetLayout, variant: str) -> drawing.Drawing:
    return _drawing(layout, variant, numbered=False)


def render_batch(jobs: list[tuple[SheetLayout, str, bool]]) -> list[bytes]:
    """Parts laid out in one pass, each written as a PDF of its own pages."""
    prepared = _batch_drawing(jobs)
    try:
        return drawing.draw(prepared)
    except drawing.PlanMissed:
        pass
    layout, _ = _batch_layout(jobs)
    with collector_paused():
        document = _render_measured(layout, plan_pages(layout), numbered=prepared.placeholder is None)
        return drawing.cut(document, drawing.rows_by_page(document), prepared.pieces, prepared.variant)


def _batch_layout(jobs) -> tuple[SheetLayout, list[int | None]]:
    groups = [group for group, _, _ in jobs]
    return (groups[0], [None]) if len(groups) == 1 else parts.join(groups)


def _batch_drawing(jobs: list[tuple[SheetLayout, str, bool]]) -> drawing.Drawing:
    """The batch's parts as one planned document, cut into a PDF per part once drawn."""
    _, variant, numbered = jobs[0]
    layout, firsts = _batch_layout(jobs)
    pieces = [
        drawing.Piece(first, _metadata(group)) for (group, _, _), first in zip(jobs, firsts, strict=True)
    ]
    return _drawing(plan_pages(layout).apply(layout), variant, numbered, pieces)


def render_part(layout: SheetLayout, variant: str, numbered: bool = True) -> bytes:
    """One piece drawn by WeasyPrint; `numbered` False prints parts.PLACEHOLDER as the page number."""
    with collector_paused():
        # The laid-out document is freed before the collector resumes: it would walk its
        # million objects once more on the way out.
        return drawing.write(render_document(layout, numbered=numbered), _metadata(layout), variant)


def _metadata(layout: SheetLayout) -> tuple[tuple[str, object], ...]:
    """The document's own title and office, not the web page's (whose title ends in ｜向上指針)."""
    part = f"（{layout.department}）" if layout.department else ""
    now = timezone.localtime().isoformat(timespec="seconds")
    return (
        ("title", f"{layout.title}{part} {layout.ward}"),
        ("authors", [layout.issuer]),
        (
            "description",
            f"{layout.ward}の{layout.policy_heading}と{layout.goals_heading}"
            f"（{layout.statement.mark}：{layout.statement.text}）",
        ),
        ("keywords", [layout.title, layout.ward, layout.statement.mark]),
        ("generator", "kojo_shishin"),
        ("created", now),
        ("modified", now),
        ("lang", "ja"),
    )


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
    return drawing.lacking_department(drawing.rows_by_page(document), _carries(layout))


def _carries(layout: SheetLayout) -> frozenset[int]:
    """The rows that print the department cell."""
    return frozenset(row.index for row in layout.rows if row.department_rowspan)


def rows_per_page(document) -> list[list[int]]:
    """The table rows drawn on each page (a row split across pages is on each of them)."""
    return [sorted(set(rows)) for rows in drawing.rows_by_page(document)]


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


def lay_out(layout: SheetLayout, numbered: bool = True):
    """The pages of exactly this layout, breaks as it says (rows are not split: a goal longer than a
    page comes in pieces); render_document plans the breaks first."""
    return drawing.lay_out(_drawing(layout, settings.SHEET_PDF_VARIANT, numbered))


def lay_out_html(html: str):
    """A page of the app's own (the city's summary) laid out with the sheet's rules for resources."""
    return drawing.lay_out(drawing.Drawing(html, BASE_URL, resources(html)))


def _drawing(layout: SheetLayout, variant: str, numbered: bool = True, pieces=None) -> drawing.Drawing:
    """What a drawing process needs to draw exactly this layout: no database, no Django."""
    try:
        html = render_to_string(TEMPLATE, {"layout": layout})
    except ValueError as error:
        # ManifestStaticFilesStorage (production) knows no file before collectstatic has run.
        raise MissingResource(
            "静的ファイルが集められていないため PDF を作れません。"
            "manage.py collectstatic を実行してください（make serve は自動で実行します）。"
        ) from error
    return drawing.Drawing(
        html,
        BASE_URL,
        resources(html),
        carries=_carries(layout),
        pieces=tuple(pieces or [drawing.Piece(None, _metadata(layout))]),
        variant=variant,
        placeholder=None if numbered else parts.PLACEHOLDER,
    )
