"""Benchmark of the 取組シート outputs: `make bench` (figures go to docs/benchmarks.md).

Runs on a throwaway SQLite database holding the seed sheet (幸区 令和7年度,
15 departments, 42 goals) and a synthetic sheet ten times its size, and prints:

- in one warm process, the median of several runs of building the layout,
  rendering the PDF (the default variant, PDF/UA-1, tagged), the PDF/A-3a
  variant and the workbook, for both sheets;
- whole processes, run alternately: `manage.py export_sheet --format pdf`
  against LibreOffice (`soffice --headless --convert-to pdf`, where it is
  installed) turning the workbook we export into a PDF, and their ratio. It
  converts the official worksheet only (the flat 一覧 worksheet removed), so
  both draw the same sheet.

Usage: python scripts/bench_sheet.py [--runs N] [--process-runs N]
"""

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(function, runs: int) -> float:
    function()  # warm-up: imports, font loading, template compilation
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_process(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)  # noqa: S603
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs per in-process figure")
    parser.add_argument("--process-runs", type=int, default=5, help="runs per whole-process figure")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-"))
    # Production settings (DEBUG off), with a throwaway key and database.
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kojo_shishin.settings",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        run(workdir, env, options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, env: dict, options):
    import django

    django.setup()
    from django.core.management import call_command
    from pypdf import PdfReader

    from goals.models import Sheet
    from goals.seed.synthetic import build_synthetic_sheet
    from goals.sheet.layout import build_layout
    from goals.sheet.pdf import render_pdf
    from goals.sheet.workbook import render_xlsx

    call_command("migrate", verbosity=0)
    # Production serves the hashed, collected stylesheet; the PDF reads the same file.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_seed", stdout=io.StringIO())
    build_synthetic_sheet(scale=10, ward_name="試験区")
    sheets = {"seed (42 goals)": "幸区", "10x (420 goals)": "試験区"}

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")
    print(f"in one warm process, median of {options.runs} runs:")
    print(
        f"  {'sheet':<16} {'layout':>9} {'PDF':>9} {'PDF/A':>9} {'Excel':>9} {'pages':>6} {'PDF size':>10}"
        f" {'xlsx size':>10}"
    )
    for label, ward in sheets.items():
        sheet = Sheet.objects.select_related("ward").get(ward__name=ward, fiscal_year=2025)
        layout = build_layout(sheet)
        runs = options.runs if ward == "幸区" else max(3, options.runs // 2)
        layout_s = median_seconds(lambda sheet=sheet: build_layout(sheet), runs)
        pdf_s = median_seconds(lambda layout=layout: render_pdf(layout), runs)
        pdfa_s = median_seconds(lambda layout=layout: render_pdf(layout, "pdf/a-3a"), runs)
        xlsx_s = median_seconds(lambda layout=layout: render_xlsx(layout), runs)
        pdf, xlsx = render_pdf(layout), render_xlsx(layout)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        official_only(xlsx, workdir / f"{ward}.xlsx")
        print(
            f"  {label:<16} {layout_s * 1000:>7.1f}ms {pdf_s:>8.3f}s {pdfa_s:>8.3f}s {xlsx_s:>8.3f}s {pages:>6}"
            f" {len(pdf) / 1024:>8.0f}kB {len(xlsx) / 1024:>8.0f}kB"
        )
    compare_processes(workdir, env, options.process_runs, sheets)


def official_only(xlsx: bytes, path: Path):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    for name in book.sheetnames[1:]:
        del book[name]
    book.save(path)


def compare_processes(workdir: Path, env: dict, runs: int, sheets: dict):
    soffice = shutil.which("soffice")
    profile = f"-env:UserInstallation=file://{workdir / 'lo-profile'}"
    print(f"whole processes, median of {runs} runs (alternating):")
    for label, ward in sheets.items():
        export = [
            sys.executable,
            "manage.py",
            "export_sheet",
            "--ward",
            ward,
            "--year",
            "2025",
            "--format",
            "pdf",
        ]
        export += ["--output", str(workdir / f"{ward}.pdf")]
        convert = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(workdir / "lo")]
        convert.append(str(workdir / f"{ward}.xlsx"))
        ours, theirs = [], []
        timed_process(export, env)  # warm the OS file cache (and LibreOffice's profile) first
        if soffice:
            timed_process(convert, env)
        for _ in range(runs):
            ours.append(timed_process(export, env))
            if soffice:
                theirs.append(timed_process(convert, env))
        line = f"  {label:<16} export_sheet --format pdf {statistics.median(ours):.2f}s"
        if soffice:
            lo = statistics.median(theirs)
            ratio = lo / statistics.median(ours)
            line += f" | LibreOffice xlsx→pdf {lo:.2f}s | LibreOffice ÷ export_sheet = {ratio:.2f} (>1: ours faster)"
        else:
            line += " | LibreOffice (soffice) not installed: no reference"
        print(line)


if __name__ == "__main__":
    main()
