"""Workbooks made by other software, the way offices make them: XlsxWriter, and LibreOffice converting them.

XlsxWriter writes what Excel writes and openpyxl does not: line breaks escaped
as _x000D_, formulas with a 0 for a result Excel is asked to recalculate,
hidden rows and columns, inline strings. LibreOffice (soffice --headless
--convert-to) turns them into .xls and .ods and calculates formulas as it
saves. LibreOffice is a test dependency (scripts/install-os-deps.sh --test):
a machine without it fails these tests rather than skipping them.
"""

import os
import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

import xlsxwriter

HEADER = ["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度", "達成度"]
TITLE = "令和7年度向上指針取組シート"
FIRST_GOAL_ROW = 4  # 1-based, as the preview names it: title on row 1, header on row 3


def xlsxwriter_workbook(
    rows,
    *,
    title=TITLE,
    header=HEADER,
    hidden_rows=(),
    hidden_columns=(),
    formulas=(),
    sheets_before=(),
    constant_memory=False,
) -> bytes:
    """Goal rows from row 4 under the header on row 3; `formulas` are (row, column, formula, result or None).

    hidden_rows are 1-based row numbers, hidden_columns 0-based indexes. sheets_before are
    (name, rows) worksheets placed before the official one, each row a list of values from A1.
    """
    stream = BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "constant_memory": constant_memory})
    for name, extra in sheets_before:
        page = book.add_worksheet(name)
        for r, values in enumerate(extra):
            for c, value in enumerate(values):
                if value is not None:
                    page.write(r, c, value)
    sheet = book.add_worksheet("取組シート")
    for column in hidden_columns:
        sheet.set_column(column, column, None, None, {"hidden": True})
    if title:
        sheet.write_string(0, 0, title)
    for column, label in enumerate(header):
        sheet.write_string(2, column, label)
    for offset, row in enumerate(rows):
        index = FIRST_GOAL_ROW - 1 + offset
        if index + 1 in hidden_rows:
            sheet.set_row(index, None, None, {"hidden": True})
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(index, column, value)
            else:
                sheet.write_number(index, column, value)
    for row, column, formula, result in formulas:
        if result is None:
            sheet.write_formula(row - 1, column, formula)
        else:
            sheet.write_formula(row - 1, column, formula, None, result)
    book.close()
    return stream.getvalue()


def soffice() -> str:
    path = shutil.which("soffice")
    assert path, "LibreOffice (soffice) がありません。scripts/install-os-deps.sh --test で導入してください。"
    return path


def libreoffice_convert(data: bytes, suffix: str, target: str) -> bytes:
    """The file as LibreOffice saves it in another format (target: "xls", "ods", "xlsx", "csv:…")."""
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / f"book{suffix}"
        source.write_bytes(data)
        out = Path(directory) / "out"
        profile = f"-env:UserInstallation=file://{directory}/profile"
        subprocess.run(
            [
                soffice(),
                profile,
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "HOME": directory},
        )
        extension = target.split(":")[0]
        return (out / f"book.{extension}").read_bytes()


def huge_used_range_workbook(rows: int = 20_000) -> bytes:
    """A real sheet (XlsxWriter) plus one cell at column XFD in each of `rows` rows below it: about 110 kB.

    The far cells are written into the sheet XML directly: XlsxWriter itself walks every column of
    the used range for each row and takes minutes for this file, which Excel saves in a blink.
    """
    import zipfile

    data = xlsxwriter_workbook([["総務課", "1", "共通", "本文", None, None]])
    first = FIRST_GOAL_ROW + 1
    far = "".join(
        f'<row r="{r}"><c r="XFD{r}" t="inlineStr"><is><t>x</t></is></c></row>'
        for r in range(first, first + rows)
    ).encode()
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</sheetData>", far + b"</sheetData>")
                content = content.replace(b'<dimension ref="A1:F4"/>', f'<dimension ref="A1:XFD{first + rows - 1}"/>'.encode())  # fmt: skip
            target.writestr(item, content)
    return out.getvalue()
