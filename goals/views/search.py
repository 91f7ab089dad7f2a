"""検索: words across the goals, results and comments of every year a person may read."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from goals import access
from goals.forms import SearchForm
from goals.overview.search import PER_PAGE, hits, search, search_choices, terms_of

FILTERS = ("ward", "year", "department", "level")


@require_safe
def search_page(request):
    """Signed-in people; each finds only goals whose page they may open (access.searchable_goals)."""
    user = request.user
    choices = search_choices(user, request.GET.get("ward", ""))
    asked = any(request.GET.get(name) for name in ("q", *FILTERS))
    form = SearchForm(request.GET if asked else None, **choices)
    context = {
        "form": form,
        "departments_offered": bool(choices["departments"]),
        "searchable": bool(choices["wards"]),
        "empty": "q" in request.GET and not asked,
    }
    if asked and choices["wards"] and form.is_valid():
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
