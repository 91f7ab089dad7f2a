"""Permission matrix: every URL of the app × every persona × GET/POST, with the expected status.

- anonymous → redirect to the login page, except on the public pages (/kokai/: published sheets only);
- city staff (区政推進) read every ward of their city and change nothing (403 on every write);
- another department's or another ward's object → 404 (its existence is not revealed);
- a member in a read-only situation → 403 with a Japanese reason;
- every refused POST leaves goals, reports, sheets, their history and the reminder log unchanged;
  every accepted POST changes them (so a silently ignored POST cannot pass).

The matrix is a table of ROWS. To cover a new page, append a Row with its URL, the state it needs and
the expected status per persona.
Each persona runs inside a savepoint that is rolled back, so all personas see the same starting state.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership
from goals.models import (
    AchievementLevel,
    DepartmentReport,
    DigestItem,
    Goal,
    GoalComment,
    MailSetting,
    ReminderLog,
    Sheet,
)

from .conftest import fill_results
from .publication_helpers import hand_everything_in

PERSONAS = (
    "anonymous",
    "editor",
    "other_editor",
    "reviewer",
    "approver",
    "other_ward_reviewer",
    "outsider",
    "superuser",
    "city_staff",
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
    city_staff=404,
):
    """Expected status per persona. An outsider (signed in, no membership anywhere) sees no ward: 404.
    City staff read what the ward's members read and are refused every change with a reason (403).
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
        "city_staff": city_staff,
    }


# Who may do what, as expected statuses per persona.
def department_read(ok=200):
    return _statuses(editor=ok, other_editor=404, reviewer=ok, approver=ok, superuser=ok, city_staff=ok)


def department_write(ok):
    """The department's own editor (and a superuser); the ward's reviewer reads but may not write."""
    return _statuses(editor=ok, other_editor=404, reviewer=403, superuser=ok, city_staff=403)


def read_only():
    """A situation where nobody may write (submitted, confirmed, closed, past year, wrong phase)."""
    return _statuses(editor=403, other_editor=404, reviewer=403, superuser=403, city_staff=403)


def review(ok=302):
    return _statuses(editor=403, other_editor=404, reviewer=ok, superuser=ok, city_staff=403)


def board_only(ok):
    """Ward-level pages: the ward's editors are members (403), other wards do not see it (404);
    city staff read the ward on the city's own pages and are refused here (403)."""
    return _statuses(editor=403, other_editor=403, reviewer=ok, superuser=ok, city_staff=403)


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
        city_staff=ok,
    )


def public(ok=200):
    """The public pages: anyone, signed in or not, reads a published sheet."""
    return {persona: ok for persona in PERSONAS}


def city_only(ok=200):
    """The city board: the city's staff and superusers; members of one of its wards 403, others 404."""
    return _statuses(editor=403, other_editor=403, reviewer=403, superuser=ok, city_staff=ok)


def trends_read():
    """A ward's 達成度 across years: its reviewers, its city's staff, superusers; its other members 403."""
    return {**board_only(200), "city_staff": 200}


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
    # A POST that only stages something (a roster upload before its preview) writes nothing by design.
    writes: bool = True


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


def WARD(w):
    return [w.sheet.ward.name]


def STAFF_TOKEN(w):
    return [w.sheet.ward.name, "no-such-upload-token-000000000000"]


def EDITOR_MEMBERSHIP(w):
    return [w.sheet.ward.name, Membership.objects.get(user__username="kumin-editor").pk]


def EDITOR_PERSON(w):
    return [w.sheet.ward.name, get_user_model().objects.get(username="kumin-editor").pk]


def _hogo(w):
    from departments.models import Department

    return Department.objects.get(ward=w.sheet.ward, name="保護課").pk


