"""Python's cycle collector paused while a document is built."""

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Pause Python's cycle collector while a PDF or a workbook is built.

    A rendering allocates many short-lived objects (about a million for a
    PDF; for a workbook, a cell object for every cell); meanwhile the collector
    would traverse the process's whole long-lived heap (Django, templates,
    WeasyPrint's stylesheets) again and again: about a tenth of a PDF's
    rendering time, and what made a 30× workbook cost more than three 10×
    ones. The garbage is collected as usual afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
