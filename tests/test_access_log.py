"""The access log: what is written, who reads it, the CSV, the clean-up."""

import csv
import datetime
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from departments.models import Membership

from .conftest import PASSWORD
from .test_roster import _csv, _preview

Kind, Outcome = AccessEvent.Kind, AccessEvent.Outcome


def _events(**where):
    return list(AccessEvent.objects.filter(**where).order_by("pk").values_list("kind", "username", "outcome"))


def test_sign_in_failure_lockout_and_sign_out_are_logged_with_the_address(client, db, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.post(reverse("login"), {"username": editor.username, "password": PASSWORD})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": editor.username, "password": "wrong"})
    client.post(reverse("login"), {"username": editor.username, "password": "wrong"})
    events = _events()
    assert events[:2] == [
        (Kind.LOGIN, editor.username, Outcome.SUCCESS),
        (Kind.LOGOUT, editor.username, Outcome.SUCCESS),
    ]
    # axes announces the lockout while it handles the second failure, before that failure is logged.
    assert sorted(events[2:]) == sorted(
        [
            (Kind.LOGIN_FAILED, editor.username, Outcome.FAILURE),
            (Kind.LOGIN_FAILED, editor.username, Outcome.FAILURE),
            (Kind.LOCKOUT, editor.username, Outcome.REFUSED),
        ]
    )
    assert set(AccessEvent.objects.values_list("address", flat=True)) == {"127.0.0.1"}


def test_a_failed_sign_in_of_an_unknown_name_is_logged_as_typed(client, db):
    client.post(reverse("login"), {"username": "nobody-here", "password": "x"})
    assert _events() == [(Kind.LOGIN_FAILED, "nobody-here", Outcome.FAILURE)]


def test_the_address_behind_the_proxy_is_the_one_axes_uses(client, db, editor, settings):
    """With the proxy settings, the address logged is the client's, as for the lockout."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_CLIENT_IP_CALLABLE = None
    from axes.helpers import get_client_ip_address

    from audit.log import client_address

    request = type(
        "R", (), {"META": {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.7, 10.0.0.1"}}
    )()
    assert client_address(request) == get_client_ip_address(request)


def test_downloads_are_logged_with_the_file_and_the_ward(client, seed, reviewer):
    client.force_login(reviewer)
    client.get(reverse("goals:sheet_xlsx", args=["幸区", 2025]))
    client.get(reverse("staff:roster_export", args=["幸区", "csv"]))
    client.get(reverse("goals:sheet", args=["幸区", 2025]))  # a page, not a download
    downloads = AccessEvent.objects.filter(kind=Kind.DOWNLOAD).order_by("pk")
    assert [e.ward.name for e in downloads] == ["幸区", "幸区"]
    assert "令和7年度向上指針取組シート_幸区.xlsx" in downloads[0].what
    assert "職員名簿_幸区_" in downloads[1].what
    assert downloads[0].username == reviewer.username


def test_roster_and_staff_changes_are_logged_with_their_outcome(client, seed, reviewer, editor):
    client.force_login(reviewer)
    _, url = _preview(
        client, _csv("saiwai-reviewer,,,総務課,取りまとめ,,", "kumin-editor,,,区民課,入力担当,,")
    )
    client.post(url + "commit/")
    membership = Membership.objects.get(user=editor)
    client.post(reverse("staff:membership_end", args=["幸区", membership.pk]), {"valid_until": "2001-01-01"})
    staff = AccessEvent.objects.filter(kind=Kind.STAFF).order_by("pk")
    assert [(e.what.split()[0], e.outcome) for e in staff] == [
        ("職員名簿の読み込み", Outcome.SUCCESS),
        ("所属の終了", Outcome.REFUSED),
    ]


def test_admin_changes_are_logged(client, seed, superuser):
    client.force_login(superuser)
    from departments.models import Ward

    ward = Ward.objects.get(name="幸区")
    client.post(
        reverse("admin:departments_ward_change", args=[ward.pk]),
        {"name": "幸区", "office_name": "幸区役所（変更）", "code": ""},
    )
    assert _events(kind=Kind.ADMIN) == [(Kind.ADMIN, superuser.username, Outcome.SUCCESS)]


@pytest.fixture
def logged(seed, reviewer, other_ward_reviewer, editor, other_ward):
    now = timezone.now()
    AccessEvent.objects.create(user=editor, username=editor.username, kind=Kind.LOGIN, at=now)
    AccessEvent.objects.create(
        user=other_ward_reviewer, username=other_ward_reviewer.username, kind=Kind.LOGIN, at=now
    )
    AccessEvent.objects.create(
        user=other_ward_reviewer,
        username=other_ward_reviewer.username,
        kind=Kind.DOWNLOAD,
        ward=other_ward,
        at=now,
    )
    AccessEvent.objects.create(
        username="=cmd()",
        kind=Kind.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        at=now - datetime.timedelta(days=40),
    )


def test_a_wards_reviewer_sees_their_wards_people_only(client, logged, reviewer, editor):
    client.force_login(reviewer)
    page = client.get(reverse("audit:access_log"))
    names = {e.username for e in page.context["events"]}
    # The editor's line and the reviewer's own sign-in; nothing of 中原区 or of nobody.
    assert names == {editor.username, reviewer.username}


def test_a_superuser_sees_everything_and_filters(client, logged, superuser):
    client.force_login(superuser)
    everything = client.get(reverse("audit:access_log")).context["events"]
    assert len(everything) == 5  # the four and the superuser's own sign-in
    by_kind = client.get(reverse("audit:access_log"), {"kind": "download"}).context["events"]
    assert [e.kind for e in by_kind] == [Kind.DOWNLOAD]
    by_ward = client.get(reverse("audit:access_log"), {"ward": "中原区"}).context["events"]
    assert [e.ward.name for e in by_ward] == ["中原区"]
    today = timezone.localdate().isoformat()
    recent = client.get(reverse("audit:access_log"), {"since": today, "user": "nakahara"}).context["events"]
    assert len(recent) == 2
    month_ago = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    older = client.get(reverse("audit:access_log"), {"until": month_ago}).context["events"]
    assert [e.username for e in older] == ["=cmd()"]
    bad = client.get(reverse("audit:access_log"), {"since": "きのう"})
    assert "2026-04-01 の形" in bad.content.decode()


def test_the_csv_export_is_what_the_filter_shows_and_is_logged(client, logged, superuser):
    client.force_login(superuser)
    response = client.get(reverse("audit:access_log"), {"kind": "login_failed", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["日時", "ユーザー名", "接続元アドレス", "種類", "内容", "結果", "区"]
    assert [r[1] for r in rows[1:]] == ["'=cmd()"]  # a formula stays text in Excel
    assert AccessEvent.objects.filter(kind=Kind.DOWNLOAD, user=superuser).exists()


def test_an_editor_is_refused_and_an_outsider_sees_nothing(client, logged, editor, outsider):
    client.force_login(editor)
    assert client.get(reverse("audit:access_log")).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("audit:access_log")).status_code == 404


def test_the_clean_up_removes_what_is_past_the_retention(logged, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    out = StringIO()
    call_command("purge_access_log", "--dry-run", stdout=out)
    assert "1件（削除の対象）" in out.getvalue()
    assert AccessEvent.objects.count() == 4
    call_command("purge_access_log", stdout=out)
    assert AccessEvent.objects.count() == 3
    assert not AccessEvent.objects.filter(username="=cmd()").exists()
