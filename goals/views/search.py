"""検索: words across the goals, results and comments of every year a person may read."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from goals import access
from goals.forms import SearchForm
from goals.lib.wareki import fiscal_year_label
from goals.models import AchievementLevel, Sheet
from goals.overview.search import PER_PAGE, hits, search, terms_of

FILTERS = ("ward", "year", "department", "level")


@require_safe
def search_page(request):
    """Signed-in people; each finds only goals whose page they may open (access.searchable_goals)."""
    user = request.user
    wards = list(access.searchable_wards(user).order_by("name"))
    chosen = request.GET.get("ward", "")
    scope = [w for w in wards if str(w.pk) == chosen] or (wards if len(wards) == 1 else [])
    departments = (
        list(access.searchable_departments(user).filter(ward__in=scope).order_by("order", "name"))
        if scope
        else []
    )
    years = [
        (y, fiscal_year_label(y))
        for y in Sheet.objects.filter(ward__in=[w.pk for w in wards])
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    ]
    levels = list(AchievementLevel.objects.all())
    asked = any(request.GET.get(name) for name in ("q", *FILTERS))
    form = SearchForm(
        request.GET if asked else None, wards=wards, years=years, departments=departments, levels=levels
    )
    context = {
        "form": form,
        "departments_offered": bool(departments),
        "searchable": bool(wards),
        "empty": "q" in request.GET and not asked,
    }
    if asked and wards and form.is_valid():
        data = form.cleaned_data
        terms = terms_of(data["q"])
        found = search(
            access.searchable_goals(user),
            terms,
            ward=data["ward"],
            year=data["year"],
            department=data["department"],
            level=data["level"] or None,
        )
        page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            {
                "searched": True,
                "query": data["q"],
                "terms": terms,
                "page": page,
                "hits": hits(page.object_list, terms),
            }
        )
    return render(request, "goals/search.html", context)
