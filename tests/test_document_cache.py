"""Sheet downloads are drawn once per content: ETags, 304 without drawing, a shared bounded store.

The key of a download hashes everything drawn into it (goals/sheet/documents.py), so every kind of
change a person can make must give the download a new ETag and a fresh document, and nothing else
may: that is what these tests hold the key to.
"""

import datetime
import io

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date
from openpyxl import load_workbook

from departments.models import Department, Ward
from goals import workflow
from goals.models import (
    AchievementLevel,
    Category,
    DepartmentReport,
    Goal,
    ServicePolicy,
    Sheet,
    SheetDocument,
)
from goals.seed.synthetic import build_synthetic_sheet
from goals.sheet import documents
from tests.conftest import fill_results
from tests.publication_helpers import published

DOCUMENTS_TABLE = SheetDocument._meta.db_table


def _xlsx_url(ward="幸区", year=2025):
    return reverse("goals:sheet_xlsx", args=[ward, year])


def _cells(content: bytes) -> str:
    """Every cell's text of the official worksheet, joined (to find what a document shows)."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)


@pytest.fixture
def kumin(seed):
    return Department.objects.get(ward=seed.ward, name="区民課")


@pytest.fixture
def reader(client, reviewer):
    client.force_login(reviewer)
    return client


def test_downloads_carry_a_strong_etag_and_last_modified(reader, seed, kumin):
    before = timezone.now().replace(microsecond=0) - datetime.timedelta(seconds=1)
    for url in (
        _xlsx_url(),
        reverse("goals:department_sheet_xlsx", args=["幸区", 2025, kumin.pk]),
        reverse("goals:department_sheet_pdf", args=["幸区", 2025, kumin.pk]),
    ):
        response = reader.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('"') and response["ETag"].endswith('"')  # strong: no W/
        assert parse_http_date(response["Last-Modified"]) >= before.timestamp()
        # What one person may read: no browser or proxy keeps it (test_operations), ETag or not.
        assert response["Cache-Control"] == "no-store, private"
        assert response["Content-Disposition"].startswith("attachment")


def test_a_conditional_get_is_answered_304_without_drawing(reader, seed, kumin):
    url = reverse("goals:department_sheet_pdf", args=["幸区", 2025, kumin.pk])
    first = reader.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    # Nothing kept any more: anything drawn now would be stored again.
    SheetDocument.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert not SheetDocument.objects.exists()
    assert not [q for q in queries.captured_queries if DOCUMENTS_TABLE in q["sql"]]


def test_an_unchanged_sheet_is_sent_from_the_store_not_drawn_again(reader, seed):
    first = reader.get(_xlsx_url())
    assert SheetDocument.objects.count() == 1
    # What the store holds is what goes out: mark it, and the next download is the mark.
    SheetDocument.objects.update(content=b"kept bytes")
    again = reader.get(_xlsx_url())
    assert again.status_code == 200
    assert again.content == b"kept bytes"
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert again["Content-Disposition"] == first["Content-Disposition"]
    # A newer If-Modified-Since than the document's is a 304 too.
    assert reader.get(_xlsx_url(), headers={"if-modified-since": first["Last-Modified"]}).status_code == 304


# --- Every kind of change a person can make gives a new document ---


def _goal(seed, name="区民課"):
    return Goal.objects.filter(sheet=seed, department__name=name).order_by("order", "pk").first()


def _report(seed, name="区民課"):
    return DepartmentReport.objects.get(sheet=seed, department__name=name)


def change_goal_text(seed, people):
    goal = _goal(seed)
    text = "窓口の待ち時間を十五分以内にします。"
    workflow.save_plan(
        goal, by=people.editor, expected_version=goal.version, number=goal.number, category=goal.category,
        text=text,
    )  # fmt: skip
    return text


def change_goal_text_in_bulk(seed, people):
    # Written around Goal.save() (a bulk fix in the shell): neither version nor updated_at moves.
    Goal.objects.filter(pk=_goal(seed).pk).update(text="一括で直した目標の文です。")
    return "一括で直した目標の文です。"


def change_result(seed, people):
    Goal.objects.filter(pk=_goal(seed).pk).update(result="満足度は九割でした。")
    return "満足度は九割でした。"


def enter_result(seed, people):
    """入力中: the sheet still says 未提出, but the key moves with the data it is read from."""
    goal = _goal(seed)
    level = AchievementLevel.objects.get(number=2)
    workflow.save_result(
        goal, by=people.editor, expected_version=goal.version, result="入力中の結果", achievement=level
    )
    return None


def submit_report(seed, people):
    workflow.submit(_report(seed), by=people.editor)
    return "窓口アンケートで満足度90％を達成しました。"  # the results now print instead of 未提出


def confirm_report(seed, people):
    workflow.confirm(_report(seed), by=people.reviewer)
    return None


def close_sheet(seed, people):
    workflow.advance(seed, by=people.reviewer, override_reason="年度末のため確定します")
    return None  # the workbook prints the statement in its page header, not in a cell


def change_policy(seed, people):
    ServicePolicy.objects.filter(sheet=seed, number=1).update(text="区民の声を聴く区役所を目指します。")
    return "区民の声を聴く区役所を目指します。"


def rename_department(seed, people):
    Department.objects.filter(ward=seed.ward, name="区民課").update(name="区民サービス課")
    return "区民サービス課"


def rename_ward_office(seed, people):
    Ward.objects.filter(pk=seed.ward_id).update(office_name="幸区役所（本庁舎）")
    return "幸区役所（本庁舎）"


def rename_category(seed, people):
    Category.objects.filter(pk=_goal(seed).category_id).update(name="改名した区分")
    return "改名した区分"


def rename_level(seed, people):
    AchievementLevel.objects.filter(number=1).update(label="目標を大幅に上回った")
    return "目標を大幅に上回った"


def next_day(seed, people):
    """The output date printed on the sheet (in the workbook's page header)."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    people.monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    return None


def _planning(seed):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    seed.phase = Sheet.Phase.PLANNING


def _with_category(seed):
    Goal.objects.filter(pk=_goal(seed).pk).update(category=Category.objects.order_by("pk").first())


def _results_filled(seed):
    fill_results(_report(seed))


def _submitted(seed):
    _results_filled(seed)
    DepartmentReport.objects.filter(pk=_report(seed).pk).update(status=DepartmentReport.Status.SUBMITTED)


# (what is set up first, the change); set-ups are themselves changes, so they come before the first download.
CHANGES = [
    (_planning, change_goal_text),
    (None, change_goal_text_in_bulk),
    (_submitted, change_result),
    (None, enter_result),
    (_results_filled, submit_report),
    (_submitted, confirm_report),
    (None, close_sheet),
    (None, change_policy),
    (None, rename_department),
    (None, rename_ward_office),
    (_with_category, rename_category),
    (_submitted, rename_level),
    (None, next_day),
]


class People:
    def __init__(self, editor, reviewer, monkeypatch):
        self.editor, self.reviewer, self.monkeypatch = editor, reviewer, monkeypatch


@pytest.mark.parametrize(("prepare", "change"), CHANGES, ids=[change.__name__ for _, change in CHANGES])
def test_each_kind_of_change_gives_a_new_document(
    reader, seed, reviewer, editor, monkeypatch, prepare, change
):
    if prepare:
        prepare(seed)
    before = reader.get(_xlsx_url())
    assert reader.get(_xlsx_url(), headers={"if-none-match": before["ETag"]}).status_code == 304
    seed.refresh_from_db()
    shown = change(seed, People(editor, reviewer, monkeypatch))
    after = reader.get(_xlsx_url(), headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    if shown:
        assert shown not in _cells(before.content)
        assert shown in _cells(after.content)


def test_renaming_the_ward_gives_a_new_document(reader, seed):
    before = reader.get(_xlsx_url())
    Ward.objects.filter(pk=seed.ward_id).update(name="新幸区")
    after = reader.get(_xlsx_url("新幸区"), headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "新幸区" in after["Content-Disposition"] or "%E6%96%B0" in after["Content-Disposition"]


def test_format_variant_and_selection_each_have_their_own_key(seed, kumin):
    hogo = Department.objects.get(ward=seed.ward, name="保護課")
    keys = [
        documents.sheet_key(seed, "xlsx"),
        documents.sheet_key(seed, "pdf/ua-1"),
        documents.sheet_key(seed, "pdf/a-3a"),
        documents.sheet_key(seed, "xlsx", confirmed_only=True),
        documents.sheet_key(seed, "xlsx", department=kumin),
        documents.sheet_key(seed, "xlsx", departments=[kumin, hogo]),
        documents.sheet_key(seed, "xlsx", department=kumin, confirmed_only=True),
    ]
    assert len(set(keys)) == len(keys)
    # …and the same inputs always give the same key (whatever order the departments were picked in).
    assert documents.sheet_key(seed, "xlsx", departments=[hogo, kumin]) == keys[5]
    assert documents.sheet_key(seed, "pdf/ua-1") == keys[1]


def test_variant_and_selection_downloads_have_different_etags(reader, seed, kumin):
    url = reverse("goals:department_sheet_pdf", args=["幸区", 2025, kumin.pk])
    default = reader.get(url)
    archive = reader.get(url, {"variant": "pdfa"})
    assert default.status_code == archive.status_code == 200
    assert default["ETag"] != archive["ETag"]
    whole = reader.get(_xlsx_url())
    one = reader.get(_xlsx_url(), {"department": kumin.pk})
    confirmed = reader.get(_xlsx_url(), {"status": "confirmed"})
    assert len({whole["ETag"], one["ETag"], confirmed["ETag"]}) == 3


# --- Who may read: checked before any 304 or kept copy ---


@pytest.mark.parametrize("persona", ["outsider", "other_ward_reviewer"])
def test_a_matching_etag_tells_nothing_to_someone_who_may_not_read(client, reader, seed, persona, request):
    known = reader.get(_xlsx_url())
    client.logout()
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_xlsx_url(), headers={"if-none-match": known["ETag"]})
    assert response.status_code == 404
    assert known.content not in response.content


def test_signed_out_gets_the_sign_in_page_not_a_304(client, reader, seed):
    known = reader.get(_xlsx_url())
    client.logout()
    response = client.get(_xlsx_url(), headers={"if-none-match": known["ETag"]})
    assert response.status_code == 302 and "login" in response["Location"]


def test_public_downloads_are_cached_for_published_sheets_only(client, seed, reviewer):
    url = reverse("goals:public_sheet_xlsx", args=["幸区", 2025])
    # Kept for signed-in readers, but not published: the public URL does not exist.
    client.force_login(reviewer)
    kept = client.get(_xlsx_url())
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"if-none-match": kept["ETag"]}).status_code == 404
    published(seed, reviewer)
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, no-cache"
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    workflow.unpublish(seed, by=reviewer, reason="誤りがあったため")
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 404


