"""The whole year in a real browser, two people at once, every page on the way audited.

区民課's editor writes a goal (計画); the reviewer moves the sheet to 実施中; the editor enters every
result and level and submits; the reviewer reads the board, returns with a reason; the editor reads
the reason, fixes and resubmits; the reviewer confirms and locks the year (確定), opens the official
sheet and downloads its PDF and Excel from the page; the editor opens the department's part.
"""

import io
import re
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from goals.models import DepartmentReport, Goal, Sheet

from ..conftest import fill_results
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_GOAL = "窓口の待ち時間を、庁舎入口の表示板とホームページで30分ごとに知らせます。"
RETURN_REASON = "目標2の実施結果に、研修の参加人数を書き加えてください。"
FIXED_RESULT = "接遇研修に新任職員12名全員が参加し、窓口対応の手順書を改訂しました。"


def _other_departments_under_way(sheet):
    """A lived-in board: some departments have entered, submitted or been confirmed already."""
    for name, status in (("企画課", "submitted"), ("保護課", "in_progress"), ("衛生課", "confirmed")):
        report = DepartmentReport.objects.get(sheet=sheet, department__name=name)
        fill_results(report, level_number={"企画課": 2, "保護課": 3, "衛生課": 1}[name])
        DepartmentReport.objects.filter(pk=report.pk).update(status=status)
    # 保護課 is still writing: one goal without a level.
    Goal.objects.filter(sheet=sheet, department__name="保護課", number="1").update(achievement=None)


def _goal_link(page, action, number):
    """A row's action link; its name ends with a hidden （目標 n） for screen readers."""
    return page.get_by_role("link", name=re.compile(rf"^{action}\s*（目標 {number}）$"))


def _message(page):
    return page.get_by_role("status").filter(has=page.locator(".message"))


def _write_goal_in_planning(page, audit):
    expect(page.get_by_role("heading", level=1)).to_have_text("区民課　令和7年度の目標と実施結果")
    expect(page.locator(".notice")).to_contain_text("計画の段階です")
    audit(page, "部署のページ（計画）")

    page.get_by_role("link", name="目標を追加する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("目標の追加（区民課）")
    audit(page, "目標の追加")

    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("alert")).to_contain_text("入力内容を確認してください")
    number = page.get_by_label("番号")
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_have_accessible_description(re.compile("番号を入力してください。"))
    expect(page.get_by_label("目標及び具体的な取組内容")).to_have_accessible_description(
        re.compile("目標の内容を入力してください。")
    )
    audit(page, "目標の追加（入力エラー）")

    number.fill("4")
    page.get_by_label("区分").select_option(label="お知らせ")
    page.get_by_label("目標及び具体的な取組内容").fill(NEW_GOAL)
    page.get_by_role("button", name="保存する").click()
    expect(_message(page)).to_have_text("目標 4 を追加しました。")
    expect(page.get_by_role("row", name=re.compile("^4 お知らせ"))).to_contain_text(NEW_GOAL)


