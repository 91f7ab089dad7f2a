"""What importing a ParsedSheet would do to the database (import_commit.py does it).

build_plan() only reads: per department and goal it says created / changed /
unchanged, lists departments and 区分 not yet known, and every problem, and
fingerprints all of it (digest) so the commit can prove it is unchanged.

A blank 実施結果 or 達成度 in the workbook never erases what someone already
typed in the app; goals the workbook does not mention are left as they are.
"""

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from departments.models import Department, Ward
from goals.imports.levels import find_in_result
from goals.imports.reader import ParsedGoal, ParsedSheet, Problem
from goals.lib.cells import number_key, squeeze
from goals.lib.wareki import date_label, fiscal_year_label
from goals.models import (
    FIRST_FISCAL_YEAR,
    LAST_FISCAL_YEAR,
    AchievementLevel,
    Category,
    DepartmentReport,
    Goal,
    ServicePolicy,
    Sheet,
)
from goals.sheet.vocabulary import FIELD_LABELS as ALL_FIELD_LABELS

CREATE, CHANGE, UNCHANGED = "create", "change", "unchanged"
KIND_LABELS = {CREATE: "新規", CHANGE: "変更", UNCHANGED: "変更なし"}
PLANNED_FIELDS = ("order", "category", "text", "result", "achievement")
FIELD_LABELS = {key: ALL_FIELD_LABELS[key] for key in PLANNED_FIELDS}


# Texts longer than this are compared line by line first (difflib is quadratic in the worst case).
DIFF_CHARACTERS_MAX = 5000


@dataclass
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def diff(self) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
        """Old and new text as (changed?, characters) runs: every changed character is marked."""
        return character_diff(self.old, self.new)


def character_diff(old: str, new: str):
    old_parts, new_parts = [], []
    if len(old) + len(new) > DIFF_CHARACTERS_MAX:
        return [(True, old)], [(True, new)]
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        # A lone common character between two changes (「の」) is noise: shown as changed.
        inside = 0 < index < len(opcodes) - 1
        changed = tag != "equal" or (inside and i2 - i1 < 2)
        _append(old_parts, changed, old[i1:i2])
        _append(new_parts, changed, new[j1:j2])
    return old_parts, new_parts


def _append(parts, changed, text):
    if not text:
        return
    if parts and parts[-1][0] == changed:
        parts[-1] = (changed, parts[-1][1] + text)
    else:
        parts.append((changed, text))


@dataclass
class GoalPlan:
    kind: str
    number: str
    row: int
    values: dict
    changes: list[FieldChange] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # fields left as typed in the app
    goal: Goal | None = field(default=None, repr=False)

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


@dataclass
class DepartmentPlan:
    name: str
    department: Department | None  # None: created on confirmation
    goals: list[GoalPlan] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)  # numbers of goals the workbook leaves alone

    def count(self, kind):
        return sum(1 for goal in self.goals if goal.kind == kind)

    @property
    def shown_goals(self):
        """New and changed goals; the unchanged ones are folded away in the preview."""
        return [goal for goal in self.goals if goal.kind != UNCHANGED]

    @property
    def unchanged_goals(self):
        return [goal for goal in self.goals if goal.kind == UNCHANGED]


@dataclass
class PolicyPlan:
    kind: str
    number: int
    text: str
    old_text: str = ""
    policy: ServicePolicy | None = field(default=None, repr=False)

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def diff(self):
        return character_diff(self.old_text, self.text)


