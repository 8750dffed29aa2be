"""edXML: every published sample parses and round-trips; malformed input fails precisely;
signatures are made with RSA-SHA256 and checked honestly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chinhquyen.exchange import edxml
from chinhquyen.exchange.edxml import EdxmlError

# Copies of ../shared/interop/edxml (the Government Office SDK samples), byte for byte.
SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.edxml"))
EDOC = (SAMPLES / "edoc_new.edxml").read_bytes() if SAMPLES.exists() else b""
STATUS = (SAMPLES / "status_inbox_01.edxml").read_bytes() if SAMPLES.exists() else b""


def test_the_sample_folder_is_there():
    assert len(SAMPLE_FILES) == 15


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_parses_and_round_trips(path):
    model = edxml.parse(path.read_bytes())
    rebuilt = edxml.build(model)
    assert edxml.parse(rebuilt) == model
    # And building again is stable, byte for byte.
    assert edxml.build(edxml.parse(rebuilt)) == rebuilt


def test_new_document_fields_are_read():
    doc = edxml.parse(EDOC)
    assert isinstance(doc, edxml.Edoc)
    assert doc.from_.organ_id == "002.00.20.H13"
    assert [t.organ_id for t in doc.to] == ["28.22.H17"]
    assert doc.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert doc.code == edxml.Code(number="74fass22", notation="VPCP-TTĐT")
    assert doc.promulgation_info.date == dt.date(2019, 1, 16)
    assert doc.document_type.type_name == "Công văn"
    assert doc.signer_info.full_name == "Nguyen Thanh Phuc"
    assert doc.due_date == dt.date(2018, 9, 28)
    assert doc.other_info.appendixes == [
        "Công văn về việc kết nối, liên thông phần mềm quản lý văn bản"
    ]
    assert doc.to_places == ["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"]
    assert doc.steering_type == "1"
    assert doc.traces[0].timestamp == dt.datetime(2018, 9, 28)  # noqa: DTZ001
    assert doc.business.doc_type == edxml.BUSINESS_NEW
    assert doc.business.staff_info.staff == "Nguyễn Thị Ngọc Trâm"
    assert doc.manifest[0].content_id == "cid:209"
    assert doc.attachments[0].name == "1896_QD-TTg_m_294779.doc"
    assert len(doc.attachments[0].data) > 200_000
    assert doc.signature.signature_method.endswith("rsa-sha1")
    assert any("byte thừa" in w for w in doc.warnings)


def test_business_types_revoke_update_replace():
    revoke = edxml.parse((SAMPLES / "edoc_revocation.edxml").read_bytes())
    update = edxml.parse((SAMPLES / "edoc_update.edxml").read_bytes())
    replace = edxml.parse((SAMPLES / "edoc_replacement.edxml").read_bytes())
    assert revoke.business_type == 1
    assert revoke.response_for[0].document_id == "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"
    assert update.business_type == 2
    assert [r.organ_id for r in update.business.document_info.receivers] == [
        "000.00.00.H41",
        "000.00.00.H14",
    ]
    assert replace.business_type == 3
    assert replace.business.replacements[0].organ_ids == ["000.00.00.H41", "000.00.00.H14"]


@pytest.mark.parametrize("code", ["01", "02", "03", "04", "05", "06", "13", "15", "16"])
def test_status_messages_of_every_code(code):
    files = [p for p in SAMPLE_FILES if p.name.startswith("status_") and f"_{code}." in p.name]
    assert files, code
    status = edxml.parse(files[0].read_bytes())
    assert isinstance(status, edxml.Status)
    assert status.status_code == code
    assert status.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert status.timestamp.year == 2015


def test_the_smaller_sample_keeps_its_quirks_as_warnings():
    doc = edxml.parse((SAMPLES / "edoc.edxml").read_bytes())
    assert doc.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert any("xlink" in w for w in doc.warnings)
    assert any("base64" in w for w in doc.warnings)
    with pytest.raises(EdxmlError, match="base64"):
        doc.attachments[0].data  # noqa: B018
    with pytest.raises(EdxmlError, match="base64") as info:
        edxml.parse((SAMPLES / "edoc.edxml").read_bytes(), strict=True)
    assert info.value.line == 130


def test_status_round_trip_from_a_built_model():
    status = edxml.Status(
        from_=edxml.Organization(organ_id="000.02.31.H26", organ_name="UBND xã B"),
        response_for=edxml.ResponseFor(
            organ_id="000.01.31.H26", code="1/UBND", document_id="000.01.31.H26,2026/01/02,1/UBND"
        ),
        staff_info=edxml.StaffInfo(staff="Văn thư"),
        status_code="03",
        description="Đã vào sổ",
        timestamp=dt.datetime(2026, 1, 2, 8, 30, 0),  # noqa: DTZ001
    )
    assert edxml.parse(edxml.build(status)) == status


# --- malformed input -----------------------------------------------------------------------------


def _broken(old: bytes, new: bytes, source: bytes = STATUS) -> bytes:
    assert old in source
    return source.replace(old, new, 1)


MALFORMED = {
    "empty": (b"", "không có nội dung XML"),
    "not xml": (b"hello world", "không có nội dung XML"),
    "truncated": (EDOC[: len(EDOC) // 2], "XML sai cú pháp"),
    "truncated status": (STATUS[:900], "XML sai cú pháp"),
    "wrong namespace": (
        STATUS.replace(b"http://www.mic.gov.vn/TBT/QCVN_102_2016", b"urn:other"),
        "phần tử gốc",
    ),
    "wrong root": (b"<?xml version='1.0'?><root/>", "phần tử gốc"),
    "missing envelope": (
        b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>",
        "edXMLEnvelope",
    ),
    "missing from organ id": (
        _broken(b"<edXML:OrganId>000.00.00.H41</edXML:OrganId>", b""),
        "OrganId",
    ),
    "bad status code": (
        _broken(
            b"<edXML:StatusCode>01</edXML:StatusCode>", b"<edXML:StatusCode>99</edXML:StatusCode>"
        ),
        "StatusCode",
    ),
    "bad timestamp": (
        _broken(
            b"<edXML:Timestamp>2015/09/20 11:08:36</edXML:Timestamp>",
            b"<edXML:Timestamp>20/09/2015</edXML:Timestamp>",
        ),
        "ngày giờ",
    ),
    "impossible date": (
        _broken(
            b"<edXML:Timestamp>2015/09/20 11:08:36</edXML:Timestamp>",
            b"<edXML:Timestamp>2015/02/30 11:08:36</edXML:Timestamp>",
        ),
        "ngày giờ",
    ),
    "missing subject": (
        _broken(
            b"<edXML:Subject>",
            b"<edXML:Subjekt>",
            _broken(b"</edXML:Subject>", b"</edXML:Subjekt>", EDOC),
        ),
        "Subject",
    ),
    "missing to": (
        EDOC.replace(b"<edXML:To>", b"<edXML:Tu>", 1).replace(b"</edXML:To>", b"</edXML:Tu>", 1),
        "To",
    ),
    "bad business type": (
        _broken(b"<edXML:BussinessDocType>0<", b"<edXML:BussinessDocType>7<", EDOC),
        "BussinessDocType",
    ),
    "doctype entity bomb": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><edXML>&b;</edXML>',
        "DOCTYPE",
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML>&e;</edXML>',
        "DOCTYPE",
    ),
    "element where text expected": (
        _broken(
            b"<edXML:StatusCode>01</edXML:StatusCode>", b"<edXML:StatusCode><x/></edXML:StatusCode>"
        ),
        "văn bản",
    ),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_input_gets_a_precise_error(name):
    data, expected = MALFORMED[name]
    with pytest.raises(EdxmlError) as info:
        edxml.parse(data, strict=True)
    assert expected in info.value.message
    assert info.value.message.startswith("edXML không hợp lệ")


def test_errors_name_the_element_and_line():
    data = _broken(
        b"<edXML:StatusCode>01</edXML:StatusCode>", b"<edXML:StatusCode>99</edXML:StatusCode>"
    )
    with pytest.raises(EdxmlError) as info:
        edxml.parse(data)
    assert info.value.path == "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode"
    assert info.value.line == 28


def test_bad_base64_is_refused_in_strict_mode_with_its_line():
    data = EDOC.replace(b'QCVN_102_2016">UEsDBBQ', b'QCVN_102_2016">!!not-base64!!UEsDBBQ', 1)
    assert data != EDOC
    with pytest.raises(EdxmlError, match="base64") as info:
        edxml.parse(data, strict=True)
    assert info.value.line == 123


def test_huge_input_is_refused_before_parsing(settings):
    settings.EXCHANGE_EDXML_MAX_BYTES = 1000
    with pytest.raises(EdxmlError, match="vượt giới hạn"):
        edxml.parse(STATUS + b" " * 1000)


def test_every_truncation_point_gives_an_error_never_a_crash():
    for cut in range(0, len(STATUS), 37):
        try:
            edxml.parse(STATUS[:cut])
        except EdxmlError:
            continue


def test_non_bytes_input_is_an_error():
    with pytest.raises(EdxmlError):
        edxml.parse("text")  # type: ignore[arg-type]


# --- signatures ----------------------------------------------------------------------------------


def test_published_samples_report_sha1_or_namespace_honestly():
    for path in SAMPLE_FILES:
        report = edxml.verify(path.read_bytes())
        assert report.valid is False
        if path.name.startswith("status"):
            assert report.present is False
        elif path.name == "edoc.edxml":
            assert "SHA-1" in report.reason
        else:
            assert "namespace" in report.reason


def _signed(keys) -> bytes:
    doc = edxml.parse(EDOC)
    doc.signature = None
    return edxml.sign(edxml.build(doc), key_pem=keys.key_pem, cert_pem=keys.cert_pem)


def test_sign_then_verify_with_the_registered_certificate(exchange_keys):
    data = _signed(exchange_keys["a"])
    model = edxml.parse(data)
    assert model.signature.signature_method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert model.signature.namespace == edxml.DSIG
    report = edxml.verify(data, cert_pem=exchange_keys["a"].cert_pem)
    assert report.valid, report.reason
    # The signature sits inside edXMLHeader, as the standard places it.
    assert (
        b"</ds:Signature></edXML:edXMLHeader>" in data
        or b"</Signature></edXML:edXMLHeader>" in data
    )


def test_tampered_or_foreign_signatures_are_reported_not_raised(exchange_keys):
    data = _signed(exchange_keys["a"])
    tampered = data.replace("V/v kết nối".encode(), "V/v sửa đổi".encode(), 1)
    assert not edxml.verify(tampered, cert_pem=exchange_keys["a"].cert_pem).valid
    other = edxml.verify(data, cert_pem=exchange_keys["other"].cert_pem)
    assert not other.valid
    untrusted = edxml.verify(data)
    assert not untrusted.valid and "tin cậy" in untrusted.reason
    assert not edxml.verify(b"garbage").valid


def test_a_signed_message_still_round_trips(exchange_keys):
    data = _signed(exchange_keys["b"])
    model = edxml.parse(data, strict=True)
    assert edxml.parse(edxml.build(model)) == model
