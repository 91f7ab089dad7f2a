from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from departments.models import Membership
from goals.lib.wareki import date_label
from goals.mail.notifications import deadline_phrase
from goals.models import DepartmentReport, Sheet


@dataclass
class Deadline:
    sheet: Sheet
    date_label: str
    phrase: str
    overdue: bool
    url: str = ""


def _where_the_work_is(sheet, user) -> str:
    """The banner's link: the ward board for its reviewers, else the person's department page."""
    if sheet.reviews or user.is_superuser:
        return reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])
    if sheet.own_report:
        return reverse("goals:report", args=[sheet.own_report])
    return ""


def _deadlines(user):
    today = timezone.localdate()
    own = DepartmentReport.objects.filter(
        sheet=OuterRef("pk"), department__memberships__in=Membership.objects.active().filter(user_id=user.pk)
    ).order_by("department__order")
    reviews = Membership.objects.active().filter(
        user_id=user.pk, role=Membership.Role.REVIEWER, department__ward=OuterRef("ward")
    )
    sheets = (
        Sheet.objects.for_user(user)
        .filter(phase=Sheet.Phase.IN_PROGRESS, results_deadline__isnull=False)
        .select_related("ward")
        .annotate(own_report=Subquery(own.values("pk")[:1]), reviews=Exists(reviews))
        .order_by("ward__name", "-fiscal_year")
    )
    return [
        Deadline(
            sheet=s,
            date_label=date_label(s.results_deadline),
            phrase=deadline_phrase(s.results_deadline, today),
            overdue=s.results_deadline < today,
            url=_where_the_work_is(s, user),
        )
        for s in sheets
    ]


def results_deadlines(request):
    """The results deadline of every sheet in 実施中 the person can read, for the banner on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"results_deadlines": SimpleLazyObject(lambda: _deadlines(user))}
