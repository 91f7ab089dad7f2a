"""Helpers for tests of the official sheet's outputs."""

import io
import re
import subprocess

from pypdf import PdfReader

from goals.models import DepartmentReport

_SPACE = re.compile(r"\s+")


def hand_in(sheet, *names, status=DepartmentReport.Status.SUBMITTED):
    """Set the reports of the named departments (all, without names) to a status, straight in the database.

    The sheet prints a department's results once it handed them in (提出済み・確認済み).
    """
    reports = DepartmentReport.objects.filter(sheet=sheet)
    if names:
        reports = reports.filter(department__name__in=names)
    assert reports.update(status=status) == (len(names) or reports.count())


def pypdf_text(content: bytes) -> str:
    """The whole PDF's text as pypdf extracts it, pages joined."""
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdftotext_pages(content: bytes) -> list[str]:
    """Each page's text by poppler's pdftotext, without whitespace (cells break lines anywhere)."""
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return [_SPACE.sub("", page) for page in text.split("\f")[:-1]]


def pdfinfo(content: bytes) -> dict[str, str]:
    out = subprocess.run(
        ["/usr/bin/pdfinfo", "-isodates", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def strip(info: dict[str, str]) -> dict[str, str]:
    return {key.strip(): value.strip() for key, value in info.items()}


def workbook(content: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))
