"""core/compiled.py: a query compiled once per connection, then only bound."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core import compiled as compiled_module
from chinhquyen.core.compiled import CompiledQuery, insert_new, instance_new
from chinhquyen.dossiers.models import (
    Dossier,
    DossierEvaluation,
    DossierEvent,
    IdempotencyRecord,
    Workflow,
)
from chinhquyen.units.models import Agency

pytestmark = pytest.mark.django_db


def test_binds_each_argument_and_compiles_once(world, monkeypatch):
    query = CompiledQuery(
        lambda agency_id, name: Agency.objects.filter(agency_id=agency_id, name=name).values(
            "agency_id", "name", "unit__code"
        )[:1]
    )
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    a, b = world.agency_a, world.agency_b
    assert query.first(a.agency_id, a.name, model=Agency) == {
        "agency_id": a.agency_id,
        "name": a.name,
        "unit__code": a.unit.code if a.unit_id else None,
    }
    assert query.first(b.agency_id, b.name, model=Agency)["agency_id"] == b.agency_id
    assert query.first(a.agency_id, b.name, model=Agency) is None  # both arguments are bound
    assert compiled.count(Agency) == 1


def test_the_same_text_as_a_placeholder_is_still_bound(world):
    """A real argument equal to another argument's value must not confuse the binding."""
    query = CompiledQuery(
        lambda x, y: Agency.objects.filter(agency_id=x, name=y).values("agency_id")[:1]
    )
    a = world.agency_a
    assert query.first(a.agency_id, a.name, model=Agency) == {"agency_id": a.agency_id}
    assert query.first(a.name, a.agency_id, model=Agency) is None


# --- insert_new -----------------------------------------------------------------------------


def _record(user, key, **extra):
    return IdempotencyRecord(
        user=user, key=key, request_hash="h" * 64, status=201, body={"code": key}, **extra
    )


def test_insert_new_writes_what_save_writes_and_compiles_once(world, monkeypatch):
    compiled = []
    original = SQLInsertCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", counting)
    monkeypatch.delitem(connections["default"].__dict__, compiled_module._INSERTS, raising=False)
    first = insert_new(_record(world.citizen, "a"))
    second = insert_new(_record(world.citizen, "b"))
    saved = _record(world.citizen, "c")
    saved.save()
    assert compiled.count(IdempotencyRecord) == 2  # once for insert_new, once for save()

    assert first.pk and second.pk == first.pk + 1 and not first._state.adding
    assert first.created_at is not None  # auto_now_add ran
    rows = {
        r["key"]: r
        for r in IdempotencyRecord.objects.values(
            "key", "user_id", "status", "body", "request_hash"
        )
    }
    assert rows["b"] == {**rows["c"], "key": "b", "body": {"code": "b"}}
    assert IdempotencyRecord.objects.get(pk=second.pk).created_at == second.created_at


def test_insert_new_sends_the_model_signals_once(world):
    seen = []

    def on_pre(sender, instance, **kwargs):
        seen.append(("pre", instance.pk))

    def on_post(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk, created))

    pre_save.connect(on_pre, sender=IdempotencyRecord)
    post_save.connect(on_post, sender=IdempotencyRecord)
    try:
        record = insert_new(_record(world.citizen, "s"))
    finally:
        pre_save.disconnect(on_pre, sender=IdempotencyRecord)
        post_save.disconnect(on_post, sender=IdempotencyRecord)
    assert seen == [("pre", None), ("post", record.pk, True)]


def test_insert_new_takes_an_expression_or_a_set_pk_the_usual_way(world):
    upper = _record(world.citizen, "")
    upper.key = Upper(Value("key"))
    upper = insert_new(upper)
    upper.refresh_from_db()
    assert upper.key == "KEY"
    given = insert_new(_record(world.citizen, "p", pk=987654))
    assert IdempotencyRecord.objects.get(pk=987654).key == "p" and given.pk == 987654