@dataclass
class ImportPlan:
    ward_name: str
    fiscal_year: int
    parsed: ParsedSheet
    ward: Ward | None = None
    sheet: Sheet | None = None
    departments: list[DepartmentPlan] = field(default_factory=list)
    policies: list[PolicyPlan] = field(default_factory=list)
    untouched_policies: list[int] = field(default_factory=list)
    missing_departments: list[str] = field(default_factory=list)
    missing_categories: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)  # what the person must explicitly accept
    locked: bool = False  # the year is 確定: nothing wrong with the file
    digest: str = ""

    @property
    def fiscal_year_label(self):
        try:
            return fiscal_year_label(self.fiscal_year)
        except (TypeError, ValueError):
            return f"{self.fiscal_year}年度"

    @property
    def file_problems(self):
        """The problems to fix in the file: a locked year is not one of them."""
        return self.problems[1:] if self.locked else self.problems

    @property
    def has_missing(self):
        return bool(self.missing_departments or self.missing_categories)

    def count(self, kind):
        return sum(d.count(kind) for d in self.departments)

    @property
    def created(self):
        return self.count(CREATE)

    @property
    def changed(self):
        return self.count(CHANGE)

    @property
    def unchanged(self):
        return self.count(UNCHANGED)

    @property
    def writes_anything(self):
        return bool(
            self.sheet is None
            or self.created
            or self.changed
            or self.has_missing
            or any(p.kind != UNCHANGED for p in self.policies)
        )


def valid_fiscal_year(year) -> bool:
    return isinstance(year, int) and FIRST_FISCAL_YEAR <= year <= LAST_FISCAL_YEAR


def fiscal_year_problem(year) -> Problem:
    return Problem(
        f"年度「{year}」は扱えません。{FIRST_FISCAL_YEAR}〜{LAST_FISCAL_YEAR}の西暦で指定してください"
        "（令和7年度なら2025）。"
    )


def build_plan(parsed: ParsedSheet, ward_name: str, fiscal_year: int, *, lock: bool = False) -> ImportPlan:
    plan = ImportPlan(
        ward_name,
        fiscal_year,
        parsed,
        problems=list(parsed.problems),
        warnings=list(parsed.warnings),
        notes=list(parsed.notes),
    )
    if not valid_fiscal_year(fiscal_year):
        plan.problems.insert(0, fiscal_year_problem(fiscal_year))
        return plan
    wards = Ward.objects.select_for_update() if lock else Ward.objects.all()
    plan.ward = wards.filter(name=ward_name).first()
    if plan.ward is None:
        known = "、".join(Ward.objects.values_list("name", flat=True)) or "（なし）"
        plan.problems.insert(0, Problem(f"区「{ward_name}」は登録されていません。登録済みの区：{known}"))
        return plan
    # Locked like the department pages lock it (goals/workflow.py), so a result saved meanwhile
    # either lands before this plan reads the goals (and changes its digest) or waits for the import.
    sheets = Sheet.objects.select_for_update() if lock else Sheet.objects.all()
    plan.sheet = sheets.filter(ward=plan.ward, fiscal_year=fiscal_year).first()
    if plan.sheet is not None and plan.sheet.phase == Sheet.Phase.CLOSED:
        plan.locked = True
        plan.problems.insert(
            0,
            Problem(
                f"{plan.ward}の{plan.fiscal_year_label}の取組シートは確定済み（年度が締められています）のため、"
                "読み込めません。ファイルを直す必要はありません。確定を解除できるのは"
                f"{plan.ward}の取りまとめ担当（総務課など）です。取りまとめ担当が区の一覧で段階を戻してから、"
                "もう一度読み込んでください。"
            ),
        )
    _note_office(plan)
    _plan_goals(plan)
    _plan_policies(plan)
    _ask_confirmations(plan)
    plan.digest = _digest(plan)
    return plan


def _ask_confirmations(plan: ImportPlan) -> None:
    """Imports that are easy to make by mistake: last year's workbook, results into a sheet still in 計画."""
    title_year = plan.parsed.title_year
    if title_year is not None and title_year != plan.fiscal_year:
        plan.confirmations.append(
            f"ブックの表題は{_year_label(title_year)}ですが、{plan.fiscal_year_label}の取組シートに読み込みます。"
        )
    planning = plan.sheet is None or plan.sheet.phase == Sheet.Phase.PLANNING
    brings_results = any(
        g.values["result"] or g.values["achievement"]
        for d in plan.departments
        for g in d.goals
        if g.kind != UNCHANGED
    )
    if planning and brings_results:
        where = "新しく作る取組シート" if plan.sheet is None else "読み込む先の取組シート"
        plan.confirmations.append(
            f"{where}は「計画」の段階ですが、ファイルには実施結果・達成度があります。"
            "読み込むと、計画の段階のまま実施結果・達成度も書き込みます。"
        )


