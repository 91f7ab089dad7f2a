"""Long texts are checked on the server, never cut by the browser: a paste over the limit is kept whole
in the form, with the limit and its length named at the field."""

import re

import pytest
from django.urls import reverse

from goals.models import GOAL_TEXT_MAX, RESULT_TEXT_MAX, Goal, Sheet

pytestmark = pytest.mark.django_db


def _goal(report):
    return Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order").first()


def _textarea(page: str, name: str) -> str:
    return re.search(rf'<textarea name="{name}"[^>]*>', page).group(0)


def test_result_field_has_no_maxlength_and_a_long_paste_comes_back_whole(
    client, kumin_report, editor, levels
):
    goal = _goal(kumin_report)
    url = reverse("goals:goal_result", args=[goal.pk])
    client.force_login(editor)
    assert "maxlength" not in _textarea(client.get(url).content.decode(), "result")

    pasted = "研" * (RESULT_TEXT_MAX + 250)
    response = client.post(url, {"result": pasted, "achievement": levels[0].pk, "version": goal.version})
    assert response.status_code == 400
    page = response.content.decode()
    message = f"実施結果は{RESULT_TEXT_MAX}文字以内にしてください（現在{RESULT_TEXT_MAX + 250}文字）。"
    assert page.count(message) == 2  # in the summary at the top and at the field
    field = _textarea(page, "result")
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_result_helptext id_result_error"' in field
    assert f">\n{pasted}</textarea>" in page
    goal.refresh_from_db()
    assert goal.result == ""


def test_goal_text_over_the_limit_is_named_and_kept(client, seed, kumin_report, editor):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goal = _goal(kumin_report)
    url = reverse("goals:goal_edit", args=[goal.pk])
    client.force_login(editor)
    assert "maxlength" not in _textarea(client.get(url).content.decode(), "text")

    pasted = "標" * (GOAL_TEXT_MAX + 1)
    response = client.post(url, {"number": goal.number, "text": pasted, "version": goal.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f"目標及び具体的な取組内容は{GOAL_TEXT_MAX}文字以内にしてください（現在{GOAL_TEXT_MAX + 1}文字）"
        in page
    )
    assert pasted in page
    assert Goal.objects.get(pk=goal.pk).text == goal.text
