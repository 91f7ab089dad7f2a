"""Reading a staff roster (CSV in UTF-8 or CP932, or XLSX) into rows, each problem with row and column.

Nothing here touches the database. The file checks (size, zip bomb, encrypted or
old-format workbooks) are the sheet import's own (goals.imports.safety); reading
stops after MAX_ROWS rows so a huge file cannot hold the worker.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from goals.imports.grid import XLSM, XLSX, GridError, decode_csv
from goals.imports.safety import ZIP_MAGIC, WorkbookRejected, check_upload_size, check_workbook_bytes

# The columns, in the order the export writes them. 職員番号 is accepted for ユーザー名.
USERNAME, NAME, EMAIL, DEPARTMENT, ROLE, VALID_FROM, VALID_UNTIL = (
    "ユーザー名",
    "氏名",
    "メール",
    "部署",
    "役割",
    "開始日",
    "終了日",
)
COLUMNS = [USERNAME, NAME, EMAIL, DEPARTMENT, ROLE, VALID_FROM, VALID_UNTIL]
ALIASES = {"職員番号": USERNAME, "ユーザーid": USERNAME, "ユーザーＩＤ": USERNAME, "メールアドレス": EMAIL}
REQUIRED = [USERNAME, DEPARTMENT, ROLE]
MAX_ROWS = 5000
LIMITS = {USERNAME: 150, NAME: 150, EMAIL: 254, DEPARTMENT: 100}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class RosterRejected(ValueError):
    """The file as a whole cannot be read; the message says why in Japanese."""


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = "".join(
            [f"{self.row}行目" if self.row else "", f"「{self.column}」列" if self.column else ""]
        )
        return f"{where}：{self.message}" if where else self.message


@dataclass
class RosterRow:
    row: int
    username: str
    name: str
    email: str
    department: str
    role: str  # the label as written; the plan maps it to a role
    valid_from: datetime.date | None
    valid_until: datetime.date | None


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    value = str(value).replace("\u3000", " ").strip()
    # The export writes '=… so a spreadsheet keeps it as text; read it back as written.
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@") else value


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    found = _DATE.match(text(value).translate(str.maketrans("０１２３４５６７８９／－", "0123456789/-")))
    if not found:
        raise ValueError
    return datetime.date(*(int(part) for part in found.groups()))


def _decode(data: bytes) -> str:
    try:
        return decode_csv(data)
    except GridError:
        raise RosterRejected(
            "ファイルの文字コードを読み取れません。CSV は UTF-8 または Shift_JIS（CP932）で保存してください。"
        ) from None


def _table(data: bytes) -> list[list]:
    """The file's cells, row by row, at most MAX_ROWS + 1 rows (the header and MAX_ROWS people)."""
    if not data:
        raise RosterRejected(
            "ファイルが空です（0 バイト）。職員名簿の CSV または Excel ブックを選んでください。"
        )
    try:
        check_upload_size(len(data))
        if data.startswith(ZIP_MAGIC) or data.startswith(b"\xd0\xcf\x11\xe0"):
            if check_workbook_bytes(data) not in (XLSX, XLSM):
                raise RosterRejected(
                    "古い形式（.xls）や OpenDocument（.ods）の名簿は読めません。"
                    "Excel ブック（.xlsx）か CSV で保存し直してから選んでください。"
                )
            return _workbook_rows(data)
    except WorkbookRejected as error:
        # The sheet import's words, about this file.
        raise RosterRejected(
            str(error).replace("取組シートの内容", "名簿").replace("取組シート", "職員名簿")
        ) from None
    if b"\x00" in data[:4096]:
        raise RosterRejected(
            "CSV ファイルとして読めません。Excel ブック（.xlsx）か、CSV（UTF-8 または Shift_JIS）を選んでください。"
        )
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error:
        raise RosterRejected("CSV ファイルの形式が壊れています（引用符の閉じ忘れなど）。") from None
    return rows


