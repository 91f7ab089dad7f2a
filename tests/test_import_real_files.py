"""Sheets as people really make them: written by XlsxWriter and LibreOffice, typed with full-width digits,
levels inside the result, hidden rows, formulas, CP932 CSV, .xls and .ods, huge used ranges.

Each file is built here by other software than openpyxl (tests/real_workbooks.py).
"""

import csv
import io

import pytest
import xlsxwriter

from goals.imports.commit import ImportRefused, commit_import
from goals.imports.grid import MAX_COLUMNS, MAX_ROWS, MAX_SCAN_ROWS, XlsxWorkbook
from goals.imports.plan import CHANGE, CREATE, build_plan
from goals.imports.reader import WorkbookError, read_workbook
from goals.models import Category, Goal, Sheet
from tests.import_helpers import fixture_content, full_dump, sheet_content
from tests.real_workbooks import (
    FIRST_GOAL_ROW,
    huge_used_range_workbook,
    libreoffice_convert,
    xlsxwriter_workbook,
)
from tests.seed_workbooks import build_seed_workbook


def read(data, **kwargs):
    return read_workbook(data, Category.objects.values_list("name", flat=True), **kwargs)


def plan_for(data, year=2025, **kwargs):
    return build_plan(read(data, **kwargs), "幸区", year)


def goals_of(plan, kind):
    return [(d.name, g.number) for d in plan.departments for g in d.goals if g.kind == kind]


# --- 1. numbers compared after NFKC ------------------------------------------------------


def test_full_width_numbers_match_the_goals_they_name_and_keep_the_stored_style(seed):
    jidou = Goal.objects.get(department__name="児童家庭課", number="2・3")
    rows = [
        ["総務課", "１", "共通", "全角の番号で書いた本文", None, None],
        ["児童家庭課", "２ ･ ３", "対応", jidou.text, None, None],
        [None, "９", "対応", "新しい目標", None, None],
    ]
    plan = plan_for(xlsxwriter_workbook(rows))
    assert not plan.problems
    assert goals_of(plan, CREATE) == [("児童家庭課", "９")]
    matched = {g.number: g.goal for d in plan.departments for g in d.goals if g.goal}
    assert matched == {
        "１": Goal.objects.get(sheet=seed, department__name="総務課", number="1"),
        "２ ･ ３": jidou,
    }
    commit_import(plan.parsed, "幸区", 2025)
    soumu = Goal.objects.filter(sheet=seed, department__name="総務課")
    assert sorted(soumu.values_list("number", flat=True)) == ["1", "2", "3"]  # no 「１」 beside 「1」
    assert soumu.get(number="1").text == "全角の番号で書いた本文"
    assert Goal.objects.get(sheet=seed, department__name="児童家庭課", text="新しい目標").number == "９"


def test_full_width_duplicate_numbers_in_one_file_are_refused_with_the_cell(seed):
    rows = [["総務課", "1", "共通", "本文A", None, None], [None, "１", "共通", "本文B", None, None]]
    plan = plan_for(xlsxwriter_workbook(rows))
    assert [str(p) for p in plan.problems] == [
        "シート「取組シート」 5行目 B列：部署「総務課」の番号「１」が重複しています（4行目と同じ番号）。"
    ]


# --- 2. levels wherever people put them --------------------------------------------------

LEVEL_CASES = [
    ("窓口を改善した。\n達成度：3", 3, "窓口を改善した。"),
    ("（達成度 2）窓口を改善した。", 2, "窓口を改善した。"),
    ("窓口を改善した。【達成度４】", 4, "窓口を改善した。"),
    ("目標をほぼ達成\n窓口を改善した。", 3, "窓口を改善した。"),
    ("窓口を改善した。\n目標を上回って達成", 2, "窓口を改善した。"),
    ("達成度：１ 目標を大きく上回って達成 窓口を改善した。", 1, "窓口を改善した。"),
    ("3 目標をほぼ達成\n窓口を改善した。", 3, "窓口を改善した。"),
    ("3件の窓口を改善した。", None, "3件の窓口を改善した。"),
]


@pytest.mark.parametrize(("typed", "level", "result"), LEVEL_CASES)
def test_levels_typed_inside_the_result_are_read_and_taken_out_of_the_text(seed, typed, level, result):
    plan = plan_for(xlsxwriter_workbook([["総務課", "1", "共通", "本文", typed, None]]))
    goal = plan.departments[0].goals[0]
    assert (goal.values["achievement"], goal.values["result"]) == (level, result)
    assert not plan.warnings and not plan.problems


