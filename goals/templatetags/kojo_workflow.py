from django import template
from django.utils import timezone

from goals.wareki import date_label

register = template.Library()


@register.filter
def wareki_date(value):
    if not value:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return date_label(value)


@register.filter
def wareki_datetime(value):
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_label(local.date())} {local:%H:%M}"


@register.filter
def person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
