"""`make run` loads the seed only into an empty database and creates demo accounts only with DEBUG."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.models import Membership
from goals.models import Goal


def run(*args, **kwargs):
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_seed_demo_refuses_without_debug(seed, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG が無効"):
        run("seed_demo")
    assert not get_user_model().objects.exists()


def test_seed_demo_creates_and_prints_accounts(seed, settings):
    settings.DEBUG = True
    output = run("seed_demo")
    lines = output.splitlines()
    assert lines[0].split() == ["username", "role", "department", "password"]
    assert len(lines) == 1 + 1 + 1 + 15 + 1
    approver_line = next(line for line in lines if line.startswith("approver01"))
    assert approver_line.split()[1:3] == [
        "承認者（課長）",
        Membership.objects.get(user__username="editor01").department.name,
    ]
    reviewer_line = next(line for line in lines if line.startswith("reviewer"))
    _, role, department, password = reviewer_line.split()
    assert (role, department) == ("取りまとめ", "総務課")
    reviewer = get_user_model().objects.get(username="reviewer")
    assert reviewer.check_password(password)
    assert reviewer.memberships.get().role == Membership.Role.REVIEWER
    assert get_user_model().objects.get(username="admin").is_superuser
    editors = Membership.objects.filter(role=Membership.Role.EDITOR)
    assert editors.count() == 15
    assert editors.values("department").distinct().count() == 15


def test_seed_demo_twice_keeps_accounts_and_passwords(seed, settings):
    settings.DEBUG = True
    run("seed_demo")
    admin = get_user_model().objects.get(username="admin")
    before = admin.password
    output = run("seed_demo")
    assert "（既存・変更なし）" in output
    assert get_user_model().objects.count() == 18  # admin, reviewer, 15 editors, approver01
    admin.refresh_from_db()
    assert admin.password == before


def test_load_seed_fills_an_empty_database(db):
    assert "読み込みました" in run("load_seed")
    assert Goal.objects.count() == 42


def test_load_seed_never_overwrites_what_people_entered(seed):
    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.result = "窓口アンケートで満足度95%"
    goal.save()
    assert "読み込みません" in run("load_seed")
    goal.refresh_from_db()
    assert goal.result == "窓口アンケートで満足度95%"
    assert Goal.objects.count() == 42
