"""Operations: the sign-in lockout behind a proxy, logs, downloads not cached, admin history ids,
gunicorn instances side by side, the PDF helper ending with its worker, the daily jobs."""

import io
import json
import logging
import os
import pickle
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal, StagedUpload
from goals.sheet.layout import build_layout
from tests.processes import children, running

BASE_DIR = Path(django_settings.BASE_DIR)
README = (BASE_DIR / "README.md").read_text(encoding="utf-8")
IPWARE_SETTINGS = [
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "AXES_IPWARE_PROXY_TRUSTED_IPS",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "IPWARE_STRICT",
    "IPWARE_META_PROXY_COUNT",
    "IPWARE_META_PRECEDENCE_ORDER",
]


def clean_env(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "KOJO_"))}
    return base | {"DJANGO_SETTINGS_MODULE": "kojo_shishin.settings", "DJANGO_DEBUG": "true", **env}


# --- Sign-in lockout behind a proxy ------------------------------------------------------


def deployment_ipware_settings(behind_proxy: bool) -> dict:
    """The ipware settings a deployment gets from the environment (read in a fresh process)."""
    probe = (
        "import json, django; django.setup(); import axes.conf; from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {IPWARE_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=clean_env(DJANGO_BEHIND_PROXY=str(behind_proxy).lower()),
        cwd=BASE_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def sign_in(client, user, password, forwarded_for=None, remote_addr="127.0.0.1"):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": user.username, "password": password}, **extra)


def test_behind_a_proxy_failures_lock_only_the_client_that_made_them(settings, reviewer):
    for name, value in deployment_ipware_settings(behind_proxy=True).items():
        setattr(settings, name, value)
    attacker, colleague = Client(), Client()
    # Every request arrives from the proxy (REMOTE_ADDR 127.0.0.1); the proxy appended the client's
    # address to whatever X-Forwarded-For the client itself sent.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(attacker, reviewer, "wrong", forwarded_for=f"192.0.2.{n}, 10.20.0.66")
    assert sign_in(attacker, reviewer, reviewer.raw_password, forwarded_for="10.20.0.66").status_code == 429
    assert sign_in(attacker, reviewer, reviewer.raw_password, forwarded_for="10.20.0.77, 10.20.0.66").status_code == 429  # fmt: skip
    signed_in = sign_in(colleague, reviewer, reviewer.raw_password, forwarded_for="10.20.0.5")
    assert signed_in.status_code == 302
    assert colleague.session["_auth_user_id"] == str(reviewer.pk)


def test_without_a_proxy_the_forwarded_header_is_ignored(settings, reviewer):
    for name, value in deployment_ipware_settings(behind_proxy=False).items():
        setattr(settings, name, value)
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, reviewer, "wrong", forwarded_for=f"10.20.0.{n}", remote_addr="10.30.0.1")
    # A made-up header does not escape the lockout of the connection's own address ...
    assert sign_in(client, reviewer, reviewer.raw_password, forwarded_for="10.20.0.99", remote_addr="10.30.0.1").status_code == 429  # fmt: skip
    # ... and another machine is not locked out.
    assert sign_in(Client(), reviewer, reviewer.raw_password, remote_addr="10.30.0.2").status_code == 302


# --- Logs --------------------------------------------------------------------------------


@contextmanager
def log_stream(logger_name: str):
    """What the stream handlers that `logger_name` reaches write, while it runs."""
    buffer, swapped = io.StringIO(), []
    logger = logging.getLogger(logger_name)
    while logger is not None:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                swapped.append((handler, handler.setStream(buffer)))
        logger = logger.parent if logger.propagate else None
    try:
        yield buffer
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)


def test_a_500_leaves_time_level_path_user_and_traceback_on_stderr(settings, editor):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.urls_failing"
    assert logging.getLogger("django").handlers, "no log handler for Django's messages"
    handler = logging.getLogger("django").handlers[0]
    assert getattr(handler, "stream", None) in (sys.stderr, sys.__stderr__) or handler.name == "stderr"
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    with log_stream("django.request") as log:
        response = client.get("/failing/?q=1")
    assert response.status_code == 500
    text = log.getvalue()
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} ERROR django\.request ", text, re.M), text
    assert f"[path=/failing/ user={editor.pk}]" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: 計算に失敗しました" in text


def test_readme_says_where_the_logs_are():
    operations = README.split("## 運用 / Operations", 1)[1].split("\n## ", 1)[0]
    assert "標準エラー" in operations and "journalctl" in operations and "DJANGO_ADMINS" in operations


# --- Daily jobs --------------------------------------------------------------------------


def daily_jobs() -> list[list[str]]:
    operations = README.split("## 運用 / Operations", 1)[1]
    block = operations.split("```cron", 1)[1].split("```", 1)[0]
    commands = [
        line.split("manage.py", 1)[1].split(">", 1)[0] for line in block.splitlines() if "manage.py" in line
    ]
    return [shlex.split(command) for command in commands]


