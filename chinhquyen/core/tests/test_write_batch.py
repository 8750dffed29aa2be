"""core/compiled.py: write_batch — on PostgreSQL the queued inserts and upserts of a block go to
the server as one statement; everywhere the rows, ids, signals and errors are those of writing
them one by one."""

from __future__ import annotations

from contextlib import suppress

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from benchmarks.models import BenchRow
from chinhquyen.audit.models import AuditRecord
from chinhquyen.audit.services import audit_verify, record_digest
from chinhquyen.core.compiled import (
    BatchValueMissing,
    insert_new,
    write_batch,
    write_batching,
    write_later,
)
from chinhquyen.dossiers.models import Dossier, DossierEvent, IdempotencyRecord
from chinhquyen.dossiers.services import dossier_submit, idempotent
from chinhquyen.reporting.models import DailyCounter

pytestmark = pytest.mark.django_db

VALID_FORM = {"ho_ten": "Nguyễn Văn A", "ngay_sinh": "2024-05-01"}
batched = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="data-modifying WITH is PostgreSQL's"
)


def _record(user, key):
    return IdempotencyRecord(user=user, key=key, request_hash="h" * 64, status=201, body={"k": key})


def _writes(queries):
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def _submit(world):
    return dossier_submit(
        user=world.citizen,
        procedure_code=world.procedure.code,
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


@batched
def test_a_submission_writes_its_rows_in_one_statement(world):
    _submit(world)  # compiles and caches what a first submission needs
    with CaptureQueriesContext(connection) as ctx:
        dossier = _submit(world)
    sent = _writes(ctx.captured_queries)
    # the code counter (which checks the cached procedure-agency link), then one statement
    assert len(sent) == 2, sent
    batch = sent[-1]
    assert batch.startswith('WITH w0 AS (INSERT INTO "dossiers_dossier"')
    for table in ("dossiers_dossierevent", "reporting_dailycounter", "audit_auditrecord"):
        assert table in batch
    event = DossierEvent.objects.get(dossier=dossier)
    assert dossier.pk and event.dossier_id == dossier.pk and event.seq == 1
    assert AuditRecord.objects.filter(object_id=dossier.code, seq=1).count() == 1
    assert DailyCounter.objects.get(agency=world.agency_a).submitted == 2


def test_the_rows_are_the_same_with_and_without_the_batch(world):
    def rows(dossier):
        d = Dossier.objects.filter(pk=dossier.pk).values().get()
        e = DossierEvent.objects.filter(dossier=dossier).values().get()
        a = AuditRecord.objects.filter(object_id=dossier.code).values().get()
        for row in (d, e, a):
            row.pop("id")
        for key in ("code", "submitted_at", "updated_at"):
            d.pop(key)
        for key in ("dossier_id", "at"):
            e.pop(key)
        for key in ("chain", "object_id", "at", "hash"):
            a.pop(key)
        return d, e, a

    one = _submit(world)
    with override_settings(DATABASE_WRITE_BATCH=False):
        other = _submit(world)
    assert rows(one) == rows(other)
    assert DailyCounter.objects.get(agency=world.agency_a).submitted == 2


def test_a_queued_row_has_its_id_after_the_block_and_a_read_sees_it(world):
    seen = []

    def saved(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_save.connect(saved, sender=IdempotencyRecord)
    try:
        with write_batch() as batch:
            first = insert_new(_record(world.citizen, "a"))
            assert (first.pk is None) == (batch is not None)  # queued only where batched
            # A read sends the queue first: it sees the row, which has its id from then on.
            assert IdempotencyRecord.objects.filter(key="a").exists()
            assert first.pk is not None
            second = insert_new(_record(world.citizen, "b"))
        assert second.pk is not None and second.pk > first.pk
    finally:
        post_save.disconnect(saved, sender=IdempotencyRecord)
    assert seen == [first.pk, second.pk]  # post_save once each, with the id
    assert not second._state.adding and second._state.db == "default"
    assert IdempotencyRecord.objects.get(pk=second.pk).key == "b"


@batched
def test_a_second_row_of_the_same_table_is_sent_apart(world):
    with CaptureQueriesContext(connection) as ctx, write_batch():
        insert_new(_record(world.citizen, "a"))
        insert_new(_record(world.citizen, "b"))
        write_later(
            f"UPDATE {IdempotencyRecord._meta.db_table} SET status = %s WHERE key = %s",  # noqa: S608
            [202, "a"],
            table=IdempotencyRecord._meta.db_table,
        )
    assert len(_writes(ctx.captured_queries)) == 3
    assert dict(IdempotencyRecord.objects.values_list("key", "status")) == {"a": 202, "b": 201}


def test_write_later_runs_at_once_outside_a_batch(world):
    table = IdempotencyRecord._meta.db_table
    insert_new(_record(world.citizen, "a"))
    sql = f"UPDATE {table} SET status = %s WHERE key = %s"  # noqa: S608
    write_later(sql, [409, "a"], table=table)
    assert IdempotencyRecord.objects.get(key="a").status == 409


def test_an_error_in_the_block_writes_nothing(world):
    # (the test's own transaction is the caller's: its savepoint takes the rollback)
    with pytest.raises(RuntimeError), transaction.atomic(), write_batch():
        insert_new(_record(world.citizen, "lost"))
        raise RuntimeError("refused")
    assert not IdempotencyRecord.objects.filter(key="lost").exists()


def test_an_error_caught_inside_an_outer_transaction_rolls_it_back(world):
    with pytest.raises(TransactionManagementError), transaction.atomic():
        insert_new(_record(world.citizen, "before"))
        with suppress(RuntimeError), write_batch():  # the caller catches the refusal
            insert_new(_record(world.citizen, "lost"))
            raise RuntimeError("refused")
        IdempotencyRecord.objects.count()  # as after any failed atomic(savepoint=False)
    assert not IdempotencyRecord.objects.filter(key__in=["before", "lost"]).exists()


def test_a_savepoint_keeps_what_came_before_it_and_undoes_what_came_after(world):
    with write_batch():
        kept = insert_new(_record(world.citizen, "kept"))
        # SAVEPOINT: the queue is sent before it
        with suppress(RuntimeError), transaction.atomic():
            insert_new(_record(world.citizen, "undone"))
            raise RuntimeError("refused")
        after = insert_new(_record(world.citizen, "after"))
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"kept", "after"}
    assert kept.pk and after.pk


def test_a_constraint_violation_surfaces_as_the_usual_integrity_error(world):
    insert_new(_record(world.citizen, "dup"))
    with pytest.raises(IntegrityError), transaction.atomic(), write_batch():
        insert_new(_record(world.citizen, "new"))
        insert_new(
            AuditRecord(
                chain="c",
                seq=1,
                event="e",
                object_type="t",
                object_id="1",
                changes={},
                prev_hash="0" * 64,
                hash="a" * 64,
                actor_label="x",
            )
        )
        insert_new(_record(world.citizen, "dup"))  # the same table: the queue goes first
    assert not IdempotencyRecord.objects.filter(key="new").exists()
    assert not AuditRecord.objects.filter(chain="c").exists()


def test_the_batch_is_postgresql_only_and_can_be_switched_off():
    assert write_batching(connection) == (connection.vendor == "postgresql")
    with override_settings(DATABASE_WRITE_BATCH=False):
        assert not write_batching(connection)
        with write_batch() as batch:
            assert batch is None


def test_an_error_caught_between_a_joining_block_and_its_batch_rolls_everything_back(world):
    """A block that joins an open batch fails as atomic(savepoint=False) inside it would: the
    transaction can only be rolled back, and nothing queued or sent is written."""
    with pytest.raises(TransactionManagementError), write_batch(savepoint=True):
        insert_new(_record(world.citizen, "before"))
        with suppress(RuntimeError), write_batch():  # joins the batch above
            insert_new(_record(world.citizen, "lost"))
            raise RuntimeError("refused")
        IdempotencyRecord.objects.count()
    assert not IdempotencyRecord.objects.filter(key__in=["before", "lost"]).exists()


def test_a_nested_block_joins_the_outer_one(world):
    with write_batch() as outer:
        with write_batch() as inner:
            assert inner is outer
            record = insert_new(_record(world.citizen, "n"))
        assert (record.pk is None) == (outer is not None)  # sent with the outer block
    assert record.pk is not None


# --- values: what a batch that is its own transaction computes in its statement ---------------

own_transaction = pytest.mark.django_db(transaction=True)


class _Sent:
    """An execute wrapper that notes each statement and whether psycopg was in autocommit."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, connection.connection.autocommit))
        return execute(sql, params, many, context)


def _api_submit(world, key):
    """As ``POST /api/v1/dossiers`` does: (the answer, the dossier)."""
    made = []

    def run():
        made.append(
            dossier_submit(
                user=world.citizen,
                procedure_code=world.procedure.code,
                agency_id=world.agency_a.agency_id,
                form_data=VALID_FORM,
            )
        )
        return 201, {"code": made[-1].code, "status": made[-1].state}

    _status, body = idempotent(
        user=world.citizen, key=key, fingerprint="f" * 64, run=run, look_first=False
    )
    return body, made[-1]


@batched
@own_transaction
def test_a_submission_alone_in_its_transaction_is_one_statement_in_autocommit(world):
    _api_submit(world, "first")  # reads and caches what a first submission needs
    sent = _Sent()
    with connection.execute_wrapper(sent):
        body, dossier = _api_submit(world, "second")
    # the counter, the dossier, its event, the audit record, the reporting counter and the
    # idempotency record: one statement, run by PostgreSQL as its own transaction (no BEGIN,
    # no COMMIT round trips)
    assert len(sent.statements) == 1, sent.statements
    sql, autocommit = sent.statements[0]
    assert autocommit is True
    assert sql.startswith("WITH w0 AS (INSERT INTO dossiers_dossiercounter")
    code = f"{world.agency_a.agency_id}-{timezone.localtime(dossier.submitted_at):%y%m%d}-0002"
    # the code the statement made reaches every place that holds it, in the database and here
    assert dossier.code == body["code"] == code
    assert Dossier.objects.get(pk=dossier.pk).code == code
    stored = IdempotencyRecord.objects.get(user=world.citizen, key="second")
    assert stored.body["code"] == code
    record = AuditRecord.objects.get(object_id=code)
    assert record.chain == f"dossier:{code}"
    assert record.hash == record_digest(
        chain=record.chain,
        seq=record.seq,
        at=record.at,
        actor_id=record.actor_id,
        actor_label=record.actor_label,
        event=record.event,
        object_type=record.object_type,
        object_id=record.object_id,
        changes=record.changes,
        prev_hash=record.prev_hash,
    )
    assert audit_verify().ok
    assert not connection.in_atomic_block and connection.get_autocommit()


@batched
@own_transaction
def test_values_reach_strings_and_json_and_a_later_read_sends_them():
    with write_batch() as batch:
        token = batch.value("SELECT 'V-1' AS v", [], table="")
        assert token and batch.holds_value(f"x{token}")
        first = insert_new(BenchRow(payload={"k": f"<{token}>", "n": 1}))
        assert first.pk is None
        assert BenchRow.objects.filter(pk__gt=0).count() >= 1  # a read: the queue goes first
        assert first.pk is not None and first.payload == {"k": "<V-1>", "n": 1}
        assert not batch.holds_value(token) and batch.resolve([token, {"a": token}]) == [
            "V-1",
            {"a": "V-1"},
        ]
        nested = {token: [1, 2.5, None, True, ("x", token)], "b": {"c": f"-{token}-", "d": "cq"}}
        assert batch.resolve(nested) == {
            "V-1": [1, 2.5, None, True, ("x", "V-1")],
            "b": {"c": "-V-1-", "d": "cq"},
        }
        later = insert_new(BenchRow(payload={"k": token}))  # after the value is known
    assert later.payload == {"k": "V-1"}
    stored = dict(BenchRow.objects.filter(pk__in=[first.pk, later.pk]).values_list("pk", "payload"))
    assert stored == {first.pk: {"k": "<V-1>", "n": 1}, later.pk: {"k": "V-1"}}


@batched
@own_transaction
def test_a_value_query_that_gives_no_row_fails_the_statement_and_writes_nothing():
    before = BenchRow.objects.count()
    told = []
    with pytest.raises(BatchValueMissing), write_batch() as batch:
        token = batch.value(
            "SELECT 'never' AS v WHERE false", [], table="", on_missing=lambda: told.append(1)
        )
        insert_new(BenchRow(payload={"k": token}))
        insert_new(BenchRow(payload={}))  # a second row of the table: sent apart, with the first
    assert told == [1]
    assert BenchRow.objects.count() == before
    assert connection.get_autocommit() and not connection.in_atomic_block


@batched
def test_a_batch_inside_a_transaction_holds_no_values(world):
    # the test runs in a transaction: a failed value would take the caller's transaction with it
    with write_batch() as batch:
        assert batch is not None and not batch.outermost
        assert batch.value("SELECT 'x' AS v", [], table="") is None
    _submit(world)  # reads and caches what a first submission needs
    sent = _Sent()
    with connection.execute_wrapper(sent):
        dossier = _submit(world)
    assert dossier.code.endswith("-0002")
    # the counter at once, then the batch, both inside the caller's transaction
    assert [autocommit for _sql, autocommit in sent.statements] == [False, False]
