"""Signing a dossier's result and its one-stop forms, and who may do it (persona × action)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chinhquyen.dossiers.models import DossierFile
from chinhquyen.dossiers.services import Applicant, dossier_act, dossier_file_add, dossier_submit
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf
from conftest import VALID_FORM

from .conftest import import_identity

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def url(code: str) -> str:
    return f"/api/v1/signatures/dossiers/{code}/sign"


@pytest.fixture
def dossier(world, identities, decision):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        applicant=Applicant(name="Trần Thị Ánh Tuyết", address="Số 12 Lê Lợi", phone="0912345678"),
        at=datetime(2026, 3, 2, 9, tzinfo=VN),
    )
    dossier_act(user=world.counter_a, code=d.code, action="accept", comment="Đủ", params={})
    dossier_file_add(
        user=world.handler_a,
        code=d.code,
        document_code="result",
        name="giay-khai-sinh.pdf",
        content=decision,
    )
    return d


def result_file(d) -> DossierFile:
    return DossierFile.objects.filter(dossier=d, is_result=True).order_by("-uploaded_at", "-pk")[0]


def test_leader_signs_the_result_then_the_seal_holder_seals_it(world, api, dossier, box):
    first = api(world.leader_a).post(
        url(dossier.code),
        {"mode": "personal", "file_id": result_file(dossier).pk, "page": 1, "box": list(box)},
    )
    assert first.status_code == 201, first.content
    assert first.json()["is_result"] and first.json()["name"].endswith("-ky-ca-nhan.pdf")

    second = api(world.counter_a).post(
        url(dossier.code), {"mode": "agency", "file_id": first.json()["id"]}
    )
    assert second.status_code == 201, second.content

    signed = DossierFile.objects.get(pk=second.json()["id"])
    with signed.file.open("rb") as fh:
        report = validate_pdf(fh.read())
    assert report.decree30_ok and report.personal_valid and report.agency_valid


def test_a_form_of_the_one_stop_shop_is_signed_at_its_signature_block(
    world, api, dossier, loopback_pki
):
    # the counter officer signs form 01 (the receipt) in the "Người tiếp nhận" block
    import_identity(
        loopback_pki,
        "personal_b",
        kind="personal",
        agency=world.agency_a,
        user=world.counter_a,
        image=samples.blue_signature_png(),
        as_label="motcua-a",
    )
    resp = api(world.counter_a).post(url(dossier.code), {"mode": "personal", "form_no": "01"})
    assert resp.status_code == 201, resp.content
    record = DossierFile.objects.get(pk=resp.json()["id"])
    assert record.name == f"mau-01-{dossier.code}-ky-ca-nhan.pdf"
    with record.file.open("rb") as fh:
        report = validate_pdf(fh.read())
    (sig,) = report.signatures
    assert sig.passed and sig.has_image and sig.kind == "personal"
    # the image sits in the right half of the A5 page, low on the page, in the signature block
    assert sig.rect[0] > 420 / 2 - 40


# persona × action → expected status. Personal signature on a result: leaders of the handling
# agency only; agency seal: the seal holders (counter, agency admin) of that agency; other
# agencies and strangers do not even see the dossier (404).
MATRIX = [
    ("leader_a", "personal", 201),
    ("handler_a", "personal", 403),
    ("counter_a", "personal", 403),
    ("citizen", "personal", 403),
    ("leader_b", "personal", 404),
    ("outsider", "personal", 404),
    ("counter_a", "agency", 201),
    ("leader_a", "agency", 403),
    ("handler_a", "agency", 403),
    ("citizen", "agency", 403),
    ("counter_b", "agency", 404),
]


@pytest.mark.parametrize(("persona", "mode", "expected"), MATRIX)
def test_who_may_sign_a_dossier_result(world, api, dossier, box, persona, mode, expected):
    file_id = result_file(dossier).pk
    if mode == "agency":
        first = api(world.leader_a).post(
            url(dossier.code), {"mode": "personal", "file_id": file_id, "box": list(box)}
        )
        file_id = first.json()["id"]
    resp = api(getattr(world, persona)).post(
        url(dossier.code), {"mode": mode, "file_id": file_id, "box": list(box)}
    )
    assert resp.status_code == expected, resp.content


def test_asking_for_both_a_file_and_a_form_is_422(world, api, dossier):
    resp = api(world.leader_a).post(
        url(dossier.code), {"mode": "personal", "file_id": 1, "form_no": "01"}
    )
    assert resp.status_code == 422 and "file_id" in resp.json()["fields"]


def test_a_sealed_result_is_not_sealed_twice(world, api, dossier, box):
    first = api(world.leader_a).post(
        url(dossier.code),
        {"mode": "personal", "file_id": result_file(dossier).pk, "box": list(box)},
    )
    sealed = api(world.counter_a).post(
        url(dossier.code), {"mode": "agency", "file_id": first.json()["id"]}
    )
    assert sealed.status_code == 201

    again = api(world.counter_a).post(
        url(dossier.code), {"mode": "agency", "file_id": sealed.json()["id"]}
    )

    assert again.status_code == 409 and again.json()["code"] == "already_sealed"


def test_a_result_without_a_box_is_signed_with_the_position_only(world, api, dossier):
    resp = api(world.leader_a).post(
        url(dossier.code),
        {"mode": "personal", "file_id": result_file(dossier).pk, "position": "Chủ tịch"},
    )
    assert resp.status_code == 201, resp.content
    without = api(world.leader_a).post(
        url(dossier.code), {"mode": "personal", "file_id": result_file(dossier).pk}
    )
    assert without.status_code == 422 and without.json()["code"] == "signature_box_not_found"
