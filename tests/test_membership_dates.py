"""Dated memberships: rights and mail follow the memberships valid on the day, in Asia/Tokyo."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Membership, Ward
from goals import access
from goals.mail.notifications import department_editors, ward_reviewers
from goals.models import DepartmentReport, Sheet

from .conftest import _user

TOKYO = ZoneInfo("Asia/Tokyo")
LAST_DAY = datetime.date(2026, 3, 31)
FIRST_DAY = datetime.date(2026, 4, 1)


def _at(monkeypatch, *args):
    """Set the clock (only the clock: every query and page is real) to a Tokyo wall-clock time."""
    moment = datetime.datetime(*args, tzinfo=TOKYO)
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(datetime.UTC))


@pytest.fixture
def mover(seed):
    """区民課 until 3月31日, 保護課 from 4月1日: April's personnel change, prepared in March."""
    user = _user("mover", email="mover@example.invalid")
    Membership.objects.create(
        user=user,
        department=Department.objects.get(ward__name="幸区", name="区民課"),
        valid_from=datetime.date(2024, 4, 1),
        valid_until=LAST_DAY,
    )
    Membership.objects.create(
        user=user, department=Department.objects.get(ward__name="幸区", name="保護課"), valid_from=FIRST_DAY
    )
    return user


def _report(seed, name):
    return DepartmentReport.objects.get(sheet=seed, department__name=name)


@pytest.mark.parametrize(
    "clock, kumin, hogo",
    [
        ((2026, 3, 31, 23, 59, 59), 200, 404),  # the last day, one second before midnight in Tokyo
        ((2026, 4, 1, 0, 0, 0), 404, 200),  # midnight in Tokyo; still 3月31日 15:00 in UTC
        ((2026, 4, 1, 8, 59, 59), 404, 200),
    ],
)
def test_a_move_takes_effect_at_midnight_in_tokyo(client, monkeypatch, seed, mover, clock, kumin, hogo):
    _at(monkeypatch, *clock)
    client.force_login(mover)
    assert client.get(reverse("goals:report", args=[_report(seed, "区民課").pk])).status_code == kumin
    assert client.get(reverse("goals:report", args=[_report(seed, "保護課").pk])).status_code == hogo


def test_the_editor_rights_follow_the_day(client, monkeypatch, seed, mover):
    """Writing results belongs to the department of the day; the other department's page is hidden."""
    kumin, hogo = _report(seed, "区民課"), _report(seed, "保護課")
    _at(monkeypatch, 2026, 3, 31, 12, 0, 0)
    assert kumin.department.is_edited_by(mover) and not hogo.department.is_edited_by(mover)
    assert access.report_for_result_editor(mover, kumin.pk) == kumin
    _at(monkeypatch, 2026, 4, 1, 0, 0, 0)
    assert hogo.department.is_edited_by(mover) and not kumin.department.is_edited_by(mover)
    assert list(access.readable_reports(mover)) == [hogo]


def test_a_reviewer_starting_in_april_reviews_from_april_first(client, monkeypatch, seed):
    user = _user("new-reviewer", email="new-reviewer@example.invalid")
    Membership.objects.create(
        user=user,
        department=Department.objects.get(ward__name="幸区", name="総務課"),
        role=Membership.Role.REVIEWER,
        valid_from=FIRST_DAY,
    )
    board = reverse("goals:board", args=["幸区", seed.fiscal_year])
    _at(monkeypatch, 2026, 3, 31, 23, 59, 59)
    client.force_login(user)
    assert not seed.ward.is_reviewed_by(user)
    assert not Ward.objects.for_user(user).exists()
    assert not access.reviewed_wards(user).exists()
    assert client.get(board).status_code == 404
    _at(monkeypatch, 2026, 4, 1, 0, 0, 0)
    assert seed.ward.is_reviewed_by(user)
    assert list(access.reviewed_wards(user)) == [seed.ward]
    assert client.get(board).status_code == 200


