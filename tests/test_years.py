"""A department across years: goals carried forward drawn as one line, the 達成度 per year, constant queries."""

import pytest
from django.urls import reverse

from goals.carry_forward import carry_into_next_year
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet
from goals.overview.years import department_years

from .publication_helpers import hand_everything_in


def _three_years(seed, reviewer):
    """2025 (seed, level 2), 2026 carried forward (level 4, one goal added), 2027 carried again (no level)."""
    hand_everything_in(seed, level_number=2)
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    seed.refresh_from_db()
    carry_into_next_year(seed, by=reviewer)
    second = Sheet.objects.get(ward=seed.ward, fiscal_year=2026)
    kumin = seed.ward.departments.get(name="区民課")
    Goal.objects.create(sheet=second, department=kumin, number="99", text="新しく加えた目標", order=99)
    Goal.objects.filter(sheet=second).update(
        achievement=AchievementLevel.objects.get(number=4), result="結果"
    )
    Sheet.objects.filter(pk=second.pk).update(phase=Sheet.Phase.CLOSED)
    second.refresh_from_db()
    carry_into_next_year(second, by=reviewer)
    return kumin


def test_carried_goals_are_one_line_through_the_years(seed, reviewer):
    kumin = _three_years(seed, reviewer)
    sheets, lines, bars = department_years(kumin)
    assert [s.fiscal_year for s in sheets] == [2025, 2026, 2027]
    first_year = Goal.objects.filter(sheet=seed, department=kumin).count()
    assert len(lines) == first_year + 1
    for line in lines[:first_year]:
        texts = {cell.goal.text for cell in line.cells}
        assert len(texts) == 1, "one goal, carried twice, on one line"
        assert [cell.level for cell in line.cells] == ["2 目標を上回って達成", "4 目標を下回った", ""]
    added = lines[-1]
    assert added.cells[0].goal is None and added.latest.text == "新しく加えた目標"
    assert [(b.sheet.fiscal_year, b.total) for b in bars] == [
        (2025, first_year),
        (2026, first_year + 1),
        (2027, first_year + 1),
    ]
    assert [s.count for s in bars[0].segments] == [0, first_year, 0, 0, 0, 0]
    assert [s.count for s in bars[2].segments][-1] == first_year + 1  # 未入力


def test_page_shows_the_lines_chart_and_table(client, seed, reviewer, editor):
    _three_years(seed, reviewer)
    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    client.force_login(editor)
    body = client.get(reverse("goals:department_years", args=[report.pk])).content.decode()
    assert "令和7年度</th>" in body and "令和9年度</th>" in body
    assert '<svg width="600"' in body and 'class="level-2"' in body
    assert "<caption>年度ごとの達成度の件数</caption>" in body
    assert "新しく加えた目標" in body
    assert (
        reverse("goals:department_years", args=[report.pk])
        in client.get(reverse("goals:report", args=[report.pk])).content.decode()
    )


# Session, user, report, then sheets, goals, levels; the deadline banner; the session's renewal.
YEARS_PAGE_QUERIES = 2 + 1 + 3 + 1 + 3


@pytest.mark.parametrize("years", [1, 10])
def test_years_page_queries_are_constant(client, seed, editor, years, django_assert_num_queries):
    """Goals of every year come in one query and lines are followed in Python (no query per year or goal)."""
    kumin = seed.ward.departments.get(name="区民課")
    source = list(Goal.objects.filter(sheet=seed, department=kumin))
    for n in range(1, years):
        sheet = Sheet.objects.create(ward=seed.ward, fiscal_year=2025 - n, phase=Sheet.Phase.CLOSED)
        Goal.objects.bulk_create(
            Goal(sheet=sheet, department=kumin, number=g.number, text=g.text, order=g.order) for g in source
        )
    report = DepartmentReport.objects.get(sheet=seed, department=kumin)
    client.force_login(editor)
    with django_assert_num_queries(YEARS_PAGE_QUERIES):
        body = client.get(reverse("goals:department_years", args=[report.pk])).content.decode()
    assert body.count('class="bar-label"') == years