def _roster_file(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "ユーザー名,氏名,メール,部署,役割,開始日,終了日\r\nnew-person,,,区民課,入力担当,,\r\n"
    return {"file": SimpleUploadedFile("roster.csv", data.encode()), "effective": "2026-04-01"}


def ward_read():
    """The printed sheet is the ward's document: every member of the ward reads it, whole or in part."""
    return _statuses(editor=200, other_editor=200, reviewer=200, approver=200, superuser=200, city_staff=200)


def approval(ok=302):
    """The department's 承認者 (and a superuser); its editor and 総務課 read but may not approve."""
    return _statuses(editor=403, other_editor=404, reviewer=403, approver=ok, superuser=ok, city_staff=403)


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
    Row("mail settings", "GET", "goals:mail_settings", NONE, everyone(200)),
    Row(
        "mail settings",
        "POST",
        "goals:mail_settings",
        NONE,
        everyone(302),
        data=lambda w: {"delivery": "daily"},
    ),
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
        {**department_read(302), "city_staff": 403},
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
        {**department_read(302), "city_staff": 403},
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
    # Workbook import and carry forward. A reviewer of another ward imports into their own
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
    Row("access log", "GET", "audit:access_log", NONE, {**board_only(200), "other_ward_reviewer": 200}),
    Row("access log", "POST", "audit:access_log", NONE, get_only()),
    # The staff page and the roster: the ward's reviewers; its other members 403, other wards 404.
    Row("staff page", "GET", "staff:staff", WARD, board_only(200)),
    Row("staff page", "POST", "staff:staff", WARD, get_only()),
    Row(
        "add membership",
        "POST",
        "staff:membership_add",
        WARD,
        board_only(302),
        data=lambda w: {
            "username": "k0042",
            "department": _hogo(w),
            "role": "editor",
            "valid_from": "2026-04-01",
        },
    ),
    Row("add membership", "GET", "staff:membership_add", WARD, post_only()),
    Row(
        "end membership",
        "POST",
        "staff:membership_end",
        EDITOR_MEMBERSHIP,
        board_only(302),
        data=lambda w: {"valid_until": "2026-03-31"},
    ),
    Row("end membership", "GET", "staff:membership_end", EDITOR_MEMBERSHIP, post_only()),
    Row(
        "end membership, unknown",
        "POST",
        "staff:membership_end",
        lambda w: ["幸区", 999999],
        board_only(404),
        data=lambda w: {"valid_until": "2026-03-31"},
    ),
    Row(
        "move membership",
        "POST",
        "staff:membership_move",
        EDITOR_MEMBERSHIP,
        board_only(302),
        data=lambda w: {"department": _hogo(w), "valid_from": "2026-04-01"},
    ),
    Row("move membership", "GET", "staff:membership_move", EDITOR_MEMBERSHIP, post_only()),
    Row("setup mail", "POST", "staff:setup_mail", EDITOR_PERSON, board_only(302), writes=False),
    Row("setup mail", "GET", "staff:setup_mail", EDITOR_PERSON, post_only()),
    Row("roster", "GET", "staff:roster", WARD, board_only(200)),
    Row("roster upload", "POST", "staff:roster", WARD, board_only(302), data=_roster_file, writes=False),
    Row("roster, unknown ward", "GET", "staff:roster", lambda w: ["無い区"], everyone(404)),
    Row("roster preview, unknown token", "GET", "staff:roster_preview", STAFF_TOKEN, board_only(404)),
    Row("roster commit, unknown token", "POST", "staff:roster_commit", STAFF_TOKEN, board_only(404)),
    Row("roster commit", "GET", "staff:roster_commit", STAFF_TOKEN, post_only()),
    Row("roster cancel, unknown token", "POST", "staff:roster_cancel", STAFF_TOKEN, board_only(404)),
    Row("roster cancel", "GET", "staff:roster_cancel", STAFF_TOKEN, post_only()),
    *[
        row
        for fmt in ("csv", "xlsx")
        for row in (
            Row(
                f"roster export {fmt}",
                "GET",
                "staff:roster_export",
                lambda w, f=fmt: ["幸区", f],
                board_only(200),
            ),
            Row(
                f"roster export {fmt}",
                "POST",
                "staff:roster_export",
                lambda w, f=fmt: ["幸区", f],
                post_only(),
            ),
        )
    ],
    # Publication (the ward's reviewers), the public pages (anyone, published sheets only), the city.
    Row("publication", "GET", "goals:publication", BOARD, board_only(200), state="closed"),
    Row("publish", "GET", "goals:publish", BOARD, post_only()),
    Row(
        "publish",
        "POST",
        "goals:publish",
        BOARD,
        board_only(302),
        "publishable",
        lambda w: {"reason": "公表"},
    ),
    Row(
        "withdraw",
        "POST",
        "goals:unpublish",
        BOARD,
        board_only(302),
        "published",
        lambda w: {"reason": "誤り"},
    ),
    Row("withdraw", "GET", "goals:unpublish", BOARD, post_only(), state="published"),
    Row("public index", "GET", "goals:public_index", NONE, public(200)),
    Row("public index", "POST", "goals:public_index", NONE, public(405)),
    Row("open data columns", "GET", "goals:public_columns", NONE, public(200)),
    Row("public API list", "GET", "goals:public_api_sheets", NONE, public(200), state="published"),
    *[
        row
        for name, args in [
            ("goals:public_city", lambda w: [w.sheet.ward.city.code]),
            ("goals:public_ward", lambda w: [w.sheet.ward.name]),
            ("goals:public_sheet", BOARD),
            ("goals:public_sheet_pdf", BOARD),
            ("goals:public_sheet_xlsx", BOARD),
            ("goals:public_csv", BOARD),
            ("goals:public_json", BOARD),
            ("goals:public_api_sheet", BOARD),
        ]
        for row in (
            Row(f"{name} (public)", "GET", name, args, public(200), state="published"),
            Row(f"{name} (public), not published", "GET", name, args, public(404), state="publishable"),
            Row(f"{name} (public), in progress", "GET", name, args, public(404)),
            Row(f"{name} (public)", "POST", name, args, public(405), state="published"),
        )
    ],
    Row("department years", "GET", "goals:department_years", REPORT, department_read()),
    Row("department years", "POST", "goals:department_years", REPORT, post_only()),
    Row("city board", "GET", "goals:city", lambda w: ["141305", 2025], city_only(200)),
    Row("city board", "POST", "goals:city", lambda w: ["141305", 2025], post_only()),
    Row("city board, unknown year", "GET", "goals:city", lambda w: ["141305", 2001], city_only(404)),
    Row("city board, unknown city", "GET", "goals:city", lambda w: ["999999", 2025], everyone(404)),
    Row("city ward", "GET", "goals:city_ward", lambda w: ["141305", 2025, "幸区"], city_only(200)),
    Row("city ward", "POST", "goals:city_ward", lambda w: ["141305", 2025, "幸区"], post_only()),
    Row(
        "city ward, ward of no city",
        "GET",
        "goals:city_ward",
        lambda w: ["141305", 2025, "中原区"],
        city_only(404),
    ),
    # Search: every signed-in person, over what they may read (an outsider is told there is nothing).
    Row("search", "GET", "goals:search", NONE, everyone(200)),
    Row("search, words", "GET", "goals:search", NONE, everyone(200), data=lambda w: {"q": "窓口"}),
    Row("search", "POST", "goals:search", NONE, post_only()),
    # The 達成度 per year: a ward's reviewers and its city's staff; the city's staff for the city.
    Row("ward trends", "GET", "goals:ward_trends", WARD, trends_read()),
    Row("ward trends", "POST", "goals:ward_trends", WARD, post_only()),
    Row("ward trends, unknown ward", "GET", "goals:ward_trends", lambda w: ["無い区"], everyone(404)),
    Row("city trends", "GET", "goals:city_trends", lambda w: ["141305"], city_only(200)),
    Row("city trends", "POST", "goals:city_trends", lambda w: ["141305"], post_only()),
    Row("city trends, unknown city", "GET", "goals:city_trends", lambda w: ["999999"], everyone(404)),
    *[
        row
        for label, name in (
            ("city roll-up", "goals:city_rollup"),
            ("city roll-up PDF", "goals:city_rollup_pdf"),
            ("city roll-up workbook", "goals:city_rollup_xlsx"),
        )
        for row in (
            Row(label, "GET", name, lambda w: ["141305", 2025], city_only(200)),
            Row(label, "POST", name, lambda w: ["141305", 2025], post_only()),
            Row(f"{label}, unknown year", "GET", name, lambda w: ["141305", 2001], city_only(404)),
            Row(f"{label}, unknown city", "GET", name, lambda w: ["999999", 2025], everyone(404)),
        )
    ],
]


