"""Shared fixtures: the seed sheet and the personas every permission test uses.

Personas (all in 幸区 unless named otherwise):
- editor:               入力担当 of 区民課
- other_editor:         入力担当 of 保護課 (same ward, another department)
- reviewer:             取りまとめ in 総務課
- approver:             承認者（課長） of 区民課 (the editor's department)
- other_ward_reviewer:  取りまとめ in 中原区's 総務課
- outsider:             signed-in account with no department
- city_staff:           区政推進 of 川崎市 (CityStaff): reads every ward of the city, changes nothing
- superuser:            Django superuser
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from departments.models import Department, Membership, Ward
from goals.models import Sheet

PASSWORD = "correct-horse-battery-staple-7"
# Personas have been in their department since long before any date a test sets the clock or a replay to.
MEMBER_SINCE = datetime.date(2020, 4, 1)
FIXTURES = sorted(str(p) for p in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))


@pytest.fixture
def seed(db):
    """The 幸区 令和7年度 sheet exactly as the fixtures load it."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    return Sheet.objects.get(ward__name="幸区", fiscal_year=2025)


def _user(username, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    user.raw_password = PASSWORD
    return user


def _member(username, department, role):
    user = _user(username, email=f"{username}@example.invalid")
    Membership.objects.create(user=user, department=department, role=role, valid_from=MEMBER_SINCE)
    return user


@pytest.fixture
def make_member(db):
    """A factory of personas: make_member("name", department, Membership.Role.EDITOR) → the new user."""
    return _member


@pytest.fixture
def editor(seed):
    return _member(
        "kumin-editor", Department.objects.get(ward__name="幸区", name="区民課"), Membership.Role.EDITOR
    )


@pytest.fixture
def other_editor(seed):
    return _member(
        "hogo-editor", Department.objects.get(ward__name="幸区", name="保護課"), Membership.Role.EDITOR
    )


@pytest.fixture
def reviewer(seed):
    return _member(
        "saiwai-reviewer", Department.objects.get(ward__name="幸区", name="総務課"), Membership.Role.REVIEWER
    )


@pytest.fixture
def approver(seed):
    return _member(
        "kumin-approver", Department.objects.get(ward__name="幸区", name="区民課"), Membership.Role.APPROVER
    )


@pytest.fixture
def other_ward(db):
    ward = Ward.objects.create(name="中原区", office_name="中原区役所")
    Department.objects.create(ward=ward, name="総務課", order=10)
    return ward


@pytest.fixture
def other_ward_reviewer(other_ward):
    return _member("nakahara-reviewer", other_ward.departments.get(name="総務課"), Membership.Role.REVIEWER)


@pytest.fixture
def outsider(db):
    return _user("outsider")


@pytest.fixture
def city_staff(seed):
    from departments.models import City, CityStaff

    user = _user("kawasaki-city", email="kawasaki-city@example.invalid")
    CityStaff.objects.create(user=user, city=City.objects.get(code="141305"))
    return user


@pytest.fixture
def superuser(db):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)
    user.raw_password = PASSWORD
    return user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is deliberately slow; tests create many accounts and need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The year in the browser ---


@pytest.fixture
def kumin_report(seed):
    """区民課's report on the seed sheet: the editor persona's department page."""
    from goals.models import DepartmentReport

    return DepartmentReport.objects.get(sheet=seed, department__name="区民課")


@pytest.fixture
def levels(seed):
    from goals.models import AchievementLevel

    return list(AchievementLevel.objects.order_by("number"))


def fill_results(report, by=None, level_number=3):
    """Give every goal of a department a result and an achievement level (direct writes, no workflow)."""
    from goals.models import AchievementLevel, Goal

    level = AchievementLevel.objects.get(number=level_number)
    Goal.objects.filter(sheet=report.sheet, department=report.department).update(
        result="窓口アンケートで満足度90％を達成しました。", achievement=level, updated_by=by
    )


# --- Importing workbooks, carrying forward ---


@pytest.fixture
def bare_ward(db):
    """幸区 with the 区分 and 達成度 fixtures but no department or sheet yet: what a first import meets."""
    call_command(
        "loaddata", *(f for f in FIXTURES if not f.endswith("saiwai-r7-torikumi-sheet.json")), verbosity=0
    )
    return Ward.objects.create(name="幸区", office_name="幸区役所")
