"""Random posts to every form field of every POST URL, by every persona: never a 500, and a refused post
changes nothing.

Hypothesis draws, per example, the sheet's state (計画, 実施中, 提出済, 確認済, 確定, …) and for each
field of the URL's form either nothing (the field left out) or a value: text of any script (bidi controls,
full-width digits, emoji), a huge text, NUL, a date (valid, impossible, out of range), a number (negative,
huge, a float), or one that nearly fits (the goal's version, a stale or a future one, a level's or a
category's id). The same post is then sent by each persona, each in a savepoint rolled back afterwards.

A post is refused when the answer is not a redirect, or a redirect that carries an error message. Then
the tables a request may write (goals, reports, sheets, policies, departments, 区分, 達成度, memberships,
their history, the reminder log) must be exactly as before. Sessions and sign-in failures are left out:
they record refused posts on purpose.

Bounded: EXAMPLES examples per URL, each with a DEADLINE; the whole file runs in well under a minute.
"""

import copy
import datetime
import os

import pytest
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments import forms as staff_forms
from departments.models import Department, Membership
from goals import forms as goal_forms
from goals.admin import GoalAdminForm
from goals.imports.forms import ImportConfirmForm, ImportUploadForm
from goals.models import AchievementLevel, Category, DepartmentReport, Goal, GoalComment, ServicePolicy
from goals.views.publication import PublicationForm
from tests.bad_workbooks import small_workbook
from tests.test_permissions import (
    BOARD,
    COMMENT,
    EDITOR_MEMBERSHIP,
    EDITOR_PERSON,
    GOAL,
    NONE,
    REPORT,
    STAFF_TOKEN,
    TOKEN,
    WARD,
    _set_state,
    database_dump,
)

# KOJO_FUZZ_EXAMPLES=200 for a deeper run by hand; the suite keeps to a few per URL.
EXAMPLES = int(os.environ.get("KOJO_FUZZ_EXAMPLES", "6"))
DEADLINE = datetime.timedelta(seconds=60)  # per example (one post per persona): a bound, not a timing test
STATES = ["planning", "in_progress", "complete", "submitted", "confirmed", "closed", "past_year"]


def _fields(form_class):
    return list(form_class.base_fields)


# Every POST URL, the arguments it takes and the fields its form reads (from the form classes, so a new
# field is fuzzed without touching this table). Extra fields nobody reads are posted too.
POST_URLS = {
    "goals:goal_new": (REPORT, _fields(goal_forms.GoalForm)),
    "goals:goal_edit": (GOAL, _fields(goal_forms.GoalForm)),
    "goals:goal_result": (GOAL, [*_fields(goal_forms.ResultForm), "save_and_next"]),
    "goals:goal_delete": (GOAL, _fields(goal_forms.DeleteGoalForm)),
    "goals:goal_move": (GOAL, _fields(goal_forms.MoveGoalForm)),
    "goals:report_submit": (REPORT, []),
    "goals:report_return": (REPORT, _fields(goal_forms.ReturnForm)),
    "goals:report_confirm": (REPORT, []),
    "goals:board_advance": (BOARD, _fields(goal_forms.AdvanceForm)),
    "goals:board_reopen": (BOARD, _fields(goal_forms.ReopenForm)),
    "goals:board_deadline": (BOARD, _fields(goal_forms.DeadlineForm)),
    "goals:carry_forward": (BOARD, []),
    "goals:report_approve": (REPORT, []),
    "goals:report_send_back": (REPORT, [f"send_back-{name}" for name in _fields(goal_forms.ReturnForm)]),
    "goals:board_selected": (BOARD, [*_fields(goal_forms.SelectedReportsForm), "status"]),
    "goals:goal_comment": (GOAL, _fields(goal_forms.CommentForm)),
    "goals:comment_resolve": (COMMENT, _fields(goal_forms.ResolveForm)),
    "goals:mail_settings": (NONE, _fields(goal_forms.MailSettingForm)),
    "goals:publish": (BOARD, _fields(PublicationForm)),
    "goals:unpublish": (BOARD, _fields(PublicationForm)),
    "staff:roster": (WARD, _fields(staff_forms.RosterUploadForm)),
    "staff:roster_commit": (STAFF_TOKEN, []),
    "staff:roster_cancel": (STAFF_TOKEN, []),
    "staff:membership_add": (WARD, _fields(staff_forms.AddMembershipForm)),
    "staff:membership_end": (EDITOR_MEMBERSHIP, _fields(staff_forms.EndMembershipForm)),
    "staff:membership_move": (EDITOR_MEMBERSHIP, _fields(staff_forms.MoveMembershipForm)),
    "staff:setup_mail": (EDITOR_PERSON, []),
    "goals:import_upload": (NONE, _fields(ImportUploadForm)),
    "goals:import_confirm": (TOKEN, _fields(ImportConfirmForm)),
    "goals:import_cancel": (TOKEN, []),
    "password_change": (NONE, ["old_password", "new_password1", "new_password2"]),
    "logout": (NONE, []),
    "login": (NONE, ["username", "password"]),
    # The admin's change forms that hold a version or a date (superuser; the others are sent to sign in).
    # Their inlines' management fields are left out: a huge TOTAL_FORMS only makes Django build its
    # maximum of forms, slowly.
    "admin:goals_goal_change": (GOAL, _fields(GoalAdminForm)),
    "admin:goals_sheet_change": (
        lambda w: [w.sheet.pk],
        ["ward", "fiscal_year", "phase", "results_deadline"],
    ),
    "admin:departments_department_change": (
        lambda w: [w.report.department_id],
        ["ward", "name", "order", "retired_on"],
    ),
}

