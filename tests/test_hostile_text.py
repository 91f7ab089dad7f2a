"""Hostile text in every field is shown as text in the pages, the PDF and the Excel workbook:
never executed, never evaluated as a template or a formula, never fetched."""

import io
import re
import subprocess
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from departments.models import Department
from goals.models import RESULT_TEXT_MAX, AchievementLevel, Category, Goal, ServicePolicy

SCRIPT = '<script>alert("xss")</script>'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ settings.SECRET_KEY }}{% debug %}"
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)"]
CONTROL = "改\x07行\x1bテスト\x0b"
LONG = "長" * RESULT_TEXT_MAX  # the longest result the field allows, without a single break


@pytest.fixture
def hostile(seed, reviewer, editor):
    """A sheet where every text people or imports can write is hostile."""
    department = Department.objects.get(ward=seed.ward, name="区民課")
    department.name = f"区民課{SCRIPT}"
    department.save()
    Category.objects.filter(name="共通").update(name=f"共通{ATTRIBUTE}"[:20])
    ServicePolicy.objects.filter(sheet=seed, number=1).update(text=TEMPLATE)
    goals = list(Goal.objects.filter(sheet=seed, department=department).order_by("order"))
    level = AchievementLevel.objects.get(number=2)
    texts = [SCRIPT + ATTRIBUTE, TEMPLATE + FORMULAS[0], CONTROL]
    results = [FORMULAS[1], FORMULAS[2] + FORMULAS[3], LONG]
    for goal, text, result in zip(goals, texts, results, strict=True):
        # Written straight to the database, as an import or the admin could.
        Goal.objects.filter(pk=goal.pk).update(text=text, result=result, achievement=level)
    # Handed in: the sheet prints the results (a draft would show 未提出).
    department.reports.filter(sheet=seed).update(status="submitted")
    return department


def _pages(seed, department):
    report = department.reports.get(sheet=seed)
    goal = department.goals.order_by("order").first()
    return [
        reverse("goals:report", args=[report.pk]),
        reverse("goals:goal", args=[goal.pk]),
        reverse("goals:board", args=[seed.ward.name, seed.fiscal_year]),
        reverse("goals:sheet", args=[seed.ward.name, seed.fiscal_year]),
        reverse("goals:department_sheet", args=[seed.ward.name, seed.fiscal_year, department.pk]),
    ]


def test_pages_escape_every_hostile_text(client, reviewer, seed, hostile):
    client.force_login(reviewer)
    for url in _pages(seed, hostile):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert escape(SCRIPT) in html, url
        assert settings.SECRET_KEY not in html, url
        if "/board/" not in url:
            assert "<img src=x onerror" not in html


def test_template_syntax_in_text_is_printed_not_evaluated(client, reviewer, seed, hostile):
    client.force_login(reviewer)
    html = client.get(reverse("goals:sheet", args=[seed.ward.name, seed.fiscal_year])).content.decode()
    assert escape(TEMPLATE) in html or TEMPLATE in html
    assert "{% debug %}" in html  # literally, as typed
    assert escape(FORMULAS[0]) in html


def _pdf_text(client, url):
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    # poppler's pdftotext: pypdf misreads the single-byte font WeasyPrint uses for Latin text.
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"],
        input=response.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return re.sub(r"\s+", "", text), response.content


def test_pdf_prints_hostile_text_literally_and_holds_no_script(client, reviewer, seed, hostile):
    client.force_login(reviewer)
    text, raw = _pdf_text(client, reverse("goals:sheet_pdf", args=[seed.ward.name, seed.fiscal_year]))
    for literal in (SCRIPT, ATTRIBUTE, TEMPLATE, *FORMULAS):
        assert re.sub(r"\s+", "", literal) in text, literal
    assert "改行テスト" in text  # control characters dropped (no missing-glyph boxes), the words kept
    # The 4,000-character result is taller than a page: it continues on the next pages, in pieces
    # that repeat the department and number (（続き）), but every character is printed.
    assert text.count("長") - "".join(Goal.objects.values_list("text", flat=True)).count("長") == len(LONG)
    for marker in (b"/JavaScript", b"/JS ", b"/Launch", b"/URI"):
        assert marker not in raw


def test_excel_keeps_every_hostile_text_as_a_plain_string(client, reviewer, seed, hostile):
    client.force_login(reviewer)
    response = client.get(reverse("goals:sheet_xlsx", args=[seed.ward.name, seed.fiscal_year]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type == "s" or isinstance(cell.value, int | float) for cell in cells)
    assert not any(cell.data_type == "f" for cell in cells)
    values = "\n".join(str(cell.value) for cell in cells)
    for literal in (SCRIPT, ATTRIBUTE, TEMPLATE, *FORMULAS, LONG, "改行テスト"):
        assert literal in values, literal[:30]
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", values)


def test_download_names_carry_no_markup(client, reviewer, seed, hostile):
    client.force_login(reviewer)
    url = reverse("goals:department_sheet_pdf", args=[seed.ward.name, seed.fiscal_year, hostile.pk])
    disposition = unquote(client.get(url)["Content-Disposition"])
    assert "<" not in disposition and ">" not in disposition and '"x' not in disposition


def test_typed_text_keeps_markup_and_templates_but_drops_control_characters(client, editor, seed, levels):
    goal = Goal.objects.filter(department__name="区民課").order_by("order").first()
    client.force_login(editor)
    typed = f"{SCRIPT}{TEMPLATE}{FORMULAS[0]}{CONTROL}"
    response = client.post(
        reverse("goals:goal_result", args=[goal.pk]),
        {"result": typed, "achievement": levels[1].pk, "version": goal.version},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.result == f"{SCRIPT}{TEMPLATE}{FORMULAS[0]}改行テスト"


def test_text_over_the_limit_is_refused_with_a_message(client, editor, seed, levels):
    goal = Goal.objects.filter(department__name="区民課").order_by("order").first()
    client.force_login(editor)
    response = client.post(
        reverse("goals:goal_result", args=[goal.pk]),
        {"result": LONG + "超", "achievement": levels[1].pk, "version": goal.version},
    )
    assert response.status_code == 400
    assert (
        f"実施結果は{RESULT_TEXT_MAX}文字以内にしてください（現在{RESULT_TEXT_MAX + 1}文字）"
        in response.content.decode()
    )
    goal.refresh_from_db()
    assert goal.result == ""
