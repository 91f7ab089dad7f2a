"""Settings come from the environment and refuse to guess (run in a fresh process)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "kojo_shishin.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, cwd=settings.BASE_DIR, capture_output=True, text=True
    )


def test_bad_debug_value_names_the_variable():
    result = run_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG の値 'maybe' は真偽値として解釈できません" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_settings(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="kojo.example.lg.jp")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY が設定されていません" in result.stderr


def test_production_is_the_default_and_requires_hosts():
    result = run_settings(DJANGO_SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS が設定されていません" in result.stderr


def test_empty_item_in_host_list_refused():
    result = run_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="a.example,,b")
    assert result.returncode != 0
    assert "空の項目" in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_DEBUG": "true"}, "True django.db.backends.sqlite3"),
        (
            {"DJANGO_DEBUG": "no", "DJANGO_SECRET_KEY": "s" * 50, "DJANGO_ALLOWED_HOSTS": "kojo.example"},
            "False django.db.backends.sqlite3",
        ),
        (
            {"DJANGO_DEBUG": "on", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/kojo"},
            "True django.db.backends.postgresql",
        ),
    ],
)
def test_valid_environments_start(env, expected):
    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_sqlite_takes_the_write_lock_early_and_waits_for_it():
    from kojo_shishin.settings import _database

    options = _database(None)["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10


def test_sqlite_file_database_runs_in_wal_mode(tmp_path):
    probe = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env = clean | {
        "DJANGO_SETTINGS_MODULE": "kojo_shishin.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
