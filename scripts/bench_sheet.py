"""Benchmark of the 取組シート outputs: `make bench` (figures go to docs/benchmarks.md).

Runs on a throwaway SQLite database holding the seed sheet (幸区 令和7年度,
15 departments, 42 goals) and synthetic sheets ten and thirty times its size,
and prints:

- in one warm process, the median of several runs of building the layout,
  drawing the PDF in one piece (`render_whole`: the default variant, PDF/UA-1,
  tagged, and the PDF/A-3a variant) and the workbook; then, for the 10x
  sheet, the PDF drawn in parts of 15 departments with no part kept (two
  processes), and again after one department's goal changed (one part drawn,
  the others kept, assembled);
- whole processes, run alternately: `manage.py export_sheet --format pdf`
  against LibreOffice (`soffice --headless --convert-to pdf`, where it is
  installed) turning the workbook we export into a PDF, their ratio, and the
  export's peak memory (the largest of its processes). It converts the
  official worksheet only (the flat 一覧 worksheet removed), so both draw the
  same sheet;
- each target of the sheet's PDF with its figure, met or not, and the load.

Usage: python scripts/bench_sheet.py [--full] [--runs N] [--process-runs N]
(the default is the quick run, about three minutes on two cores).
"""

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import compile_project

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(function, runs: int) -> float:
    function()  # warm-up: imports, font loading, template compilation
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the forked workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# Runs a command as a subreaper: its orphaned descendants (export_sheet's fork server, and the drawing
# processes forked from it) are reaped here, so that their CPU time and memory count as the command's
# (Linux). Prints the command's wall seconds (until it exits, as a shell waits for it: its errors go to
# a file, not a pipe that the fork server would hold open for a moment longer), the CPU seconds of it
# and all it started, and the largest resident size among them (kB).
_ADOPTING = """
import ctypes, os, resource, subprocess, sys, tempfile, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
with tempfile.TemporaryFile() as errors:
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=errors)
    wall = time.perf_counter() - start
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    if done.returncode:
        errors.seek(0)
        sys.exit(errors.read().decode(errors="replace"))
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def measured_process(command: list[str], env: dict) -> tuple[float, float, float]:
    """Wall seconds of a whole process until it exits, the CPU seconds of it and of every process it
    started (a fork server outlives it by a moment), and the peak memory among them (MB)."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _ADOPTING, *command], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
    wall, cpu, peak = done.stdout.split()
    return float(wall), float(cpu), int(peak) / 1024


