"""The sheet as the official record, in the PDF and the workbook: what it says it is on every page,
only handed-in results, the 未提出 mark, the level's label and the legend, continued rows, the PDF's
metadata and tags, the PDF/A variant, the workbook's page breaks and its flat worksheet; for the
whole ward, one department and several departments."""

import datetime
import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from departments.models import Department
from goals import workflow
from goals.imports.reader import read_workbook
from goals.lib.wareki import date_label
from goals.models import RESULT_TEXT_MAX, AchievementLevel, Category, DepartmentReport, Goal, Sheet
from goals.sheet import pdf
from goals.sheet.layout import build_layout
from goals.sheet.workbook import render_xlsx
from tests.sheet_helpers import hand_in, pdfinfo, pdftotext_pages, strip, workbook

Status = DepartmentReport.Status
LOCKED_ON = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=datetime.UTC)
DRAFT = "入力中の下書きで、まだ提出されていない実施結果です。"


def today() -> str:
    return date_label(timezone.localdate())


def flat(text: str) -> str:
    return "".join(text.split())


def dated(sheet, when):
    """The sheet's latest history record, dated as if it had happened `when`."""
    latest = sheet.history.latest("history_date")
    sheet.history.filter(history_id=latest.history_id).update(history_date=when)


def close(sheet, reviewer, when=LOCKED_ON, reason="年度末のため確定します"):
    """確定 through the workflow, as if on `when`."""
    workflow.advance(sheet, by=reviewer, override_reason=reason)
    dated(sheet, when)
    return Sheet.objects.select_related("ward").get(pk=sheet.pk)


@pytest.fixture
def locked_year(seed, reviewer):
    """The reviewer's case: 確定 with a reason while 区民課 was still 入力中 with a draft, 総務課 and
    企画課 confirmed, 衛生課 returned, and the other departments never handed anything in."""
    levels = {level.number: level for level in AchievementLevel.objects.all()}
    for name in ("総務課", "企画課", "衛生課"):
        Goal.objects.filter(sheet=seed, department__name=name).update(
            result=f"{name}の実施結果です。", achievement=levels[2]
        )
    Goal.objects.filter(sheet=seed, department__name="区民課").update(result=DRAFT, achievement=levels[1])
    hand_in(seed, "総務課", "企画課", status=Status.CONFIRMED)
    hand_in(seed, "衛生課", status=Status.RETURNED)
    hand_in(seed, "区民課", status=Status.IN_PROGRESS)
    return close(seed, reviewer)


# --- 1. The sheet states what it is, on every page -------------------------------------------


def test_working_copy_says_so_on_every_pdf_page(seed):
    pages = pdftotext_pages(pdf.render_pdf(build_layout(seed)))
    assert len(pages) > 1
    for page in pages:
        assert "作成中（案）" in page
        assert flat(f"実施中の段階の作業用の写しです。確定版ではありません（{today()}出力）") in page


def test_planning_copy_names_its_phase(seed):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    seed.refresh_from_db()
    layout = build_layout(seed)
    assert (
        layout.statement.line
        == f"作成中（案）　計画の段階の作業用の写しです。確定版ではありません（{today()}出力）"
    )


def test_locked_sheet_says_確定_with_the_date_of_locking_on_every_page(locked_year):
    pages = pdftotext_pages(pdf.render_pdf(build_layout(locked_year)))
    for page in pages:
        assert "確定" in page.replace("令和8年5月20日に確定した", "")
        assert flat(f"令和8年5月20日に確定した取組シートです（{today()}出力）") in page
        assert "作成中" not in page


def test_locking_date_is_the_last_time_it_became_確定(locked_year, reviewer):
    workflow.reopen(locked_year, by=reviewer, reason="数値の誤りを直すため")
    dated(locked_year, datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC))
    again = close(locked_year, reviewer, when=datetime.datetime(2026, 6, 3, 1, 0, tzinfo=datetime.UTC))
    assert build_layout(again).statement.text.startswith("令和8年6月3日に確定した")


def test_workbook_header_says_what_it_is(seed, locked_year):
    sheet = workbook(render_xlsx(build_layout(locked_year)))["取組シート"]
    assert sheet.oddHeader.left.text == "確定"
    assert sheet.oddHeader.right.text == f"令和8年5月20日に確定した取組シートです（{today()}出力）"
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    draft = workbook(render_xlsx(build_layout(Sheet.objects.get(pk=seed.pk))))["取組シート"]
    assert draft.oddHeader.left.text == "作成中（案）"
    assert draft.oddHeader.right.text.startswith("実施中の段階の作業用の写しです。確定版ではありません")