FILE_FIELDS = {"file", "roster"}

SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0001-01-01",
    "1867-12-31",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "2026-04-30",
    "２０２６-０４-３０",
    "1" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "up",
    "down",
    '=HYPERLINK("http://example.invalid")',
    "\u202e10,000円",
    "<script>alert(1)</script>",
    "{{ settings.SECRET_KEY }}",
    "幸区",
    "中原区",
    "2025",
]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
HUGE = st.integers(min_value=1_990, max_value=20_000).map(lambda n: "長" * n)
DATES = st.dates(min_value=datetime.date(1, 1, 1)).map(datetime.date.isoformat)
NUMBERS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats()).map(str)


def _near(world):
    """Values that nearly fit this sheet: its goal's version and the ones next to it, real ids."""
    goal = world["goal"]
    return st.sampled_from(
        [
            str(goal.version),
            str(goal.version - 1),
            str(goal.version + 1),
            str(goal.pk),
            str(world["level"].pk),
            str(world["category"].pk),
            str(world["sheet"].pk),
            str(world["sheet"].ward_id),
            str(world["report"].department_id),
            "in_progress",
            goal.number,
            "99",
        ]
    )


def _value(world):
    return st.one_of(st.none(), TEXT, HUGE, DATES, NUMBERS, st.sampled_from(SPECIAL), _near(world))


def _file():
    return st.one_of(
        st.none(),
        st.binary(max_size=2_000).map(lambda data: SimpleUploadedFile("x.xlsx", data)),
        st.just(SimpleUploadedFile("empty.xlsx", b"")),
        st.just(SimpleUploadedFile("goals.xlsx", small_workbook([["総務課", "1", "共通", "本文", "", ""]]))),
    )


