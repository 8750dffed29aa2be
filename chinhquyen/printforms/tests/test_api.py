"""GET /api/v1/forms/…: who may print what, and what comes back."""

from __future__ import annotations

import pytest

from conftest import Api

from .conftest import APPLICANT, needs_poppler

pytestmark = pytest.mark.django_db


def test_the_owner_lists_the_forms_of_an_accepted_dossier(world, accepted):
    resp = Api(world.citizen).get(f"/api/v1/forms/{accepted.code}")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["code"] == accepted.code
    assert [f["form_no"] for f in body["forms"]] == ["01", "06"]
    assert body["forms"][0] == {
        "form_no": "01",
        "title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "url": f"/api/v1/forms/{accepted.code}/01.pdf",
    }


@needs_poppler
def test_the_owner_and_the_agency_get_the_receipt_as_an_inline_pdf(world, accepted, pdf):
    for user in (world.citizen, world.counter_a, world.leader_a, world.sysadmin):
        resp = Api(user).get(f"/api/v1/forms/{accepted.code}/01.pdf")
        assert resp.status_code == 200, (user, resp.content[:300])
        assert resp["Content-Type"] == "application/pdf"
        assert resp["Content-Disposition"] == f'inline; filename="mau-01-{accepted.code}.pdf"'
        assert resp["Cache-Control"] == "private, no-store"
    assert APPLICANT in pdf(resp.content).text


def test_another_agency_a_stranger_and_another_citizen_see_not_found(world, accepted):
    for user in (world.counter_b, world.leader_b, world.citizen2, world.outsider):
        for path in (f"/api/v1/forms/{accepted.code}", f"/api/v1/forms/{accepted.code}/01.pdf"):
            resp = Api(user).get(path)
            assert resp.status_code == 404, (user, path)
            assert resp["Content-Type"] == "application/problem+json"
            assert resp.json()["code"] == "dossier_not_found"


def test_anonymous_callers_must_sign_in(accepted):
    for path in (
        f"/api/v1/forms/{accepted.code}",
        f"/api/v1/forms/{accepted.code}/01.pdf",
        "/api/v1/forms/register.pdf",
    ):
        assert Api().get(path).status_code == 401, path


def test_a_form_the_dossier_does_not_have_yet_is_a_409_problem(world, accepted):
    for form_no in ("03", "05", "99"):
        resp = Api(world.citizen).get(f"/api/v1/forms/{accepted.code}/{form_no}.pdf")
        assert resp.status_code == 409
        assert resp["Content-Type"] == "application/problem+json"
        body = resp.json()
        assert body["code"] == "form_not_available"
        assert body["form_no"] == form_no


def test_the_refusal_can_be_printed_by_the_counter(world, refused):
    resp = Api(world.counter_a).get(f"/api/v1/forms/{refused.code}/03.pdf")
    assert resp.status_code == 200
    assert resp.content.startswith(b"%PDF-")
    assert Api(world.counter_a).get(f"/api/v1/forms/{refused.code}/01.pdf").status_code == 409


@needs_poppler
def test_an_officer_prints_the_register_of_their_own_agency(world, accepted, pdf):
    resp = Api(world.counter_b).get(
        "/api/v1/forms/register.pdf?date_from=2026-03-01&date_to=2026-03-31"
    )
    assert resp.status_code == 200
    assert accepted.code not in pdf(resp.content).text, "agency B's register has no A dossier"

    resp = Api(world.counter_a).get(
        "/api/v1/forms/register.pdf?date_from=2026-03-01&date_to=2026-03-31"
    )
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == (
        f'inline; filename="so-theo-doi-{world.agency_a.agency_id}-20260301-20260331.pdf"'
    )
    doc = pdf(resp.content)
    assert accepted.code in doc.text
    assert round(doc.page_size[0], 2) == 841.89


def test_citizens_and_people_without_an_agency_cannot_print_a_register(world):
    for user in (world.citizen, world.outsider, world.sysadmin):
        resp = Api(user).get("/api/v1/forms/register.pdf")
        assert resp.status_code == 403, user
        assert resp.json()["code"] == "register_requires_officer"


def test_a_backwards_or_too_long_period_is_refused(world):
    api = Api(world.counter_a)
    for query in (
        "date_from=2026-03-31&date_to=2026-03-01",
        "date_from=2024-01-01&date_to=2026-03-01",
    ):
        resp = api.get(f"/api/v1/forms/register.pdf?{query}")
        assert resp.status_code == 422, query
        assert resp.json()["code"] == "invalid_date_range"
    assert api.get("/api/v1/forms/register.pdf?date_from=bad").status_code == 422


@needs_poppler
@pytest.mark.parametrize(
    ("debug", "setting", "expected"),
    [
        # `PORT=8101 make run`: DEBUG, and PUBLIC_BASE_URL exported for port 8000 by an older run.
        (True, "http://127.0.0.1:8000", "http://127.0.0.1:8101/tra-cuu/"),
        (False, "", "http://127.0.0.1:8101/tra-cuu/"),  # development without the setting
        (False, "https://dichvucong.example.gov.vn", "https://dichvucong.example.gov.vn/tra-cuu/"),
    ],
)
def test_the_receipts_lookup_address_follows_the_request_only_in_development(
    world, accepted, pdf, settings, debug, setting, expected
):
    settings.DEBUG, settings.PUBLIC_BASE_URL = debug, setting
    resp = Api(world.citizen).get(
        f"/api/v1/forms/{accepted.code}/01.pdf", HTTP_HOST="127.0.0.1:8101"
    )
    assert resp.status_code == 200
    assert f"{expected}{accepted.code}" in pdf(resp.content).text
