"""Sign-in protection, CSRF, redirects, headers, upload size and the production checks."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from departments.models import Membership

LOGIN_ERROR = "ユーザー名またはパスワードが違います。"


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_post_without_csrf_token_is_refused(editor):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, editor.username, editor.raw_password)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_username_with_a_japanese_page(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert LOGIN_ERROR in sign_in(client, editor.username, "wrong").content.decode()
    locked = sign_in(client, editor.username, "wrong")
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in locked.content.decode()
    # Even the right password is refused while locked.
    again = sign_in(client, editor.username, editor.raw_password)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_username_does_not_block_another(client, editor, other_editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, editor.username, "wrong")
    assert sign_in(client, other_editor.username, other_editor.raw_password).status_code == 302


def _comparable(page, username):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page).replace(username, "X")


def test_messages_do_not_reveal_whether_an_account_exists(client, editor):
    known = sign_in(client, editor.username, "wrong").content.decode()
    unknown = sign_in(client, "no-such-user", "wrong").content.decode()
    assert LOGIN_ERROR in known and LOGIN_ERROR in unknown
    # The same page apart from the echoed username and the per-response CSRF token.
    assert _comparable(known, editor.username) == _comparable(unknown, "no-such-user")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = sign_in(client, "no-such-user", "wrong")
    assert last.status_code == 429  # unknown names are locked out just like real ones


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http:\\\\evil.example"])
def test_next_cannot_redirect_off_site(client, editor, target):
    response = sign_in(client, editor.username, editor.raw_password, next=target)
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_oversized_request_is_refused_before_reading(client, reviewer):
    client.force_login(reviewer)
    response = client.generic(
        "POST", "/", b"x", CONTENT_TYPE="application/octet-stream",
        CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1),
    )  # fmt: skip
    assert response.status_code == 413
    assert "上限 10 MB" in response.content.decode()


def test_security_headers_on_every_page(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_session_lasts_a_working_day_of_inactivity(client, editor):
    response = sign_in(client, editor.username, editor.raw_password)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 9 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


@pytest.mark.parametrize("weak", ["12345678", "password", "kumin-editor1"])
def test_weak_passwords_are_refused(editor, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, user=editor)


def test_reviewer_membership_is_not_staff(reviewer):
    # Reviewers work in the app, not in the admin.
    assert reviewer.memberships.get().role == Membership.Role.REVIEWER
    assert not reviewer.is_staff


def test_check_deploy_is_clean_in_production_mode():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "kojo_shishin.settings",
        "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-" + "z" * 20,
        "DJANGO_ALLOWED_HOSTS": "kojo.example.lg.jp",
        "DJANGO_SITE_URL": "https://kojo.example.lg.jp",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
