"""Migration operations shared by the apps.

``DropLikeIndex``: on PostgreSQL Django gives every indexed or unique ``CharField`` a second
index with ``varchar_pattern_ops``, for ``LIKE 'prefix%'``. Where a column is only ever matched
exactly (a hash) or with a leading ``%`` (``icontains``), that copy serves no query and is written
on every insert. Reversing recreates it. Nothing happens on other databases.
"""

from __future__ import annotations

from django.db import migrations


def DropLikeIndex(table: str, column: str) -> migrations.RunPython:  # noqa: N802 - reads as an operation
    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, f"%({column} varchar_pattern_ops)%"],
            )
            for (name,) in cursor.fetchall():
                schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_like_ops" '
                f'ON "{table}" ("{column}" varchar_pattern_ops)'
            )

    return migrations.RunPython(drop, create)
