"""Benchmark of the search and the 達成度 trends pages: `make bench` (figures go to docs/benchmarks.md).

For each scale (1×, 10×, 30×) a throwaway database holds a city of 7 wards
with a sheet a year for 10 years (goals_seed.synthetic_city: the seed's 42
goals a year for the whole city at 1×, about 180 a ward at 30×, results,
levels and a comment on every fourth goal). Every page is requested in one
warm process through Django's test client as the city's 区政推進 (who may
read every ward), and the script prints the median server time, the number
of queries and the number of hits, against the target of 150 ms at 30×.

SQLite always (a temporary file); PostgreSQL too when DATABASE_URL names one
(the run creates and drops its own test database next to it, as the test
suite does: the named database is not touched).

Usage: python scripts/bench_search.py [--runs N]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import production_env

ROOT = Path(__file__).resolve().parent.parent
SCALES = (1, 10, 30)
YEARS = 10
TARGET_MS = 150
PAGES = {
    "search 窓口 (2 chars)": "/search/?q=窓口",
    "search 窓口での (4)": "/search/?q=窓口での",
    "search two words": "/search/?q=窓口+研修",
    "search, no hit": "/search/?q=点字ブロック",
    "search + filters": "/search/?q=市民&ward={ward}&year=2024&level={level}",
    "search, page 50": "/search/?q=窓口&page=50",
    "ward trends": "/board/試験0区/trends/",
    "city trends": "/cities/141305/trends/",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="warm runs per figure")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.engine:
        return child(options)
    print(f"machine: {os.cpu_count()} cores, load average {_load()}; python {sys.version.split()[0]}")
    print(
        f"a city of 7 wards × {YEARS} years; 1× = the seed's 42 goals a year for the city, 30× ≈ 180 a ward;"
    )
    print(
        f"median of {options.runs} warm requests as 区政推進 (server time, test client), target {TARGET_MS} ms"
    )
    print("at 30× on the median; 'CPU 30×': this process's CPU time (the whole request on SQLite, without")
    print("the database server's on PostgreSQL), less sensitive than wall time to a shared machine's load:")
    engines = ["sqlite"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        engines.append("postgresql")
    else:
        print("(DATABASE_URL names no PostgreSQL database: SQLite only)")
    for engine in engines:
        command = [sys.executable, __file__, "--engine", engine, "--runs", str(options.runs)]
        subprocess.run(command, check=True)  # noqa: S603 - this interpreter and this file
    print(f"load average at the end {_load()}")


def _load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def child(options):
    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-search-"))
    # On PostgreSQL, the DATABASE_URL given (the run makes its own test database beside it).
    keep_url = os.environ["DATABASE_URL"] if options.engine == "postgresql" else None
    os.environ.update(production_env(workdir, **({"DATABASE_URL": keep_url} if keep_url else {})))
    sys.path.insert(0, str(ROOT))
    try:
        run(options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def build(scale):
    from django.core.management import call_command
    from django.db import connection

    from departments.models import City
    from goals.seed.synthetic_city import build_synthetic_city

    call_command("flush", interactive=False, verbosity=0)
    call_command("load_seed", verbosity=0, stdout=open(os.devnull, "w"))
    build_synthetic_city(City.objects.get(code="141305"), scale=scale, years=YEARS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as a database in use has them


def measure(client, url, runs):
    from django.db import connection

    response = client.get(url)  # warm-up: templates compiled, caches filled
    assert response.status_code == 200, (url, response.status_code)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        response = client.get(url)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    found = re.search(r"([0-9]+)件の目標が見つかりました", response.content.decode())
    hits = int(found.group(1)) if found else 0
    return statistics.median(times), statistics.median(cpu), len(queries), hits


def run(options):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from departments.models import City, CityStaff, Ward
    from goals.models import AchievementLevel, Goal

    if connection.vendor == "postgresql":
        test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        label = f"PostgreSQL {connection.pg_version // 10000} (throwaway database {test_name})"
    else:
        call_command("migrate", verbosity=0)
        label = "SQLite"
    call_command("collectstatic", interactive=False, verbosity=0)
    results = {}
    try:
        for scale in SCALES:
            build(scale)
            goals = Goal.objects.count()
            user = get_user_model().objects.create_user("bench-search")
            CityStaff.objects.create(user=user, city=City.objects.get(code="141305"))
            client = Client()
            client.force_login(user)
            ward = Ward.objects.get(name="試験1区").pk
            level = AchievementLevel.objects.get(number=3).pk
            pages = {name: url.format(ward=ward, level=level) for name, url in PAGES.items()}
            results[scale] = (
                goals,
                {name: measure(client, url, options.runs) for name, url in pages.items()},
            )
    finally:
        if connection.vendor == "postgresql":
            connection.creation.destroy_test_db(test_name, verbosity=0)

    sizes = " / ".join(f"{results[s][0]:,}" for s in SCALES)
    print(f"\n{label}: goals in the database {sizes} (1× / 10× / 30×), load average {_load()}")
    print(
        f"  {'page':<22} {'1×':>8} {'10×':>8} {'30×':>8} {'30×/1×':>7} {'CPU 30×':>9} {'queries':>11} {'hits 30×':>9}  target"
    )
    for name in PAGES:
        (t1, _, q1, _), (t10, _, q10, _), (t30, cpu, q30, hits) = (results[s][1][name] for s in SCALES)
        verdict = "met" if t30 * 1000 < TARGET_MS else "MISSED"
        print(
            f"  {name:<22} {t1 * 1000:>6.1f}ms {t10 * 1000:>6.1f}ms {t30 * 1000:>6.1f}ms {t30 / t1:>6.1f}×"
            f" {cpu * 1000:>7.1f}ms {q1:>3}/{q10}/{q30:<3} {hits if name.startswith('search') else '':>9}  {verdict}"
        )


if __name__ == "__main__":
    main()