def test_a_level_that_cannot_be_read_is_a_named_warning_and_the_text_is_kept(seed):
    plan = plan_for(xlsxwriter_workbook([["総務課", "1", "共通", "本文", "窓口を改善した。達成度：A", None]]))
    goal = plan.departments[0].goals[0]
    assert (goal.values["achievement"], goal.values["result"]) == (None, "窓口を改善した。達成度：A")
    assert not plan.problems
    [warning] = plan.warnings
    assert warning.location == "シート「取組シート」 4行目 E列"
    assert "「達成度：A」から達成度を読み取れません" in warning.message


def test_a_filled_level_column_wins_over_the_text(seed):
    plan = plan_for(xlsxwriter_workbook([["総務課", "1", "共通", "本文", "達成度：3 を目指した", "２"]]))
    goal = plan.departments[0].goals[0]
    assert (goal.values["achievement"], goal.values["result"]) == (2, "達成度：3 を目指した")


# --- 3. cells as Excel stores them -------------------------------------------------------


def test_excel_line_breaks_are_decoded_and_the_level_on_that_line_is_read(seed):
    data = xlsxwriter_workbook([["総務課", "1", "共通", "本文", "窓口を改善した。\r\n達成度：3", None]])
    assert b"_x000D_" in _sheet_xml(data) + _shared_strings(data)  # stored the way Excel stores it
    goal = plan_for(data).departments[0].goals[0]
    assert (goal.values["achievement"], goal.values["result"]) == (3, "窓口を改善した。")


def test_escape_like_text_typed_by_a_person_stays_as_typed(seed):
    # Excel (and XlsxWriter) store a typed 「_x000D_」 as 「_x005F_x000D_」: it is text, not a line break.
    data = xlsxwriter_workbook([["総務課", "1", "共通", "一行目_x000D_二行目", None, None]])
    assert b"_x005F_x000D_" in _shared_strings(data)
    assert plan_for(data).departments[0].goals[0].values["text"] == "一行目_x000D_二行目"
    # LibreOffice unescapes it on opening and saves the plain text in .ods, which has no such escapes.
    ods = libreoffice_convert(data, ".xlsx", "ods")
    assert plan_for(ods).departments[0].goals[0].values["text"] == "一行目_x000D_二行目"


def test_hidden_rows_and_columns_are_skipped_listed_and_can_be_included(seed):
    rows = [
        ["総務課", "1", "共通", "見えている目標", None, None, "古いメモ"],
        [None, "5", "共通", "取り下げて隠した目標", None, None, None],
    ]
    data = xlsxwriter_workbook(rows, hidden_rows={FIRST_GOAL_ROW + 1}, hidden_columns={6})
    parsed = read(data)
    assert [g.number for d in parsed.departments for g in d.goals] == ["1"]
    assert (parsed.hidden_rows, parsed.hidden_columns) == ([5], ["G"])
    included = read(data, include_hidden=True)
    assert [g.number for d in included.departments for g in d.goals] == ["1", "5"]
    assert included.hidden_rows == []


def test_hidden_level_column_is_not_read(seed):
    data = xlsxwriter_workbook([["総務課", "1", "共通", "本文", "実施した", 2]], hidden_columns={5})
    parsed = read(data)
    assert "achievement" not in parsed.columns and parsed.hidden_columns == ["F"]


def test_formula_without_a_saved_result_is_named_never_a_goal_numbered_0(seed):
    # XlsxWriter, like openpyxl, never calculates: Excel is asked to recalculate on opening.
    data = xlsxwriter_workbook(
        [["総務課", None, "共通", "本文", None, None]], formulas=[(FIRST_GOAL_ROW, 1, "=ROW()-3", None)]
    )
    plan = plan_for(data)
    assert (
        "シート「取組シート」 4行目 B列：計算式「=ROW()-3」のセルに計算結果が保存されていません。"
        "Excel で開いて保存し直すか、値として貼り付けてから選んでください。"
    ) in [str(p) for p in plan.problems]
    before = full_dump()
    with pytest.raises(ImportRefused):
        commit_import(plan.parsed, "幸区", 2025)
    assert full_dump() == before


