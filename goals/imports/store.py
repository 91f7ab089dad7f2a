"""Where an uploaded workbook waits between its preview and the confirmation.

The preview writes nothing to the database, so the file itself must be kept:
it is stored under a random token (settings.IMPORT_UPLOAD_DIR) with a small
JSON record of who uploaded it for which ward and year and its SHA-256. The
token is also kept in the uploader's session; the confirmation reads the same
bytes back, checks the hash and commits exactly what was previewed.

What was read from the file (the ParsedSheet, per worksheet and choice of
hidden rows) is kept beside it, so upload, preview and confirmation read the
workbook once, not three times.
"""

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

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


def _directory() -> Path:
    directory = Path(settings.IMPORT_UPLOAD_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _paths(token: str) -> tuple[Path, Path]:
    directory = _directory()
    return directory / f"{token}.xlsx", directory / f"{token}.json"


def _parsed_path(token: str) -> Path:
    return _directory() / f"{token}.parsed"


def parsed_key(worksheet, include_hidden, categories) -> str:
    """What a reading depends on besides the file: the worksheet, hidden rows, the known 区分."""
    text = json.dumps([worksheet or "", bool(include_hidden), sorted(categories)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_parsed(token: str, key: str) -> dict | None:
    try:
        return json.loads(_parsed_path(token).read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None


def save_parsed(token: str, key: str, parsed: dict) -> None:
    path = _parsed_path(token)
    try:
        readings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        readings = {}
    readings = dict(list(readings.items())[-3:]) if isinstance(readings, dict) else {}
    readings[key] = parsed
    path.write_text(json.dumps(readings, ensure_ascii=False), encoding="utf-8")


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
    data_path, meta_path = _paths(upload.token)
    data_path.write_bytes(data)
    meta_path.write_text(json.dumps(asdict(upload), ensure_ascii=False), encoding="utf-8")
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], upload.token]
    return upload


def load(request, token: str) -> tuple[StoredUpload, bytes]:
    """The upload and its bytes, if this session made it and it is still fresh."""
    if token not in request.session.get(SESSION_KEY, []):
        raise LookupError(token)
    data_path, meta_path = _paths(token)
    try:
        upload = StoredUpload(**json.loads(meta_path.read_text(encoding="utf-8")))
        data = data_path.read_bytes()
    except (OSError, ValueError, TypeError):
        raise UploadGone(
            "読み込み中のファイルが見つかりません（有効期限切れの可能性があります）。もう一度ファイルを選んでください。"
        ) from None
    if upload.user_id != request.user.pk:
        raise LookupError(token)
    if upload.expired:
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
    for path in (*_paths(token), _parsed_path(token)):
        path.unlink(missing_ok=True)
    tokens = request.session.get(SESSION_KEY, [])
    if token in tokens:
        request.session[SESSION_KEY] = [t for t in tokens if t != token]


def purge_expired() -> None:
    """Remove uploads nobody confirmed in time (run on every new upload)."""
    limit = time.time() - settings.IMPORT_PREVIEW_SECONDS
    for meta_path in _directory().glob("*.json"):
        try:
            expired = meta_path.stat().st_mtime < limit
        except OSError:
            continue
        if expired:
            meta_path.unlink(missing_ok=True)
            meta_path.with_suffix(".xlsx").unlink(missing_ok=True)
            meta_path.with_suffix(".parsed").unlink(missing_ok=True)
