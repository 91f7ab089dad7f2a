"""What an import may write, as plain tuples, to compare the database with a fixture or a dump."""

import json
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from departments.models import Department
from goals.models import DepartmentReport, Goal, ServicePolicy

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "saiwai-r7-torikumi-sheet.json"


def sheet_content(ward_name, fiscal_year):
    """Departments, policies, reports and goals of one ward's sheet in natural terms."""
    goals = Goal.objects.filter(sheet__ward__name=ward_name, sheet__fiscal_year=fiscal_year)
    return {
        "departments": list(
            Department.objects.filter(ward__name=ward_name)
            .order_by("order", "name")
            .values_list("name", "order", "retired_on")
        ),
        "policies": list(
            ServicePolicy.objects.filter(sheet__ward__name=ward_name, sheet__fiscal_year=fiscal_year)
            .order_by("number")
            .values_list("number", "text")
        ),
        "reports": sorted(
            DepartmentReport.objects.filter(
                sheet__ward__name=ward_name, sheet__fiscal_year=fiscal_year
            ).values_list("department__name", "status")
        ),
        "goals": list(
            goals.order_by("department__order", "order").values_list(
                "department__name",
                "number",
                "order",
                "category__name",
                "text",
                "result",
                "achievement__number",
            )
        ),
    }


def fixture_content():
    """The same shape, read from the committed seed fixture file (not from the database)."""
    objects = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    by_model = {}
    for obj in objects:
        by_model.setdefault(obj["model"], []).append(obj["fields"])
    order = {d["name"]: d["order"] for d in by_model["departments.department"]}
    return {
        "departments": sorted(
            ((d["name"], d["order"], d["retired_on"]) for d in by_model["departments.department"]),
            key=lambda d: d[1],
        ),
        "policies": sorted((p["number"], p["text"]) for p in by_model["goals.servicepolicy"]),
        "reports": sorted((r["department"][1], r["status"]) for r in by_model["goals.departmentreport"]),
        "goals": sorted(
            (
                (
                    g["department"][1],
                    g["number"],
                    g["order"],
                    g["category"][0] if g["category"] else None,
                    g["text"],
                    g["result"],
                    g["achievement"],
                )
                for g in by_model["goals.goal"]
            ),
            key=lambda g: (order[g[0]], g[2]),
        ),
    }


def full_dump() -> str:
    """Every row of every table, to prove a refused import changed nothing."""
    out = StringIO()
    call_command("dumpdata", "--all", "--indent=0", stdout=out)
    return out.getvalue()


def web_dump() -> str:
    """A full dump but the session table and the staged uploads, where a successful upload keeps its
    preview token and file by design, and the access log, which records refused attempts by design."""
    out = StringIO()
    call_command(
        "dumpdata",
        "--all",
        "--indent=0",
        "--exclude=sessions",
        "--exclude=goals.stagedupload",
        "--exclude=audit",
        stdout=out,
    )
    return out.getvalue()


def upload(client, data, ward="幸区", year=2025):
    return client.post(
        reverse("goals:import_upload"),
        {"ward": ward, "fiscal_year": year, "file": SimpleUploadedFile("torikumi.xlsx", data)},
    )
