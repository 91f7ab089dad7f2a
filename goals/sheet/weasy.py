"""WeasyPrint, imported without its slow search for the system libraries.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject through cffi, trying
several names per library (Windows and macOS spellings first). cffi resolves
each name with ctypes.util.find_library, which on Linux runs `ldconfig -p`
and, for every name it does not find there, gcc and ld as well (WeasyPrint
issue #1125): about half a second of every `export_sheet` process.

While WeasyPrint is imported, the lookup reads the ldconfig cache once and
answers from it. Should a library live outside that cache (a custom
LD_LIBRARY_PATH), the import is retried with the standard lookup.
"""

import ctypes.util
import os
import re
import subprocess
from contextlib import contextmanager


def _ldconfig_cache() -> bytes:
    try:
        return subprocess.run(
            ["/sbin/ldconfig", "-p"], capture_output=True, env={"LC_ALL": "C", "LANG": "C"}, check=False
        ).stdout
    except OSError:
        return b""


@contextmanager
def _cached_library_lookup():
    standard = ctypes.util.find_library
    cache = _ldconfig_cache()
    abi = "libc6,x86-64" if os.uname().machine == "x86_64" else "libc6"

    def find_library(name):
        # The same pattern ctypes.util uses on the same ldconfig output.
        match = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), cache)
        return os.fsdecode(match.group(1)) if match else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = standard


try:
    with _cached_library_lookup():
        import weasyprint
except OSError:
    import weasyprint  # the standard, slower lookup finds libraries outside the ldconfig cache

from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

__all__ = ["CSS", "HTML", "FatalURLFetchingError", "URLFetcher", "URLFetcherResponse", "weasyprint"]
