"""Starting next year's 取組シート from this year's.

Each April a ward's new sheet begins with last year's goals: the same
departments (except those retired by the start of the new fiscal year), the
policy items, every goal with its number, 区分, text and order, results and
achievement levels empty, and each new goal linked to the goal it came from
(Goal.carried_from) so the department page can show last year's result.

It completes what is missing, so running it twice creates nothing twice.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from departments.models import Department, Ward
from goals.lib.wareki import date_label, fiscal_year_label
from goals.models import LAST_FISCAL_YEAR, DepartmentReport, Goal, ServicePolicy, Sheet

CHANGE_REASON = "前年度からの引き継ぎ"


class CarryForwardRefused(Exception):
    """Nothing was written; the message says why in Japanese."""


@dataclass
class CarryForwardPlan:
    source: Sheet
    target: Sheet | None
    departments: list[Department] = field(default_factory=list)  # carried into the new year
    retired: list[Department] = field(default_factory=list)  # left out
    new_reports: list[Department] = field(default_factory=list)
    new_goals: list[Goal] = field(default_factory=list)  # source goals still to copy
    taken: list[Goal] = field(default_factory=list)  # source goals whose number the new sheet already uses
    new_policies: list[ServicePolicy] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def target_year(self) -> int:
        return self.source.fiscal_year + 1

    @property
    def target_label(self) -> str:
        return fiscal_year_label(self.target_year)

    @property
    def already_done(self) -> bool:
        return self.target is not None and not (self.new_reports or self.new_goals or self.new_policies)

    def department_rows(self) -> list[tuple[Department, list[str]]]:
        numbers: dict[int, list[str]] = {}
        for goal in self.new_goals:
            numbers.setdefault(goal.department_id, []).append(goal.number)
        return [(d, numbers.get(d.pk, [])) for d in self.departments]

    def retired_notes(self) -> list[str]:
        return [f"{d.name}（{date_label(d.retired_on)}廃止）" for d in self.retired]

    def summary(self) -> str:
        if self.already_done:
            return f"{self.source.ward}の{self.target_label}の取組シートは作成済みです。追加するものはありません。"
        verb = "に追加します" if self.target else "を作成します"
        return (
            f"{self.source.ward}の{self.target_label}の取組シート{verb}："
            f"部署{len(self.new_reports)}・目標{len(self.new_goals)}件・方針{len(self.new_policies)}件。"
        )


def retired_by(department: Department, fiscal_year: int) -> bool:
    """Retired before the fiscal year starts (1 April); a later retirement still takes part that year."""
    return department.retired_on is not None and department.retired_on < datetime.date(fiscal_year, 4, 1)


def plan_next_year(source: Sheet, *, lock: bool = False) -> CarryForwardPlan:
    # Locked as the department pages lock a sheet before adding a goal to it (goals/workflow.py).
    sheets = Sheet.objects.select_for_update() if lock else Sheet.objects.all()
    target = sheets.filter(ward_id=source.ward_id, fiscal_year=source.fiscal_year + 1).first()
    plan = CarryForwardPlan(source, target)
    if plan.target_year > LAST_FISCAL_YEAR:
        plan.problems.append(
            f"{plan.target_year}年度の取組シートは作れません（{LAST_FISCAL_YEAR}年度まで）。"
        )
        return plan
    if target is not None and target.phase == Sheet.Phase.CLOSED:
        plan.problems.append(f"{plan.target_label}の取組シートは確定済みのため、追加できません。")
        return plan
    goals = list(source.goals.select_related("department").order_by("department__order", "order", "pk"))
    departments = {r.department_id: r.department for r in source.reports.select_related("department")}
    departments.update((g.department_id, g.department) for g in goals)
    ordered = sorted(departments.values(), key=lambda d: (d.order, d.name))
    plan.retired = [d for d in ordered if retired_by(d, plan.target_year)]
    plan.departments = [d for d in ordered if not retired_by(d, plan.target_year)]
    carried = set(plan.departments)
    existing_goals = list(target.goals.all()) if target else []
    already_from = {g.carried_from_id for g in existing_goals}
    numbers = {(g.department_id, g.number) for g in existing_goals}
    for goal in goals:
        if goal.department not in carried or goal.pk in already_from:
            continue
        (plan.taken if (goal.department_id, goal.number) in numbers else plan.new_goals).append(goal)
    reported = set(target.reports.values_list("department_id", flat=True)) if target else set()
    plan.new_reports = [d for d in plan.departments if d.pk not in reported]
    policy_numbers = set(target.policies.values_list("number", flat=True)) if target else set()
    plan.new_policies = [p for p in source.policies.all() if p.number not in policy_numbers]
    return plan


def carry_into_next_year(source: Sheet, *, by=None) -> CarryForwardPlan:
    """Create (or complete) next year's sheet in one transaction; raise CarryForwardRefused otherwise."""
    with transaction.atomic():
        # Two reviewers pressing the button at once queue here instead of both copying.
        Ward.objects.select_for_update().get(pk=source.ward_id)
        plan = plan_next_year(source, lock=True)
        if plan.problems:
            raise CarryForwardRefused(" ".join(plan.problems))
        target = plan.target or Sheet.objects.create(
            ward_id=source.ward_id, fiscal_year=plan.target_year, phase=Sheet.Phase.PLANNING
        )
        ServicePolicy.objects.bulk_create(
            ServicePolicy(sheet=target, number=p.number, text=p.text) for p in plan.new_policies
        )
        bulk_create_with_history(
            [DepartmentReport(sheet=target, department=d) for d in plan.new_reports],
            DepartmentReport,
            default_user=by,
            default_change_reason=CHANGE_REASON,
        )
        now = timezone.now()
        bulk_create_with_history(
            [
                Goal(
                    sheet=target,
                    department_id=goal.department_id,
                    number=goal.number,
                    order=goal.order,
                    category_id=goal.category_id,
                    text=goal.text,
                    carried_from=goal,
                    updated_at=now,
                    updated_by=by,
                )
                for goal in plan.new_goals
            ],
            Goal,
            default_user=by,
            default_change_reason=CHANGE_REASON,
        )
    return plan
