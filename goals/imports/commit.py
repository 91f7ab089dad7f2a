"""Committing an import plan: one transaction, all or nothing.

commit_import() builds the plan again inside the transaction with the ward
row locked, refuses unless it is the very plan the person saw (same digest),
and writes departments, 区分, reports, goals (with history) and policies.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from departments.models import Department
from goals import workflow
from goals.imports.plan import CHANGE, CREATE, UNCHANGED, ImportPlan, build_plan
from goals.imports.reader import ParsedSheet, Problem
from goals.models import AchievementLevel, Category, DepartmentReport, Goal, ServicePolicy, Sheet

CHANGE_REASON = "取組シートの読み込み"
STALE = (
    "確認画面を表示した後に、取組シートの内容が変わりました。何も書き込んでいません。"
    "新しい内容で確認し直してください。"
)


class ImportRefused(Exception):
    """Nothing was written; the message (and problems) say why in Japanese."""

    def __init__(self, message: str, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class StalePlan(ImportRefused):
    pass


class MissingNotConfirmed(ImportRefused):
    pass


class NotConfirmed(ImportRefused):
    pass


def commit_import(
    parsed: ParsedSheet,
    ward_name: str,
    fiscal_year: int,
    *,
    by=None,
    create_missing: bool = False,
    expected_digest: str | None = None,
    confirmed: bool | None = None,
) -> ImportPlan:
    """Write the workbook's content in one transaction, or raise ImportRefused and write nothing.

    confirmed: whether the person accepted the plan's confirmations (another year's workbook,
    results into a sheet in 計画); False refuses a plan that has any. None is for callers
    that show no confirmations at all (code and tests that import on purpose).
    """
    with transaction.atomic():
        plan = build_plan(parsed, ward_name, fiscal_year, lock=True)
        if plan.problems:
            raise ImportRefused("問題があるため、読み込みませんでした。", plan.problems)
        if expected_digest is not None and plan.digest != expected_digest:
            raise StalePlan(STALE)
        if plan.has_missing and not create_missing:
            raise MissingNotConfirmed(_missing_message(plan))
        if plan.confirmations and confirmed is False:
            raise NotConfirmed(
                "確認が必要な点があります。内容を確かめ、「確認して読み込む」にチェックを入れてから読み込んでください。"
                "何も書き込んでいません。",
                [Problem(text) for text in plan.confirmations],
            )
        _apply(plan, by)
    return plan


def _missing_message(plan: ImportPlan) -> str:
    parts = []
    if plan.missing_departments:
        parts.append("部署：" + "、".join(plan.missing_departments))
    if plan.missing_categories:
        parts.append("区分：" + "、".join(plan.missing_categories))
    return (
        f"{plan.ward}に登録されていないものがあります（{' / '.join(parts)}）。"
        "作成してよければ、作成することを確認してから読み込んでください。"
    )


def _apply(plan: ImportPlan, by) -> None:
    now = timezone.now()
    sheet = plan.sheet or Sheet.objects.create(ward=plan.ward, fiscal_year=plan.fiscal_year)
    categories = _with_new_categories(plan.missing_categories)
    departments = _with_new_departments(plan)
    levels = {level.number: level for level in AchievementLevel.objects.all()}
    reported = set(DepartmentReport.objects.filter(sheet=sheet).values_list("department_id", flat=True))
    bulk_create_with_history(
        [DepartmentReport(sheet=sheet, department=d) for d in departments.values() if d.pk not in reported],
        DepartmentReport,
        default_user=by,
        default_change_reason=CHANGE_REASON,
    )
    created, changed = [], []
    for department_plan in plan.departments:
        department = departments[department_plan.name]
        for goal_plan in department_plan.goals:
            if goal_plan.kind == UNCHANGED:
                continue
            goal = goal_plan.goal or Goal(sheet=sheet, department=department, number=goal_plan.number)
            values = goal_plan.values
            goal.order, goal.text, goal.result = values["order"], values["text"], values["result"]
            goal.category = categories[values["category"]] if values["category"] else None
            goal.achievement = levels[values["achievement"]] if values["achievement"] else None
            goal.updated_at, goal.updated_by = now, by
            if goal.pk:
                goal.version += 1
                changed.append(goal)
            else:
                created.append(goal)
    # The optimistic lock every write path shares: the rows must still hold the versions the plan read
    # (each write below moves them on), whatever wrote in between.
    if not workflow.versions_unchanged({goal.pk: goal.version - 1 for goal in changed}):
        raise StalePlan(STALE)
    # Bulk writes skip Goal.save() and its same-ward check: every department here is plan.ward's.
    bulk_create_with_history(created, Goal, default_user=by, default_change_reason=CHANGE_REASON)
    bulk_update_with_history(
        changed,
        Goal,
        ["order", "category", "text", "result", "achievement", "version", "updated_at", "updated_by"],
        default_user=by,
        default_change_reason=CHANGE_REASON,
    )
    _apply_policies(plan, sheet)


def _with_new_categories(names) -> dict[str, Category]:
    categories = {c.name: c for c in Category.objects.all()}
    start = max((c.order for c in categories.values()), default=0)
    new = [Category(name=name, order=start + 10 * i) for i, name in enumerate(names, 1)]
    categories.update((c.name, c) for c in Category.objects.bulk_create(new))
    return categories


def _with_new_departments(plan: ImportPlan) -> dict[str, Department]:
    """Every department of the plan by its name in the plan; new ones go after the ward's last."""
    start = plan.ward.departments.aggregate(last=Max("order"))["last"] or 0
    new = [
        Department(ward=plan.ward, name=d.name, order=start + 10 * i)
        for i, d in enumerate((d for d in plan.departments if d.department is None), 1)
    ]
    created = {d.name: d for d in Department.objects.bulk_create(new)}
    return {d.name: d.department or created[d.name] for d in plan.departments}


def _apply_policies(plan: ImportPlan, sheet: Sheet) -> None:
    new = [
        ServicePolicy(sheet=sheet, number=p.number, text=p.text) for p in plan.policies if p.kind == CREATE
    ]
    ServicePolicy.objects.bulk_create(new)
    changed = [p.policy for p in plan.policies if p.kind == CHANGE]
    for policy_plan in plan.policies:
        if policy_plan.kind == CHANGE:
            policy_plan.policy.text = policy_plan.text
    ServicePolicy.objects.bulk_update(changed, ["text"])