def timed_process(command: list[str], env: dict, cpu: list | None = None) -> float:
    """Wall seconds of a whole process; its CPU seconds (with all it started) go to `cpu`."""
    wall, seconds, _ = measured_process(command, env)
    if cpu is not None:
        cpu.append(seconds)
    return wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="more runs (about ten minutes)")
    parser.add_argument("--runs", type=int, help="warm runs per in-process figure (quick 3, full 7)")
    parser.add_argument("--process-runs", type=int, help="runs per whole-process figure (quick 2, full 5)")
    options = parser.parse_args()
    options.runs = options.runs or (7 if options.full else 3)
    options.process_runs = options.process_runs or (5 if options.full else 2)

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
    import logging

    import django

    django.setup()
    # The site's stylesheet carries rules WeasyPrint does not know: one warning each, every rendering.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from django.core.management import call_command
    from pypdf import PdfReader

    from goals.models import Goal, Sheet
    from goals.seed.synthetic import build_synthetic_sheet
    from goals.sheet import parts, pdf
    from goals.sheet.layout import build_layout
    from goals.sheet.workbook import render_xlsx

    call_command("migrate", verbosity=0)
    # Production serves the hashed, collected stylesheet; the PDF reads the same file.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_seed", stdout=io.StringIO())
    build_synthetic_sheet(scale=10, ward_name="試験区")
    build_synthetic_sheet(scale=30, ward_name="大試験区")
    sheets = {"seed (42 goals)": "幸区", "10x (420 goals)": "試験区", "30x (1260 goals)": "大試験区"}
    figures = {"load_start": os.getloadavg()[0]}

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")
    print(
        f"in one warm process, median of {options.runs} runs (1 for the larger sheets), drawn in one piece:"
    )
    print(
        f"  {'sheet':<16} {'layout':>9} {'PDF':>9} {'PDF/A':>9} {'Excel':>9} {'pages':>6} {'PDF size':>10}"
        f" {'xlsx size':>10}"
    )
    for label, ward in list(sheets.items())[:2]:
        sheet = Sheet.objects.select_related("ward").get(ward__name=ward, fiscal_year=2025)
        layout = build_layout(sheet)
        runs = options.runs if ward == "幸区" else 1
        layout_s = median_seconds(lambda sheet=sheet: build_layout(sheet), runs)
        pdf_s = median_seconds(lambda layout=layout: pdf.render_whole(layout), runs)
        pdfa_s = median_seconds(lambda layout=layout: pdf.render_whole(layout, "pdf/a-3a"), runs)
        xlsx_s = median_seconds(lambda layout=layout: render_xlsx(layout), runs)
        content, xlsx = pdf.render_whole(layout), render_xlsx(layout)
        pages = len(PdfReader(io.BytesIO(content)).pages)
        official_only(xlsx, workdir / f"{ward}.xlsx")
        figures[ward] = pdf_s
        print(
            f"  {label:<16} {layout_s * 1000:>7.1f}ms {pdf_s:>8.3f}s {pdfa_s:>8.3f}s {xlsx_s:>8.3f}s {pages:>6}"
            f" {len(content) / 1024:>8.0f}kB {len(xlsx) / 1024:>8.0f}kB"
        )
    official_only(
        render_xlsx(build_layout(Sheet.objects.get(ward__name="大試験区"))), workdir / "大試験区.xlsx"
    )

    sheet = Sheet.objects.get(ward__name="試験区")
    print(f"10x in parts of {parts.PART_DEPARTMENTS} departments (median of {options.runs}):")
    layout = build_layout(sheet)

    def cold():
        parts.part_store().clear()
        return pdf.render_parts(layout)

    start_cpu = cpu_seconds()
    pdf.render_whole(layout)
    whole_cpu = cpu_seconds() - start_cpu
    cold_s = median_seconds(cold, options.runs)
    made = pdf.render_parts(layout)
    kept_s = median_seconds(lambda: pdf.render_parts(layout), options.runs)
    goals = list(Goal.objects.filter(sheet=sheet).order_by("department__order", "order"))
    changes = []
    for number in range(options.runs + 1):
        goal = goals[(37 * number + 200) % len(goals)]
        goal.result = f"変更 {number}: 窓口の待ち時間を毎月計測し、結果を掲示しました。"
        goal.text += "。"
        goal.save()
        changed = build_layout(sheet)
        start, start_cpu = time.perf_counter(), cpu_seconds()
        after = pdf.render_parts(changed)
        changes.append((time.perf_counter() - start, after.drawn, cpu_seconds() - start_cpu))
    change_s = statistics.median(t for t, _, _ in changes[1:])
    change_cpu = statistics.median(c for _, _, c in changes[1:])
    drawn = max(d for _, d, _ in changes)
    print(
        f"  no part kept (2 processes) {cold_s:.3f}s | all kept, assembled {kept_s:.3f}s | after one"
        f" department's change {change_s:.3f}s ({drawn} of {made.parts} parts drawn); CPU: after the change"
        f" {change_cpu:.2f}s, drawn in one piece {whole_cpu:.2f}s (ratio {change_cpu / whole_cpu:.2f})"
    )
    figures["cold_parts"], figures["change"] = cold_s, change_s
    figures["change_cpu"], figures["whole_cpu"] = change_cpu, whole_cpu
    compile_project(ROOT)
    compare_processes(workdir, env, options.process_runs, sheets, figures)
    print_targets(figures)