def _set_state(state, sheet, report):
    phase = {
        "planning": Sheet.Phase.PLANNING,
        "closed": Sheet.Phase.CLOSED,
        "publishable": Sheet.Phase.CLOSED,
        "published": Sheet.Phase.CLOSED,
    }.get(state, Sheet.Phase.IN_PROGRESS)
    Sheet.objects.filter(pk=sheet.pk).update(phase=phase)
    if state in ("publishable", "published"):
        hand_everything_in(sheet)
    if state == "published":
        Sheet.objects.filter(pk=sheet.pk).update(published_at=timezone.now())
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
        list(Membership.objects.order_by("pk").values()),
        list(get_user_model().objects.order_by("pk").values("username", "email", "last_name", "first_name")),
        list(GoalComment.objects.order_by("pk").values()),
        list(MailSetting.objects.order_by("pk").values("user_id", "delivery")),
        list(DigestItem.objects.order_by("pk").values()),
    )


@pytest.fixture
def personas(editor, other_editor, reviewer, approver, other_ward_reviewer, outsider, superuser, city_staff):
    return {
        "anonymous": None,
        "editor": editor,
        "other_editor": other_editor,
        "reviewer": reviewer,
        "approver": approver,
        "other_ward_reviewer": other_ward_reviewer,
        "outsider": outsider,
        "superuser": superuser,
        "city_staff": city_staff,
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
    response = client.get(url, row.data(world)) if row.method == "GET" else client.post(url, row.data(world))
    after = database_dump()
    expected = row.expect[persona]
    where = f"{row.method} {row.label} as {persona}"
    problems = []
    if response.status_code != expected:
        problems.append(f"{where}: {response.status_code}, expected {expected}")
    if persona == "anonymous" and expected == 302 and not response["Location"].startswith(reverse("login")):
        problems.append(f"{where}: not sent to the login page")
    if expected == 403:
        body = response.content.decode()
        if "この操作はできません" not in body or "この画面を開く権限がありません" in body:
            problems.append(f"{where}: 403 without a specific Japanese reason")
    refused = persona == "anonymous" or expected not in ALLOWED
    if (row.method == "GET" or refused) and before != after:
        problems.append(f"{where}: the database changed")
    if row.method == "POST" and not refused and row.writes and before == after:
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
    from audit.urls import urlpatterns as audit_urlpatterns
    from departments.urls import urlpatterns as staff_urlpatterns
    from goals.urls import urlpatterns

    names = {f"goals:{p.name}" for p in urlpatterns} | {f"staff:{p.name}" for p in staff_urlpatterns}
    names |= {f"audit:{p.name}" for p in audit_urlpatterns}
    assert names <= {row.name for row in ROWS}, f"no matrix row for {sorted(names - {r.name for r in ROWS})}"