def test_web_page_prints_the_statement_with_the_column_headers(client, editor, locked_year):
    """In the table's header group, which the browser's print repeats on every page."""
    client.force_login(editor)
    html = client.get(reverse("goals:sheet", args=["幸区", 2025])).content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert '<strong class="statement-mark">確定</strong>　令和8年5月20日に確定した取組シートです' in head


# --- 2. Only handed-in results are printed ------------------------------------------------------


def test_locked_year_prints_no_draft_and_marks_what_was_not_handed_in(locked_year):
    pages = pdftotext_pages(pdf.render_pdf(build_layout(locked_year)))
    whole = "".join(pages)
    assert flat(DRAFT) not in whole
    assert "総務課の実施結果です。" in whole and "企画課の実施結果です。" in whole
    assert "衛生課の実施結果です。" not in whole  # returned: a draft again
    goals = Goal.objects.filter(sheet=locked_year)
    not_handed_in = goals.exclude(department__name__in=("総務課", "企画課", "衛生課")).count()
    returned = goals.filter(department__name="衛生課").count()
    assert whole.count("未提出（差戻し中）") == returned
    assert whole.count("未提出") == not_handed_in + returned


def test_workbook_prints_no_draft_and_marks_what_was_not_handed_in(locked_year):
    book = workbook(render_xlsx(build_layout(locked_year)))
    sheet = book["取組シート"]
    top = next(c.row for c in sheet["A"] if c.value == "部署名")
    results = {}
    department = None
    for name, _number, _category, _text, result in sheet.iter_rows(min_row=top + 1, values_only=True):
        department = name or department
        results.setdefault(department, set()).add(result)
    assert results["区民課"] == {"未提出"}
    assert results["衛生課"] == {"未提出（差戻し中）"}
    assert results["総務課"] == {"達成度：2 目標を上回って達成\n総務課の実施結果です。"}
    assert all(DRAFT not in str(cell.value) for row in book["一覧"].iter_rows() for cell in row)
    statuses = {row[2]: row[9] for row in book["一覧"].iter_rows(min_row=2, values_only=True)}
    assert (
        statuses["区民課"] == "入力中" and statuses["衛生課"] == "差戻し" and statuses["総務課"] == "確認済み"
    )


def test_confirmed_only_keeps_the_confirmed_departments(client, editor, locked_year):
    client.force_login(editor)
    response = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]) + "?status=confirmed")
    assert response["Content-Disposition"].endswith(
        "%E7%A2%BA%E8%AA%8D%E6%B8%88%E3%81%BF%E3%81%AE%E3%81%BF.pdf"
    )  # …_幸区_確認済みのみ.pdf
    pages = pdftotext_pages(response.content)
    whole = "".join(pages)
    assert "総務課" in whole and "企画課" in whole
    assert "区民課" not in whole and "衛生課" not in whole and "未提出" not in whole
    assert all("確認済みの部署のみ掲載" in page for page in pages)
    xlsx = client.get(reverse("goals:sheet_xlsx", args=["幸区", 2025]) + "?status=confirmed")
    listed = {row[2] for row in workbook(xlsx.content)["一覧"].iter_rows(min_row=2, values_only=True)}
    assert listed == {"総務課", "企画課"}


def test_export_command_confirmed_only_and_several_departments(locked_year, tmp_path):
    target = tmp_path / "sheet.xlsx"
    call_command(
        "export_sheet",
        *("--ward", "幸区", "--year", "2025", "--format", "xlsx", "--output", str(target)),
        *("--department", "総務課", "--department", "区民課", "--department", "企画課", "--confirmed-only"),
        verbosity=0,
    )
    book = workbook(target.read_bytes())
    assert {row[2] for row in book["一覧"].iter_rows(min_row=2, values_only=True)} == {"総務課", "企画課"}


def test_department_page_shows_drafts_to_reviewers_marked_as_drafts(client, reviewer, seed):
    Goal.objects.filter(sheet=seed, department__name="区民課").update(result=DRAFT)
    hand_in(seed, "区民課", status=Status.IN_PROGRESS)
    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    client.force_login(reviewer)
    html = client.get(reverse("goals:report", args=[report.pk])).content.decode()
    count = Goal.objects.filter(sheet=seed, department__name="区民課").count()
    assert html.count('<span class="draft-mark">下書き（未提出）</span>') == count
    assert html.count(DRAFT) == count
    hand_in(seed, "区民課")
    assert "下書き（未提出）" not in client.get(reverse("goals:report", args=[report.pk])).content.decode()


