"""Broken, hostile and wrong workbooks, each built here so every test says exactly what it feeds in."""

import zipfile
from io import BytesIO

import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile

HEADER = ["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度", "達成度"]
FIRST_GOAL_ROW = 4  # title on row 1, blank row 2, header on row 3


def small_workbook(goal_rows, sheet_title="取組シート", header=HEADER) -> bytes:
    """A sheet with a title, the header on row 3 and the given goal rows from row 4."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet["A1"] = "令和7年度向上指針取組シート"
    for column, label in enumerate(header, 1):
        sheet.cell(3, column, label)
    for offset, row in enumerate(goal_rows):
        for column, value in enumerate(row, 1):
            sheet.cell(FIRST_GOAL_ROW + offset, column, value)
    return _save(book)


def _save(book) -> bytes:
    stream = BytesIO()
    book.save(stream)
    return stream.getvalue()


def good_rows():
    return [
        ["総務課", "1", "共通", "来庁者に丁寧に対応します。", "", ""],
        [None, "2", "庁内体制", "情報を共有します。", "", ""],
    ]


def encrypted_workbook() -> bytes:
    stream, out = BytesIO(small_workbook(good_rows())), BytesIO()
    OOXMLFile(stream).encrypt("himitsu", out)
    return out.getvalue()


def truncated_workbook() -> bytes:
    data = small_workbook(good_rows())
    return data[: len(data) // 2]


def broken_xml_workbook() -> bytes:
    """A well-formed zip whose worksheet XML is garbage (as after a failed save)."""
    source = zipfile.ZipFile(BytesIO(small_workbook(good_rows())))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 3]
            target.writestr(item, data)
    return out.getvalue()


def zip_bomb(inflated_bytes: int) -> bytes:
    """A real workbook plus one part of zeros that deflates ~1000:1."""
    out = BytesIO(small_workbook(good_rows()))
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/image1.bin", "w") as part,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(inflated_bytes // len(chunk) + 1):
            part.write(chunk)
    return out.getvalue()


def empty_workbook() -> bytes:
    return _save(openpyxl.Workbook())


def headerless_workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "総務課"
    book.active["B1"] = "1 共通 来庁者に丁寧に対応します。"
    return _save(book)


def workbook_from_database(sheet, worksheet_titles=("取組シート",)) -> bytes:
    """The goals of a sheet in the 番号/区分-column layout (a stand-in writer for tests that need one)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    goals = list(
        sheet.goals.select_related("department", "category", "achievement").order_by(
            "department__order", "order"
        )
    )
    for title in worksheet_titles:
        page = book.create_sheet(title)
        page.append(HEADER)
        previous = None
        for goal in goals:
            page.append(
                [
                    goal.department.name if goal.department_id != previous else None,
                    goal.number,
                    goal.category.name if goal.category else None,
                    goal.text,
                    goal.result or None,
                    goal.achievement.number if goal.achievement else None,
                ]
            )
            previous = goal.department_id
    return _save(book)
