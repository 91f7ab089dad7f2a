"""Every path that writes a goal shares the optimistic lock of the department's pages: it writes only over
the version it read and moves the version on. The admin's change form (and its history revert), the
admin's flat import, the workbook import (web and command) and carry forward: none overwrites a save made
in between, and an editor's form opened before any of them is refused with the conflict page."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from goals.admin_io.resources import GoalResource
from goals.carry_forward import carry_into_next_year
from goals.imports import commit as import_commit
from goals.imports.commit import StalePlan, commit_import
from goals.imports.reader import read_workbook
from goals.models import Category, Goal, Sheet
from tests.bad_workbooks import small_workbook
from tests.test_flat_import_export import FORMATS, csv_upload
from tests.test_permissions import database_dump

CORRECTION = "管理者が訂正した実施結果"
TYPED = "入力担当が入力した実施結果"


@pytest.fixture
def goal(seed):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    goal = Goal.objects.filter(sheet=seed, department__name="区民課").order_by("order").first()
    goal.save()  # a history row for version 1, as a goal written in the app or imported has
    return goal


def _open_result_form(client, user, goal):
    client.force_login(user)
    form = client.get(reverse("goals:goal_result", args=[goal.pk])).context["form"]
    return form["version"].value()


def _post_result(client, user, goal, version, level, result=TYPED):
    client.force_login(user)
    return client.post(
        reverse("goals:goal_result", args=[goal.pk]),
        {"result": result, "achievement": level.pk, "version": version},
    )


def _admin_form(client, superuser, goal):
    """What the admin's change form posts back, as the page was opened (hidden version included)."""
    client.force_login(superuser)
    form = client.get(reverse("admin:goals_goal_change", args=[goal.pk])).context["adminform"].form
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


def _admin_post(client, superuser, goal, data):
    client.force_login(superuser)
    return client.post(reverse("admin:goals_goal_change", args=[goal.pk]), data)


def test_editors_stale_form_after_an_admin_correction_is_a_conflict(client, editor, superuser, goal, levels):
    version = _open_result_form(client, editor, goal)
    data = _admin_form(client, superuser, goal)
    assert _admin_post(client, superuser, goal, {**data, "result": CORRECTION}).status_code == 302
    goal.refresh_from_db()
    assert (goal.result, goal.version, goal.updated_by) == (CORRECTION, version + 1, superuser)
    response = _post_result(client, editor, goal, version, levels[1])
    assert response.status_code == 409
    assert CORRECTION in response.content.decode()  # the stored text beside the typed one
    goal.refresh_from_db()
    assert goal.result == CORRECTION


def test_stale_admin_form_after_an_editors_save_is_refused_and_reverts_nothing(
    client, editor, superuser, goal, levels
):
    data = _admin_form(client, superuser, goal)
    assert _post_result(client, editor, goal, goal.version, levels[1]).status_code == 302
    before = database_dump()
    response = _admin_post(client, superuser, goal, {**data, "text": "管理者の書き直し"})
    assert response.status_code == 200, response  # the form again, with the message
    page = response.content.decode()
    assert "この目標は、画面を開いた後にkumin-editorさんが更新しました" in page
    assert "変更された項目：実施結果、達成度）。何も保存していません。" in page
    assert database_dump() == before
    goal.refresh_from_db()
    assert (goal.result, goal.achievement) == (TYPED, levels[1])


def test_without_history_the_conflict_names_what_differs_from_the_form(
    client, editor, superuser, seed, levels
):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    goal = Goal.objects.filter(sheet=seed, department__name="区民課").order_by("order").first()
    assert not goal.history.exists()  # loaded from the fixtures
    data = _admin_form(client, superuser, goal)
    assert _post_result(client, editor, goal, goal.version, levels[1]).status_code == 302
    before = database_dump()
    page = _admin_post(client, superuser, goal, data).content.decode()
    assert (
        "保存されている内容とこの画面の入力が異なる項目：実施結果、達成度）。何も保存していません。" in page
    )
    assert database_dump() == before
    goal.refresh_from_db()
    assert (goal.result, goal.achievement) == (TYPED, levels[1])


