"""The signature block placed by the system when a document has none, and the second seal
refused."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from chinhquyen.core.errors import Conflict
from chinhquyen.signatures import services, signing, twophase
from chinhquyen.signatures.locate import signature_box_ensure, signature_box_find
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf

from .conftest import poppler

POSITION = "TM. ỦY BAN NHÂN DÂN\nChủ tịch"
NAME = "Nguyễn Thị Ánh Tuyết"


def letter(*, lines_down_to: float, hint: bool = False, pages: int = 1) -> bytes:
    """An A4 letter whose text runs from the top down to ``lines_down_to`` (points from the
    bottom) on its last page, with a page number in the footer."""
    if "CQSerifTest" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("CQSerifTest", str(signing.FONT_FILE)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for page in range(pages):
        c.setFont("CQSerifTest", 13)
        y = 780.0
        while y >= lines_down_to:
            c.drawString(70, y, f"Nội dung văn bản, trang {page + 1}, dòng ở độ cao {y:.0f}.")
            y -= 18
        if hint:
            c.drawCentredString(420, y - 20, "CHỦ TỊCH")
            c.drawCentredString(420, y - 36, "(Ký, ghi rõ họ tên)")
            c.drawCentredString(420, y - 120, NAME)
        c.drawCentredString(297, 30, f"Trang {page + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def text_lines(data: bytes, page: int) -> list[str]:
    out = poppler("pdftotext", data, "-f", str(page), "-l", str(page))
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_a_block_goes_below_the_text_of_the_last_page_when_there_is_room(world, identities):
    data = letter(lines_down_to=480, pages=2)

    out, page_ix, box = signature_box_ensure(data, position=POSITION, signer_name=NAME)

    assert page_ix == 1 and signing.page_count(signing.open_reader(out)) == 2
    lines = text_lines(out, 2)
    assert lines.index("TM. ỦY BAN NHÂN DÂN") + 1 == lines.index("CHỦ TỊCH")
    assert lines.index("CHỦ TỊCH") < lines.index(NAME) and lines[-1] == "Trang 2"
    fonts = poppler("pdffonts", out)
    assert "LiberationSerif-Bold" in fonts
    # bottom right, below the last line (baseline 480), above the footer
    assert box.x1 > 595 / 2 - 20 and box.x2 < 595 - 15 * signing.MM
    assert 56 < box.y1 < box.y2 < 480
    # the person's signature then sits in that box, and the document validates with the seal
    personal = services.document_sign(
        user=world.leader_a, data=out, mode="personal", page=page_ix + 1, box=box.as_tuple()
    ).content
    sealed = services.document_sign(user=world.counter_a, data=personal, mode="agency").content
    report = validate_pdf(sealed)
    assert report.decree30_ok and report.signatures[0].page == 2


def test_a_full_last_page_gets_a_new_page_of_the_same_size(identities):
    data = letter(lines_down_to=70)

    out, page_ix, box = signature_box_ensure(data, position="Chủ tịch", signer_name=NAME)

    reader = signing.open_reader(out)
    assert page_ix == 1 and signing.page_count(reader) == 2
    assert signing.page_box(reader, 1) == signing.page_box(reader, 0)
    assert text_lines(out, 2) == ["CHỦ TỊCH", NAME]
    assert box.y2 > 700  # at the top of the new page
    assert text_lines(out, 1)[-1] == "Trang 1"  # the original page is untouched


def test_a_document_with_a_prepared_box_comes_back_unchanged(identities):
    data = letter(lines_down_to=500, hint=True)

    out, page_ix, box = signature_box_ensure(data, position=POSITION, signer_name=NAME)

    assert out is data
    assert (page_ix, box) == signature_box_find(data)


def test_a_signed_document_without_a_box_is_refused(world, identities, decision, box):
    signed = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    with pytest.raises(Conflict) as exc:
        signature_box_ensure(signed, position=POSITION, signer_name=NAME)
    assert exc.value.code == "document_already_signed"


def test_signing_with_a_position_places_the_block_and_names_the_certificate_holder(
    world, identities
):
    data = letter(lines_down_to=500)

    prepared = services.document_prepare(
        user=world.leader_a, data=data, mode="personal", position="Chủ tịch"
    )
    one_step = services.document_sign(
        user=world.leader_a, data=data, mode="personal", position="Chủ tịch"
    )

    for pdf in (prepared.pdf, one_step.content):  # the same block in one step and in two
        assert text_lines(pdf, 1)[-3:] == ["CHỦ TỊCH", "Lãnh Đạo A", "Trang 1"]
    report = validate_pdf(one_step.content)
    assert report.personal_valid and report.signatures[0].page == 1


# --- a second seal -------------------------------------------------------------------------------


@pytest.fixture
def sealed(world, identities, decision, box):
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    return services.document_sign(user=world.counter_a, data=personal, mode="agency").content


def test_a_second_seal_is_refused(world, sealed):
    with pytest.raises(Conflict) as exc:
        services.document_sign(user=world.counter_a, data=sealed, mode="agency")
    assert exc.value.code == "already_sealed"
    assert "đã được đóng dấu" in exc.value.message
    with pytest.raises(Conflict) as exc:
        services.document_prepare(user=world.counter_a, data=sealed, mode="agency")
    assert exc.value.code == "already_sealed"


def test_the_pure_functions_refuse_a_second_seal_too(sealed, loopback_pki):
    agency = loopback_pki.identity("agency")
    with pytest.raises(Conflict) as exc:
        signing.sign_agency(
            sealed,
            signer=loopback_pki.signer("agency"),
            seal_png=samples.red_seal_png(),
            personal_field="ChuKyCaNhan1",
        )
    assert exc.value.code == "already_sealed"
    with pytest.raises(Conflict) as exc:
        twophase.prepare_agency(
            sealed,
            cert=agency.cert,
            chain=[loopback_pki.root_cert],
            seal_png=samples.red_seal_png(),
            personal_field="ChuKyCaNhan1",
        )
    assert exc.value.code == "already_sealed"


def test_a_copy_stamp_after_the_seal_is_still_allowed(world, sealed):
    out = services.document_sign(user=world.counter_a, data=sealed, mode="copy")
    assert validate_pdf(out.content).agency_valid


def test_a_new_personal_signature_may_be_sealed_again(world, identities, sealed, loopback_pki):
    """The rule is about the seal that follows the *last* personal signature."""
    second = signing.sign_personal(
        sealed,
        signer=loopback_pki.signer("personal"),
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=signing.Box(340, 420, 500, 500),
    )
    out = services.document_sign(user=world.counter_a, data=second, mode="agency")
    assert out.field_name == "ChuKyCoQuan2"
