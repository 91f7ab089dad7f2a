"""The ward board's figures: per department status, progress, last change, achievement tally."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from goals.lib.people import display_name
from goals.lib.wareki import datetime_label
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
    # The cells as shown, written here once rather than by filters in the template's loop.
    steps: list[tuple[str, str]] = field(default_factory=list)  # (提出, "令和7年… 山田 花子")
    last_when: str = ""
    last_who: str = ""
    reminded: str = ""
    url: str = ""  # the department's page, set by the view

    @property
    def status(self) -> str:
        return self.report.status

    @property
    def tally_text(self) -> str:
        return "、".join(f"{s.label}：{s.count}件" for s in self.segments if s.count)


@dataclass(frozen=True)
class Entry:
    """A department's place on the board: enough to count, filter and page by without its row."""

    report_id: int
    status: str
    department: str


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


def board_index(sheet) -> list[Entry]:
    """Every department of the sheet in board order, in one query of three columns."""
    reports = sheet.reports.order_by("department__order", "department__name")
    return [Entry(*values) for values in reports.values_list("pk", "status", "department__name")]


def board(sheet, report_ids=None):
    """Rows for the departments of `report_ids` (all when None) and the whole ward's tally, in 7
    queries whatever the ward's size or the number of rows asked for."""
    # Only changes made by a person in the app: loaded or imported goals have no updater.
    latest = Goal.objects.filter(
        sheet=OuterRef("sheet"), department=OuterRef("department"), updated_by__isnull=False
    ).order_by("-updated_at")
    last_reminder = ReminderLog.objects.filter(report=OuterRef("pk")).order_by("-sent_at")
    reports = sheet.reports.select_related(
        "department", "status_changed_by", "submitted_by", "approved_by", "confirmed_by"
    )
    if report_ids is not None:
        reports = reports.filter(pk__in=report_ids)
    reports = list(
        reports.annotate(
            last_goal_at=Subquery(latest.values("updated_at")[:1]),
            last_goal_by_id=Subquery(latest.values("updated_by")[:1]),
            last_reminder_at=Subquery(last_reminder.values("sent_at")[:1]),
        ).order_by("department__order", "department__name")
    )
    levels = list(AchievementLevel.objects.all())
    goals = Goal.objects.filter(sheet=sheet)
    shown = goals if report_ids is None else goals.filter(department__in=[r.department_id for r in reports])
    counts = shown.values("department_id", "achievement_id").annotate(
        n=Count("id"), complete=Count("id", filter=~Q(result="") & Q(achievement__isnull=False))
    )
    per_department: dict[int, dict] = {}
    for c in counts:
        per_department.setdefault(c["department_id"], {})[c["achievement_id"]] = (c["n"], c["complete"])
    ward_levels = dict(goals.order_by().values_list("achievement_id").annotate(n=Count("id")))
    open_threads = dict(
        GoalComment.objects.filter(goal__in=shown, parent=None, resolved_at=None)
        .values_list("goal__department_id")
        .annotate(n=Count("pk"))
    )
    editor_ids = {r.last_goal_by_id for r in reports if r.last_goal_by_id}
    editors = get_user_model().objects.in_bulk(editor_ids) if editor_ids else {}

    zone = timezone.get_current_timezone()
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
                steps=[
                    (label, f"{_when(at, zone)} {_who(by)}")
                    for label, at, by in (
                        ("提出", report.submitted_at, report.submitted_by),
                        ("承認", report.approved_at, report.approved_by),
                        ("確認", report.confirmed_at, report.confirmed_by),
                    )
                    if at
                ],
                last_when=_when(last_at, zone),
                last_who=_who(last_by) if last_at else "",
                reminded=_when(report.last_reminder_at, zone),
            )
        )
    return rows, _tally(ward_levels, levels)


def _when(value, zone) -> str:
    return datetime_label(value, zone) if value else ""


def _who(user) -> str:
    return display_name(user) or "（不明）"


def _tally(by_level: dict, levels):
    counts = [by_level.get(lv.pk, 0) for lv in levels] + [by_level.get(None, 0)]
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
    """Rows (or entries) whose status is one of `chosen` (UNSUBMITTED standing for all before 提出済み); all if none."""
    wanted = set(chosen)
    if UNSUBMITTED in wanted:
        wanted |= set(DepartmentReport.before_submitted())
    return [r for r in rows if r.status in wanted] if wanted else rows


def status_counts(rows):
    counts = {value: 0 for value, _ in DepartmentReport.Status.choices}
    for row in rows:
        counts[row.status] += 1
    return [(value, label, counts[value]) for value, label in DepartmentReport.Status.choices]
