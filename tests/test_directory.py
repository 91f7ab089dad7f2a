"""Sign-in with the office directory, against a real slapd on 127.0.0.1 (tests/ldap_directory.py)."""

import shutil

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from departments.models import Department, Membership
from kojo_shishin.directory import DIRECTORY_DOWN, directory_settings

from . import ldap_directory as ldapd
from .conftest import MEMBER_SINCE, PASSWORD

pytestmark = pytest.mark.skipif(
    shutil.which(ldapd.SLAPD) is None,
    reason="slapd is not installed (scripts/install-os-deps.sh --test installs it)",
)


@pytest.fixture(scope="session")
def directory(tmp_path_factory):
    server = ldapd.start(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


def _configure(settings, monkeypatch, uri, **env):
    """The settings exactly as settings.py builds them from the environment."""
    monkeypatch.setenv("DJANGO_LDAP_SERVER_URI", uri)
    monkeypatch.setenv("DJANGO_LDAP_USER_SEARCH_BASE", ldapd.PEOPLE)
    monkeypatch.setenv("DJANGO_LDAP_USER_FILTER", "(uid=%(user)s)")
    monkeypatch.setenv("DJANGO_LDAP_TIMEOUT", "2")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name, value in directory_settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "kojo_shishin.directory.DirectoryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


@pytest.fixture
def ldap_on(settings, monkeypatch, directory):
    _configure(
        settings,
        monkeypatch,
        directory.uri,
        DJANGO_LDAP_GROUP_SEARCH_BASE=ldapd.GROUPS,
        DJANGO_LDAP_SUPERUSER_GROUP=ldapd.ADMINS_GROUP,
        DJANGO_LDAP_STAFF_GROUP=ldapd.ADMINS_GROUP,
    )
    return directory


def _sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_a_directory_user_signs_in_and_gets_an_account_with_the_directorys_name(client, db, ldap_on):
    response = _sign_in(client, "tanaka", ldapd.PASSWORDS["tanaka"])
    assert response.status_code == 302 and _signed_in(client)
    user = get_user_model().objects.get(username="tanaka")
    assert (user.last_name, user.first_name, user.email) == ("田中", "一郎", "tanaka@example.invalid")
    assert not user.has_usable_password()
    assert not user.is_superuser
    # No membership yet: the landing page explains, as for anyone the roster has not placed.
    assert client.get("/").context["has_membership"] is False


def test_memberships_still_come_from_the_roster(client, seed, kumin_report, ldap_on):
    roster_made = get_user_model().objects.create_user("tanaka", email="old@example.invalid")
    roster_made.set_unusable_password()
    roster_made.save()
    Membership.objects.create(
        user=roster_made,
        department=Department.objects.get(ward__name="幸区", name="区民課"),
        valid_from=MEMBER_SINCE,
    )
    assert _sign_in(client, "tanaka", ldapd.PASSWORDS["tanaka"]).status_code == 302
    assert client.get("/")["Location"] == reverse("goals:report", args=[kumin_report.pk])
    roster_made.refresh_from_db()
    assert roster_made.email == "tanaka@example.invalid"  # the directory's, on every sign-in


def test_the_password_change_is_hidden_for_directory_users(client, db, ldap_on):
    _sign_in(client, "tanaka", ldapd.PASSWORDS["tanaka"])
    home = client.get(reverse("goals:home")).content.decode()
    assert reverse("password_change") not in home
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "庁内の手順" in page.content.decode() and "old_password" not in page.content.decode()


def test_a_wrong_password_is_refused_like_a_local_one_and_locks_out(client, db, ldap_on, settings):
    settings.AXES_FAILURE_LIMIT = 3
    response = _sign_in(client, "tanaka", "wrong-password")
    assert response.status_code == 200 and not _signed_in(client)
    message = response.context["form"].non_field_errors()[0]
    local = _sign_in(client, "no-such-local-user", "wrong-password").context["form"].non_field_errors()[0]
    assert message == local  # the same words whether or not the account exists, directory or local
    _sign_in(client, "tanaka", "wrong-password")
    locked = _sign_in(client, "tanaka", "wrong-password")
    assert locked.status_code == 429
    # Locked out, even with the right password now.
    assert _sign_in(client, "tanaka", ldapd.PASSWORDS["tanaka"]).status_code == 429
    assert not _signed_in(client)


def test_a_person_removed_from_the_directory_can_no_longer_sign_in(client, db, ldap_on):
    assert _sign_in(client, "sato", ldapd.PASSWORDS["sato"]).status_code == 302
    client.logout()
    dn = f"uid=sato,{ldapd.PEOPLE}"
    ldap_on.delete(dn)
    try:
        response = _sign_in(client, "sato", ldapd.PASSWORDS["sato"])
        assert response.status_code == 200 and not _signed_in(client)
        assert get_user_model().objects.filter(username="sato").exists()  # the account stays, unusable
    finally:
        ldap_on.ldif(
            "ldapadd",
            f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: sato\ncn: 佐藤 次郎\nsn: 佐藤\n"
            f"userPassword: {ldapd.PASSWORDS['sato']}\n",
        )


def test_a_group_is_mapped_to_the_administrator_role(client, db, ldap_on):
    assert _sign_in(client, "suzuki", ldapd.PASSWORDS["suzuki"]).status_code == 302
    user = get_user_model().objects.get(username="suzuki")
    assert user.is_superuser and user.is_staff
    assert client.get(reverse("admin:index")).status_code == 200
    client.logout()
    change = f"dn: {ldapd.ADMINS_GROUP}\nchangetype: modify\n"
    ldap_on.ldif(
        "ldapmodify",
        change
        + f"add: member\nmember: uid=tanaka,{ldapd.PEOPLE}\n-\ndelete: member\nmember: uid=suzuki,{ldapd.PEOPLE}\n",
    )
    try:
        _sign_in(client, "suzuki", ldapd.PASSWORDS["suzuki"])
        user.refresh_from_db()
        assert not user.is_superuser and not user.is_staff  # the rights follow the group
    finally:
        ldap_on.ldif(
            "ldapmodify",
            change
            + f"add: member\nmember: uid=suzuki,{ldapd.PEOPLE}\n-\ndelete: member\nmember: uid=tanaka,{ldapd.PEOPLE}\n",
        )


def test_with_the_directory_down_a_clear_message_and_local_superusers_still_sign_in(
    client, settings, monkeypatch, superuser
):
    _configure(settings, monkeypatch, f"ldap://127.0.0.1:{ldapd.free_port()}")  # nothing listens there
    response = _sign_in(client, "tanaka", "whatever-password")
    assert response.status_code == 200 and not _signed_in(client)
    assert DIRECTORY_DOWN in response.content.decode()
    assert _sign_in(client, superuser.username, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_settings_from_the_environment(monkeypatch):
    import ldap

    monkeypatch.setenv("DJANGO_LDAP_SERVER_URI", "ldap://dc01.city.local")
    monkeypatch.setenv("DJANGO_LDAP_USER_UPN", "%(user)s@city.local")
    monkeypatch.setenv("DJANGO_LDAP_START_TLS", "true")
    monkeypatch.setenv("DJANGO_LDAP_TIMEOUT", "3")
    config = directory_settings()
    assert config["AUTH_LDAP_USER_DN_TEMPLATE"] == "%(user)s@city.local"
    assert config["AUTH_LDAP_BIND_AS_AUTHENTICATING_USER"] is True
    assert config["AUTH_LDAP_START_TLS"] is True
    assert config["AUTH_LDAP_CONNECTION_OPTIONS"][ldap.OPT_NETWORK_TIMEOUT] == 3
    assert "AUTH_LDAP_USER_SEARCH" not in config


@pytest.fixture
def trusted_header(settings):
    settings.REMOTE_USER_HEADER = "HTTP_X_REMOTE_USER"
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "kojo_shishin.directory.TrustedHeaderMiddleware",
    )
    settings.MIDDLEWARE = middleware
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "kojo_shishin.directory.TrustedHeaderBackend",
    ]


def test_single_sign_on_through_a_trusted_header(client, seed, kumin_report, editor, trusted_header):
    response = client.get("/", HTTP_X_REMOTE_USER=editor.username)
    assert response["Location"] == reverse("goals:report", args=[kumin_report.pk])
    # A name the roster does not know is not created, and sees the login page.
    client.logout()
    stranger = client.get("/", HTTP_X_REMOTE_USER="nobody-known")
    assert stranger["Location"].startswith(reverse("login"))
    assert not get_user_model().objects.filter(username="nobody-known").exists()


def test_the_header_means_nothing_when_single_sign_on_is_off(client, seed, editor):
    response = client.get("/", HTTP_X_REMOTE_USER=editor.username)
    assert response["Location"].startswith(reverse("login"))