def _start_results(page, audit):
    expect(page.get_by_role("heading", level=1)).to_contain_text("全部署の状況")
    expect(page.locator(".phase-steps [aria-current=step]")).to_have_text("計画（現在の段階）")
    audit(page, "全部署の状況（計画）")
    page.get_by_role("link", name="実施中に進める（確認の画面へ）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("を実施中に進めますか")
    audit(page, "実施中への切り替えの確認")
    page.get_by_role("button", name="実施中に進める").click()
    expect(_message(page)).to_contain_text("「実施中」に進めました")
    expect(page.get_by_role("heading", name="取組シートの段階（現在：実施中）")).to_be_visible()


def _enter_results(page, audit, screenshot):
    page.reload()
    expect(page.locator(".notice")).to_contain_text("実施中の段階です")
    audit(page, "部署のページ（実施中・未入力）")

    _goal_link(page, "実施結果を入力", 1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("目標 1 の実施結果と達成度（区民課）")
    audit(page, "実施結果の入力")

    # Pasting more than the limit must not cut the text silently: the error names the limit and the
    # text stays in the field to shorten.
    too_long = "窓口アンケートを実施しました。" * 300
    page.get_by_label("実施結果").fill(too_long)
    page.get_by_label("目標をほぼ達成").check()
    page.get_by_role("button", name="保存する").click()
    result = page.get_by_label("実施結果")
    expect(page.get_by_role("alert")).to_contain_text("入力内容を確認してください")
    expect(result).to_have_attribute("aria-invalid", "true")
    expect(result).to_have_accessible_description(re.compile("4000文字以内"))
    expect(result).to_have_value(too_long)
    audit(page, "実施結果の入力（入力エラー）")
    screenshot(page, "result-form-error")

    results = {
        "1": ("関係法令の勉強会を毎月開き、窓口での説明の誤りが前年度より減りました。", "目標をほぼ達成"),
        "2": ("接遇研修を実施しました。", "目標を上回って達成"),
        "3": ("混雑情報をホームページで毎日更新しました。", "目標をほぼ達成"),
        "4": ("表示板を設置し、待ち時間を30分ごとに表示しました。", "目標を大きく上回って達成"),
    }
    for number, (text, level) in results.items():
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"目標 {number} の実施結果")
        page.get_by_label("実施結果").fill(text)
        page.get_by_label(level).check()
        following = page.get_by_role("button", name=re.compile("^保存して次の目標"))
        if number != "4":
            following.click()
            expect(_message(page)).to_have_text(f"目標 {number} の実施結果を保存しました。")
        else:
            expect(following).to_have_count(0)
            page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("区民課")
    expect(page.get_by_role("row", name=re.compile("^4 お知らせ"))).to_contain_text(results["4"][0])
    expect(page.locator(".summary .status")).to_contain_text("入力中")
    audit(page, "部署のページ（実施中・入力済み）")

    page.get_by_role("link", name="提出する（確認の画面へ）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("区民課の実施結果を提出しますか")
    audit(page, "提出の確認")
    page.get_by_role("button", name="提出する").click()
    expect(_message(page)).to_contain_text("実施結果を提出しました")
    expect(page.locator(".summary .status")).to_contain_text("提出済み")
    expect(page.locator(".notice.locked")).to_contain_text("提出済みのため編集できません")
    expect(page.get_by_role("link", name=re.compile("^実施結果を入力"))).to_have_count(0)
    audit(page, "部署のページ（提出済み）")


def _return_with_reason(page, audit):
    page.reload()
    row = page.get_by_role("row", name=re.compile("^区民課"))
    expect(row).to_contain_text("提出済み")
    expect(row).to_contain_text("4／4")
    audit(page, "全部署の状況（実施中）")

    page.get_by_label("提出済み", exact=True).check()
    page.get_by_role("button", name="絞り込む").click()
    expect(page.get_by_text("「提出済み」の部署だけを表示しています（2部署）")).to_be_visible()
    expect(page.locator("table.board tbody tr")).to_have_count(2)
    audit(page, "全部署の状況（状況で絞り込み）")

    page.get_by_role("link", name="区民課").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("区民課")
    audit(page, "部署のページ（取りまとめが確認・差戻し）")

    page.get_by_role("button", name="差し戻す").click()
    reason = page.get_by_label("差戻しの理由")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile("差戻しの理由を入力してください。"))
    audit(page, "部署のページ（差戻しの理由が未入力）")
    reason.fill(RETURN_REASON)
    page.get_by_role("button", name="差し戻す").click()
    expect(_message(page)).to_contain_text("区民課に差し戻しました")
    expect(page.get_by_role("row", name=re.compile("^区民課"))).to_contain_text("差戻し")


def _fix_and_resubmit(page, audit, screenshot):
    page.reload()
    returned = page.get_by_role("region", name="差し戻されています")
    expect(returned).to_contain_text(RETURN_REASON)
    expect(page.locator(".summary .status")).to_contain_text("差戻し")
    audit(page, "部署のページ（差戻し）")
    screenshot(page, "department-page")

    _goal_link(page, "実施結果を入力", 2).click()
    page.get_by_label("実施結果").fill(FIXED_RESULT)
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("row", name=re.compile("^2 対面対応"))).to_contain_text(FIXED_RESULT)

    _goal_link(page, "詳細と履歴", 2).click()
    history = page.get_by_role("table", name="この目標の変更の履歴")
    expect(history).to_contain_text("接遇研修を実施しました。")
    expect(history).to_contain_text(FIXED_RESULT)
    audit(page, "目標のページ（履歴つき）")
    page.go_back()

    page.get_by_role("link", name="提出する（確認の画面へ）").click()
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".summary .status")).to_contain_text("提出済み")


