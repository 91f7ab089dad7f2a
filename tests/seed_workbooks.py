"""The seed text (seed/saiwai-r7-torikumi-sheet.txt) written out as .xlsx the ways ward offices lay it out.

Built with openpyxl straight from the raw text lines, not from the parser
under test, so an importer bug cannot hide behind a builder with the same bug.
"""

from dataclasses import dataclass
from io import BytesIO

import openpyxl

from goals.seed.parser import SEED_TEXT

RAW_LINES = SEED_TEXT.read_text(encoding="utf-8").split("\n")
TITLE, OFFICE = RAW_LINES[2], RAW_LINES[4]
POLICY_LINES = RAW_LINES[8:12]


@dataclass(frozen=True)
class Layout:
    goals: str = "as_seed"  # "as_seed" (both layouts, as in the text), "one_cell", "columns"
    departments: str = "blank"  # "blank" under the first row, or "merged" vertically
    categories: str = "as_seed"  # "as_seed" (「対面 対応」), "line_breaks" (「対面\n対応」), "squeezed"
    preamble: bool = True  # title, office (and policies) above the header
    policies: bool = True
    sub_headers: bool = False  # 番号 / 区分 headers instead of one merged 目標… header
    extra_sheets: bool = False  # a cover sheet before and a notes sheet after the table


def seed_rows():
    """(department or "", number, category as typed, text, one_cell or None) per goal line."""
    rows = []
    for line in RAW_LINES[16:60]:
        if not line:
            continue
        cells = line.split("\t")
        if len(cells) == 3:
            number, category, text = _split(cells[1])
            rows.append((cells[0], number, category, text, cells[1]))
        else:
            rows.append((cells[0], cells[1], cells[2], cells[3], None))
    return rows


def _split(cell):
    # The one-cell rows of the seed all carry a category: 「1 対面対応 来庁や…」.
    number, category, text = cell.split(" ", 2)
    return number, category, text


def _category(raw, layout):
    if layout.categories == "squeezed":
        return "".join(raw.split())
    if layout.categories == "line_breaks":
        return "\n".join(raw.split(" ")) if " " in raw else raw
    return raw


def build_seed_workbook(layout: Layout = Layout()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "取組シート"
    if layout.extra_sheets:
        cover = book.create_sheet("表紙", 0)
        cover["A1"] = "幸区役所 向上指針（回覧用）"
        cover["A3"] = "部署名は2枚目のシートに記入してください。"
        notes = book.create_sheet("メモ")
        notes["A1"] = "提出期限：令和8年3月31日"
    row = 1
    if layout.preamble:
        sheet.cell(row, 1, TITLE)
        sheet.cell(row + 2, 1, OFFICE)
        row += 4
        if layout.policies:
            sheet.cell(row, 1, "区役所サービス向上方針")
            for offset, line in enumerate(POLICY_LINES, 1):
                sheet.cell(row + offset, 1, line)
            row += len(POLICY_LINES) + 2
        sheet.cell(row, 1, "区役所サービス向上目標")
        row += 1
    _header(sheet, row, layout)
    row += 1
    _goal_rows(sheet, row, layout)
    stream = BytesIO()
    book.save(stream)
    return stream.getvalue()


def _header(sheet, row, layout):
    if layout.sub_headers:
        for column, label in enumerate(["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度"], 1):  # fmt: skip
            sheet.cell(row, column, label)
        return
    sheet.cell(row, 1, "部署名")
    sheet.cell(row, 2, "目標及び具体的な取組内容")
    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    sheet.cell(row, 5, "実施結果及び目標の達成度")


def _goal_rows(sheet, row, layout):
    spans = []  # [first row, last row] of each department
    for department, number, category, text, one_cell in seed_rows():
        if department:
            sheet.cell(row, 1, department)
            spans.append([row, row])
        spans[-1][1] = row
        one = layout.goals == "one_cell" or (layout.goals == "as_seed" and one_cell is not None)
        if one and not layout.sub_headers:
            squeezed = "".join(category.split())
            sheet.cell(row, 2, f"{number} {squeezed} {text}" if squeezed else f"{number} {text}")
            sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        else:
            sheet.cell(row, 2, number)
            sheet.cell(row, 3, _category(category, layout) or None)
            sheet.cell(row, 4, text)
        row += 1
    if layout.departments == "merged":
        for first, last in spans:
            if last > first:
                sheet.merge_cells(start_row=first, start_column=1, end_row=last, end_column=1)
