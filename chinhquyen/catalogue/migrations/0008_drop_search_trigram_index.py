"""Search ranks in tantivy (0007, docs/decisions/0003-search-engine.md): the GIN trigram index of
0004 served the old regular-expression filter and now only slows every catalogue write. PostgreSQL
only, like 0004; reversing this migration builds it again."""

from django.db import migrations

NAME = "catalogue_version_search_trgm"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON catalogue_procedureversion "
            "USING gin (search_text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0007_search_engine"),
    ]

    operations = [migrations.RunPython(drop_index, create_index, elidable=False)]