def _year_label(year: int) -> str:
    try:
        return fiscal_year_label(year)
    except (TypeError, ValueError):
        return f"{year}年度"


def _note_office(plan: ImportPlan) -> None:
    parsed = plan.parsed
    if parsed.office_name and parsed.office_name != squeeze(plan.ward.office_name):
        plan.notes.append(f"ブックの発行者は「{parsed.office_name}」ですが、{plan.ward}に読み込みます。")


def _plan_goals(plan: ImportPlan) -> None:
    departments = {squeeze(d.name): d for d in plan.ward.departments.all()}
    categories = set(Category.objects.values_list("name", flat=True))
    levels = list(AchievementLevel.objects.all())
    existing: dict[int, dict[str, Goal]] = {}
    handed_in: dict[int, str] = {}  # departments that submitted or were confirmed: their status label
    if plan.sheet is not None:
        for goal in Goal.objects.filter(sheet=plan.sheet).select_related("category", "achievement"):
            # 「１」 in the file is goal 「1」 in the app: compared after NFKC, stored as first typed.
            existing.setdefault(goal.department_id, {})[number_key(goal.number)] = goal
        done = [DepartmentReport.Status.SUBMITTED, DepartmentReport.Status.CONFIRMED]
        for report in plan.sheet.reports.filter(status__in=done):
            handed_in[report.department_id] = report.get_status_display()
    for parsed_department in plan.parsed.departments:
        department = departments.get(squeeze(parsed_department.name))
        if department is None:
            plan.missing_departments.append(parsed_department.name)
        elif department.is_retired:
            plan.notes.append(
                f"部署「{department}」は{date_label(department.retired_on)}に廃止されていますが、読み込みます。"
            )
        goals = existing.get(department.pk, {}) if department else {}
        department_plan = DepartmentPlan(
            department.name if department else parsed_department.name, department
        )
        for order, parsed_goal in enumerate(parsed_department.goals, 1):
            category = parsed_goal.category
            if category and category not in categories and category not in plan.missing_categories:
                plan.missing_categories.append(category)
            level, result = _level_and_result(plan, parsed_goal, levels)
            goal = goals.get(number_key(parsed_goal.number))
            department_plan.goals.append(_goal_plan(parsed_goal, order, level, result, goal))
        keys = {number_key(g.number) for g in parsed_department.goals}
        department_plan.untouched = [goal.number for key, goal in goals.items() if key not in keys]
        plan.departments.append(department_plan)
        status = handed_in.get(department.pk) if department else None
        if status and (department_plan.count(CREATE) or department_plan.count(CHANGE)):
            plan.notes.append(f"部署「{department}」は{status}ですが、読み込むと目標が変わります。")


_LEADING_NUMBER = re.compile(r"^(\d+)\s*[:：.．、]?\s*(.*)$", re.DOTALL)


def resolve_level(written: str, levels) -> AchievementLevel | None:
    """「3」, 「3 目標をほぼ達成」 or 「目標をほぼ達成」 (全角 too) → the level; None if there is none such."""
    text = unicodedata.normalize("NFKC", written).strip()
    match = _LEADING_NUMBER.match(text)
    for level in levels:
        if (
            match
            and int(match[1]) == level.number
            and (not match[2] or squeeze(match[2]) == squeeze(level.label))
        ):
            return level
        if not match and squeeze(text) == squeeze(level.label):
            return level
    return None


def _level_and_result(plan, parsed_goal: ParsedGoal, levels) -> tuple[AchievementLevel | None, str]:
    """The level and the result text.

    A filled 達成度 column wins. Otherwise the level may be written inside the
    result (our own export starts it with 「3 目標をほぼ達成」; people type
    「達成度：3」 or 「（達成度 2）」 at the start or the end): it is taken out of
    the text. What says 達成度 but cannot be read stays in the text, with a warning.
    """
    if parsed_goal.achievement:
        return _level(plan, parsed_goal, parsed_goal.achievement, levels), parsed_goal.result
    found = find_in_result(parsed_goal.result, levels)
    if found is None:
        return None, parsed_goal.result
    if found.level is None:
        known = "、".join(str(level) for level in levels) or "（達成度が登録されていません）"
        plan.warnings.append(
            Problem(
                f"実施結果の「{found.written[:30]}」から達成度を読み取れません。達成度は空欄のまま、"
                f"文は実施結果に残します。使える達成度：{known}",
                plan.parsed.worksheet,
                parsed_goal.row,
                plan.parsed.columns.get("result"),
            )
        )
        return None, parsed_goal.result
    return found.level, found.rest


