"""The pieces of `make bench` that live in the project: the data it prepares and the bare
endpoints it compares the API with (the load run itself is scripts/bench.sh, not a test)."""

from __future__ import annotations

import importlib
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import clear_url_caches

from benchmarks.models import BenchRow
from chinhquyen.accounts.models import ApiToken, hash_token
from chinhquyen.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def _reload_urls(monkeypatch) -> None:
    import config.urls

    # Re-evaluating config.urls registers the NinjaAPI's urls a second time; ninja refuses that
    # unless told to skip its registry.
    monkeypatch.setenv("NINJA_SKIP_REGISTRY", "1")
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def bench_urls(settings, monkeypatch):
    settings.BENCH_ENDPOINTS = True
    _reload_urls(monkeypatch)
    yield
    settings.BENCH_ENDPOINTS = False
    _reload_urls(monkeypatch)


@pytest.fixture
def prepared(tmp_path):
    call_command("bench_prepare", users=3, dossiers=5, rows=4, out=str(tmp_path))
    return tmp_path


def lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").split()


def test_bench_prepare_writes_tokens_codes_rows_and_a_body(prepared):
    tokens, codes, rows = (
        lines(prepared / "tokens.txt"),
        lines(prepared / "codes.txt"),
        lines(prepared / "rows.txt"),
    )
    assert len(tokens) == len(set(tokens)) == 3
    owners = ApiToken.objects.filter(key_hash__in=[hash_token(t) for t in tokens]).select_related(
        "user__profile"
    )
    assert sorted(t.user.profile.roles[0] for t in owners) == ["citizen"] * 3
    assert len(codes) == len(set(codes)) == 5
    dossiers = {d.code: d for d in Dossier.objects.filter(code__in=codes)}
    assert set(dossiers) == set(codes)
    assert sorted(d.state for d in dossiers.values()) == ["accepted"] * 3 + ["submitted"] * 2
    assert sorted(BenchRow.objects.values_list("pk", flat=True)) == sorted(map(int, rows))
    meta = json.loads((prepared / "meta.json").read_text(encoding="utf-8"))
    assert (meta["users"], meta["dossiers"], meta["rows"], meta["accepted"]) == (3, 5, 4, 3)
    body = json.loads((prepared / "submit.json").read_text(encoding="utf-8"))
    assert body["procedure"] == meta["procedure"] and body["agency"] == meta["agency"]


def test_what_the_load_generator_sends_is_accepted_by_the_api(prepared):
    """The exact requests of the submit and status scenarios succeed, so wrk measures successes."""
    token = lines(prepared / "tokens.txt")[1]
    resp = Client().post(
        "/api/v1/dossiers",
        data=(prepared / "submit.json").read_bytes(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "bench-test-1"},
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["status"] == "submitted"
    code = lines(prepared / "codes.txt")[0]
    resp = Client().get(f"/api/v1/dossiers/{code}/status")
    assert resp.status_code == 200 and resp.json()["code"] == code
    assert resp.json()["deadline_state"] is not None  # accepted: the lookup computes a deadline


def test_bench_prepare_can_run_twice_on_the_same_database(tmp_path):
    call_command("bench_prepare", users=2, dossiers=1, rows=1, out=str(tmp_path / "a"))
    call_command("bench_prepare", users=2, dossiers=1, rows=1, out=str(tmp_path / "b"))
    assert Dossier.objects.count() == 2
    assert set(lines(tmp_path / "a" / "tokens.txt")).isdisjoint(
        lines(tmp_path / "b" / "tokens.txt")
    )


def test_bare_endpoints_are_absent_by_default():
    assert Client().get("/bench/select?id=1").status_code == 404
    assert Client().post("/bench/insert").status_code == 404


def test_bare_insert_writes_one_row_without_csrf_or_auth(bench_urls):
    client = Client(enforce_csrf_checks=True)
    resp = client.post(
        "/bench/insert",
        data=json.dumps({"ho_ten": "Nguyễn Văn An"}),
        content_type="application/json",
    )
    assert resp.status_code == 201
    row = BenchRow.objects.get(pk=resp.json()["id"])
    assert row.payload == {"ho_ten": "Nguyễn Văn An"}
    assert client.get("/bench/insert").status_code == 201
    assert BenchRow.objects.count() == 2
    assert (
        client.post("/bench/insert", data="[1]", content_type="application/json").status_code == 400
    )
    assert (
        client.post("/bench/insert", data="{", content_type="application/json").status_code == 400
    )


def test_bare_select_reads_one_row_by_id(bench_urls):
    row = BenchRow.objects.create(payload={"n": 7})
    resp = Client().get(f"/bench/select?id={row.pk}")
    assert resp.status_code == 200
    assert resp.json()["id"] == row.pk and resp.json()["payload"] == {"n": 7}
    assert Client().get(f"/bench/select?id={row.pk + 1000}").status_code == 404
    assert Client().get("/bench/select?id=x").status_code == 400
    assert Client().post(f"/bench/select?id={row.pk}").status_code == 405
