"""WeasyPrint's share of a PDF: pages laid out from finished HTML, checked and written.

goals/sheet/pdf.py prepares a Drawing where Django is (the template rendered
with the planned page breaks, the static files the page links, the rows that
carry a department cell, each piece's metadata); this module needs none of
Django, so it can run in processes that have not started it.

That is what `start_server` is for: `manage.py export_sheet --format pdf`
calls it before Django starts, and a fork server process loads WeasyPrint
(about a quarter of a second) on the other core while the command starts
Django and reads the sheet. The drawing processes are then forked from that
server with WeasyPrint already loaded, instead of each loading it after the
command has read the sheet. Started by manage.py, the server is a fork of
the command's process rather than a new interpreter, and like the command it
loads its modules with the cycle collector paused.
"""

import gc
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from goals.lib.collector import collector_paused

# Loaded by the fork server before it forks a drawing process.
PRELOAD = ["goals.sheet.weasy", __name__]


class MissingResource(RuntimeError):
    """A file the page links (its stylesheet) cannot be read: no PDF rather than an unstyled one."""


class PlanMissed(RuntimeError):
    """A page opens inside a department without its cell: the planned breaks were not where the
    renderer broke. The caller measures the breaks instead (or draws a half's document whole)."""


@dataclass(frozen=True)
class Piece:
    """A PDF cut from the drawn pages: from the page where `first_row` is, to the next piece."""

    first_row: int | None
    metadata: tuple[tuple[str, object], ...]  # attribute of weasyprint's DocumentMetadata, value


@dataclass(frozen=True)
class Drawing:
    html: str
    base_url: str
    # The only files the page may read: URL, content, content type.
    resources: tuple[tuple[str, bytes, str], ...]
    # Rows that print the department cell: every page after the first must open with one.
    carries: frozenset[int] = frozenset()
    pieces: tuple[Piece, ...] = ()
    variant: str = "pdf/ua-1"
    # Printed in the page-number box instead of the page number (a part numbered on assembly).
    placeholder: str | None = None


def start_server(*, forked: bool = False) -> None:
    """Start the fork server now, loading WeasyPrint, so that drawing processes forked later have it.

    `forked` is for a process that has loaded nothing yet and runs no thread
    (manage.py, before Django): the server and multiprocessing's resource
    tracker are then forks of it rather than new interpreters. Each saves an
    interpreter's start (about 35 ms of CPU) while both cores are busy
    starting Django here and WeasyPrint there, on the way to the first drawing.
    """
    multiprocessing.set_forkserver_preload(PRELOAD)
    if forked:
        try:
            with _forks_instead_of_interpreters():
                multiprocessing.forkserver.ensure_running()
            return
        except OSError:
            pass  # no fork to be had (out of processes, say): new interpreters, as usual
    multiprocessing.forkserver.ensure_running()


@contextmanager
def _forks_instead_of_interpreters():
    """multiprocessing starts its fork server and its resource tracker as `python -c <line>`
    (util.spawnv_passfds); meanwhile that line runs in a fork of this process instead, with the file
    descriptors a new interpreter would have: the standard three and the ones passed."""
    spawnv_passfds = multiprocessing.util.spawnv_passfds

    def fork_and_run(path, args, passfds):
        if args[-2:-1] != ["-c"]:
            return spawnv_passfds(path, args, passfds)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()  # or the fork would write what this process had buffered again
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            _close_all_but({0, 1, 2, *passfds})
            exec(args[-1], {"__name__": "__main__"})  # noqa: S102 (multiprocessing's own line)
            code = 0
        except SystemExit as stop:  # how the fork server ends, once its last client has gone
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            sys.excepthook(*sys.exc_info())
        finally:
            os._exit(code)

    multiprocessing.util.spawnv_passfds = fork_and_run
    try:
        yield
    finally:
        multiprocessing.util.spawnv_passfds = spawnv_passfds


