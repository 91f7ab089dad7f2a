"""Who may read a ward's sheets (whole or one department), for every sheet URL.

Rule: any member of the ward (any role) and superusers; anonymous visitors
are sent to sign in; everyone else gets 404, whether or not the sheet exists.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from departments.models import Department

SHEET_URLS = ["sheet", "sheet_pdf", "sheet_xlsx"]
DEPARTMENT_URLS = ["department_sheet", "department_sheet_pdf", "department_sheet_xlsx"]
ALLOWED = {"editor": 200, "other_editor": 200, "reviewer": 200, "superuser": 200}
DENIED = {"outsider": 404, "other_ward_reviewer": 404}


def url_for(name, seed):
    args = ["幸区", 2025]
    if name in DEPARTMENT_URLS:
        args.append(Department.objects.get(ward=seed.ward, name="区民課").pk)
    return reverse(f"goals:{name}", args=args)


@pytest.mark.parametrize("name", SHEET_URLS + DEPARTMENT_URLS)
@pytest.mark.parametrize("persona, status", [*ALLOWED.items(), *DENIED.items()])
def test_sheet_access_matrix(client, request, seed, name, persona, status):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(url_for(name, seed)).status_code == status


@pytest.mark.parametrize("name", SHEET_URLS + DEPARTMENT_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, seed, name):
    url = url_for(name, seed)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize("name", SHEET_URLS + DEPARTMENT_URLS)
def test_outsiders_cannot_tell_a_missing_sheet_from_a_forbidden_one(client, outsider, seed, name):
    client.force_login(outsider)
    existing = client.get(url_for(name, seed))
    missing = client.get(url_for(name, seed).replace("/2025/", "/2031/"))
    assert existing.status_code == missing.status_code == 404