def test_formula_with_a_saved_result_is_read_from_it_and_named(seed):
    # As Excel saves it: the result stored, no request to recalculate on opening.
    written = xlsxwriter_workbook(
        [["総務課", None, "共通", "本文", None, None]], formulas=[(FIRST_GOAL_ROW, 1, "=ROW()-3", 1)]
    )
    plan = plan_for(_replace(written, "xl/workbook.xml", b' fullCalcOnLoad="1"', b""))
    assert not plan.problems
    assert goals_of(plan, CHANGE) == [("総務課", "1")]
    assert [str(w) for w in plan.warnings] == [
        "シート「取組シート」 4行目 B列：計算式「=ROW()-3」のセルは、保存された結果「1」を読みました。"
    ]


@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_a_stale_zero_kept_by_libreoffice_is_refused_not_a_goal_numbered_0(seed, target):
    # LibreOffice does not recalculate a file it opens: it saves the 0 XlsxWriter wrote as the result.
    written = xlsxwriter_workbook(
        [["総務課", None, "共通", "本文", None, None]], formulas=[(FIRST_GOAL_ROW, 1, "=ROW()-3", None)]
    )
    plan = plan_for(libreoffice_convert(written, ".xlsx", target))
    [problem] = [p for p in plan.problems if "計算式" in p.message]
    assert problem.location == "シート「取組シート」 4行目 B列"
    assert "保存された結果が「0」です。結果が古い可能性があります。" in problem.message
    with pytest.raises(ImportRefused):
        commit_import(plan.parsed, "幸区", 2025)


def test_blank_rows_merged_departments_and_trailing_spaces_as_before(seed):
    rows = [["総務課  ", "1 ", "共通", "本文 ", None, None], [], [None, "2", "庁内体制", "本文2", None, None]]
    parsed = read(xlsxwriter_workbook(rows))
    [department] = parsed.departments
    assert department.name == "総務課"
    assert [(g.number, g.text, g.row) for g in department.goals] == [("1", "本文", 4), ("2", "本文2", 6)]


# --- 4. the files people have ------------------------------------------------------------


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_seed_saved_by_libreoffice_as_xls_and_ods_imports_to_the_fixture(bare_ward, target):
    Sheet.objects.create(ward=bare_ward, fiscal_year=2025, phase=Sheet.Phase.IN_PROGRESS)
    data = libreoffice_convert(build_seed_workbook(), ".xlsx", target)
    parsed = read(data)
    assert parsed.kind == target
    commit_import(parsed, "幸区", 2025, create_missing=True)
    assert sheet_content("幸区", 2025) == fixture_content()


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_hidden_rows_survive_libreoffice_and_are_skipped(seed, target):
    rows = [
        ["総務課", "1", "共通", "見えている目標", None, None],
        [None, "5", "共通", "隠した目標", None, None],
    ]
    data = libreoffice_convert(xlsxwriter_workbook(rows, hidden_rows={FIRST_GOAL_ROW + 1}), ".xlsx", target)
    parsed = read(data)
    assert [g.number for d in parsed.departments for g in d.goals] == ["1"]
    assert parsed.hidden_rows == [5]


def _csv_bytes(encoding):
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["令和7年度向上指針取組シート"])
    writer.writerow(
        ["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度", "達成度"]
    )
    writer.writerow(["総務課", "１", "共通", "髙橋さんの窓口～改善\r\n二行目", "実施した", "3"])
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_csv_saved_by_excel_in_cp932_or_utf8_is_read(seed, encoding):
    parsed = read(_csv_bytes(encoding))
    assert parsed.kind == "csv" and parsed.title_year == 2025
    [goal] = parsed.departments[0].goals
    assert (goal.number, goal.text, goal.achievement) == ("１", "髙橋さんの窓口～改善\n二行目", "3")


def test_csv_in_no_known_encoding_is_refused_in_japanese(seed):
    with pytest.raises(WorkbookError, match="CSV の文字コードを読み取れません"):
        read("部署名,番号\n".encode() + b"\x82\xa0\xff\xfe\x85")


def test_xlsm_is_read_for_its_values(seed):
    data = _with_member(
        xlsxwriter_workbook([["総務課", "1", "共通", "本文", None, None]]), "xl/vbaProject.bin"
    )
    parsed = read(data)
    assert parsed.kind == "xlsm"
    assert "マクロは実行せず、セルの値だけを読み込みます。" in " ".join(parsed.notes)