def test_insert_new_raises_the_databases_errors(world):
    insert_new(_record(world.citizen, "dup"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(_record(world.citizen, "dup"))
    assert IdempotencyRecord.objects.filter(key="dup").count() == 1


# --- what insert_new skips must not change what is written --------------------------------------

_SAMPLES = [
    *(None, 0, 1, 7, -3, 32_000, 2**40, "", "chữ", True, False),
    datetime(2026, 12, 6, 23, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 12, 7, 6, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    datetime(2026, 12, 7, 6, 30),  # naive: made aware, with Django's warning
    {},
    {"ho_ten": "Nguyễn Văn An", "so": [1, 2.5, None]},
]


def _comparable(value):
    if type(value).__name__ == "Jsonb":  # psycopg's wrapper has no equality of its own
        return ("Jsonb", value.obj, value.dumps)
    return value


@pytest.mark.parametrize("model", [Dossier, DossierEvent, AuditRecord, IdempotencyRecord])
def test_insert_new_prepares_each_value_as_django_does(model):
    """Where insert_new takes a value without Django's preparation (``_fast_prep``), the
    parameter is what the preparation gives: equal and of the same type (on PostgreSQL a
    psycopg sized integer for an integer column, a plain int for a foreign key)."""
    connection = connections["default"]
    plan = compiled_module._insert_fields(model, connection)
    fields, fast = plan.fields, plan.fast
    checked = 0
    for field, prep in zip(fields, fast, strict=True):
        if prep is None:
            continue
        kind, convert = prep
        for value in _SAMPLES:
            if value is not None and type(value) is not kind:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # the naive datetime's
                ours = value if value is None or convert is None else convert(value)
                django = field.get_db_prep_save(value, connection=connection)
            assert (_comparable(ours), type(ours)) == (_comparable(django), type(django)), (
                field,
                value,
            )
            checked += 1
    assert checked  # every one of these models has such fields


def test_insert_new_checks_relations_as_save_does(world):
    """insert_new's check of the foreign keys against Django's (_prepare_related_fields_for_save):
    an unsaved object refused, an id filled in from the object, a stale cached object dropped."""
    unsaved = IdempotencyRecord(user=type(world.citizen)(username="chua-luu"), key="k")
    unsaved.request_hash, unsaved.status, unsaved.body = "h", 201, {}
    with pytest.raises(ValueError, match="unsaved related object 'user'"):
        insert_new(unsaved)
    assert not IdempotencyRecord.objects.exists()

    User = type(world.citizen)

    def states():
        user = User(username=f"moi-{User.objects.count()}")
        filled = IdempotencyRecord(user=user, key="a", request_hash="h", status=201, body={})
        user.save()  # saved after it was assigned: the id is taken from the object
        stale = IdempotencyRecord(key="b", request_hash="h", status=201, body={})
        stale.user = world.citizen
        stale.user_id = world.citizen2.pk  # the id changed after: the cached object is dropped
        return filled, stale

    theirs = states()
    for obj in theirs:
        obj._prepare_related_fields_for_save(operation_name="save")
    ours = [insert_new(obj) for obj in states()]
    cached = IdempotencyRecord.user.field.is_cached
    for filled, stale in (ours, theirs):
        assert cached(filled) and filled.user_id is not None
        assert filled.user_id == filled.user.pk
        assert not cached(stale) and stale.user_id == world.citizen2.pk


def _attributes(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_instance_new_builds_what_the_constructor_builds(world):
    version = world.procedure.current
    at = timezone.now()
    values = dict(
        code="X",
        procedure=world.procedure,
        procedure_version=version,
        agency=world.agency_a,
        channel=2,
        state="submitted",
        status_code=1,
        applicant=world.citizen,
        applicant_name="Nguyễn Văn A",
        submitted_at=at,
        history_length=1,
    )
    values["workflow_id"] = Workflow.objects.values_list("pk", flat=True).first()
    ours, theirs = instance_new(Dossier, **values), Dossier(**values)
    assert _attributes(ours) == _attributes(theirs)
    assert ours._state.adding and ours.pk is None
    with CaptureQueriesContext(connections["default"]) as ctx:  # the objects given are cached
        assert ours.procedure is world.procedure and ours.agency is world.agency_a
        assert ours.applicant is world.citizen
    assert not ctx.captured_queries
    assert ours.form_data == {} and ours.form_data is not instance_new(Dossier, **values).form_data

    # a foreign key to an object not saved yet, and one given as None
    event = instance_new(DossierEvent, dossier=ours, seq=1, action="submit", at=at, agency=None)
    assert event.dossier is ours and event.dossier_id is None and event.agency is None
    assert _attributes(event) == _attributes(
        DossierEvent(dossier=ours, seq=1, action="submit", at=at, agency=None)
    )


def test_instance_new_skips_the_constructor_only_as_it_would_have_done(world):
    """Without ``Model.__init__`` the new instance holds what the constructor gives it: the same
    attributes, a fresh state; with a pre_init or post_init receiver connected the constructor
    runs, so the receiver is called."""
    fields, attnames = compiled_module._new_fields(IdempotencyRecord)
    assert attnames == [f.attname for f in fields]  # a plain model: built directly
    values = dict(user=world.citizen, key="k", request_hash="h", status=201, body={"a": 1})
    ours, theirs = instance_new(IdempotencyRecord, **values), IdempotencyRecord(**values)
    assert {k: v for k, v in vars(ours).items() if k != "_state"} == {
        k: v for k, v in vars(theirs).items() if k != "_state"
    }
    assert (ours._state.adding, ours._state.db) == (True, None)
    assert ours._state is not instance_new(IdempotencyRecord, **values)._state
    assert ours.user is world.citizen  # cached, as the descriptor caches it

    seen = []

    def receiver(sender, **kwargs):
        seen.append(sender)

    for signal in (pre_init, post_init):
        signal.connect(receiver, sender=IdempotencyRecord)
        try:
            instance_new(IdempotencyRecord, **values)
        finally:
            signal.disconnect(receiver, sender=IdempotencyRecord)
    assert seen == [IdempotencyRecord, IdempotencyRecord]


def test_instance_new_refuses_what_the_constructor_refuses(world):
    with pytest.raises(TypeError, match="nonsense"):
        instance_new(IdempotencyRecord, key="k", nonsense=1)
    with pytest.raises(ValueError, match="must be a"):
        instance_new(IdempotencyRecord, user=world.agency_a, key="k")


def test_instance_new_builds_other_models_with_keywords(world):
    """A one-to-one field is not a plain foreign key: the constructor does it."""
    dossier = Dossier(code="X")
    evaluation = instance_new(DossierEvaluation, dossier=dossier, scores={"1": 2}, total=2)
    assert evaluation.dossier is dossier and evaluation.total == 2
    assert compiled_module._new_fields(DossierEvaluation) is None
