"""Decree 30 and signing rules: the person and the seal of one agency, no signing with a revoked
certificate at any level, JavaScript in a signed file is pointed out."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from chinhquyen.core.errors import Conflict
from chinhquyen.signatures import services
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.tests.conftest import import_identity
from chinhquyen.signatures.validation import report_text, validate_pdf


def test_a_seal_of_another_agency_fails_decree30_with_the_reason(world, identities, decision, box):
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    sealed = services.document_sign(
        user=world.counter_a, data=personal, mode="agency", identity=identities.agency_b
    ).content

    report = validate_pdf(sealed)
    assert report.personal_valid and report.agency_valid
    assert not report.decree30_ok
    (check,) = [c for c in report.decree30.checks if not c["ok"]]
    assert check["code"] == "same_agency"
    assert world.agency_a.name in check["message"] and world.agency_b.name in check["message"]


def test_the_same_agency_passes(world, identities, decision, box):
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    sealed = services.document_sign(user=world.counter_a, data=personal, mode="agency").content
    report = validate_pdf(sealed)
    assert report.decree30_ok
    assert {c["code"]: c["ok"] for c in report.decree30.checks}["same_agency"] is True


@pytest.fixture
def revoked(world, identities, loopback_pki):
    """Leader A's certificate that the loopback CA has revoked (its CRL and OCSP say so)."""
    return import_identity(
        loopback_pki,
        "revoked",
        kind="personal",
        agency=world.agency_a,
        user=world.leader_a,
        image=samples.blue_signature_png(),
        as_label="bi-thu-hoi",
    )


@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_signing_with_a_revoked_certificate_is_refused_at_every_level(
    world, revoked, decision, box, level
):
    with pytest.raises(Conflict) as exc:
        services.document_sign(
            user=world.leader_a,
            data=decision,
            mode="personal",
            box=box,
            level=level,
            identity=revoked,
        )
    assert exc.value.code == "certificate_revoked"


def test_two_phase_signing_with_a_revoked_certificate_is_refused(world, revoked, decision, box):
    with pytest.raises(Conflict) as exc:
        services.document_prepare(
            user=world.leader_a, data=decision, mode="personal", box=box, identity=revoked
        )
    assert exc.value.code == "certificate_revoked"


def with_javascript(data: bytes, *, where: str) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    action = generic.DictionaryObject(
        {
            pdf_name("/S"): pdf_name("/JavaScript"),
            pdf_name("/JS"): generic.TextStringObject("app.alert('xin chao');"),
        }
    )
    if where == "open":
        w.root[pdf_name("/OpenAction")] = w.add_object(action)
        w.update_root()
    elif where == "names":
        tree = generic.DictionaryObject(
            {
                pdf_name("/Names"): generic.ArrayObject(
                    [generic.TextStringObject("a"), w.add_object(action)]
                )
            }
        )
        w.root[pdf_name("/Names")] = generic.DictionaryObject({pdf_name("/JavaScript"): tree})
        w.update_root()
    else:
        page_ref, _ = w.find_page_for_modification(0)
        link = w.add_object(
            generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/Annot"),
                    pdf_name("/Subtype"): pdf_name("/Link"),
                    pdf_name("/Rect"): generic.ArrayObject(
                        [generic.FloatObject(v) for v in (50, 50, 150, 80)]
                    ),
                    pdf_name("/A"): action,
                }
            )
        )
        page = page_ref.get_object()
        page[pdf_name("/Annots")] = generic.ArrayObject([link])
        w.mark_update(page_ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("where", "said"), [("open", "/OpenAction"), ("names", "/Names"), ("annot", "Chú thích")]
)
def test_javascript_in_a_signed_file_is_warned_about(world, identities, box, where, said):
    scripted = with_javascript(samples.decision_pdf(), where=where)
    signed = services.document_sign(
        user=world.leader_a, data=scripted, mode="personal", box=box
    ).content

    report = validate_pdf(signed)
    assert report.signatures[0].indication == "TOTAL_PASSED"  # signed as it was
    assert any(said in w and "JavaScript" in w for w in report.warnings), report.warnings
    assert "Cảnh báo" in report_text(report)
    page = Client().post(
        "/chu-ky-so/kiem-tra/",
        {"file": SimpleUploadedFile("a.pdf", signed, content_type="application/pdf")},
    )
    assert "JavaScript" in page.content.decode()


def test_a_plain_signed_file_has_no_warning(world, identities, decision, box):
    signed = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    assert validate_pdf(signed).warnings == []