def test_the_documented_daily_jobs_run_and_remove_expired_sessions_and_uploads(db, reviewer):
    jobs = daily_jobs()
    assert [job[0] for job in jobs] == ["send_reminders", "send_digests", "clearsessions", "purge_uploads"]
    expired = Session.objects.create(
        session_key="x" * 32, session_data="e30:", expire_date=timezone.now() - timezone.timedelta(days=1)
    )
    live = Session.objects.create(
        session_key="y" * 32, session_data="e30:", expire_date=timezone.now() + timezone.timedelta(hours=1)
    )
    for name, hours in (("expired-upload", 2), ("fresh-upload", 0)):
        StagedUpload.objects.create(
            token=name,
            kind=StagedUpload.Kind.SHEET,
            user=reviewer,
            filename="x.xlsx",
            data=b"x",
            sha256="0" * 64,
            created_at=timezone.now() - timezone.timedelta(hours=hours),
            expires_at=timezone.now() + timezone.timedelta(hours=1 - hours),
        )
    for job in jobs:
        call_command(*job, stdout=io.StringIO())
    assert not Session.objects.filter(pk=expired.pk).exists()
    assert Session.objects.filter(pk=live.pk).exists()
    assert list(StagedUpload.objects.values_list("token", flat=True)) == ["fresh-upload"]


# --- Downloads and admin pages -----------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("goals:sheet", ["幸区", 2025]),
        ("goals:sheet_pdf", ["幸区", 2025]),
        ("goals:sheet_xlsx", ["幸区", 2025]),
        ("goals:department_sheet_pdf", ["幸区", 2025, None]),
        ("goals:department_sheet_xlsx", ["幸区", 2025, None]),
    ],
)
def test_sheet_pages_and_downloads_are_never_cached(client, reviewer, seed, name, args):
    department = seed.goals.first().department_id
    client.force_login(reviewer)
    response = client.get(reverse(name, args=[department if a is None else a for a in args]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("file_format", ["0", "1", "2"])  # CSV, XLSX, JSON
def test_admin_exports_are_never_cached(client, superuser, seed, file_format):
    client.force_login(superuser)
    data = {"format": file_format, "resource": "0", "goalresource_text": "on", "goalresource_number": "on"}
    response = client.post(reverse("admin:goals_goal_export"), data)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_static_files_stay_cacheable(client, db):
    response = client.get("/static/css/kojo.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/goals/goal/{pk}/history/abc/",
        "/admin/goals/goal/{pk}/history/1.5/",
        "/admin/goals/goal/{pk}/history/99999999999999999999999/",
        "/admin/goals/goal/abc/history/1/",
        "/admin/goals/sheet/{sheet}/history/x/",
        "/admin/goals/departmentreport/1/history/%00/",
    ],
)
def test_admin_history_with_an_impossible_id_is_not_found(client, superuser, seed, path):
    client.force_login(superuser)
    goal = Goal.objects.first()
    response = client.get(path.format(pk=goal.pk, sheet=seed.pk))
    assert response.status_code == 404


def test_admin_history_of_a_real_version_still_opens(client, superuser, seed):
    client.force_login(superuser)
    goal = Goal.objects.first()
    goal.save()  # a version in the history
    version = goal.history.first()
    response = client.get(f"/admin/goals/goal/{goal.pk}/history/{version.history_id}/")
    assert response.status_code == 200


# --- gunicorn: two instances on one host --------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(servers) -> None:
    """End the servers (SIGTERM, then SIGKILL after 30 s), all at once rather than one after the other."""
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_two_gunicorn_instances_on_one_host_keep_their_own_control_socket(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), KOJO_WORKERS="1", KOJO_ACCESS_LOG="/dev/null")
    env.pop("XDG_RUNTIME_DIR", None)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = (tmp_path / "gunicorn.log").open("w")
    servers = []
    try:
        for _ in range(2):
            bind = f"127.0.0.1:{free_port()}"
            command = [gunicorn, "--config", "gunicorn.conf.py", "kojo_shishin.wsgi"]
            server = subprocess.Popen(
                command, env=env | {"KOJO_BIND": bind}, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=log
            )
            servers.append(server)
        deadline = time.monotonic() + 60
        sockets = []
        while time.monotonic() < deadline:
            sockets = sorted(p for p in home.rglob("*.ctl") if p.is_socket())
            if len(sockets) >= 2 or any(s.poll() is not None for s in servers):
                break
            time.sleep(0.2)
        assert all(s.poll() is None for s in servers), (tmp_path / "gunicorn.log").read_text()
        assert len(sockets) == 2, f"control sockets: {sockets}"
    finally:
        stop(servers)
        log.close()


# --- The PDF helper ends with its worker --------------------------------------------------

WORKER = """
import pickle, sys, time
import django
django.setup()
from goals.sheet.pdf_helper import render_pdf, warm_up
warm_up()
with open(sys.argv[1], "rb") as file:
    pdf = render_pdf(pickle.load(file))
print("drawn", len(pdf), flush=True)
time.sleep(300)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc")
def test_a_killed_worker_takes_its_pdf_helper_and_resource_tracker_with_it(seed, tmp_path):
    layout_file = tmp_path / "layout.pickle"
    layout_file.write_bytes(pickle.dumps(build_layout(seed)))
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(layout_file)],
        env=clean_env(DJANGO_PDF_HELPER_PROCESS="true"), cwd=BASE_DIR,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    helpers: set[int] = set()
    try:
        line = worker.stdout.readline()  # the worker prints once the helper has drawn the PDF
        assert line.startswith("drawn "), worker.stderr.read() if worker.poll() is not None else line
        assert int(line.split()[1]) > 10_000
        helpers = children(worker.pid)
        assert len(helpers) >= 2  # the helper and multiprocessing's resource tracker
        assert all(running(pid) for pid in helpers)

        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(running(pid) for pid in helpers):
            time.sleep(0.1)
        survivors = [pid for pid in helpers if running(pid)]
        assert not survivors, f"still running after the worker was killed: {survivors}"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for pid in helpers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        worker.stdout.close()
        worker.stderr.close()
