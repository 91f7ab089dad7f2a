#!/usr/bin/env python
"""Time importing the seed sheet and a sheet 10× its size (`make bench-import`).

Runs against a throwaway SQLite database in a temporary directory, never the
development one. For each workbook it times reading (openpyxl and the
checks), planning (the comparison with the database) and committing into an
empty fiscal year (departments created), and prints the best of several runs.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def setup_django(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kojo_shishin.settings"
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)


def workbooks() -> dict[str, tuple[bytes, str, int]]:
    from goals.models import Sheet
    from goals.synthetic import build_synthetic_sheet
    from tests.bad_workbooks import workbook_from_database
    from tests.seed_workbooks import build_seed_workbook

    big = build_synthetic_sheet(scale=10)
    seed = Sheet.objects.get(ward__name="幸区", fiscal_year=2025)
    return {
        "seed (official layout, 42 goals)": (build_seed_workbook(), "幸区", seed.goals.count()),
        "10x seed (420 goals)": (workbook_from_database(big), big.ward.name, big.goals.count()),
    }


def time_import(data: bytes, ward: str, year: int, goals: int) -> tuple[float, float, float]:
    from goals.import_commit import commit_import
    from goals.import_plan import build_plan
    from goals.importers import read_workbook
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


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        print(f"import_sheet benchmark: best and median of {RUNS} runs, fresh fiscal year each run (SQLite)")
        print(f"{'workbook':34} {'size':>8} {'read':>8} {'plan':>8} {'commit':>8} {'total':>8} {'median':>8}")
        for name, (data, ward, goals) in workbooks().items():
            totals, best = [], None
            for run in range(RUNS):
                phases = time_import(data, ward, 2026 + run, goals)
                totals.append(sum(phases))
                if best is None or sum(phases) < sum(best):
                    best = phases
            read, plan, commit = best
            print(
                f"{name:34} {len(data) / 1024:>6.0f}KB {read:>7.3f}s {plan:>7.3f}s {commit:>7.3f}s "
                f"{sum(best):>7.3f}s {statistics.median(totals):>7.3f}s"
            )


if __name__ == "__main__":
    main()
