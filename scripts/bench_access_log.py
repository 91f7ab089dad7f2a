#!/usr/bin/env python
"""Save latency with and without the access log (`make bench-access-log`).

Production settings (DEBUG off, HTTPS off so the test client needs no TLS) on a throwaway
SQLite database. An editor saves a goal's result SAVES times through the whole middleware
stack (Django's test client), alternating blocks with the access-log middleware on and off,
then downloads the department's Excel sheet (a logged request) the same way. Prints the
median per request of each and the ratio, in one run.
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAVES = int(os.environ.get("BENCH_SAVES", "200"))
BLOCK = 20


def setup_django(directory: str) -> None:
    # Static files are not collected for a benchmark; WhiteNoise says so once.
    warnings.filterwarnings("ignore", "No directory at")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kojo_shishin.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_HTTPS"] = "false"
    os.environ["DJANGO_SECRET_KEY"] = "bench-only-" + os.urandom(16).hex()
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        import datetime

        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client, override_settings
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        from audit.models import AccessEvent
        from departments.models import Department, Membership
        from goals.models import AchievementLevel, Goal, Sheet

        setup_test_environment()
        sheet = Sheet.objects.get(ward__name="幸区", fiscal_year=2025)
        Sheet.objects.filter(pk=sheet.pk).update(phase=Sheet.Phase.IN_PROGRESS)
        department = Department.objects.get(ward__name="幸区", name="区民課")
        user = get_user_model().objects.create_user("bench-editor")
        Membership.objects.create(user=user, department=department, valid_from=datetime.date(2020, 4, 1))
        goal = Goal.objects.filter(sheet=sheet, department=department).first()
        level = AchievementLevel.objects.first()
        client = Client()
        client.force_login(user)
        save_url = reverse("goals:goal_result", args=[goal.pk])
        xlsx_url = reverse("goals:department_sheet_xlsx", args=["幸区", 2025, department.pk])
        with_log = list(settings.MIDDLEWARE)
        without_log = [m for m in with_log if m != "audit.middleware.AccessLogMiddleware"]

        def save():
            goal.refresh_from_db()
            start = time.perf_counter()
            response = client.post(
                save_url,
                {"result": f"実施しました {time.time()}", "achievement": level.pk, "version": goal.version},
            )
            elapsed = time.perf_counter() - start
            assert response.status_code == 302, response.status_code
            return elapsed

        def download():
            start = time.perf_counter()
            response = client.get(xlsx_url)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200
            return elapsed

        timings = {"save on": [], "save off": [], "download on": [], "download off": []}
        for block in range(SAVES // BLOCK):
            for label, middleware in (("on", with_log), ("off", without_log))[:: 1 if block % 2 == 0 else -1]:
                with override_settings(MIDDLEWARE=middleware):
                    timings[f"save {label}"] += [save() for _ in range(BLOCK)]
                    timings[f"download {label}"] += [download() for _ in range(2)]
        print(
            f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; sqlite; {SAVES} saves each way"
        )
        for what in ("save", "download"):
            on, off = statistics.median(timings[f"{what} on"]), statistics.median(timings[f"{what} off"])
            print(
                f"  {what:8} median with log {on * 1000:7.2f} ms, without {off * 1000:7.2f} ms, "
                f"ratio {on / off:.3f}"
            )
        print(
            f"  access log lines written: {AccessEvent.objects.count()} (downloads only: a save is not logged)"
        )


if __name__ == "__main__":
    main()
