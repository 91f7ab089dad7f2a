from django import template
from django.utils import timezone

from goals.lib.people import display_name
from goals.lib.wareki import date_label, datetime_label, in_zone

register = template.Library()


@register.filter
def wareki_date(value):
    if not value:
        return ""
    if hasattr(value, "hour"):
        value = in_zone(value, timezone.get_current_timezone()).date()
    return date_label(value)


@register.filter
def wareki_datetime(value):
    if not value:
        return ""
    return datetime_label(value, timezone.get_current_timezone())


@register.filter
def person(user):
    return display_name(user)


@register.filter
def phase_steps(sheet):
    """計画 → 実施中 → 確定 with each step "done", "current" or "todo", for the step indicator."""
    phases = [value for value, _ in sheet.Phase.choices]
    here = phases.index(sheet.phase)
    states = ["done"] * here + ["current"] + ["todo"] * (len(phases) - here - 1)
    return [
        {"label": label, "state": state}
        for (_, label), state in zip(sheet.Phase.choices, states, strict=True)
    ]


@register.filter
def draft_mark(report):
    """「下書き（未提出）」 beside results the official sheet does not print yet (goals/sheet/layout.py)."""
    from goals.sheet.layout import HANDED_IN
    from goals.sheet.vocabulary import DRAFT_RESULT_MARK

    return "" if report.status in HANDED_IN else DRAFT_RESULT_MARK
