"""pg_trgm and the GIN trigram index behind procedure search (catalogue/search.py). PostgreSQL
only: on SQLite every operation here does nothing (search runs a Python function there)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    # search.word_regex: search_text ~ '(^|[^a-z0-9])word…'
    "catalogue_version_search_trgm": "USING gin (search_text gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, body in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON catalogue_procedureversion {body}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0003_procedureversion_agency_kinds"),
    ]

    operations = [
        TrigramExtension(),  # CreateExtension skips databases other than PostgreSQL
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
