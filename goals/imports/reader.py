"""Reading an official-layout 取組シート (.xlsx, .xlsm, .xls, .ods or CSV) into a plain ParsedSheet.

Nothing here touches the database: the caller passes the known 区分 names (to
split one-cell goals) and gets back what the workbook says, with every
problem located by worksheet, row and column. import_plan.py compares the
result with the database.

Columns are found by their header text, wherever the header row is:
部署名 / 番号 / 区分 / 目標及び具体的な取組内容 / 実施結果及び目標の達成度 / 達成度.
The seed's two layouts are both read (see seed/README.md): a goal in one
cell 「1 対面対応 来庁や…」, or number, 区分 and text in separate columns under
one merged 「目標及び具体的な取組内容」 header. A blank (or merged) 部署名 cell
means the department of the row above. Rows above the header may hold the
title (令和7年度向上指針取組シート), the office and the policy items ①–⑳.

Cells come from goals/imports/grid.py, bounded by what a sheet can hold.
Hidden rows and columns are left out (and listed) unless include_hidden;
a formula cell is read from its saved result, and one without a saved
result is a problem naming the cell, never a goal numbered 0.
"""

from dataclasses import asdict, dataclass, field

from openpyxl.utils import get_column_letter

from departments.models import Department
from goals.imports.grid import CSV, KIND_LABELS, XLSM, GridError, open_workbook
from goals.imports.safety import CORRUPT, PROTECTED, WorkbookRejected, check_workbook_bytes
from goals.lib.cells import GoalCellError, normalize_category, number_key, split_goal_cell, squeeze
from goals.lib.wareki import CIRCLED_NUMBERS, parse_fiscal_year_label
from goals.models import GOAL_NUMBER_MAX, GOAL_TEXT_MAX, POLICY_TEXT_MAX, RESULT_TEXT_MAX, Category
from goals.sheet.vocabulary import HEADER_ALIASES, NOT_SUBMITTED_MARK, RETURNED_MARK, TITLE_SUFFIX

HEADER_SEARCH_ROWS = 50
# Columns only a flat table (one row per goal, as the admin and a second worksheet of the export
# write it) has: a worksheet with them is read only when no official-looking one exists.
FLAT_TABLE_HEADERS = {"区", "区名", "年度", "表示順"}
DEPARTMENT_NAME_MAX = Department._meta.get_field("name").max_length
CATEGORY_NAME_MAX = Category._meta.get_field("name").max_length


RESULT_MARKS = {NOT_SUBMITTED_MARK, RETURNED_MARK}
RESULT_MARK_NOTE = (
    f"実施結果の欄が「{NOT_SUBMITTED_MARK}」「{RETURNED_MARK}」の目標は、実施結果がないものとして読みました"
    "（アプリで入力中の内容は変わりません）。"
)


@dataclass
class Problem:
    """Something that stops the import, located where the person can find it."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    @property
    def location(self) -> str:
        parts = []
        if self.sheet is not None:
            parts.append(f"シート「{self.sheet}」")
        if self.row is not None:
            parts.append(f"{self.row}行目")
        if self.column is not None:
            parts.append(f"{self.column}列")
        return " ".join(parts)

    def __str__(self):
        return f"{self.location}：{self.message}" if self.location else self.message


class WorkbookError(Exception):
    """The workbook as a whole cannot be read (not a workbook, no header, …)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class ParsedGoal:
    number: str
    category: str | None
    text: str
    result: str
    achievement: str  # as written; resolved against AchievementLevel by the plan
    row: int


@dataclass
class ParsedDepartment:
    name: str
    row: int
    goals: list[ParsedGoal] = field(default_factory=list)


@dataclass
class ParsedPolicy:
    number: int
    text: str
    row: int


