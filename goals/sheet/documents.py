"""Finished sheet documents, drawn once: a key from everything drawn into them, and a shared store.

A PDF or workbook of an unchanged sheet is the same bytes every time, and a
big one takes seconds to draw. So every document is named by a key that
hashes what goes into it (`sheet_key`): the sheet's phase, ward name and
office, its policies, the shown departments with their names and report
status, every goal's number, 区分, text, 達成度 and result, the levels' scale,
the date the sheet was locked and the output date printed on it, the
selection, the format and variant, and the code that draws it (templates,
stylesheets, goals/sheet, the renderers' versions). Any change makes a new
key, so an entry is never stale and nothing has to be invalidated by hand;
the key doubles as the download's ETag.

The key is read from the same rows the layout is built from, but as plain
values: it costs a few milliseconds where building the layout of a 1,260-goal
sheet costs about fifty and drawing it seconds.

The store is a table (SheetDocument) rather than a per-process or per-machine
cache: every app server shares the database, the entries survive restarts and
deploys that do not change the drawing code, and the budget is counted in
bytes (settings.SHEET_DOCUMENT_CACHE_BYTES), which Django's database and file
caches cannot do (they count entries, and a 10 kB department part and a 20 MB
city PDF are not alike). When a new entry takes the total over the budget, the
least recently used entries go. `caches["documents"]` (DocumentCache) reads and
writes the same table and budget through Django's cache API, for parts of
documents.

A document is drawn by one request at a time, on whichever server: the first
to miss claims the key (a row of its own in the same table, which expires if
that request dies), and the others, several reviewers opening the same new
PDF before a meeting, wait for its document instead of drawing it again each
on the same two cores.
"""

import functools
import hashlib
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from goals.models import AchievementLevel, Goal, Sheet, SheetDocument
from goals.sheet.layout import closed_on, shown_departments

# What a deploy may change in the drawing besides the data: a new template, stylesheet or renderer.
CODE_FOLDERS = (("goals/sheet", "*.py"), ("templates/goals", "*sheet*.html"), ("static/css", "*.css"))
CODE_FILES = ("templates/base.html",)
RENDERERS = ("django", "weasyprint", "pydyf", "fonttools", "openpyxl")
# A hit marks its entry used at most this often: a download is a read, not a write, on most requests.
TOUCH_EVERY = timedelta(minutes=1)
DELETE_BATCH = 500
# A request that finds another drawing its document looks for it this often, at most as long as a
# drawing may take (settings.PDF_TIMEOUT_SECONDS), then draws it itself.
WAIT_POLL_SECONDS = 0.2
CLAIM_PREFIX = "drawing:"
KEY_MAX = SheetDocument._meta.get_field("key").max_length


@dataclass(frozen=True)
class Document:
    content: bytes
    filename: str
    created_at: datetime


@functools.cache
def code_version() -> str:
    """A digest of the code that draws the documents (read once per process)."""
    root = Path(settings.BASE_DIR)
    paths = [root / name for name in CODE_FILES]
    for folder, pattern in CODE_FOLDERS:
        paths.extend((root / folder).glob(pattern))
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for package in RENDERERS:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=-".encode())
    return digest.hexdigest()


def sheet_key(
    sheet: Sheet, kind: str, *, department=None, departments=None, confirmed_only: bool = False
) -> str:
    """The key of one output of a sheet (`kind`: "xlsx" or a PDF variant), with build_layout's selection.

    Five queries whatever the sheet's size (six once it is 確定).
    """
    chosen = [department] if department else list(departments or ())
    shown = list(
        shown_departments(sheet, chosen, confirmed_only).values_list("pk", "name", "order", "report_status")
    )
    goals = (
        Goal.objects.filter(sheet=sheet, department__in=[row[0] for row in shown])
        .order_by("department_id", "order", "pk")
        .values_list(
            "department_id",
            "pk",
            "number",
            "category__name",
            "text",
            "achievement__number",
            "achievement__label",
            "result",
        )
    )
    inputs = (
        code_version(),
        kind,
        sorted(d.pk for d in chosen),
        confirmed_only,
        timezone.localdate().isoformat(),
        (sheet.pk, sheet.fiscal_year, sheet.phase, sheet.ward.name, sheet.ward.office_name),
        closed_on(sheet) if sheet.phase == Sheet.Phase.CLOSED else None,
        list(sheet.policies.order_by("number").values_list("number", "text")),
        list(AchievementLevel.objects.values_list("number", "label")),
        shown,
        list(goals),
    )
    digest = hashlib.blake2b(repr(inputs).encode(), digest_size=20).hexdigest()
    return f"sheet:{sheet.pk}:{digest}"


