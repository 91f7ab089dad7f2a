"""The sheet as the browser prints it, and the result form's live count, in real Chromium."""

import subprocess

from django.urls import reverse
from playwright.sync_api import expect

from goals.models import Goal

from .conftest import sign_in


def test_browser_print_says_what_the_sheet_is_on_every_page(page, seed, editor):
    sign_in(page, editor)
    page.goto(reverse("goals:sheet", args=["幸区", 2025]))
    printed = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=printed, capture_output=True, check=True
    ).stdout.decode()
    pages = ["".join(page_text.split()) for page_text in text.split("\f")[:-1]]
    assert len(pages) > 1
    for number, page_text in enumerate(pages, 1):
        assert "作成中（案）" in page_text, number
        assert "実施中の段階の作業用の写しです。確定版ではありません" in page_text, number
        assert "部署名" in page_text, number


def test_result_form_counts_as_people_type(page, kumin_report, editor):
    goal = Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).first()
    sign_in(page, editor)
    page.goto(reverse("goals:goal_result", args=[goal.pk]))
    count = page.locator("#id_result_count")
    expect(count).to_have_text("現在0字（上限4000字）")
    field = page.get_by_label("実施結果")
    field.fill("𠮷野家で説明した。")
    expect(count).to_have_text("現在9字（上限4000字）")  # 𠮷 is one character, as the server counts
    field.fill("説" * 901)
    expect(count).to_have_text("現在901字（上限4000字）。印刷する取組シートでは次のページに続きます")
    field.fill("説" * 4001)
    expect(count).to_contain_text("上限を1字超えています")
