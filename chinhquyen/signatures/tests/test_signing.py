"""Signing in the Decree 30 format at the three PAdES levels, through the real services."""

from __future__ import annotations

import re

import pytest

from chinhquyen.core.errors import Conflict, PermissionDenied
from chinhquyen.signatures import images, services, signing
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf

from .conftest import poppler


def sign(user, data, mode, **kw):
    return services.document_sign(user=user, data=data, mode=mode, **kw).content


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT"])
def test_personal_then_agency_signature_at_each_level(world, identities, decision, box, level):
    personal = sign(world.leader_a, decision, "personal", level=level, page=1, box=box)
    both = sign(world.counter_a, personal, "agency", level=level)

    report = validate_pdf(both)

    assert [s.kind for s in report.signatures] == ["personal", "agency"]
    assert all(s.indication == "TOTAL_PASSED" for s in report.signatures), report.as_dict()
    assert {s.level for s in report.signatures} == {level}
    if level != "B-B":
        assert all(s.timestamp and s.timestamp_valid for s in report.signatures)
    assert report.personal_valid and report.agency_valid and report.decree30_ok
    assert report.signatures[0].signer.common_name == "Lãnh Đạo A"
    assert report.signatures[0].chain[-1].startswith("Common Name: Chinhquyen Loopback Root CA")


def test_personal_image_is_centred_in_the_box_and_keeps_its_proportions(
    world, identities, decision, box
):
    report = validate_pdf(sign(world.leader_a, decision, "personal", page=1, box=box))

    sig = report.signatures[0]
    x1, y1, x2, y2 = sig.rect
    bx1, by1, bx2, by2 = box
    assert sig.has_image and sig.page == 1
    assert abs((x1 + x2) / 2 - (bx1 + bx2) / 2) < 1 and abs((y1 + y2) / 2 - (by1 + by2) / 2) < 1
    assert bx1 - 0.5 <= x1 and x2 <= bx2 + 0.5 and by1 - 0.5 <= y1 and y2 <= by2 + 0.5
    assert (x2 - x1) / (y2 - y1) == pytest.approx(400 / 160, rel=0.03)  # the PNG is 400×160


def test_seal_is_real_size_and_covers_a_third_of_the_signature_on_its_left(
    world, identities, decision, box
):
    both = sign(world.counter_a, sign(world.leader_a, decision, "personal", box=box), "agency")

    person, seal = validate_pdf(both).signatures
    px1, _, px2, _ = person.rect
    sx1, sy1, sx2, sy2 = seal.rect
    assert sx2 - sx1 == pytest.approx(38 * images.PT_PER_MM, abs=1)  # 300 dpi PNG of 38 mm
    assert sx1 < px1
    assert (sx2 - px1) / (px2 - px1) == pytest.approx(1 / 3, abs=0.02)
    assert seal.has_image


def test_agency_signature_is_refused_before_the_personal_one(world, identities, decision):
    with pytest.raises(Conflict) as exc:
        sign(world.counter_a, decision, "agency")
    assert exc.value.code == "personal_signature_required"
    assert "sau" in exc.value.message


def test_agency_signature_is_refused_over_a_revoked_personal_signature(
    world, identities, loopback_pki, decision, box
):
    revoked = signing.sign_personal(
        decision,
        signer=loopback_pki.signer("revoked"),
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=box,
    )
    with pytest.raises(Conflict) as exc:
        sign(world.counter_a, revoked, "agency")
    assert exc.value.code == "personal_signature_required"


def test_only_seal_holders_sign_for_the_agency(world, identities, decision, box):
    personal = sign(world.leader_a, decision, "personal", box=box)
    for user in (world.leader_a, world.handler_a, world.citizen, world.outsider):
        with pytest.raises(PermissionDenied):
            sign(user, personal, "agency")


def test_copy_stamp_at_the_top_right_of_page_one_in_vietnamese(world, identities, decision):
    out = services.document_sign(
        user=world.counter_a, data=decision, mode="copy", first_line="Số: 12/QĐ-UBND"
    )

    text = poppler("pdftotext", out.content, "-f", "1", "-l", "1")
    assert "Số: 12/QĐ-UBND" in text
    assert "UBND phường Thử Nghiệm A" in text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text)
    fonts = poppler("pdffonts", out.content)
    assert "LiberationSerif" in fonts and "CQStamp" not in fonts.split("\n")[0]

    report = validate_pdf(out.content)
    (sig,) = report.signatures
    assert sig.kind == "agency" and sig.passed and not sig.has_image
    assert report.decree30_ok and report.decree30.form == "copy"
    page_w, page_h = 595.27, 841.89
    assert sig.rect[2] > page_w - 30 and sig.rect[3] > page_h - 30


def test_copy_stamp_text_is_ten_point_black(decision):
    stamp = signing.stamp_pdf(["BẢN SAO ĐIỆN TỬ", "UBND phường Thử Nghiệm A", "x"])
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    page = PdfFileReader(io.BytesIO(stamp)).root["/Pages"]["/Kids"][0].get_object()
    content = page["/Contents"].get_object().data
    assert b" 10 Tf" in content
    assert b"0 0 0 rg" in content


def test_default_level_is_from_settings_and_bad_level_is_refused(
    world, identities, decision, box, sig_settings
):
    from chinhquyen.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        sign(world.leader_a, decision, "personal", box=box, level="B-X")
    sig_settings.SIGNATURES_DEFAULT_LEVEL = "B-T"
    report = validate_pdf(sign(world.leader_a, decision, "personal", box=box))
    assert report.signatures[0].level == "B-T"


def test_signature_images_must_be_blue_or_red_and_transparent(world, trusted_loopback):
    from chinhquyen.core.errors import ValidationFailed

    images.image_check(samples.blue_signature_png(), colour=images.BLUE)
    images.image_check(samples.red_seal_png(), colour=images.RED)
    cases = [
        (samples.red_seal_png(), images.BLUE, "image_not_blue"),
        (samples.blue_signature_png(), images.RED, "image_not_red"),
        (samples.white_background_png(), images.BLUE, "image_not_transparent"),
        (b"GIF89a not a png", images.BLUE, "validation_failed"),
    ]
    for data, colour, code in cases:
        with pytest.raises(ValidationFailed) as exc:
            images.image_check(data, colour=colour)
        assert exc.value.code == code
        assert exc.value.fields["image"]


def test_personal_certificate_cannot_be_imported_as_the_agency_seal(
    world, trusted_loopback, loopback_pki
):
    from chinhquyen.core.errors import ValidationFailed

    from .conftest import import_identity

    with pytest.raises(ValidationFailed) as exc:
        import_identity(loopback_pki, "personal", kind="agency", agency=world.agency_a)
    assert exc.value.code == "certificate_kind_mismatch"
