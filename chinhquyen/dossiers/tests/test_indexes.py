"""The indexes on the submission's path: each one is written by every submission, so the
redundant ones are gone (dossiers 0006, audit 0002) and the ones the queries need stay."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own LIKE indexes"),
]


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return {name: definition.split(" USING ")[1] for name, definition in cursor.fetchall()}


def test_no_like_copy_of_the_code_or_the_hash_index():
    for table in ("dossiers_dossier", "audit_auditrecord"):
        assert not [d for d in _indexes(table).values() if "varchar_pattern_ops" in d], table


def test_the_indexes_the_queries_use_are_kept_and_none_is_duplicated():
    expected = {
        "dossiers_dossier": {"btree (code)", "btree (agency_id, state)",
                             "btree (applicant_id, submitted_at DESC)", "btree (due_at)"},
        "dossiers_dossierevent": {"btree (dossier_id, seq)"},
        "dossiers_idempotencyrecord": {"btree (user_id, key)"},
        "dossiers_dossiercounter": {"btree (agency_id, day)"},
        "audit_auditrecord": {"btree (hash)", "btree (chain, seq)"},
    }  # fmt: skip
    for table, needed in expected.items():
        definitions = list(_indexes(table).values())
        assert needed <= set(definitions), table
        # No single-column index that a multi-column one already starts with.
        singles = {d for d in definitions if "," not in d and "(id)" not in d}
        leading = {d.split(",")[0] + ")" for d in definitions if "," in d}
        assert not singles & leading, (table, singles & leading)
