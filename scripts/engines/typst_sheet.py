"""The 取組シート drawn by Typst from a layout dumped as JSON (scripts/bench_typst.py), as one process.

Usage: python scripts/engines/typst_sheet.py LAYOUT.json OUT.pdf [ua-1|a-3a ...]

Two passes, as the app's own PDF repeats a department's cell where its rows
run on to a new page (SheetLayout.paged_at): the first finds the page of
every row, the departments are cut there (their cell repeated, marked
（続き）), the second writes the PDF. Departments come in groups of 15, each
opening a page, as the app's parts do, so that both engines draw the same
page breaks between groups.
"""

import json
import sys
from pathlib import Path

import typst

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "sheet.typ"
CONTINUED = "（続き）"
GROUP = 15  # goals/sheet/parts.py PART_DEPARTMENTS


def _inputs(data: dict, markers: bool) -> dict:
    return {"json": json.dumps(data, ensure_ascii=False), "markers": "1" if markers else "0"}


def _row_pages(data: dict, fonts: list[str]) -> dict[int, int]:
    hits = typst.query(
        str(TEMPLATE),
        "<row>",
        field="value",
        root=str(HERE),
        font_paths=fonts,
        sys_inputs=_inputs(data, True),
    )
    return {hit["i"]: hit["p"] for hit in json.loads(hits)}


def _grouped(data: dict) -> dict:
    seen = {}
    parts = [dict(part, group=seen.setdefault(part["name"], len(seen)) // GROUP) for part in data["parts"]]
    return dict(data, parts=parts)


def _paged_at(data: dict, pages: dict[int, int]) -> dict:
    parts = []
    for part in data["parts"]:
        pieces = [[]]
        for row in part["rows"]:
            if pieces[-1] and pages[row["index"]] != pages[pieces[-1][-1]["index"]]:
                pieces.append([])
            pieces[-1].append(row)
        for number, rows in enumerate(pieces):
            continued = part["continued"] or number > 0
            rows = [dict(row, rowspan=len(rows) if i == 0 else 0) for i, row in enumerate(rows)]
            label = part["name"] + CONTINUED if continued else part["name"]
            parts.append(dict(part, rows=rows, continued=continued, label=label))
    return dict(data, parts=parts)


def render(data: dict, standards: list[str], fonts: list[str]) -> bytes:
    data = _grouped(data)
    paged = _paged_at(data, _row_pages(data, fonts))
    return typst.compile(
        str(TEMPLATE),
        root=str(HERE),
        font_paths=fonts,
        sys_inputs=_inputs(paged, False),
        pdf_standards=standards,
    )


def main():
    layout, output, *standards = sys.argv[1:]
    data = json.loads(Path(layout).read_text())
    Path(output).write_bytes(render(data, standards, data["font_paths"]))


if __name__ == "__main__":
    main()