@dataclass
class ParsedSheet:
    worksheet: str
    worksheets: list[str]
    title_year: int | None = None
    office_name: str | None = None
    policies: list[ParsedPolicy] | None = None  # None: the workbook has no policy section
    departments: list[ParsedDepartment] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # key → column letter
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # read, but a person should look at these
    notes: list[str] = field(default_factory=list)
    kind: str = "xlsx"
    include_hidden: bool = False
    hidden_rows: list[int] = field(default_factory=list)  # rows with content that were hidden
    hidden_columns: list[str] = field(default_factory=list)  # column letters with content that were hidden

    @property
    def goal_count(self) -> int:
        return sum(len(d.goals) for d in self.departments)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def problem(self, message, row=None, key=None):
        column = self.columns.get(key) or self.columns.get("text")
        self.problems.append(Problem(message, self.worksheet, row, column))

    def warning(self, message, row=None, key=None):
        column = self.columns.get(key) or self.columns.get("text")
        self.warnings.append(Problem(message, self.worksheet, row, column))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ParsedSheet":
        data = dict(data)
        data["departments"] = [
            ParsedDepartment(d["name"], d["row"], [ParsedGoal(**g) for g in d["goals"]])
            for d in data["departments"]
        ]
        if data["policies"] is not None:
            data["policies"] = [ParsedPolicy(**p) for p in data["policies"]]
        data["problems"] = [Problem(**p) for p in data["problems"]]
        data["warnings"] = [Problem(**p) for p in data["warnings"]]
        return cls(**data)


def cell_text(value) -> str:
    """A cell as text: numbers typed as numbers (1, 1.0) read as 「1」."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(
    data: bytes, known_categories, worksheet: str | None = None, *, include_hidden: bool = False
) -> ParsedSheet:
    """Read the goals table of one worksheet; raise WorkbookError if there is none to read."""
    try:
        kind = check_workbook_bytes(data)
        book = open_workbook(data, kind)
        name, grid, others = _choose_worksheet(book, worksheet, include_hidden)
    except (WorkbookRejected, GridError) as error:
        raise WorkbookError(Problem(str(error))) from None
    except WorkbookError:
        raise
    except Exception as error:  # readers raise anything from KeyError to XML errors on a broken part
        raise WorkbookError(Problem(_unreadable(error))) from None
    parsed = ParsedSheet(worksheet=name, worksheets=book.names(), kind=kind, include_hidden=include_hidden)
    if kind == XLSM:
        parsed.notes.append("マクロ有効ブックです。マクロは実行せず、セルの値だけを読み込みます。")
    if others:
        listed = "、".join(f"「{n}」" for n in others)
        parsed.notes.append(
            f"シート「{name}」を読み込みます。ほかにも目標の表があるシート（{listed}）は読み込みません。"
            "別のシートを読むには、シートを選び直してください。"
        )
    _read_table(parsed, grid, set(known_categories))
    return parsed


def _unreadable(error: Exception) -> str:
    """A password-protected .xls is only found out by xlrd; anything else broken is 壊れている."""
    if type(error).__name__ == "XLRDError" and "encrypted" in str(error).lower():
        return PROTECTED
    return CORRUPT


def _choose_worksheet(book, wanted: str | None, include_hidden: bool):
    """The worksheet to read (the one asked for, or the first official-looking one with a goals header).

    Returns its name, its grid and the other worksheets that also have a goals header.
    """
    names = book.names()
    if wanted is not None and wanted not in names:
        listed = "、".join(f"「{n}」" for n in names)
        raise WorkbookError(Problem(f"シート「{wanted}」はこのブックにありません。ブックのシート：{listed}"))
    candidates = [wanted] if wanted is not None else names
    official, flat, with_content = [], [], []
    for name in candidates:
        head = book.grid(name, HEADER_SEARCH_ROWS)
        if any(cell_text(v).strip() for row in head.rows for v in row):
            with_content.append(name)
        found = find_header(head.rows, set() if include_hidden else head.hidden_columns)
        if found is None:
            continue
        header_row = head.rows[found[0]]
        labels = {squeeze(cell_text(v)) for v in header_row}
        (flat if labels & FLAT_TABLE_HEADERS else official).append(name)
    with_header = official + flat
    if not with_content:
        where = f"シート「{wanted}」" if wanted is not None else "ブック"
        raise WorkbookError(Problem(f"{where}に何も入力されていません（空のブックです）。"))
    if not with_header:
        listed = "、".join(f"「{n}」" for n in candidates)
        raise WorkbookError(
            Problem(
                "見出しの行が見つかりません。「部署名」と「目標及び具体的な取組内容」の見出しがある行が必要です"
                f"（調べたシート：{listed}、各シートの{HEADER_SEARCH_ROWS}行目まで）。",
                sheet=candidates[0] if len(candidates) == 1 else None,
            )
        )
    chosen, *others = with_header
    return chosen, book.grid(chosen), [n for n in others if n not in flat]


def _header_key(label: str) -> str | None:
    for key, labels in HEADER_ALIASES.items():
        if label in labels:
            return key
    if label.startswith("実施結果"):
        return "result"
    if label.startswith("目標及び"):
        return "text"
    if "達成度" in label:
        return "achievement"
    return None


def _header_keys(row, hidden=frozenset()) -> dict[str, int]:
    keys: dict[str, int] = {}
    for index, value in enumerate(row):
        if index in hidden:
            continue
        key = _header_key(squeeze(cell_text(value)))
        if key and key not in keys:
            keys[key] = index
    return keys


def find_header(rows, hidden=frozenset()) -> tuple[int, dict[str, int]] | None:
    """The index of the header row and its columns (0-based, hidden columns left out), or None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = _header_keys(row, hidden)
        if "department" in keys and "text" in keys:
            return index, keys
    return None