# --- 3. The level with its label, and the legend ---------------------------------------------------


def test_level_label_and_legend_from_the_configured_levels(seed):
    AchievementLevel.objects.filter(number=5).update(label="目標を大きく下回った（要改善）")
    goal = Goal.objects.get(sheet=seed, department__name="衛生課", number="2")
    goal.achievement = AchievementLevel.objects.get(number=2)
    goal.result = "窓口での案内件数が前年度より増えた。"
    goal.save()
    hand_in(seed, "衛生課")
    layout = build_layout(seed)
    pages = pdftotext_pages(pdf.render_pdf(layout))
    assert "達成度：2目標を上回って達成窓口での案内件数が前年度より増えた。" in "".join(pages)
    legend = "達成度の凡例1目標を大きく上回って達成2目標を上回って達成3目標をほぼ達成4目標を下回った5目標を大きく下回った（要改善）"
    assert legend in pages[0]

    sheet = workbook(render_xlsx(layout))["取組シート"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert [c.value for c in cells if c.value.startswith("達成度の凡例")] == [layout.legend_line]
    assert "5 目標を大きく下回った（要改善）" in layout.legend_line
    result = next(c for c in cells if c.value.endswith("窓口での案内件数が前年度より増えた。"))
    # Printed as the PDF prints it, label included: the importer reads 「達成度：2 …」 back as level 2.
    assert result.value == "達成度：2 目標を上回って達成\n窓口での案内件数が前年度より増えた。"
    flat_row = next(r for r in workbook(render_xlsx(layout))["一覧"].iter_rows(min_row=2) if r[6].value)
    assert (flat_row[7].value, flat_row[7].data_type, flat_row[8].value) == (2, "n", "目標を上回って達成")


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_prints_the_label_and_breaks_pages_with_the_department(seed, tmp_path):
    """The workbook as LibreOffice prints it: the label shown, every page opening with its department
    and the statement in the page header."""
    Goal.objects.filter(sheet=seed, department__name="衛生課").update(
        result="衛生課の実施結果です。", achievement=AchievementLevel.objects.get(number=3)
    )
    hand_in(seed, "衛生課")
    layout = build_layout(seed)
    source = tmp_path / "sheet.xlsx"
    book = workbook(render_xlsx(layout))
    del book["一覧"]  # the official worksheet alone, as 総務課 prints it
    book.save(source)
    subprocess.run(
        [
            shutil.which("soffice"),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    pages = pdftotext_pages((tmp_path / "sheet.pdf").read_bytes())
    # LibreOffice does not apply the number format 「"達成度："@」 to a text of several lines: the
    # level's line prints as the value holds it (Excel prints the label).
    whole = "".join(pages)
    assert "3目標をほぼ達成" in whole and "衛生課の実施結果です。" in whole
    names = [part.name for part in layout.parts]
    laid_out = subprocess.run(
        [shutil.which("pdftotext"), "-layout", str(tmp_path / "sheet.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\f")[1:-1]
    assert len(laid_out) == len(pages) - 1
    for number, page in enumerate(laid_out, 2):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        header = next(i for i, line in enumerate(lines) if line.startswith("部署名"))
        assert any(lines[header + 1].startswith(name) for name in names), (number, lines[header + 1][:30])
    assert all(page.startswith("作成中（案）") for page in pages)


# --- 4. Long text never loses its owner ----------------------------------------------------------


@pytest.fixture
def long_result(seed):
    goal = Goal.objects.get(sheet=seed, department__name="企画課", number="2")
    goal.result = "長い実施結果です。" * (RESULT_TEXT_MAX // 9)
    goal.achievement = AchievementLevel.objects.get(number=3)
    goal.save()
    hand_in(seed, "企画課")
    return goal


def test_a_continued_row_repeats_department_number_and_category(seed, long_result):
    content = pdf.render_pdf(build_layout(seed))
    pages = pdftotext_pages(content)
    reached = [page for page in pages if "長い実施結果です。" in page]
    assert len(reached) >= 3
    category = long_result.category.name
    assert "企画課" in reached[0] and "達成度：3目標をほぼ達成" in reached[0]
    for page in reached[1:]:
        # Department and number each marked （続き）, and the 区分 repeated.
        assert "企画課（続き）" in page and page.count("（続き）") >= 2 and f"2{category}" in page
    # Every character of the result is printed, once.
    total = "".join(reached).count("長い実施結果です。")
    assert total >= RESULT_TEXT_MAX // 9 - len(reached)


def test_pieces_of_a_long_goal_hold_its_whole_text(seed, long_result):
    from goals.sheet.pagination import plan_pages

    layout = build_layout(seed)
    cut = plan_pages(layout).apply(layout)
    pieces = [row for row in cut.rows if row.number == "2" and row.department == "企画課"]
    assert len(pieces) >= 3
    assert [row.piece for row in pieces] == list(range(len(pieces)))
    assert "".join(row.result for row in pieces).replace("\n", "") == long_result.result
    assert [row.number_label for row in pieces[1:]] == ["2（続き）"] * (len(pieces) - 1)
    assert pieces[0].level is not None and all(row.level is None for row in pieces[1:])
    assert [row.index for row in cut.rows] == list(range(len(cut.rows)))


def test_result_form_counts_characters_and_names_the_printed_length(client, editor, kumin_report):
    goal = Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).first()
    client.force_login(editor)
    html = client.get(reverse("goals:goal_result", args=[goal.pk])).content.decode()
    assert 'data-char-count="id_result_count"' in html and 'data-page-length="900"' in html
    assert "印刷する取組シートでは、およそ900字までが1ページに収まります" in html
    assert f'<p class="char-count" id="id_result_count" data-limit="{RESULT_TEXT_MAX}"' in html
    assert "js/charcount.js" in html and "<script>" not in html


# --- 5. Metadata, tags, PDF/A ----------------------------------------------------------------------


def test_pdf_metadata(seed):
    content = pdf.render_pdf(build_layout(seed))
    info = strip(pdfinfo(content))
    assert info["Title"] == "令和7年度向上指針取組シート 幸区"
    assert "｜" not in info["Title"]
    assert info["Author"] == "幸区役所"
    assert info["Subject"].startswith("幸区の区役所サービス向上方針と区役所サービス向上目標（作成中（案）")
    assert info["CreationDate"].startswith(timezone.localdate().isoformat())
    assert info["Tagged"] == "yes"
    somu = Department.objects.get(ward=seed.ward, name="総務課")
    assert strip(pdfinfo(pdf.render_pdf(build_layout(seed, somu))))["Title"] == (
        "令和7年度向上指針取組シート（総務課） 幸区"
    )


def _structure(content: bytes):
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    types = []

    def walk(node, depth=0):
        node = node.get_object()
        if isinstance(node, dict) and "/S" in node:
            types.append(str(node["/S"]))
        kids = node.get("/K") if isinstance(node, dict) else None
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                walk(kid, depth + 1)

    walk(root["/StructTreeRoot"])
    return root, types


def test_pdf_is_tagged_in_japanese_with_headings_and_a_table(seed):
    content = pdf.render_pdf(build_layout(seed))
    root, types = _structure(content)
    assert root["/Lang"] == "ja"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert types.count("/H1") == 1 and types.count("/H2") == 2
    pages = len(PdfReader(io.BytesIO(content)).pages)
    assert types.count("/Table") == pages  # the table, drawn on each page under its header
    assert "/THead" in types and "/TBody" in types
    # Headers: the five column headers on each page's repeated header, the department cells.
    assert types.count("/TH") >= 5 + 15
    # One row per goal and the header rows, in reading order (the table's rows as drawn).
    assert types.count("/TR") >= 42 + 2


def test_pdf_ua_is_the_default_and_pdf_a_is_a_download_option(client, editor, seed):
    client.force_login(editor)
    default = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025])).content
    archive = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]) + "?variant=pdfa").content
    default_xmp = PdfReader(io.BytesIO(default)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in default_xmp
    root = PdfReader(io.BytesIO(archive)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="A"' in xmp
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "sRGB" in str(intent.get("/OutputConditionIdentifier", ""))
    assert client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]) + "?variant=x").status_code == 404


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf is not installed")
@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3a"])
def test_qpdf_finds_no_error(seed, tmp_path, variant):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf.render_pdf(build_layout(seed), variant))
    result = subprocess.run([shutil.which("qpdf"), "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_unknown_variant_setting_is_refused(seed, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SHEET_PDF_VARIANT = "pdf/x-4"
    with pytest.raises(ImproperlyConfigured, match="PDF の形式「pdf/x-4」には対応していません"):
        pdf.render_pdf(build_layout(seed))


# --- 6. The workbook: page breaks and the flat worksheet ------------------------------------------


def test_workbook_breaks_pages_between_goals_and_repeats_the_department(seed, long_result):
    sheet = workbook(render_xlsx(build_layout(seed)))["取組シート"]
    top = next(c.row for c in sheet["A"] if c.value == "部署名")
    breaks = [brk.id for brk in sheet.row_breaks.brk]
    assert breaks and all(b >= top for b in breaks)
    for after in breaks:
        # The first row of every printed page names its department (the merge starts there).
        assert sheet.cell(row=after + 1, column=1).value, after
        assert sheet.cell(row=after + 1, column=2).value  # a goal, not a blank row
    merged = [r for r in sheet.merged_cells.ranges if r.min_col == r.max_col == 1 and r.min_row > top]
    assert not any(r.min_row <= after < r.max_row for r in merged for after in breaks)
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0


def test_flat_worksheet_one_row_per_goal_with_an_autofilter(seed):
    book = workbook(render_xlsx(build_layout(seed)))
    assert book.sheetnames == ["取組シート", "一覧"]
    table = book["一覧"]
    header = [c.value for c in table[1]]
    assert header == [
        "区",
        "年度",
        "部署",
        "番号",
        "区分",
        "目標",
        "実施結果",
        "達成度",
        "達成度の名称",
        "提出状況",
    ]
    rows = list(table.iter_rows(min_row=2, values_only=True))
    goals = list(
        Goal.objects.filter(sheet=seed)
        .select_related("department", "category")
        .order_by("department__order", "order")
    )
    assert len(rows) == len(goals) == 42
    for row, goal in zip(rows, goals, strict=True):
        assert row[:6] == (
            "幸区",
            "令和7年度",
            goal.department.name,
            goal.number,
            goal.category.name if goal.category else None,
            goal.text,
        )
        assert row[6:] == (None, None, None, "未入力")
    assert table.auto_filter.ref == "A1:J43"
    assert table.freeze_panes == "A2"


def test_importer_reads_the_official_worksheet_and_the_flat_one_as_the_same_content(seed):
    Goal.objects.filter(sheet=seed, department__name="総務課").update(
        result="総務課の実施結果です。", achievement=AchievementLevel.objects.get(number=2)
    )
    hand_in(seed)
    content = render_xlsx(build_layout(seed))
    categories = Category.objects.values_list("name", flat=True)
    official = read_workbook(content, categories)
    assert official.worksheet == "取組シート" and not official.problems
    listed = read_workbook(content, categories, worksheet="一覧")
    assert not listed.problems

    def goals(parsed):
        return [(d.name, g.number, g.category, g.text) for d in parsed.departments for g in d.goals]

    assert goals(listed) == goals(official)
    results = {(d.name, g.number): g.result for d in listed.departments for g in d.goals}
    assert results[("総務課", "1")] == "総務課の実施結果です。"


# --- 7. One department, several departments -------------------------------------------------------


def test_several_departments_keep_statement_marks_and_legend(client, editor, locked_year):
    ids = [
        Department.objects.get(ward=locked_year.ward, name=name).pk for name in ("総務課", "区民課", "衛生課")
    ]
    client.force_login(editor)
    query = "?" + "&".join(f"department={i}" for i in ids)
    response = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]) + query)
    pages = pdftotext_pages(response.content)
    whole = "".join(pages)
    assert flat("令和7年度向上指針取組シート（総務課・区民課・衛生課）") in whole
    assert all("確定令和8年5月20日に確定した" in page for page in pages)
    assert "総務課の実施結果です。" in whole and flat(DRAFT) not in whole and "未提出（差戻し中）" in whole
    assert "達成度の凡例" in pages[0] and "企画課" not in whole
    assert (
        client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]) + "?department=999999").status_code == 404
    )


def test_one_department_keeps_statement_marks_and_legend(client, editor, locked_year):
    kumin = Department.objects.get(ward=locked_year.ward, name="区民課")
    client.force_login(editor)
    args = ["幸区", 2025, kumin.pk]
    pages = pdftotext_pages(client.get(reverse("goals:department_sheet_pdf", args=args)).content)
    assert all("確定令和8年5月20日に確定した" in page for page in pages)
    whole = "".join(pages)
    assert "未提出" in whole and flat(DRAFT) not in whole and "達成度の凡例" in whole
    sheet = workbook(client.get(reverse("goals:department_sheet_xlsx", args=args)).content)["取組シート"]
    assert sheet.oddHeader.left.text == "確定"
    assert {c.value for c in sheet["E"] if c.value and c.row > 12} == {"未提出"}
