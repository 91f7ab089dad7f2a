"""Published sheets as open data: one row per goal, as CSV (UTF-8 with BOM) and JSON.

The column names follow the conventions of the national standard open-data
sets (自治体標準オープンデータセット, デジタル庁): the first columns name the
local government (全国地方公共団体コード, 都道府県名, 市区町村名), years are
Western years, dates are ISO 8601, and one file holds one kind of record.
COLUMNS below is the one list the CSV header, the JSON keys and the
description page (/kokai/opendata/) are all drawn from.

Rows are built from the goals directly (not from the printed layout), in the
sheet's order, in a constant number of queries: goals with their
department, 区分 and 達成度, and the sheet's ward and city already loaded.
Only sheets from access.public_sheets() come here: published, 確定, every
department's results handed in.
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass

from django.utils import timezone

from goals.lib.text import FORMULA_PREFIXES, plain
from goals.lib.wareki import fiscal_year_label
from goals.models import Goal, Sheet


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    example: str


COLUMNS = (
    Column(
        "全国地方公共団体コード", "区（なければ市）の全国地方公共団体コード（6桁、検査数字つき）", "141321"
    ),
    Column("都道府県名", "市の属する都道府県", "神奈川県"),
    Column("市区町村名", "市の名称", "川崎市"),
    Column("区名", "取組シートを作成した区", "幸区"),
    Column("年度", "4月に始まる年度（西暦）", "2025"),
    Column("年度（和暦）", "同じ年度の和暦表記", "令和7年度"),
    Column("部署名", "目標を立てた部署", "区民課"),
    Column("番号", "部署内の目標の番号（「2・3」のような表記もあるため文字列）", "1"),
    Column("区分", "目標の区分（対面対応、庁内体制など）。ない場合は空欄", "対面対応"),
    Column("目標", "目標及び具体的な取組内容", "来庁者に分かりやすい案内を行う"),
    Column("実施結果", "年度末の実施結果", "案内表示を改善しました"),
    Column("達成度", "達成度の番号（1が最も高い）。ない場合は空欄", "3"),
    Column("達成度の説明", "達成度の番号の意味", "目標をほぼ達成"),
    Column("公開日", "区がこのデータを公開した日（ISO 8601）", "2026-05-01"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)

# What a CSV cell must not start with to stay text in a spreadsheet program:
# the formula starts, and tab or carriage return (which some programs skip
# before reading a formula).
_FORMULA_STARTS = (*FORMULA_PREFIXES, "\t", "\r")


def neutralise_formula(text: str) -> str:
    """「=1+1」 → 「'=1+1」: text a spreadsheet program opening the CSV shows, never evaluates."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def sheet_meta(sheet: Sheet) -> dict:
    """The local government and year a sheet's rows belong to (its ward and city loaded)."""
    ward, city = sheet.ward, sheet.ward.city
    return {
        "全国地方公共団体コード": ward.code or (city.code if city else ""),
        "都道府県名": city.prefecture if city else "",
        "市区町村名": city.name if city else "",
        "区名": ward.name,
        "年度": sheet.fiscal_year,
        "年度（和暦）": fiscal_year_label(sheet.fiscal_year),
        "公開日": timezone.localtime(sheet.published_at).date().isoformat() if sheet.published_at else "",
    }


def rows(sheet: Sheet) -> list[dict]:
    """One dict per goal, keys COLUMN_NAMES, values as stored (control characters dropped); 1 query."""
    meta = sheet_meta(sheet)
    goals = (
        Goal.objects.filter(sheet=sheet)
        .select_related("department", "category", "achievement")
        .order_by("department__order", "department__name", "order", "pk")
    )
    found = []
    for goal in goals:
        level = goal.achievement
        row = {
            **meta,
            "部署名": plain(goal.department.name),
            "番号": plain(goal.number),
            "区分": plain(goal.category.name) if goal.category else "",
            "目標": plain(goal.text),
            "実施結果": plain(goal.result),
            "達成度": level.number if level else None,
            "達成度の説明": plain(level.label) if level else "",
        }
        found.append({name: row[name] for name in COLUMN_NAMES})
    return found


def to_csv(records: list[dict]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a BOM (Excel then reads it as UTF-8), header row first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    for record in records:
        writer.writerow([_cell(record[name]) for name in COLUMN_NAMES])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    return neutralise_formula(value) if isinstance(value, str) else str(value)


def to_json(document) -> bytes:
    """Stable JSON (UTF-8, Japanese unescaped): the same data gives the same bytes."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def etag_of(content: bytes) -> str:
    """A strong ETag from the bytes themselves: it changes exactly when the data does."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
