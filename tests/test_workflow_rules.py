"""The rules behind the pages, on the models: each refusal has a Japanese reason and changes nothing."""

import pytest

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
    goals[0].save_result(by=editor, expected_version=goals[0].version, result="済", achievement=levels[0])
    goals[1].save_result(by=editor, expected_version=goals[1].version, result="済", achievement=None)
    _refused(lambda: kumin_report.submit(by=editor), f"番号：{goals[1].number}、{goals[2].number}")
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == DepartmentReport.Status.IN_PROGRESS


def test_submit_without_goals_is_refused(kumin_report, editor):
    Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).delete()
    _refused(lambda: kumin_report.submit(by=editor), "目標がない")


def test_only_the_departments_editors_submit(kumin_report, other_editor, reviewer):
    fill_results(kumin_report)
    _refused(lambda: kumin_report.submit(by=other_editor), "入力担当だけ")
    _refused(lambda: kumin_report.submit(by=reviewer), "入力担当だけ")


def test_return_and_confirm_need_a_submitted_report_and_a_reviewer(kumin_report, editor, reviewer):
    _refused(lambda: kumin_report.confirm(by=reviewer), "提出されていない")
    _refused(lambda: kumin_report.return_to_department(by=reviewer, reason="x"), "提出されていない")
    fill_results(kumin_report)
    kumin_report.submit(by=editor)
    _refused(lambda: kumin_report.confirm(by=editor), "取りまとめ担当だけ")
    _refused(lambda: kumin_report.return_to_department(by=reviewer, reason="  "), "理由を入力")
    kumin_report.confirm(by=reviewer)
    # A confirmed report can still be returned (a mistake found late), with a reason.
    kumin_report.return_to_department(by=reviewer, reason="再確認")
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == DepartmentReport.Status.RETURNED


def test_phase_moves_one_step_at_a_time(seed, reviewer, editor):
    _refused(lambda: seed.advance(by=editor), "取りまとめ担当だけ")
    _refused(lambda: seed.reopen(by=reviewer, reason=""), "理由を入力")
    seed.reopen(by=reviewer, reason="目標を直す部署がある")
    assert seed.phase == Sheet.Phase.PLANNING
    _refused(lambda: seed.reopen(by=reviewer, reason="さらに"), "計画の段階より前には戻せません")
    seed.advance(by=reviewer)
    assert seed.phase == Sheet.Phase.IN_PROGRESS
    seed.advance(by=reviewer, override_reason="年度末のため")
    _refused(lambda: seed.advance(by=reviewer, override_reason="x"), "既に確定")
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
    goals[0].move(by=editor, direction="up")  # already first: nothing moves
    goals[2].move(by=editor, direction="up")
    after = list(Goal.objects.filter(sheet=seed, department=kumin_report.department).order_by("order"))
    assert [g.pk for g in after] == [goals[0].pk, goals[2].pk, goals[1].pk]
    assert [g.order for g in after] == [1, 2, 3]


def test_a_long_reason_is_kept_in_full(seed, reviewer):
    reason = "紙で提出された部署の分は総務課で確認済み。" * 20
    seed.advance(by=reviewer, override_reason=reason)
    assert reason in seed.history.latest("history_date").history_change_reason
