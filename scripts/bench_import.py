#!/usr/bin/env python
"""Time importing the seed sheet and a sheet 10× its size (`make bench-import`).

Runs with production settings (DEBUG off) against a throwaway SQLite database
in a temporary directory, never the development one. For each workbook it
times reading (the file checks and openpyxl), planning (the comparison with
the database) and committing into an empty fiscal year (departments created,
as with --create-missing), and prints the best and the median of several runs.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def setup_django(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kojo_shishin.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_SECRET_KEY"] = "bench-only-" + os.urandom(16).hex()
    os.environ["DJANGO_ALLOWED_HOSTS"] = "localhost"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)


def workbooks() -> dict[str, tuple[bytes, str, int]]:
    from goals.models import Sheet
    from goals.seed.synthetic import build_synthetic_sheet
    from goals.sheet.layout import build_layout
    from goals.sheet.workbook import render_xlsx
    from tests.seed_workbooks import build_seed_workbook

    big = build_synthetic_sheet(scale=10)
    seed = Sheet.objects.get(ward__name="幸区", fiscal_year=2025)
    return {
        "seed, its original layout": (build_seed_workbook(), "幸区", seed.goals.count()),
        "seed, our Excel export": (render_xlsx(build_layout(seed)), "幸区", seed.goals.count()),
        "10x seed, our Excel export": (render_xlsx(build_layout(big)), big.ward.name, big.goals.count()),
    }


def time_import(data: bytes, ward: str, year: int, goals: int) -> tuple[float, float, float]:
    from goals.imports.commit import commit_import
    from goals.imports.plan import build_plan
    from goals.imports.reader import read_workbook
    from goals.models import Category

    started = time.perf_counter()
    parsed = read_workbook(data, Category.objects.values_list("name", flat=True))
    read = time.perf_counter()
    plan = build_plan(parsed, ward, year)
    planned = time.perf_counter()
    committed = commit_import(parsed, ward, year, create_missing=True, expected_digest=plan.digest)
    done = time.perf_counter()
    if committed.created != goals:
        sys.exit(f"{ward} {year}: {committed.created} goals imported, expected {goals}")
    return read - started, planned - read, done - planned


def time_command(data: bytes, ward: str, years, directory: str) -> list[float]:
    """`manage.py import_sheet` as a whole process (Python and Django start-up included)."""
    path = Path(directory) / "bench.xlsx"
    path.write_bytes(data)
    seconds = []
    for year in years:
        command = [sys.executable, str(ROOT / "manage.py"), "import_sheet", str(path)]
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 (our own interpreter and script)
            [*command, "--ward", ward, "--year", str(year), "--create-missing"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        years = iter(range(2026, 2100))  # every run imports into a year nobody has used yet
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores, load {load:.2f}; python {sys.version.split()[0]}")
        print(
            f"in one process, best and median of {RUNS} runs, a fresh fiscal year each (SQLite, DEBUG off):"
        )
        header = f"{'workbook':30} {'goals':>5} {'size':>6}"
        print(f"{header} {'read':>8} {'plan':>8} {'commit':>8} {'total':>8} {'median':>8}")
        books = workbooks()
        for name, (data, ward, goals) in books.items():
            runs = [time_import(data, ward, next(years), goals) for _ in range(RUNS)]
            read, plan, commit = min(runs, key=sum)
            print(
                f"{name:30} {goals:>5} {len(data) / 1024:>4.0f}kB {read:>7.3f}s {plan:>7.3f}s {commit:>7.3f}s "
                f"{read + plan + commit:>7.3f}s {statistics.median(map(sum, runs)):>7.3f}s"
            )
        print(f"whole process (Python and Django start-up included), median of {RUNS} runs:")
        for name in ("seed, our Excel export", "10x seed, our Excel export"):
            data, ward, _ = books[name]
            seconds = time_command(data, ward, [next(years) for _ in range(RUNS)], directory)
            print(f"  manage.py import_sheet  {name:30} {statistics.median(seconds):.2f}s")


if __name__ == "__main__":
    main()
