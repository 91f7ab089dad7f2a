"""What is kept of a form that could not be saved: posted after the session expired (anyone can
post without signing in, so only what a real form holds, for objects that exist), or when the
database connection dropped during the save (PostgreSQL: the test ends its own connection)."""

from http.cookies import SimpleCookie

import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client, RequestFactory
from django.urls import reverse

from goals.middleware import MAX_KEPT, SESSION_KEY
from goals.models import RESULT_TEXT_MAX, Goal


def goals_of(report):
    return list(Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order"))


def session_bytes() -> int:
    return sum(len(s.session_data) for s in Session.objects.all())


def post_signed_out(client, goal, **fields):
    return client.post(reverse("goals:goal_result", args=[goal.pk]), fields)


# --- Signed out --------------------------------------------------------------------------


def test_megabytes_posted_without_signing_in_are_not_kept(kumin_report, levels):
    goal = goals_of(kumin_report)[0]
    before = (Session.objects.count(), session_bytes())
    for fields in (
        {"result": "あ" * 800_000, "achievement": levels[0].pk, "version": 1},  # 2.4 MB of UTF-8
        {"result": ["短い", "二つ目"], "version": 1},  # one field many times
        {"result": "短い", "version": "1" * 5000},
        {f"extra{n}": "x" * 2000 for n in range(1000)},  # fields the form does not have
    ):
        response = Client().post(reverse("goals:goal_result", args=[goal.pk]), fields)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert (Session.objects.count(), session_bytes()) == before


def test_posts_for_goals_or_reports_that_do_not_exist_are_not_kept(kumin_report, levels):
    missing = Goal.objects.order_by("-pk").first().pk + 1000
    before = Session.objects.count()
    for url in (
        reverse("goals:goal_result", args=[missing]),
        reverse("goals:goal_edit", args=[missing]),
        reverse("goals:goal_new", args=[kumin_report.pk + 1000]),
    ):
        response = Client().post(url, {"result": "結果", "text": "目標", "number": "1", "version": 1})
        assert response.status_code == 302
    assert Session.objects.count() == before


def test_one_browser_keeps_at_most_a_few_forms_of_bounded_size(client, seed, levels):
    goals = list(Goal.objects.order_by("pk")[: MAX_KEPT + 3])
    assert len(goals) > MAX_KEPT
    for goal in goals:
        post_signed_out(
            client, goal, result="あ" * (RESULT_TEXT_MAX + 500), achievement=levels[0].pk, version=1
        )
    kept = client.session[SESSION_KEY]
    assert len(kept) == MAX_KEPT
    assert Session.objects.count() == 1
    # Five forms of 4,500 characters: the row stays well under 100 kB however often one posts.
    assert session_bytes() < 100_000


def test_a_real_form_posted_after_expiry_over_the_limit_is_still_kept_and_restored(
    client, kumin_report, editor, levels
):
    goal = goals_of(kumin_report)[0]
    url = reverse("goals:goal_result", args=[goal.pk])
    typed = "長く書きすぎた実施結果" * 401  # over the limit: the form says so and keeps it to shorten
    assert len(typed) > RESULT_TEXT_MAX
    lost = post_signed_out(client, goal, result=typed, achievement=levels[1].pk, version=goal.version, kept_for=editor.pk)  # fmt: skip
    back = client.post(
        lost["Location"], {"username": editor.username, "password": editor.raw_password}, follow=True
    )
    assert back.redirect_chain[-1][0] == url
    page = back.content.decode()
    assert typed in page and "復元しました" in page


# --- The database connection drops --------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ends its own PostgreSQL connection"
)


def terminate(pid: int) -> None:
    """End backend `pid` from a connection of our own, as a database restart or a network cut would."""
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        **{k: params[k] for k in ("host", "port", "user", "password") if params.get(k)},
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            admin.execute("SELECT pg_sleep(0.05)")
    raise AssertionError(f"backend {pid} did not end")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class Browser:
    """Requests through Django's WSGI handler as a server runs it: with the request signals that
    check and recycle database connections (the test client switches those off)."""

    CSRF = "K" * 32

    def __init__(self, session_key: str):
        self.cookies = {"sessionid": session_key, "csrftoken": self.CSRF}

    def request(self, method: str, path: str, data=None):
        factory = RequestFactory()
        if method == "POST":
            request = factory.post(path, {**data, "csrfmiddlewaretoken": self.CSRF})
        else:
            request = factory.get(path)
        environ = dict(request.environ)
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        body = b"".join(WSGIHandler()(environ, start_response)).decode()
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        return answer["status"], dict(answer["headers"]), body


def signed_in_browser(user) -> Browser:
    client = Client()
    client.force_login(user)
    return Browser(client.cookies["sessionid"].value)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_after_the_connection_dropped_the_next_request_works(seed, editor, kumin_report):
    browser = signed_in_browser(editor)
    page = reverse("goals:report", args=[kumin_report.pk])
    assert browser.request("GET", page)[0] == 200
    terminate(backend_pid())
    status, _, body = browser.request("GET", page)
    assert status == 200, body[:500]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_save_cut_off_by_the_database_keeps_what_was_typed(seed, editor, kumin_report, levels):
    goal = goals_of(kumin_report)[0]
    url = reverse("goals:goal_result", args=[goal.pk])
    browser = signed_in_browser(editor)
    assert browser.request("GET", url)[0] == 200

    def drop_connection(sender, instance, **kwargs):
        pre_save.disconnect(drop_connection, sender=Goal)
        terminate(backend_pid())

    pre_save.connect(drop_connection, sender=Goal)
    typed = "接続が切れる直前に書いた実施結果"
    try:
        status, headers, body = browser.request(
            "POST", url, {"result": typed, "achievement": levels[1].pk, "version": goal.version}
        )
    finally:
        pre_save.disconnect(drop_connection, sender=Goal)
    assert status == 302, body[:500]
    assert headers["Location"] == url
    assert Goal.objects.get(pk=goal.pk).result == ""  # nothing half-saved

    status, _, page = browser.request("GET", url)
    assert status == 200
    assert typed in page
    assert "データベースとの接続が一時的に切れたため、保存できませんでした" in page
    assert "復元しました" in page