def _workbook_rows(data: bytes) -> list[list]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from KeyError to XML errors on a broken part
        raise RosterRejected("ブックが壊れているため読み込めません。Excel で保存し直してください。") from None
    try:
        worksheet = book.worksheets[0]
        worksheet.reset_dimensions()
        return [list(row) for row in worksheet.iter_rows(max_row=MAX_ROWS + 1, values_only=True)]
    except Exception:
        raise RosterRejected("ブックが壊れているため読み込めません。Excel で保存し直してください。") from None
    finally:
        book.close()


def _header(row) -> dict[str, int]:
    columns = {}
    for index, cell in enumerate(row):
        label = text(cell).replace(" ", "")
        label = ALIASES.get(label, ALIASES.get(label.lower(), label))
        if label in COLUMNS and label not in columns:
            columns[label] = index
    return columns


def read_roster(data: bytes) -> ParsedRoster:
    """Rows of the roster; RosterRejected when there is no table at all."""
    table = _table(data)
    if not table:
        raise RosterRejected("ファイルに行がありません。")
    columns = _header(table[0])
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        listed = "、".join(f"「{c}」" for c in missing)
        raise RosterRejected(
            f"1行目に見出し{listed}がありません。見出しは {'、'.join(COLUMNS)} です（職員番号はユーザー名の代わりに使えます）。"
        )
    parsed = ParsedRoster()
    if len(table) > MAX_ROWS + 1:
        raise RosterRejected(f"行が多すぎます。一度に読み込めるのは {MAX_ROWS} 人分までです。")
    for number, cells in enumerate(table[1:], start=2):
        if not any(text(c) for c in cells):
            continue
        row = _row(parsed, number, cells, columns)
        if row is not None:
            parsed.rows.append(row)
    if not parsed.rows and not parsed.problems:
        raise RosterRejected("職員の行がありません（見出しの下が空です）。")
    return parsed


def _row(parsed: ParsedRoster, number: int, cells, columns) -> RosterRow | None:
    def cell(column):
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    problems = []
    values = {column: text(cell(column)) for column in COLUMNS}
    for column in REQUIRED:
        if not values[column]:
            problems.append(Problem(number, column, f"{column}を入力してください。"))
    for column, limit in LIMITS.items():
        if len(values[column]) > limit:
            problems.append(
                Problem(number, column, f"長すぎます（{len(values[column])}文字、上限{limit}文字）。")
            )
    if values[USERNAME] and not re.fullmatch(r"[\w.@+-]+", values[USERNAME]):
        problems.append(
            Problem(number, USERNAME, "ユーザー名に使えるのは英数字と @ . + - _ です（空白は使えません）。")
        )
    if values[EMAIL]:
        try:
            validate_email(values[EMAIL])
        except ValidationError:
            problems.append(
                Problem(number, EMAIL, f"メールアドレス「{values[EMAIL]}」の形が正しくありません。")
            )
    dates = {}
    for column in (VALID_FROM, VALID_UNTIL):
        raw = cell(column)
        if raw in (None, "") or not text(raw):
            dates[column] = None
            continue
        try:
            dates[column] = parse_date(raw)
        except (ValueError, TypeError):
            problems.append(
                Problem(
                    number,
                    column,
                    f"日付「{text(raw)}」は 2026-04-01 または 2026/4/1 の形で入力してください。",
                )
            )
            dates[column] = None
    if dates[VALID_FROM] and dates[VALID_UNTIL] and dates[VALID_UNTIL] < dates[VALID_FROM]:
        problems.append(Problem(number, VALID_UNTIL, "終了日が開始日より前です。"))
    parsed.problems.extend(problems)
    if problems:
        return None
    return RosterRow(
        row=number,
        username=values[USERNAME],
        name=values[NAME],
        email=values[EMAIL],
        department=values[DEPARTMENT],
        role=values[ROLE],
        valid_from=dates[VALID_FROM],
        valid_until=dates[VALID_UNTIL],
    )