@dataclass
class _Layout:
    columns: dict[str, int]
    text_span: list[int]  # the columns under 目標及び具体的な取組内容 when 番号/区分 have no header
    first_data_row: int


def _layout(rows, header_index: int, columns: dict[str, int], hidden) -> _Layout:
    columns = dict(columns)
    first_data_row = header_index + 1
    # A two-row header: 番号 / 区分 / 内容 under a merged 目標… cell.
    if first_data_row < len(rows):
        below = _header_keys(rows[first_data_row], hidden)
        if {"number", "category"} & below.keys() and "department" not in below:
            for key, index in below.items():
                if key == "text" or key not in columns:
                    columns[key] = index
            first_data_row += 1
    text = columns["text"]
    if "number" in columns:
        return _Layout(columns, [text], first_data_row)
    later = [i for i in columns.values() if i > text]
    end = min(later) if later else text + 1
    return _Layout(columns, [i for i in range(text, end) if i == text or i not in hidden], first_data_row)


def _read_table(parsed: ParsedSheet, grid, known_categories) -> None:
    rows = grid.rows
    hidden_columns = set() if parsed.include_hidden else grid.hidden_columns
    header_index, header_columns = find_header(rows, hidden_columns)
    layout = _layout(rows, header_index, header_columns, hidden_columns)
    parsed.columns = {key: get_column_letter(index + 1) for key, index in layout.columns.items()}
    _read_preamble(parsed, rows[:header_index])
    used = sorted({*layout.columns.values(), *layout.text_span})
    departments: dict[str, ParsedDepartment] = {}
    current = None
    hidden_columns_used = set()
    for index in range(layout.first_data_row, len(rows)):
        row_number = index + 1
        row = rows[index]
        hidden_columns_used.update(
            i for i in grid.hidden_columns if i < len(row) and row[i] not in (None, "")
        )
        if row_number in grid.hidden_rows and not parsed.include_hidden:
            if any(v not in (None, "") for v in row):
                parsed.hidden_rows.append(row_number)
            continue
        for column in used:
            _check_formula(parsed, grid, row, row_number, column)

        def cell(key, row=row):
            position = layout.columns.get(key)
            return cell_text(row[position]) if position is not None and position < len(row) else ""

        span = [cell_text(row[i]) if i < len(row) else "" for i in layout.text_span]
        if not any(v.strip() for v in span) and not any(
            cell(k).strip() for k in ("department", "number", "category", "result", "achievement")
        ):
            continue  # blank rows are page breaks in the original
        name = "".join(line.strip() for line in cell("department").splitlines())
        if squeeze(name) in HEADER_ALIASES["department"]:
            continue  # the header repeated on a later page
        if name:
            # A department row without a goal is kept: the sheet lists the department, goals to come.
            current = _department(parsed, departments, name, row_number)
        goal = _goal(parsed, row_number, cell, span, known_categories)
        if goal is None:
            continue
        if current is None:
            parsed.problem("最初の目標に部署名がありません。", row_number, "department")
            continue
        _add_goal(parsed, current, goal)
    if not parsed.include_hidden:
        parsed.hidden_columns = [get_column_letter(i + 1) for i in sorted(hidden_columns_used)]
    if parsed.kind == CSV:
        parsed.notes.append(
            "CSV ファイルのため、非表示の行・列や計算式は区別できません。見えている値をそのまま読みます。"
        )


