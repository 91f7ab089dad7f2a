"""WeasyPrint's libraries are found from the ldconfig cache, without running gcc per missing name."""

import ctypes.util
import subprocess

from goals.sheet import weasy


def test_lookup_answers_from_one_ldconfig_call(monkeypatch):
    calls = []
    real_run = subprocess.run

    def counting_run(command, *args, **kwargs):
        calls.append(command[0])
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    with weasy._cached_library_lookup():
        assert ctypes.util.find_library("pango-1.0") == "libpango-1.0.so.0"
        assert ctypes.util.find_library("fontconfig") == "libfontconfig.so.1"
        # WeasyPrint's Windows spellings are answered "not found" at once, not by gcc and ld.
        assert ctypes.util.find_library("libpango-1.0-0") is None
    assert calls == ["/sbin/ldconfig"]


def test_the_standard_lookup_is_put_back():
    standard = ctypes.util.find_library
    with weasy._cached_library_lookup():
        assert ctypes.util.find_library is not standard
    assert ctypes.util.find_library is standard
    assert weasy.weasyprint.HTML is weasy.HTML