# --- The store: bounded in bytes, least recently used out first ---


def _drawn(content: bytes, filename="doc.pdf"):
    return lambda: (content, filename)


def test_the_store_stays_under_its_byte_budget(db, settings):
    settings.SHEET_DOCUMENT_CACHE_BYTES = 1000
    for n in range(5):
        documents.cached_document(f"test:{n}", _drawn(bytes(300)))
    assert documents.stored_bytes() <= 1000
    kept = set(SheetDocument.objects.values_list("key", flat=True))
    assert kept == {"test:2", "test:3", "test:4"}  # the oldest went first
    # Too big for the whole budget: sent, never kept (it would push everything else out).
    big = documents.cached_document("test:big", _drawn(bytes(1001)))
    assert len(big.content) == 1001
    assert set(SheetDocument.objects.values_list("key", flat=True)) == kept


def test_a_document_in_use_outlives_newer_unused_ones(db, settings, monkeypatch):
    settings.SHEET_DOCUMENT_CACHE_BYTES = 1000
    for n in range(3):
        documents.cached_document(f"test:{n}", _drawn(bytes(300)))
    later = timezone.now() + 2 * documents.TOUCH_EVERY
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert documents.cached_document("test:0", _drawn(b"never drawn")).content == bytes(300)
    documents.cached_document("test:3", _drawn(bytes(300)))
    assert set(SheetDocument.objects.values_list("key", flat=True)) == {"test:0", "test:2", "test:3"}


