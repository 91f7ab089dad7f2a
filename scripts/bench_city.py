"""Benchmark of the city board, the city roll-up and the public pages: `make bench` (figures go to
docs/benchmarks.md).

For each scale a throwaway SQLite database holds 7 wards of one city, each
with 10 fiscal years of published 確定 sheets of 6 × scale goals a year (the
seed's departments, its goals repeated): 1× is 420 goals in all (the seed's 42
× 10 years), 30× is 7 wards × 180 goals × 10 years (12,600 goals). Every page
is requested in one warm process through Django's test client (the whole
request: middleware, views, templates; no network), and the script prints
the median server time and the number of queries of each, the ratios, the
roll-up's downloads (one run each) and the load average before and after.

Usage: python scripts/bench_city.py [--runs N] [--scales 1,10,30] [--no-downloads]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchenv import production_env

ROOT = Path(__file__).resolve().parent.parent
WARDS = 7
YEARS = range(2016, 2026)
GOALS_PER_SCALE = 6
TARGET_MS = 150


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="warm runs per figure")
    parser.add_argument("--scales", default="1,10,30", help="comma-separated scales")
    parser.add_argument("--no-downloads", action="store_true", help="skip the roll-up PDF and workbook")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-city-"))
    os.environ.update(production_env(workdir))
    sys.path.insert(0, str(ROOT))
    try:
        run(options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def build(scale):
    """7 wards × 10 years × 6·scale goals, every sheet published and 確定, every report 確認済み."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from departments.models import City, Department, Ward
    from goals.models import AchievementLevel, Category, DepartmentReport, Goal, ServicePolicy, Sheet
    from goals.seed.parser import SEED_TEXT, parse_seed_text

    call_command("flush", interactive=False, verbosity=0)
    call_command("load_seed", verbosity=0, stdout=open(os.devnull, "w"))
    city = City.objects.get(code="141305")
    levels = list(AchievementLevel.objects.all())
    categories = {c.name: c for c in Category.objects.all()}
    seed = parse_seed_text(SEED_TEXT.read_text(encoding="utf-8"))
    seed_goals = [(d.name, g) for d in seed.departments for g in d.goals]
    now = timezone.now()
    with transaction.atomic():
        for n in range(WARDS):
            ward = Ward.objects.create(name=f"試験{n}区", office_name=f"試験{n}区役所", city=city)
            departments = Department.objects.bulk_create(
                Department(ward=ward, name=d.name, order=order) for order, d in enumerate(seed.departments, 1)
            )
            by_name = {d.name: d for d in departments}
            for year in YEARS:
                sheet = Sheet.objects.create(
                    ward=ward, fiscal_year=year, phase=Sheet.Phase.CLOSED, published_at=now
                )
                ServicePolicy.objects.bulk_create(
                    ServicePolicy(sheet=sheet, number=number, text=text) for number, text in seed.policies
                )
                DepartmentReport.objects.bulk_create(
                    DepartmentReport(sheet=sheet, department=d, status=DepartmentReport.Status.CONFIRMED)
                    for d in departments
                )
                goals = []
                for i in range(GOALS_PER_SCALE * scale):
                    name, goal = seed_goals[i % len(seed_goals)]
                    copy = i // len(seed_goals)
                    goals.append(
                        Goal(
                            sheet=sheet,
                            department=by_name[name],
                            number=goal.number if copy == 0 else f"{goal.number}-{copy}",
                            order=i,
                            category=categories.get(goal.category) if goal.category else None,
                            text=goal.text,
                            result="実施しました。",
                            achievement=levels[i % len(levels)],
                        )
                    )
                Goal.objects.bulk_create(goals)


def measure(client, url, runs):
    from django.db import connection

    response = client.get(url)  # warm-up: templates compiled, caches filled
    assert response.status_code == 200, (url, response.status_code)
    queries = []
    # Counted as they run: Django clears its own query log at the start of every request.
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(queries), len(response.content)


def download_time(client, url):
    """The first download (drawn in-process here: wall time, and this process's CPU time, what a helper
    would spend on a free core), its size, and a second one (kept in the shared document store)."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert response.status_code == 200, (url, response.status_code)
    start = time.perf_counter()
    assert client.get(url).content == response.content
    return elapsed, cpu, len(response.content), time.perf_counter() - start


def run(options):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from departments.models import City, CityStaff

    scales = [int(s) for s in options.scales.split(",")]
    load_before = os.getloadavg()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production serves hashed names
    pages = {
        "city board": "/cities/141305/2025/",
        "city roll-up page": "/cities/141305/2025/rollup/",
        "city: one ward": "/cities/141305/2025/wards/試験0区/",
        "public index": "/kokai/",
        "public sheet page": "/kokai/wards/試験0区/2025/",
        "open data CSV": "/kokai/data/試験0区/2025.csv",
        "open data JSON": "/kokai/data/試験0区/2025.json",
        "API list": "/kokai/api/sheets/",
    }
    downloads = {
        "roll-up PDF": "/cities/141305/2025/rollup/pdf/",
        "roll-up workbook": "/cities/141305/2025/rollup/xlsx/",
    }
    results, loaded, built = {}, {}, {}
    for scale in scales:
        start = time.perf_counter()
        build(scale)
        built[scale] = time.perf_counter() - start
        user = get_user_model().objects.create_user("bench-city")
        CityStaff.objects.create(user=user, city=City.objects.get(code="141305"))
        client = Client()
        client.force_login(user)
        results[scale] = {name: measure(client, url, options.runs) for name, url in pages.items()}
        if not options.no_downloads:
            loaded[scale] = {name: download_time(client, url) for name, url in downloads.items()}

    first, last = scales[0], scales[-1]
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(
        f"load average (1/5/15 min) before: {'/'.join(f'{x:.2f}' for x in load_before)},"
        f" after: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{WARDS} wards of one city × {len(YEARS)} years of published sheets, "
        + ", ".join(f"{GOALS_PER_SCALE * s} goals a ward a year ({s}×)" for s in scales)
    )
    print(f"median of {options.runs} warm requests through the test client (server time, SQLite):")
    header = " ".join(f"{f'{s}×':>9}" for s in scales)
    print(f"  {'page':<20} {header} {f'{last}×/{first}×':>7} {'queries':>14} {f'size {last}×':>9}")
    for name in pages:
        times = " ".join(f"{results[s][name][0] * 1000:>7.1f}ms" for s in scales)
        counts = "/".join(str(results[s][name][1]) for s in scales)
        ratio = results[last][name][0] / results[first][name][0]
        size = results[last][name][2]
        print(f"  {name:<20} {times} {ratio:>6.1f}× {counts:>14} {size / 1024:>7.0f}kB")
    over = [n for n in ("city board", "city roll-up page") if results[last][n][0] * 1000 >= TARGET_MS]
    print(
        f"target: city board and roll-up page under {TARGET_MS} ms at {last}×: "
        + ("met" if not over else f"NOT met ({', '.join(over)})")
    )
    if loaded:
        print("the roll-up's downloads (first: wall time, CPU time of this process, size; then kept):")
        for name in downloads:
            cells = "   ".join(
                f"{s}× {loaded[s][name][0]:.1f}s ({loaded[s][name][1]:.1f}s cpu) {loaded[s][name][2] / 1024:.0f}kB"
                f", kept {loaded[s][name][3] * 1000:.0f}ms"
                for s in scales
            )
            print(f"  {name:<20} {cells}")
    print("database built in " + ", ".join(f"{built[s]:.1f}s ({s}×)" for s in scales))


if __name__ == "__main__":
    main()
