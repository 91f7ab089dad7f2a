"""The 達成度 as people type it: in its own column, or inside the result text.

In the result text it may stand on the first or the last line (our own export
writes 「3 目標をほぼ達成」 as the first line), or in brackets or after the word
達成度 at the very start or end: 「達成度：3」, 「（達成度 2）」, 「【達成度３ 目標をほぼ達成】」,
「目標をほぼ達成」 alone on a line. A number alone counts only after 達成度, because
results often start with one (「3件の…」). Anything that says 達成度 but does not
name a known level is reported, so it is never dropped silently.

`levels` are objects with .number and .label (goals.models.AchievementLevel).
"""

import re
import unicodedata
from dataclasses import dataclass

from goals.lib.cells import squeeze

WORD = "達成度"
_OPEN, _CLOSE = "(（【［[〔《<＜「", ")）】］]〕》>＞」"
_NUMBERED = re.compile(r"^(\d+)[.:、,・)）]?(.*)$", re.DOTALL)
_START_BRACKET = re.compile(rf"^\s*[{re.escape(_OPEN)}]([^\n{re.escape(_CLOSE)}]{{1,60}})[{re.escape(_CLOSE)}]\s*(.*)$", re.DOTALL)  # fmt: skip
_END_BRACKET = re.compile(rf"^(.*?)\s*[{re.escape(_OPEN)}]([^\n{re.escape(_OPEN)}]{{1,60}})[{re.escape(_CLOSE)}]\s*$", re.DOTALL)  # fmt: skip
_START_WORD = re.compile(
    r"^\s*(達成度\s*[:：=＝は]?\s*[0-9０-９]+)(?:\s*[:：.．、,，]\s*|\s+|$)(.*)$", re.DOTALL
)
_END_WORD = re.compile(r"^(.*?)[\s、,，]*(達成度[^\n達]{0,40})$", re.DOTALL)


@dataclass
class Found:
    level: object | None  # None: it says 達成度 but names no known level
    rest: str  # the result text without the level
    written: str  # the words that named (or failed to name) the level


def resolve(written: str, levels, *, prefixed_only=False):
    """The level a short text names: 「3」, 「3 目標をほぼ達成」, 「目標をほぼ達成」 (全角, brackets, 達成度 too).

    Returns the level, False when it says 達成度 (or is a number with a label) but names no
    known level, and None when it does not look like a level at all.
    """
    text = squeeze(unicodedata.normalize("NFKC", written))
    while text and text[0] in _OPEN and text[-1] in _CLOSE:
        text = text[1:-1]
    prefixed = text.startswith(WORD)
    by_label = {squeeze(level.label): level for level in levels}
    if prefixed:
        text = text.removeprefix(WORD)
        # 「達成度の向上を図った」 is a sentence about achievement, not a level.
        if text and len(text) > 3 and text[0] not in ":=は" and not text[0].isdigit():
            if not any(text.startswith(label) for label in by_label):
                return None
        text = text.lstrip(":=は")
    elif prefixed_only:
        return None
    if text in by_label:
        return by_label[text]
    match = _NUMBERED.match(text)
    if match:
        level = next((lv for lv in levels if lv.number == int(match[1])), None)
        label = match[2]
        if not label:
            return level if prefixed and level else (False if prefixed else None)
        if level is not None and squeeze(label) == squeeze(level.label):
            return level
        return False if (prefixed or squeeze(label) in by_label) else None
    return False if prefixed else None


def find_in_result(result: str, levels) -> Found | None:
    """The level written inside a result text, with the text that remains; None if it names none."""
    text = result.strip()
    if not text:
        return None
    lines = text.split("\n")
    candidates = [(lines[0], "\n".join(lines[1:]))]
    if len(lines) > 1:
        candidates.append((lines[-1], "\n".join(lines[:-1])))
    for pattern, fragment, rest in ((_START_BRACKET, 1, 2), (_END_BRACKET, 2, 1), (_START_WORD, 1, 2)):
        match = pattern.match(text)
        if match:
            candidates.append((match[fragment], match[rest]))
    match = _END_WORD.match(text)
    if match:
        candidates.append((match[2], match[1]))
    unreadable = None
    for fragment, rest in candidates:
        level = resolve(fragment, levels)
        if level:
            return Found(level, _without_label(rest.strip(), level), fragment.strip())
        if level is False and unreadable is None:
            unreadable = Found(None, text, fragment.strip())
    attempt = re.search(r"達成度\s*[:：=＝]\s*\S{0,10}|達成度\s*[0-9０-９]+", text)
    if unreadable is None and attempt:
        unreadable = Found(None, text, attempt[0])
    return unreadable


def _without_label(rest: str, level) -> str:
    """「達成度：3 目標をほぼ達成 来庁者…」: the label after the number is part of the level, not the result."""
    label = squeeze(level.label)
    normalized = unicodedata.normalize("NFKC", rest)
    taken, index = "", 0
    while index < len(normalized) and len(taken) < len(label):
        if not normalized[index].isspace():
            taken += normalized[index]
        index += 1
    if taken == label and len(normalized) == len(rest):
        return rest[index:].lstrip(" 　:：、。\n")
    return rest
