"""The audit log is tamper-evident: edits, removals and truncations are found by `audit verify`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from chinhquyen.audit.models import AuditRecord
from chinhquyen.audit.services import audit_checkpoint_create, audit_record, audit_verify
from chinhquyen.dossiers.services import dossier_act, dossier_submit
from conftest import VALID_FORM

pytestmark = pytest.mark.django_db


def _sql(statement: str, params: list) -> None:
    table = AuditRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), params)


@pytest.fixture
def dossier(world):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    return d


def test_every_transition_leaves_a_chained_audit_record_with_old_and_new_values(dossier):
    records = list(AuditRecord.objects.filter(chain=f"dossier:{dossier.code}").order_by("seq"))
    assert [r.event for r in records] == ["dossier.submitted", "dossier.accept", "dossier.assign"]
    assert records[1].changes["state"] == ["submitted", "accepted"]
    assert records[1].prev_hash == records[0].hash and records[2].prev_hash == records[1].hash
    assert records[1].actor_label == "motcua"


def test_an_untouched_log_verifies(dossier):
    report = audit_verify()
    assert report.ok, report.problems
    assert report.records >= 3
    call_command("audit_verify")


def test_an_edited_record_is_detected(dossier):
    rec = AuditRecord.objects.get(chain=f"dossier:{dossier.code}", seq=2)
    _sql("UPDATE {table} SET actor_label = %s WHERE id = %s", ["someone-else", rec.pk])
    report = audit_verify()
    assert any("altered" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_a_removed_record_in_the_middle_is_detected(dossier):
    rec = AuditRecord.objects.get(chain=f"dossier:{dossier.code}", seq=2)
    _sql("DELETE FROM {table} WHERE id = %s", [rec.pk])
    problems = audit_verify().problems
    assert any("missing" in p for p in problems)


def test_a_truncated_chain_after_a_checkpoint_is_detected(dossier):
    audit_checkpoint_create()
    assert audit_verify().ok
    last = AuditRecord.objects.filter(chain=f"dossier:{dossier.code}").order_by("-seq").first()
    _sql("DELETE FROM {table} WHERE id = %s", [last.pk])
    assert any("removed" in p for p in audit_verify().problems)


def test_a_whole_chain_removed_after_a_checkpoint_is_detected(dossier):
    audit_checkpoint_create()
    _sql("DELETE FROM {table} WHERE chain = %s", [f"dossier:{dossier.code}"])
    assert any("disappeared" in p for p in audit_verify().problems)


def test_records_cannot_be_changed_or_deleted_through_the_orm(dossier):
    rec = AuditRecord.objects.first()
    with pytest.raises(RuntimeError):
        rec.save()
    with pytest.raises(RuntimeError):
        rec.delete()


def test_independent_objects_get_independent_chains(db):
    a = audit_record(event="x", object_type="thing", object_id="1")
    b = audit_record(event="x", object_type="thing", object_id="2")
    c = audit_record(event="y", object_type="thing", object_id="1")
    assert (a.seq, b.seq, c.seq) == (1, 1, 2)
    assert c.prev_hash == a.hash


@pytest.mark.django_db(transaction=True)
def test_the_background_worker_seals_a_checkpoint(dossier):
    # Transactional: the worker closes and reopens database connections between tasks.
    from chinhquyen.audit.models import AuditCheckpoint
    from chinhquyen.audit.tasks import audit_checkpoint

    result = audit_checkpoint.enqueue()
    assert not AuditCheckpoint.objects.exists()
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    checkpoint = AuditCheckpoint.objects.get()
    assert result.id and checkpoint.heads[f"dossier:{dossier.code}"][0] == 3
    assert audit_verify().ok
