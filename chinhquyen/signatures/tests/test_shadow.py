"""Shadow attacks ("PDF Insecurity", Mainka, Mladenov & Rohlmann, NDSS 2021) against a signed
and sealed Decree 30 document: content hidden, replaced, or hidden-and-replaced in an
incremental update after signing — by filling a form field, adding a field, adding an annotation,
or swapping what the page draws for an overlay prepared before signing. The signatures' bytes
stay intact (poppler's ``pdfsig`` still calls them valid, only no longer covering the whole
file); our validator must report the modification, say what changed, and fail Decree 30.

Our signing locks the document against them (``signing.CERTIFY_PERMISSIONS``,
``signing.lock_spec``): the first signature is a certification (DocMDP level 2), later ones
lock the form's fields (FieldMDP)."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from chinhquyen.signatures import services
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.tests.conftest import poppler
from chinhquyen.signatures.validation import validate_pdf

AMOUNT = "SoTien"


def form_decision() -> bytes:
    """A decision whose amount is a text form field (as e-forms have), with the Decree 30
    signature block of ``samples.decision_pdf``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 13)
    c.drawString(70, 650, "QUYET DINH ve viec chi tra, so tien:")
    c.drawCentredString(420, samples.SIGNATURE_TITLE_Y, "CHU TICH")
    c.drawCentredString(420, samples.SIGNATURE_NAME_Y, "Lanh Dao A")
    c.acroForm.textfield(
        name=AMOUNT,
        value="1.000.000 dong",
        x=70,
        y=600,
        width=200,
        height=20,
        borderWidth=0,
        fontName="Helvetica",
        fontSize=12,
    )
    c.showPage()
    c.save()
    return buf.getvalue()


def _text_stream(w, text: str, width: float, height: float, *, white: bool = False):
    ops = b"1 1 1 rg 0 0 %.1f %.1f re f 0 0 0 rg " % (width, height) if white else b""
    body = ops + b"BT /Helv 12 Tf 2 6 Td (" + text.encode("latin-1") + b") Tj ET"
    return w.add_object(
        generic.StreamObject(
            {
                pdf_name("/Type"): pdf_name("/XObject"),
                pdf_name("/Subtype"): pdf_name("/Form"),
                pdf_name("/BBox"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (0, 0, width, height)]
                ),
                pdf_name("/Resources"): generic.DictionaryObject(
                    {
                        pdf_name("/Font"): generic.DictionaryObject(
                            {
                                pdf_name("/Helv"): generic.DictionaryObject(
                                    {
                                        pdf_name("/Type"): pdf_name("/Font"),
                                        pdf_name("/Subtype"): pdf_name("/Type1"),
                                        pdf_name("/BaseFont"): pdf_name("/Helvetica"),
                                    }
                                )
                            }
                        )
                    }
                ),
            },
            stream_data=body,
        )
    )


@pytest.fixture
def document(world, identities):
    """The decision signed by leader A (certifying) and sealed by agency A through the
    services, as in production."""
    personal = services.document_sign(
        user=world.leader_a,
        data=form_decision(),
        mode="personal",
        box=samples.decision_box().as_tuple(),
    ).content
    return services.document_sign(user=world.counter_a, data=personal, mode="agency").content


def _field_ref(w, name: str):
    for ref in w.root["/AcroForm"]["/Fields"].iterate():
        if str(ref.get_object().get("/T")) == name:
            return ref
    raise AssertionError(name)


def _write(w) -> bytes:
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def replace_by_form_filling(data: bytes) -> bytes:
    """Shadow "replace": the amount field's value and appearance changed after signing."""
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    ref = _field_ref(w, AMOUNT)
    field = ref.get_object()
    field[pdf_name("/V")] = generic.TextStringObject("9.000.000 dong")
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _text_stream(w, "9.000.000 dong", 200, 20)}
    )
    w.mark_update(ref)
    return _write(w)


