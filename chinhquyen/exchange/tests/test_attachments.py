"""The document axis against the government's own EdXML102 library (issue #18): attachments the
library zips, payloads mislabelled as zip, zip bombs, file types we write, and the fields peers
write that we do not use yet.

``library/edxml102_all_fields.edxml`` was built by the library itself (EdXML102-0.0.3.jar, with
``library/Gen.java``) from ``library/bao-cao.xlsx``, ``library/scan.tmp`` (a PDF) and
``library/to-trinh.pdf``: it zipped the first two and labelled them ``application/zip`` under
their own names, and it fills every optional field we used to drop."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from chinhquyen.exchange import edxml, services
from chinhquyen.exchange.figures import register_entry_assess, signature_assess
from chinhquyen.exchange.management.commands.exchange import fake_pdf
from chinhquyen.exchange.models import InboxMessage, OutboxMessage, RegisterEntry

from .test_services import A, B, Net

HERE = Path(__file__).parent
LIBRARY = HERE / "library"
SAMPLES = Path("/work/shared/interop/edxml")
if not SAMPLES.is_dir():
    SAMPLES = HERE / "samples"
WRAPPED_SAMPLES = ["edoc_new", "edoc_update", "edoc_revocation", "edoc_replacement"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def library_zip(name: str, data: bytes) -> bytes:
    """What EdXML102's CompressUtils.zip makes of a file: one deflated entry named
    ``<uuid>.<extension>``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{uuid.uuid4()}.{name.rsplit('.', 1)[-1]}", data)
    return buf.getvalue()


def library_attachment(name: str, data: bytes, index: int = 1) -> edxml.Attachment:
    """An attachment as EdXML102's Attachment.accumulate writes it: pdf/doc/docx/zip as they are,
    anything else zipped and labelled application/zip under the file's own name."""
    ext = name.rsplit(".", 1)[-1].lower()
    if ext in ("pdf", "doc", "docx", "zip"):
        return edxml.Attachment.from_bytes(
            data, content_id=f"cid:{index}", name=name, content_type=f"application/{ext}"
        )
    return edxml.Attachment.from_bytes(
        library_zip(name, data),
        content_id=f"cid:{index}",
        name=name,
        description=name,
        content_type="application/zip",
    )


def library_message() -> bytes:
    return (LIBRARY / "edxml102_all_fields.edxml").read_bytes()


# --- the shared samples: a 270,823-byte zip holding a 388,347-byte file ---------------------------


@pytest.mark.parametrize("sample", WRAPPED_SAMPLES)
def test_the_shared_samples_zipped_attachment_is_unwrapped_and_its_encoding_kept(sample):
    raw = (SAMPLES / f"{sample}.edxml").read_bytes()
    doc = edxml.parse(raw)
    (att,) = doc.attachments
    assert (att.name, att.content_type, len(att.data)) == (
        "1896_QD-TTg_m_294779.doc",
        "application/zip",
        270_823,
    )
    content = att.content()
    assert content.unwrapped and content.warning is None
    assert content.name == "1896_QD-TTg_m_294779.doc"
    assert len(content.data) == 388_347
    assert content.data == zipfile.ZipFile(io.BytesIO(att.data)).read(
        zipfile.ZipFile(io.BytesIO(att.data)).infolist()[0]
    )
    # Re-serialised (as when forwarding), the attachment is the zip as received, byte for byte.
    again = edxml.parse(edxml.build(doc))
    assert again.attachments[0].encoded == att.encoded
    assert again.attachments[0].content_type == "application/zip"
    assert hashlib.sha256(again.attachments[0].data).digest() == hashlib.sha256(att.data).digest()


# --- messages the library built ------------------------------------------------------------------


