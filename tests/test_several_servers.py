"""Several app servers share everything a request needs through the database.

Two gunicorn instances on different loopback ports serve one database. A
reviewer uploads a workbook on the first (the preview) and confirms it on the
second; two editors save the same goal from the same version, one on each
server, and the second gets the conflict message. Everything is checked over
HTTP, as a browser would see it.

On PostgreSQL the servers use the test database itself. On SQLite (an
in-memory test database) the test's data is copied into one database file
first, which both servers open (SQLite's WAL lets several processes share it).
"""

import http.cookiejar
import re
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from departments.models import Membership
from goals.models import Goal
from tests.bad_workbooks import small_workbook

from .conftest import PASSWORD
from .test_operations import BASE_DIR, clean_env, free_port, stop

pytestmark = pytest.mark.django_db(transaction=True)
START_SECONDS = 60
REQUEST_SECONDS = 30


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's cookies (session, CSRF) across both servers, as one browser keeps them per host."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, url, data=None, files=None):
        headers = {}
        body = None
        if data is not None or files:
            fields = {"csrfmiddlewaretoken": self.csrf(), **(data or {})}
            body, content_type = _multipart(fields, files or {})
            headers["Content-Type"] = content_type
        try:
            request = urllib.request.Request(url, body, headers)  # noqa: S310 (loopback servers)
            response = self.opener.open(request, timeout=REQUEST_SECONDS)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with response:
            return response.status, response.headers.get("Location", ""), response.read().decode()

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def sign_in(self, server, user):
        self.request(f"{server}/accounts/login/")
        status, _, _ = self.request(
            f"{server}/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert status == 302, f"sign-in of {user.username} refused"


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _database_url(tmp_path: Path) -> str:
    """A URL both servers open for the data this test committed."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = urllib.parse.quote(settings["USER"] or "")
        password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        return f"postgres://{user}{password}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
    if connection.vendor != "sqlite":
        pytest.skip(f"two servers on {connection.vendor} are not set up here")
    target = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    return f"sqlite:///{target}"


@pytest.fixture
def servers(transactional_db, tmp_path, seed):
    """Two gunicorn instances (one worker each) on their own ports, ended in teardown whatever happens."""
    url = _database_url(tmp_path)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = (tmp_path / "servers.log").open("w")
    started, addresses = [], []
    try:
        for number in range(2):
            bind = f"127.0.0.1:{free_port()}"
            # Each its own temporary folder and home, as on two machines: nothing may pass through them.
            machine = tmp_path / f"machine-{number}"
            (machine / "tmp").mkdir(parents=True)
            env = clean_env(
                HOME=str(machine),
                TMPDIR=str(machine / "tmp"),
                DATABASE_URL=url,
                KOJO_BIND=bind,
                KOJO_WORKERS="1",
                KOJO_ACCESS_LOG="/dev/null",
                KOJO_CONTROL_SOCKET=str(tmp_path / f"{bind.replace(':', '-')}.ctl"),
            )
            started.append(
                subprocess.Popen(
                    [gunicorn, "--config", "gunicorn.conf.py", "kojo_shishin.wsgi"],
                    env=env,
                    cwd=BASE_DIR,
                    stdout=log,
                    stderr=log,
                )
            )
            addresses.append(f"http://{bind}")
        deadline = time.monotonic() + START_SECONDS
        for server, address in zip(started, addresses, strict=True):
            while not _answers(address):
                assert server.poll() is None, (tmp_path / "servers.log").read_text()
                assert time.monotonic() < deadline, "a server did not start in time"
                time.sleep(0.2)
        yield addresses
    finally:
        stop(started)
        log.close()


def _answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"{address}/accounts/login/", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def _value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} in the page"
    return match.group(1)


@pytest.fixture
def people(seed, reviewer, editor, make_member):
    second = make_member("kumin-editor-2", editor.memberships.first().department, Membership.Role.EDITOR)
    goal = Goal.objects.filter(sheet=seed, department__name="区民課").order_by("order", "pk").first()
    # The servers run the production settings, whose hashers do not read the tests' fast MD5 hashes.
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    get_user_model().objects.filter(pk__in=[reviewer.pk, editor.pk, second.pk]).update(password=hashed)
    return reviewer, editor, second, goal


# The people are made before the servers start: on SQLite the servers read a copy taken then.
@pytest.fixture
def world(people, servers):
    return (*people, servers)


def test_preview_on_one_server_is_confirmed_on_the_other(world):
    reviewer, _editor, _second, _goal, (first, second) = world
    browser = Browser()
    browser.sign_in(first, reviewer)
    browser.request(f"{first}/imports/")
    workbook = small_workbook([["総務課", "1", "共通", "二台目のサーバーで確定した本文", "", ""]])
    status, preview, _ = browser.request(
        f"{first}/imports/",
        {"ward": "幸区", "fiscal_year": "2025"},
        files={"file": ("torikumi.xlsx", workbook)},
    )
    assert status == 302 and "/imports/" in preview
    status, _, page = browser.request(f"{first}{preview}")
    assert status == 200 and "読み込む</button>" in page
    # The confirmation reaches the other server: the file and the session are in the database.
    confirm = {"digest": _value(page, "digest"), "worksheet": _value(page, "worksheet")}
    status, board, page = browser.request(f"{second}{preview}confirm/", confirm)
    assert status == 302, page[:2000]
    assert board == "/board/%E5%B9%B8%E5%8C%BA/2025/"
    _, _, sheet = browser.request(f"{second}/sheets/%E5%B9%B8%E5%8C%BA/2025/")
    assert "二台目のサーバーで確定した本文" in sheet


def test_a_stale_save_on_the_other_server_gets_the_conflict_message(world):
    _reviewer, editor, second_editor, goal, (first, second) = world
    a, b = Browser(), Browser()
    a.sign_in(first, editor)
    b.sign_in(second, second_editor)
    url = f"/goals/{goal.pk}/result/"
    _, _, form_a = a.request(f"{first}{url}")
    _, _, form_b = b.request(f"{second}{url}")
    version = _value(form_a, "version")
    assert _value(form_b, "version") == version
    status, _, _ = a.request(
        f"{first}{url}", {"result": "Aさんの実施結果", "achievement": "", "version": version}
    )
    assert status == 302
    status, _, page = b.request(
        f"{second}{url}", {"result": "Bさんの実施結果", "achievement": "", "version": version}
    )
    assert status == 409
    assert "他の人が先に保存しました" in page and "Aさんの実施結果" in page and "Bさんの実施結果" in page
    _, _, stored = b.request(f"{second}{url}")
    assert _value(stored, "version") == str(int(version) + 1)
