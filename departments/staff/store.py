"""Where an uploaded roster waits between its preview and the commit: a file under a random token,
its record (ward, 適用日, SHA-256, the previewed plan's fingerprint) in the uploader's session."""

import hashlib
import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "roster_uploads"


class RosterGone(Exception):
    """The upload expired or was altered; the message says so in Japanese."""


def _path(token: str) -> Path:
    directory = Path(settings.IMPORT_UPLOAD_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory / f"roster-{token}.bin"


def save(request, data: bytes, *, ward: str, effective: str, filename: str) -> str:
    token = secrets.token_urlsafe(24)
    _path(token).write_bytes(data)
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
    try:
        data = _path(token).read_bytes()
    except OSError:
        discard(request, token)
        raise RosterGone("読み込み中のファイルが見つかりません。もう一度ファイルを選んでください。") from None
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
    _path(token).unlink(missing_ok=True)
    uploads = request.session.get(SESSION_KEY, {})
    if token in uploads:
        del uploads[token]
        request.session[SESSION_KEY] = uploads
