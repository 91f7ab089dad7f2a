"""The whole year through the browser: write goals → 実施中 → results → submit → return → fix →
resubmit → confirm → 確定 → editing refused."""

import pytest
from django.urls import reverse

from goals import workflow
from goals.models import DepartmentReport, Goal, Sheet

pytestmark = pytest.mark.django_db


def _post(client, url, data=None, status=302):
    response = client.post(url, data or {})
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def test_the_whole_year(
    client, seed, editor, reviewer, levels, django_capture_on_commit_callbacks, mailoutbox
):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    board = reverse("goals:board", args=["幸区", 2025])

    # 計画: the editor adds a goal, edits one and reorders.
    client.force_login(editor)
    _post(
        client,
        reverse("goals:goal_new", args=[report.pk]),
        {"number": "9", "category": "", "text": "窓口の待ち時間を表示します。"},
    )
    new_goal = Goal.objects.get(sheet=seed, department=report.department, number="9")
    first = Goal.objects.filter(sheet=seed, department=report.department).order_by("order", "pk").first()
    _post(
        client,
        reverse("goals:goal_edit", args=[first.pk]),
        {"number": first.number, "category": "", "text": "書き直した目標", "version": first.version},
    )
    _post(client, reverse("goals:goal_move", args=[new_goal.pk]), {"direction": "up"})
    ordered = list(
        Goal.objects.filter(sheet=seed, department=report.department)
        .order_by("order")
        .values_list("number", flat=True)
    )
    assert ordered[-2] == "9"
    assert Goal.objects.get(pk=first.pk).text == "書き直した目標"

    # The reviewer moves the sheet to 実施中; goal text is now closed to the editor.
    client.force_login(reviewer)
    _post(client, reverse("goals:board_advance", args=["幸区", 2025]))
    assert Sheet.objects.get(pk=seed.pk).phase == Sheet.Phase.IN_PROGRESS
    client.force_login(editor)
    refused = client.get(reverse("goals:goal_edit", args=[first.pk]))
    assert refused.status_code == 403
    assert "実施中の段階では、目標の内容は変更できません" in refused.content.decode()

    # Results, one draft at a time; submitting too early is refused with the missing numbers.
    goals = list(Goal.objects.filter(sheet=seed, department=report.department).order_by("order"))
    _post(
        client,
        reverse("goals:goal_result", args=[goals[0].pk]),
        {"result": "実施しました", "achievement": levels[1].pk, "version": goals[0].version},
    )
    report.refresh_from_db()
    assert report.status == DepartmentReport.Status.IN_PROGRESS
    early = client.post(reverse("goals:report_submit", args=[report.pk]), follow=True)
    assert "実施結果または達成度が未入力の目標があります" in early.content.decode()
    report.refresh_from_db()
    assert report.status == DepartmentReport.Status.IN_PROGRESS
    for goal in goals[1:]:
        goal.refresh_from_db()
        _post(
            client,
            reverse("goals:goal_result", args=[goal.pk]),
            {"result": f"{goal.number}の結果", "achievement": levels[2].pk, "version": goal.version},
        )
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, reverse("goals:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == DepartmentReport.Status.SUBMITTED
    assert [m.to for m in mailoutbox] == [[reviewer.email]]

    # Submitted: read-only for the department until returned.
    locked = client.get(reverse("goals:goal_result", args=[goals[0].pk]))
    assert locked.status_code == 403
    assert "提出済みのため編集できません" in locked.content.decode()

    # The reviewer returns it with a reason; the department sees the reason and the editor gets mail.
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            client,
            reverse("goals:report_return", args=[report.pk]),
            {"reason": "目標2の結果に数値を入れてください"},
        )
    assert mailoutbox[-1].to == [editor.email]
    assert "目標2の結果に数値を入れてください" in mailoutbox[-1].body
    client.force_login(editor)
    page = client.get(reverse("goals:report", args=[report.pk])).content.decode()
    assert "差し戻されています" in page and "目標2の結果に数値を入れてください" in page

    # Fix and resubmit.
    goals[1].refresh_from_db()
    _post(
        client,
        reverse("goals:goal_result", args=[goals[1].pk]),
        {"result": "相談件数 1,200件", "achievement": levels[2].pk, "version": goals[1].version},
    )
    report.refresh_from_db()
    assert report.status == DepartmentReport.Status.RETURNED
    _post(client, reverse("goals:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == DepartmentReport.Status.SUBMITTED
    assert report.return_reason == ""

    # Confirm; 確定 without every department confirmed needs a reason.
    client.force_login(reviewer)
    _post(client, reverse("goals:report_confirm", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == DepartmentReport.Status.CONFIRMED
    refused = client.post(reverse("goals:board_advance", args=["幸区", 2025]), {"override_reason": ""})
    assert refused.status_code == 400
    assert "確認済みでない部署があります" in refused.content.decode()
    assert Sheet.objects.get(pk=seed.pk).phase == Sheet.Phase.IN_PROGRESS
    _post(
        client,
        reverse("goals:board_advance", args=["幸区", 2025]),
        {"override_reason": "他部署は紙で提出済み"},
    )
    seed.refresh_from_db()
    assert seed.phase == Sheet.Phase.CLOSED
    assert "他部署は紙で提出済み" in seed.history.first().history_change_reason
    assert "確定しました" in client.get(board).content.decode()

    # 確定: the department can read but no longer edit.
    client.force_login(editor)
    assert client.get(reverse("goals:report", args=[report.pk])).status_code == 200
    closed = client.post(
        reverse("goals:goal_result", args=[goals[0].pk]),
        {
            "result": "後から直す",
            "achievement": levels[0].pk,
            "version": Goal.objects.get(pk=goals[0].pk).version,
        },
    )
    assert closed.status_code == 403
    assert "確定済みのため、閲覧のみです" in closed.content.decode()
    assert Goal.objects.get(pk=goals[0].pk).result == "実施しました"


def test_reopening_is_recorded_with_its_reason(client, seed, reviewer):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    client.force_login(reviewer)
    empty = client.post(reverse("goals:board_reopen", args=["幸区", 2025]), {"reason": " "})
    assert empty.status_code == 400
    assert "段階を戻す理由を入力してください" in empty.content.decode()
    _post(client, reverse("goals:board_reopen", args=["幸区", 2025]), {"reason": "保護課の数値に誤り"})
    seed.refresh_from_db()
    assert seed.phase == Sheet.Phase.IN_PROGRESS
    record = seed.history.first()
    assert record.history_user == reviewer
    assert "保護課の数値に誤り" in record.history_change_reason
    assert "保護課の数値に誤り" in client.get(reverse("goals:board", args=["幸区", 2025])).content.decode()


def test_closing_with_every_department_confirmed_needs_no_reason(seed, reviewer):
    seed.reports.update(status=DepartmentReport.Status.CONFIRMED)
    workflow.advance(seed, by=reviewer)
    assert seed.phase == Sheet.Phase.CLOSED


def test_reviewer_sets_the_results_deadline(client, seed, reviewer):
    client.force_login(reviewer)
    _post(client, reverse("goals:board_deadline", args=["幸区", 2025]), {"results_deadline": "2026-04-30"})
    seed.refresh_from_db()
    assert seed.results_deadline.isoformat() == "2026-04-30"
    bad = client.post(reverse("goals:board_deadline", args=["幸区", 2025]), {"results_deadline": "4月30日"})
    assert bad.status_code == 400
    assert "日付を正しく入力してください" in bad.content.decode()
