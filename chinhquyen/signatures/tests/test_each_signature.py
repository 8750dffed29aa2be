"""Each signature is reported on its own: a broken one beside valid ones, one in a nested field
(``Parent.Kid``), one with a ``/SubFilter`` nobody knows — never a whole-file 422 that hides the
others, never "unsigned"."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from chinhquyen.signatures import signing
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf


def with_field(data: bytes, field: dict, *, rect=(300, 500, 400, 560)) -> bytes:
    """``data`` with one more form field (a widget on page 1) in an incremental update."""
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page_ref, _ = w.find_page_for_modification(0)
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in rect]),
            pdf_name("/F"): generic.NumberObject(132),
            pdf_name("/P"): page_ref,
            **field,
        }
    )
    ref = w.add_object(widget)
    fields_ref = ref
    if "/Parent" in field:  # a kid: the parent holds it, the form holds the parent
        parent_ref = field["/Parent"]
        parent_ref.get_object()[pdf_name("/Kids")] = generic.ArrayObject([ref])
        fields_ref = parent_ref
    page = page_ref.get_object()
    annots = page.get("/Annots", generic.ArrayObject())
    page[pdf_name("/Annots")] = generic.ArrayObject([*annots.get_object().iterate(), ref])
    w.mark_update(page_ref)
    root = w.root
    form = root.get("/AcroForm")
    if form is None:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = w.add_object(form)
    form = root["/AcroForm"]
    form[pdf_name("/Fields")] = generic.ArrayObject([*form["/Fields"].iterate(), fields_ref])
    w.mark_update(root.raw_get("/AcroForm"))
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def sig_value(subfilter: str, contents: bytes = b"\x30\x82\x00\x10") -> dict:
    return {
        pdf_name("/FT"): pdf_name("/Sig"),
        pdf_name("/V"): generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Sig"),
                pdf_name("/Filter"): pdf_name("/Adobe.PPKLite"),
                pdf_name("/SubFilter"): pdf_name(subfilter),
                pdf_name("/ByteRange"): generic.ArrayObject(
                    [generic.NumberObject(v) for v in (0, 10, 20, 10)]
                ),
                pdf_name("/Contents"): generic.ByteStringObject(contents),
            }
        ),
    }


def personal(loopback_pki, decision, box) -> bytes:
    return signing.sign_personal(
        decision,
        signer=loopback_pki.signer("personal"),
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=box,
    )


def test_a_broken_signature_does_not_hide_the_valid_one(
    trusted_loopback, loopback_pki, decision, box
):
    data = with_field(
        personal(loopback_pki, decision, box),
        {pdf_name("/T"): generic.TextStringObject("Hong"), **sig_value("/ETSI.CAdES.detached")},
    )

    resp = Client().post(
        "/api/v1/signatures/validate",
        {"file": SimpleUploadedFile("a.pdf", data, content_type="application/pdf")},
    )
    assert resp.status_code == 200, resp.content[:300]
    sigs = {s["field"]: s for s in resp.json()["signatures"]}
    assert set(sigs) == {"ChuKyCaNhan1", "Hong"}
    assert sigs["ChuKyCaNhan1"]["signer"]["common_name"] == "Lãnh Đạo A"
    assert sigs["ChuKyCaNhan1"]["page"] == 1
    broken = sigs["Hong"]
    assert (broken["indication"], broken["sub_indication"]) == ("INDETERMINATE", "FORMAT_FAILURE")
    assert broken["error"] and broken["page"] == 1 and broken["rect"] == [300, 500, 400, 560]


def test_an_unknown_subfilter_is_a_signature_reported_as_such(trusted_loopback, decision):
    data = with_field(
        decision, {pdf_name("/T"): generic.TextStringObject("La"), **sig_value("/x.vn.la")}
    )

    report = validate_pdf(data)
    (sig,) = report.signatures
    assert (sig.field, sig.indication, sig.sub_indication) == (
        "La",
        "INDETERMINATE",
        "FORMAT_FAILURE",
    )
    assert "/x.vn.la" in sig.error and "/x.vn.la" in sig.message
    assert report.message != "Tài liệu không có chữ ký số."


def test_a_signature_in_a_nested_field_keeps_its_page_and_position(
    trusted_loopback, loopback_pki, decision
):
    w = IncrementalPdfFileWriter(io.BytesIO(decision), strict=False)
    parent = w.add_object(
        generic.DictionaryObject(
            {pdf_name("/T"): generic.TextStringObject("KyDuyet"), pdf_name("/FT"): pdf_name("/Sig")}
        )
    )
    out = io.BytesIO()
    w.write(out)
    data = with_field(
        out.getvalue(),
        {pdf_name("/T"): generic.TextStringObject("LanhDao"), pdf_name("/Parent"): parent},
        rect=(320, 480, 470, 560),
    )
    signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="KyDuyet.LanhDao"),
        signer=loopback_pki.signer("personal"),
    )
    signed = io.BytesIO()
    signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False), output=signed)

    (sig,) = validate_pdf(signed.getvalue()).signatures
    assert sig.field == "KyDuyet.LanhDao"
    assert sig.indication == "TOTAL_PASSED", sig.message
    assert (sig.page, sig.rect) == (1, [320, 480, 470, 560])


@pytest.mark.parametrize("subfilter", ["/adbe.pkcs7.detached", "/ETSI.CAdES.detached"])
def test_known_subfilters_with_a_garbled_blob_are_format_failures(
    trusted_loopback, decision, subfilter
):
    data = with_field(
        decision, {pdf_name("/T"): generic.TextStringObject("Hong"), **sig_value(subfilter)}
    )
    (sig,) = validate_pdf(data).signatures
    assert sig.sub_indication == "FORMAT_FAILURE" and sig.error