def fuzz_dump():
    """Everything a request of this app may write, except sessions and sign-in failures."""
    return (
        *database_dump(),
        list(ServicePolicy.objects.order_by("pk").values()),
        list(Department.objects.order_by("pk").values()),
        list(Category.objects.order_by("pk").values()),
        list(AchievementLevel.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )


@pytest.fixture
def clients(editor, other_editor, reviewer, approver, other_ward_reviewer, outsider, superuser, city_staff):
    """One signed-in client per persona, shared by the examples of a test (sign-in once, not per post)."""
    users = {
        "anonymous": None,
        "editor": editor,
        "other_editor": other_editor,
        "reviewer": reviewer,
        "approver": approver,
        "other_ward_reviewer": other_ward_reviewer,
        "outsider": outsider,
        "superuser": superuser,
        "city_staff": city_staff,
    }
    clients = {}
    for persona, user in users.items():
        clients[persona] = Client()
        if user is not None:
            clients[persona].force_login(user)
    return clients


def _refused(response) -> bool:
    if response.status_code != 302:
        return True
    return any(m.level >= ERROR for m in get_messages(response.wsgi_request))


def _world(seed):
    report = DepartmentReport.objects.get(sheet=seed, department__name="区民課")
    goal = Goal.objects.filter(sheet=seed, department=report.department).order_by("order", "pk").first()
    comment = GoalComment.objects.filter(goal=goal).first() or GoalComment.objects.create(
        goal=goal, author=None, text="根拠は？"
    )
    return {
        "sheet": seed,
        "report": report,
        "goal": goal,
        "comment": comment,
        "level": AchievementLevel.objects.get(number=2),
        "category": Category.objects.order_by("pk").first(),
    }


@pytest.mark.parametrize("name", POST_URLS)
@settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    derandomize=True,  # the same examples every run: no flake, and a failure replays
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_posts_never_fail_and_a_refusal_changes_nothing(clients, seed, name, data):
    args, fields = POST_URLS[name]
    state = data.draw(st.sampled_from(STATES), label="state")
    with transaction.atomic():
        _set_state(state, seed, DepartmentReport.objects.get(sheet=seed, department__name="区民課"))
        seed.refresh_from_db()
        world = _world(seed)
        post = {}
        for field in fields:
            value = data.draw(_file() if field in FILE_FIELDS else _value(world), label=field)
            if value is not None:
                post[field] = value
        extra = data.draw(st.none() | st.tuples(TEXT.filter(bool), TEXT), label="a field no form reads")
        if extra is not None:
            post.setdefault(*extra)
        url = reverse(name, args=args(type("World", (), {k: v for k, v in world.items()})))
        problems = []
        before = fuzz_dump()
        for persona, client in clients.items():
            cookies = copy.deepcopy(
                client.cookies
            )  # a sign-out or sign-in below replaces them; the rollback undoes it
            with transaction.atomic():
                for upload in post.values():
                    if isinstance(upload, SimpleUploadedFile):
                        upload.seek(0)
                response = client.post(url, post)  # a 500 raises here, with the example
                if _refused(response) and fuzz_dump() != before:
                    problems.append(f"{persona}: refused ({response.status_code}) but the database changed")
                transaction.set_rollback(True)
            client.cookies = cookies
        transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def test_every_post_url_of_the_app_is_fuzzed():
    """A new POST URL in the goals app without an entry above fails here (the permission matrix's list)."""
    from tests.test_permissions import ROWS

    posted = {row.name for row in ROWS if row.method == "POST" and row.expect.get("superuser") != 405}
    assert posted <= set(POST_URLS), sorted(posted - set(POST_URLS))


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_a_user_name_longer_than_any_account_is_refused_before_sign_in(client, db, url):
    """Found by the fuzz test on PostgreSQL: django-axes stored the name in a 255-character column (500)."""
    response = client.post(reverse(url), {"username": "長" * 1990, "password": "x"})
    assert response.status_code == 200
    assert "ユーザー名は150文字以内で入力してください。" in response.content.decode()


@pytest.mark.parametrize("value", [":", "in_progress", "9799832789158199295", "-1"])
def test_a_value_that_is_no_id_in_the_admins_autocomplete_gets_the_form_again(client, superuser, seed, value):
    """Found by the fuzz test: Django's autocomplete widget looked the posted value up and raised (500)."""
    goal = Goal.objects.filter(sheet=seed).order_by("pk").first()
    client.force_login(superuser)
    before = fuzz_dump()
    response = client.post(
        reverse("admin:goals_goal_change", args=[goal.pk]), {"carried_from": value, "department": value}
    )
    assert response.status_code == 200
    assert fuzz_dump() == before
