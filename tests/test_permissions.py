"""Permission matrix: every URL of the app × every persona × GET/POST, with the expected status.

- anonymous → redirect to the login page;
- another department's or another ward's object → 404 (its existence is not revealed);
- a member in a read-only situation → 403 with a Japanese reason;
- every refused POST leaves goals, reports, sheets, their history and the reminder log unchanged;
  every accepted POST changes them (so a silently ignored POST cannot pass).

The matrix is a table of ROWS. To cover a new page, append a Row with its URL, the state it needs and
the expected status per persona (issue 3's sheet pages and issue 5's imports belong here).
Each persona runs inside a savepoint that is rolled back, so all personas see the same starting state.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse

from goals.models import AchievementLevel, DepartmentReport, Goal, GoalComment, ReminderLog, Sheet

from .conftest import fill_results

PERSONAS = (
    "anonymous",
    "editor",
    "other_editor",
    "reviewer",
    "approver",
    "other_ward_reviewer",
    "outsider",
    "superuser",
)
ALLOWED = {200, 302}


def _statuses(
    anonymous=302,
    editor=None,
    other_editor=None,
    reviewer=None,
    approver=403,
    other_ward_reviewer=404,
    outsider=404,
    superuser=None,
):
    """Expected status per persona. An outsider (signed in, no membership anywhere) sees no ward: 404.
    The approver (承認者 of the editor's department) reads it and may change nothing but its approval: 403."""
    return {
        "anonymous": anonymous,
        "editor": editor,
        "other_editor": other_editor,
        "reviewer": reviewer,
        "approver": approver,
        "other_ward_reviewer": other_ward_reviewer,
        "outsider": outsider,
        "superuser": superuser,
    }


# Who may do what, as expected statuses per persona.
def department_read(ok=200):
    return _statuses(editor=ok, other_editor=404, reviewer=ok, approver=ok, superuser=ok)


def department_write(ok):
    """The department's own editor (and a superuser); the ward's reviewer reads but may not write."""
    return _statuses(editor=ok, other_editor=404, reviewer=403, superuser=ok)


def read_only():
    """A situation where nobody may write (submitted, confirmed, closed, past year, wrong phase)."""
    return _statuses(editor=403, other_editor=404, reviewer=403, superuser=403)


def review(ok=302):
    return _statuses(editor=403, other_editor=404, reviewer=ok, superuser=ok)


def board_only(ok):
    """Ward-level pages: the ward's editors are members (403), other wards do not see it (404)."""
    return _statuses(editor=403, other_editor=403, reviewer=ok, superuser=ok)


def post_only():
    return everyone(405)


def everyone(ok):
    """Every signed-in persona alike (the URL's method or object decides, not who asks)."""
    return _statuses(
        editor=ok,
        other_editor=ok,
        reviewer=ok,
        approver=ok,
        other_ward_reviewer=ok,
        outsider=ok,
        superuser=ok,
    )


@dataclass
class World:
    sheet: Sheet
    report: DepartmentReport
    goal: Goal
    level: AchievementLevel
    comment: GoalComment


@dataclass
class Row:
    label: str
    method: str
    name: str  # URL name
    args: Callable[[World], list]
    expect: dict
    state: str = "in_progress"
    data: Callable[[World], dict] = field(default=lambda w: {})


def NONE(w):
    return []


def REPORT(w):
    return [w.report.pk]


def GOAL(w):
    return [w.goal.pk]


def COMMENT(w):
    return [w.comment.pk]


def BOARD(w):
    return [w.sheet.ward.name, w.sheet.fiscal_year]


def TOKEN(w):
    return ["no-such-upload-token-000000000000"]


def DEPARTMENT_SHEET(w):
    return [w.sheet.ward.name, w.sheet.fiscal_year, w.report.department_id]


def ward_read():
    """The printed sheet is the ward's document: every member of the ward reads it, whole or in part."""
    return _statuses(editor=200, other_editor=200, reviewer=200, approver=200, superuser=200)


def approval(ok=302):
    """The department's 承認者 (and a superuser); its editor and 総務課 read but may not approve."""
    return _statuses(editor=403, other_editor=404, reviewer=403, approver=ok, superuser=ok)


def get_only():
    return everyone(405)


def _plan(w):
    return {"number": w.goal.number, "category": "", "text": "書き直した目標", "version": w.goal.version}


def _new_goal(w):
    return {"number": "99", "category": "", "text": "新しい目標"}


def _result(w):
    return {"result": "実施しました", "achievement": w.level.pk, "version": w.goal.version}


def _version(w):
    return {"version": w.goal.version}


def _down(w):
    return {"direction": "down"}


ROWS = [
    Row("home", "GET", "goals:home", NONE, {**everyone(302), "other_ward_reviewer": 200, "outsider": 200}),
    Row("home", "POST", "goals:home", NONE, post_only()),
    Row("tasks", "GET", "goals:tasks", NONE, everyone(200)),
    Row("tasks", "POST", "goals:tasks", NONE, post_only()),
    Row("help", "GET", "goals:help", NONE, everyone(200)),
    Row("help", "POST", "goals:help", NONE, post_only()),
    Row("department page", "GET", "goals:report", REPORT, department_read()),
    Row("department page, closed", "GET", "goals:report", REPORT, department_read(), state="closed"),
    Row("department page, unknown", "GET", "goals:report", lambda w: [999999], everyone(404)),
    Row("new goal", "GET", "goals:goal_new", REPORT, department_write(200), state="planning"),
    Row("new goal", "POST", "goals:goal_new", REPORT, department_write(302), "planning", _new_goal),
    Row("new goal, in progress", "GET", "goals:goal_new", REPORT, read_only()),
    Row("new goal, in progress", "POST", "goals:goal_new", REPORT, read_only(), data=_new_goal),
    Row("submit, asked first", "GET", "goals:report_submit", REPORT, department_write(200), state="complete"),
    Row("submit, asked first, submitted", "GET", "goals:report_submit", REPORT, read_only(), "submitted"),
    Row("submit", "POST", "goals:report_submit", REPORT, department_write(302), state="complete"),
    Row("submit, submitted", "POST", "goals:report_submit", REPORT, read_only(), state="submitted"),
    Row("submit, planning", "POST", "goals:report_submit", REPORT, read_only(), state="planning"),
    Row("submit, closed", "POST", "goals:report_submit", REPORT, read_only(), state="closed"),
    Row("return", "GET", "goals:report_return", REPORT, post_only()),
    Row(
        "return", "POST", "goals:report_return", REPORT, review(), "submitted", lambda w: {"reason": "直して"}
    ),
    Row("confirm", "GET", "goals:report_confirm", REPORT, post_only()),
    Row("approve", "GET", "goals:report_approve", REPORT, post_only()),
    Row("approve", "POST", "goals:report_approve", REPORT, approval(), state="awaiting_approval"),
    Row("approve, closed", "POST", "goals:report_approve", REPORT, approval(403), state="closed"),
    Row("send back", "GET", "goals:report_send_back", REPORT, post_only()),
    Row(
        "send back",
        "POST",
        "goals:report_send_back",
        REPORT,
        approval(),
        "awaiting_approval",
        lambda w: {"send_back-reason": "根拠を足して"},
    ),
    Row(
        "result, awaiting approval",
        "POST",
        "goals:goal_result",
        GOAL,
        read_only(),
        "awaiting_approval",
        _result,
    ),
    Row("submit, awaiting approval", "POST", "goals:report_submit", REPORT, read_only(), "awaiting_approval"),
    Row("confirm", "POST", "goals:report_confirm", REPORT, review(), state="submitted"),
    Row("goal page", "GET", "goals:goal", GOAL, department_read()),
    Row("edit goal", "GET", "goals:goal_edit", GOAL, department_write(200), state="planning"),
    Row("edit goal", "POST", "goals:goal_edit", GOAL, department_write(302), "planning", _plan),
    Row("edit goal, in progress", "GET", "goals:goal_edit", GOAL, read_only()),
    Row("edit goal, in progress", "POST", "goals:goal_edit", GOAL, read_only(), data=_plan),
    Row("edit goal, closed", "POST", "goals:goal_edit", GOAL, read_only(), "closed", _plan),
    Row("result", "GET", "goals:goal_result", GOAL, department_write(200)),
    Row("result", "POST", "goals:goal_result", GOAL, department_write(302), data=_result),
    Row("result, planning", "POST", "goals:goal_result", GOAL, read_only(), "planning", _result),
    Row("result, submitted", "GET", "goals:goal_result", GOAL, read_only(), state="submitted"),
    Row("result, submitted", "POST", "goals:goal_result", GOAL, read_only(), "submitted", _result),
    Row("result, confirmed", "POST", "goals:goal_result", GOAL, read_only(), "confirmed", _result),
    Row("result, closed", "POST", "goals:goal_result", GOAL, read_only(), "closed", _result),
    Row("result, past year", "POST", "goals:goal_result", GOAL, read_only(), "past_year", _result),
    Row("delete goal", "GET", "goals:goal_delete", GOAL, department_write(200), state="planning"),
    Row("delete goal", "POST", "goals:goal_delete", GOAL, department_write(302), "planning", _version),
    Row("delete goal, in progress", "POST", "goals:goal_delete", GOAL, read_only(), data=_version),
    Row("move goal", "GET", "goals:goal_move", GOAL, post_only(), state="planning"),
    Row("move goal", "POST", "goals:goal_move", GOAL, department_write(302), "planning", _down),
    Row("move goal, in progress", "POST", "goals:goal_move", GOAL, read_only(), data=_down),
    Row("comment", "GET", "goals:goal_comment", GOAL, post_only()),
    Row(
        "comment",
        "POST",
        "goals:goal_comment",
        GOAL,
        department_read(302),
        data=lambda w: {"text": "根拠は？"},
    ),
    Row(
        "comment, closed", "POST", "goals:goal_comment", GOAL, read_only(), "closed", lambda w: {"text": "x"}
    ),
    Row("resolve", "GET", "goals:comment_resolve", COMMENT, post_only()),
    Row(
        "resolve",
        "POST",
        "goals:comment_resolve",
        COMMENT,
        department_read(302),
        data=lambda w: {"resolved": "1"},
    ),
    Row(
        "resolve, closed",
        "POST",
        "goals:comment_resolve",
        COMMENT,
        read_only(),
        "closed",
        lambda w: {"resolved": "1"},
    ),
    Row("ward board", "GET", "goals:board", BOARD, board_only(200)),
    Row("ward board, unknown year", "GET", "goals:board", lambda w: ["幸区", 2001], everyone(404)),
    Row("advance, asked first", "GET", "goals:board_advance", BOARD, board_only(200)),
    Row("advance, closed", "GET", "goals:board_advance", BOARD, board_only(403), state="closed"),
    Row(
        "advance",
        "POST",
        "goals:board_advance",
        BOARD,
        board_only(302),
        data=lambda w: {"override_reason": "紙で確認"},
    ),
    Row(
        "reopen",
        "POST",
        "goals:board_reopen",
        BOARD,
        board_only(302),
        "closed",
        lambda w: {"reason": "数値の誤り"},
    ),
    Row(
        "deadline",
        "POST",
        "goals:board_deadline",
        BOARD,
        board_only(302),
        data=lambda w: {"results_deadline": "2026-04-30"},
    ),
    Row("selected departments", "GET", "goals:board_selected", BOARD, post_only()),
    Row(
        "selected departments, confirm",
        "POST",
        "goals:board_selected",
        BOARD,
        board_only(302),
        "submitted",
        lambda w: {"reports": [w.report.pk], "action": "confirm"},
    ),
    Row(
        "selected departments, remind",
        "POST",
        "goals:board_selected",
        BOARD,
        board_only(302),
        data=lambda w: {"reports": [w.report.pk], "action": "remind"},
    ),
    Row("password change", "GET", "password_change", NONE, everyone(200)),
    *[
        row
        for name, args in [
            ("goals:sheet", BOARD),
            ("goals:sheet_pdf", BOARD),
            ("goals:sheet_xlsx", BOARD),
            ("goals:department_sheet", DEPARTMENT_SHEET),
            ("goals:department_sheet_pdf", DEPARTMENT_SHEET),
            ("goals:department_sheet_xlsx", DEPARTMENT_SHEET),
        ]
        for row in (
            Row(f"{name} (sheet)", "GET", name, args, ward_read()),
            Row(f"{name} (sheet), closed", "GET", name, args, ward_read(), state="closed"),
            Row(f"{name} (sheet)", "POST", name, args, get_only()),
        )
    ],
    Row("sheet, unknown year", "GET", "goals:sheet", lambda w: ["幸区", 2001], everyone(404)),
    Row(
        "department sheet, department of another ward",
        "GET",
        "goals:department_sheet",
        lambda w: [w.sheet.ward.name, w.sheet.fiscal_year, 999999],
        everyone(404),
    ),
    # Workbook import and carry forward (issue 5). A reviewer of another ward imports into their own
    # ward, so the upload page opens for them; a preview belongs to the session that uploaded it.
    Row("import upload", "GET", "goals:import_upload", NONE, {**board_only(200), "other_ward_reviewer": 200}),
    Row("import preview, unknown token", "GET", "goals:import_preview", TOKEN, everyone(404)),
    Row("import confirm, unknown token", "POST", "goals:import_confirm", TOKEN, everyone(404)),
    Row("import confirm", "GET", "goals:import_confirm", TOKEN, post_only()),
    Row("import cancel, unknown token", "POST", "goals:import_cancel", TOKEN, everyone(404)),
    Row("carry forward", "GET", "goals:carry_forward", BOARD, board_only(200)),
    Row("carry forward", "POST", "goals:carry_forward", BOARD, board_only(302)),
    Row(
        "carry forward, unknown year", "POST", "goals:carry_forward", lambda w: ["幸区", 2001], everyone(404)
    ),
]


def _set_state(state, sheet, report):
    phase = {"planning": Sheet.Phase.PLANNING, "closed": Sheet.Phase.CLOSED}.get(
        state, Sheet.Phase.IN_PROGRESS
    )
    Sheet.objects.filter(pk=sheet.pk).update(phase=phase)
    if state in ("complete", "submitted", "confirmed", "awaiting_approval"):
        fill_results(report)
    if state in ("submitted", "confirmed", "awaiting_approval"):
        DepartmentReport.objects.filter(pk=report.pk).update(status=state)
    if state == "past_year":
        Sheet.objects.create(
            ward=sheet.ward, fiscal_year=sheet.fiscal_year + 1, phase=Sheet.Phase.IN_PROGRESS
        )


def database_dump():
    """Everything a request of this app may write."""
    return (
        list(Goal.objects.order_by("pk").values()),
        list(DepartmentReport.objects.order_by("pk").values()),
        list(Sheet.objects.order_by("pk").values()),
        Goal.history.count(),
        DepartmentReport.history.count(),
        Sheet.history.count(),
        ReminderLog.objects.count(),
        list(GoalComment.objects.order_by("pk").values()),
    )


@pytest.fixture
def personas(editor, other_editor, reviewer, approver, other_ward_reviewer, outsider, superuser):
    return {
        "anonymous": None,
        "editor": editor,
        "other_editor": other_editor,
        "reviewer": reviewer,
        "approver": approver,
        "other_ward_reviewer": other_ward_reviewer,
        "outsider": outsider,
        "superuser": superuser,
    }


def _check(client, row, persona, user, seed):
    client.logout()
    if user is not None:
        client.force_login(user)
    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    _set_state(row.state, seed, report)
    seed.refresh_from_db()
    goal = Goal.objects.filter(sheet=seed, department=report.department).order_by("order", "pk").first()
    comment = GoalComment.objects.create(goal=goal, text="達成度の根拠を教えてください。")
    world = World(seed, report, goal, AchievementLevel.objects.get(number=2), comment)
    url = reverse(row.name, args=row.args(world))
    before = database_dump()
    response = client.get(url) if row.method == "GET" else client.post(url, row.data(world))
    after = database_dump()
    expected = row.expect[persona]
    where = f"{row.method} {row.label} as {persona}"
    problems = []
    if response.status_code != expected:
        problems.append(f"{where}: {response.status_code}, expected {expected}")
    if persona == "anonymous" and not response.get("Location", "").startswith(reverse("login")):
        problems.append(f"{where}: not sent to the login page")
    if expected == 403:
        body = response.content.decode()
        if "この操作はできません" not in body or "この画面を開く権限がありません" in body:
            problems.append(f"{where}: 403 without a specific Japanese reason")
    refused = persona == "anonymous" or expected not in ALLOWED
    if (row.method == "GET" or refused) and before != after:
        problems.append(f"{where}: the database changed")
    if row.method == "POST" and not refused and before == after:
        problems.append(f"{where}: accepted, but nothing changed")
    return problems


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.label}" for r in ROWS])
def test_permission_matrix(client, seed, personas, row):
    problems = []
    for persona, user in personas.items():
        with transaction.atomic():
            problems += _check(client, row, persona, user, seed)
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def test_matrix_covers_every_url_of_the_app():
    """A new URL of the goals app without a row here fails this test."""
    from goals.urls import urlpatterns

    names = {f"goals:{p.name}" for p in urlpatterns}
    assert names <= {row.name for row in ROWS}, f"no matrix row for {sorted(names - {r.name for r in ROWS})}"
