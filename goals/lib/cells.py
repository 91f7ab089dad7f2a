"""Reading the cells of an official 取組シート, whatever it was typed in.

Shared by the seed text reader (seed.py) and the workbook importer
(importers.py): both meet the same narrow-cell habits of the official sheet.
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# The middle dots people type between compound numbers (「2・3」): katakana, half-width, Latin, math.
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("･·‧∙⋅•", "・"))


class GoalCellError(ValueError):
    pass


def squeeze(raw: str | None) -> str:
    """A label with every space and line break taken out: 「部 署 名」 and 「部署\\n名」 are 部署名."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw or ""))


def number_key(raw: str | None) -> str:
    """What two goal numbers are compared by: 「１」 is 1, 「２・３」 and 「2 ･ 3」 are 2・3.

    Only for matching: the number is stored as the ward typed it.
    """
    return squeeze(raw).translate(_MIDDLE_DOTS)


def normalize_category(raw: str | None) -> str | None:
    """Narrow cells break 区分 with spaces or line breaks: 「お 知 ら せ」 is お知らせ."""
    name = _WHITESPACE.sub("", raw or "")
    return name or None


def split_goal_cell(cell: str, known_categories) -> tuple[str, str | None, str]:
    """Split a one-cell goal 「1 対面対応 来庁や…」 into number, 区分 and text.

    The second word is taken as the 区分 only when it is a known one, because
    a goal without a 区分 starts its text right after the number. Words may be
    separated by spaces (also 全角) or line breaks.
    """
    parts = _WHITESPACE.split(cell.strip(), maxsplit=1)
    if len(parts) < 2:
        raise GoalCellError(f"目標のセル「{cell[:20]}…」に番号と本文がありません。")
    number, rest = parts
    first, *remainder = _WHITESPACE.split(rest, maxsplit=1)
    category = normalize_category(first)
    if category in known_categories and remainder:
        return number, category, remainder[0]
    return number, None, rest
