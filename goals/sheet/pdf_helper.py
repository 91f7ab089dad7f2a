"""PDFs for web requests, drawn in a helper process at low CPU priority.

A whole-ward PDF keeps a core busy for seconds. Drawn on the request's own
thread it competes on equal terms with the short requests of people saving
their results, and on a small server their response times suffer (see the
load test in docs/benchmarks.md). Each app worker process therefore keeps one
helper process, started with a lower priority (nice), which the scheduler
serves only when the short requests leave a core free; the request thread
just waits for the bytes.

The helper holds no state: it receives a finished layout (plain data, no
database access) and returns the PDF, so any number of app workers and
instances behave alike. Turned off (drawn in-process) with
DJANGO_PDF_HELPER_PROCESS=false, and in development.

A sheet of many departments is drawn in parts (goals/sheet/parts.py): the
worker looks the parts up in the store, and two helpers draw the missing
ones at once and put them together, so a large document uses both cores
while a change in one department draws one part.

The helper ends as soon as its worker ends, however the worker ends: a
killed worker (kill -9, gunicorn's timeout) runs no clean-up, and the
helper's own pipes do not tell it (it holds both ends of its queue), so the
helper watches its parent process itself.
"""

import multiprocessing
import os
import select
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings

NICENESS = 10
# Helpers per app worker: parts of one document are drawn side by side.
HELPERS = 2
# How often the helper looks for its parent where the kernel cannot tell it at once.
PARENT_POLL_SECONDS = 0.5
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


class PdfHelperFailed(RuntimeError):
    pass


def render_pdf(layout, variant: str | None = None) -> bytes:
    if not settings.PDF_HELPER_PROCESS:
        return _draw(layout, variant)
    from goals.sheet import parts

    variant = variant or settings.SHEET_PDF_VARIANT
    try:
        return parts.render(layout, variant, _draw_in_helpers, _assemble_in_helper).content
    except BrokenProcessPool:
        shutdown()
        raise PdfHelperFailed("PDF を作る処理が途中で止まりました。もう一度お試しください。") from None


def render_rollup_pdf(city_layout, variant: str | None = None) -> bytes:
    """The city's roll-up (goals/sheet/rollup.py), drawn by the same helper as a ward's sheet."""
    if not settings.PDF_HELPER_PROCESS:
        return _draw_rollup(city_layout, variant)
    try:
        return (
            _helper()
            .submit(_draw_rollup, city_layout, variant)
            .result(timeout=settings.PDF_TIMEOUT_SECONDS * max(1, len(city_layout.wards)))
        )
    except BrokenProcessPool:
        shutdown()
        raise PdfHelperFailed("PDF を作る処理が途中で止まりました。もう一度お試しください。") from None


def _draw_rollup(city_layout, variant=None) -> bytes:
    from goals.sheet.rollup import render_rollup_pdf as draw

    return draw(city_layout, variant)


def _draw_in_helpers(jobs) -> list[bytes]:
    from goals.sheet.parts import batches

    if len(jobs) == 1:
        return [_draw_in_halves(*jobs[0])]
    pool = _helper()
    futures = [pool.submit(_draw_batch, batch) for batch in batches(jobs, HELPERS)]
    return [part for future in futures for part in future.result(timeout=settings.PDF_TIMEOUT_SECONDS)]


def _draw_in_halves(layout, variant, numbered) -> bytes:
    """A document of one part as two halves, one per helper, assembled in a helper."""
    from goals.sheet import parts

    pool, timeout = _helper(), settings.PDF_TIMEOUT_SECONDS

    def draw_whole():
        return pool.submit(_draw_batch, [(layout, variant, numbered)]).result(timeout=timeout)[0]

    if not numbered:
        return draw_whole()

    def draw_halves(halves, variant):
        futures = [pool.submit(_draw_half, half, variant) for half in halves]
        return [future.result(timeout=timeout) for future in futures]

    return parts.draw_in_halves(layout, variant, draw_halves, _assemble_in_helper, draw_whole)


def _draw_half(layout, variant) -> bytes:
    from goals.sheet.pdf import checked_variant, render_half

    return render_half(layout, checked_variant(variant))


def _assemble_in_helper(contents) -> bytes:
    return _helper().submit(_assemble, contents).result(timeout=settings.PDF_TIMEOUT_SECONDS)


def _draw_batch(jobs) -> list[bytes]:
    from goals.sheet.pdf import checked_variant, render_batch

    return render_batch([(layout, checked_variant(variant), numbered) for layout, variant, numbered in jobs])


def _assemble(contents) -> bytes:
    from goals.sheet.parts import assemble

    return assemble(contents)


def warm_up() -> None:
    """Start the helpers before the first PDF is asked for (gunicorn's post_worker_init): all of
    them, as the pool starts a process only for work no idle one can take, and a helper started by
    the first large download would load Django and WeasyPrint during it."""
    if settings.PDF_HELPER_PROCESS:
        pool = _helper()
        for started in [pool.submit(os.getpid) for _ in range(HELPERS)]:
            started.result(timeout=settings.PDF_TIMEOUT_SECONDS)


def helper_niceness() -> int:
    return _helper().submit(os.nice, 0).result(timeout=settings.PDF_TIMEOUT_SECONDS)


def helper_pid() -> int | None:
    """The process drawing this worker's PDFs, or None when they are drawn in the worker itself."""
    if not settings.PDF_HELPER_PROCESS:
        return None
    return _helper().submit(os.getpid).result(timeout=settings.PDF_TIMEOUT_SECONDS)


def _draw(layout, variant=None) -> bytes:
    from goals.sheet.pdf import render_pdf as draw  # WeasyPrint loads only where PDFs are drawn

    return draw(layout, variant)


def _start_helper(parent_pid: int):
    _end_with_parent(parent_pid)
    os.nice(NICENESS)
    import django

    django.setup()
    from goals.sheet import pdf  # noqa: F401  (import WeasyPrint now, not during the first request)


def _end_with_parent(parent_pid: int) -> None:
    """In the helper: exit the moment the app worker that started it is gone."""
    if os.getppid() != parent_pid:
        os._exit(0)  # it died before we got here
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    try:
        # Linux: a pidfd becomes readable when the process exits; no polling, no pid reuse.
        pidfd = os.pidfd_open(parent_pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is not None and os.getppid() == parent_pid:
        select.select([pidfd], [], [])
    else:
        while os.getppid() == parent_pid:
            threading.Event().wait(PARENT_POLL_SECONDS)
    os._exit(0)


def _helper() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # "spawn": a fresh interpreter; forking a threaded app worker could copy held locks.
            _pool = ProcessPoolExecutor(
                max_workers=HELPERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_helper,
                initargs=(os.getpid(),),
            )
        return _pool


def shutdown():
    """Let the helper go (a new one starts with the next PDF); for a worker's exit and for tests."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
