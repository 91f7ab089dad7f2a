"""The landing that shows what is due, the deadline banner's link, the help page, the mail's letter."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Membership
from goals import workflow
from goals.mail.checks import site_url_set_in_production
from goals.mail.notifications import notify_returned, notify_submitted, send_reminder
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet

from .conftest import fill_results


@pytest.fixture
def april(seed, kumin_report):
    """This year in 実施中 with a deadline, next year's sheet in 計画 with 区民課's report."""
    seed.results_deadline = timezone.localdate() + datetime.timedelta(days=5)
    seed.save()
    next_year = Sheet.objects.create(ward=seed.ward, fiscal_year=2026, phase=Sheet.Phase.PLANNING)
    next_report = DepartmentReport.objects.create(sheet=next_year, department=kumin_report.department)
    return next_report


def test_in_april_an_editor_lands_on_this_years_results(client, editor, kumin_report, april):
    client.force_login(editor)
    assert client.get("/")["Location"] == reverse("goals:report", args=[kumin_report.pk])


def test_in_april_a_reviewer_lands_on_this_years_board(client, reviewer, april):
    client.force_login(reviewer)
    assert client.get("/")["Location"] == reverse("goals:board", args=["幸区", 2025])


def test_after_the_year_is_closed_the_editor_lands_on_next_year(client, seed, editor, april):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    client.force_login(editor)
    assert client.get("/")["Location"] == reverse("goals:report", args=[april.pk])


def test_the_task_list_shows_results_due_and_next_years_goals(client, editor, kumin_report, april):
    client.force_login(editor)
    page = client.get(reverse("goals:tasks")).content.decode()
    results = page.index("実施結果と達成度を入力して提出する")
    goals = page.index("令和8年度の目標を書く")
    assert results < goals  # the one with a deadline first
    assert f'href="{reverse("goals:report", args=[kumin_report.pk])}"' in page
    assert f'href="{reverse("goals:report", args=[april.pk])}"' in page
    assert "あと5日" in page


def test_tasks_for_approver_and_reviewer(client, seed, editor, approver, reviewer, kumin_report):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    client.force_login(approver)
    page = client.get(reverse("goals:tasks")).content.decode()
    assert "提出された実施結果を承認する" in page and "区民課 令和7年度（承認待ち）" in page
    assert "実施結果と達成度を入力" not in page
    workflow.approve(kumin_report, by=approver)
    client.force_login(reviewer)
    page = client.get(reverse("goals:tasks")).content.decode()
    assert "確認待ち：1部署" in page
    assert reverse("goals:board", args=["幸区", 2025]) + "?status=submitted" in page
    assert "未提出の部署を確かめる" in page and "?status=unsubmitted" in page


def test_a_chooser_home_lists_the_tasks(client, seed, editor, kumin_report):
    Membership.objects.create(user=editor, department=Department.objects.get(name="保護課"))
    client.force_login(editor)
    page = client.get("/").content.decode()
    assert "やること" in page and page.count("実施結果と達成度を入力して提出する") == 2


def test_the_deadline_banner_links_to_where_the_work_is(client, seed, editor, reviewer, kumin_report, april):
    client.force_login(editor)
    page = client.get(reverse("goals:help")).content.decode()
    banner = page[page.index('aria-label="提出期限"') :].split("</aside>", 1)[0]
    assert f'href="{reverse("goals:report", args=[kumin_report.pk])}"' in banner
    client.force_login(reviewer)
    page = client.get(reverse("goals:help")).content.decode()
    banner = page[page.index('aria-label="提出期限"') :].split("</aside>", 1)[0]
    assert f'href="{reverse("goals:board", args=["幸区", 2025])}"' in banner


def test_the_help_page_explains_each_role_and_the_configured_levels(client, seed, editor, reviewer):
    AchievementLevel.objects.filter(number=3).update(label="おおむね達成", description="区独自の目安です。")
    client.force_login(editor)
    page = client.get(reverse("goals:help")).content.decode()
    for heading in ("1年の流れ", "入力担当の方へ", "承認者（課長）の方へ", "取りまとめ担当（総務課）の方へ"):
        assert heading in page
    assert "おおむね達成" in page and "区独自の目安です。" in page
    assert "入力担当</a>（あなたの役割）" in page
    assert "総務課　saiwai-reviewer" in page
    assert "manage.py" not in page


def _letter_parts(body, to):
    assert body.startswith(to)
    assert "お疲れさまです。" in body
    assert "よろしくお願いいたします。" in body
    assert body.rstrip().splitlines()[-2] == "幸区役所 総務課"


@override_settings(SITE_URL="https://kojo.example.lg.jp")
def test_each_mail_reads_like_an_office_letter(seed, kumin_report, editor, reviewer, approver, mailoutbox):
    seed.results_deadline = datetime.date(2026, 5, 15)
    seed.save()
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    workflow.approve(kumin_report, by=approver)
    notify_submitted(kumin_report.pk)
    mail = mailoutbox[-1]
    _letter_parts(mail.body, "幸区 取りまとめ担当各位")
    assert "提出者：kumin-editor、承認者：kumin-approver" in mail.body
    assert f"https://kojo.example.lg.jp/reports/{kumin_report.pk}/" in mail.body
    workflow.return_to_department(kumin_report, by=reviewer, reason="根拠を足して")
    notify_returned(kumin_report.pk)
    mail = mailoutbox[-1]
    _letter_parts(mail.body, "区民課 入力担当各位")
    assert "根拠を足して" in mail.body and "提出期限は令和8年5月15日です" in mail.body
    send_reminder(DepartmentReport.objects.get(pk=kumin_report.pk), datetime.date(2026, 5, 12))
    mail = mailoutbox[-1]
    _letter_parts(mail.body, "区民課 入力担当各位")
    assert "令和8年5月15日までに" in mail.body and "あと3日" in mail.subject


@override_settings(KOJO_MAIL_SENDER_SECTION="総務課 企画調整係")
def test_the_sender_section_is_configurable(seed, kumin_report, editor, reviewer, mailoutbox):
    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    notify_submitted(kumin_report.pk)
    assert "幸区役所 総務課 企画調整係" in mailoutbox[-1].body


@pytest.mark.parametrize(
    "debug, url, fails",
    [
        (False, "http://127.0.0.1:8000", True),
        (False, "http://localhost", True),
        (False, "https://kojo.example.lg.jp", False),
        (True, "http://127.0.0.1:8000", False),
    ],
)
def test_production_needs_the_site_address(debug, url, fails):
    with override_settings(DEBUG=debug, SITE_URL=url):
        errors = site_url_set_in_production()
    assert [e.id for e in errors] == (["goals.E010"] if fails else [])
    if fails:
        assert "DJANGO_SITE_URL が設定されていません" in errors[0].msg


def test_the_check_stops_manage_py_check(db):
    with override_settings(DEBUG=False, SITE_URL="http://127.0.0.1:8000"):
        with pytest.raises(SystemCheckError, match=r"goals\.E010"):
            call_command("check", tags=["mail"], deploy=True)


def test_landing_and_tasks_do_not_touch_goals_per_goal(client, editor, kumin_report, april):
    # A guard on the task query: goal counts come from the report query itself.
    client.force_login(editor)
    page = client.get(reverse("goals:tasks")).content.decode()
    count = Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).count()
    assert f"目標{count}件" in page


def _pages_of_the_year(client, seed, kumin_report, editor, reviewer):
    """Every clerk page of one year, rendered with a report in each status."""
    goal = Goal.objects.filter(sheet=seed, department=kumin_report.department).first()
    pages = []
    for status in DepartmentReport.Status.values:
        DepartmentReport.objects.filter(pk=kumin_report.pk).update(status=status)
        client.force_login(reviewer)
        for url in (
            reverse("goals:board", args=["幸区", 2025]),
            reverse("goals:report", args=[kumin_report.pk]),
            reverse("goals:goal", args=[goal.pk]),
            reverse("goals:board_advance", args=["幸区", 2025]),
            reverse("goals:import_upload"),
            reverse("goals:carry_forward", args=["幸区", 2025]),
        ):
            pages.append((url, client.get(url).content.decode()))
    DepartmentReport.objects.filter(pk=kumin_report.pk).update(status="in_progress")
    client.force_login(editor)
    for url in (
        reverse("goals:goal_result", args=[goal.pk]),
        reverse("goals:report_submit", args=[kumin_report.pk]),
        reverse("goals:tasks"),
        reverse("goals:help"),
    ):
        pages.append((url, client.get(url).content.decode()))
    return pages


def test_one_spelling_for_each_status_and_no_commands_on_clerks_pages(
    client, seed, kumin_report, editor, reviewer
):
    import re

    fill_results(kumin_report)
    workflow.submit(kumin_report, by=editor)
    workflow.confirm(kumin_report, by=reviewer)
    for url, page in _pages_of_the_year(client, seed, kumin_report, editor, reviewer):
        assert not re.search(r"(提出|確認)済(?!み)", page), url
        assert "manage.py" not in page, url
