"""Constant queries on every list page at 1× and 10× the seed (goals.synthetic)."""

import pytest
from django.db import connection
from django.urls import reverse

from departments.models import Membership
from goals import access, workflow
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet
from goals.seed.synthetic import build_synthetic_sheet
from goals.views.board import BOARD_PAGE

# Whatever the size of the ward or the length of the history, each page costs exactly this many queries
# (session, user, then the page's own lookups; see each test's docstring for the N+1 it rules out), plus
# the session's renewal at the end (savepoint, update, release: SESSION_SAVE_EVERY_REQUEST).
SESSION_RENEWAL = 3
# + is the reader its 承認者, + open threads per goal, + does the department have one (where a 提出 goes)
DEPARTMENT_PAGE_QUERIES = 16 + SESSION_RENEWAL
# 12th: open threads per department; 13th and 14th: every department's status (to count, filter and
# page by) and the ward's tally, while the rows are built for the page shown only.
BOARD_QUERIES = 14 + SESSION_RENEWAL
GOAL_PAGE_QUERIES = 11 + SESSION_RENEWAL  # 11th: the conversation


def _world(scale, make_member):
    """A synthetic ward `scale`× the seed with an editor and a reviewer, and `scale` edits per goal."""
    sheet = build_synthetic_sheet(scale=scale)
    department = sheet.ward.departments.order_by("-order").first()
    editor = make_member(f"editor-{scale}", department, Membership.Role.EDITOR)
    reviewer = make_member(f"reviewer-{scale}", department, Membership.Role.REVIEWER)
    level = AchievementLevel.objects.first()
    last_year = Sheet.objects.create(
        ward=sheet.ward, fiscal_year=sheet.fiscal_year - 1, phase=Sheet.Phase.CLOSED
    )
    for goal in Goal.objects.filter(sheet=sheet, department=department):
        goal.carried_from = Goal.objects.create(
            sheet=last_year,
            department=department,
            number=goal.number,
            text=goal.text,
            result="昨年の結果",
            achievement=level,
        )
        goal.save(update_fields=["carried_from"])
        for n in range(scale):
            workflow.save_result(
                goal, by=editor, expected_version=goal.version, result=f"結果{n}", achievement=level
            )
    report = DepartmentReport.objects.get(sheet=sheet, department=department)
    return sheet, report, editor, reviewer


@pytest.mark.parametrize("scale", [1, 10])
def test_department_page_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """Goals with 区分, 達成度, updater and last year's goal are joined (no query per goal), and the
    history is diffed in Python (no `prev_record` query per history row)."""
    _sheet, report, editor, _ = _world(scale, make_member)
    client.force_login(editor)
    with django_assert_num_queries(DEPARTMENT_PAGE_QUERIES):
        assert client.get(reverse("goals:report", args=[report.pk])).status_code == 200


def _last_board_page(sheet) -> str:
    """The board's page that holds the last department, the one `_world` edits and submits."""
    pages = -(-sheet.reports.count() // BOARD_PAGE)
    return f"page={pages}" if pages > 1 else ""


@pytest.mark.parametrize("scale", [1, 10, 30])
def test_ward_board_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """Per-department counts, tallies and last updater come from grouped queries and one user
    lookup, not one query per department or per goal."""
    sheet, report, _, reviewer = _world(scale, make_member)
    client.force_login(reviewer)
    url = reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year]) + f"?{_last_board_page(sheet)}"
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert f">{report.department.name}</a>" in response.content.decode()  # its row, with its last editor


@pytest.mark.parametrize("scale", [1, 10])
def test_goal_history_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """The goal page's history: one query for all history rows with their users, whatever its length;
    one for every comment of its conversation with authors, grouped into threads in Python."""
    sheet, report, editor, reviewer = _world(scale, make_member)
    goal = Goal.objects.filter(sheet=sheet, department=report.department).first()
    assert goal.history.count() == scale + 1  # linking last year, then `scale` results
    for n in range(scale):
        thread = workflow.add_comment(goal, by=reviewer, text=f"質問{n}")
        workflow.add_comment(goal, by=editor, text=f"回答{n}", parent=thread)
        workflow.set_resolved(thread, by=reviewer, resolved=n % 2 == 0)
    client.force_login(editor)
    with django_assert_num_queries(GOAL_PAGE_QUERIES):
        assert client.get(reverse("goals:goal", args=[goal.pk])).status_code == 200


