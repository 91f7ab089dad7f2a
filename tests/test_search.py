"""Search: who finds what, the marks on the hits, the filters, the messages, the query counts."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import escape

from departments.models import City, CityStaff, Membership
from goals.models import AchievementLevel, Goal, GoalComment, Sheet
from goals.overview.search import highlight, query_problem, spellings, terms_of
from goals.seed.synthetic_city import build_synthetic_city

URL = reverse("goals:search")


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _hit_count(response):
    page = response.context.get("page")
    return page.paginator.count if page is not None else None


# --- The marks ------------------------------------------------------------------------------------


def test_highlight_escapes_the_text_and_marks_every_hit():
    html = highlight("<b>窓口</b>の案内と窓口&対応", ["窓口"], width=None)
    assert html == "&lt;b&gt;<mark>窓口</mark>&lt;/b&gt;の案内と<mark>窓口</mark>&amp;対応"


@pytest.mark.parametrize("word", ["amp", "lt", "mark", "&", "<", "b>", ";", "&amp"])
def test_a_mark_never_lands_inside_an_entity_or_a_tag(word):
    """Words that occur in the escaped HTML but not as such in the text are never marked there:
    every piece between the marks is whole escaped text, and the marked pieces are the word."""
    text = "A&B <b>lt</b> mark; amp"
    html = str(highlight(text, [word], width=None))
    pieces = re.split("</?mark>", html)
    assert all(escape(unescape(piece)) == piece for piece in pieces)
    assert "".join(unescape(piece) for piece in pieces) == text
    assert [unescape(p).lower() for p in pieces[1::2]] == [word.lower()] * text.lower().count(word.lower())


def test_highlight_is_case_insensitive_and_prefers_the_longer_word():
    assert highlight("SNS と sns", ["sns"], width=None) == "<mark>SNS</mark> と <mark>sns</mark>"
    assert highlight("窓口案内", ["窓口", "窓口案内"], width=None) == "<mark>窓口案内</mark>"


def test_a_long_text_is_cut_around_its_first_hit():
    text = "あ" * 300 + "窓口" + "い" * 300
    html = str(highlight(text, ["窓口"]))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>窓口</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) == 160 + 2


def test_words_and_messages():
    assert terms_of("窓口　案内  窓口") == ["窓口", "案内"]
    assert query_problem("窓口 案内") is None
    assert "2文字以上" in query_problem("窓 案内")
    assert "100文字以内" in query_problem("あ" * 101)
    assert "5つまで" in query_problem("ああ いい うう ええ おお かか")


# --- Who finds what ------------------------------------------------------------------------------


@pytest.fixture
def city_data(seed):
    city = City.objects.get(code="141305")
    build_synthetic_city(city, scale=3, years=3)
    return city


def test_each_person_finds_only_the_goals_they_may_open(
    client, city_data, editor, reviewer, city_staff, superuser, other_ward_reviewer, outsider
):
    everywhere = Goal.objects.filter(text__contains="情報").count()
    saiwai = Goal.objects.filter(text__contains="情報", sheet__ward__name="幸区").count()
    kumin = Goal.objects.filter(text__contains="情報", department__name="区民課").count()
    assert 0 < kumin < saiwai < everywhere
    assert _hit_count(_get(client, editor, q="情報")) == kumin
    assert _hit_count(_get(client, reviewer, q="情報")) == saiwai
    assert _hit_count(_get(client, city_staff, q="情報")) == everywhere  # every ward of 川崎市
    assert _hit_count(_get(client, superuser, q="情報")) == everywhere
    assert _hit_count(_get(client, other_ward_reviewer, q="情報")) == 0  # 中原区 has no goals yet
    response = _get(client, outsider, q="情報")
    assert "検索できる取組シートがありません" in response.content.decode()
    assert _hit_count(response) is None


def test_results_and_comments_are_searched_and_marked(client, seed, reviewer):
    goal = Goal.objects.filter(sheet=seed).order_by("pk").first()
    Goal.objects.filter(pk=goal.pk).update(result="点字の案内板を設置しました。")
    GoalComment.objects.create(goal=goal, text="<script>点字</script>の件、確認しました。")
    body = _get(client, reviewer, q="点字").content.decode()
    assert "<mark>点字</mark>の案内板" in body
    assert "&lt;script&gt;<mark>点字</mark>&lt;/script&gt;" in body
    assert "<script>点字" not in body
    assert reverse("goals:goal", args=[goal.pk]) in body


def test_every_word_must_occur_in_the_goal_its_result_or_a_comment(client, seed, reviewer):
    goal = Goal.objects.filter(sheet=seed).order_by("pk").first()
    GoalComment.objects.create(goal=goal, text="ユニバーサルデザインの観点で")
    Goal.objects.filter(pk=goal.pk).update(result="手話通訳を手配")
    assert _hit_count(_get(client, reviewer, q="ユニバーサル 手話")) == 1
    assert _hit_count(_get(client, reviewer, q="ユニバーサル 存在しない語")) == 0


def test_filters_by_ward_year_department_and_level(client, city_data, city_staff):
    level = AchievementLevel.objects.get(number=2)
    ward = city_data.wards.get(name="試験1区")
    department = ward.departments.order_by("order").first()
    expected = Goal.objects.filter(
        result__contains="研修", sheet__ward=ward, sheet__fiscal_year=2024, achievement=level
    )
    response = _get(client, city_staff, q="研修", ward=ward.pk, year=2024, level=level.pk)
    assert _hit_count(response) == expected.count() > 0
    response = _get(client, city_staff, ward=ward.pk, department=department.pk)
    assert _hit_count(response) == Goal.objects.filter(department=department).count()
    response = _get(client, city_staff, year=2025, level="none")
    assert (
        _hit_count(response)
        == Goal.objects.filter(sheet__ward__city=city_data, sheet__fiscal_year=2025, achievement=None).count()
    )


def test_bad_input_is_told_in_japanese_and_searches_nothing(client, seed, reviewer):
    body = _get(client, reviewer, q="窓").content.decode()
    assert "「窓」は短すぎます" in body and "page" not in _get(client, reviewer, q="窓").context
    response = _get(client, reviewer, q="窓口", ward="999999")
    assert "一覧から選んでください" in response.content.decode()
    assert response.context.get("page") is None
    body = _get(client, reviewer, q="").content.decode()
    assert "検索する語を入力するか" in body
    body = _get(client, reviewer, q="見つかるはずのない語").content.decode()
    assert "「見つかるはずのない語」に一致する目標・実施結果・コメントは見つかりませんでした" in body


def test_a_page_of_twenty_and_the_next(client, city_data, city_staff):
    first = _get(client, city_staff, q="窓口")
    total = _hit_count(first)
    assert total > 20 and len(first.context["hits"]) == 20
    body = first.content.decode()
    assert 'rel="next"' in body and "page=2" in body and "q=%E7%AA%93%E5%8F%A3" in body
    last = _get(client, city_staff, q="窓口", page=999)  # past the end: the last page, no error
    assert last.context["page"].number == last.context["page"].paginator.num_pages
    assert _get(client, city_staff, q="窓口", page="x").context["page"].number == 1


def test_the_search_is_in_the_header(client, seed, editor):
    client.force_login(editor)
    assert f'href="{URL}"' in client.get(reverse("goals:tasks")).content.decode()


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, 10, 30])
def test_search_queries_are_constant(client, seed, scale, make_member, django_assert_num_queries):
    """The form's choices, the count, the page (ward, department, 区分, 達成度, report status joined in)
    and the page's comments: no query per hit, per comment, per ward or per year."""
    city = City.objects.get(code="141305")
    build_synthetic_city(city, scale=scale, years=2)
    staff = make_member(f"search-{scale}", Sheet.objects.first().ward.departments.first(), "editor")
    Membership.objects.filter(user=staff).delete()
    CityStaff.objects.create(user=staff, city=city)
    client.force_login(staff)
    ward = city.wards.get(name="試験1区").pk
    client.get(URL, {"q": "窓口"})  # sessions and caches warm
    with django_assert_num_queries(13):
        response = client.get(URL, {"q": "窓口 研修", "year": 2025, "ward": ward})
    assert response.status_code == 200 and len(response.context["hits"]) == min(20, _hit_count(response))
    assert _hit_count(response) > 0


