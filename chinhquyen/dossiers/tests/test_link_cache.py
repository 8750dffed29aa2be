"""The procedure–agency link a submission reads is kept per process; the code counter's upsert
checks that it still holds, so a change to the catalogue or the agency bites at once."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from chinhquyen.audit.services import audit_verify
from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.core import proccache
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import Dossier, DossierCounter, IdempotencyRecord
from chinhquyen.dossiers.services import dossier_submit
from chinhquyen.units.models import Agency
from conftest import VALID_FORM, Api, procedure_data

pytestmark = pytest.mark.django_db


@pytest.fixture(
    autouse=True,
    params=[
        pytest.param("in a transaction", id="in-transaction"),
        # A submission that is its own transaction, and one inside the caller's: a stale link
        # writes nothing either way, and the caller's transaction stays usable.
        pytest.param(
            "its own transaction",
            id="own-transaction",
            marks=pytest.mark.django_db(transaction=True),
        ),
    ],
)
def mode(request):
    return request.param


def _submit(world, agency=None):
    return dossier_submit(
        user=world.citizen,
        procedure_code=world.procedure.code,
        agency_id=(agency or world.agency_a).agency_id,
        form_data=VALID_FORM,
    )


def _last(agency) -> int:
    return DossierCounter.objects.filter(agency=agency).values_list("last", flat=True).first() or 0


def test_a_second_submission_does_not_read_the_link_again(world):
    _submit(world)
    with CaptureQueriesContext(connection) as ctx:
        dossier = _submit(world)
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if "catalogue_procedure_agencies" in sql], reads
    assert dossier.procedure_id == world.procedure.pk and dossier.agency_id == world.agency_a.pk
    assert dossier.code.endswith("-0002")


def test_each_submission_gets_its_own_copies_of_the_cached_rows(world):
    """The cached procedure and agency are copied for each submission: the same values as the
    rows read afresh, saved rows (not new ones), and a change to one copy stays in it."""
    first, second = _submit(world), _submit(world)
    for name in ("procedure", "agency"):
        mine, other = getattr(first, name), getattr(second, name)
        fresh = type(mine).objects.get(pk=mine.pk)
        assert mine is not other
        for field in type(mine)._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(fresh, field.attname), field
        assert (mine._state.adding, mine._state.db) == (False, fresh._state.db)
        assert mine._state is not other._state
    second.agency.name = "đổi trong bộ nhớ"
    assert _submit(world).agency.name == world.agency_a.name


def test_an_agency_unlinked_since_is_refused_and_takes_no_number(world):
    _submit(world)
    procedure_link_agencies(procedure=world.procedure, agencies=[world.agency_b])
    with transaction.atomic():
        with pytest.raises(ValidationFailed) as refused:
            _submit(world)
        # the refusal leaves the caller's transaction usable, as any refusal of a submission
        assert Agency.objects.filter(pk=world.agency_a.pk).exists()
    assert refused.value.code == "procedure_not_offered"
    assert _last(world.agency_a) == 1
    assert _submit(world, agency=world.agency_b).code.endswith("-0001")


def test_a_deactivated_agency_is_refused_at_once(world):
    _submit(world)
    Agency.objects.filter(pk=world.agency_a.pk).update(is_active=False)
    with pytest.raises(ValidationFailed) as refused:
        _submit(world)
    assert refused.value.code == "agency_unknown"
    assert _last(world.agency_a) == 1


def test_a_new_current_version_is_used_at_once(world):
    first = _submit(world)
    version, created = procedure_save(data=procedure_data(name="Thủ tục thử nghiệm, bản mới"))
    assert created is not None and version.pk != first.procedure_version_id
    assert Procedure.objects.get(pk=world.procedure.pk).current_id == version.pk
    second = _submit(world)
    assert second.procedure_version_id == version.pk
    assert second.code.endswith("-0002")  # the number refused to the stale link is not lost


def test_the_agency_details_are_read_again_after_the_ttl(world, monkeypatch):
    _submit(world)
    Agency.objects.filter(pk=world.agency_a.pk).update(name="UBND phường Mới")
    clock = [proccache.time.monotonic()]
    monkeypatch.setattr(proccache.time, "monotonic", lambda: clock[0])
    assert _submit(world).agency.name == world.agency_a.name  # cached: at most LINKS_TTL old
    clock[0] += services.LINKS_TTL + 1
    assert _submit(world).agency.name == "UBND phường Mới"


def test_an_api_submission_that_meets_a_stale_link_is_answered_as_the_catalogue_now_is(world):
    api = Api(world.citizen)
    body = {"procedure": world.procedure.code, "agency": world.agency_a.agency_id}
    body["form_data"] = VALID_FORM
    first = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.content
    version, _created = procedure_save(data=procedure_data(name="Thủ tục thử nghiệm, bản mới"))
    second = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-2"})
    assert second.status_code == 201, second.content
    code = second.json()["code"]
    assert code.endswith("-0002")  # the attempt that met the stale link gave its number back
    assert Dossier.objects.get(code=code).procedure_version_id == version.pk
    assert IdempotencyRecord.objects.get(key="k-2").body == second.json()
    again = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-2"})
    assert again.status_code == 201 and again.json() == second.json()
    assert _last(world.agency_a) == 2 and Dossier.objects.count() == 2
    assert audit_verify().ok
