"""What leaves the app in a file is inert: formula starts in the admin's CSV go out behind an apostrophe
(and come back without it on import), and bidirectional formatting characters are dropped on input and
from the printed sheet, so no text can run backwards in a PDF, a workbook or a page."""

import csv
import io
import json
import re
import shutil
import subprocess

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from goals.lib.text import from_spreadsheet_text, plain, spreadsheet_text
from goals.models import Goal, Sheet
from tests.test_flat_import_export import FORMATS, GOAL_COLUMNS, GOAL_FIELDS

FORMULAS = [
    '=HYPERLINK("http://example.invalid","押してください")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
]
TRICKY = [*FORMULAS, "'=1+1", "'", "''既に引用符", "\t=1+1", "\r=1+1", "普通の文", "", " =1+1"]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.mark.parametrize("text", TRICKY)
def test_spreadsheet_text_round_trips_and_never_starts_like_a_formula(text):
    escaped = spreadsheet_text(text)
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_spreadsheet_text(escaped) == text


def test_plain_drops_every_bidirectional_formatting_character():
    assert (
        plain(f"金額\u202e10,000円{BIDI}です\u200b") == "金額10,000円です\u200b"
    )  # zero-width space is not bidi


def _export(client, file_format, model="goals_goal", prefix="goalresource", fields=GOAL_FIELDS):
    data = {"format": FORMATS[file_format], "resource": "0"}
    data.update({f"{prefix}_{name}": "on" for name in fields})
    return client.post(reverse(f"admin:{model}_export"), data)


@pytest.fixture
def formula_goals(seed):
    goals = list(Goal.objects.filter(sheet=seed, department__name="総務課").order_by("order"))[:3]
    results = ["'=1+1", "-2+3", "@SUM(A1:A9)"]
    for goal, text, result in zip(goals, FORMULAS[:3], results, strict=True):
        Goal.objects.filter(pk=goal.pk).update(text=text, result=result)
    Goal.objects.filter(pk=goals[0].pk).update(number="+1")
    return Goal.objects.filter(pk__in=[g.pk for g in goals]).order_by("order")


