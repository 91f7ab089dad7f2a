"""Upload → preview (writes nothing) → confirm (one transaction) in the browser, and who may do it."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from goals.imports import store as import_store
from goals.imports.uploads import SizeLimitedUploadHandler
from goals.models import Goal, Sheet, StagedUpload
from goals.seed.synthetic import build_synthetic_sheet
from tests.bad_workbooks import small_workbook, workbook_from_database
from tests.import_helpers import sheet_content, upload, web_dump
from tests.seed_workbooks import build_seed_workbook

UPLOAD = reverse("goals:import_upload")


def preview_url(response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.url


def confirm(client, url, **extra):
    plan = client.get(url).context["plan"]
    data = {"digest": plan.digest, "worksheet": plan.parsed.worksheet, **extra}
    return client.post(url + "confirm/", data, follow=True)


def test_upload_page_for_reviewers_and_superusers(client, reviewer, superuser, other_ward):
    client.force_login(reviewer)
    page = client.get(UPLOAD + "?ward=幸区&year=2026")
    assert page.status_code == 200
    assert [w.name for w in page.context["form"].fields["ward"].queryset] == ["幸区"]
    assert page.context["form"]["fiscal_year"].value() == "2026"
    client.force_login(superuser)
    form = client.get(UPLOAD).context["form"]
    assert {w.name for w in form.fields["ward"].queryset} == {"幸区", "中原区"}
    # Without a year in the link the field is blank: the workbook's title gives the year.
    assert form["fiscal_year"].value() is None


def test_editor_gets_403_in_japanese_and_outsider_404(client, editor, outsider):
    client.force_login(editor)
    page = client.get(UPLOAD)
    assert page.status_code == 403
    assert "取りまとめ担当（総務課など）だけが行えます" in page.content.decode()
    assert client.post(UPLOAD, {}).status_code == 403
    client.force_login(outsider)
    assert client.get(UPLOAD).status_code == 404


def test_other_ward_reviewer_cannot_import_into_this_ward(client, seed, other_ward_reviewer):
    client.force_login(other_ward_reviewer)
    before = web_dump()
    page = upload(client, small_workbook([["総務課", "1", "共通", "本文", "", ""]]))
    assert "この区の取組シートは読み込めません。" in page.content.decode()
    assert web_dump() == before


def test_someone_elses_preview_is_404(client, seed, reviewer, superuser):
    client.force_login(reviewer)
    url = preview_url(upload(client, build_seed_workbook()))
    client.force_login(superuser)
    assert client.get(url).status_code == 404
    assert client.post(url + "confirm/", {}).status_code == 404


def test_preview_shows_changes_and_writes_nothing_then_confirm_commits(client, seed, reviewer):
    changed = Goal.objects.get(department__name="総務課", number="2")
    changed.text = "以前の本文"
    changed.save()
    client.force_login(reviewer)
    before = web_dump()
    url = preview_url(upload(client, build_seed_workbook()))
    page = client.get(url)
    assert web_dump() == before
    html = page.content.decode()
    plan = page.context["plan"]
    assert (plan.created, plan.changed, plan.unchanged) == (0, 1, 41)
    assert '<p class="import-diff">旧：<del>以前の本文</del></p>' in html
    assert '<p class="import-diff">新：<ins>市民からの苦情や要望' in html
    assert "読み込む</button>" in html
    done = confirm(client, url)
    assert "（新規0件・変更1件・変更なし41件）" in done.content.decode()
    assert done.redirect_chain[-1][0] == reverse("goals:board", args=["幸区", 2025])
    changed.refresh_from_db()
    assert changed.text.startswith("市民からの苦情や要望")
    assert changed.version == 2 and changed.updated_by == reviewer
    record = changed.history.first()
    assert (record.history_user, record.history_change_reason) == (reviewer, "取組シートの読み込み")
    assert not StagedUpload.objects.exists()


def test_new_year_with_unknown_departments_needs_explicit_confirmation(client, bare_ward, superuser):
    client.force_login(superuser)
    url = preview_url(upload(client, build_seed_workbook(), year=2026))
    html = client.get(url).content.decode()
    assert "まだ登録されていないもの" in html and "部署：危機管理担当" in html
    before = web_dump()
    refused = confirm(client, url)
    assert "登録されていないものがあります" in refused.content.decode()
    assert web_dump() == before
    refused = confirm(client, url, create_missing="on")
    assert "確認が必要な点があります" in refused.content.decode()
    assert web_dump() == before
    confirm(client, url, create_missing="on", confirmed="on")
    sheet = Sheet.objects.get(ward=bare_ward, fiscal_year=2026)
    assert sheet.phase == Sheet.Phase.PLANNING
    assert len(sheet_content("幸区", 2026)["goals"]) == 42


def test_stale_preview_is_refused_and_changes_nothing(client, seed, reviewer):
    client.force_login(reviewer)
    url = preview_url(upload(client, small_workbook([["総務課", "1", "共通", "新しい本文", "", ""]])))
    plan = client.get(url).context["plan"]
    # Someone saves the same goal in the app after the preview was shown.
    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.result = "入力途中の実施結果"
    goal.save()
    before = web_dump()
    page = client.post(url + "confirm/", {"digest": plan.digest, "worksheet": "取組シート"}, follow=True)
    assert (
        "確認画面を表示した後に、取組シートの内容が変わりました。何も書き込んでいません。"
        in page.content.decode()
    )
    assert web_dump() == before


def test_expired_preview_is_refused(client, seed, reviewer, settings):
    client.force_login(reviewer)
    url = preview_url(upload(client, build_seed_workbook()))
    plan = client.get(url).context["plan"]
    settings.IMPORT_PREVIEW_SECONDS = -1
    before = web_dump()
    page = client.post(url + "confirm/", {"digest": plan.digest, "worksheet": "取組シート"}, follow=True)
    assert "確認画面の有効期限（" in page.content.decode()
    assert page.redirect_chain[-1][0] == UPLOAD
    assert web_dump() == before


def test_stored_file_changed_is_refused(client, seed, reviewer, settings):
    client.force_login(reviewer)
    url = preview_url(upload(client, build_seed_workbook()))
    plan = client.get(url).context["plan"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    StagedUpload.objects.filter(token=token).update(data=small_workbook([["総務課", "1", "共通", "x"]]))
    page = client.post(url + "confirm/", {"digest": plan.digest, "worksheet": "取組シート"}, follow=True)
    assert "読み込み中のファイルが変わっていました。" in page.content.decode()


def test_cancel_discards_the_upload(client, seed, reviewer, settings):
    client.force_login(reviewer)
    url = preview_url(upload(client, build_seed_workbook()))
    page = client.post(url + "cancel/", follow=True)
    assert "読み込みを取り消しました。何も書き込んでいません。" in page.content.decode()
    assert not StagedUpload.objects.exists()
    assert client.get(url).status_code == 404


def test_user_picks_another_worksheet(client, seed, reviewer):
    client.force_login(reviewer)
    first = small_workbook([["総務課", "1", "共通", "一枚目の本文", "", ""]], sheet_title="一枚目")
    second = small_workbook([["総務課", "1", "共通", "二枚目の本文", "", ""]], sheet_title="二枚目")
    book = _join_books(first, second)
    url = preview_url(upload(client, book))
    page = client.get(url)
    assert page.context["plan"].parsed.worksheet == "一枚目"
    assert "ほかにも目標の表があるシート（「二枚目」）は読み込みません。" in page.content.decode()
    page = client.get(url, {"sheet": "二枚目"})
    plan = page.context["plan"]
    assert plan.parsed.worksheet == "二枚目"
    client.post(url + "confirm/", {"digest": plan.digest, "worksheet": "二枚目"})
    assert Goal.objects.get(department__name="総務課", number="1").text == "二枚目の本文"


def _join_books(*books):
    from io import BytesIO

    import openpyxl

    target = openpyxl.Workbook()
    target.remove(target.active)
    for data in books:
        source = openpyxl.load_workbook(BytesIO(data)).active
        sheet = target.create_sheet(source.title)
        for row in source.iter_rows(values_only=True):
            sheet.append(row)
    out = BytesIO()
    target.save(out)
    return out.getvalue()


def test_confirm_only_accepts_post(client, seed, reviewer):
    client.force_login(reviewer)
    url = preview_url(upload(client, build_seed_workbook()))
    assert client.get(url + "confirm/").status_code == 405


def test_oversized_upload_is_dropped_while_streaming(settings):
    """The handler stops at the limit: the file never reaches memory or a temporary file."""
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    request = RequestFactory().post(
        UPLOAD, {"file": SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + bytes(4096)), "ward": "幸区"}
    )
    request.upload_handlers = [SizeLimitedUploadHandler(request)]
    assert "file" not in request.FILES
    assert request.POST["ward"] == "幸区"
    assert request.upload_too_large == "file"


def test_preview_queries_do_not_grow_with_the_sheet(client, seed, superuser, django_assert_num_queries):
    """The plan reads departments, goals, 区分 and 達成度 once each, not once per goal (no N+1); the
    stored file and its kept reading are one query each (they are in the database, for any app server)."""
    client.force_login(superuser)
    small = preview_url(upload(client, workbook_from_database(seed)))
    big_sheet = build_synthetic_sheet(scale=10)
    big = preview_url(upload(client, workbook_from_database(big_sheet), ward="試験区"))
    with django_assert_num_queries(17):
        page = client.get(small)
    assert page.context["plan"].unchanged == 42
    with django_assert_num_queries(17):
        page = client.get(big)
    assert page.context["plan"].unchanged == 420


def test_session_keeps_only_tokens(client, seed, reviewer):
    client.force_login(reviewer)
    url = preview_url(upload(client, build_seed_workbook()))
    tokens = client.session[import_store.SESSION_KEY]
    assert url.rstrip("/").endswith(tokens[-1])
    assert json.dumps(tokens).isascii()