def test_every_attachment_the_library_zipped_comes_out_as_the_original_file():
    doc = edxml.parse(library_message())
    by_name = {a.name: a for a in doc.attachments}
    assert [a.content_type for a in doc.attachments] == [
        "application/zip",
        "application/zip",
        "application/pdf",
    ]
    for name, expected_type, wrapped in (
        ("bao-cao.xlsx", XLSX, True),
        ("scan.tmp", "application/pdf", True),
        ("to-trinh.pdf", "application/pdf", False),
    ):
        content = by_name[name].content()
        assert content.data == (LIBRARY / name).read_bytes(), name
        assert (content.name, content.content_type, content.unwrapped) == (
            name,
            expected_type,
            wrapped,
        )
        assert content.warning is None
    # The .xlsx is itself a zip: it is unwrapped once, not taken apart.
    assert by_name["bao-cao.xlsx"].content().data[:2] == b"PK"


def test_a_library_message_with_every_optional_field_round_trips_field_for_field():
    raw = library_message()
    doc = edxml.parse(raw)
    assert doc.application_type == "VBDH"
    assert doc.response_for_task == ["NV-2026-001", "NV-2026-002"]
    assert doc.other_info.reply_fors == "000.09.31.H26,2026/11/20,12/STP-VP"
    assert doc.other_info.reference_codes == "REF-1;REF-2"
    staff = doc.business.staff_info
    assert (staff.department, staff.department_id, staff.staff, staff.staff_id) == (
        "Văn thư",
        "PB-01",
        "Nguyễn Thị Ngọc",
        "CB-0042",
    )
    assert [(a.field_name, a.mime_type) for a in doc.attachments] == [
        ("file1", XLSX),
        ("file2", "application/pdf"),
        ("file3", "application/pdf"),
    ]
    built = edxml.build(doc)
    again = edxml.parse(built)
    assert again == doc
    assert edxml.to_dict(again) == edxml.to_dict(doc)
    assert [a.encoded for a in again.attachments] == [a.encoded for a in doc.attachments]
    # Written back where the library writes them, so the library reads them back too.
    text = built.decode()
    for tag, value in (
        ("ApplicationType", "VBDH"),
        ("TaskCode", "NV-2026-002"),
        ("ReplyFors", "000.09.31.H26,2026/11/20,12/STP-VP"),
        ("ReferenceCodes", "REF-1;REF-2"),
        ("DepartmentId", "PB-01"),
        ("StaffId", "CB-0042"),
        ("FieldName", "file1"),
        ("MimeType", XLSX),
    ):
        assert f"<edXML:{tag}>{value}</edXML:{tag}>" in text, tag
    header = text[text.index("<edXML:SteeringType>") : text.index("<edXML:ToPlaces>")]
    assert header.index("ResponseForTask") < header.index("ApplicationType")
    other = text[text.index("<edXML:OtherInfo>") : text.index("</edXML:OtherInfo>")]
    assert other.index("PageAmount") < other.index("ReplyFors") < other.index("Direction")
    assert other.index("Direction") < other.index("ReferenceCodes") < other.index("Appendixes")


# --- mislabelled payloads and zip bombs ----------------------------------------------------------


def test_a_payload_labelled_zip_that_is_not_one_keeps_its_bytes_with_a_warning():
    att = edxml.Attachment.from_bytes(
        b"\xd0\xcf\x11\xe0 not a zip", name="to-trinh.doc", content_type="application/zip"
    )
    content = att.content()
    assert content.data == b"\xd0\xcf\x11\xe0 not a zip"
    assert not content.unwrapped
    assert content.content_type == "application/msword"
    assert "không phải tệp nén ZIP" in content.warning


def test_a_peers_names_and_labels_are_made_safe_to_hand_out():
    att = edxml.Attachment.from_bytes(
        b"\xd0\xcf\x11\xe0", name="..\\thu muc/to\r\ntrinh.doc", content_type="application/doc"
    )
    content = att.content()
    assert (content.name, content.content_type) == ("totrinh.doc", "application/msword")
    odd = edxml.Attachment.from_bytes(b"abc", name="a.txt", content_type="text/plain\r\nX-A: b")
    assert odd.content().content_type == "text/plain"


