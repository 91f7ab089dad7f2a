"""Next year's sheet starts from this year's: same departments, every goal, results empty, linked back."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from departments.models import Department
from goals import carry_forward as carry_module
from goals.carry_forward import CarryForwardRefused, carry_into_next_year, plan_next_year
from goals.models import AchievementLevel, DepartmentReport, Goal, ServicePolicy, Sheet
from goals.seed.synthetic import build_synthetic_sheet
from tests.import_helpers import full_dump, web_dump

URL = reverse("goals:carry_forward", kwargs={"ward": "幸区", "year": 2025})


def goal_copy_fields(goal):
    return (goal.department.name, goal.number, goal.order, goal.category_id, goal.text)


def test_next_year_copies_departments_policies_and_goals_without_results(seed, reviewer):
    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.result, goal.achievement = "実施しました", AchievementLevel.objects.get(number=2)
    goal.save()
    plan = carry_into_next_year(seed, by=reviewer)
    target = Sheet.objects.get(ward=seed.ward, fiscal_year=2026)
    assert target.phase == Sheet.Phase.PLANNING
    assert (len(plan.new_goals), len(plan.new_reports), len(plan.new_policies)) == (42, 15, 4)
    new_goals = list(target.goals.select_related("department", "carried_from__department"))
    assert len(new_goals) == 42
    for new in new_goals:
        assert goal_copy_fields(new) == goal_copy_fields(new.carried_from)
        assert new.carried_from.sheet_id == seed.pk
        assert (new.result, new.achievement_id, new.updated_by) == ("", None, reviewer)
    assert Goal.objects.get(sheet=target, department__name="総務課", number="1").carried_from == goal
    assert list(target.policies.values_list("number", "text")) == list(
        seed.policies.values_list("number", "text")
    )
    reports = DepartmentReport.objects.filter(sheet=target)
    assert reports.count() == 15 and set(reports.values_list("status", flat=True)) == {"not_started"}
    assert (
        Goal.history.filter(history_change_reason="前年度からの引き継ぎ", history_user=reviewer).count() == 42
    )


def test_departments_retired_before_the_new_year_are_left_out(seed):
    Department.objects.filter(name="危機管理担当").update(retired_on=datetime.date(2026, 3, 31))
    Department.objects.filter(name="衛生課").update(retired_on=datetime.date(2026, 9, 30))
    plan = carry_into_next_year(seed)
    assert [d.name for d in plan.retired] == ["危機管理担当"]
    assert plan.retired_notes() == ["危機管理担当（令和8年3月31日廃止）"]
    target = Sheet.objects.get(ward=seed.ward, fiscal_year=2026)
    assert not target.goals.filter(department__name="危機管理担当").exists()
    assert target.goals.filter(department__name="衛生課").count() == 3
    assert target.goals.count() == 40 and target.reports.count() == 14


def test_running_twice_creates_no_duplicates_and_completes_what_is_missing(seed):
    carry_into_next_year(seed)
    target = Sheet.objects.get(ward=seed.ward, fiscal_year=2026)
    again = carry_into_next_year(seed)
    assert again.already_done
    assert "作成済みです。追加するものはありません。" in again.summary()
    assert target.goals.count() == 42 and target.reports.count() == 15 and target.policies.count() == 4
    target.goals.filter(department__name="保護課").delete()
    target.reports.filter(department__name="保護課").delete()
    target.policies.filter(number=4).delete()
    completed = carry_into_next_year(seed)
    assert (len(completed.new_goals), len(completed.new_reports), len(completed.new_policies)) == (3, 1, 1)
    assert target.goals.count() == 42 and target.reports.count() == 15 and target.policies.count() == 4


def test_a_number_already_used_next_year_is_not_copied_twice(seed):
    target = Sheet.objects.create(ward=seed.ward, fiscal_year=2026)
    kumin = Department.objects.get(name="区民課")
    Goal.objects.create(sheet=target, department=kumin, number="1", text="来年度に先に書いた目標")
    plan = carry_into_next_year(seed)
    assert [goal_copy_fields(g)[:2] for g in plan.taken] == [("区民課", "1")]
    assert target.goals.filter(department=kumin, number="1").get().text == "来年度に先に書いた目標"
    assert target.goals.count() == 42


def test_closed_next_year_is_refused_and_nothing_changes(seed):
    Sheet.objects.create(ward=seed.ward, fiscal_year=2026, phase=Sheet.Phase.CLOSED)
    before = full_dump()
    with pytest.raises(CarryForwardRefused, match="令和8年度の取組シートは確定済みのため、追加できません。"):
        carry_into_next_year(seed)
    assert full_dump() == before


def test_one_transaction_all_or_nothing(seed, monkeypatch):
    real = carry_module.bulk_create_with_history

    def fail_on_goals(objs, model, **kwargs):
        if model is Goal:
            raise RuntimeError("disk full")
        return real(objs, model, **kwargs)

    monkeypatch.setattr(carry_module, "bulk_create_with_history", fail_on_goals)
    before = full_dump()
    with pytest.raises(RuntimeError):
        carry_into_next_year(seed)
    assert full_dump() == before


def test_confirmation_page_says_what_will_be_created_and_post_does_it(client, reviewer):
    client.force_login(reviewer)
    before = web_dump()
    page = client.get(URL)
    assert web_dump() == before
    html = page.content.decode()
    assert "幸区の令和8年度の取組シートを作成します：部署15・目標42件・方針4件。" in html
    assert "児童家庭課</th><td>1、2・3、4</td>" in html
    done = client.post(URL, follow=True)
    assert "令和8年度の取組シートに、部署15・目標42件・方針4件を引き継ぎました。" in done.content.decode()
    assert "作成済みです。追加するものはありません。" in done.content.decode()
    assert Sheet.objects.filter(fiscal_year=2026).count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("editor", 403),
        ("other_editor", 403),
        ("other_ward_reviewer", 404),
        ("outsider", 404),
        ("superuser", 200),
    ],
)
def test_who_may_carry_forward(client, seed, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    before = web_dump()
    assert client.get(URL).status_code == status
    response = client.post(URL)
    assert response.status_code == (302 if status == 200 else status)
    if status == 403:
        assert "取りまとめ担当（総務課など）だけが行えます" in response.content.decode()
    if status != 200:
        assert web_dump() == before


def test_unknown_sheet_is_404(client, reviewer):
    client.force_login(reviewer)
    assert (
        client.get(reverse("goals:carry_forward", kwargs={"ward": "幸区", "year": 2019})).status_code == 404
    )


def test_confirmation_page_queries_do_not_grow(client, superuser, seed, django_assert_num_queries):
    """Goals, departments, reports and policies are read once each, not per department or goal."""
    client.force_login(superuser)
    big = build_synthetic_sheet(scale=10, fiscal_year=2025)
    for sheet in (seed, big):
        url = reverse("goals:carry_forward", kwargs={"ward": sheet.ward.name, "year": 2025})
        with django_assert_num_queries(11):
            assert client.get(url).status_code == 200


def command(*args, **options):
    out = StringIO()
    call_command("carry_forward", *args, stdout=out, **options)
    return out.getvalue()


def test_command_creates_then_says_done(seed):
    assert "部署15・目標42件・方針4件を引き継ぎました。" in command(ward="幸区", from_year=2025)
    assert "作成済みです。追加するものはありません。" in command(ward="幸区", from_year=2025)
    assert Goal.objects.filter(sheet__fiscal_year=2026).count() == 42


def test_command_reads_the_year_in_japanese_era(seed):
    assert "部署15・目標42件・方針4件を引き継ぎました。" in command(
        "--ward", "幸区", "--from-year", "令和7年度"
    )
    assert Goal.objects.filter(sheet__fiscal_year=2026).count() == 42


def test_command_dry_run_writes_nothing(seed):
    before = full_dump()
    output = command(ward="幸区", from_year=2025, dry_run=True)
    assert "幸区の令和8年度の取組シートを作成します：部署15・目標42件・方針4件。" in output
    assert full_dump() == before


@pytest.mark.parametrize(
    ("ward", "year", "message"),
    [
        ("港北区", 2025, "港北区の令和7年度（2025年度）の取組シートがありません。"),
        ("幸区", 2024, "幸区の令和6年度"),
    ],
)
def test_command_names_a_missing_source(seed, ward, year, message):
    with pytest.raises(CommandError, match=message):
        command(ward=ward, from_year=year)


def test_plan_lists_nothing_for_an_empty_sheet(bare_ward):
    sheet = Sheet.objects.create(ward=bare_ward, fiscal_year=2025)
    ServicePolicy.objects.create(sheet=sheet, number=1, text="方針")
    plan = plan_next_year(sheet)
    assert (plan.new_goals, plan.new_reports, [p.number for p in plan.new_policies]) == ([], [], [1])
