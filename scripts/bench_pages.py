"""Benchmark of what must not grow faster than the sheet: `make bench` (figures go to docs/benchmarks.md).

On a throwaway SQLite database holding synthetic wards 1×, 10× and 30× the
seed (42, 420 and 1,260 goals; 15, 150 and 450 departments), in one run:

- the workbook render (goals/sheet/workbook.py), median of warm runs at each
  size: linear when 30× takes at most 3.3 times 10×;
- the ward board and the sheet page, median server time of warm requests
  through Django's test client (middleware, view, template; no network), with
  their query counts and HTML size: at 30× under 100 ms, and the same number
  of queries at every size;
- `manage.py export_sheet --format pdf` as separate processes: wall time, and
  the modules of the admin's import-export stack it loaded (none).

Each target is printed with its figure and PASS or FAIL, and the load average
before and after (figures from a busy machine say so).

Usage: python scripts/bench_pages.py [--runs N]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as `python scripts/bench_pages.py`: the other benchmarks are beside it.
from bench_city import measure as measure_page
from benchenv import compile_project, production_env

ROOT = Path(__file__).resolve().parent.parent
SCALES = (1, 10, 30)
PAGE_TARGET_S = 0.100
LINEAR_LIMIT = 3.3
ADMIN_STACK = ("import_export.", "tablib", "goals.admin", "departments.admin", "departments.resources")
# Imported by the app registry and by Django's template engine, which loads every installed
# app's template tags: the package and its tags (diff-match-patch only).
ALLOWED = {
    "import_export._version",
    "import_export.templatetags",
    "import_export.templatetags.import_export_tags",
}
REPORTING = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('\\n'.join(['--modules--', *sorted(sys.modules)])))\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm runs per figure")
    parser.add_argument("--process-runs", type=int, default=3, help="export_sheet processes")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-pages-"))
    env = {**os.environ, **production_env(workdir)}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        run(options, env)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def build():
    """Wards 試験1区, 試験10区, 試験30区 in 実施中, a third of the departments handed in, and a reviewer."""
    from django.core.management import call_command

    from departments.models import Membership
    from goals.models import AchievementLevel, DepartmentReport, Goal
    from goals.seed.synthetic import build_synthetic_sheet

    call_command("load_seed", verbosity=0, stdout=open(os.devnull, "w"))
    level = AchievementLevel.objects.get(number=3)
    from django.contrib.auth import get_user_model

    sheets = {}
    for scale in SCALES:
        sheet = build_synthetic_sheet(scale=scale, ward_name=f"試験{scale}区")
        handed_in = [d.pk for d in sheet.ward.departments.all() if d.order % 3 == 0]
        Goal.objects.filter(sheet=sheet, department__in=handed_in).update(
            result="実施しました。", achievement=level
        )
        DepartmentReport.objects.filter(sheet=sheet, department__in=handed_in).update(
            status=DepartmentReport.Status.SUBMITTED
        )
        user = get_user_model().objects.create_user(f"bench-reviewer-{scale}")
        Membership.objects.create(
            user=user, department=sheet.ward.departments.first(), role=Membership.Role.REVIEWER
        )
        sheets[scale] = (sheet, user)
    return sheets


def export_processes(env, runs):
    """Wall time of `manage.py export_sheet --format pdf` (the seed), and the admin-stack modules it loaded."""
    compile_project(ROOT)
    times, unwanted = [], set()
    with tempfile.TemporaryDirectory() as directory:
        args = ["export_sheet", "--ward", "幸区", "--year", "2025", "--format", "pdf"]
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(  # noqa: S603 - our own manage.py
                [sys.executable, "-c", REPORTING, *args, "--output", f"{directory}/sheet.pdf"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(time.perf_counter() - start)
            modules = set(done.stdout.split("--modules--\n", 1)[1].split())
            unwanted |= {
                m for m in modules if m.startswith(ADMIN_STACK) or m.startswith("openpyxl")
            } - ALLOWED
    return statistics.median(times), sorted(unwanted)


def _listed(modules: list[str]) -> str:
    if not modules:
        return "none"
    return f"{len(modules)} ({', '.join(modules[:4])}, …)" if len(modules) > 4 else ", ".join(modules)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run(options, env):
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from goals.sheet.layout import build_layout
    from goals.sheet.workbook import render_xlsx

    print(f"before: {load()}; python {sys.version.split()[0]}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production serves hashed names
    sheets = build()

    # Sizes interleaved run by run, so that a change in the machine's load hits them alike.
    layouts = {scale: build_layout(sheet) for scale, (sheet, _) in sheets.items()}
    times = {scale: [] for scale in layouts}
    render_xlsx(layouts[1])  # warm-up
    for _ in range(options.runs):
        for scale, layout in layouts.items():
            start = time.perf_counter()
            render_xlsx(layout)
            times[scale].append(time.perf_counter() - start)
    workbook = {scale: statistics.median(values) for scale, values in times.items()}

    pages = {}
    for scale, (sheet, user) in sheets.items():
        client = Client()
        client.force_login(user)
        args = f"{sheet.ward.name}/{sheet.fiscal_year}"
        pages[scale] = {
            "ward board": measure_page(client, f"/board/{args}/", options.runs),
            "sheet page": measure_page(client, f"/sheets/{args}/", options.runs),
        }
    export_time, unwanted = export_processes(env, options.process_runs)

    print(f"after:  {load()}")
    print(
        f"synthetic wards of 42 / 420 / 1,260 goals (1× / 10× / 30×), SQLite, median of {options.runs} warm runs"
    )
    ratio = workbook[30] / workbook[10]
    print(
        f"  workbook render      1× {workbook[1] * 1000:6.0f} ms  10× {workbook[10] * 1000:6.0f} ms"
        f"  30× {workbook[30] * 1000:6.0f} ms   30×/10× = {ratio:.2f} (target ≤ {LINEAR_LIMIT})"
        f"  {verdict(ratio <= LINEAR_LIMIT)}"
    )
    for name in pages[1]:
        times = "  ".join(f"{s}× {pages[s][name][0] * 1000:5.1f} ms" for s in SCALES)
        queries = [pages[s][name][1] for s in SCALES]
        sizes = "/".join(f"{pages[s][name][2] / 1024:.0f}" for s in SCALES)
        fast = pages[30][name][0] < PAGE_TARGET_S
        print(
            f"  {name:<20} {times}   (target 30× < {PAGE_TARGET_S * 1000:.0f} ms) {verdict(fast)};"
            f" queries {'/'.join(map(str, queries))} {verdict(len(set(queries)) == 1)}; HTML {sizes} kB"
        )
    print(
        f"  export_sheet --format pdf (seed, whole process) {export_time:.2f} s;"
        f" admin-stack modules loaded: {_listed(unwanted)}  {verdict(not unwanted)}"
    )


if __name__ == "__main__":
    main()
