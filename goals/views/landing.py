from dataclasses import dataclass

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from departments.models import Membership, Ward
from goals.access import staff_cities
from goals.models import DepartmentReport, Sheet
from goals.overview.tasks import tasks_for, working_sheet


@dataclass
class Destination:
    label: str
    detail: str
    url: str


def _destinations(user) -> tuple[list[Destination], list[str]]:
    """Where each membership leads (latest sheet), and what has no sheet yet. The memberships, the
    sheets of their wards and the reports of their departments are three queries, however many."""
    found, missing = [], []
    memberships = list(
        Membership.objects.active()
        .filter(user_id=user.pk)
        .select_related("department__ward")
        .order_by("department__ward__name", "department__order")
    )
    ward_sheets: dict[int, list] = {}
    department_reports: dict[int, dict] = {}
    if memberships:
        for sheet in Sheet.objects.filter(ward_id__in={m.department.ward_id for m in memberships}):
            ward_sheets.setdefault(sheet.ward_id, []).append(sheet)
        reports = DepartmentReport.objects.filter(department_id__in={m.department_id for m in memberships})
        for report in reports.select_related("sheet"):
            department_reports.setdefault(report.department_id, {})[report.sheet] = report
    for m in memberships:
        department, ward = m.department, m.department.ward
        if m.role == Membership.Role.REVIEWER:
            sheet = working_sheet(ward_sheets.get(ward.pk, []))
            if sheet is None:
                missing.append(f"{ward}（取りまとめ）")
                continue
            url = reverse("goals:board", args=[ward.name, sheet.fiscal_year])
            found.append(Destination(f"{ward} 取りまとめ", f"{sheet.fiscal_year_label} 全部署の状況", url))
        else:
            reports = department_reports.get(department.pk, {})
            # In April this year's results (実施中) come before next year's goals (計画).
            report = reports.get(working_sheet(list(reports)))
            if report is None:
                missing.append(f"{ward} {department}")
                continue
            url = reverse("goals:report", args=[report.pk])
            found.append(
                Destination(f"{ward} {department}", f"{report.sheet.fiscal_year_label} 目標と実施結果", url)
            )
    if user.is_superuser:
        for ward in Ward.objects.all():
            sheet = working_sheet(ward.sheets.all())
            if sheet is not None:
                url = reverse("goals:board", args=[ward.name, sheet.fiscal_year])
                found.append(
                    Destination(f"{ward} 取りまとめ", f"{sheet.fiscal_year_label} 全部署の状況", url)
                )
    # City staff (区政推進) land on their city's board; superusers already reach every ward above.
    for city in [] if user.is_superuser else staff_cities(user):
        sheet = Sheet.objects.filter(ward__city=city).order_by("-fiscal_year").first()
        if sheet is not None:
            url = reverse("goals:city", args=[city.code, sheet.fiscal_year])
            found.append(Destination(f"{city} 区政推進", f"{sheet.fiscal_year_label} 各区の状況", url))
    unique = list({d.url: d for d in found}.values())
    return unique, missing


@require_safe
def home(request):
    """Land each person on their work: an editor on their department, a reviewer on the ward board."""
    destinations, missing = _destinations(request.user)
    if len(destinations) == 1 and not missing:
        return redirect(destinations[0].url)
    return render(
        request,
        "goals/home.html",
        {
            "tasks": tasks_for(request.user),
            "destinations": destinations,
            "missing": missing,
            "has_membership": Membership.objects.active().filter(user_id=request.user.pk).exists(),
        },
    )


@require_safe
def tasks(request):
    """Everything the person has to do now, across the open sheets, each a link to where it is done."""
    return render(request, "goals/tasks.html", {"tasks": tasks_for(request.user)})
