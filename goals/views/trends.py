"""The 達成度 per fiscal year of a ward and of a city: an SVG chart and its table (read only)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from goals import access
from goals.models import Sheet
from goals.overview.trends import city_trends, ward_trends


@require_safe
def ward_trends_page(request, ward):
    """The ward's reviewers, its city's staff and superusers (access.ward_for_trends)."""
    found = access.ward_for_trends(request.user, ward)
    latest = Sheet.objects.filter(ward=found).order_by("-fiscal_year").first()
    context = {
        "ward": found,
        "trends": ward_trends(found),
        "latest": latest,
        "board_link": latest is not None and found.is_reviewed_by(request.user),
        "city_link": found.city_id is not None
        and access.staff_cities(request.user).filter(wards=found).exists(),
    }
    return render(request, "goals/trends.html", context)


@require_safe
def city_trends_page(request, code):
    """The city's staff and superusers (access.city_for_staff)."""
    city = access.city_for_staff(request.user, code)
    latest = Sheet.objects.filter(ward__city=city).order_by("-fiscal_year").first()
    context = {
        "city": city,
        "trends": city_trends(city),
        "latest": latest,
        "wards": list(city.wards.order_by("name")),
    }
    return render(request, "goals/trends.html", context)
