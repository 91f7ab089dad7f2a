"""After a load run: the latency table, the errors, and the lost-write check against the database.

Exit status 1 when a request failed, the server logged an error, or a write was lost.
"""

import argparse
import csv
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kojo_shishin.settings")

import django

django.setup()

from goals.models import Goal  # noqa: E402

TARGET_MS = 300
TARGETED = {"save result", "department page"}
SERVER_TROUBLE = ("database is locked", "Traceback", "[ERROR]", '" 500 ')


def targets(stats_csv: Path, label: str) -> list[str]:
    """One line per targeted request: its p95 against the target, PASS or FAIL."""
    rows = {row["Name"]: row for row in csv.DictReader(stats_csv.open(encoding="utf-8")) if row["Type"]}
    lines = []
    for name in sorted(TARGETED):
        row = rows.get(name)
        if row is None or row["Request Count"] == "0":
            lines.append(f"{label}: {name} p95 < {TARGET_MS} ms: no requests  FAIL")
            continue
        p95 = float(row["95%"])
        lines.append(
            f"{label}: {name} p95 {p95:.0f} ms (target < {TARGET_MS} ms)  {'PASS' if p95 < TARGET_MS else 'FAIL'}"
        )
    return lines


def latency_table(stats_csv: Path) -> tuple[list[str], int]:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    lines = [
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    failures = 0
    for row in rows:
        if row["Request Count"] == "0":
            continue  # sign-in happens before the measured minute
        name = row["Name"] if row["Type"] else "**all**"
        failures += int(row["Failure Count"]) if row["Type"] else 0
        target = ""
        if row["Name"] in TARGETED:
            target = f"p95 < {TARGET_MS} ms: " + ("met" if float(row["95%"]) < TARGET_MS else "MISSED")
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} "
            f"| {row['50%']} | {row['95%']} | {row['99%']} | {target} |"
        )
    return lines, failures


def lost_writes(saved_json: Path) -> tuple[int, list[str]]:
    """A goal lost a write when the database holds neither its last acknowledged result nor one
    sent after it (a save still in flight when the run stopped)."""
    saved = json.loads(saved_json.read_text(encoding="utf-8"))
    acknowledged = {int(k): v for k, v in saved["acknowledged"].items()}
    sent = {int(k): v for k, v in saved["sent"].items()}
    stored = dict(Goal.objects.filter(pk__in=acknowledged).values_list("pk", "result"))
    lost = []
    for pk, text in acknowledged.items():
        later = sent[pk][sent[pk].index(text) :]
        if stored.get(pk) not in later:
            lost.append(f"goal {pk}: expected {text!r} (or a later save), stored {stored.get(pk)!r}")
    return len(acknowledged), lost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stats", type=Path, required=True)
    parser.add_argument("--saved", type=Path, required=True)
    parser.add_argument("--server-log", type=Path, required=True)
    parser.add_argument("--label", required=True)
    args = parser.parse_args()

    table, failures = latency_table(args.stats)
    checked, lost = lost_writes(args.saved)
    log = args.server_log.read_text(encoding="utf-8", errors="replace")
    trouble = [line for line in log.splitlines() if any(mark in line for mark in SERVER_TROUBLE)]

    print(f"\n### {args.label}\n")
    print("\n".join(table))
    print(f"\nfailed requests: {failures}")
    print(f"server log errors ('database is locked', tracebacks, 500s): {len(trouble)}")
    print(
        f"lost writes: {len(lost)} of {checked} goals whose last acknowledged result was checked in the database"
    )
    for line in (trouble + lost)[:20]:
        print("  ", line)
    summary = targets(args.stats, args.label)
    print("\n".join(summary))
    if os.environ.get("KOJO_LOAD_SUMMARY"):  # run.sh prints every run's targets together at the end
        with open(os.environ["KOJO_LOAD_SUMMARY"], "a", encoding="utf-8") as out:
            out.write("\n".join(summary) + "\n")
    if failures or trouble or lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