def _check_formula(parsed: ParsedSheet, grid, row, row_number: int, column: int) -> None:
    """A formula is read from its saved result; none, or a 0 that is likely stale, stops the import."""
    where = (parsed.worksheet, row_number, get_column_letter(column + 1))
    formula = grid.formulas.get((row_number, column))
    if formula is not None:
        parsed.problems.append(
            Problem(
                f"計算式「{formula[:40]}」のセルに計算結果が保存されていません。Excel で開いて保存し直すか、"
                "値として貼り付けてから選んでください。",
                *where,
            )
        )
        return
    formula = grid.computed.get((row_number, column))
    if formula is None:
        return
    value = cell_text(row[column]) if column < len(row) else ""
    if value.strip() in ("", "0"):
        parsed.problems.append(
            Problem(
                f"計算式「{formula[:40]}」のセルの保存された結果が「{value or '空欄'}」です。結果が古い可能性があります。"
                "Excel で開いて計算し直して保存するか、値として貼り付けてから選んでください。",
                *where,
            )
        )
    else:
        parsed.warnings.append(
            Problem(f"計算式「{formula[:40]}」のセルは、保存された結果「{value[:30]}」を読みました。", *where)
        )


def _department(parsed, departments, name, row_number) -> ParsedDepartment:
    key = squeeze(name)
    if key not in departments:
        if len(name) > DEPARTMENT_NAME_MAX:
            parsed.problem(
                f"部署名が長すぎます（{len(name)}文字、上限{DEPARTMENT_NAME_MAX}文字）。",
                row_number,
                "department",
            )
        departments[key] = ParsedDepartment(name, row_number)
        parsed.departments.append(departments[key])
    return departments[key]


def _goal(parsed, row_number, cell, span, known_categories) -> ParsedGoal | None:
    result, achievement = cell("result").strip(), cell("achievement").strip()
    if result in RESULT_MARKS:
        # Our own sheet prints 未提出 where a department has not handed in its result: no result.
        result = ""
        if RESULT_MARK_NOTE not in parsed.notes:
            parsed.notes.append(RESULT_MARK_NOTE)
    if "number" in parsed.columns:
        number, category, text = cell("number").strip(), normalize_category(cell("category")), span[0].strip()
    else:
        number, category, text = _goal_from_span(parsed, row_number, span, known_categories)
        if category is None and "category" in parsed.columns:
            category = normalize_category(cell("category"))
    if not (number or category or text):
        if result or achievement:
            parsed.problem("実施結果または達成度がありますが、目標がありません。", row_number, "text")
        return None
    return ParsedGoal(number, category, text, result, achievement, row_number)


