"""Consistent copies of the database while the app runs, and putting one back.

SQLite uses its online backup API (a page-by-page copy under one read
transaction, so writers keep working under WAL); PostgreSQL uses pg_dump's
snapshot and pg_restore in a single transaction, so a failed restore changes
nothing.

Every backup gets a manifest next to it (`<file>.manifest.json`): the file's
size and SHA-256, the database vendor, the applied migrations and the app
version, signed with the deployment's SECRET_KEY (SECRET_KEY_FALLBACKS after a
rotation). restore() refuses a file whose manifest is missing, not signed by
us, or does not match the bytes, the vendor or the code's migrations, and it
copies the live database aside before replacing it.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.core import signing
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

REQUIRED_TABLE = "goals_goal"
FORMAT = "kojo_shishin-backup/1"
MANIFEST_SUFFIX = ".manifest.json"
SIGNING_SALT = "kojo_shishin.backups.manifest"
LISTED = 5  # migrations named in a refusal


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Restored:
    source: Path
    safety_copy: Path


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def backup(output: Path, alias: str = "default") -> Path:
    """Write the backup and its manifest; returns the manifest's path."""
    connection = connections[alias]
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a half-written file never looks like a backup.
    tmp = _temporary(output.parent)
    tmp_manifest = _temporary(output.parent)
    try:
        if connection.vendor == "sqlite":
            _backup_sqlite(connection, tmp)
        elif connection.vendor == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={tmp}"], connection)
        else:
            raise BackupError(f"{connection.vendor} のバックアップには対応していません。")
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "app_version": _app_version(),
            "vendor": connection.vendor,
            "migrations": _applied_migrations(connection),
            "size": tmp.stat().st_size,
            "sha256": _sha256(tmp),
        }
        manifest["signature"] = _signature(manifest)
        tmp_manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for path in (tmp, tmp_manifest):
            path.chmod(0o600)  # the backup holds password hashes
        tmp.replace(output)
        tmp_manifest.replace(manifest_path(output))
    finally:
        tmp.unlink(missing_ok=True)
        tmp_manifest.unlink(missing_ok=True)
    return manifest_path(output)


def verify(source: Path, alias: str = "default") -> dict:
    """The manifest of a backup this deployment made and can restore; else BackupError saying why."""
    connection = connections[alias]
    if not source.is_file():
        raise BackupError(f"バックアップファイル {source} が見つかりません。")
    manifest = _read_manifest(source)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"{source} は {manifest['vendor']} のバックアップです。"
            f"現在のデータベース（{connection.vendor}）には復元できません。"
        )
    if source.stat().st_size != manifest["size"] or _sha256(source) != manifest["sha256"]:
        raise BackupError(
            f"{source} の内容がバックアップ作成時と一致しません（チェックサムが違います）。"
            "ファイルが壊れているか、書き換えられています。"
        )
    _check_migrations(source, manifest, connection)
    if connection.vendor == "sqlite":
        _check_sqlite_file(source, manifest)
    elif connection.vendor == "postgresql":
        _run(["pg_restore", "--list", str(source)], connection, what="バックアップファイルの確認")
    return manifest


def restore(source: Path, alias: str = "default", safety_dir: Path | None = None) -> Restored:
    """Replace the database with a verified backup, after copying the live one to `safety_dir`."""
    connection = connections[alias]
    source = source.resolve()
    verify(source, alias)
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"{connection.vendor} の復元には対応していません。")
    safety_dir = (safety_dir or source.parent).resolve()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    safety_copy = safety_dir / f"kojo-before-restore-{stamp}.backup"
    try:
        backup(safety_copy, alias)
    except (OSError, BackupError) as error:
        raise BackupError(
            f"復元の前に現在のデータベースを {safety_dir} に保存できなかったため、復元を取りやめました"
            f"（{error}）。データは変更していません。--safety-dir で書き込める場所を指定してください。"
        ) from None
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_db:
            backup_db.backup(connection.connection)
    else:
        connection.close()  # our own session must not hold locks on the tables being replaced
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
            connection,
            dbname=True,
        )
    return Restored(source=source, safety_copy=safety_copy)


def _temporary(folder: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=".backup-", dir=folder)
    os.close(fd)
    return Path(name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        return metadata.version("kojo-shishin")
    except metadata.PackageNotFoundError:
        return "unknown"


def _applied_migrations(connection) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _code_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _canonical(manifest: dict) -> str:
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _signer() -> signing.Signer:
    return signing.Signer(salt=SIGNING_SALT)


def _signature(manifest: dict) -> str:
    return _signer().signature(_canonical(manifest))


def _read_manifest(source: Path) -> dict:
    path = manifest_path(source)
    if not path.is_file():
        raise BackupError(
            f"{source} の確認用ファイル {path.name} が見つかりません。"
            "backup コマンドが作った2つのファイルを同じフォルダーに置いて復元してください。"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        fields_ok = (
            isinstance(manifest, dict)
            and manifest.get("format") == FORMAT
            and isinstance(manifest.get("signature"), str)
            and isinstance(manifest.get("size"), int)
            and isinstance(manifest.get("sha256"), str)
            and isinstance(manifest.get("migrations"), list)
            and isinstance(manifest.get("vendor"), str)
        )
    except (OSError, UnicodeDecodeError, ValueError):
        fields_ok = False
    if not fields_ok:
        raise BackupError(f"{path.name} は向上指針のバックアップの確認用ファイルとして読めません。")
    try:
        _signer().unsign(f"{_canonical(manifest)}{_signer().sep}{manifest['signature']}")
    except signing.BadSignature:
        raise BackupError(
            f"{source} はこのシステムで作られたバックアップではないか、確認用ファイルが書き換えられています"
            "（署名が一致しません）。"
        ) from None
    return manifest


def _check_migrations(source: Path, manifest: dict, connection) -> None:
    backed_up, code = set(manifest["migrations"]), _code_migrations()
    # The code's migrations, or exactly the live database's state (rows of migrations since
    # removed from disk, a database not migrated yet): the restored database is no worse off.
    if backed_up == code or backed_up == set(_applied_migrations(connection)):
        return
    only_backup = "、".join(sorted(backed_up - code)[:LISTED]) or "なし"
    only_code = "、".join(sorted(code - backed_up)[:LISTED]) or "なし"
    raise BackupError(
        f"{source} はデータベースの構造（マイグレーション）が現在のアプリと違うため、復元できません"
        f"（バックアップにだけあるもの: {only_backup}／アプリにだけあるもの: {only_code}）。"
        f"バックアップを作ったときと同じ版のアプリ（{manifest.get('app_version', '不明')}）で復元してください。"
    )


def _backup_sqlite(connection, target: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
        # One self-contained file: the live database's WAL mode would leave -wal/-shm files beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    copy.close()
    _check_sqlite_file(target)


def _check_sqlite_file(path: Path, manifest: dict | None = None) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (status,) = db.execute("PRAGMA integrity_check").fetchone()
            has_table = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [REQUIRED_TABLE]
            ).fetchone()
            applied = (
                sorted(f"{app}.{name}" for app, name in db.execute("SELECT app, name FROM django_migrations"))
                if manifest is not None
                else None
            )
        db.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} は SQLite のバックアップとして読めません（{error}）。") from None
    if status != "ok" or not has_table:
        raise BackupError(f"{path} は向上指針のバックアップではないか、壊れています。")
    if manifest is not None and applied != sorted(manifest["migrations"]):
        raise BackupError(f"{path} の中身が確認用ファイルの記録（マイグレーション）と一致しません。")


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
