"""Every other page of the app as each persona sees it, audited: landings, planning pages, a past year,
the board's forms with errors, password change, 403/404/CSRF pages, and the tablet layout."""

import re

import pytest
from playwright.sync_api import expect

from departments.models import Department
from goals.models import DepartmentReport, Goal, Sheet

from ..conftest import fill_results
from .conftest import TABLET, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _first_goal(report):
    return Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order").first()


def test_refusals_say_why_and_hide_what_is_not_ours(
    new_page, audit, seed, kumin_report, editor, reviewer, other_ward_reviewer
):
    kumin = new_page()
    sign_in(kumin, editor)
    kumin.goto("/board/幸区/2025/")
    expect(kumin.get_by_role("heading", level=1)).to_have_text("この操作はできません")
    expect(kumin.get_by_role("main")).to_contain_text("区の取りまとめ担当（総務課）だけが使えます")
    audit(kumin, "403（入力担当が全部署の状況を開く）")

    hogo = DepartmentReport.objects.get(sheet=seed, department__name="保護課")
    kumin.goto(f"/reports/{hogo.pk}/")
    expect(kumin.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
    audit(kumin, "404（他の部署のページ）")

    board = new_page()
    sign_in(board, reviewer)
    board.goto(f"/goals/{_first_goal(kumin_report).pk}/result/")
    expect(board.get_by_role("main")).to_contain_text("部署の入力担当だけが編集できます")
    audit(board, "403（取りまとめが実施結果の入力を開く）")

    nakahara = new_page()
    sign_in(nakahara, other_ward_reviewer)
    expect(nakahara.get_by_role("main")).to_contain_text("中原区（取りまとめ）")
    audit(nakahara, "ホーム（取組シートのない区）")
    nakahara.goto("/board/幸区/2025/")
    expect(nakahara.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
    audit(nakahara, "404（他の区の全部署の状況）")


def test_a_refused_form_token_explains_in_japanese(page, audit, kumin_report, editor):
    sign_in(page, editor)
    page.goto(f"/goals/{_first_goal(kumin_report).pk}/result/")
    page.get_by_label("実施結果").fill("送信できなかった文章")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("送信できませんでした")
    audit(page, "403（送信の有効期限切れ・CSRF）")


def test_landing_pages_for_people_with_no_or_several_places(new_page, audit, seed, outsider, superuser):
    lost = new_page()
    sign_in(lost, outsider)
    expect(lost.get_by_role("main")).to_contain_text("所属する部署が登録されていません")
    audit(lost, "ホーム（所属なし）")

    other = Sheet.objects.create(ward=_other_ward(), fiscal_year=2025, phase=Sheet.Phase.PLANNING)
    admin = new_page()
    sign_in(admin, superuser)
    chooser = admin.get_by_role("main").get_by_role("list")
    expect(chooser.get_by_role("link")).to_have_count(2)
    expect(chooser).to_contain_text(f"{other.ward} 取りまとめ")
    audit(admin, "ホーム（複数の区から選ぶ）")


def _other_ward():
    from departments.models import Ward

    ward = Ward.objects.create(name="中原区", office_name="中原区役所")
    Department.objects.create(ward=ward, name="総務課", order=10)
    return ward


def test_planning_pages_goal_edit_delete_and_order(page, audit, seed, kumin_report, editor):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goals = list(Goal.objects.filter(sheet=seed, department=kumin_report.department).order_by("order"))
    sign_in(page, editor)

    page.get_by_role("link", name=re.compile(r"^詳細と履歴\s*（目標 3）")).click()
    expect(page.get_by_role("main")).to_contain_text("まだ変更の記録はありません。")
    audit(page, "目標のページ（履歴なし）")
    page.go_back()

    page.get_by_role("button", name="目標 3 を上へ移動").click()
    expect(page.locator("table.goals tbody th")).to_have_text(["1", "3", "2"])

    page.get_by_role("link", name=re.compile(r"^削除\s*（目標 2）")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("目標 2 を削除しますか")
    audit(page, "目標の削除の確認")
    page.get_by_role("button", name="削除する").click()
    expect(page.get_by_role("status")).to_contain_text("目標 2 を削除しました。")
    expect(page.locator("table.goals tbody th")).to_have_text(["1", "3"])
    assert not Goal.objects.filter(pk=goals[1].pk).exists()

    # A number already used is refused at the field, with the summary linking to it.
    page.get_by_role("link", name=re.compile(r"^編集\s*（目標 3）")).click()
    page.get_by_label("番号").fill("1")
    page.get_by_role("button", name="保存する").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text("番号：番号「1」はこの部署で既に使われています。")
    summary.get_by_role("link").click()
    expect(page.get_by_label("番号")).to_be_focused()
    audit(page, "目標の編集（番号の重複）")


def test_a_past_year_is_read_only_and_the_deadline_is_on_every_page(
    page, audit, seed, kumin_report, editor, reviewer
):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    next_year = Sheet.objects.create(ward=seed.ward, fiscal_year=2026, phase=Sheet.Phase.IN_PROGRESS)
    DepartmentReport.objects.create(sheet=next_year, department=kumin_report.department)
    Sheet.objects.filter(pk=next_year.pk).update(results_deadline="2020-04-30")
    sign_in(page, editor)
    expect(page.get_by_role("heading", level=1)).to_have_text("区民課　令和8年度の目標と実施結果")
    deadline = page.get_by_role("complementary", name="提出期限")
    expect(deadline).to_contain_text("令和2年4月30日")
    expect(deadline).to_contain_text("過ぎています")
    audit(page, "部署のページ（実施中・提出期限切れ）")

    page.get_by_role("navigation", name="年度の切り替え").get_by_role("link", name="令和7年度").click()
    expect(page.locator(".notice.locked")).to_contain_text("閲覧のみです")
    expect(deadline).to_be_visible()
    audit(page, "部署のページ（過去の年度）")


def test_board_forms_refuse_with_reasons_at_their_fields(page, audit, seed, reviewer):
    sign_in(page, reviewer)
    page.get_by_role("button", name="計画の段階に戻す").click()
    reason = page.get_by_label("段階を戻す理由")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile("段階を戻す理由を入力してください。"))
    audit(page, "全部署の状況（段階を戻す理由が未入力）")

    page.get_by_label("実施結果の提出期限").fill("2026-03-31")
    page.get_by_role("button", name="提出期限を保存する").click()
    expect(page.get_by_role("status")).to_contain_text("提出期限を保存しました")
    expect(page.get_by_role("complementary", name="提出期限")).to_contain_text("令和8年3月31日")
    assert str(Sheet.objects.get(pk=seed.pk).results_deadline) == "2026-03-31"

    hogo = DepartmentReport.objects.get(sheet=seed, department__name="保護課")
    page.get_by_role("link", name="保護課").click()
    expect(page.get_by_role("region", name="確認・差戻し")).to_contain_text("部署が提出すると")
    audit(page, "部署のページ（取りまとめ・未提出）")
    assert DepartmentReport.objects.get(pk=hogo.pk).status == DepartmentReport.Status.NOT_STARTED


def test_password_change_with_a_mistake_then_done(page, audit, editor):
    sign_in(page, editor)
    page.get_by_role("link", name="パスワード変更").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("パスワード変更")
    audit(page, "パスワード変更")

    page.get_by_label("元のパスワード").fill("not-my-password")
    page.get_by_label("新しいパスワード", exact=True).fill("short")
    page.get_by_label("新しいパスワード(確認用)").fill("different")
    page.get_by_role("button", name="パスワードを変更する").click()
    old = page.get_by_label("元のパスワード")
    expect(old).to_have_attribute("aria-invalid", "true")
    expect(old).to_have_accessible_description(re.compile("元のパスワードが間違っています"))
    audit(page, "パスワード変更（入力エラー）")

    page.get_by_label("元のパスワード").fill(editor.raw_password)
    page.get_by_label("新しいパスワード", exact=True).fill("kawasaki-saiwai-2025-new")
    page.get_by_label("新しいパスワード(確認用)").fill("kawasaki-saiwai-2025-new")
    page.get_by_role("button", name="パスワードを変更する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("パスワードを変更しました")
    audit(page, "パスワード変更（完了）")
    editor.refresh_from_db()
    assert editor.check_password("kawasaki-saiwai-2025-new")


@pytest.mark.parametrize("persona", ["editor", "reviewer"])
def test_tablet_layout(new_page, audit, request, kumin_report, persona):
    """768×1024: the same pages, nothing wider than the screen, every page audited again."""
    user = request.getfixturevalue(persona)
    page = new_page(viewport=TABLET)
    sign_in(page, user)
    urls = {
        "editor": [("部署のページ", f"/reports/{kumin_report.pk}/"), ("実施結果の入力", None)],
        "reviewer": [("全部署の状況", "/board/幸区/2025/"), ("部署のページ", f"/reports/{kumin_report.pk}/")],
    }[persona]
    for name, url in urls:
        page.goto(url or f"/goals/{_first_goal(kumin_report).pk}/result/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is {overflow}px wider than a tablet"
        audit(page, f"{name}（タブレット）")


def test_next_year_from_the_board_shows_last_years_results(
    new_page, audit, seed, kumin_report, editor, reviewer
):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    fill_results(kumin_report, level_number=2)
    board = new_page()
    sign_in(board, reviewer)
    board.get_by_role("link", name="令和8年度の取組シートを作る（目標を引き継ぐ）").click()
    board.get_by_role("button", name="令和8年度の取組シートを作成する").click()
    expect(board.get_by_role("status").first).to_contain_text("引き継ぎました")

    kumin = new_page()
    sign_in(kumin, editor)
    expect(kumin.get_by_role("heading", level=1)).to_have_text("区民課　令和8年度の目標と実施結果")
    carried = kumin.locator(".carried")
    expect(carried).to_have_count(3)
    expect(carried.first).to_contain_text("前年度（令和7年度）の目標 1 の結果")
    expect(carried.first).to_contain_text("窓口アンケートで満足度90％を達成しました。")
    expect(carried.first).to_contain_text("2 目標を上回って達成")
    audit(kumin, "部署のページ（次年度・前年度の結果つき）")
