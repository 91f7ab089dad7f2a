"""Honest saving and asking first: an unchanged result form writes nothing; 提出 and 確定 ask on a page."""

from django.urls import reverse

from goals.models import DepartmentReport, Goal, Sheet

from .conftest import fill_results


def _first_goal(report):
    return (
        Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order", "pk").first()
    )


def _counts(report):
    return (
        Goal.history.filter(sheet_id=report.sheet_id, department_id=report.department_id).count(),
        DepartmentReport.history.filter(id=report.pk).count(),
    )


def test_an_empty_result_form_saves_nothing_and_says_so(client, kumin_report, editor):
    goal = _first_goal(kumin_report)
    before = _counts(kumin_report)
    client.force_login(editor)
    response = client.post(
        reverse("goals:goal_result", args=[goal.pk]),
        {"result": "", "achievement": "", "version": goal.version},
        follow=True,
    )
    page = response.content.decode()
    assert "実施結果も達成度も入力されていないため、保存していません" in page
    assert "保存しました" not in page
    assert _counts(kumin_report) == before
    kumin_report.refresh_from_db()
    assert kumin_report.status == DepartmentReport.Status.NOT_STARTED
    goal.refresh_from_db()
    assert goal.version == 1


def test_an_unchanged_result_form_saves_nothing(client, kumin_report, editor, levels):
    goal = _first_goal(kumin_report)
    client.force_login(editor)
    url = reverse("goals:goal_result", args=[goal.pk])
    client.post(url, {"result": "窓口を改善", "achievement": levels[1].pk, "version": goal.version})
    goal.refresh_from_db()
    before = _counts(kumin_report)
    response = client.post(
        url, {"result": "窓口を改善", "achievement": levels[1].pk, "version": goal.version}, follow=True
    )
    assert "変更がないため、保存していません" in response.content.decode()
    assert _counts(kumin_report) == before


def test_clearing_a_result_is_a_real_save(client, kumin_report, editor, levels):
    goal = _first_goal(kumin_report)
    client.force_login(editor)
    url = reverse("goals:goal_result", args=[goal.pk])
    client.post(url, {"result": "窓口を改善", "achievement": levels[1].pk, "version": goal.version})
    goal.refresh_from_db()
    response = client.post(url, {"result": "", "achievement": "", "version": goal.version}, follow=True)
    assert f"目標 {goal.number} の実施結果を保存しました。" in response.content.decode()
    goal.refresh_from_db()
    assert goal.result == "" and goal.achievement is None and goal.version == 3


def test_the_result_form_names_its_buttons_by_what_they_do(client, kumin_report, editor):
    client.force_login(editor)
    page = client.get(reverse("goals:goal_result", args=[_first_goal(kumin_report).pk])).content.decode()
    assert ">保存する</button>" in page
    assert "保存して次の目標（" in page
    assert "下書き" not in page


def test_submit_asks_first_on_a_page_of_its_own(client, kumin_report, editor):
    fill_results(kumin_report)
    client.force_login(editor)
    url = reverse("goals:report_submit", args=[kumin_report.pk])
    department_page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert f'href="{url}"' in department_page
    asked = client.get(url)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "実施結果を提出しますか" in page and ">提出する</button>" in page
    assert "<script" not in page.split("<main", 1)[-1]
    kumin_report.refresh_from_db()
    assert kumin_report.status == DepartmentReport.Status.NOT_STARTED
    client.post(url)
    kumin_report.refresh_from_db()
    assert kumin_report.status == DepartmentReport.Status.SUBMITTED


def test_submit_page_names_missing_results_and_offers_no_button(client, kumin_report, editor):
    client.force_login(editor)
    page = client.get(reverse("goals:report_submit", args=[kumin_report.pk])).content.decode()
    assert "まだ提出できません" in page and ">提出する</button>" not in page


def test_closing_the_year_asks_first_and_lists_the_unconfirmed(client, seed, reviewer):
    client.force_login(reviewer)
    url = reverse("goals:board_advance", args=["幸区", 2025])
    page = client.get(url).content.decode()
    assert "を確定しますか" in page and "確認済みでない部署" in page and "区民課（未入力）" in page
    seed.refresh_from_db()
    assert seed.phase == Sheet.Phase.IN_PROGRESS
    refused = client.post(url, {"override_reason": ""})
    assert refused.status_code == 400
    assert "理由を入力してください" in refused.content.decode()
    client.post(url, {"override_reason": "年度末の会議のため"})
    seed.refresh_from_db()
    assert seed.phase == Sheet.Phase.CLOSED
