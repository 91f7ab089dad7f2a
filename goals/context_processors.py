from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from goals.lib.wareki import date_label
from goals.mail.notifications import deadline_phrase
from goals.models import Sheet


@dataclass
class Deadline:
    sheet: Sheet
    date_label: str
    phrase: str
    overdue: bool


def _deadlines(user):
    today = timezone.localdate()
    sheets = (
        Sheet.objects.for_user(user)
        .filter(phase=Sheet.Phase.IN_PROGRESS, results_deadline__isnull=False)
        .select_related("ward")
        .order_by("ward__name", "-fiscal_year")
    )
    return [
        Deadline(
            sheet=s,
            date_label=date_label(s.results_deadline),
            phrase=deadline_phrase(s.results_deadline, today),
            overdue=s.results_deadline < today,
        )
        for s in sheets
    ]


def results_deadlines(request):
    """The results deadline of every sheet in 実施中 the person can read, for the banner on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"results_deadlines": SimpleLazyObject(lambda: _deadlines(user))}
