"""What the department page, the goal page and the ward board show."""

import re

import pytest
from django.urls import reverse

from goals import workflow
from goals.models import DepartmentReport, Goal, Sheet

from .conftest import fill_results


def _goals(report):
    return list(Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order"))


def test_last_years_result_is_shown_beside_this_years_goal(client, seed, kumin_report, editor, levels):
    last_year = Sheet.objects.create(ward=seed.ward, fiscal_year=2024, phase=Sheet.Phase.CLOSED)
    old = Goal.objects.create(
        sheet=last_year,
        department=kumin_report.department,
        number="1",
        text="昨年度の目標",
        result="昨年度は案内表示を改善しました",
        achievement=levels[3],
    )
    goal = _goals(kumin_report)[0]
    goal.carried_from = old
    goal.save(update_fields=["carried_from"])
    client.force_login(editor)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert "前年度（令和6年度）の目標 1 の結果" in page
    assert "昨年度は案内表示を改善しました" in page
    assert "4 目標を下回った" in page


def test_user_text_is_shown_as_text_never_as_markup(client, kumin_report, editor, levels):
    goal = _goals(kumin_report)[0]
    workflow.save_result(
        goal, by=editor, expected_version=goal.version, result='<script>alert("x")</script>', achievement=None
    )
    client.force_login(editor)
    for url in (reverse("goals:report", args=[kumin_report.pk]), reverse("goals:goal", args=[goal.pk])):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_history_shows_who_when_and_old_to_new_in_reiwa(client, seed, kumin_report, editor, reviewer, levels):
    goal = _goals(kumin_report)[0]
    workflow.save_result(
        goal, by=editor, expected_version=goal.version, result="最初の結果", achievement=levels[2]
    )
    workflow.save_result(
        goal, by=editor, expected_version=goal.version, result="直した結果", achievement=levels[1]
    )
    client.force_login(reviewer)
    page = client.get(reverse("goals:goal", args=[goal.pk])).content.decode()
    assert re.search(r"令和\d+年\d+月\d+日 \d\d:\d\d", page)
    assert "kumin-editor" in page
    assert re.search(r"<del>.*?最初の結果</del>.*?<ins>.*?直した結果</ins>", page, re.S)
    assert re.search(r"<del>.*?3 目標をほぼ達成</del>.*?<ins>.*?2 目標を上回って達成</ins>", page, re.S)


def test_department_history_has_status_changes_and_deleted_goals(
    client, seed, kumin_report, editor, reviewer
):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    kumin_report.refresh_from_db()
    victim = _goals(kumin_report)[-1]
    workflow.remove_goal(victim, by=editor, expected_version=victim.version)
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    kumin_report = DepartmentReport.objects.get(pk=kumin_report.pk)
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    workflow.return_to_department(kumin_report, by=reviewer, reason="数値を追記してください")
    client.force_login(editor)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert f"目標 {victim.number}" in page and "削除" in page
    assert re.search(
        r"<del>[^<]*<span[^>]*>変更前：</span>提出済み</del>\s*<span[^>]*>→</span>\s*<ins>.*?差戻し</ins>",
        page,
    )
    assert "差戻し：数値を追記してください" in page
    assert "saiwai-reviewer" in page


def test_reviewer_sees_confirm_and_return_editor_sees_submit(client, seed, kumin_report, editor, reviewer):
    fill_results(kumin_report)
    client.force_login(editor)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert "提出する" in page and "確認済みにする" not in page
    DepartmentReport.objects.filter(pk=kumin_report.pk).update(status=DepartmentReport.Status.SUBMITTED)
    client.force_login(reviewer)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert "確認済みにする" in page and "差し戻す" in page and "提出する</button>" not in page


def test_returning_without_a_reason_keeps_the_page_and_changes_nothing(client, kumin_report, reviewer):
    DepartmentReport.objects.filter(pk=kumin_report.pk).update(status=DepartmentReport.Status.SUBMITTED)
    client.force_login(reviewer)
    response = client.post(reverse("goals:report_return", args=[kumin_report.pk]), {"reason": "   "})
    assert response.status_code == 400
    assert "差戻しの理由を入力してください" in response.content.decode()
    assert DepartmentReport.objects.get(pk=kumin_report.pk).status == DepartmentReport.Status.SUBMITTED


def test_board_lists_every_department_with_status_progress_and_tally(
    client, seed, kumin_report, editor, reviewer, levels
):
    fill_results(kumin_report, by=editor, level_number=2)
    workflow.submit(kumin_report, by=editor)
    client.force_login(reviewer)
    response = client.get(reverse("goals:board", args=["幸区", 2025]))
    page = response.content.decode()
    rows = re.findall(r'<th scope="row"><a href="/reports/(\d+)/">', page)
    assert len(rows) == 15
    kumin_row = page[page.index(f'<a href="/reports/{kumin_report.pk}/">') :].split("</tr>")[0]
    assert "提出済み" in kumin_row and "▲" in kumin_row  # word and icon
    assert "3／3" in kumin_row
    assert "kumin-editor" in kumin_row
    assert "達成度2：3件" in kumin_row  # three goals at level 2
    # The ward chart: an SVG with a title and a text description, and the same figures as a table.
    assert '<title id="tally-title">' in page
    assert "2 目標を上回って達成：3件（7％）" in page
    assert "未入力：39件（93％）" in page
    # Untouched departments have no "last update" to show (loaded data has no updater).
    hogo_row = page[page.index(">保護課</a>") :].split("</tr>")[0]
    assert "―" in hogo_row and "不明" not in hogo_row


@pytest.mark.parametrize("status, count", [("submitted", 1), ("not_started", 14), ("confirmed", 0)])
def test_board_filters_by_status(client, kumin_report, editor, reviewer, status, count):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    client.force_login(reviewer)
    page = client.get(reverse("goals:board", args=["幸区", 2025]), {"status": status}).content.decode()
    assert len(re.findall(r'<th scope="row"><a href="/reports/', page)) == count


def test_board_ignores_an_unknown_status_filter(client, seed, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("goals:board", args=["幸区", 2025]), {"status": "<x>"}).content.decode()
    assert len(re.findall(r'<th scope="row"><a href="/reports/', page)) == 15
    assert "<x>" not in page


def test_pages_have_one_h1_and_no_inline_script_or_style(client, seed, kumin_report, editor, reviewer):
    goal = _goals(kumin_report)[0]
    pages = [
        (editor, reverse("goals:report", args=[kumin_report.pk])),
        (editor, reverse("goals:goal", args=[goal.pk])),
        (editor, reverse("goals:goal_result", args=[goal.pk])),
        (reviewer, reverse("goals:board", args=["幸区", 2025])),
        (editor, reverse("password_change")),
    ]
    for user, url in pages:
        client.force_login(user)
        page = client.get(url).content.decode()
        assert page.count("<h1") == 1, url
        assert '<html lang="ja">' in page
        assert "<style" not in page and ' style="' not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
        assert not re.search(r"\son[a-z]+=", page), url


def test_goal_page_offers_what_the_person_may_do(client, seed, kumin_report, editor, reviewer):
    goal = _goals(kumin_report)[0]
    result_link = reverse("goals:goal_result", args=[goal.pk])
    client.force_login(editor)
    assert result_link in client.get(reverse("goals:goal", args=[goal.pk])).content.decode()
    client.force_login(reviewer)
    assert result_link not in client.get(reverse("goals:goal", args=[goal.pk])).content.decode()


def test_board_links_the_sheet_outputs_the_import_and_next_year(client, reviewer, seed):
    client.force_login(reviewer)
    html = client.get(reverse("goals:board", args=["幸区", 2025])).content.decode()
    assert f'href="{reverse("goals:sheet_pdf", args=["幸区", 2025])}"' in html
    assert f'href="{reverse("goals:sheet_xlsx", args=["幸区", 2025])}"' in html
    upload = reverse("goals:import_upload")
    assert f'href="{upload}?ward=%E5%B9%B8%E5%8C%BA&amp;year=2025"' in html
    assert f'href="{reverse("goals:carry_forward", args=["幸区", 2025])}"' in html
    assert "令和8年度の取組シートを作る" in html
