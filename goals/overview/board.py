"""The ward board's figures: per department status, progress, last change, achievement tally."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery

from goals.models import AchievementLevel, DepartmentReport, Goal, GoalComment, ReminderLog

BAR_WIDTH = 320  # px of the longest bar in the ward chart
STACK_WIDTH = 160  # px of a department's stacked bar


@dataclass
class Segment:
    label: str
    count: int
    css: str
    x: int = 0
    width: int = 0


@dataclass
class Row:
    report: DepartmentReport
    total: int
    complete: int
    last_at: datetime | None
    last_by: object
    segments: list[Segment] = field(default_factory=list)
    open_threads: int = 0

    @property
    def tally_text(self) -> str:
        return "、".join(f"{s.label}：{s.count}件" for s in self.segments if s.count)


@dataclass
class TallyBar:
    level: AchievementLevel | None
    label: str
    count: int
    percent: int
    width: int
    y: int
    css: str


def _stack(segments):
    total = sum(s.count for s in segments) or 1
    x = 0
    for s in segments:
        s.x = x
        s.width = round(STACK_WIDTH * s.count / total)
        x += s.width
    return segments


def board(sheet):
    """Rows for every department of the sheet and the ward tally, in 6 queries whatever the ward's size."""
    # Only changes made by a person in the app: loaded or imported goals have no updater.
    latest = Goal.objects.filter(
        sheet=OuterRef("sheet"), department=OuterRef("department"), updated_by__isnull=False
    ).order_by("-updated_at")
    last_reminder = ReminderLog.objects.filter(report=OuterRef("pk")).order_by("-sent_at")
    reports = list(
        sheet.reports.select_related(
            "department", "status_changed_by", "submitted_by", "approved_by", "confirmed_by"
        )
        .annotate(
            last_goal_at=Subquery(latest.values("updated_at")[:1]),
            last_goal_by_id=Subquery(latest.values("updated_by")[:1]),
            last_reminder_at=Subquery(last_reminder.values("sent_at")[:1]),
        )
        .order_by("department__order", "department__name")
    )
    levels = list(AchievementLevel.objects.all())
    counts = (
        Goal.objects.filter(sheet=sheet)
        .values("department_id", "achievement_id")
        .annotate(n=Count("id"), complete=Count("id", filter=~Q(result="") & Q(achievement__isnull=False)))
    )
    per_department: dict[int, dict] = {}
    for c in counts:
        per_department.setdefault(c["department_id"], {})[c["achievement_id"]] = (c["n"], c["complete"])
    open_threads = dict(
        GoalComment.objects.filter(goal__sheet=sheet, parent=None, resolved_at=None)
        .values_list("goal__department_id")
        .annotate(n=Count("pk"))
    )
    editor_ids = {r.last_goal_by_id for r in reports if r.last_goal_by_id}
    editors = get_user_model().objects.in_bulk(editor_ids) if editor_ids else {}

    rows = []
    for report in reports:
        by_level = per_department.get(report.department_id, {})
        segments = [
            Segment(f"達成度{lv.number}", by_level.get(lv.pk, (0, 0))[0], f"level-{lv.number}")
            for lv in levels
        ]
        segments.append(Segment("達成度未入力", by_level.get(None, (0, 0))[0], "level-none"))
        last_at, last_by = report.status_changed_at, report.status_changed_by
        if report.last_goal_at and (last_at is None or report.last_goal_at > last_at):
            last_at, last_by = report.last_goal_at, editors.get(report.last_goal_by_id)
        rows.append(
            Row(
                report=report,
                total=sum(n for n, _ in by_level.values()),
                complete=sum(done for _, done in by_level.values()),
                last_at=last_at,
                last_by=last_by,
                segments=_stack(segments),
                open_threads=open_threads.get(report.department_id, 0),
            )
        )
    return rows, _tally(rows, levels)


def _tally(rows, levels):
    counts = [sum(r.segments[i].count for r in rows) for i in range(len(levels) + 1)]
    total = sum(counts) or 1
    longest = max(counts) or 1
    labels = [(lv, f"{lv.number} {lv.label}", f"level-{lv.number}") for lv in levels]
    labels.append((None, "未入力", "level-none"))
    return [
        TallyBar(
            level=lv,
            label=label,
            count=n,
            percent=round(100 * n / total),
            width=round(BAR_WIDTH * n / longest),
            y=28 * i,
            css=css,
        )
        for i, ((lv, label, css), n) in enumerate(zip(labels, counts, strict=True))
    ]


UNSUBMITTED = "unsubmitted"


def filter_choices():
    """The board's status filter: 未提出 (every state before 提出済み) first, then each status."""
    return [(UNSUBMITTED, "未提出（提出済みより前のすべて）"), *DepartmentReport.Status.choices]


def filtered(rows, chosen):
    """Rows whose status is one of `chosen` (UNSUBMITTED standing for all before 提出済み); all if none."""
    wanted = set(chosen)
    if UNSUBMITTED in wanted:
        wanted |= set(DepartmentReport.before_submitted())
    return [r for r in rows if r.report.status in wanted] if wanted else rows


def status_counts(rows):
    counts = {value: 0 for value, _ in DepartmentReport.Status.choices}
    for row in rows:
        counts[row.report.status] += 1
    return [(value, label, counts[value]) for value, label in DepartmentReport.Status.choices]
