"""使い方: the year's steps for each role, the 達成度 scale as configured, and whom to ask."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from departments.models import Membership
from goals.mail.notifications import sender_name
from goals.models import AchievementLevel


@require_safe
def help_page(request):
    user = request.user
    memberships = list(Membership.objects.active().filter(user_id=user.pk).select_related("department__ward"))
    roles = {m.role for m in memberships}
    wards = {m.department.ward_id: m.department.ward for m in memberships}
    # Whom to ask: the 取りまとめ担当 of the person's wards, by name.
    contacts = (
        Membership.objects.active()
        .filter(department__ward_id__in=wards, role=Membership.Role.REVIEWER, user__is_active=True)
        .select_related("user", "department__ward")
        .order_by("department__ward__name", "department__order", "user__username")
    )
    context = {
        "levels": AchievementLevel.objects.all(),
        "my_roles": roles,
        "roles": Membership.Role,
        "contacts": list(contacts),
        "offices": [sender_name(ward) for ward in wards.values()],
    }
    return render(request, "goals/help.html", context)
