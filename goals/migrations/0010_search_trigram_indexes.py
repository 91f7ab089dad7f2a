"""Trigram indexes for the search on PostgreSQL; nothing on SQLite.

The search asks column LIKE '%word%' (a word without letters that have a case)
or column ~* 'word' (goals/overview/search.py); a gin_trgm_ops index on the
column serves both for a word of three characters or more (Japanese too:
pg_trgm makes trigrams of any letters the database's locale knows, and C.UTF-8
knows kanji and kana). A word of one or two characters has no trigram; the
planner reads the table then, as it would without the index.

pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner
may create it. Where it cannot be created the search still works, reading
every row, and the migration says so instead of failing the deployment.
"""

from django.db import migrations, transaction

INDEXES = [
    ("goals_goal", "text", "goal_text_trgm"),
    ("goals_goal", "result", "goal_result_trgm"),
    ("goals_goalcomment", "text", "goalcomment_text_trgm"),
]


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:  # noqa: BLE001 - any refusal: the search works without the indexes
        print(f"\n  pg_trgm is not available ({error}); the search reads every row without an index.")
        return
    with connection.cursor() as cursor:
        for table, column, name in INDEXES:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for _table, _column, name in INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("goals", "0009_doccache_sheet_documents")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