def test_the_django_cache_alias_shares_the_store_and_its_budget(db, settings):
    settings.SHEET_DOCUMENT_CACHE_BYTES = 10_000
    parts = caches["documents"]
    assert parts.get("part", "missing") == "missing"
    parts.set("part", {"pages": 3, "pdf": b"%PDF-part"})
    assert parts.get("part") == {"pages": 3, "pdf": b"%PDF-part"}
    assert parts.add("part", "other") is False
    assert parts.has_key("part")
    assert parts.touch("part", 60)
    parts.set("big", bytes(20_000))  # over the whole budget: not kept
    assert parts.get("big") is None
    parts.set("gone", "x", timeout=0)
    assert parts.get("gone") is None
    assert parts.delete("part") is True
    assert parts.get("part") is None
    parts.set("expiring", "x", timeout=60)
    later = timezone.now() + datetime.timedelta(seconds=61)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        assert parts.get("expiring") is None
    parts.set("long" * 100, "a key longer than the column")
    assert parts.get("long" * 100) == "a key longer than the column"
    parts.clear()
    assert not SheetDocument.objects.exists()


# --- Cost of a kept download: the same queries whatever the sheet's size ---

# Session and user; the sheet; the key (departments with status, policies, levels, goals); the store;
# the access log's event (ward, savepoint, insert, release); the session's renewal (savepoint, update,
# release).
HIT_QUERIES = 15
NOT_MODIFIED_QUERIES = 10  # no store read; the access log records downloads (200) only


