"""Readable history (who, when, old → new) from django-simple-history's tables.

Each history row is compared with the previous row of the same object in
Python, never with `prev_record` (one query per row): a page costs the same
few queries however long its history is.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from goals.lib.people import display_name
from goals.lib.wareki import date_label, datetime_label
from goals.models import AchievementLevel, Category, DepartmentReport, Goal, Sheet
from goals.sheet.vocabulary import FIELD_LABELS


@dataclass
class Diff:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    who: str
    subject: str
    action: str
    diffs: list[Diff] = field(default_factory=list)
    reason: str = ""

    @property
    def when_label(self) -> str:
        return datetime_label(self.when, timezone.get_current_timezone())


def _person(user) -> str:
    return display_name(user, absent="（システム・管理画面）")


ACTIONS = {"+": "作成", "~": "変更", "-": "削除"}


def _entries(rows, fields, subject, shown_on_create):
    """rows: history rows ordered by object id then time; fields: (attribute, label, formatter)."""
    entries, previous = [], {}
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        if row.history_type == "+" or before is None:
            diffs = [
                Diff(label, "", fmt(getattr(row, attr)))
                for attr, label, fmt in fields
                if attr in shown_on_create and fmt(getattr(row, attr))
            ]
        elif row.history_type == "-":
            diffs = []
        else:
            diffs = [
                Diff(label, fmt(getattr(before, attr)), fmt(getattr(row, attr)))
                for attr, label, fmt in fields
                if getattr(before, attr) != getattr(row, attr)
            ]
            if not diffs and not row.history_change_reason:
                continue
        entries.append(
            Entry(
                when=row.history_date,
                who=_person(row.history_user),
                subject=subject(row),
                action=ACTIONS.get(row.history_type, row.history_type),
                diffs=diffs,
                reason=row.history_change_reason or "",
            )
        )
    return entries


def _goal_fields():
    categories = {c.pk: c.name for c in Category.objects.all()}
    levels = {lv.pk: f"{lv.number} {lv.label}" for lv in AchievementLevel.objects.all()}
    return [
        ("number", FIELD_LABELS["number"], str),
        (
            "category_id",
            FIELD_LABELS["category"],
            lambda pk: categories.get(pk, "") if pk else "（区分なし）",
        ),
        ("text", FIELD_LABELS["text"], str),
        ("result", FIELD_LABELS["result"], str),
        (
            "achievement_id",
            FIELD_LABELS["achievement"],
            lambda pk: levels.get(pk, "") if pk else "（未選択）",
        ),
        ("order", FIELD_LABELS["order"], str),
    ]


def _goal_entries(rows):
    return _entries(
        rows,
        _goal_fields(),
        subject=lambda row: f"目標 {row.number}",
        shown_on_create={"number", "category_id", "text", "result", "achievement_id"},
    )


def _newest_first(entries):
    return sorted(entries, key=lambda e: e.when, reverse=True)


def _comment_entries(comments):
    """The goal's conversation in its history: each comment, and each thread marked settled."""
    entries = []
    for c in comments:
        action = "返信" if c.parent_id else "コメント"
        entries.append(
            Entry(when=c.created_at, who=_person(c.author), subject="コメント", action=action, reason=c.text)
        )
        if c.resolved_at:
            entries.append(
                Entry(when=c.resolved_at, who=_person(c.resolved_by), subject="コメント", action="解決")
            )
    return entries


def goal_history(goal, comments=()) -> list[Entry]:
    """Every change of one goal and its conversation (comments given, already loaded), newest first
    (3 queries)."""
    rows = (
        Goal.history.filter(id=goal.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    return _newest_first(_goal_entries(rows) + _comment_entries(comments))


STATUS_LABELS = dict(DepartmentReport.Status.choices)


def report_history(report) -> list[Entry]:
    """Every change of a department's goals (deleted ones too) and of its status, newest first (4 queries)."""
    goal_rows = (
        Goal.history.filter(sheet_id=report.sheet_id, department_id=report.department_id)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    status_rows = (
        DepartmentReport.history.filter(id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    status_entries = _entries(
        status_rows,
        [
            ("status", "状況", lambda s: STATUS_LABELS.get(s, s)),
            ("return_reason", "差戻しの理由", str),
        ],
        subject=lambda row: "提出状況",
        shown_on_create={"status"},
    )
    return _newest_first(_goal_entries(goal_rows) + status_entries)


PHASE_LABELS = dict(Sheet.Phase.choices)


def sheet_history(sheet) -> list[Entry]:
    """Phase, deadline and publication changes of a sheet, with their reasons, newest first (1 query)."""
    rows = (
        Sheet.history.filter(id=sheet.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    return _newest_first(
        _entries(
            rows,
            [
                ("phase", "段階", lambda p: PHASE_LABELS.get(p, p)),
                ("results_deadline", "実施結果の提出期限", lambda d: date_label(d) if d else "（なし）"),
                ("published_at", "公開", lambda d: "公開中" if d else "非公開"),
            ],
            subject=lambda row: "取組シート",
            shown_on_create={"phase"},
        )
    )
