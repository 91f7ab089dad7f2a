"""Dates: every date a person or a file enters is checked against a sane range with a Japanese message,
and no stored date or moment, however odd, makes a page, a download or a mail fail."""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from departments.models import Department
from goals.history import sheet_history
from goals.lib.wareki import date_label, fiscal_year_label
from goals.mail.notifications import notify_returned, notify_submitted
from goals.mail.reminders import send_due_reminders
from goals.models import DepartmentReport, Goal, Sheet
from tests.test_permissions import database_dump

UTC = datetime.UTC
FIRST_DAY = datetime.date(1, 1, 1)
LAST_DAY = datetime.date(9999, 12, 31)
EARLIEST = datetime.datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime.datetime(9999, 12, 31, 23, 59, tzinfo=UTC)  # past the end of time in Tokyo


def _deadline_url(sheet):
    return reverse("goals:board_deadline", args=[sheet.ward.name, sheet.fiscal_year])


def _board_url(sheet):
    return reverse("goals:board", args=[sheet.ward.name, sheet.fiscal_year])


def test_labels_never_raise():
    from goals.lib.wareki import datetime_label

    assert date_label(datetime.date(1867, 12, 31)) == "西暦1867年12月31日"
    assert date_label(FIRST_DAY) == "西暦1年1月1日"
    assert date_label(LAST_DAY) == "令和7981年12月31日"
    assert date_label(datetime.date(1926, 12, 25)) == "昭和元年12月25日"
    assert date_label(None) == "" and date_label("2026-02-30") == "2026-02-30"
    assert fiscal_year_label(1900) == "1900年度" and fiscal_year_label(0) == "0年度"
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    assert datetime_label(LATEST, tokyo) == "令和7981年12月31日 23:59"  # shown as stored, not raised
    assert datetime_label(EARLIEST, tokyo) == "西暦1年1月1日 09:00"