def test_csv_export_neutralises_every_formula_start(client, superuser, formula_goals):
    client.force_login(superuser)
    rows = list(csv.reader(io.StringIO(_export(client, "csv").content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for goal in formula_goals:
        assert spreadsheet_text(goal.text) in cells and spreadsheet_text(goal.result) in cells
    assert "'+cmd|' /C calc'!A0" in cells and "''=1+1" in cells and "'+1" in cells


def test_libreoffice_reads_our_csv_as_text(client, superuser, formula_goals, tmp_path):
    """Files read by other software: LibreOffice, told to evaluate formulas, still finds none to evaluate."""
    soffice = shutil.which("soffice") or pytest.skip("LibreOffice (soffice) is not installed")
    client.force_login(superuser)
    source = tmp_path / "goals.csv"
    source.write_bytes(_export(client, "csv").content)
    # CSV filter: comma, UTF-8, from line 1, …, token 11 "evaluate formulas" on: the most trusting reader.
    options = "44,34,76,1,,1041,false,false,false,false,true"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            f"--infilter=CSV:{options}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheet = openpyxl.load_workbook(tmp_path / "goals.xlsx").active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert not [c.value for c in cells if c.data_type == "f"]
    values = {str(c.value) for c in cells}
    assert {"'-2+3", "''=1+1", "'@SUM(A1:A9)", "'+cmd|' /C calc'!A0"} <= values


def test_json_export_keeps_text_exactly(client, superuser, formula_goals):
    client.force_login(superuser)
    rows = json.loads(_export(client, "json").content)
    texts = {row["目標及び具体的な取組内容"] for row in rows}
    assert set(FORMULAS[:3]) <= texts


def _import(client, name, content, file_format):
    upload = SimpleUploadedFile(name, content)
    preview = client.post(
        reverse("admin:goals_goal_import"),
        {"import_file": upload, "format": FORMATS[file_format], "resource": "0"},
    )
    assert preview.status_code == 200
    confirm_form = preview.context["confirm_form"]
    assert confirm_form is not None, preview.content.decode()[-3000:]
    return client.post(
        reverse("admin:goals_goal_process_import"),
        {name: confirm_form[name].value() for name in confirm_form.fields},
        follow=True,
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_our_own_export_imports_back_to_the_stored_text(client, superuser, formula_goals, file_format):
    """The round trip: export, change one result in the file, import: every other text is as stored."""
    client.force_login(superuser)
    before = {g.pk: (g.number, g.text, g.result) for g in Goal.objects.all()}
    content = _export(client, file_format).content
    if file_format == "csv":
        content = content.decode("utf-8-sig").replace("''=1+1", "'=2+2", 1).encode("utf-8-sig")
    elif file_format == "json":
        content = content.decode().replace("'=1+1", "=2+2", 1).encode()
    else:
        book = openpyxl.load_workbook(io.BytesIO(content))
        for row in book.active.iter_rows():
            for cell in row:
                if cell.value == "'=1+1":
                    cell.value = "=2+2"
                    cell.data_type = "s"
        stream = io.BytesIO()
        book.save(stream)
        content = stream.getvalue()
    assert _import(client, f"goals.{file_format}", content, file_format).status_code == 200
    after = {g.pk: (g.number, g.text, g.result) for g in Goal.objects.all()}
    changed = {pk for pk in before if before[pk] != after[pk]}
    first = formula_goals.first()
    assert changed == {first.pk}
    assert after[first.pk] == ("+1", FORMULAS[0], "=2+2")


def test_bidi_controls_typed_in_a_form_are_dropped(client, editor, seed, levels):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    goal = Goal.objects.filter(department__name="区民課").order_by("order").first()
    client.force_login(editor)
    response = client.post(
        reverse("goals:goal_result", args=[goal.pk]),
        {"result": f"予算\u202e10,000円{BIDI}を執行", "achievement": levels[1].pk, "version": goal.version},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.result == "予算10,000円を執行"


def test_bidi_controls_typed_in_an_admin_import_are_dropped(client, superuser, seed):
    client.force_login(superuser)
    goal = Goal.objects.get(sheet=seed, department__name="総務課", number="1")
    row = ["幸区", "2025", "総務課", "1", "1", "共通", f"{goal.text}\u202e", "結果\u2067123\u2069円", "2"]
    out = io.StringIO()
    csv.writer(out).writerows([GOAL_COLUMNS, row])
    _import(client, "goals.csv", ("\ufeff" + out.getvalue()).encode(), "csv")
    text = goal.text
    goal.refresh_from_db()
    assert (goal.text, goal.result) == (text, "結果123円")


@pytest.fixture
def bidi_goal(seed):
    """Text stored before this check existed (or written by hand) still carries the overrides."""
    goal = Goal.objects.filter(sheet=seed, department__name="区民課").order_by("order").first()
    Goal.objects.filter(pk=goal.pk).update(
        text=f"窓口\u202e満足度90%{BIDI}", result=f"\u2066達成\u2069{BIDI}"
    )
    return goal


def test_printed_sheet_drops_bidi_controls(client, reviewer, seed, bidi_goal):
    client.force_login(reviewer)
    ward, year = seed.ward.name, seed.fiscal_year
    page = client.get(reverse("goals:sheet", args=[ward, year])).content.decode()
    assert "窓口満足度90%" in page and not re.search(f"[{BIDI}]", page)
    pdf = client.get(reverse("goals:sheet_pdf", args=[ward, year])).content
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "窓口満足度90%" in re.sub(r"\s+", "", text) and not re.search(f"[{BIDI}]", text)
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("goals:sheet_xlsx", args=[ward, year])).content)
    )
    values = "\n".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)
    assert "窓口満足度90%" in values and "達成" in values and not re.search(f"[{BIDI}]", values)
