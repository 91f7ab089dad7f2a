"""Japanese era (和暦) labels for fiscal years and dates.

The fiscal year (年度) runs from April to March and is named after the
calendar year it starts in: FY2025 (April 2025 – March 2026) is 令和7年度.
By official usage the first year of an era is 元年, and FY2019 is 令和元年度
even though April 2019 was still in 平成.
"""

import datetime
import re
import unicodedata

# Bounds of what a sheet can be about: 平成元年度 to a distant but sane future.
FIRST_FISCAL_YEAR = 1989
LAST_FISCAL_YEAR = 2100

CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# (name, first day of the era), newest first.
ERAS = (
    ("令和", datetime.date(2019, 5, 1)),
    ("平成", datetime.date(1989, 1, 8)),
    ("昭和", datetime.date(1926, 12, 25)),
)


def _year_in_era(year: int, era_start: datetime.date) -> str:
    n = year - era_start.year + 1
    return "元" if n == 1 else str(n)


def fiscal_year_label(fiscal_year: int) -> str:
    """2025 → 令和7年度; 2019 → 令和元年度; 2018 → 平成30年度; before 昭和, 1900年度.

    A label is for display and never raises: whatever a database row or its
    history holds, the page that shows it must still open.
    """
    if not isinstance(fiscal_year, int):
        return f"{fiscal_year}年度"
    for name, start in ERAS:
        if fiscal_year >= start.year:
            return f"{name}{_year_in_era(fiscal_year, start)}年度"
    return f"{fiscal_year}年度"


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year a date falls in (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


def date_label(day: datetime.date) -> str:
    """2026-11-24 → 令和8年11月24日; a day before 昭和 in the Western calendar (西暦1867年12月31日).

    Never raises (see fiscal_year_label): anything that is not a date is shown as it is.
    """
    if isinstance(day, datetime.datetime):
        day = day.date()
    if not isinstance(day, datetime.date):
        return "" if day is None else str(day)
    for name, start in ERAS:
        if day >= start:
            return f"{name}{_year_in_era(day.year, start)}年{day.month}月{day.day}日"
    return f"西暦{day.year}年{day.month}月{day.day}日"


def in_zone(moment: datetime.datetime, tz: datetime.tzinfo | None) -> datetime.datetime:
    """The moment in tz; one tz cannot reach (9999-12-31 23:00 UTC in Tokyo) as it is stored."""
    if tz is None or moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(tz)
    except (OverflowError, ValueError):
        return moment


def datetime_label(moment: datetime.datetime, tz: datetime.tzinfo | None = None) -> str:
    """2026-11-24 09:05 → 令和8年11月24日 09:05, in tz."""
    if not isinstance(moment, datetime.datetime):
        return date_label(moment)
    moment = in_zone(moment, tz)
    return f"{date_label(moment.date())} {moment:%H:%M}"


_LABEL = re.compile(r"^(令和|平成|昭和)(元|\d{1,2})年度?$")


def parse_fiscal_year_label(text: str) -> int:
    """令和7年度 (full- or half-width digits, 元 for 1) → 2025."""
    normalized = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    match = _LABEL.match(normalized)
    if not match:
        raise ValueError(f"「{text}」は年度（例：令和7年度）として読めません。")
    era, number = match.groups()
    n = 1 if number == "元" else int(number)
    start = dict(ERAS)[era]
    if n < 1:
        raise ValueError(f"「{text}」は存在しない年度です。")
    return start.year + n - 1
