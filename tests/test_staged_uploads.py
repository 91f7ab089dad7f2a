"""Files waiting between preview and confirmation live in the database (any app server answers), and
expired ones are removed on the next upload and by the daily `purge_uploads`."""

import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from goals.models import StagedUpload
from tests.bad_workbooks import small_workbook
from tests.import_helpers import upload


def _staged(user, token, kind, age_seconds, lifetime=3600):
    created = timezone.now() - datetime.timedelta(seconds=age_seconds)
    return StagedUpload.objects.create(
        token=token,
        kind=kind,
        user=user,
        filename="x.xlsx",
        data=b"x",
        sha256="0" * 64,
        created_at=created,
        expires_at=created + datetime.timedelta(seconds=lifetime),
    )


def test_an_upload_is_kept_in_the_database_with_its_owner(client, seed, reviewer):
    client.force_login(reviewer)
    response = upload(client, small_workbook([["総務課", "1", "共通", "新しい本文", "", ""]]))
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    staged = StagedUpload.objects.get(token=token)
    assert (staged.kind, staged.user, staged.details["ward"], staged.details["fiscal_year"]) == (
        "sheet",
        reviewer,
        "幸区",
        2025,
    )
    assert bytes(staged.data).startswith(b"PK") and staged.expires_at > timezone.now()


def test_purge_removes_expired_uploads_of_both_kinds_only(seed, reviewer):
    _staged(reviewer, "old-sheet", StagedUpload.Kind.SHEET, 7200)
    _staged(reviewer, "old-roster", StagedUpload.Kind.ROSTER, 7200)
    _staged(reviewer, "fresh", StagedUpload.Kind.SHEET, 10)
    out = StringIO()
    call_command("purge_uploads", stdout=out)
    assert "2 件削除しました" in out.getvalue()
    assert list(StagedUpload.objects.values_list("token", flat=True)) == ["fresh"]


def test_a_new_upload_purges_expired_ones(client, seed, reviewer):
    _staged(reviewer, "old-sheet", StagedUpload.Kind.SHEET, 7200)
    client.force_login(reviewer)
    upload(client, small_workbook([["総務課", "1", "共通", "新しい本文", "", ""]]))
    assert not StagedUpload.objects.filter(token="old-sheet").exists()
    assert StagedUpload.objects.count() == 1
