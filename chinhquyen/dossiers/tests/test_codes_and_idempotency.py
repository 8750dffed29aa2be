"""Dossier codes from the per-agency daily counter, and idempotent submission — sequentially on any
database, and under real concurrency on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction

from chinhquyen.core.errors import Conflict
from chinhquyen.dossiers.models import Dossier, IdempotencyRecord
from chinhquyen.dossiers.services import (
    _code_format_split,
    dossier_code_make,
    dossier_submit,
    idempotent,
    request_fingerprint,
)
from conftest import VALID_FORM, Api

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def submit(world, when):
    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=when,
    )


@pytest.mark.django_db
def test_codes_count_per_agency_and_per_day(world):
    day1, day2 = datetime(2026, 3, 2, 9, tzinfo=VN), datetime(2026, 3, 3, 9, tzinfo=VN)
    a1, a2 = submit(world, day1), submit(world, day1)
    b1 = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_b.agency_id,
        form_data=VALID_FORM,
        at=day1,
    )
    a3 = submit(world, day2)
    assert [a1.code, a2.code, a3.code] == [
        "000.01.31.H26-260302-0001",
        "000.01.31.H26-260302-0002",
        "000.01.31.H26-260303-0001",
    ]
    assert b1.code == "000.02.31.H26-260302-0001"


@pytest.mark.django_db
def test_the_day_of_a_code_is_the_vietnamese_calendar_day(world):
    # 23:30 UTC on 1 March is 06:30 on 2 March in Hà Nội.
    d = submit(world, datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert "-260302-" in d.code


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_submission_gives_its_number_back(world):
    when = datetime(2026, 3, 2, 9, tzinfo=VN)
    submit(world, when)
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_code_make(agency=world.agency_a, at=when)
        raise RuntimeError("crash after the number was taken")
    assert submit(world, when).code.endswith("-0002")


@pytest.mark.django_db
def test_the_code_format_is_configurable(world, settings):
    settings.DOSSIER_CODE_FORMAT = "{agency}-{date:%Y%m%d}-{seq:05d}"
    d = submit(world, datetime(2026, 3, 2, 9, tzinfo=VN))
    assert d.code == "000.01.31.H26-20260302-00001"


@pytest.mark.django_db
def test_a_repeated_idempotency_key_returns_the_first_dossier(world):
    api = Api(world.citizen)
    body = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM}
    first = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Dossier.objects.count() == 1
    other = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-2"})
    assert other.json()["code"] != first.json()["code"]


@pytest.mark.django_db
def test_an_api_repeat_takes_no_code_number_and_survives_a_later_refusal(world):
    # The API does not look the key up first: a repeat redoes the work and rolls it back.
    api = Api(world.citizen)
    body = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM}
    first = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"}).json()
    assert api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"}).json() == first
    second = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-2"}).json()
    assert int(second["code"][-4:]) == int(first["code"][-4:]) + 1, (
        "the repeat gave its number back"
    )

    world.agency_a.is_active = False  # a submission now would be refused…
    world.agency_a.save(update_fields=["is_active"])
    fresh = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-3"})
    assert fresh.status_code == 422
    again = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json() == first  # …but a repeat gets its answer
    assert Dossier.objects.count() == 2


@pytest.mark.django_db
def test_an_idempotency_key_reused_for_another_payload_is_a_conflict(world):
    api = Api(world.citizen)
    body = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM}
    api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    changed = {**body, "form_data": {**VALID_FORM, "ho_ten": "Người khác"}}
    resp = api.post("/api/v1/dossiers", changed, headers={"Idempotency-Key": "k-1"})
    assert resp.status_code == 409
    assert resp["Content-Type"] == "application/problem+json"
    assert resp.json()["code"] == "idempotency_key_reused"
    assert Dossier.objects.count() == 1


@pytest.mark.django_db
def test_a_key_stored_with_the_earlier_fingerprint_still_recognises_its_retry(world):
    """Earlier releases hashed json.dumps's spelling of the request: a retry sent across an
    upgrade gets the stored answer, and another request under that key is still refused."""
    import hashlib
    import json

    api = Api(world.citizen)
    body = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM}
    first = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    record = IdempotencyRecord.objects.get()
    sent = {**body, "channel": 2, "applicant": None}  # what the API fingerprints
    assert record.request_hash == request_fingerprint(sent)
    legacy = hashlib.sha256(json.dumps(sent, sort_keys=True, default=str).encode()).hexdigest()
    assert legacy != record.request_hash  # the spellings differ…
    IdempotencyRecord.objects.update(request_hash=legacy)

    again = api.post("/api/v1/dossiers", body, headers={"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json()) == (201, first.json())  # …the retry is recognised
    changed = {**body, "form_data": {**VALID_FORM, "ho_ten": "Người khác"}}
    other = api.post("/api/v1/dossiers", changed, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and Dossier.objects.count() == 1


def test_the_fingerprint_is_the_sorted_json_of_the_request_whatever_orjson_refuses():
    one = request_fingerprint({"b": [1, {"y": 2, "x": "Hải"}], "a": None})
    assert one == request_fingerprint({"a": None, "b": [1, {"x": "Hải", "y": 2}]})
    assert one != request_fingerprint({"a": None, "b": [1, {"x": "Hai", "y": 2}]})
    # keys that are not strings and integers beyond 64 bits: json.dumps writes them
    assert request_fingerprint({1: 2**70}) == request_fingerprint({1: 2**70})
    assert request_fingerprint({1: 2**70}) != request_fingerprint({1: 2**70 + 1})


@pytest.mark.django_db
def test_idempotency_keys_belong_to_one_user(world):
    body = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM}
    one = Api(world.citizen).post("/api/v1/dossiers", body, headers={"Idempotency-Key": "same"})
    two = Api(world.citizen2).post("/api/v1/dossiers", body, headers={"Idempotency-Key": "same"})
    assert one.json()["code"] != two.json()["code"]


@pytest.mark.django_db
def test_a_failed_request_is_not_remembered_so_it_can_be_retried(world):
    api = Api(world.citizen)
    bad = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": {}}
    assert api.post("/api/v1/dossiers", bad, headers={"Idempotency-Key": "k"}).status_code == 422
    assert not IdempotencyRecord.objects.exists()


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent writers need PostgreSQL (run by .ci/run)",
)


def _parallel(n: int, fn):
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            return fn(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(worker, range(n)))


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_submissions_get_fifty_consecutive_codes(world):
    when = datetime(2026, 3, 2, 9, tzinfo=VN)
    codes = _parallel(50, lambda i: submit(world, when).code)
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, 51)), "no repeat, no gap"
    assert Dossier.objects.count() == 50


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("look_first", [True, False], ids=["portal", "api"])
def test_parallel_repeats_of_one_idempotency_key_create_one_dossier(world, look_first):
    payload = {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM}

    def once(_):
        def run():
            d = submit(world, datetime(2026, 3, 2, 9, tzinfo=VN))
            return 201, {"code": d.code}

        return idempotent(
            user=world.citizen,
            key="double-click",
            fingerprint=request_fingerprint(payload),
            run=run,
            look_first=look_first,
        )

    answers = _parallel(20, once)
    assert Dossier.objects.count() == 1
    assert {a[1]["code"] for a in answers} == {Dossier.objects.get().code}
    assert Dossier.objects.get().code.endswith("-0001"), "the losers gave their numbers back"


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("look_first", [True, False], ids=["portal", "api"])
def test_parallel_idempotent_mismatch_is_refused_not_duplicated(world, look_first):
    def once(i):
        try:
            return idempotent(
                user=world.citizen,
                key="k",
                fingerprint=str(i % 2),
                run=lambda: (201, {"code": submit(world, datetime(2026, 3, 2, tzinfo=VN)).code}),
                look_first=look_first,
            )
        except Conflict:
            return "conflict"

    answers = _parallel(10, once)
    assert Dossier.objects.count() == 1
    assert "conflict" in answers


@pytest.mark.parametrize(
    "fmt",
    [
        "{agency}-{date:%y%m%d}-{seq:04d}",
        "{agency}-{date:%Y%m%d}-{seq:05d}",
        "{date:%d%m%Y}/{seq}/{agency}",
        "HS{{{seq:3d}}}-{agency}",
        "{agency}.{seq:d}",
    ],
)
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL is PostgreSQL's")
def test_postgresql_formats_the_number_as_the_code_format_does(fmt):
    """A submission that is its own transaction has PostgreSQL format its code (the counter is in
    the submission's statement on PostgreSQL): the same text as Python's format."""
    split = _code_format_split(fmt)
    assert split is not None
    before, number, after = split
    day = date(2026, 2, 17)
    for seq in (1, 42, 999, 9999, 10000, 1234567):
        prefix = before.format(agency="000.00.31.H26", date=day)
        suffix = after.format(agency="000.00.31.H26", date=day)
        with connection.cursor() as cursor:
            sql = f"SELECT %s || {number} || %s FROM (SELECT %s::int AS last) t"  # noqa: S608
            cursor.execute(sql, [prefix, suffix, seq])
            made = cursor.fetchone()[0]
        assert made == fmt.format(agency="000.00.31.H26", date=day, seq=seq)


@pytest.mark.parametrize("fmt", ["{agency}-{seq:x}", "{agency}-{seq}-{seq}", "{agency}-{seq!r}"])
def test_a_code_format_sql_cannot_follow_is_left_to_python(fmt):
    assert _code_format_split(fmt) is None


@pytest.mark.django_db(transaction=True)
def test_a_code_format_sql_cannot_follow_still_numbers_in_order(world, settings):
    settings.DOSSIER_CODE_FORMAT = "{agency}-{date:%y%m%d}-{seq:x}"
    codes = [submit(world, None).code for _ in range(3)]
    assert [c.rsplit("-", 1)[1] for c in codes] == ["1", "2", "3"]