def _goal_from_span(parsed, row_number, span, known_categories):
    filled = [v.strip() for v in span]
    if not any(filled):
        return "", None, ""
    if filled[0] and not any(filled[1:]):  # one cell holds 「1 対面対応 来庁や…」
        try:
            return split_goal_cell(filled[0], known_categories)
        except GoalCellError as error:
            parsed.problem(str(error), row_number, "text")
            return "", None, ""
    if len(span) == 2:
        return filled[0], None, filled[1]
    rest = [v for v in filled[2:] if v]
    if len(rest) > 1:
        parsed.problem(
            "目標の本文が複数の列に分かれています。1つの列にまとめてください。", row_number, "text"
        )
    return filled[0], normalize_category(span[1]), rest[-1] if rest else ""


def _add_goal(parsed: ParsedSheet, department: ParsedDepartment, goal: ParsedGoal) -> None:
    row = goal.row
    if not goal.number:
        parsed.problem(f"部署「{department.name}」の目標に番号がありません。", row, "number")
    elif len(goal.number) > GOAL_NUMBER_MAX:
        parsed.problem(
            f"番号「{goal.number[:20]}…」が長すぎます（上限{GOAL_NUMBER_MAX}文字）。", row, "number"
        )
    if not goal.text:
        parsed.problem(f"部署「{department.name}」の目標{goal.number}に本文がありません。", row, "text")
    elif len(goal.text) > GOAL_TEXT_MAX:
        parsed.problem(
            f"目標の本文が長すぎます（{len(goal.text)}文字、上限{GOAL_TEXT_MAX}文字）。", row, "text"
        )
    if goal.category and len(goal.category) > CATEGORY_NAME_MAX:
        parsed.problem(
            f"区分「{goal.category[:20]}」が長すぎます（上限{CATEGORY_NAME_MAX}文字）。", row, "category"
        )
    if len(goal.result) > RESULT_TEXT_MAX:
        parsed.problem(
            f"実施結果が長すぎます（{len(goal.result)}文字、上限{RESULT_TEXT_MAX}文字）。", row, "result"
        )
    key = number_key(goal.number)
    first = next((g for g in department.goals if key and number_key(g.number) == key), None)
    if first is not None:
        parsed.problem(
            f"部署「{department.name}」の番号「{goal.number}」が重複しています（{first.row}行目と同じ番号）。",
            row,
            "number" if "number" in parsed.columns else "text",
        )
    department.goals.append(goal)


def _read_preamble(parsed: ParsedSheet, rows) -> None:
    """Title, office and policy items above the header; the policy section may be absent."""
    policies: list[ParsedPolicy] = []
    for index, row in enumerate(rows):
        texts = [(i, cell_text(v).strip()) for i, v in enumerate(row) if cell_text(v).strip()]
        for position, (column, text) in enumerate(texts):
            label = squeeze(text)
            if label.endswith(TITLE_SUFFIX) and parsed.title_year is None:
                try:
                    parsed.title_year = parse_fiscal_year_label(label.removesuffix(TITLE_SUFFIX))
                except ValueError:
                    parsed.notes.append(f"{index + 1}行目：表題「{text}」から年度を読み取れません。")
            elif label.endswith("役所") and len(label) <= 30 and parsed.office_name is None:
                parsed.office_name = label
            elif text[0] in CIRCLED_NUMBERS:
                body = text[1:].strip() or (texts[position + 1][1] if position + 1 < len(texts) else "")
                policies.append(_policy(parsed, CIRCLED_NUMBERS.index(text[0]) + 1, body, index + 1, column))
                break
    parsed.policies = policies or None


def _policy(parsed, number, text, row_number, column) -> ParsedPolicy:
    letter = get_column_letter(column + 1)
    if not text:
        parsed.problems.append(Problem(f"方針{CIRCLED_NUMBERS[number - 1]}に本文がありません。", parsed.worksheet, row_number, letter))  # fmt: skip
    elif len(text) > POLICY_TEXT_MAX:
        parsed.problems.append(
            Problem(
                f"方針{CIRCLED_NUMBERS[number - 1]}が長すぎます（{len(text)}文字、上限{POLICY_TEXT_MAX}文字）。",
                parsed.worksheet,
                row_number,
                letter,
            )
        )
    return ParsedPolicy(number, text, row_number)
