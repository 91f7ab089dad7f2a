"""Benchmark of kept sheet documents: `make bench` (figures go to docs/benchmarks.md).

For each scale (the seed's 42 goals ×1, ×10 and ×30 in one ward) a throwaway
SQLite database holds a synthetic 実施中 sheet, every department handed in.
A signed-in reader downloads the whole sheet's PDF and workbook through
Django's test client (the whole request: session, middleware, reader check,
the document's key, the store, the access log; no network), in one warm
process with production settings and the PDF drawn in-process, and the
script prints:

- the first download (drawn and kept), once;
- the repeated download of the unchanged sheet (sent from the store), the
  median of several, against the target of 50 ms;
- a conditional GET with the ETag (answered 304 without drawing), the median;
- what the key alone costs, and the load average before and after.

Usage: python scripts/bench_documents.py [--runs N] [--scales 1,10,30]
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
TARGET_MS = 50


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="warm runs per repeated figure")
    parser.add_argument("--scales", default="1,10,30", help="sizes of the sheet, in seeds")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-documents-"))
    os.environ.update(production_env(workdir))
    sys.path.insert(0, str(ROOT))
    try:
        run(options, [int(s) for s in options.scales.split(",")])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def median_ms(function, runs):
    function()  # warm-up
    return statistics.median(timed(function)[0] for _ in range(runs)) * 1000


def build(scale):
    from goals.models import AchievementLevel, DepartmentReport, Goal
    from goals.seed.synthetic import build_synthetic_sheet

    sheet = build_synthetic_sheet(scale=scale, ward_name=f"試験{scale}区")
    level = AchievementLevel.objects.get(number=3)
    Goal.objects.filter(sheet=sheet).update(
        result="窓口アンケートで満足度90％を達成しました。", achievement=level
    )
    DepartmentReport.objects.filter(sheet=sheet).update(status=DepartmentReport.Status.SUBMITTED)
    return sheet


def measure(client, sheet, kind, runs):
    from django.urls import reverse

    from goals.sheet import documents

    url = reverse(f"goals:sheet_{kind}", args=[sheet.ward.name, sheet.fiscal_year])
    first_s, first = timed(lambda: client.get(url))
    assert first.status_code == 200, (url, first.status_code)
    etag = first["ETag"]

    def repeated():
        response = client.get(url)
        assert response.status_code == 200 and response["ETag"] == etag
        return response

    def conditional():
        assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    kind_key = "xlsx" if kind == "xlsx" else "pdf/ua-1"
    return {
        "first": first_s * 1000,
        "repeated": median_ms(repeated, runs),
        "304": median_ms(conditional, runs),
        "key": median_ms(lambda: documents.sheet_key(sheet, kind_key), runs),
        "size": len(first.content),
    }


def run(options, scales):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    load_before = os.getloadavg()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production serves hashed names
    call_command("load_seed", verbosity=0, stdout=open(os.devnull, "w"))
    user = get_user_model().objects.create_superuser("bench-documents", "bench@example.invalid", None)
    client = Client()
    client.force_login(user)
    results = {}
    for scale in scales:
        sheet = build(scale)
        results[scale] = {kind: measure(client, sheet, kind, options.runs) for kind in ("pdf", "xlsx")}

    load_after = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(
        f"load average before {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} (1 / 5 / 15 min)"
    )
    print(f"whole-sheet downloads through the test client (SQLite); repeated: median of {options.runs}")
    print(
        f"  {'sheet':<14} {'first (drawn)':>13} {'repeated':>9} {'304':>8} {'key only':>9}"
        f" {'target':>7} {'met':>4} {'first÷repeated':>15} {'size':>9}"
    )
    for scale, kinds in results.items():
        for kind, r in kinds.items():
            met = "yes" if r["repeated"] < TARGET_MS and r["304"] < TARGET_MS else "NO"
            print(
                f"  {f'{scale}× {kind.upper()}':<14} {r['first']:>11.0f}ms {r['repeated']:>7.1f}ms"
                f" {r['304']:>6.1f}ms {r['key']:>7.1f}ms {TARGET_MS:>5}ms {met:>4}"
                f" {r['first'] / r['repeated']:>14.0f}× {r['size'] / 1024:>7.0f}kB"
            )


if __name__ == "__main__":
    main()