def test_a_zip_named_zip_is_handed_out_as_the_zip():
    inner = library_zip("a.txt", b"xin chao")
    content = edxml.Attachment.from_bytes(
        inner, name="ho-so.zip", content_type="application/zip"
    ).content()
    assert (content.data, content.content_type, content.unwrapped) == (
        inner,
        "application/zip",
        False,
    )


def _bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("x.xlsx", "w") as fh:
        block = b"\0" * (1 << 20)
        for _ in range(size // len(block)):
            fh.write(block)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_with_a_warning_without_inflating_it():
    bomb = _bomb(64 << 20)  # 64 MiB of zeros in ~64 KB, over the 50 MiB default
    assert len(bomb) < 200_000
    att = edxml.Attachment.from_bytes(bomb, name="bao-cao.xlsx", content_type="application/zip")
    started = time.perf_counter()
    content = att.content()
    elapsed = time.perf_counter() - started
    assert not content.unwrapped and content.data == bomb
    assert (content.name, content.content_type) == ("bao-cao.xlsx.zip", "application/zip")
    assert "lớn hơn giới hạn 52428800 byte" in content.warning
    assert elapsed < 0.5


def test_a_zip_bomb_that_lies_about_its_size_is_cut_off_at_the_limit():
    bomb = bytearray(_bomb(8 << 20))
    # Declare 1,000 bytes in the local and the central header (the entry inflates to 8 MiB).
    local = bomb.index(b"PK\x03\x04")
    bomb[local + 22 : local + 26] = (1000).to_bytes(4, "little")
    central = bomb.index(b"PK\x01\x02")
    bomb[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    att = edxml.Attachment.from_bytes(bytes(bomb), name="x.xlsx", content_type="application/zip")
    content = att.content(max_bytes=1 << 20)
    assert not content.unwrapped and content.data == bytes(bomb)
    assert "bị hỏng" in content.warning or "giới hạn" in content.warning


def test_the_unwrap_limit_is_a_setting(settings):
    data = b"x" * 5000
    att = edxml.Attachment.from_bytes(
        library_zip("a.txt", data), name="a.txt", content_type="application/zip"
    )
    assert att.content().data == data
    settings.EXCHANGE_ATTACHMENT_MAX_BYTES = 4999
    refused = att.content()
    assert refused.warning and "4999" in refused.warning and not refused.unwrapped


def test_a_message_of_many_zip_bombs_is_bounded_as_a_whole(settings):
    settings.EXCHANGE_ATTACHMENT_TOTAL_BYTES = 1 << 20
    files = [library_attachment(f"bang-{i}.xlsx", bytes([i]) * 600_000, i) for i in range(3)]
    contents = list(edxml.attachment_contents(files))
    assert contents[0].unwrapped and contents[0].data == b"\0" * 600_000
    for refused in contents[1:]:
        assert not refused.unwrapped and refused.name.endswith(".xlsx.zip")
        assert f"giới hạn {(1 << 20) - 600_000} byte" in refused.warning


# --- what we write -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "declared", "written"),
    [
        ("bao-cao.xlsx", (LIBRARY / "bao-cao.xlsx").read_bytes(), "", XLSX),
        ("bao-cao.xlsx", (LIBRARY / "bao-cao.xlsx").read_bytes(), "application/zip", XLSX),
        ("to-trinh.doc", b"\xd0\xcf\x11\xe0", "", "application/msword"),
        ("ghi-chu.txt", b"abc", "application/zip", "text/plain"),
        ("khong-phai.zip", b"abc", "application/zip", "application/octet-stream"),
        ("ho-so.zip", library_zip("a.txt", b"abc"), "", "application/zip"),
        ("scan.tmp", b"%PDF-1.4", "", "application/octet-stream"),
        ("vb.pdf", b"%PDF-1.4", "", "application/pdf"),
    ],
)
def test_we_never_label_a_non_zip_application_zip(name, data, declared, written):
    assert edxml.label_for(name, data, declared) == written


@pytest.fixture
def net(db, settings, exchange_keys):
    settings.EXCHANGE_ROLE = "hub"
    settings.EXCHANGE_ASSESS_SIGNATURES = True
    return Net(settings, exchange_keys)


def _sent_attachments(agency_id=A) -> list[edxml.Attachment]:
    msg = OutboxMessage.objects.filter(kind="edoc").order_by("-id").first()
    return edxml.parse(bytes(msg.payload)).attachments


def test_document_send_labels_each_file_by_its_name_and_never_a_non_zip_as_zip(net):
    xlsx = (LIBRARY / "bao-cao.xlsx").read_bytes()
    net.send(
        A,
        [B],
        files=[
            services.FileIn(name="bao-cao.xlsx", data=xlsx, content_type="application/zip"),
            services.FileIn(name="to-trinh.pdf", data=fake_pdf(2000, 1)),
            services.FileIn(name="ghi-chu.txt", data=b"ghi chu"),
        ],
    )
    atts = _sent_attachments()
    assert [a.content_type for a in atts] == [XLSX, "application/pdf", "text/plain"]
    # A receiver that unwraps application/zip (the library, or us) gets the file, not a part of it.
    net.pull(B)
    line = RegisterEntry.objects.get(agency_id=B, direction="in")
    payload = bytes(InboxMessage.objects.get(message_id=line.message_id).payload)
    assert edxml.parse(payload).attachments[0].content().data == xlsx


def test_exchange_send_file_guesses_the_type_from_the_name(net, tmp_path):
    net.as_node(A)
    xlsx = tmp_path / "so-lieu.xlsx"
    xlsx.write_bytes((LIBRARY / "bao-cao.xlsx").read_bytes())
    doc = tmp_path / "cong-van.docx"
    doc.write_bytes(b"PK\x03\x04 docx")
    out = io.StringIO()
    call_command("exchange", "send", "--to", B, "--file", str(xlsx), "--file", str(doc), stdout=out)
    atts = _sent_attachments()
    assert [(a.name, a.content_type) for a in atts] == [
        ("so-lieu.xlsx", XLSX),
        (
            "cong-van.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ]
    manifest = edxml.parse(bytes(OutboxMessage.objects.filter(kind="edoc").get().payload)).manifest
    assert [r.content_type for r in manifest] == [XLSX, atts[1].content_type]


# --- received from a peer that uses the library: officer downloads, warnings, assessment --------


def _receive_from_a(net, raw: bytes) -> RegisterEntry:
    signed = edxml.sign(raw, key_pem=net.keys["a"].key_pem, cert_pem=net.keys["a"].cert_pem)
    services.hub_accept(peer=net.peers[A], message_id=str(uuid.uuid4()), payload=signed)
    net.pull(B)
    return RegisterEntry.objects.filter(agency_id=B, direction="in").order_by("-id").first()


def _library_doc_with(attachments: list[edxml.Attachment], number: str) -> bytes:
    doc = edxml.parse(library_message())
    doc.document_id = f"{A},2026/12/01,{number}/UBND-VP"
    doc.code.number = number
    doc.attachments = attachments
    doc.manifest = None
    return edxml.build(doc)


def test_the_officer_downloads_the_files_not_the_zip_from_the_page_and_the_api(net, world, api):
    line = _receive_from_a(net, library_message())
    assert line.subject == "V/v báo cáo số liệu"
    client = Client()
    client.force_login(world.handler_b)
    page = client.get(f"/lien-thong/so/{line.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "bao-cao.xlsx" in html and "scan.tmp" in html and 'data-testid="warnings"' not in html
    listing = api(world.handler_b).get(f"/api/v1/exchange/registers/{line.id}/attachments")
    assert listing.status_code == 200, listing.content
    files = listing.json()["attachments"]
    assert [(f["name"], f["content_type"], f["unwrapped"], f["warning"]) for f in files] == [
        ("bao-cao.xlsx", XLSX, True, None),
        ("scan.tmp", "application/pdf", True, None),
        ("to-trinh.pdf", "application/pdf", False, None),
    ]
    for f in files:
        original = (LIBRARY / f["name"]).read_bytes()
        assert f["size"] == len(original)
        for resp in (
            client.get(f"/lien-thong/so/{line.id}/tep/{f['index']}/"),
            api(world.handler_b).get(
                f"/api/v1/exchange/registers/{line.id}/attachments/{f['index']}"
            ),
        ):
            assert resp.status_code == 200
            assert resp.content == original
            assert resp["Content-Type"] == f["content_type"]
            assert resp["Content-Disposition"].startswith("attachment;")
            assert f["name"] in resp["Content-Disposition"]
            assert resp["X-Content-Type-Options"] == "nosniff"
    # Another agency's officer cannot read them.
    other = Client()
    other.force_login(world.handler_a)
    assert other.get(f"/lien-thong/so/{line.id}/tep/1/").status_code == 404
    assert (
        api(world.handler_a).get(f"/api/v1/exchange/registers/{line.id}/attachments/1").status_code
        == 404
    )
    assert client.get(f"/lien-thong/so/{line.id}/tep/9/").status_code == 404


def test_the_officer_sees_why_a_received_file_was_kept_as_it_came(net, world, api, settings):
    settings.EXCHANGE_ATTACHMENT_MAX_BYTES = 1 << 20
    mislabelled = edxml.Attachment.from_bytes(
        b"not a zip at all", content_id="cid:1", name="to-trinh.doc", content_type="application/zip"
    )
    bomb = library_attachment("so-lieu.xlsx", b"\0" * (2 << 20), index=2)
    line = _receive_from_a(net, _library_doc_with([mislabelled, bomb], "91"))
    body = api(world.handler_b).get(f"/api/v1/exchange/registers/{line.id}/attachments").json()
    first, second = body["attachments"]
    assert first["name"] == "to-trinh.doc" and "không phải tệp nén ZIP" in first["warning"]
    assert second["name"] == "so-lieu.xlsx.zip" and "giới hạn 1048576 byte" in second["warning"]
    assert body["warnings"] == [first["warning"], second["warning"]]
    client = Client()
    client.force_login(world.handler_b)
    html = client.get(f"/lien-thong/so/{line.id}/").content.decode()
    assert 'data-testid="warnings"' in html and "không phải tệp nén ZIP" in html
    got = client.get(f"/lien-thong/so/{line.id}/tep/1/")
    assert got.content == b"not a zip at all"
    kept = client.get(f"/lien-thong/so/{line.id}/tep/2/")
    assert kept.content == base64.b64decode(bomb.encoded)
    assert kept["Content-Type"] == "application/zip"


def test_the_signature_assessment_reads_the_pdf_the_library_zipped(net, caplog):
    pdf = (LIBRARY / "scan.tmp").read_bytes()
    # Only PDF: one the library stored as .tmp (zipped, application/zip).
    line = _receive_from_a(net, _library_doc_with([library_attachment("scan.tmp", pdf)], "92"))
    payload = bytes(InboxMessage.objects.get(message_id=line.message_id).payload)
    plain = _library_doc_with([library_attachment("scan.pdf", pdf)], "93")
    expected = signature_assess(plain)
    assert expected != (None, None, None)
    assert signature_assess(payload) == expected
    assert register_entry_assess(entry=line)
    # A gateway that zips even PDFs (name .pdf, application/zip): the PDF is assessed, not the zip.
    zipped_pdf = edxml.Attachment.from_bytes(
        library_zip("to-trinh.pdf", pdf), name="to-trinh.pdf", content_type="application/zip"
    )
    caplog.set_level(logging.ERROR, logger="chinhquyen.exchange.figures")
    assert signature_assess(_library_doc_with([zipped_pdf], "94")) == expected
    assert "validate_pdf failed" not in caplog.text
