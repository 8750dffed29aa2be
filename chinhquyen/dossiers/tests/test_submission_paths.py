"""The submission's two ways of writing (dossiers/services/submission.py; docs/decisions/0006):
on PostgreSQL one hand-written statement takes the code and writes the dossier and its first
event; elsewhere, or with DOSSIER_SUBMIT_ONE_STATEMENT off, the counter's upsert and save().
They must leave the same rows, send the same signals and hand back the same saved instances."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext, override_settings

from chinhquyen.audit.models import AuditRecord
from chinhquyen.audit.services import audit_verify
from chinhquyen.dossiers.models import Dossier, DossierEvent
from chinhquyen.dossiers.services import Applicant, dossier_submit
from chinhquyen.reporting.models import DailyCounter
from conftest import VALID_FORM

pytestmark = pytest.mark.django_db

PATHS = [
    pytest.param(True, id="one-statement"),
    pytest.param(False, id="save"),
]
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one statement is PostgreSQL's"
)


def _submit(world, **kwargs):
    return dossier_submit(
        user=world.citizen,
        procedure_code=world.procedure.code,
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        **kwargs,
    )


def _rows(dossier):
    """What a submission leaves, without what differs between two of them by nature."""
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


def test_both_ways_write_the_same_rows(world):
    one = _submit(world)
    with override_settings(DOSSIER_SUBMIT_ONE_STATEMENT=False):
        other = _submit(world)
    assert _rows(one) == _rows(other)
    assert [one.code[-4:], other.code[-4:]] == ["0001", "0002"]
    assert DailyCounter.objects.get(agency=world.agency_a).submitted == 2
    assert audit_verify().ok


@pytest.mark.parametrize("one_statement", PATHS)
def test_a_counter_intake_writes_the_same_rows_both_ways(world, one_statement):
    """No owner, the officer's agency on the event, a phone normalised: the nullable and
    optional columns reach the row the same way."""

    def intake():
        return dossier_submit(
            user=world.counter_a,
            procedure_code=world.procedure.code,
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
            channel=1,
            applicant=Applicant(name="Trần Thị B", phone="+84 912 345 678", address="Số 1"),
        )

    with override_settings(DOSSIER_SUBMIT_ONE_STATEMENT=one_statement):
        first = intake()
    with override_settings(DOSSIER_SUBMIT_ONE_STATEMENT=not one_statement):
        second = intake()
    assert _rows(first) == _rows(second)
    row = Dossier.objects.get(pk=first.pk)
    assert row.applicant_id is None and row.applicant_phone == "0912345678"
    assert DossierEvent.objects.get(dossier=first).agency_id == world.agency_a.pk


@pytest.mark.parametrize("one_statement", PATHS)
def test_the_signals_and_the_saved_instances_are_those_of_save(world, one_statement):
    seen = []

    def before(sender, instance, **kwargs):
        seen.append(("pre", sender.__name__, instance.pk, kwargs["raw"]))

    def after(sender, instance, created, **kwargs):
        seen.append(("post", sender.__name__, instance.pk, created))

    for model in (Dossier, DossierEvent):
        pre_save.connect(before, sender=model, dispatch_uid=f"t-pre-{model.__name__}")
        post_save.connect(after, sender=model, dispatch_uid=f"t-post-{model.__name__}")
    try:
        with override_settings(DOSSIER_SUBMIT_ONE_STATEMENT=one_statement):
            dossier = _submit(world)
    finally:
        for model in (Dossier, DossierEvent):
            pre_save.disconnect(sender=model, dispatch_uid=f"t-pre-{model.__name__}")
            post_save.disconnect(sender=model, dispatch_uid=f"t-post-{model.__name__}")
    event = DossierEvent.objects.get(dossier=dossier)
    assert sorted(seen) == sorted(
        [
            ("pre", "Dossier", None, False),
            ("pre", "DossierEvent", None, False),
            ("post", "Dossier", dossier.pk, True),
            ("post", "DossierEvent", event.pk, True),
        ]
    )
    # a saved row: the documented part of Model._state, a code that is its own, and a later
    # save() that updates it rather than inserting another
    assert (dossier._state.adding, dossier._state.db) == (False, "default")
    dossier.validate_unique()
    dossier.result_summary = "đã lưu lại"
    dossier.save(update_fields=["result_summary"])
    assert Dossier.objects.filter(code=dossier.code).count() == 1
    assert dossier.updated_at == Dossier.objects.get(pk=dossier.pk).updated_at


@postgresql
def test_on_postgresql_the_code_dossier_and_event_are_one_statement(world):
    _submit(world)  # reads and caches the link, the version and the workflow
    with CaptureQueriesContext(connection) as ctx:
        dossier = _submit(world)
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "SELECT"))
    ]
    # the statement, the reporting counter (event_recorded), the first audit record
    assert len(writes) == 3, writes
    statement, counter, audit = writes
    assert statement.startswith("WITH counter AS (INSERT INTO dossiers_dossiercounter")
    assert "dossiers_dossier " in statement and "dossiers_dossierevent" in statement
    assert dossier.code not in statement, "values are parameters, not SQL text"
    assert counter.startswith("INSERT INTO reporting_dailycounter")
    assert audit.startswith('INSERT INTO "audit_auditrecord"')
    assert AuditRecord.objects.get(object_id=dossier.code).chain == f"dossier:{dossier.code}"


@postgresql
@pytest.mark.parametrize("one_statement", PATHS)
def test_a_value_too_long_for_its_column_is_an_error_not_cut(world, one_statement):
    """The rows go to PostgreSQL as JSON read into the table's row type: a value longer than its
    column is refused as save() has it refused, never shortened."""
    applicant = Applicant(name="A", email="a" * 250 + "@example.vn")
    with (
        override_settings(DOSSIER_SUBMIT_ONE_STATEMENT=one_statement),
        pytest.raises(DataError),
        transaction.atomic(),
    ):
        dossier_submit(
            user=world.counter_a,
            procedure_code=world.procedure.code,
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
            channel=1,
            applicant=applicant,
        )
    assert not Dossier.objects.exists()


@postgresql
def test_unicode_and_json_survive_the_statement(world):
    form = {**VALID_FORM, "ho_ten": 'Nguyễn "Văn" \\ A\u00a0😀'}
    dossier = dossier_submit(
        user=world.citizen,
        procedure_code=world.procedure.code,
        agency_id=world.agency_a.agency_id,
        form_data=form,
    )
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.form_data == dossier.form_data
    assert stored.form_data["ho_ten"] == form["ho_ten"]
    assert stored.submitted_at == dossier.submitted_at  # to the microsecond
