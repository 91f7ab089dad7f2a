"""Nothing typed is lost: two people saving the same goal from the same starting version."""

import pytest
from django.urls import reverse

from departments.models import Membership
from goals import workflow
from goals.models import Goal, Sheet
from goals.workflow import StaleGoalError


@pytest.fixture
def second_editor(make_member, kumin_report):
    return make_member("kumin-editor-2", kumin_report.department, Membership.Role.EDITOR)


def _goal(report):
    return Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order").first()


def test_second_result_save_is_refused_with_both_texts_and_nothing_is_lost(
    client, kumin_report, editor, second_editor, levels
):
    goal = _goal(kumin_report)
    url = reverse("goals:goal_result", args=[goal.pk])
    start = goal.version

    client.force_login(editor)
    first = client.post(url, {"result": "Aさんの実施結果", "achievement": levels[0].pk, "version": start})
    assert first.status_code == 302

    client.force_login(second_editor)
    second = client.post(url, {"result": "Bさんの実施結果", "achievement": levels[3].pk, "version": start})
    assert second.status_code == 409
    page = second.content.decode()
    assert "他の人が先に保存しました" in page
    assert "Aさんの実施結果" in page  # what is stored
    assert "Bさんの実施結果" in page  # what was typed, still in the form
    assert f'name="version" value="{start + 1}"' in page  # the form now aims at the stored version
    goal.refresh_from_db()
    assert (goal.result, goal.achievement, goal.version) == ("Aさんの実施結果", levels[0], start + 1)

    # B chooses to keep their own text: saved against the new version.
    kept = client.post(url, {"result": "Bさんの実施結果", "achievement": levels[3].pk, "version": start + 1})
    assert kept.status_code == 302
    goal.refresh_from_db()
    assert (goal.result, goal.version) == ("Bさんの実施結果", start + 2)
    # A's text is not lost either: it is in the history.
    assert list(goal.history.order_by("-history_id").values_list("result", flat=True)[:2]) == [
        "Bさんの実施結果",
        "Aさんの実施結果",
    ]


def test_second_goal_text_save_is_refused_in_planning(client, seed, kumin_report, editor, second_editor):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goal = _goal(kumin_report)
    url = reverse("goals:goal_edit", args=[goal.pk])
    start = goal.version
    client.force_login(editor)
    assert client.post(url, {"number": goal.number, "text": "Aの目標", "version": start}).status_code == 302
    client.force_login(second_editor)
    second = client.post(url, {"number": goal.number, "text": "Bの目標", "version": start})
    assert second.status_code == 409
    assert "Aの目標" in second.content.decode() and "Bの目標" in second.content.decode()
    assert Goal.objects.get(pk=goal.pk).text == "Aの目標"


def test_stale_save_raises_and_changes_nothing(kumin_report, editor, levels):
    goal = _goal(kumin_report)
    stale = Goal.objects.get(pk=goal.pk)
    workflow.save_result(goal, by=editor, expected_version=goal.version, result="先", achievement=levels[0])
    with pytest.raises(StaleGoalError) as refused:
        workflow.save_result(stale, by=editor, expected_version=stale.version, result="後", achievement=None)
    assert refused.value.current.result == "先"
    assert Goal.objects.get(pk=goal.pk).result == "先"


def test_delete_of_a_goal_changed_meanwhile_is_refused(client, seed, kumin_report, editor):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goal = _goal(kumin_report)
    start = goal.version
    workflow.save_plan(
        goal, by=editor, expected_version=start, number=goal.number, category=None, text="直した"
    )
    client.force_login(editor)
    response = client.post(reverse("goals:goal_delete", args=[goal.pk]), {"version": start}, follow=True)
    assert "他の人が更新しました" in response.content.decode()
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_a_number_already_used_is_refused_with_a_message(client, seed, kumin_report, editor):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    taken = _goal(kumin_report).number
    client.force_login(editor)
    response = client.post(
        reverse("goals:goal_new", args=[kumin_report.pk]), {"number": taken, "text": "重複"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"番号「{taken}」はこの部署で既に使われています" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_number_helptext id_number_error"' in page
    assert not Goal.objects.filter(text="重複").exists()