def etag(key: str) -> str:
    """The strong ETag of the document stored under `key` (the key already hashes its content)."""
    return '"' + hashlib.blake2b(key.encode(), digest_size=20).hexdigest() + '"'


def cached_document(key: str, render: Callable[[], tuple[bytes, str]]) -> Document:
    """The document under `key`; `render()` -> (content, filename) draws it the first time only, and
    once while several ask for it at the same time."""
    found = _get(key)
    if found is None and not _claim(key):
        found = _wait_for(key)
    if found is not None:
        return Document(found.content, found.filename, found.created_at)
    try:
        content, filename = render()
        return _put(key, content, filename)
    finally:
        SheetDocument.objects.filter(key=_claim_key(key)).delete()


def _claim_key(key: str) -> str:
    return CLAIM_PREFIX + key


def _claim(key: str) -> bool:
    """True when this request is to draw `key`: no other holds a claim that has not expired."""
    claim = _claim_key(key)
    for _ in range(2):
        now = timezone.now()
        expires_at = now + timedelta(seconds=settings.PDF_TIMEOUT_SECONDS)
        try:
            with transaction.atomic():
                SheetDocument.objects.create(key=claim, content=b"", size=0, expires_at=expires_at)
            return True
        except IntegrityError:
            # Another request holds it, unless that request died and its claim expired: take it over.
            deleted, _ = SheetDocument.objects.filter(key=claim, expires_at__lte=now).delete()
            if not deleted:
                return False
    return False


def _wait_for(key: str) -> "_Entry | None":
    """The document another request is drawing; None if it gave up or took too long (draw it then)."""
    deadline = time.monotonic() + settings.PDF_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_POLL_SECONDS)
        found = _get(key)
        if found is not None:
            return found
        claimed = SheetDocument.objects.filter(key=_claim_key(key), expires_at__gt=timezone.now())
        if not claimed.exists():
            return _get(key)  # kept just now, or the drawing failed: then this request draws it
    return None


@dataclass(frozen=True)
class _Entry:
    content: bytes
    filename: str
    created_at: datetime


def _get(key: str) -> _Entry | None:
    row = (
        SheetDocument.objects.filter(key=key)
        .values_list("pk", "content", "filename", "created_at", "used_at", "expires_at")
        .first()
    )
    if row is None:
        return None
    pk, content, filename, created_at, used_at, expires_at = row
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        SheetDocument.objects.filter(pk=pk).delete()
        return None
    if now - used_at >= TOUCH_EVERY:
        SheetDocument.objects.filter(pk=pk).update(used_at=now)
    return _Entry(bytes(content), filename, created_at)


def _put(
    key: str, content: bytes, filename: str = "", expires_at: datetime | None = None, replace: bool = False
) -> Document:
    """Keep `content` under `key` (`replace`: what the key held), then bring the table under its budget."""
    now = timezone.now()
    document = Document(content, filename, now)
    if len(content) > settings.SHEET_DOCUMENT_CACHE_BYTES:
        return document  # not kept: it would push out everything else and still not fit
    fields = {"content": content, "filename": filename, "size": len(content), "expires_at": expires_at}
    fields.update(created_at=now, used_at=now)
    if not (replace and SheetDocument.objects.filter(key=key).update(**fields)):
        try:
            with transaction.atomic():
                SheetDocument.objects.create(key=key, **fields)
        except IntegrityError:
            pass  # another server kept the same key a moment ago: the same bytes
    evict()
    return document


