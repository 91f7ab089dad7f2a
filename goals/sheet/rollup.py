"""The city's roll-up of the 取組シート: every ward's sheet of a fiscal year in one PDF and one workbook.

A CityLayout holds the summary table (per ward: goals by 達成度 as the sheets
print them, departments by status; goals/overview/city.py counts them) and
each ward's own SheetLayout, built by goals/sheet/layout.py exactly as the
ward's sheet is. Nothing of the official layout is drawn here a second time:

- the PDF opens with the summary page (templates/goals/city/rollup_print.html,
  the city's name in its title and metadata), then every ward's sheet drawn
  by goals/sheet/pdf.py's own render_document (same template, same page
  planning, its department cells on every page); the pages are joined into
  one document;
- the workbook opens with the worksheet 「集計」 (the summary), then one
  worksheet per ward, named after the ward, drawn by goals/sheet/workbook.py's
  write_sheet (the same cells, merges, print setup as the ward's own workbook).

Building a CityLayout takes a constant number of queries per ward (build_layout's),
plus the summary's three.
"""

import hashlib
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.utils import timezone

from goals.lib.collector import collector_paused
from goals.lib.wareki import date_label, fiscal_year_label
from goals.overview.city import RollupSummary, rollup_summary
from goals.sheet.layout import SheetLayout, build_layout
from goals.sheet.vocabulary import LEGEND_HEADING, TITLE_SUFFIX

ROLLUP_HEADING = "各区の取りまとめ"
SUMMARY_HEADING = "集計（区ごとの達成度と部署の提出状況）"
SUMMARY_SHEET_TITLE = "集計"
SUMMARY_NOTE = (
    "達成度は、実施結果を提出した部署（提出済み・確認済み）の目標について数えています。"
    "それ以外の目標は「達成度なし」に含めています。"
)
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Excel refuses these in a worksheet's name, and names longer than 31 characters.
_UNSAFE_IN_WORKSHEET = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class CityLayout:
    city: str
    fiscal_year: int
    title: str
    output_date: str
    summary: RollupSummary
    wards: tuple[SheetLayout, ...]
    summary_heading: str = SUMMARY_HEADING
    summary_note: str = SUMMARY_NOTE

    @property
    def heading(self) -> str:
        """「川崎市　令和7年度向上指針取組シート　各区の取りまとめ」."""
        return f"{self.city}　{self.title}　{ROLLUP_HEADING}"

    @property
    def summary_headers(self) -> list[str]:
        return [
            "区",
            "段階",
            "目標数",
            *(f"達成度 {label}" for label in self.summary.level_labels),
            "達成度なし",
            *(f"部署 {label}" for label in self.summary.status_labels),
        ]

    @property
    def summary_rows(self) -> list[list]:
        """The summary as rows of cells, the city's total last."""
        rows = [*self.summary.rows, *([self.summary.total] if self.summary.total else [])]
        return [[str(r.ward), r.phase, r.goals, *r.levels, r.no_level, *r.statuses] for r in rows]

    @property
    def level_columns(self) -> list[tuple[str, str]]:
        """(number, label) of each level: the summary's header shows the number, the legend its label."""
        return [tuple(label.split(" ", 1)) for label in self.summary.level_labels]

    @property
    def legend_line(self) -> str:
        return "　".join((LEGEND_HEADING, *self.summary.level_labels))

    def filename(self, extension: str) -> str:
        """令和7年度向上指針取組シート_川崎市_各区の取りまとめ.pdf."""
        stem = "_".join((self.title, self.city, ROLLUP_HEADING))
        return f"{_UNSAFE_IN_FILENAME.sub('_', stem)}.{extension}"


def build_city_layout(city, year: int, *, sheets: bool = True) -> CityLayout:
    """The summary and every ward's whole sheet of the year, wards in the summary's order;
    with `sheets=False` the summary alone (the roll-up page, which links to the sheets)."""
    summary = rollup_summary(city, year)
    wards = tuple(build_layout(row.sheet) for row in summary.rows) if sheets else ()
    return CityLayout(
        city=city.name,
        fiscal_year=year,
        title=f"{fiscal_year_label(year)}{TITLE_SUFFIX}",
        output_date=date_label(timezone.localdate()),
        summary=summary,
        wards=wards,
    )


# What draws the roll-up besides goals/sheet (already in the sheets' keys): its summary and template.
ROLLUP_CODE = (
    "goals/overview/city.py",
    "templates/goals/city/rollup_print.html",
    "templates/goals/city/_rollup_summary.html",
)


