"""Prepare a database for the load test: the seed, a ward 4× its size, and the load-test accounts.

Writes the accounts and each editor's goals to a JSON file that the locustfile reads.
Usage: DATABASE_URL=… python scripts/load/prepare.py --accounts FILE [--editors 50] [--reviewers 5]
"""

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kojo_shishin.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402

from departments.models import Membership  # noqa: E402
from goals.models import AchievementLevel, DepartmentReport  # noqa: E402
from goals.seed.synthetic import build_synthetic_sheet  # noqa: E402

WARD = "負荷区"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--reviewers", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("load_seed", verbosity=0)
    sheet = build_synthetic_sheet(scale=4, ward_name=WARD)
    reports = list(
        DepartmentReport.objects.filter(sheet=sheet)
        .select_related("department")
        .order_by("department__order")
    )[: args.editors]
    password = secrets.token_urlsafe(12)
    hashed = make_password(password)  # one PBKDF2 run for every account: they share the password
    User = get_user_model()
    editors, reviewers = [], []
    for i, report in enumerate(reports, 1):
        user = User.objects.create(username=f"load-editor{i:02d}", password=hashed)
        Membership.objects.create(user=user, department=report.department, role=Membership.Role.EDITOR)
        goals = list(report.department.goals.filter(sheet=sheet).values_list("pk", flat=True))
        editors.append({"username": user.username, "report": report.pk, "goals": goals})
    for i in range(1, args.reviewers + 1):
        user = User.objects.create(username=f"load-reviewer{i}", password=hashed)
        Membership.objects.create(user=user, department=reports[0].department, role=Membership.Role.REVIEWER)
        reviewers.append({"username": user.username})
    args.accounts.write_text(
        json.dumps(
            {
                "password": password,
                "ward": WARD,
                "year": sheet.fiscal_year,
                "levels": list(AchievementLevel.objects.values_list("pk", flat=True)),
                "editors": editors,
                "reviewers": reviewers,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    goals = sum(len(e["goals"]) for e in editors)
    print(f"prepared: {len(editors)} editors ({goals} goals), {len(reviewers)} reviewers, ward {WARD}")


if __name__ == "__main__":
    main()