def _confirm_and_close(page, audit, screenshot):
    page.get_by_role("link", name="区民課").click()
    expect(page.get_by_role("region", name="確認・差戻し")).to_be_visible()
    page.get_by_role("button", name="確認済みにする").click()
    expect(_message(page)).to_have_text("区民課の実施結果を確認済みにしました。")
    row = page.get_by_role("row", name=re.compile("^区民課"))
    expect(row).to_contain_text("確認済み")
    expect(row).to_contain_text("幸 一郎")
    screenshot(page, "board")

    # Other departments are not confirmed: 確定 needs a reason, asked for at the field.
    page.get_by_role("link", name="確定する（確認の画面へ）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("を確定しますか")
    page.get_by_role("button", name="確定する").click()
    override = page.get_by_label("確認済みでない部署があるまま確定する理由")
    expect(override).to_have_attribute("aria-invalid", "true")
    expect(override).to_have_accessible_description(re.compile("確認済みでない部署があります"))
    audit(page, "全部署の状況（確定の理由が未入力）")
    override.fill("年度末の会議資料とするため、確認済みの部署分で確定します。")
    page.get_by_role("button", name="確定する").click()
    expect(_message(page)).to_contain_text("「確定」に進めました")
    expect(page.get_by_role("link", name="確定する（確認の画面へ）")).to_have_count(0)
    audit(page, "全部署の状況（確定）")


def _download(page, link_name, suffix):
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(suffix), download.suggested_filename
    return Path(download.path()).read_bytes()


def _pdf_text(content: bytes) -> str:
    # IPAex maps some kanji to Kangxi radicals (⽬ for 目) and lines wrap anywhere: fold both away.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def _xlsx_cells(content: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(content))
    return [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]


def _official_sheet(board, kumin, audit, screenshot):
    """The locked year as the official sheet: the page, its PDF and Excel, and one department's part."""
    board.get_by_role("link", name="取組シート（幸区全体）").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("令和7年度向上指針取組シート")
    expect(board.get_by_role("table")).to_contain_text(NEW_GOAL)
    expect(board.get_by_role("table")).to_contain_text(FIXED_RESULT)
    audit(board, "取組シート")
    screenshot(board, "sheet-page-closed-year", full_page=False)  # the sheet is long: its first screen

    pdf = _pdf_text(_download(board, "PDF をダウンロード", "_幸区.pdf"))
    xlsx = _xlsx_cells(_download(board, "Excel をダウンロード", "_幸区.xlsx"))
    for text in (NEW_GOAL, FIXED_RESULT, "区民課", "衛生課"):
        assert re.sub(r"\s", "", text) in pdf, text
        assert any(text in cell for cell in xlsx), text

    kumin.get_by_role("link", name="区民課の取組シート").click()
    expect(kumin.get_by_role("heading", level=1)).to_have_text("令和7年度向上指針取組シート（区民課）")
    expect(kumin.get_by_role("table")).not_to_contain_text("衛生課")
    audit(kumin, "取組シート（部署ごと）")
    pdf = _pdf_text(_download(kumin, "PDF をダウンロード", "_幸区_区民課.pdf"))
    assert re.sub(r"\s", "", NEW_GOAL) in pdf and "衛生課" not in pdf
    xlsx = _xlsx_cells(_download(kumin, "Excel をダウンロード", "_幸区_区民課.xlsx"))
    assert any(FIXED_RESULT in cell for cell in xlsx)


def test_the_year_from_goal_to_locked_sheet(new_page, audit, screenshot, seed, editor, reviewer):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    # Names as people have them: they appear in the header, the history and the board.
    for user, name in ((editor, "川崎 花子"), (reviewer, "幸 一郎")):
        user.last_name = name
        user.save(update_fields=["last_name"])
    kumin = new_page()
    board = new_page()

    sign_in(kumin, editor)
    _write_goal_in_planning(kumin, audit)

    sign_in(board, reviewer)
    _start_results(board, audit)
    _other_departments_under_way(seed)

    _enter_results(kumin, audit, screenshot)
    _return_with_reason(board, audit)
    _fix_and_resubmit(kumin, audit, screenshot)

    board.reload()
    _confirm_and_close(board, audit, screenshot)

    # The editor's page is read-only now, and says why.
    kumin.reload()
    expect(kumin.locator(".notice.locked")).to_contain_text("確定済みのため、閲覧のみです")
    expect(kumin.get_by_role("link", name=re.compile("^実施結果を入力"))).to_have_count(0)
    audit(kumin, "部署のページ（確定）")
    _official_sheet(board, kumin, audit, screenshot)

    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    assert report.status == DepartmentReport.Status.CONFIRMED
    assert Sheet.objects.get(pk=seed.pk).phase == Sheet.Phase.CLOSED
    goal = Goal.objects.get(sheet=seed, department__name="区民課", number="2")
    assert (goal.result, goal.achievement.number) == (FIXED_RESULT, 2)