OUT_OF_RANGE = ["0001-01-01", "1867-12-31", "2025-03-31", "2027-04-01", "9999-12-31", "９９９９-01-01"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_deadline_outside_the_sheets_years_is_refused_politely(client, reviewer, seed, value):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    client.force_login(reviewer)
    before = database_dump()
    response = client.post(_deadline_url(seed), {"results_deadline": value})
    assert response.status_code == 400
    assert (
        "実施結果の提出期限は、令和7年4月1日から令和9年3月31日までの日付で入力してください"
        in response.content.decode()
    )
    assert database_dump() == before
    assert client.get(_board_url(seed)).status_code == 200


@pytest.mark.parametrize(
    "value", ["10000-01-01", "2026-02-30", "1" * 30, "2026-04-30\x00", "\x00", "令和8年"]
)
def test_invalid_deadline_gets_the_form_again_with_a_message(client, reviewer, seed, value):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    client.force_login(reviewer)
    before = database_dump()
    response = client.post(_deadline_url(seed), {"results_deadline": value})
    assert response.status_code == 400
    assert "日付を正しく入力してください（例：2026-04-30）。" in response.content.decode()
    assert database_dump() == before


@pytest.mark.parametrize("value", ["2025-04-01", "2027-03-31", ""])
def test_deadline_within_the_year_and_the_next_is_kept(client, reviewer, seed, value):
    client.force_login(reviewer)
    assert client.post(_deadline_url(seed), {"results_deadline": value}).status_code == 302
    seed.refresh_from_db()
    assert seed.results_deadline == (datetime.date.fromisoformat(value) if value else None)


def _admin_sheet_form(sheet, **changes):
    data = {
        "ward": sheet.ward_id,
        "fiscal_year": sheet.fiscal_year,
        "phase": sheet.phase,
        "results_deadline": "",
        "policies-TOTAL_FORMS": "0",
        "policies-INITIAL_FORMS": "0",
        "policies-MIN_NUM_FORMS": "0",
        "policies-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_admin_refuses_a_deadline_outside_the_sheets_years(client, superuser, seed):
    client.force_login(superuser)
    before = database_dump()
    url = reverse("admin:goals_sheet_change", args=[seed.pk])
    response = client.post(url, _admin_sheet_form(seed, results_deadline="1867-12-31"))
    assert response.status_code == 200  # the form again, with the message
    assert "令和7年4月1日から令和9年3月31日までの日付で入力してください" in response.content.decode()
    assert database_dump() == before


def test_admin_refuses_a_retirement_date_out_of_range(client, superuser, seed):
    client.force_login(superuser)
    department = Department.objects.get(ward=seed.ward, name="区民課")
    url = reverse("admin:departments_department_change", args=[department.pk])
    data = {
        "ward": department.ward_id,
        "name": department.name,
        "order": department.order,
        "retired_on": "0001-01-01",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "廃止日は、平成元年4月1日から令和83年3月31日までの日付で入力してください。"
        in response.content.decode()
    )
    department.refresh_from_db()
    assert department.retired_on is None


def test_department_import_refuses_a_retirement_date_out_of_range(client, superuser, seed):
    client.force_login(superuser)
    data = "\ufeff区,部署名,表示順,廃止日\n幸区,区民課,50,1867-12-31\n".encode()
    response = client.post(
        reverse("admin:departments_department_import"),
        {"import_file": SimpleUploadedFile("d.csv", data), "format": "0", "resource": "0"},
    )
    assert (
        "廃止日は、平成元年4月1日から令和83年3月31日までの日付で入力してください。"
        in response.content.decode()
    )
    assert Department.objects.get(ward=seed.ward, name="区民課").retired_on is None


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_reminder_command_refuses_a_day_out_of_range(value):
    with pytest.raises(CommandError, match="扱えません"):
        call_command("send_reminders", "--date", value)


@pytest.fixture
def odd_dates(seed, editor, reviewer):
    """Every stored date and moment at the ends of what the database and Python can hold,
    written straight into the rows and into their history, as a bug or a hand edit could."""
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS, results_deadline=FIRST_DAY)
    # The history keeps every deadline the sheet ever had: an old bad one must not break the board.
    for deadline in (None, datetime.date(1867, 12, 31), LAST_DAY, FIRST_DAY):
        Sheet.history.model.objects.create(
            id=seed.pk,
            ward_id=seed.ward_id,
            fiscal_year=seed.fiscal_year,
            phase=Sheet.Phase.IN_PROGRESS,
            results_deadline=deadline,
            history_date=LATEST,
            history_type="~",
            history_change_reason="提出期限を変更しました",
        )
    department = Department.objects.get(ward=seed.ward, name="区民課")
    Department.objects.filter(ward=seed.ward, name="保護課").update(retired_on=FIRST_DAY)
    Goal.objects.filter(department=department).update(updated_at=LATEST, updated_by=editor)
    Goal.history.filter(department_id=department.pk).update(history_date=LATEST)
    DepartmentReport.objects.filter(sheet=seed).update(status_changed_at=EARLIEST, status_changed_by=reviewer)
    DepartmentReport.history.filter(department_id=department.pk).update(history_date=EARLIEST)
    return department


def test_history_shows_every_deadline_it_ever_had(seed, odd_dates):
    labels = [d.new for e in sheet_history(seed) for d in e.diffs if d.label == "実施結果の提出期限"]
    assert {"西暦1867年12月31日", "令和7981年12月31日", "西暦1年1月1日"} <= set(labels)


def test_every_page_download_and_mail_survives_odd_stored_dates(client, seed, editor, reviewer, odd_dates):
    report = DepartmentReport.objects.get(sheet=seed, department=odd_dates)
    goal = Goal.objects.filter(department=odd_dates).order_by("order").first()
    ward, year = seed.ward.name, seed.fiscal_year
    pages = {
        editor: [
            reverse("goals:home"),
            reverse("goals:report", args=[report.pk]),
            reverse("goals:goal", args=[goal.pk]),
            reverse("goals:goal_result", args=[goal.pk]),
            reverse("goals:sheet", args=[ward, year]),
            reverse("goals:department_sheet", args=[ward, year, odd_dates.pk]),
        ],
        reviewer: [
            reverse("goals:home"),
            _board_url(seed),
            reverse("goals:report", args=[report.pk]),
            reverse("goals:carry_forward", args=[ward, year]),
            reverse("goals:import_upload"),
        ],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            if "/sheets/" not in url:  # the deadline banner of every app page
                assert "西暦1年1月1日" in response.content.decode(), url
    client.force_login(reviewer)
    board = client.get(_board_url(seed)).content.decode()
    assert "西暦1867年12月31日" in board and "令和7981年12月31日 23:59" in board
    pdf = client.get(reverse("goals:sheet_pdf", args=[ward, year]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("goals:department_sheet_xlsx", args=[ward, year, odd_dates.pk]))
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row > 1
    # Mails: the reminder names the odd deadline, the notifications go out.
    sent, _ = send_due_reminders(datetime.date(2026, 5, 18))
    assert sent and "西暦1年1月1日" in mail.outbox[0].body
    notify_submitted(report.pk)
    notify_returned(report.pk)
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-05-19", stdout=out)
    assert "令和8年5月19日の催促メール" in out.getvalue()
    # The last deadline in range is accepted and the board still opens with the old ones in its history.
    assert client.post(_deadline_url(seed), {"results_deadline": "2026-04-30"}).status_code == 302
    assert client.get(_board_url(seed)).status_code == 200