# --- The trigram indexes (PostgreSQL only) ---------------------------------------------------------


@pytest.mark.parametrize("word", ["窓口での", "Wi-Fi"])
def test_trigram_indexes_exist_on_postgresql_only_and_serve_the_search(db, word):
    """The migration is a no-op on SQLite; on PostgreSQL the search's own SQL can use the indexes,
    for a Japanese word (LIKE) and for one with Latin letters (~*)."""
    from django.db import connection

    from goals.models import Goal
    from goals.overview.search import matching

    with connection.cursor() as cursor:
        names = set()
        for table in ("goals_goal", "goals_goalcomment"):
            names |= set(connection.introspection.get_constraints(cursor, table))
    trigram = {"goal_text_trgm", "goal_result_trgm", "goalcomment_text_trgm"}
    if connection.vendor != "postgresql":
        assert not trigram & names
        return
    assert trigram <= names
    sql, params = matching(Goal.objects.all(), [word]).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert all(name in plan for name in trigram), plan


def test_latin_letters_match_whatever_their_case_and_regex_characters_are_literal(client, seed, reviewer):
    goal = Goal.objects.filter(sheet=seed).order_by("pk").first()
    Goal.objects.filter(pk=goal.pk).update(result="庁舎の Wi-Fi (無料) を案内。C++ と a.b も。")
    for word, hits in [
        ("wi-fi", 1),
        ("WI-FI", 1),
        ("(無料)", 1),
        ("c++", 1),
        ("a.b", 1),
        ("a*b", 0),
        ("w.-fi", 0),
    ]:
        assert _hit_count(_get(client, reviewer, q=word)) == hits, word


def test_departments_are_offered_for_one_ward(client, city_data, city_staff, reviewer):
    body = _get(client, city_staff, q="窓口").content.decode()
    assert 'name="department"' not in body and "先に区を選んで" in body
    ward = city_data.wards.get(name="試験2区")
    body = _get(client, city_staff, q="窓口", ward=ward.pk).content.decode()
    options = body[body.index('name="department"') : body.index("</select>", body.index('name="department"'))]
    assert all(f">{d.name}<" in options for d in ward.departments.all())
    assert "試験1区" not in options and ">総務課<" not in options  # 幸区's 総務課 is not 試験2区's
    body = _get(client, reviewer, q="窓口").content.decode()  # one ward: its departments at once
    assert 'name="department"' in body and ">区民課<" in body


def test_full_and_half_width_letters_and_digits_find_each_other(client, seed, reviewer):
    goal = Goal.objects.filter(sheet=seed).order_by("pk").first()
    Goal.objects.filter(pk=goal.pk).update(result="満足度９０％を達成。SNSで発信。カタカナの案内。")
    for word in ["90％", "９０％", "ＳＮＳ", "sns", "ｶﾀｶﾅ"]:
        response = _get(client, reviewer, q=word)
        assert _hit_count(response) == 1, word
        assert "<mark>" in str(response.context["hits"][0].result), word
    assert spellings("①②") == ["①②", "12", "１２"] and spellings("①") == ["①"]
