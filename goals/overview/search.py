"""Search over goals, results and comments: the matching goals, their snippets with the hits marked.

Japanese is written without spaces, so a word is found as a substring (LIKE;
on PostgreSQL trigram indexes serve words of three characters or more, see
_contains and the migration that creates the indexes). Several words separated by spaces
must all occur, each in the goal, its result or one of its comments.

A constant number of queries for a page whatever the number of goals: the
ids of the matching goals in order, the page's goals (with ward, department,
区分, 達成度 and the report's status), and the matching comments of the page's
goals.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from goals import access
from goals.access import HANDED_IN
from goals.lib.wareki import fiscal_year_label
from goals.models import AchievementLevel, DepartmentReport, Goal, GoalComment, Sheet

MIN_TERM = 2  # characters of each word: one character (「の」「課」) matches nearly everything
MAX_QUERY = 100
MAX_TERMS = 5
PER_PAGE = 20
SNIPPET = 160  # characters shown of a long text around its first hit
BEFORE = 40  # of which before the hit
COMMENTS_SHOWN = 3
NO_LEVEL = "none"
TRIGRAM = 3  # characters: pg_trgm finds no trigram in a shorter word


def search_choices(user, chosen_ward: str) -> dict:
    """The search form's choices for a person: their wards, the fiscal years of those wards, the
    levels, and the departments of one ward (the chosen one, or the person's only ward): a city has
    hundreds of departments, too many for one list."""
    wards = list(access.searchable_wards(user).order_by("name"))
    scope = [w for w in wards if str(w.pk) == chosen_ward] or (wards if len(wards) == 1 else [])
    departments = []
    if scope:
        departments = list(
            access.searchable_departments(user).filter(ward__in=scope).order_by("order", "name")
        )
    years = (
        Sheet.objects.filter(ward__in=[w.pk for w in wards])
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
    return {
        "wards": wards,
        "years": [(y, fiscal_year_label(y)) for y in years],
        "departments": departments,
        "levels": list(AchievementLevel.objects.all()),
    }


def terms_of(query: str) -> list[str]:
    """The words of a query: split at spaces (full-width too), duplicates dropped, order kept."""
    return list(dict.fromkeys(query.split()))


# Offices type numbers and Latin letters both ways (９０％ and 90％, ＳＮＳ and SNS), and half-width kana.
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def spellings(term: str) -> list[str]:
    """The word as typed, its NFKC form (half-width letters and digits, full-width kana) and that
    form in full-width letters and digits; a form shorter than MIN_TERM (NFKC makes 「①」 a
    「1」) is left out, so that no spelling matches nearly everything."""
    half = unicodedata.normalize("NFKC", term)
    forms = dict.fromkeys([term, half, half.translate(FULL_WIDTH)])
    return [f for f in forms if f == term or len(f) >= MIN_TERM]


def query_problem(query: str) -> str | None:
    """Why a query cannot be searched, in Japanese, or None."""
    terms = terms_of(query)
    if len(query) > MAX_QUERY:
        return f"検索する語は{MAX_QUERY}文字以内で入力してください（現在{len(query)}文字）。"
    if len(terms) > MAX_TERMS:
        return f"検索する語は{MAX_TERMS}つまでにしてください（空白で区切った語が{len(terms)}つあります）。"
    short = [t for t in terms if len(t) < MIN_TERM]
    if short:
        words = "」「".join(short)
        return f"「{words}」は短すぎます。1語は{MIN_TERM}文字以上で入力してください（例：「窓口」「案内」）。"
    return None


def _contains(field: str, term: str, vendor: str) -> Q:
    """`field` contains `term`, whatever the case of Latin letters.

    SQLite: a word without letters that have a case is found by INSTR, any other by icontains
    (LIKE, which ignores the case of ASCII letters only). PostgreSQL: a word without
    letters that have a case (Japanese, digits) is a plain LIKE, four times faster than Django's
    UPPER(column) LIKE UPPER(word) when the table is read and served by the column's trigram index
    from three characters on; a word with such letters is a case-insensitive regular expression of
    the escaped word (~*), which the same index serves. One index a column for both.
    """
    caseless = term.lower() == term.upper()
    if vendor == "postgresql":
        if caseless:
            return Q(**{f"{field}__contains": term})
        return Q(**{f"{field}__iregex": re.escape(term)})
    if caseless:
        # INSTR compares bytes; LIKE decodes every character to fold ASCII case: 40% slower here.
        return Q(GreaterThan(StrIndex(field, Value(term)), 0))
    return Q(**{f"{field}__icontains": term})


def _spelling_matches(term: str, vendor: str) -> Q:
    """On PostgreSQL, for a word of three characters or more, one subquery per column, so that each
    column's trigram index serves it (an OR over the columns of one row and a correlated EXISTS
    use none); otherwise (SQLite, or a word too short for a trigram) one pass over the goals
    testing both columns. The comments are read once either way."""
    comments = Q(pk__in=GoalComment.objects.filter(_contains("text", term, vendor)).values("goal_id"))
    if vendor == "postgresql" and len(term) >= TRIGRAM:
        return (
            Q(pk__in=Goal.objects.filter(_contains("text", term, vendor)).values("pk"))
            | Q(pk__in=Goal.objects.filter(_contains("result", term, vendor)).values("pk"))
            | comments
        )
    return _contains("text", term, vendor) | _contains("result", term, vendor) | comments


ORDER = ("-sheet__fiscal_year", "sheet__ward__name", "department__order", "order", "pk")


def _term_matches(term: str, vendor: str) -> Q:
    """Any spelling of the word (spellings) in the goal, its result or one of its comments."""
    found = Q()
    for spelling in spellings(term):
        found |= _spelling_matches(spelling, vendor)
    return found


def matching(goals, terms, *, ward=None, year=None, department=None, level=None):
    """The goals among `goals` matching every term and filter, newest year first, in sheet order."""
    if ward is not None:
        goals = goals.filter(sheet__ward=ward)
    if year is not None:
        goals = goals.filter(sheet__fiscal_year=year)
    if department is not None:
        goals = goals.filter(department=department)
    if level == NO_LEVEL:
        goals = goals.filter(achievement__isnull=True)
    elif level is not None:
        goals = goals.filter(achievement=level)
    vendor = connections[goals.db].vendor
    for term in terms:
        goals = goals.filter(_term_matches(term, vendor))
    return goals.order_by(*ORDER)


def search(goals, terms, **filters) -> list[int]:
    """The ids of `matching` goals. Ids only, in one query: the count and a page come from the list
    and only the page's goals are loaded (page_of), instead of matching every row twice (a COUNT,
    then the page)."""
    return list(matching(goals, terms, **filters).values_list("pk", flat=True))


def page_of(ids) -> list:
    """The goals of a page of ids, in that order, with what a hit shows (one query)."""
    status = (
        DepartmentReport.objects.filter(sheet=OuterRef("sheet"), department=OuterRef("department"))
        .order_by()
        .values("status")[:1]
    )
    goals = (
        Goal.objects.filter(pk__in=ids)
        .select_related("sheet__ward", "department", "category", "achievement")
        .annotate(report_status=Subquery(status))
    )
    by_pk = {g.pk: g for g in goals}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _pattern(terms) -> re.Pattern | None:
    if not terms:
        return None
    # Longest first, so that of two words starting at the same place the longer is marked.
    words = sorted({f for t in terms for f in spellings(t)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, terms, *, width: int | None = SNIPPET) -> SafeString:
    """The text (or, past `width` characters, a part around its first hit) as HTML with every hit
    in <mark>. Each piece of the stored text is escaped on its own and the marks go between the
    pieces, so a mark never lands inside an entity or a tag, whatever the text or the words."""
    text = text or ""
    pattern = _pattern(terms)
    spans = [m.span() for m in pattern.finditer(text)] if pattern else []
    start, end = 0, len(text)
    if width and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - BEFORE, len(text) - width))
        end = start + width
    out = ["…" if start else ""]
    position = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(escape(text[position:a]))
        out.append(format_html("<mark>{}</mark>", text[a:b]))
        position = b
    out.append(escape(text[position:end]))
    out.append("…" if end < len(text) else "")
    return format_html_join("", "{}", ((piece,) for piece in out))


def matches(text: str, terms) -> bool:
    pattern = _pattern(terms)
    return bool(text and pattern and pattern.search(text))


@dataclass
class Hit:
    goal: object
    text: SafeString
    result: SafeString | None
    draft: bool
    comments: list[tuple[object, SafeString]] = field(default_factory=list)
    more_comments: int = 0


def hits(ids, terms) -> list[Hit]:
    """A page's goals with their snippets: the goal always, the result and the comments where a
    word occurs (with no words, the result as it is)."""
    goals = page_of(ids)
    comments: dict[int, list] = {}
    if terms and goals:
        matching = Q()
        for term in terms:
            for spelling in spellings(term):
                matching |= Q(text__icontains=spelling)
        for comment in GoalComment.objects.filter(matching, goal__in=[g.pk for g in goals]).order_by(
            "created_at", "pk"
        ):
            comments.setdefault(comment.goal_id, []).append(comment)
    found = []
    for goal in goals:
        shown_result = goal.result and (not terms or matches(goal.result, terms))
        mine = comments.get(goal.pk, [])
        found.append(
            Hit(
                goal=goal,
                text=highlight(goal.text, terms),
                result=highlight(goal.result, terms) if shown_result else None,
                draft=goal.report_status not in HANDED_IN,
                comments=[(c, highlight(c.text, terms)) for c in mine[:COMMENTS_SHOWN]],
                more_comments=max(0, len(mine) - COMMENTS_SHOWN),
            )
        )
    return found
