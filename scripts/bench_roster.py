#!/usr/bin/env python
"""Time a 1,000-person staff roster's read, preview (plan) and commit (`make bench-roster`).

Production settings (DEBUG off) on a throwaway SQLite database, or on PostgreSQL when
BENCH_DATABASE_URL is given. Each run starts from the seed ward with 1,000 people already
in it (as after last April), then plans and commits a roster in which 200 move, 50 leave and
50 are new: an April. Prints the best and the median of BENCH_RUNS runs.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PEOPLE = 1000


def setup_django(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kojo_shishin.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_SECRET_KEY"] = "bench-only-" + os.urandom(16).hex()
    os.environ["DJANGO_ALLOWED_HOSTS"] = "localhost"
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.sqlite3"
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)


def last_year(ward, departments):
    """1,000 people spread over the ward's departments since 2025-04-01."""
    import datetime

    from django.contrib.auth import get_user_model

    from departments.models import Membership

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"s{i:05d}", last_name="職員", first_name=f"{i}") for i in range(PEOPLE)]
    )
    users = list(User.objects.filter(username__startswith="s").order_by("username"))
    Membership.objects.bulk_create(
        [
            Membership(
                user=u, department=departments[i % len(departments)], valid_from=datetime.date(2025, 4, 1)
            )
            for i, u in enumerate(users)
        ]
    )


def april_roster(departments) -> bytes:
    lines = ["ユーザー名,氏名,メール,部署,役割,開始日,終了日"]
    for i in range(PEOPLE):
        if i % 20 == 0:
            continue  # 50 leave
        department = departments[(i + (1 if i % 5 == 1 else 0)) % len(departments)]  # 200 move
        lines.append(f"s{i:05d},職員 {i},,{department.name},入力担当,,")
    for i in range(50):
        lines.append(
            f"n{i:05d},新人 {i},n{i}@example.invalid,{departments[i % len(departments)].name},入力担当,,"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        import datetime

        from django.contrib.auth import get_user_model
        from django.db import connection, transaction

        from departments.models import Department, Ward
        from departments.staff.plan import build_plan, commit_plan
        from departments.staff.reader import read_roster

        ward = Ward.objects.get(name="幸区")
        departments = list(Department.objects.filter(ward=ward).order_by("order"))
        by = get_user_model().objects.create_superuser("bench", "bench@example.invalid", "x")
        data = april_roster(departments)
        effective = datetime.date(2026, 4, 1)
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores, load {load:.2f}; database {connection.vendor}")
        print(f"roster: {PEOPLE} people, 200 moves, 50 leavers, 50 new ({len(data) / 1024:.0f} KB CSV)")
        timings = []
        for _ in range(RUNS):
            with transaction.atomic():
                last_year(ward, departments)
                start = time.perf_counter()
                parsed = read_roster(data)
                read = time.perf_counter()
                plan = build_plan(parsed, ward, effective, by=by)
                planned = time.perf_counter()
                assert not plan.problems, plan.problems[:3]
                commit_plan(parsed, ward, effective, by=by, fingerprint=plan.fingerprint())
                done = time.perf_counter()
                transaction.set_rollback(True)
            timings.append((read - start, planned - read, done - planned))
        for label, index in (("read", 0), ("preview (plan)", 1), ("commit (plans again, writes)", 2)):
            values = [t[index] for t in timings]
            print(f"  {label:30} best {min(values):.3f}s  median {statistics.median(values):.3f}s")
        print(
            f"  moves {len(plan.moves)}, leavers {len(plan.leavers)}, new people {len(plan.new_people)}, "
            f"new memberships {len(plan.new_memberships)}; {RUNS} runs"
        )


if __name__ == "__main__":
    main()
