"""Consistent copies of the database while the app runs, and putting one back.

SQLite uses its online backup API (a page-by-page copy under one read
transaction, so writers keep working under WAL); PostgreSQL uses pg_dump's
snapshot and pg_restore in a single transaction, so a failed restore changes
nothing.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connections

REQUIRED_TABLE = "goals_goal"


class BackupError(Exception):
    pass


def backup(output: Path, alias: str = "default") -> None:
    connection = connections[alias]
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a half-written file never looks like a backup.
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if connection.vendor == "sqlite":
            _backup_sqlite(connection, tmp)
        elif connection.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={tmp}"], connection)
        else:
            raise BackupError(f"{connection.vendor} のバックアップには対応していません。")
        tmp.chmod(0o600)  # it holds password hashes
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)


def restore(source: Path, alias: str = "default") -> None:
    connection = connections[alias]
    if not source.is_file():
        raise BackupError(f"バックアップファイル {source} が見つかりません。")
    if connection.vendor == "sqlite":
        _restore_sqlite(connection, source)
    elif connection.vendor == "postgresql":
        _run(["pg_restore", "--list", str(source)], connection, what="バックアップファイルの確認")
        connection.close()  # our own session must not hold locks on the tables being replaced
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
            connection,
            dbname=True,
        )
    else:
        raise BackupError(f"{connection.vendor} の復元には対応していません。")


def _backup_sqlite(connection, target: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    _check_sqlite_file(target)


def _restore_sqlite(connection, source: Path) -> None:
    _check_sqlite_file(source)
    connection.ensure_connection()
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_db:
        backup_db.backup(connection.connection)


def _check_sqlite_file(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (status,) = db.execute("PRAGMA integrity_check").fetchone()
            has_table = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [REQUIRED_TABLE]
            ).fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} は SQLite のバックアップとして読めません（{error}）。") from None
    if status != "ok" or not has_table:
        raise BackupError(f"{path} は向上指針のバックアップではないか、壊れています。")


def _pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def _run(command, connection, what="", dbname=False) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} が見つかりません。PostgreSQL のクライアント（postgresql-client）を導入してください。"
        )
    settings_dict = connection.settings_dict
    if tool == "pg_dump" or dbname:
        command = [*command, f"--dbname={settings_dict['NAME']}"]
    # The arguments are our own constants, the configured database name and a path: no shell is involved.
    result = subprocess.run(command, env=_pg_env(settings_dict), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what or tool} に失敗しました: {result.stderr.strip()}")