# + the open threads with their last writer, + those writers' memberships (unanswered comments)
EDITOR_TASKS_QUERIES = 8 + SESSION_RENEWAL
REVIEWER_TASKS_QUERIES = 9 + SESSION_RENEWAL  # + the reviewed wards' status counts
FILTERED_BOARD_QUERIES = BOARD_QUERIES
# A filter no department matches: the page has no rows to build (their reports, counts, open
# threads and last editors are not asked for).
EMPTY_BOARD_PAGE_QUERIES = BOARD_QUERIES - 4


@pytest.mark.parametrize("scale", [1, 10])
def test_task_list_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """Tasks across memberships and sheets: memberships, the wards' sheets, the reached reports with
    their goal counts, the reviewed wards' status counts; nothing per sheet, report or goal."""
    editor, reviewer = _busy_editor(scale, make_member)
    client.force_login(editor)
    with django_assert_num_queries(EDITOR_TASKS_QUERIES):
        page = client.get(reverse("goals:tasks")).content.decode()
    assert page.count("未回答のコメントに返信する") == scale
    client.force_login(reviewer)
    with django_assert_num_queries(REVIEWER_TASKS_QUERIES):
        page = client.get(reverse("goals:tasks")).content.decode()
    assert page.count("未回答のコメントに返信する") == scale


def _busy_editor(scale, make_member):
    """An editor of `scale` + 1 departments, with next year's sheet in 計画 and unanswered threads."""
    sheet, _report, editor, reviewer = _world(scale, make_member)
    Sheet.objects.create(ward=sheet.ward, fiscal_year=sheet.fiscal_year + 1, phase=Sheet.Phase.PLANNING)
    for department in sheet.ward.departments.all()[:scale]:
        Membership.objects.get_or_create(user=editor, department=department)
    _unanswered_threads(sheet, scale, editor, reviewer)
    return editor, reviewer


def _unanswered_threads(sheet, scale, editor, reviewer):
    """`scale` threads waiting for the editor (総務課 asked) and `scale` waiting for 総務課 (the
    editor asked), on goals of the editor's departments."""
    departments = Membership.objects.filter(user=editor).values("department_id")
    goals = list(Goal.objects.filter(sheet=sheet, department_id__in=departments)[: 2 * scale])
    for n, goal in enumerate(goals[:scale]):
        workflow.add_comment(goal, by=reviewer, text=f"質問{n}")
    for n, goal in enumerate(goals[scale : 2 * scale]):
        thread = workflow.add_comment(goal, by=reviewer, text=f"確認{n}")
        workflow.add_comment(goal, by=editor, text=f"回答と追加の質問{n}", parent=thread)
    assert len(goals) == 2 * scale


# The chooser (several memberships): memberships, their wards' sheets, their departments' reports, the
# cities they serve, "has a membership", then the task list's own queries.
LANDING_QUERIES = 4 + 1 + EDITOR_TASKS_QUERIES


@pytest.mark.parametrize("scale", [1, 10])
def test_landing_with_tasks_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """The landing of a person in `scale` + 1 departments: where each membership leads comes from one
    query for the wards' sheets and one for the departments' reports, not one per membership; the
    tasks below it as on the task list."""
    editor, _reviewer = _busy_editor(scale, make_member)
    client.force_login(editor)
    with django_assert_num_queries(LANDING_QUERIES):
        page = client.get(reverse("goals:home"))
    assert page.status_code == 200
    assert page.content.decode().count("未回答のコメントに返信する") == scale