@pytest.mark.parametrize("scale", [1, 10])
def test_a_kept_download_costs_the_same_queries_at_any_size(
    client, seed, superuser, scale, django_assert_num_queries
):
    """The key reads goals, departments and policies as whole lists (no query per department or goal)."""
    sheet = build_synthetic_sheet(scale=scale)
    client.force_login(superuser)
    url = _xlsx_url(sheet.ward.name, sheet.fiscal_year)
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(HIT_QUERIES):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(NOT_MODIFIED_QUERIES):
        assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_the_key_is_cheaper_than_the_layout_by_queries(db, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        documents.sheet_key(seed, "xlsx")


# One drawing per document at a time: several requests missing the same new document (reviewers opening
# the same PDF before a meeting) wait for the one drawing it. On PostgreSQL with real threads, as several
# gunicorn threads or servers would be; SQLite's test database is in memory, shared between threads
# through table locks that answer "locked" at once, so there the other request is played in between.

concurrent = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's in-memory test database locks tables between threads"
)


def _in_thread(results, name, key, render):
    from django.db import connections

    try:
        results[name] = documents.cached_document(key, render).content
    except Exception as error:
        results[name] = error
    finally:
        connections.close_all()


def _wait_until(condition, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@concurrent
@pytest.mark.django_db(transaction=True)
def test_requests_missing_the_same_document_at_once_draw_it_once():
    import threading

    key, release, drawn, results = "sheet:single-flight:1", threading.Event(), [], {}

    def slow(name):
        def render():
            drawn.append(name)
            assert release.wait(10)
            return b"%PDF-" + name.encode(), f"{name}.pdf"

        return render

    first = threading.Thread(target=_in_thread, args=(results, "first", key, slow("first")))
    first.start()
    _wait_until(lambda: SheetDocument.objects.filter(key__startswith="drawing:").exists())
    second = threading.Thread(target=_in_thread, args=(results, "second", key, slow("second")))
    second.start()
    release.set()
    first.join(15)
    second.join(15)
    assert drawn == ["first"]
    assert results == {"first": b"%PDF-first", "second": b"%PDF-first"}
    assert list(SheetDocument.objects.values_list("key", flat=True)) == [key]


@concurrent
@pytest.mark.django_db(transaction=True)
def test_when_the_drawing_request_fails_a_waiting_one_draws_the_document():
    import threading

    key, failing, results = "sheet:single-flight:2", threading.Event(), {}

    def fail():
        assert failing.wait(10)
        raise RuntimeError("PDF を作る処理が途中で止まりました。")

    first = threading.Thread(target=_in_thread, args=(results, "first", key, fail))
    first.start()
    _wait_until(lambda: SheetDocument.objects.filter(key__startswith="drawing:").exists())
    second = threading.Thread(target=_in_thread, args=(results, "second", key, lambda: (b"%PDF-2", "2.pdf")))
    second.start()
    failing.set()
    first.join(15)
    second.join(15)
    assert isinstance(results["first"], RuntimeError)
    assert results["second"] == b"%PDF-2"
    assert list(SheetDocument.objects.values_list("key", flat=True)) == [key]


def test_a_claim_left_by_a_request_that_died_does_not_hold_the_document_back(db):
    key = "sheet:single-flight:3"
    SheetDocument.objects.create(
        key=documents.CLAIM_PREFIX + key,
        content=b"",
        size=0,
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    drawn = []
    document = documents.cached_document(key, lambda: drawn.append(1) or (b"%PDF-3", "3.pdf"))
    assert (document.content, drawn) == (b"%PDF-3", [1])
    assert list(SheetDocument.objects.values_list("key", flat=True)) == [key]


def _claimed_by_another(key):
    SheetDocument.objects.create(
        key=documents.CLAIM_PREFIX + key,
        content=b"",
        size=0,
        expires_at=timezone.now() + datetime.timedelta(seconds=30),
    )


def test_a_request_finding_its_document_being_drawn_waits_and_sends_that_one(db, monkeypatch):
    key, slept = "sheet:single-flight:4", []
    _claimed_by_another(key)

    def the_other_request_finishes(seconds):
        slept.append(seconds)
        if len(slept) == 2:
            # The other request keeps its document and lets its claim go.
            SheetDocument.objects.filter(key=documents.CLAIM_PREFIX + key).update(key=key, content=b"%PDF-4")

    monkeypatch.setattr(documents.time, "sleep", the_other_request_finishes)
    document = documents.cached_document(key, lambda: pytest.fail("drawn a second time"))
    assert document.content == b"%PDF-4"
    assert slept == [documents.WAIT_POLL_SECONDS] * 2


def test_a_request_whose_drawer_gave_up_draws_the_document_itself(db, monkeypatch):
    key, drawn = "sheet:single-flight:5", []
    _claimed_by_another(key)
    monkeypatch.setattr(
        documents.time,
        "sleep",
        lambda seconds: SheetDocument.objects.filter(key=documents.CLAIM_PREFIX + key).delete(),
    )
    document = documents.cached_document(key, lambda: drawn.append(1) or (b"%PDF-5", "5.pdf"))
    assert (document.content, drawn) == (b"%PDF-5", [1])
    assert list(SheetDocument.objects.values_list("key", flat=True)) == [key]
