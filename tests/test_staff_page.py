"""The staff page: a ward's 総務課 adds, moves and ends memberships and sends the set-up mail."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import Department, Membership

from .conftest import MEMBER_SINCE, PASSWORD
from .test_roster import state


def _dept(name, ward="幸区"):
    return Department.objects.get(ward__name=ward, name=name)


@pytest.fixture
def manager(client, reviewer, editor):
    client.force_login(reviewer)
    return reviewer


def test_the_page_lists_the_wards_people(client, seed, manager, editor, other_ward_reviewer):
    page = client.get(reverse("staff:staff", args=["幸区"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "kumin-editor" in body and "saiwai-reviewer" in body
    assert "nakahara-reviewer" not in body


def test_adding_a_new_person_creates_the_account_and_the_membership(client, seed, manager):
    response = client.post(
        reverse("staff:membership_add", args=["幸区"]),
        {
            "username": "k0042",
            "name": "幸 一郎",
            "email": "k0042@example.invalid",
            "department": _dept("保護課").pk,
            "role": "editor",
            "valid_from": "2026-04-01",
        },
    )
    assert response.status_code == 302
    person = get_user_model().objects.get(username="k0042")
    assert (person.last_name, person.first_name, person.has_usable_password()) == ("幸", "一郎", False)
    membership = Membership.objects.get(user=person)
    assert (membership.department.name, membership.valid_from) == ("保護課", datetime.date(2026, 4, 1))
    assert membership.history.get().history_user == manager


def test_a_move_ends_the_old_membership_the_day_before(client, seed, manager, editor):
    old = Membership.objects.get(user=editor)
    response = client.post(
        reverse("staff:membership_move", args=["幸区", old.pk]),
        {"department": _dept("保護課").pk, "valid_from": "2026-04-01"},
    )
    assert response.status_code == 302
    rows = list(
        Membership.objects.filter(user=editor)
        .order_by("valid_from")
        .values_list("department__name", "valid_from", "valid_until")
    )
    assert rows == [
        ("区民課", MEMBER_SINCE, datetime.date(2026, 3, 31)),
        ("保護課", datetime.date(2026, 4, 1), None),
    ]
    assert old.history.latest().history_user == manager
    assert old.history.latest().history_change_reason == "異動（元の所属の終了）"


def test_ending_a_membership_keeps_it_with_its_last_day(client, seed, manager, editor):
    old = Membership.objects.get(user=editor)
    client.post(reverse("staff:membership_end", args=["幸区", old.pk]), {"valid_until": "2026-03-31"})
    old.refresh_from_db()
    assert old.valid_until == datetime.date(2026, 3, 31)


@pytest.mark.parametrize(
    "url, data, message",
    [
        ("staff:membership_end", {"valid_until": "2019-01-01"}, "終了日は開始日"),
        ("staff:membership_end", {"valid_until": "4月1日"}, "2026-04-01 の形"),
        ("staff:membership_move", {"department": "区民課", "valid_from": "2026-04-01"}, "一覧から選んで"),
        ("staff:membership_move", {"valid_from": "2019-04-01"}, "異動日は今の所属の開始日"),
    ],
)
def test_bad_changes_are_refused_with_a_reason_and_change_nothing(
    client, seed, manager, editor, url, data, message
):
    old = Membership.objects.get(user=editor)
    if url == "staff:membership_move" and "department" not in data:
        data = {**data, "department": _dept("保護課").pk}
    before = state()
    response = client.post(reverse(url, args=["幸区", old.pk]), data, follow=True)
    assert any(message in str(m) for m in response.context["messages"]), list(response.context["messages"])
    assert state() == before


def test_adding_an_overlapping_membership_is_refused(client, seed, manager, editor):
    before = state()
    response = client.post(
        reverse("staff:membership_add", args=["幸区"]),
        {
            "username": "kumin-editor",
            "department": _dept("区民課").pk,
            "role": "reviewer",
            "valid_from": "2026-04-01",
        },
        follow=True,
    )
    assert any("期間の重なる所属" in str(m) for m in response.context["messages"])
    assert state() == before


def test_another_wards_reviewer_cannot_touch_this_wards_people(
    client, seed, editor, other_ward_reviewer, mailoutbox
):
    client.force_login(other_ward_reviewer)
    membership = Membership.objects.get(user=editor)
    before = state()
    for ward in ("幸区", "中原区"):
        assert (
            client.post(
                reverse("staff:membership_end", args=[ward, membership.pk]), {"valid_until": "2026-03-31"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("staff:membership_move", args=[ward, membership.pk]),
                {"department": _dept("保護課").pk, "valid_from": "2026-04-01"},
            ).status_code
            == 404
        )
        assert client.post(reverse("staff:setup_mail", args=[ward, editor.pk])).status_code == 404
    # Adding into their own ward a department of another ward is refused as an unknown choice.
    response = client.post(
        reverse("staff:membership_add", args=["中原区"]),
        {
            "username": "kumin-editor",
            "department": _dept("区民課").pk,
            "role": "reviewer",
            "valid_from": "2026-04-01",
        },
        follow=True,
    )
    assert any("一覧から選んで" in str(m) for m in response.context["messages"])
    assert state() == before
    assert mailoutbox == []


def _link(mail) -> str:
    return re.search(r"http://[^\s]+/accounts/reset/[^\s]+", mail.body).group(0).split("8000", 1)[1]


def test_the_setup_mail_lets_the_person_choose_a_password_once(client, seed, manager, editor, mailoutbox):
    response = client.post(reverse("staff:setup_mail", args=["幸区", editor.pk]))
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert "パスワードを決めてください" in mailoutbox[0].body
    link = _link(mailoutbox[0])
    client.logout()
    form = client.get(link, follow=True)
    assert "パスワードの設定" in form.content.decode()
    new_password = "a-brand-new-passphrase-42"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "パスワードを設定しました" in done.content.decode()
    signed_in = client.post(reverse("login"), {"username": editor.username, "password": new_password})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    again = client.get(link, follow=True)
    assert "このリンクは使えません" in again.content.decode()


def test_a_ward_cannot_send_the_setup_mail_of_an_administrator_or_a_person_of_two_wards(
    client, seed, manager, other_ward, mailoutbox
):
    admin = get_user_model().objects.create_superuser("ward-admin", "ward-admin@example.invalid", PASSWORD)
    Membership.objects.create(user=admin, department=_dept("区民課"), valid_from=MEMBER_SINCE)
    both = get_user_model().objects.create_user("both", "both@example.invalid")
    Membership.objects.create(user=both, department=_dept("区民課"), valid_from=MEMBER_SINCE)
    Membership.objects.create(user=both, department=other_ward.departments.get(), valid_from=MEMBER_SINCE)
    for person in (admin, both):
        response = client.post(reverse("staff:setup_mail", args=["幸区", person.pk]))
        assert response.status_code == 403
        assert "システム管理者だけが" in response.content.decode()
    assert mailoutbox == []


def test_the_staff_page_and_the_roster_preview_take_the_same_queries_for_more_people(client, seed, manager):
    from django.db import connection

    from .test_roster import _csv

    class Counter(list):
        def __call__(self, execute, sql, params, many, context):
            self.append(sql)
            return execute(sql, params, many, context)

    def counted(url):
        counter = Counter()
        with connection.execute_wrapper(counter):
            assert client.get(url).status_code == 200
        return counter

    def counts():
        page = counted(reverse("staff:staff", args=["幸区"]))
        lines = [f"p{i:03d},,,区民課,入力担当,," for i in range(Membership.objects.count())]
        response = client.post(
            reverse("staff:roster", args=["幸区"]),
            {"file": SimpleUploadedFile("r.csv", _csv(*lines)), "effective": "2026-04-01"},
        )
        preview = counted(response["Location"])
        return len(page), len(preview)

    few = counts()
    assert min(few) > 0
    people = [get_user_model()(username=f"extra{i}") for i in range(30)]
    get_user_model().objects.bulk_create(people)
    for user in get_user_model().objects.filter(username__startswith="extra"):
        Membership.objects.create(user=user, department=_dept("保護課"), valid_from=MEMBER_SINCE)
    assert counts() == few
