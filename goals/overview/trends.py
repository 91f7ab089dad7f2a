"""The 達成度 distribution per fiscal year, of a ward and of a city, for a server-rendered SVG chart
and the table beside it (the table is the data; the chart draws the same numbers).

Three queries whatever the number of years, wards or goals: the years, the goals counted per year
and level (one GROUP BY), the levels. Like the ward board's tally, every goal of the sheet counts
(a level entered but not yet handed in too); a goal without a level is 未入力.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from goals.lib.wareki import fiscal_year_label
from goals.models import AchievementLevel, Goal, Sheet

CHART_WIDTH = 480  # px of a year's full bar (100%)
LABEL_WIDTH = 120  # px of the year label left of a bar
ROW_HEIGHT = 28


@dataclass
class Segment:
    label: str
    css: str
    count: int
    percent: int = 0
    x: int = 0
    width: int = 0


@dataclass
class YearBar:
    year: int
    y: int
    total: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def label(self) -> str:
        return fiscal_year_label(self.year)

    @property
    def text(self) -> str:
        """The bar in words, for the chart's text alternative."""
        parts = [f"{s.label} {s.count}件（{s.percent}％）" for s in self.segments if s.count]
        return (
            f"{self.label}：目標{self.total}件、" + "、".join(parts) if parts else f"{self.label}：目標なし"
        )


@dataclass
class Trends:
    bars: list[YearBar]
    levels: list[str]

    @property
    def chart_width(self) -> int:
        return LABEL_WIDTH + CHART_WIDTH

    @property
    def chart_height(self) -> int:
        return ROW_HEIGHT * len(self.bars)

    @property
    def text(self) -> str:
        return "。".join(bar.text for bar in self.bars) + "。" if self.bars else ""


def _trends(sheets, goals) -> Trends:
    years = sorted(set(sheets.values_list("fiscal_year", flat=True)))
    counts: dict[int, dict] = {}
    for row in goals.values("sheet__fiscal_year", "achievement_id").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["sheet__fiscal_year"], {})[row["achievement_id"]] = row["n"]
    keys = [(lv.pk, f"{lv.number} {lv.label}", f"level-{lv.number}") for lv in AchievementLevel.objects.all()]
    keys.append((None, "未入力", "level-none"))
    bars = []
    for i, year in enumerate(years):
        per_level = counts.get(year, {})
        total = sum(per_level.values())
        bar = YearBar(year=year, y=ROW_HEIGHT * i, total=total)
        x = LABEL_WIDTH
        for pk, label, css in keys:
            n = per_level.get(pk, 0)
            width = round(CHART_WIDTH * n / total) if total else 0
            percent = round(100 * n / total) if total else 0
            bar.segments.append(Segment(label, css, n, percent, x, width))
            x += width
        bars.append(bar)
    return Trends(bars=bars, levels=[label for _, label, _ in keys])


def ward_trends(ward) -> Trends:
    """One bar per fiscal year the ward has a sheet for, oldest first."""
    return _trends(Sheet.objects.filter(ward=ward), Goal.objects.filter(sheet__ward=ward))


def city_trends(city) -> Trends:
    """One bar per fiscal year any ward of the city has a sheet for: every ward's goals together."""
    return _trends(Sheet.objects.filter(ward__city=city), Goal.objects.filter(sheet__ward__city=city))
