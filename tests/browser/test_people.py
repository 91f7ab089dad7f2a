"""The staff page, the roster upload and preview, and the access log, in a real browser, audited."""

import pytest
from playwright.sync_api import expect

from departments.models import Membership

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROSTER = (
    "ユーザー名,氏名,メール,部署,役割,開始日,終了日\r\n"
    "saiwai-reviewer,,,総務課,取りまとめ,,\r\n"
    "kumin-editor,,,保護課,入力担当,,\r\n"
    "new-person,川崎 花子,hanako@example.invalid,区民課,入力担当,,\r\n"
)


def choose_roster(page, data: bytes, name="roster.csv"):
    page.get_by_label("職員名簿のファイル（CSV または .xlsx）").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_label("適用日").fill("2026-04-01")
    page.get_by_role("button", name="確認する").click()


def test_roster_upload_preview_and_commit_are_accessible(page, audit, reviewer, editor):
    sign_in(page, reviewer)
    page.goto("/staff/幸区/roster/")
    expect(page.get_by_role("heading", level=1)).to_have_text("職員名簿（幸区）")
    audit(page, "roster-upload")

    choose_roster(page, "ユーザー名,部署,役割\r\nkumin-editor,無い課,入力担当\r\n".encode())
    expect(page.get_by_role("alert")).to_contain_text("部署「無い課」は幸区に登録されていません。")
    audit(page, "roster-preview-problems")

    page.goto("/staff/幸区/roster/")
    choose_roster(page, ROSTER.encode("cp932"))
    expect(page.get_by_role("heading", level=2, name="新しい職員（1人）")).to_be_visible()
    audit(page, "roster-preview")
    page.get_by_role("button", name="読み込む").click()
    expect(page.get_by_text("職員名簿を読み込みました")).to_be_visible()
    assert Membership.objects.filter(user__username="new-person", department__name="区民課").exists()


def test_staff_page_and_access_log_are_accessible(page, audit, reviewer, editor):
    sign_in(page, reviewer)
    page.goto("/staff/幸区/")
    expect(page.get_by_role("heading", level=1)).to_have_text("職員と所属（幸区）")
    audit(page, "staff")
    page.goto("/access-log/")
    expect(page.get_by_role("heading", level=1)).to_have_text("アクセス記録")
    expect(page.get_by_role("cell", name="ログイン", exact=True).first).to_be_visible()
    audit(page, "access-log")
