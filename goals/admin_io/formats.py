"""Flat import/export in the admin (django-import-export): formats and the admin base class.

- CSV carries a UTF-8 byte order mark, without which Japanese Excel reads
  UTF-8 as Shift_JIS and shows garbage; it is read in UTF-8 with or without the
  mark, or in CP932 (what Japanese Excel's plain 「CSV」 saves). Excel opens it
  with a double click and evaluates a cell that starts like a formula
  (=HYPERLINK(…), +cmd|…, -2+3, @SUM(…)): such a cell goes out behind an
  apostrophe (goals.lib.text.spreadsheet_text) and the apostrophe is taken off
  again when the file is imported, so our own export reads back exactly as stored.
- XLSX is checked like an uploaded 取組シート (size, encryption, zip bomb) and
  read through the same bounded reader (goals/imports/grid.py), and written like
  the sheet export (goals/sheet/workbook.py) writes text: a goal beginning with
  「=」 must not become a formula in someone's Excel.
- JSON as the library writes it, text exactly as stored: no spreadsheet program
  evaluates JSON, and an escape there would only change the data for the programs that read it.
"""

from io import BytesIO

import openpyxl
import tablib
from django.conf import settings
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.forms import ImportForm

from goals.imports.grid import CSV, GridError, decode_csv, open_workbook
from goals.imports.safety import NOT_A_WORKBOOK, WorkbookRejected, check_workbook_bytes, megabytes
from goals.lib.text import FORMULA_PREFIXES, from_spreadsheet_text, spreadsheet_text, xml_safe


def _texts_mapped(dataset, change):
    mapped = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        mapped.append([change(value) if isinstance(value, str) else value for value in row])
    return mapped


class CSVWithBOM(base_formats.CSV):
    # Read as bytes, so the encoding is found from the file rather than assumed.
    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = decode_csv(in_stream)
            except GridError as error:
                raise WorkbookRejected(str(error)) from None
        return _texts_mapped(super().create_dataset(in_stream, **kwargs), from_spreadsheet_text)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(_texts_mapped(dataset, spreadsheet_text), **kwargs)


class CheckedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        kind = check_workbook_bytes(in_stream, text_allowed=False)
        if kind == CSV:
            raise WorkbookRejected(NOT_A_WORKBOOK)
        try:
            book = open_workbook(in_stream, kind)
            grid = book.grid(book.names()[0])
        except GridError as error:
            raise WorkbookRejected(str(error)) from None
        rows = [row for row in grid.rows if any(v not in (None, "") for v in row)]
        dataset = tablib.Dataset()
        if rows:
            width = max(len(row) for row in rows)
            dataset.headers = [str(v) if v is not None else "" for v in rows[0]] + [""] * (
                width - len(rows[0])
            )
            for row in rows[1:]:
                dataset.append(list(row) + [None] * (width - len(row)))
        return dataset

    def export_data(self, dataset, **kwargs):
        book = openpyxl.Workbook()
        worksheet = book.active
        worksheet.title = (dataset.title or "data")[:31]
        worksheet.append(list(dataset.headers))
        for row in dataset:
            worksheet.append([text_cell(value) for value in row])
        for cells in worksheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                    cell.quotePrefix = cell.value.startswith(FORMULA_PREFIXES)
        stream = BytesIO()
        book.save(stream)
        return stream.getvalue()


def text_cell(value):
    """Characters XML cannot hold (control codes pasted from elsewhere) are dropped, as in the sheet export."""
    return xml_safe(value) if isinstance(value, str) else value


FLAT_FORMATS = [CSVWithBOM, CheckedXLSX, base_formats.JSON]


class CheckedImportForm(ImportForm):
    too_large = False

    def clean(self):
        cleaned = super().clean()
        if self.too_large:
            self.errors.pop("import_file", None)
            limit = megabytes(settings.IMPORT_MAX_UPLOAD_BYTES)
            self.add_error("import_file", f"ファイルが大きすぎます。読み込めるのは {limit} までです。")
        return cleaned


class FlatImportExportAdmin(ImportExportModelAdmin):
    """Import with the library's preview-and-confirm step; Japanese messages for unreadable files."""

    formats = FLAT_FORMATS
    import_form_class = CheckedImportForm

    def create_import_form(self, request):
        form = super().create_import_form(request)
        form.too_large = bool(getattr(request, "upload_too_large", False))
        return form

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, WorkbookRejected):
            form.add_error("import_file", str(e))
        elif isinstance(e, UnicodeDecodeError):
            form.add_error(
                "import_file",
                "文字コードを読み取れません。CSV は「CSV UTF-8（コンマ区切り）」で保存してください。",
            )
        else:
            form.add_error(
                "import_file",
                "ファイルを読み取れません。選んだ形式（CSV・XLSX・JSON）とファイルが合っているか確かめてください。",
            )