def evict() -> None:
    """Delete expired entries, then the least recently used until the total fits the budget."""
    SheetDocument.objects.filter(expires_at__lte=timezone.now()).delete()
    total = SheetDocument.objects.aggregate(total=Sum("size"))["total"] or 0
    excess = total - settings.SHEET_DOCUMENT_CACHE_BYTES
    if excess <= 0:
        return
    doomed = []
    for pk, size in SheetDocument.objects.order_by("used_at", "pk").values_list("pk", "size").iterator():
        doomed.append(pk)
        excess -= size
        if excess <= 0:
            break
    for start in range(0, len(doomed), DELETE_BATCH):
        SheetDocument.objects.filter(pk__in=doomed[start : start + DELETE_BATCH]).delete()


def stored_bytes() -> int:
    return SheetDocument.objects.aggregate(total=Sum("size"))["total"] or 0


class DocumentCache(BaseCache):
    """Django's cache API over the documents' table: the same shared store and byte budget.

    Values are pickled (only the app writes this table). A timeout of None,
    the default here, keeps an entry until the budget pushes it out.
    """

    def __init__(self, location, params):
        params = {"TIMEOUT": None, "KEY_PREFIX": "cache", **params}
        super().__init__(params)

    def _key(self, key, version):
        # Any length and character will do (no memcached here): a key too long for the column is hashed.
        key = self.make_key(key, version=version)
        if len(key) > KEY_MAX:
            key = "cache:hashed:" + hashlib.blake2b(key.encode(), digest_size=32).hexdigest()
        return key

    def _expires_at(self, timeout):
        when = self.get_backend_timeout(timeout)
        return None if when is None else datetime.fromtimestamp(when, tz=timezone.get_current_timezone())

    def get(self, key, default=None, version=None):
        found = _get(self._key(key, version))
        return default if found is None else pickle.loads(found.content)  # noqa: S301

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self._key(key, version)
        if timeout is not DEFAULT_TIMEOUT and timeout is not None and timeout <= 0:
            SheetDocument.objects.filter(key=key).delete()
            return
        value = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        _put(key, value, expires_at=self._expires_at(timeout), replace=True)

    def get_many(self, keys, version=None):
        # One query for all the parts of a document, however many it has.
        wanted = {self._key(key, version): key for key in keys}
        now = timezone.now()
        rows = (
            SheetDocument.objects.filter(key__in=wanted)
            .exclude(expires_at__lte=now)
            .values_list("pk", "key", "content", "used_at")
        )
        found, touched = {}, []
        for pk, key, content, used_at in rows:
            found[wanted[key]] = pickle.loads(content)  # noqa: S301
            if now - used_at >= TOUCH_EVERY:
                touched.append(pk)
        if touched:
            SheetDocument.objects.filter(pk__in=touched).update(used_at=now)
        return found

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # One delete and one insert for all the parts, then one pass over the budget.
        keys = [self._key(key, version) for key in data]
        if timeout is not DEFAULT_TIMEOUT and timeout is not None and timeout <= 0:
            SheetDocument.objects.filter(key__in=keys).delete()
            return []
        now, expires_at = timezone.now(), self._expires_at(timeout)
        rows = []
        for key, value in zip(keys, data.values(), strict=True):
            content = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            if len(content) <= settings.SHEET_DOCUMENT_CACHE_BYTES:
                rows.append(
                    SheetDocument(
                        key=key,
                        content=content,
                        size=len(content),
                        created_at=now,
                        used_at=now,
                        expires_at=expires_at,
                    )
                )
        if rows:
            with transaction.atomic():
                SheetDocument.objects.filter(key__in=[row.key for row in rows]).delete()
                SheetDocument.objects.bulk_create(rows, ignore_conflicts=True)
            evict()
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version=version):
            return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        updated = SheetDocument.objects.filter(key=self._key(key, version)).update(
            expires_at=self._expires_at(timeout)
        )
        return updated > 0

    def delete(self, key, version=None):
        deleted, _ = SheetDocument.objects.filter(key=self._key(key, version)).delete()
        return deleted > 0

    def has_key(self, key, version=None):
        now = timezone.now()
        entries = SheetDocument.objects.filter(key=self._key(key, version))
        return entries.exclude(expires_at__lte=now).exists()

    def clear(self):
        SheetDocument.objects.all().delete()
