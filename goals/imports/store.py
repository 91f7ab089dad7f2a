"""Where an uploaded workbook waits between its preview and the confirmation.

The preview writes nothing to the sheet, so the file itself must be kept: it
is stored in the database (goals.models.StagedUpload, so any app server may
answer the confirmation) under a random token, with who uploaded it for which
ward and year and its SHA-256. The token is also kept in the uploader's
session; the confirmation reads the same bytes back, checks the hash and
commits exactly what was previewed.

What was read from the file (the ParsedSheet, per worksheet and choice of
hidden rows) is kept beside it, so upload, preview and confirmation read the
workbook once, not three times.
"""

import datetime
import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from goals.models import StagedUpload

SESSION_KEY = "import_tokens"


class UploadGone(Exception):
    """The token is unknown, expired or its file was altered; the message says so in Japanese."""


@dataclass
class StoredUpload:
    token: str
    user_id: int
    ward: str
    fiscal_year: int
    filename: str
    sha256: str
    created: float
    worksheet: str | None = None
    include_hidden: bool = False

    @property
    def expired(self) -> bool:
        return time.time() - self.created > settings.IMPORT_PREVIEW_SECONDS


def parsed_key(worksheet, include_hidden, categories) -> str:
    """What a reading depends on besides the file: the worksheet, hidden rows, the known 区分."""
    text = json.dumps([worksheet or "", bool(include_hidden), sorted(categories)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


GONE = "読み込み中のファイルが見つかりません（有効期限切れの可能性があります）。もう一度ファイルを選んでください。"
KIND = StagedUpload.Kind.SHEET


def _staged(token: str):
    return StagedUpload.objects.filter(token=token, kind=KIND)


def load_parsed(token: str, key: str) -> dict | None:
    readings = _staged(token).values_list("readings", flat=True).first()
    return readings.get(key) if isinstance(readings, dict) else None


def save_parsed(token: str, key: str, parsed: dict) -> None:
    with transaction.atomic():
        staged = _staged(token).select_for_update().only("pk", "readings").first()
        if staged is None:
            return
        readings = staged.readings if isinstance(staged.readings, dict) else {}
        readings = dict(list(readings.items())[-3:])
        readings[key] = parsed
        _staged(token).update(readings=readings)


def save(
    request, data: bytes, *, ward: str, fiscal_year: int, filename: str, worksheet=None, include_hidden=False
) -> StoredUpload:
    purge_expired()
    upload = StoredUpload(
        token=secrets.token_urlsafe(24),
        user_id=request.user.pk,
        ward=ward,
        fiscal_year=fiscal_year,
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        created=time.time(),
        worksheet=worksheet,
        include_hidden=include_hidden,
    )
    created = datetime.datetime.fromtimestamp(upload.created, tz=datetime.UTC)
    StagedUpload.objects.create(
        token=upload.token,
        kind=KIND,
        user_id=upload.user_id,
        filename=upload.filename,
        data=data,
        sha256=upload.sha256,
        details={
            "ward": ward,
            "fiscal_year": fiscal_year,
            "worksheet": worksheet,
            "include_hidden": include_hidden,
        },
        created_at=created,
        expires_at=created + datetime.timedelta(seconds=settings.IMPORT_PREVIEW_SECONDS),
    )
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], upload.token]
    return upload


def load(request, token: str) -> tuple[StoredUpload, bytes]:
    """The upload and its bytes, if this session made it and it is still fresh."""
    if token not in request.session.get(SESSION_KEY, []):
        raise LookupError(token)
    staged = _staged(token).defer("readings").first()
    if staged is None:
        raise UploadGone(GONE)
    details = staged.details if isinstance(staged.details, dict) else {}
    try:
        upload = StoredUpload(
            token=staged.token,
            user_id=staged.user_id,
            ward=details["ward"],
            fiscal_year=int(details["fiscal_year"]),
            filename=staged.filename,
            sha256=staged.sha256,
            created=staged.created_at.timestamp(),
            worksheet=details.get("worksheet"),
            include_hidden=bool(details.get("include_hidden")),
        )
    except (KeyError, TypeError, ValueError):
        discard(request, token)
        raise UploadGone(GONE) from None
    data = bytes(staged.data)
    if upload.user_id != request.user.pk:
        raise LookupError(token)
    if upload.expired or staged.expires_at < timezone.now():
        discard(request, token)
        minutes = settings.IMPORT_PREVIEW_SECONDS // 60
        raise UploadGone(
            f"確認画面の有効期限（{minutes}分）が切れました。何も書き込んでいません。もう一度ファイルを選んでください。"
        )
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        discard(request, token)
        raise UploadGone(
            "読み込み中のファイルが変わっていました。何も書き込んでいません。もう一度ファイルを選んでください。"
        )
    return upload, data


def discard(request, token: str) -> None:
    _staged(token).filter(user_id=request.user.pk).delete()
    tokens = request.session.get(SESSION_KEY, [])
    if token in tokens:
        request.session[SESSION_KEY] = [t for t in tokens if t != token]


def purge_expired() -> int:
    """Remove uploads nobody confirmed in time, a sheet's or a roster's (on every new upload, and
    daily: manage.py purge_uploads). Returns how many were removed."""
    now = timezone.now()
    limit = now - datetime.timedelta(seconds=settings.IMPORT_PREVIEW_SECONDS)
    deleted, _ = StagedUpload.objects.filter(Q(expires_at__lt=now) | Q(created_at__lt=limit)).delete()
    return deleted
