"""The README's restore procedure: back up, change data, restore, compare (SQLite and PostgreSQL)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goals.models import Goal

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


def test_backup_change_restore_gives_back_the_same_data(tmp_path):
    call_command("loaddata", *FIXTURES, verbosity=0)
    before = dump()
    target = tmp_path / "kojo.backup"
    call_command("backup", output=target, stdout=StringIO())
    assert target.stat().st_size > 10_000
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    goal = Goal.objects.get(department__name="総務課", number="1")
    goal.result = "バックアップの後に書いた結果"
    goal.save()
    Goal.objects.filter(department__name="衛生課").delete()
    assert dump() != before

    call_command("restore", source=target, interactive=False, stdout=StringIO())
    assert dump() == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    call_command("loaddata", *FIXTURES, verbosity=0)
    before = dump()
    bogus = tmp_path / "notes.txt"
    bogus.write_text("これはバックアップではありません", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("restore", source=bogus, interactive=False)
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("restore", source=tmp_path / "missing.backup", interactive=False)
    assert dump() == before