def test_a_flat_table_worksheet_is_passed_over_for_the_official_one(seed):
    flat = [
        ["区", "年度", "部署名", "番号", "表示順", "区分", "目標及び具体的な取組内容", "実施結果", "達成度"],
        ["幸区", 2025, "総務課", "1", 1, "共通", "平らな表の本文", "", ""],
    ]
    data = xlsxwriter_workbook(
        [["総務課", "1", "共通", "公式の本文", None, None]], sheets_before=[("一覧", flat)]
    )
    parsed = read(data)
    assert parsed.worksheet == "取組シート"
    assert parsed.departments[0].goals[0].text == "公式の本文"
    assert read(data, worksheet="一覧").departments[0].goals[0].text == "平らな表の本文"


# --- bounded reading: the used range says nothing about memory ---------------------------


def test_one_cell_at_xfd_in_every_row_is_never_materialised(seed):
    data = huge_used_range_workbook()
    assert len(data) < 200_000 and b'<dimension ref="A1:XFD20004"/>' in _sheet_xml(data)
    grid = XlsxWorkbook(data).grid("取組シート")
    assert max(len(row) for row in grid.rows) <= MAX_COLUMNS
    assert len(grid.rows) == FIRST_GOAL_ROW  # rows holding only column XFD are blank to us
    parsed = read(data)
    assert [(d.name, [g.number for g in d.goals]) for d in parsed.departments] == [("総務課", ["1"])]


def test_far_cells_are_not_scanned_for_ever(seed):
    data = huge_used_range_workbook(rows=MAX_SCAN_ROWS)
    with pytest.raises(WorkbookError) as refused:
        read(data)
    assert f"（{MAX_SCAN_ROWS + 1}行目に入力があります。" in str(refused.value.problem)


def test_content_below_the_last_row_a_sheet_can_hold_is_refused_in_japanese(seed, tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "far.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("取組シート")
    for column, label in enumerate(["部署名", "番号", "区分", "目標及び具体的な取組内容"]):
        sheet.write_string(0, column, label)
    sheet.write_string(1_048_575, 0, "総務課")
    book.close()
    before = full_dump()
    with pytest.raises(WorkbookError) as refused:
        read((tmp_path / "far.xlsx").read_bytes())
    assert str(refused.value.problem) == (
        "シート「取組シート」は大きすぎるため、取組シートとして読み込めません（1048576行目に入力があります。"
        f"読み込めるのは{MAX_ROWS:,}行目までです）。取組シートの表だけを残したブックを選んでください。"
    )
    assert full_dump() == before


# --- 5. confirmations and the locked year -------------------------------------------------


def test_results_into_a_sheet_in_planning_need_confirmation(seed):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    data = xlsxwriter_workbook([["総務課", "1", "共通", "本文", "実施した", 3]])
    plan = plan_for(data)
    assert plan.confirmations == [
        "読み込む先の取組シートは「計画」の段階ですが、ファイルには実施結果・達成度があります。"
        "読み込むと、計画の段階のまま実施結果・達成度も書き込みます。"
    ]
    before = full_dump()
    with pytest.raises(Exception, match="確認が必要な点があります"):
        commit_import(plan.parsed, "幸区", 2025, confirmed=False)
    assert full_dump() == before
    commit_import(plan.parsed, "幸区", 2025, confirmed=True)
    assert Goal.objects.get(sheet=seed, department__name="総務課", number="1").result == "実施した"


def test_a_locked_year_says_so_and_who_can_reopen_it(seed):
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    plan = plan_for(xlsxwriter_workbook([["総務課", "1", "共通", "本文", None, None]]))
    assert plan.locked and plan.file_problems == []
    message = plan.problems[0].message
    assert "確定済み（年度が締められています）" in message
    assert (
        "ファイルを直す必要はありません。確定を解除できるのは幸区の取りまとめ担当（総務課など）です。"
        in message
    )


def _sheet_xml(data):
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def _shared_strings(data):
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in archive.namelist() else b""


def _replace(data, member, old, new):
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item, content.replace(old, new) if item.filename == member else content)
    return out.getvalue()


def _with_member(data, name):
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr(name, b"\x00" * 64)
    return out.getvalue()