def _level(plan, parsed_goal: ParsedGoal, written: str, levels) -> AchievementLevel | None:
    if not written:
        return None
    level = resolve_level(written, levels)
    if level is None:
        known = "、".join(str(level) for level in levels) or "（達成度が登録されていません）"
        column = plan.parsed.columns.get("achievement") or plan.parsed.columns.get("result")
        plan.problems.append(
            Problem(
                f"達成度「{written[:30]}」はありません。使える達成度：{known}",
                plan.parsed.worksheet,
                parsed_goal.row,
                column,
            )
        )
    return level


def _goal_plan(parsed_goal: ParsedGoal, order: int, level, result: str, goal: Goal | None) -> GoalPlan:
    values = {
        "order": order,
        "category": parsed_goal.category,
        "text": parsed_goal.text,
        "result": result,
        "achievement": level.number if level else None,
    }
    plan = GoalPlan(CREATE, parsed_goal.number, parsed_goal.row, values, goal=goal)
    if goal is None:
        return plan
    old = {
        "order": goal.order,
        "category": goal.category.name if goal.category else None,
        "text": goal.text,
        "result": goal.result,
        "achievement": goal.achievement.number if goal.achievement else None,
    }
    for key in ("result", "achievement"):
        if values[key] in ("", None) and old[key] not in ("", None):
            values[key] = old[key]
            plan.kept.append(FIELD_LABELS[key])
    shown_levels = {goal.achievement.number: str(goal.achievement)} if goal.achievement else {}
    if level is not None:
        shown_levels[level.number] = str(level)
    plan.changes = [
        FieldChange(
            FIELD_LABELS[key],
            _shown(shown_levels.get(old[key], old[key]) if key == "achievement" else old[key]),
            _shown(shown_levels.get(values[key], values[key]) if key == "achievement" else values[key]),
        )
        for key in FIELD_LABELS
        if old[key] != values[key]
    ]
    plan.kind = CHANGE if plan.changes else UNCHANGED
    return plan


def _shown(value) -> str:
    return "（なし）" if value in ("", None) else str(value)


def _plan_policies(plan: ImportPlan) -> None:
    if plan.parsed.policies is None:
        plan.notes.append("ブックに方針（①〜）の欄がないため、方針は読み込みません。")
        return
    existing = {p.number: p for p in plan.sheet.policies.all()} if plan.sheet else {}
    seen = set()
    for parsed_policy in plan.parsed.policies:
        if parsed_policy.number in seen:
            plan.problems.append(
                Problem("方針の番号が重複しています。", plan.parsed.worksheet, parsed_policy.row)
            )
            continue
        seen.add(parsed_policy.number)
        policy = existing.get(parsed_policy.number)
        if policy is None:
            kind = CREATE
        else:
            kind = UNCHANGED if policy.text == parsed_policy.text else CHANGE
        plan.policies.append(
            PolicyPlan(kind, parsed_policy.number, parsed_policy.text, policy.text if policy else "", policy)
        )
    plan.untouched_policies = sorted(number for number in existing if number not in seen)


def _digest(plan: ImportPlan) -> str:
    """Fingerprint of the plan and of every database row it was compared with."""
    payload = {
        "ward": plan.ward.pk,
        "year": plan.fiscal_year,
        "sheet": [plan.sheet.pk, plan.sheet.phase] if plan.sheet else None,
        "departments": [
            [
                d.name,
                d.department.pk if d.department else None,
                [[g.kind, g.number, g.values, g.goal.pk if g.goal else None] for g in d.goals],
                d.untouched,
            ]
            for d in plan.departments
        ],
        "policies": [[p.kind, p.number, p.text, p.old_text] for p in plan.policies],
        "untouched_policies": plan.untouched_policies,
        "missing": [plan.missing_departments, plan.missing_categories],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