def test_a_save_between_the_admins_check_and_write_is_caught_too(
    client, editor, superuser, goal, levels, monkeypatch
):
    """The form's check passes; an editor's save lands before the admin's write; the write is refused."""
    data = _admin_form(client, superuser, goal)
    from goals import admin as goals_admin

    check = goals_admin.GoalAdminForm.clean

    def clean_then_editor_saves(form):
        cleaned = check(form)
        Goal.objects.filter(pk=goal.pk).update(version=F("version") + 1, result=TYPED)
        return cleaned

    monkeypatch.setattr(goals_admin.GoalAdminForm, "clean", clean_then_editor_saves)
    client.force_login(superuser)
    response = client.post(reverse("admin:goals_goal_change", args=[goal.pk]), {**data, "text": "書き直し"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:goals_goal_change", args=[goal.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "何も保存していません。" in page
    goal.refresh_from_db()
    assert goal.text != "書き直し"


def test_admin_history_revert_moves_the_version_on(client, editor, superuser, goal, levels):
    first = goal.history.order_by("history_date").first()
    assert _post_result(client, editor, goal, goal.version, levels[1]).status_code == 302
    stale = goal.version  # the editor's form opened before the revert... is now one version behind
    goal.refresh_from_db()
    client.force_login(superuser)
    url = reverse("admin:goals_goal_simple_history", args=[goal.pk, first.history_id])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    assert client.post(url, data).status_code == 302
    reverted = Goal.objects.get(pk=goal.pk)
    assert (reverted.result, reverted.version) == (first.result, goal.version + 1)
    assert _post_result(client, editor, goal, goal.version, levels[2]).status_code == 409
    assert _post_result(client, editor, goal, stale, levels[2]).status_code == 409


def _admin_import(client, rows):
    preview = client.post(
        reverse("admin:goals_goal_import"),
        {"import_file": csv_upload(rows), "format": FORMATS["csv"], "resource": "0"},
    )
    confirm_form = preview.context["confirm_form"]
    return client.post(
        reverse("admin:goals_goal_process_import"),
        {name: confirm_form[name].value() for name in confirm_form.fields},
        follow=True,
    )


def _row(goal, result):
    return ["幸区", "2025", goal.department.name, goal.number, str(goal.order), goal.category.name if goal.category else "", goal.text, result, "2"]  # fmt: skip


def test_admin_import_makes_an_open_editor_form_stale(client, editor, superuser, goal, levels):
    version = _open_result_form(client, editor, goal)
    client.force_login(superuser)
    _admin_import(client, [_row(goal, CORRECTION)])
    goal.refresh_from_db()
    assert (goal.result, goal.version) == (CORRECTION, version + 1)
    assert _post_result(client, editor, goal, version, levels[1]).status_code == 409


def test_admin_import_does_not_overwrite_a_save_made_after_it_read_the_row(
    client, superuser, goal, monkeypatch
):
    read = GoalResource.get_or_init_instance

    def read_then_editor_saves(resource, loader, row):
        instance, new = read(resource, loader, row)
        if not new and instance.pk == goal.pk:
            Goal.objects.filter(pk=goal.pk).update(version=F("version") + 1, result=TYPED)
        return instance, new

    client.force_login(superuser)
    upload = csv_upload([_row(goal, CORRECTION)])
    preview = client.post(
        reverse("admin:goals_goal_import"), {"import_file": upload, "format": FORMATS["csv"], "resource": "0"}
    )
    confirm_form = preview.context["confirm_form"]
    monkeypatch.setattr(GoalResource, "get_or_init_instance", read_then_editor_saves)
    before = Goal.objects.get(pk=goal.pk)
    done = client.post(
        reverse("admin:goals_goal_process_import"),
        {name: confirm_form[name].value() for name in confirm_form.fields},
        follow=True,
    )
    assert "ファイルを確認した後に他の人が更新しました。何も読み込んでいません。" in done.content.decode()
    after = Goal.objects.get(pk=goal.pk)
    assert (after.result, after.version) == (before.result, before.version)  # all rolled back


def _workbook(goal, result):
    return small_workbook([[goal.department.name, goal.number, goal.category.name if goal.category else "", goal.text, result, "2"]])  # fmt: skip


def test_workbook_import_makes_an_open_editor_form_stale(client, editor, goal, levels, tmp_path):
    version = _open_result_form(client, editor, goal)
    path = tmp_path / "torikumi.xlsx"
    path.write_bytes(_workbook(goal, CORRECTION))
    call_command("import_sheet", str(path), ward="幸区", year=2025, stdout=StringIO())
    goal.refresh_from_db()
    assert (goal.result, goal.version) == (CORRECTION, version + 1)
    assert _post_result(client, editor, goal, version, levels[1]).status_code == 409


def test_workbook_import_does_not_overwrite_a_save_made_after_the_plan_read_it(goal, monkeypatch):
    parsed = read_workbook(_workbook(goal, CORRECTION), Category.objects.values_list("name", flat=True))
    plan_for = import_commit.build_plan

    def plan_then_someone_saves(*args, **kwargs):
        plan = plan_for(*args, **kwargs)
        Goal.objects.filter(pk=goal.pk).update(version=F("version") + 1, result=TYPED)
        return plan

    monkeypatch.setattr(import_commit, "build_plan", plan_then_someone_saves)
    before = Goal.objects.get(pk=goal.pk)
    with pytest.raises(StalePlan, match="何も書き込んでいません"):
        commit_import(parsed, "幸区", 2025)
    after = Goal.objects.get(pk=goal.pk)
    assert (after.result, after.version) == (before.result, before.version)


def test_carry_forward_only_adds_and_never_touches_an_open_goal(client, editor, reviewer, seed, levels):
    """Carry forward writes new goals only (version 1): a goal already on next year's sheet, with an editor's
    form open on it, keeps its text and version, and the editor's save goes through."""
    carry_into_next_year(seed, by=reviewer)
    target = Sheet.objects.get(ward=seed.ward, fiscal_year=2026)
    goal = Goal.objects.filter(sheet=target, department__name="区民課").order_by("order").first()
    assert set(Goal.objects.filter(sheet=target).values_list("version", flat=True)) == {1}
    client.force_login(editor)
    version = client.get(reverse("goals:goal_edit", args=[goal.pk])).context["form"]["version"].value()
    Goal.objects.create(sheet=seed, department=goal.department, number="新", text="今年度に追加した目標")
    before = list(Goal.objects.filter(sheet=target).order_by("pk").values())
    carry_into_next_year(seed, by=reviewer)
    assert list(Goal.objects.filter(sheet=target).order_by("pk").values())[: len(before)] == before
    response = client.post(
        reverse("goals:goal_edit", args=[goal.pk]),
        {"number": goal.number, "category": "", "text": "来年度の目標", "version": version},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.text, goal.version) == ("来年度の目標", version + 1)


def test_loading_the_fixtures_again_moves_versions_on(client, editor, goal, levels):
    """loaddata saves raw with the fixture's version (1): it must not make an old form current again."""
    from tests.conftest import FIXTURES

    opened_before_any_change = goal.version
    assert _post_result(client, editor, goal, goal.version, levels[1]).status_code == 302
    goal.refresh_from_db()
    call_command("loaddata", *FIXTURES, verbosity=0)
    reloaded = Goal.objects.get(pk=goal.pk)
    assert reloaded.version == goal.version + 1
    assert _post_result(client, editor, goal, opened_before_any_change, levels[2]).status_code == 409