def hide_by_new_field(data: bytes) -> bytes:
    """Shadow "hide": a new text field whose appearance is a white box with other text, laid
    over the amount."""
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page_ref, _ = w.find_page_for_modification(0)
    field = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): generic.TextStringObject("Che"),
            pdf_name("/V"): generic.TextStringObject("9.000.000 dong"),
            pdf_name("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (70, 600, 270, 620)]
            ),
            pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/P"): page_ref,
            pdf_name("/AP"): generic.DictionaryObject(
                {pdf_name("/N"): _text_stream(w, "9.000.000 dong", 200, 20, white=True)}
            ),
        }
    )
    ref = w.add_object(field)
    page = page_ref.get_object()
    page[pdf_name("/Annots")] = generic.ArrayObject([*page["/Annots"].iterate(), ref])
    w.mark_update(page_ref)
    form = w.root["/AcroForm"]
    form[pdf_name("/Fields")] = generic.ArrayObject([*form["/Fields"].iterate(), ref])
    w.mark_update(w.root.raw_get("/AcroForm"))
    w.update_root()
    return _write(w)


def cover_by_annotation(data: bytes) -> bytes:
    """An annotation (a stamp) drawn over the amount after signing."""
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page_ref, _ = w.find_page_for_modification(0)
    annot = w.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Stamp"),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (70, 600, 270, 620)]
                ),
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/AP"): generic.DictionaryObject(
                    {pdf_name("/N"): _text_stream(w, "9.000.000 dong", 200, 20, white=True)}
                ),
            }
        )
    )
    page = page_ref.get_object()
    page[pdf_name("/Annots")] = generic.ArrayObject([*page["/Annots"].iterate(), annot])
    w.mark_update(page_ref)
    return _write(w)


def overlay(data: bytes) -> bytes:
    """Shadow "hide-and-replace" with an overlay: the page, changed after signing, draws a white
    box with another amount over the field."""
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    box = _text_stream(w, "9.000.000 dong", 200, 20, white=True)
    resources = generic.DictionaryObject(
        {pdf_name("/XObject"): generic.DictionaryObject({pdf_name("/CQPhu"): box})}
    )
    draw = w.add_object(generic.StreamObject(stream_data=b"q 1 0 0 1 70 600 cm /CQPhu Do Q"))
    w.add_stream_to_page(0, draw, resources=resources)
    return _write(w)


ATTACKS = {
    "replace_by_form_filling": (replace_by_form_filling, "SoTien"),
    "hide_by_new_field": (hide_by_new_field, "sau khi ký"),
    "cover_by_annotation": (cover_by_annotation, "sau khi ký"),
    "overlay": (overlay, "sau khi ký"),
}


def test_the_signed_document_is_certified_then_sealed(document):
    report = validate_pdf(document)
    assert report.decree30_ok, [(s.field, s.changes, s.message) for s in report.signatures]
    person, seal = report.signatures
    assert person.certified and not seal.certified
    assert person.changes == [] and seal.changes == []
    # read without pyHanko: the catalogue's /Perms names the DocMDP signature, level 2
    assert re.search(rb"/Perms\s*<<\s*/DocMDP", document)
    assert re.search(rb"/TransformMethod\s*/DocMDP", document)
    assert re.search(rb"/P\s+2\b", document)
    # the seal locks the amount field
    assert re.search(rb"/TransformMethod\s*/FieldMDP", document)
    assert re.search(rb"/Action\s*/Include\s*/Fields\s*\[\s*\(SoTien\)", document)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_shadow_attack_is_a_modification_that_says_what_changed(document, attack):
    build, expected = ATTACKS[attack]
    attacked = build(document)

    report = validate_pdf(attacked)
    assert not report.decree30_ok
    assert report.indication == "TOTAL_FAILED"
    for sig in report.signatures:
        assert sig.indication == "TOTAL_FAILED", (sig.field, sig.message)
        assert sig.sub_indication == "SIG_CONSTRAINTS_FAILURE"
        assert sig.modified_after_signing
        assert sig.changes and any(expected in c for c in sig.changes), sig.changes
    # poppler's pdfsig, not ours: the bytes each signature covers are intact (the attack does
    # not touch them) but no signature covers the whole file any more
    out = poppler("pdfsig", attacked)
    assert out.count("Signature is Valid") == 2
    assert "Total document signed" not in out
