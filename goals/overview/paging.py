"""Long lists shown a page at a time: which page was asked for, and the links between pages.

A ward of ordinary size fits on one page and sees no page links; a city-sized
sheet (hundreds of departments) is shown a page at a time, so a page costs
the same whatever the sheet's size. The PDF and the workbook stay whole.
"""

from dataclasses import dataclass

from django.http import Http404, QueryDict


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    label: str  # what the page holds, e.g. 「総務課〜保護課」
    current: bool


@dataclass(frozen=True)
class Paging:
    number: int
    links: tuple[PageLink, ...]

    @property
    def count(self) -> int:
        return len(self.links)

    @property
    def previous(self) -> PageLink | None:
        return self.links[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> PageLink | None:
        return self.links[self.number] if self.number < self.count else None


def page_number(query: QueryDict, count: int) -> int:
    """The page asked for in `?page=` (1 without it); 404 for anything but a page that exists."""
    value = query.get("page")
    if value is None:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= max(count, 1):
        raise Http404("そのページはありません。")
    return int(value)


def paging(query: QueryDict, number: int, labels: list[str]) -> Paging:
    """Links to every page (one per label), keeping the rest of the query string."""
    links = []
    for n, label in enumerate(labels, 1):
        kept = query.copy()
        kept.pop("page", None)
        if n > 1:
            kept["page"] = str(n)
        links.append(PageLink(n, f"?{kept.urlencode()}" if kept else "?", label, n == number))
    return Paging(number, tuple(links))


def chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]
