"""The rules behind the pages, on the models: each refusal has a Japanese reason and changes nothing."""

import pytest

from goals import workflow
from goals.models import DepartmentReport, Goal, Sheet
from goals.workflow import WorkflowError

from .conftest import fill_results


def _refused(call, match):
    with pytest.raises(WorkflowError, match=match):
        call()


def test_submit_needs_every_goal_complete_and_names_the_missing_ones(kumin_report, editor, levels):
    goals = list(
        Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).order_by("order")
    )
    workflow.save_result(
        goals[0], by=editor, expected_version=goals[0].version, result="済", achievement=levels[0]
    )
    workflow.save_result(
        goals[1], by=editor, expected_version=goals[1].version, result="済", achievement=None
    )
    _refused(lambda: workflow.submit(kumin_report, by=editor), f"番号：{goals[1].number}、{goals[2].number}")
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == DepartmentReport.Status.IN_PROGRESS


def test_submit_without_goals_is_refused(kumin_report, editor):
    Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).delete()
    _refused(lambda: workflow.submit(kumin_report, by=editor), "目標がない")


def test_only_the_departments_editors_submit(kumin_report, other_editor, reviewer):
    fill_results(kumin_report)
    _refused(lambda: workflow.submit(kumin_report, by=other_editor), "入力担当だけ")
    _refused(lambda: workflow.submit(kumin_report, by=reviewer), "入力担当だけ")


def test_return_and_confirm_need_a_submitted_report_and_a_reviewer(kumin_report, editor, reviewer):
    _refused(lambda: workflow.confirm(kumin_report, by=reviewer), "提出されていない")
    _refused(lambda: workflow.return_to_department(kumin_report, by=reviewer, reason="x"), "提出されていない")
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    _refused(lambda: workflow.confirm(kumin_report, by=editor), "取りまとめ担当だけ")
    _refused(lambda: workflow.return_to_department(kumin_report, by=reviewer, reason="  "), "理由を入力")
    workflow.confirm(kumin_report, by=reviewer)
    # A confirmed report can still be returned (a mistake found late), with a reason.
    workflow.return_to_department(kumin_report, by=reviewer, reason="再確認")
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == DepartmentReport.Status.RETURNED


def test_phase_moves_one_step_at_a_time(seed, reviewer, editor):
    _refused(lambda: workflow.advance(seed, by=editor), "取りまとめ担当だけ")
    _refused(lambda: workflow.reopen(seed, by=reviewer, reason=""), "理由を入力")
    workflow.reopen(seed, by=reviewer, reason="目標を直す部署がある")
    assert seed.phase == Sheet.Phase.PLANNING
    _refused(lambda: workflow.reopen(seed, by=reviewer, reason="さらに"), "計画の段階より前には戻せません")
    workflow.advance(seed, by=reviewer)
    assert seed.phase == Sheet.Phase.IN_PROGRESS
    workflow.advance(seed, by=reviewer, override_reason="年度末のため")
    _refused(lambda: workflow.advance(seed, by=reviewer, override_reason="x"), "既に確定")
    reasons = list(seed.history.values_list("history_change_reason", flat=True))
    assert any("年度末のため" in r for r in reasons if r)


@pytest.mark.parametrize(
    "later_phase, later_year, past",
    [
        (None, None, False),
        (
            Sheet.Phase.PLANNING,
            2026,
            False,
        ),  # next year's goals are written while this year's results come in
        (Sheet.Phase.IN_PROGRESS, 2026, True),
        (Sheet.Phase.PLANNING, 2027, True),
    ],
)
def test_past_year_rule(seed, later_phase, later_year, past):
    if later_phase:
        Sheet.objects.create(ward=seed.ward, fiscal_year=later_year, phase=later_phase)
    sheet = Sheet.objects.get(pk=seed.pk)
    assert sheet.is_past_year is past
    assert (sheet.locked_reason() is not None) is past


def test_goal_moves_renumber_the_order(seed, kumin_report, editor):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goals = list(Goal.objects.filter(sheet=seed, department=kumin_report.department).order_by("order", "pk"))
    workflow.move_goal(goals[0], by=editor, direction="up")  # already first: nothing moves
    workflow.move_goal(goals[2], by=editor, direction="up")
    after = list(Goal.objects.filter(sheet=seed, department=kumin_report.department).order_by("order"))
    assert [g.pk for g in after] == [goals[0].pk, goals[2].pk, goals[1].pk]
    assert [g.order for g in after] == [1, 2, 3]


def test_a_long_reason_is_kept_in_full(seed, reviewer):
    reason = "紙で提出された部署の分は総務課で確認済み。" * 20
    workflow.advance(seed, by=reviewer, override_reason=reason)
    assert reason in seed.history.latest("history_date").history_change_reason
