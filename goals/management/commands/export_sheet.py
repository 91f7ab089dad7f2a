import gc
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from departments.models import Ward
from goals.lib.wareki import fiscal_year_label
from goals.management.arguments import YEAR_HELP, fiscal_year
from goals.models import Sheet
from goals.sheet.checks import japanese_font_installed
from goals.sheet.layout import build_layout, departments_on

# Imported when used, so that WeasyPrint loads after run_from_argv paused the collector.
RENDERERS = {"pdf": "goals.sheet.pdf.render_pdf", "xlsx": "goals.sheet.workbook.render_xlsx"}


class Command(BaseCommand):
    help = "取組シートを PDF または Excel で書き出します（例: --ward 幸区 --year 2025 --format pdf）。"
    # The full system checks import every URL module and admin; an export
    # needs only the font check, run below for PDFs.
    requires_system_checks = []

    def run_from_argv(self, argv):
        """From the command line only (not call_command): a short-lived process.

        The cycle collector would otherwise walk the whole heap (Django,
        WeasyPrint, fontTools) many times while the PDF is drawn, and once
        more at exit to free what the operating system reclaims anyway: a
        fifth of the process's time. Memory use is bounded by one export;
        what is alive at the end is frozen, so the exit has nothing to walk.
        """
        gc.disable()
        try:
            super().run_from_argv(argv)
        finally:
            gc.freeze()
            gc.enable()

    def add_arguments(self, parser):
        parser.add_argument("--ward", required=True, help="区名（例：幸区）")
        parser.add_argument("--year", required=True, help=YEAR_HELP)
        parser.add_argument("--format", required=True, dest="file_format", help="pdf か xlsx")
        parser.add_argument(
            "--department",
            action="append",
            help="部署名。指定するとその部署の分だけを書き出します（複数回指定できます）",
        )
        parser.add_argument("--confirmed-only", action="store_true", help="確認済みの部署だけを載せます")
        parser.add_argument(
            "--pdf-variant",
            choices=["pdf/ua-1", "pdf/a-3a"],
            help="PDF の形式（省略時は設定 SHEET_PDF_VARIANT。長期保存用は pdf/a-3a）",
        )
        parser.add_argument("--output", help="書き出すファイル。省略時は標準のファイル名で現在のフォルダへ")

    def handle(
        self,
        *args,
        ward,
        year,
        file_format,
        department=None,
        output=None,
        confirmed_only=False,
        pdf_variant=None,
        **options,
    ):
        extension = file_format.lower()
        if extension not in RENDERERS:
            raise CommandError(f"形式「{file_format}」には対応していません。pdf か xlsx を指定してください。")
        if extension == "pdf":
            self._check_fonts()
            from goals.sheet.pdf import drawing_processes

            with drawing_processes():
                return self._export(ward, year, extension, department, output, confirmed_only, pdf_variant)
        return self._export(ward, year, extension, department, output, confirmed_only, pdf_variant)

    def _export(self, ward, year, extension, department, output, confirmed_only, pdf_variant):
        render = import_string(RENDERERS[extension])
        sheet = self._sheet(ward, fiscal_year(year))
        parts = [self._department(sheet, name) for name in department or ()]
        layout = build_layout(sheet, departments=parts, confirmed_only=confirmed_only)
        path = Path(output) if output else Path(layout.filename(extension))
        try:
            content = render(layout, pdf_variant) if extension == "pdf" else render(layout)
        except RuntimeError as error:  # goals.pdf.MissingResource: a stylesheet it cannot read
            raise CommandError(str(error)) from None
        _write_atomically(path, content)
        self.stdout.write(self.style.SUCCESS(f"{path} に書き出しました。"))

    def _check_fonts(self):
        for error in japanese_font_installed():
            raise CommandError(f"{error.msg}\n{error.hint}")

    def _sheet(self, ward: str, year: int) -> Sheet:
        if not Ward.objects.filter(name=ward).exists():
            known = "、".join(Ward.objects.values_list("name", flat=True)) or "（登録なし）"
            raise CommandError(f"区「{ward}」は登録されていません。登録されている区: {known}")
        try:
            return Sheet.objects.select_related("ward").get(ward__name=ward, fiscal_year=year)
        except Sheet.DoesNotExist:
            years = Sheet.objects.filter(ward__name=ward).values_list("fiscal_year", flat=True)
            known = "、".join(f"{fiscal_year_label(y)}（{y}）" for y in sorted(years)) or "（なし）"
            raise CommandError(
                f"{ward}の{_year_label(year)}の取組シートはありません。ある年度: {known}"
            ) from None

    def _department(self, sheet: Sheet, name: str):
        department = departments_on(sheet).filter(name=name).first()
        if department is None:
            raise CommandError(
                f"部署「{name}」は{sheet.ward.name} {sheet.fiscal_year_label}の取組シートにありません。"
            )
        return department


def _year_label(year: int) -> str:
    try:
        return f"{fiscal_year_label(year)}（{year}年度）"
    except ValueError:
        return f"{year}年度"


def _write_atomically(path: Path, content: bytes):
    """Write next to the target, then rename: an interrupted export leaves no half file."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CommandError(f"書き出し先のフォルダ「{directory}」がありません。")
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".export-", delete=False) as temporary:
        temporary.write(content)
    os.replace(temporary.name, path)