def rollup_key(city, year: int, kind: str) -> str:
    """The key of the roll-up's PDF (`kind`: its variant) or workbook ("xlsx") in the shared document
    store (goals/sheet/documents.py): every ward's own sheet key, the city, and the roll-up's own code.
    A constant number of queries per ward; any change to any ward's sheet makes a new key."""
    from django.conf import settings

    from goals.models import Sheet
    from goals.sheet import documents

    sheets = (
        Sheet.objects.filter(ward__city=city, fiscal_year=year).select_related("ward").order_by("ward__name")
    )
    code = hashlib.blake2b(digest_size=16)
    for name in ROLLUP_CODE:
        code.update((Path(settings.BASE_DIR) / name).read_bytes())
    inputs = (
        city.pk,
        city.name,
        year,
        kind,
        code.hexdigest(),
        [documents.sheet_key(s, kind) for s in sheets],
    )
    return f"city:{city.pk}:{year}:{hashlib.blake2b(repr(inputs).encode(), digest_size=20).hexdigest()}"


def worksheet_title(name: str) -> str:
    return _UNSAFE_IN_WORKSHEET.sub("_", name)[:31] or "区"


# --- PDF -------------------------------------------------------------------------------------

SUMMARY_TEMPLATE = "goals/city/rollup_print.html"


def render_rollup_pdf(layout: CityLayout, variant: str | None = None) -> bytes:
    """The summary page, then each ward's sheet as its own PDF draws it, in one tagged document."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.template.loader import render_to_string

    from goals.sheet import pdf

    variant = variant or settings.SHEET_PDF_VARIANT
    if variant not in pdf.VARIANTS:
        raise ImproperlyConfigured(f"PDF の形式「{variant}」には対応していません。")
    with collector_paused():
        html = render_to_string(SUMMARY_TEMPLATE, {"rollup": layout})
        cover = pdf.lay_out_html(html)
        pages = list(cover.pages)
        for ward in layout.wards:
            pages += pdf.render_document(ward).pages
        document = cover.copy(pages)
        metadata = document.metadata
        metadata.title = layout.heading.replace("　", " ")
        metadata.authors = [layout.city]
        metadata.description = f"{layout.city}の各区の{layout.title}と{SUMMARY_HEADING}"
        metadata.keywords = [layout.title, layout.city, ROLLUP_HEADING]
        metadata.generator = "kojo_shishin"
        metadata.created = metadata.modified = timezone.localtime().isoformat(timespec="seconds")
        metadata.lang = "ja"
        return document.write_pdf(pdf_variant=variant, pdf_tags=True)


# --- Workbook ----------------------------------------------------------------------------------


def render_rollup_xlsx(layout: CityLayout) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from goals.sheet import workbook as sheet_workbook

    with collector_paused():
        book = Workbook()
        summary = book.active
        summary.title = SUMMARY_SHEET_TITLE
        book.properties.title = layout.heading.replace("　", " ")
        book.properties.creator = layout.city
        cell = sheet_workbook.set_cell
        cell(summary, 1, 1, layout.heading, sheet_workbook.TITLE)
        cell(summary, 2, 1, f"出力日 {layout.output_date}")
        cell(summary, 3, 1, SUMMARY_NOTE)
        header_row = 5
        headers = layout.summary_headers
        for column, header in enumerate(headers, 1):
            written = cell(
                summary,
                header_row,
                column,
                header,
                sheet_workbook.BOLD,
                sheet_workbook.HEADER_ALIGN,
                sheet_workbook.BORDER,
            )
            written.fill = sheet_workbook.HEADER_FILL
            summary.column_dimensions[get_column_letter(column)].width = 14 if column > 2 else 10
        summary.row_dimensions[header_row].height = 42
        for number, values in enumerate(layout.summary_rows, header_row + 1):
            for column, value in enumerate(values, 1):
                cell(summary, number, column, value, border=sheet_workbook.BORDER)
        summary.freeze_panes = f"B{header_row + 1}"
        summary.page_setup.orientation = summary.ORIENTATION_LANDSCAPE
        summary.page_setup.paperSize = summary.PAPERSIZE_A4
        summary.page_setup.fitToWidth = 1
        summary.page_setup.fitToHeight = 0
        summary.sheet_properties.pageSetUpPr.fitToPage = True
        for ward in layout.wards:
            sheet_workbook.write_sheet(book.create_sheet(worksheet_title(ward.ward)), ward)
        output = BytesIO()
        book.save(output)
        return output.getvalue()
