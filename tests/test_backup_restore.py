"""The README's backup and restore procedure on SQLite and PostgreSQL: back up, change data, restore,
compare; a backup that is not ours, not complete or not for this code is refused with the reason in
Japanese and changes nothing; the live database is copied aside before it is replaced."""

import hashlib
import json
import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from goals.models import Goal
from kojo_shishin.backups import manifest_path

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURES = [
    "fixtures/achievement_levels.json",
    "fixtures/categories.json",
    "fixtures/saiwai-r7-torikumi-sheet.json",
]


def dump():
    out = StringIO()
    call_command("dumpdata", "departments", "goals", "auth.user", stdout=out)
    return out.getvalue()


def restore(source, **options):
    out = StringIO()
    call_command("restore", source=source, interactive=False, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def backed_up(tmp_path):
    """A backup of the seed data, and the data as it was."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    target = tmp_path / "backups" / "kojo.backup"
    call_command("backup", output=target, stdout=StringIO())
    return target, dump()


def change_data():
    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.result = "バックアップの後に書いた結果"
    goal.save()
    Goal.objects.filter(department__name="衛生課").delete()


def test_backup_change_restore_gives_back_the_same_data_and_keeps_a_safety_copy(backed_up):
    target, before = backed_up
    assert target.stat().st_size > 10_000
    manifest = json.loads(manifest_path(target).read_text(encoding="utf-8"))
    assert manifest["vendor"] == connection.vendor and manifest["size"] == target.stat().st_size
    assert "goals.0001_initial" in manifest["migrations"]
    for path in (target, manifest_path(target)):
        assert oct(path.stat().st_mode & 0o777) == "0o600"

    change_data()
    changed = dump()
    assert changed != before
    assert "SHA-256 一致" in restore(target, check_only=True)
    assert dump() == changed  # checking changes nothing

    out = restore(target)
    assert dump() == before
    (safety_copy,) = target.parent.glob("kojo-before-restore-*.backup")
    assert str(safety_copy) in out and "元に戻すには" in out
    # The safety copy is a backup like any other: restoring it undoes the restore.
    restore(safety_copy, safety_dir=target.parent / "undo")
    assert dump() == changed


def test_altered_bytes_are_refused(backed_up):
    target, before = backed_up
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="チェックサムが違います"):
        restore(target)
    assert dump() == before
    assert not list(target.parent.glob("kojo-before-restore-*"))


def test_a_backup_without_its_manifest_is_refused(backed_up):
    target, before = backed_up
    manifest_path(target).unlink()
    with pytest.raises(CommandError, match=r"確認用ファイル .* が見つかりません"):
        restore(target)
    assert dump() == before


def test_a_foreign_sqlite_file_with_a_goals_table_is_refused(backed_up, tmp_path):
    target, before = backed_up
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE goals_goal (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO goals_goal (text) VALUES ('よその目標')")
    db.close()
    with pytest.raises(CommandError, match="見つかりません"):
        restore(foreign)
    # Nor with a manifest made for it by hand: only this deployment's key signs manifests.
    manifest = json.loads(manifest_path(target).read_text(encoding="utf-8"))
    manifest |= {"size": foreign.stat().st_size, "sha256": hashlib.sha256(foreign.read_bytes()).hexdigest()}
    manifest_path(foreign).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="署名が一致しません"):
        restore(foreign)
    assert dump() == before


def test_a_backup_signed_with_another_key_is_refused(backed_up, settings):
    target, before = backed_up
    settings.SECRET_KEY = "another-deployment-" + "x" * 40
    with pytest.raises(CommandError, match="このシステムで作られたバックアップではない"):
        restore(target)
    assert dump() == before


def test_after_a_key_change_the_old_key_in_the_fallbacks_still_verifies(backed_up, settings):
    target, _before = backed_up
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-key-" + "y" * 40
    assert "SHA-256 一致" in restore(target, check_only=True)


def test_a_backup_from_another_migrations_state_is_refused(tmp_path):
    call_command("loaddata", *FIXTURES, verbosity=0)
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="goals").order_by("-id").first()
    # A database one migration behind the code, as made by an older version of the app.
    recorder.record_unapplied(last.app, last.name)
    try:
        target = tmp_path / "old.backup"
        call_command("backup", output=target, stdout=StringIO())
    finally:
        recorder.record_applied(last.app, last.name)
    before = dump()
    with pytest.raises(CommandError, match=rf"マイグレーション.*アプリにだけあるもの: goals\.{last.name}"):
        restore(target)
    assert dump() == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    call_command("loaddata", *FIXTURES, verbosity=0)
    before = dump()
    bogus = tmp_path / "notes.txt"
    bogus.write_text("これはバックアップではありません", encoding="utf-8")
    with pytest.raises(CommandError):
        restore(bogus)
    with pytest.raises(CommandError, match="見つかりません"):
        restore(tmp_path / "missing.backup")
    assert dump() == before


def test_no_safety_copy_no_restore(backed_up, tmp_path):
    target, _before = backed_up
    change_data()
    changed = dump()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    with pytest.raises(CommandError, match="保存できなかったため、復元を取りやめました"):
        restore(target, safety_dir=blocked)
    assert dump() == changed
