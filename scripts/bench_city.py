"""Benchmark of the city board and the public pages: `make bench` (figures go to docs/benchmarks.md).

For each scale (1× and 10× the seed per ward) a throwaway SQLite database
holds 7 wards of one city, each with a published 確定 sheet of that size
(42 or 420 goals a ward). Every page is requested in one warm process
through Django's test client (the whole request: middleware, views,
templates; no network), and the script prints the median server time and
the number of queries of each, so the ratio 10× / 1× shows what grows.

Usage: python scripts/bench_city.py [--runs N]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARDS = 7
SCALES = (1, 10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="warm runs per figure")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-city-"))
    os.environ.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_HTTPS": "false",
            "DJANGO_PDF_HELPER_PROCESS": "false",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "kojo_shishin.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    try:
        run(options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def build(scale):
    from django.core.management import call_command
    from django.utils import timezone

    from departments.models import City, Ward
    from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet
    from goals.seed.synthetic import build_synthetic_sheet

    call_command("flush", interactive=False, verbosity=0)
    call_command("load_seed", verbosity=0, stdout=open(os.devnull, "w"))
    city = City.objects.get(code="141305")
    level = AchievementLevel.objects.get(number=3)
    for n in range(WARDS):
        sheet = build_synthetic_sheet(scale=scale, ward_name=f"試験{n}区")
        Ward.objects.filter(pk=sheet.ward_id).update(city=city)
        Goal.objects.filter(sheet=sheet).update(result="実施しました。", achievement=level)
        DepartmentReport.objects.filter(sheet=sheet).update(status=DepartmentReport.Status.CONFIRMED)
        Sheet.objects.filter(pk=sheet.pk).update(phase=Sheet.Phase.CLOSED, published_at=timezone.now())


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


def run(options):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from departments.models import City, CityStaff

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production serves hashed names
    pages = {
        "city board": "/cities/141305/2025/",
        "city: one ward": "/cities/141305/2025/wards/試験0区/",
        "public index": "/kokai/",
        "public sheet page": "/kokai/wards/試験0区/2025/",
        "open data CSV": "/kokai/data/試験0区/2025.csv",
        "open data JSON": "/kokai/data/試験0区/2025.json",
        "API list": "/kokai/api/sheets/",
    }
    results = {}
    for scale in SCALES:
        build(scale)
        user = get_user_model().objects.create_user("bench-city")
        CityStaff.objects.create(user=user, city=City.objects.get(code="141305"))
        client = Client()
        client.force_login(user)
        results[scale] = {name: measure(client, url, options.runs) for name, url in pages.items()}

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")
    print(f"{WARDS} wards of one city, each a published sheet of 42 (1×) or 420 (10×) goals;")
    print(f"median of {options.runs} warm requests through the test client (server time, SQLite):")
    print(f"  {'page':<20} {'1×':>9} {'10×':>9} {'ratio':>6} {'queries 1×/10×':>15} {'size 10×':>9}")
    for name in pages:
        (t1, q1, _), (t10, q10, size) = results[1][name], results[10][name]
        print(
            f"  {name:<20} {t1 * 1000:>7.1f}ms {t10 * 1000:>7.1f}ms {t10 / t1:>5.1f}× {q1:>7}/{q10:<7}"
            f" {size / 1024:>7.0f}kB"
        )


if __name__ == "__main__":
    main()
