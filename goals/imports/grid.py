"""The cells of a workbook as a bounded grid, whatever program saved it.

One small interface over the files offices have: .xlsx/.xlsm (the sheet XML,
streamed), .ods (content.xml, streamed), .xls (xlrd) and CSV (UTF-8 with or
without BOM, or CP932 as Japanese Excel saves it). Each worksheet becomes a
Grid: its rows as tuples of cell values, the hidden rows and columns, and the
formula cells that carry no saved result.

Memory is bounded by what a 取組シート can hold, not by the file's used range:
only the first MAX_COLUMNS columns are ever kept (a cell at column XFD is
parsed and dropped), blank rows cost nothing, and a sheet with content below
row MAX_ROWS (or any cell at all below MAX_SCAN_ROWS, which bounds the time)
is refused as too large to be a 取組シート. Readers that build
the whole used range as a dense table (openpyxl pads every row to the last
column; python-calamine allocates height × width cells, 10 GB for one cell
at XFD in each of 20,000 rows) are not used for that reason.

The caller (safety.py) has already checked size, zip bombs and encryption.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import XMLPullParser

MAX_COLUMNS = 52  # A..AZ: the official sheet has six
MAX_ROWS = 10_000  # the 10× seed sheet needs under 700
# Rows with cells only beyond MAX_COLUMNS are skipped, but not forever: parsing them costs time.
MAX_SCAN_ROWS = 100_000
CSV_SHEET = "CSV"

XLSX, XLSM, ODS, XLS, CSV = "xlsx", "xlsm", "ods", "xls", "csv"
KIND_LABELS = {
    XLSX: "Excel ブック（.xlsx）",
    XLSM: "マクロ有効ブック（.xlsm）",
    ODS: "OpenDocument スプレッドシート（.ods）",
    XLS: "Excel 97-2003 ブック（.xls）",
    CSV: "CSV",
}

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


class GridError(ValueError):
    """The file cannot be read; the message says why in Japanese."""


class SheetTooLarge(GridError):
    pass


def too_large(sheet: str, row: int) -> SheetTooLarge:
    return SheetTooLarge(
        f"シート「{sheet}」は大きすぎるため、取組シートとして読み込めません（{row}行目に入力があります。"
        f"読み込めるのは{MAX_ROWS:,}行目までです）。取組シートの表だけを残したブックを選んでください。"
    )


@dataclass
class Grid:
    name: str
    rows: list[tuple] = field(default_factory=list)  # rows[i] is row i + 1; () for a blank row
    hidden_rows: set[int] = field(default_factory=set)  # 1-based row numbers
    hidden_columns: set[int] = field(default_factory=set)  # 0-based column indexes
    # (row, column) → formula: without a saved result, and read from its saved result
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    computed: dict[tuple[int, int], str] = field(default_factory=dict)

    def put(self, row: int, values: dict[int, object]) -> None:
        """Row `row` (1-based) holds these values by 0-based column; blank rows are never stored."""
        if not values:
            return
        if row > MAX_ROWS:
            raise too_large(self.name, row)
        while len(self.rows) < row - 1:
            self.rows.append(())
        width = max(values) + 1
        cells = tuple(values.get(i) for i in range(width))
        if len(self.rows) >= row:
            self.rows[row - 1] = cells
        else:
            self.rows.append(cells)


def decode_text(text: str) -> str:
    """Excel's _xHHHH_ escapes (「_x000D_」 for a carriage return) decoded; every line break as \\n.

    Only the Office Open XML formats escape this way: text from .ods, .xls and CSV goes through
    line_breaks() alone, so a typed 「_x000D_」 stays as typed there.
    """
    if "_x" in text:
        text = _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    return line_breaks(text)


def line_breaks(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


class Workbook:
    """The worksheets of a file by name; each is read when asked for, at most `limit` rows."""

    kind: str = XLSX

    def names(self) -> list[str]:
        raise NotImplementedError

    def grid(self, name: str, limit: int | None = None) -> Grid:
        raise NotImplementedError


def open_workbook(data: bytes, kind: str) -> Workbook:
    if kind in (XLSX, XLSM):
        return XlsxWorkbook(data, kind)
    if kind == ODS:
        return OdsWorkbook(data)
    if kind == XLS:
        return XlsWorkbook(data)
    return CsvWorkbook(data)


# --- .xlsx / .xlsm: the worksheet XML, streamed -------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _stream(archive: zipfile.ZipFile, member: str, tags: set[str]):
    """(event, element) for the given tags, parsed in 64 kB chunks; elements are cleared by the caller."""
    parser = XMLPullParser(events=("start", "end"))
    with archive.open(member) as part:
        while chunk := part.read(65536):
            parser.feed(chunk)
            for event, element in parser.read_events():
                if element.tag in tags:
                    yield event, element
        parser.close()
        for event, element in parser.read_events():
            if element.tag in tags:
                yield event, element


def _xlsx_text(element) -> str:
    """The text of an <si> or <is>: its <t> and rich-text runs, without the phonetic (ルビ) runs."""
    parts = []
    for child in element:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
    return decode_text("".join(parts))


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


class XlsxWorkbook(Workbook):
    def __init__(self, data: bytes, kind: str = XLSX):
        self.kind = kind
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self._sheets = self._read_sheet_list()
        self._strings: list[str] | None = None

    def _read_sheet_list(self) -> dict[str, str]:
        targets = {}
        rels = "xl/_rels/workbook.xml.rels"
        if rels in self.archive.NameToInfo:
            for event, rel in _stream(self.archive, rels, {f"{_PKG_REL}Relationship"}):
                if event == "end" and rel.get("Type", "").endswith("/worksheet"):
                    target = rel.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                    targets[rel.get("Id")] = target
        sheets = {}
        # Writers that never calculate (openpyxl, XlsxWriter) ask Excel to recalculate on opening and
        # store no result or a 0: their formula cells have no trustworthy saved value.
        self.results_saved = True
        for event, element in _stream(self.archive, "xl/workbook.xml", {f"{_MAIN}sheet", f"{_MAIN}calcPr"}):
            if event != "end":
                continue
            if element.tag == f"{_MAIN}calcPr":
                self.results_saved = element.get("fullCalcOnLoad") not in ("1", "true")
            elif element.get(f"{_REL}id") in targets:
                sheets[element.get("name")] = targets[element.get(f"{_REL}id")]
        return sheets

    def names(self):
        return list(self._sheets)

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            member = next((n for n in self.archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
            if member:
                for event, item in _stream(self.archive, member, {f"{_MAIN}si"}):
                    if event == "end":
                        self._strings.append(_xlsx_text(item))
                        item.clear()
        return self._strings

    def grid(self, name, limit=None):
        grid = Grid(name)
        member = self._sheets[name]
        if member not in self.archive.NameToInfo:
            return grid
        tags = {f"{_MAIN}{t}" for t in ("row", "col", "sheetData")}
        row_number, sheet_data = 0, None
        for event, element in _stream(self.archive, member, tags):
            tag = element.tag.removeprefix(_MAIN)
            if tag == "sheetData":
                sheet_data = element
            elif tag == "col" and event == "end":
                if element.get("hidden") in ("1", "true"):
                    first = int(element.get("min", "1")) - 1
                    last = min(int(element.get("max", "1")), MAX_COLUMNS)
                    grid.hidden_columns.update(range(first, last))
            elif tag == "row" and event == "end":
                row_number = int(element.get("r") or row_number + 1)
                if limit is not None and row_number > limit:
                    break
                if row_number > MAX_SCAN_ROWS and len(element):
                    raise too_large(name, row_number)
                if element.get("hidden") in ("1", "true"):
                    grid.hidden_rows.add(row_number)
                grid.put(row_number, self._cells(grid, row_number, element))
                if sheet_data is not None:
                    sheet_data.clear()  # rows already read are dropped: memory stays flat
        return grid

    def _cells(self, grid: Grid, row_number: int, row) -> dict[int, object]:
        values, column = {}, -1
        for cell in row:
            reference = cell.get("r")
            match = _CELL_REF.match(reference) if reference else None
            column = column_index(match[1]) if match else column + 1
            if column >= MAX_COLUMNS:
                continue  # never materialised, whatever the used range says
            kind = cell.get("t", "n")
            formula = cell.find(f"{_MAIN}f")
            raw = cell.find(f"{_MAIN}v")
            raw = raw.text if raw is not None else None
            if kind == "inlineStr":
                inline = cell.find(f"{_MAIN}is")
                value = _xlsx_text(inline) if inline is not None else None
            elif raw in (None, ""):
                value = None
            elif kind == "s":
                strings = self.strings()
                index = int(raw)
                value = strings[index] if 0 <= index < len(strings) else None
            elif kind in ("str", "e"):
                value = decode_text(raw)
            elif kind == "b":
                value = raw == "1"
            else:
                value = _number(raw)
            if formula is not None and (value is None or kind == "e" or not self.results_saved):
                grid.formulas[(row_number, column)] = "=" + (formula.text or "")
                value = None
            elif formula is not None:
                grid.computed[(row_number, column)] = "=" + (formula.text or "")
            if value is not None and value != "":
                values[column] = value
        return values


# --- .ods: content.xml, streamed ----------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_HIDDEN = ("collapse", "filter")


def _ods_paragraph(element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * int(child.get(f"{_TEXT}c", "1")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        elif child.tag != f"{_OFFICE}annotation":
            parts.append(_ods_paragraph(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_value(cell):
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return _number(cell.get(f"{_OFFICE}value", ""))
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    paragraphs = [_ods_paragraph(p) for p in cell if p.tag in (f"{_TEXT}p", f"{_TEXT}h")]
    text = "\n".join(paragraphs)
    return line_breaks(text) if text else None


class OdsWorkbook(Workbook):
    kind = ODS

    def __init__(self, data: bytes):
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self._names = None

    def names(self):
        if self._names is None:
            self._names = [
                table.get(f"{_TABLE}name")
                for event, table in self._events()
                if event == "start" and table.tag == f"{_TABLE}table"
            ]
        return self._names

    def _events(self):
        tags = {f"{_TABLE}{t}" for t in ("table", "table-row", "table-column")}
        return _stream(self.archive, "content.xml", tags)

    def grid(self, name, limit=None):
        grid = Grid(name)
        inside, row_number, column_number = False, 0, 0
        for event, element in self._events():
            tag = element.tag.removeprefix(_TABLE)
            if tag == "table":
                if event == "start":
                    inside = element.get(f"{_TABLE}name") == name
                elif inside:
                    break
                else:
                    element.clear()
                continue
            if not inside or event != "end":
                continue
            if tag == "table-column":
                repeat = int(element.get(f"{_TABLE}number-columns-repeated", "1"))
                if element.get(f"{_TABLE}visibility") in _HIDDEN:
                    grid.hidden_columns.update(range(column_number, min(column_number + repeat, MAX_COLUMNS)))
                column_number += repeat
                continue
            repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
            if row_number + 1 > MAX_SCAN_ROWS and any(c.get(f"{_OFFICE}value-type") for c in element):
                raise too_large(name, row_number + 1)
            values = self._cells(grid, row_number + 1, element)
            hidden = element.get(f"{_TABLE}visibility") in _HIDDEN
            for offset in range(repeat if values or hidden else 0):
                if limit is not None and row_number + 1 + offset > limit:
                    break
                if hidden:
                    grid.hidden_rows.add(row_number + 1 + offset)
                grid.put(row_number + 1 + offset, values)
            row_number += repeat
            element.clear()
            if limit is not None and row_number >= limit:
                break
        return grid

    def _cells(self, grid, row_number, row) -> dict[int, object]:
        values, column = {}, 0
        for cell in row:
            if cell.tag not in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                continue
            repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
            if column < MAX_COLUMNS:
                value = _ods_value(cell)
                formula = cell.get(f"{_TABLE}formula")
                if formula and cell.get(f"{_OFFICE}value-type") is None and value is None:
                    grid.formulas[(row_number, column)] = formula.removeprefix("of:")
                elif formula:
                    grid.computed[(row_number, column)] = formula.removeprefix("of:")
                if value is not None and value != "":
                    for offset in range(min(repeat, MAX_COLUMNS - column)):
                        values[column + offset] = value
            column += repeat
        return values


# --- .xls: xlrd ----------------------------------------------------------------------------


class XlsWorkbook(Workbook):
    kind = XLS

    def __init__(self, data: bytes):
        import xlrd

        # ragged_rows: a row is as long as its own last cell, not the sheet's widest row.
        self.book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, formatting_info=True, logfile=io.StringIO()
        )

    def names(self):
        return self.book.sheet_names()

    def grid(self, name, limit=None):
        import xlrd

        sheet = self.book.sheet_by_name(name)
        grid = Grid(name)
        grid.hidden_columns = {c for c, info in sheet.colinfo_map.items() if info.hidden and c < MAX_COLUMNS}
        last = sheet.nrows if limit is None else min(sheet.nrows, limit)
        for index in range(last):
            values = {}
            for column, cell in enumerate(sheet.row_slice(index, 0, min(sheet.row_len(index), MAX_COLUMNS))):
                if cell.ctype == xlrd.XL_CELL_TEXT:
                    value = line_breaks(cell.value)
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    value = _number(repr(cell.value))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(cell.value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    grid.formulas[(index + 1, column)] = xlrd.error_text_from_code.get(cell.value, "#ERROR")
                    continue
                else:
                    continue
                if value != "":
                    values[column] = value
            info = sheet.rowinfo_map.get(index)
            if info is not None and info.hidden:
                grid.hidden_rows.add(index + 1)
            grid.put(index + 1, values)
        self.book.unload_sheet(name)
        return grid


# --- CSV -----------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932 (Japanese Excel's 「CSV（コンマ区切り）」), whichever it is."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise GridError(
            "CSV の文字コードを読み取れません。Excel で「CSV UTF-8（コンマ区切り）」"
            "または「CSV（コンマ区切り）」として保存し直してから選んでください。"
        ) from None


class CsvWorkbook(Workbook):
    kind = CSV

    def __init__(self, data: bytes):
        self.text = decode_csv(data)

    def names(self):
        return [CSV_SHEET]

    def grid(self, name, limit=None):
        grid = Grid(name)
        first_line = self.text.split("\n", 1)[0]
        dialect = csv.excel_tab if "\t" in first_line and "," not in first_line else csv.excel
        for index, row in enumerate(csv.reader(io.StringIO(self.text, newline=""), dialect), 1):
            if limit is not None and index > limit:
                break
            values = {c: line_breaks(v) for c, v in enumerate(row[:MAX_COLUMNS]) if v.strip()}
            grid.put(index, values)
        return grid