def test_the_landing_page_follows_the_day(client, monkeypatch, seed, mover):
    _at(monkeypatch, 2026, 3, 31, 17, 0, 0)
    client.force_login(mover)
    assert client.get("/")["Location"] == reverse("goals:report", args=[_report(seed, "区民課").pk])
    _at(monkeypatch, 2026, 4, 1, 8, 30, 0)
    client.force_login(mover)  # the next morning: yesterday's session has expired
    assert client.get("/")["Location"] == reverse("goals:report", args=[_report(seed, "保護課").pk])


def test_after_the_last_membership_ends_the_person_sees_the_explanation(client, monkeypatch, seed):
    leaver = _user("leaver")
    Membership.objects.create(
        user=leaver,
        department=Department.objects.get(ward__name="幸区", name="区民課"),
        valid_from=datetime.date(2024, 4, 1),
        valid_until=LAST_DAY,
    )
    _at(monkeypatch, 2026, 4, 1, 9, 0, 0)
    client.force_login(leaver)
    page = client.get("/")
    assert page.status_code == 200
    assert page.context["has_membership"] is False
    assert not Sheet.objects.for_user(leaver).exists()
    # The ended membership is kept: it still says where the person was.
    assert Membership.objects.filter(user=leaver).count() == 1
    assert Membership.objects.active(on=LAST_DAY).filter(user=leaver).exists()


def test_mail_goes_to_the_members_of_the_day(seed, mover):
    kumin = Department.objects.get(ward__name="幸区", name="区民課")
    hogo = Department.objects.get(ward__name="幸区", name="保護課")
    assert list(department_editors(kumin, on=LAST_DAY)) == [mover]
    assert list(department_editors(kumin, on=FIRST_DAY)) == []
    assert list(department_editors(hogo, on=FIRST_DAY)) == [mover]
    assert list(ward_reviewers(seed.ward, on=FIRST_DAY)) == []


def test_reminders_replayed_for_a_day_mail_that_days_editors(seed, mover, mailoutbox):
    Sheet.objects.filter(pk=seed.pk).update(results_deadline=datetime.date(2026, 4, 8))  # 7 days after 4/1
    out = StringIO()
    call_command("send_reminders", "--date", "2026-04-01", stdout=out)
    hogo_mail = [m for m in mailoutbox if "保護課" in m.body]
    kumin_mail = [m for m in mailoutbox if "区民課" in m.body]
    assert [m.to for m in hogo_mail] == [["mover@example.invalid"]]
    assert kumin_mail == []  # nobody edits 区民課 on 4月1日 in this world


def test_active_defaults_to_today_in_tokyo(monkeypatch, seed, mover):
    _at(monkeypatch, 2026, 4, 1, 0, 30, 0)  # 3月31日 15:30 UTC
    assert set(Membership.objects.active().filter(user=mover).values_list("department__name", flat=True)) == {
        "保護課"
    }


def test_overlapping_memberships_of_one_department_are_refused(seed, mover):
    kumin = Department.objects.get(ward__name="幸区", name="区民課")
    again = Membership(user=mover, department=kumin, valid_from=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="期間の重なる所属"):
        again.full_clean()
    returning = Membership(user=mover, department=kumin, valid_from=datetime.date(2027, 4, 1))
    returning.full_clean()  # coming back later is ordinary


def test_an_end_before_the_start_is_refused(seed, mover):
    kumin = Department.objects.get(ward__name="幸区", name="区民課")
    backwards = Membership(
        user=mover,
        department=kumin,
        valid_from=datetime.date(2030, 4, 1),
        valid_until=datetime.date(2030, 3, 1),
    )
    with pytest.raises(ValidationError, match="終了日は開始日より後"):
        backwards.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        backwards.save()


def test_membership_changes_are_in_the_history(seed, mover):
    membership = Membership.objects.get(user=mover, department__name="保護課")
    membership.valid_until = datetime.date(2027, 3, 31)
    membership.save()
    kinds = list(membership.history.order_by("history_id").values_list("history_type", "valid_until"))
    assert kinds == [("+", None), ("~", datetime.date(2027, 3, 31))]
