"""Where an uploaded roster waits between its preview and the commit: its bytes in the database
(goals.models.StagedUpload, so any app server may answer the commit) under a random token, its record
(ward, 適用日, SHA-256, the previewed plan's fingerprint) in the uploader's session (also in the database)."""

import datetime
import hashlib
import secrets
import time

from django.conf import settings
from django.utils import timezone

from goals.imports.store import purge_expired
from goals.models import StagedUpload

SESSION_KEY = "roster_uploads"


class RosterGone(Exception):
    """The upload expired or was altered; the message says so in Japanese."""


def _staged(request, token: str):
    return StagedUpload.objects.filter(token=token, kind=StagedUpload.Kind.ROSTER, user_id=request.user.pk)


def save(request, data: bytes, *, ward: str, effective: str, filename: str) -> str:
    purge_expired()
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    StagedUpload.objects.create(
        token=token,
        kind=StagedUpload.Kind.ROSTER,
        user_id=request.user.pk,
        filename=filename[:200],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        details={"ward": ward, "effective": effective},
        created_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.IMPORT_PREVIEW_SECONDS),
    )
    uploads = dict(list(request.session.get(SESSION_KEY, {}).items())[-4:])
    uploads[token] = {
        "ward": ward,
        "effective": effective,
        "filename": filename[:200],
        "sha256": hashlib.sha256(data).hexdigest(),
        "created": time.time(),
        "fingerprint": None,
    }
    request.session[SESSION_KEY] = uploads
    return token


def load(request, token: str) -> tuple[dict, bytes]:
    """The record and bytes of this session's upload; LookupError if it is not this session's."""
    record = request.session.get(SESSION_KEY, {}).get(token)
    if record is None:
        raise LookupError(token)
    data = _staged(request, token).values_list("data", flat=True).first()
    if data is None:
        discard(request, token)
        raise RosterGone("読み込み中のファイルが見つかりません。もう一度ファイルを選んでください。")
    data = bytes(data)
    if time.time() - record["created"] > settings.IMPORT_PREVIEW_SECONDS or (
        hashlib.sha256(data).hexdigest() != record["sha256"]
    ):
        discard(request, token)
        raise RosterGone(
            "確認画面の有効期限が切れました。何も書き込んでいません。もう一度ファイルを選んでください。"
        )
    return record, data


def remember_fingerprint(request, token: str, fingerprint: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    if token in uploads:
        uploads[token]["fingerprint"] = fingerprint
        request.session[SESSION_KEY] = uploads


def discard(request, token: str) -> None:
    _staged(request, token).delete()
    uploads = request.session.get(SESSION_KEY, {})
    if token in uploads:
        del uploads[token]
        request.session[SESSION_KEY] = uploads
