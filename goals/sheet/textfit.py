"""How many lines a text needs in a column: East Asian width and Japanese line breaking.

The workbook sizes its rows with it (a spreadsheet does not grow a row to
fit wrapped text by itself) and the PDF plans its page breaks with it before
drawing. Lines are filled greedily as renderers do: a line may break between
any two Japanese characters, except before closing brackets and punctuation
and small kana and after opening brackets (行頭・行末禁則), and a run of Latin
letters or digits breaks only at spaces, or anywhere when it is wider than
the column. Callers that need a safe upper bound pass a narrower column.
"""

import unicodedata
from functools import lru_cache

NO_LINE_START = frozenset(
    "、。，．,.)）]］}｝〕〉》」』】〙〗〟’”｠»"
    "ゝゞーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ々〻‐゠–〜？！?!‼⁇⁈⁉・:;：；/"
)
NO_LINE_END = frozenset("(（[［{｛〔〈《「『【〘〖〝‘“｟«")
WIDE = 1.0  # full-width characters take one em


@lru_cache(maxsize=8192)
def char_em(char: str, narrow: float) -> float:
    """Full-width and ambiguous-width characters (漢字, かな, ①, ○) 1 em; others `narrow`."""
    if unicodedata.east_asian_width(char) in "WFA":
        return WIDE
    return narrow


def text_em(text: str, narrow: float = 0.5) -> float:
    return sum(char_em(char, narrow) for char in text)


def count_lines(text: str, width_em: float, narrow: float = 0.5) -> int:
    """Lines `text` takes in a column `width_em` wide (0 for an empty text)."""
    if not text:
        return 0
    return sum(len(_paragraph_starts(paragraph, width_em, narrow)) for paragraph in text.split("\n"))


def wrap(text: str, width_em: float, narrow: float = 0.5) -> list[str]:
    """The lines of `text` as count_lines breaks them; a paragraph's last line keeps its "\n".

    Joining the lines gives `text` back exactly, so a text cut between two
    lines loses no character.
    """
    if not text:
        return []
    lines = []
    paragraphs = text.split("\n")
    for number, paragraph in enumerate(paragraphs):
        starts = _paragraph_starts(paragraph, width_em, narrow)
        for start, end in zip(starts, [*starts[1:], len(paragraph)], strict=True):
            lines.append(paragraph[start:end])
        if number < len(paragraphs) - 1:
            lines[-1] += "\n"
    return lines


def _can_break_before(text: str, i: int) -> bool:
    before, char = text[i - 1], text[i]
    if before.isspace():
        return True
    if char.isspace() or char in NO_LINE_START or before in NO_LINE_END:
        return False
    # Latin words and numbers hold together; Japanese breaks between characters.
    return not (char.isascii() and before.isascii())


def _paragraph_starts(text: str, width: float, narrow: float) -> list[int]:
    """Where each line of one paragraph starts."""
    starts, start, used, last_break = [0], 0, 0.0, None
    i = 0
    while i < len(text):
        char = text[i]
        if i > start and _can_break_before(text, i):
            last_break = i
        advance = char_em(char, narrow)
        if used + advance <= width or i == start or char.isspace():
            used += advance
            i += 1
            continue
        # Overflow: end the line at the last break opportunity, or right
        # here when there is none (a word wider than the column).
        start = last_break if last_break is not None and last_break > start else i
        starts.append(start)
        used, last_break, i = 0.0, None, start
    return starts