def _close_all_but(kept: set[int]) -> None:
    low = 0
    for fd in sorted(kept):
        if low < fd:  # Python 3.11's closerange(0, 0) closes every descriptor
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def draw(drawing: Drawing) -> list[bytes]:
    """Each piece's PDF; PlanMissed when a page opens without its department cell."""
    with collector_paused():
        document = lay_out(drawing)
        pages = rows_by_page(document)
        if lacking_department(pages, drawing.carries):
            raise PlanMissed("計画と異なる位置で改ページされました。")
        return cut(document, pages, drawing.pieces, drawing.variant)


def lacking_department(pages: list[list[int]], carries) -> list[int]:
    """Rows that open a page (after the first) without the department cell beside them."""
    return [rows[0] for rows in pages[1:] if rows and rows[0] not in carries]


def start_process() -> None:
    """A drawing process's first step: what it was given is frozen, and the collector runs only when
    draw_in_process asks, never while a result is on its way back."""
    gc.freeze()
    gc.disable()


def draw_in_process(drawing: Drawing) -> list[bytes] | None:
    """In a drawing process: the pieces, or None where the plan missed (the caller draws them).

    The previous drawing's garbage (about a million objects, cycles among
    them) is collected before this one rather than after the last: the last
    result goes back without waiting for it, and the process ends with it.
    """
    gc.collect()
    try:
        return draw(drawing)
    except PlanMissed:
        return None


def cut(document, pages: list[list[int]], pieces: tuple[Piece, ...], variant: str) -> list[bytes]:
    if len(pieces) == 1:
        return [write(document, pieces[0].metadata, variant)]
    opens = [_page_of_row(pages, piece.first_row) for piece in pieces] + [len(document.pages)]
    return [
        write(document.copy(document.pages[start:end]), piece.metadata, variant)
        for piece, start, end in zip(pieces, opens, opens[1:], strict=False)
    ]


def _page_of_row(pages: list[list[int]], row: int) -> int:
    return next(number for number, rows in enumerate(pages) if row in rows)


def lay_out(drawing: Drawing):
    """The pages of exactly this HTML, breaks as it says."""
    from goals.sheet.weasy import FatalURLFetchingError, html_document

    stylesheets = [_placeholder_numbers(drawing.placeholder)] if drawing.placeholder else []
    try:
        document = html_document(drawing.html, drawing.base_url, fetcher(drawing.resources))
        return document.render(stylesheets=stylesheets)
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException, which would slip past
        # Django's error handling: make it an ordinary one.
        raise MissingResource(f"PDF の作成に必要なファイルを読めません: {error}") from error


def rows_by_page(document) -> list[list[int]]:
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


def write(document, metadata: tuple[tuple[str, object], ...], variant: str) -> bytes:
    import warnings

    for name, value in metadata:
        setattr(document.metadata, name, value)
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A's output intent and leaves the file
        # to be closed by the garbage collector, which warns.
        warnings.filterwarnings("ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning)
        return document.write_pdf(pdf_variant=variant, pdf_tags=True)


def fetcher(resources: tuple[tuple[str, bytes, str], ...]):
    """Serves the files the preparation read and nothing else (closed network, no SSRF). A missing
    stylesheet stops the rendering rather than print an unstyled sheet."""
    return _fetcher_class()(resources)


@lru_cache(maxsize=1)
def _fetcher_class():
    from goals.sheet.weasy import URLFetcher, URLFetcherResponse

    class ResourcesOnly(URLFetcher):
        def __init__(self, resources):
            super().__init__(fail_on_errors=True)
            self.resources = {url: (body, content_type) for url, body, content_type in resources}

        def fetch(self, url, headers=None):
            if url not in self.resources:
                raise ValueError(f"PDF に含められないリソースです: {url}")
            body, content_type = self.resources[url]
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return ResourcesOnly


@lru_cache(maxsize=2)
def _placeholder_numbers(placeholder: str):
    """The page-number box of a part: numbered when the parts are assembled (goals/sheet/parts.py)."""
    from goals.sheet.weasy import CSS

    return CSS(string=f'@page {{ @bottom-center {{ content: "{placeholder}" !important; }} }}')