@pytest.mark.parametrize("scale", [1, 10])
def test_board_with_filters_and_steps_queries_are_constant(
    client, seed, scale, make_member, django_assert_num_queries
):
    """The filtered board with who submitted, approved and confirmed and the last 催促: joined and
    annotated in the board's report query, no query per department."""
    sheet, report, editor, reviewer = _world(scale, make_member)
    approver = make_member(f"approver-{scale}", report.department, Membership.Role.APPROVER)
    Goal.objects.filter(sheet=sheet, department=report.department).update(
        result="済", achievement=AchievementLevel.objects.first()
    )
    workflow.submit(report, by=editor)
    workflow.approve(report, by=approver)
    others = list(sheet.reports.exclude(pk=report.pk)[:scale])
    workflow.remind_many(sheet, [r.pk for r in others], by=reviewer)
    client.force_login(reviewer)
    url = reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])
    url += f"?status=unsubmitted&status=submitted&{_last_board_page(sheet)}"
    with django_assert_num_queries(FILTERED_BOARD_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("scale", [1, 10])
def test_board_after_a_selection_queries_are_constant(
    client, seed, scale, make_member, django_assert_num_queries
):
    """The board shown after 確認済みにする on `scale` chosen departments (and refusals for the others
    chosen): the done and refused names travel in the messages (no query), the filter in the
    address; the board costs what it costs without a selection."""
    sheet, _report, _editor, reviewer = _world(scale, make_member)
    chosen = list(sheet.reports.order_by("pk")[: 2 * scale])
    DepartmentReport.objects.filter(pk__in=[r.pk for r in chosen[:scale]]).update(
        status=DepartmentReport.Status.SUBMITTED
    )
    client.force_login(reviewer)
    url = reverse("goals:board_selected", args=[sheet.ward.name, sheet.fiscal_year])
    response = client.post(
        url, {"reports": [r.pk for r in chosen], "action": "confirm", "status": "submitted"}
    )
    assert response.status_code == 302
    # Every chosen 提出済み department is 確認済み now: none is left under the filter.
    with django_assert_num_queries(EMPTY_BOARD_PAGE_QUERIES):
        page = client.get(response["Location"]).content.decode()
    assert "該当する部署はありません。" in page
    assert f"{scale}部署を確認済みにしました" in page
    assert page.count("提出されていないため、確認できません。") == len(chosen) - scale


@pytest.mark.parametrize("scale", [1, 10])
def test_department_page_with_a_return_pointing_at_goals_queries_are_constant(
    client, seed, scale, make_member, django_assert_num_queries
):
    """A return pointing at every goal: the goals it names are one query of their ids, matched to the
    goals already loaded for the table (no query per goal named)."""
    _sheet, report, editor, reviewer = _world(scale, make_member)
    Goal.objects.filter(sheet=report.sheet, department=report.department).update(
        achievement=AchievementLevel.objects.first()
    )
    workflow.submit(report, by=editor)
    goals = list(Goal.objects.filter(sheet=report.sheet, department=report.department))
    workflow.return_to_department(report, by=reviewer, reason="根拠を", goals=goals)
    client.force_login(editor)
    with django_assert_num_queries(DEPARTMENT_PAGE_QUERIES + 1):
        page = client.get(reverse("goals:report", args=[report.pk])).content.decode()
    assert page.count('<span class="returned-mark">差戻しの対象</span>') == len(goals)


def test_postgresql_plans_a_repeated_permission_lookup_once_per_connection(seed, editor):
    """On PostgreSQL the parameters travel apart from the SQL and a statement the connection runs again
    is prepared: the permission lookup of every department page, form and save (joins and subqueries
    that cost the planner more than running them) is not planned again on every request."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    goal = Goal.objects.filter(sheet=seed, department__memberships__user=editor).first()
    connection.ensure_connection()
    for _ in range(connection.connection.prepare_threshold + 1):
        assert access.goal_for_reader(editor, goal.pk) == goal
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(
        sql.startswith('SELECT "goals_goal"."id"') and "departments_membership" in sql for sql in prepared
    )