def print_targets(figures: dict):
    load = os.getloadavg()[0]
    print(f"targets (load average {figures['load_start']:.2f} at the start, {load:.2f} now):")
    rows = [
        (
            "10x whole-ward PDF after one department's change < 1/4 of a full render",
            figures["change"] / figures["試験区"],
            0.25,
            f"{figures['change']:.2f}s / {figures['試験区']:.2f}s drawn in one piece; CPU"
            f" {figures['change_cpu']:.2f}s / {figures['whole_cpu']:.2f}s ="
            f" {figures['change_cpu'] / figures['whole_cpu']:.2f}",
        ),
    ]
    for ward, limit in (("幸区", 0.5), ("試験区", 1.0), ("大試験区", 1.0)):
        if f"lo:{ward}" in figures:
            rows.append(
                (
                    f"cold export_sheet PDF ({ward}) ≤ {limit}× LibreOffice",
                    figures[f"ours:{ward}"] / figures[f"lo:{ward}"],
                    limit,
                    f"{figures[f'ours:{ward}']:.2f}s / {figures[f'lo:{ward}']:.2f}s; CPU"
                    f" {figures[f'ours_cpu:{ward}']:.1f}s / {figures[f'lo_cpu:{ward}']:.1f}s ="
                    f" {figures[f'ours_cpu:{ward}'] / figures[f'lo_cpu:{ward}']:.2f}",
                )
            )
    if "rss:大試験区" in figures:
        growth = figures["rss:大試験区"] - figures["rss:試験区"]
        rows.append(
            (
                "peak memory at 30x ≤ 10x + 50 MB",
                growth,
                50,
                f"{figures['rss:大試験区']:.0f} MB − {figures['rss:試験区']:.0f} MB = {growth:+.0f} MB",
            )
        )
    print("  (wall-time ratios decide; on a busy machine read the CPU ratios beside them)")
    for name, value, limit, detail in rows:
        # "under a quarter" is strict; "at most" is not.
        verdict = "met" if value < limit or (value == limit and "≤" in name) else "NOT met"
        print(f"  {name}: {value:.2f} (limit {limit}) {verdict} — {detail}")


def official_only(xlsx: bytes, path: Path):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    for name in book.sheetnames[1:]:
        del book[name]
    book.save(path)


def compare_processes(workdir: Path, env: dict, runs: int, sheets: dict, figures: dict):
    soffice = shutil.which("soffice")
    profile = f"-env:UserInstallation=file://{workdir / 'lo-profile'}"
    print(f"whole processes, median of {runs} runs (1 at 30x), alternating; peak memory of the export:")
    # Cold means cold: with the shared store on, every export after the first would take its parts
    # from the documents table that the first one filled.
    env = {**env, "DJANGO_SHEET_DOCUMENT_CACHE_MB": "0"}
    from goals.sheet import parts

    parts.part_store().clear()  # what the warm runs above kept in the same database
    warmed = False
    for label, ward in sheets.items():
        export = [sys.executable, "manage.py", "export_sheet", "--ward", ward, "--year", "2025"]
        export += ["--format", "pdf", "--output", str(workdir / f"{ward}.pdf")]
        convert = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(workdir / "lo")]
        convert.append(str(workdir / f"{ward}.xlsx"))
        ours, theirs, ours_cpu, theirs_cpu, peaks = [], [], [], [], []
        if not warmed:
            timed_process(export, env)  # warm the OS file cache (and LibreOffice's profile) first
            if soffice:
                timed_process(convert, env)
            warmed = True
        for _ in range(runs if ward != "大試験区" else 1):
            wall, cpu, peak = measured_process(export, env)
            ours.append(wall)
            ours_cpu.append(cpu)
            peaks.append(peak)
            if soffice:
                theirs.append(timed_process(convert, env, theirs_cpu))
        figures[f"rss:{ward}"] = max(peaks)
        figures[f"ours:{ward}"] = statistics.median(ours)
        figures[f"ours_cpu:{ward}"] = statistics.median(ours_cpu)
        line = f"  {label:<16} export_sheet --format pdf {statistics.median(ours):.2f}s"
        line += f" (peak {figures[f'rss:{ward}']:.0f} MB)"
        if soffice:
            lo = statistics.median(theirs)
            figures[f"lo:{ward}"] = lo
            figures[f"lo_cpu:{ward}"] = statistics.median(theirs_cpu)
            line += f" | LibreOffice xlsx→pdf {lo:.2f}s | export_sheet ÷ LibreOffice = {statistics.median(ours) / lo:.2f}"
            line += f" (CPU {statistics.median(ours_cpu):.1f}s ÷ {statistics.median(theirs_cpu):.1f}s)"
        else:
            line += " | LibreOffice (soffice) not installed: no reference"
        print(line, flush=True)


if __name__ == "__main__":
    main()
