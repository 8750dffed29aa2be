"""Validation reports: good and bad signatures, ours and other tools', and the Decree 30 verdict."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.signatures import pki, services, signing
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf


def personal_signed(pki_, decision, box, label="personal", **kw):
    return signing.sign_personal(
        decision,
        signer=pki_.signer(label),
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=box,
        **kw,
    )


@pytest.fixture
def signed(trusted_loopback, loopback_pki, decision, box):
    return personal_signed(loopback_pki, decision, box)


def only(report):
    (sig,) = report.signatures
    return sig


def test_a_good_signature_passes_and_covers_the_whole_file(signed):
    report = validate_pdf(signed)
    sig = only(report)
    assert (sig.indication, sig.sub_indication) == ("TOTAL_PASSED", None)
    assert sig.covers_whole_file and sig.coverage == "ENTIRE_FILE"
    assert not sig.modified_after_signing
    assert sig.kind == "personal" and sig.signer.identifier == "CCCD:031090000001"
    assert sig.signing_time.endswith("+07:00")
    assert report.personal_valid and not report.agency_valid
    assert not report.decree30_ok  # the agency has not signed yet
    failed = {c["code"] for c in report.decree30.checks if not c["ok"]}
    assert failed == {"agency_signature"}


def test_tampered_bytes_are_a_hash_failure(signed):
    marker = b"ReportLab Generated PDF document"
    assert marker in signed
    tampered = signed.replace(marker, marker.upper(), 1)

    sig = only(validate_pdf(tampered))
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_content_added_after_signing_is_caught(signed):
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Da sua) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)

    sig = only(validate_pdf(out.getvalue()))
    assert sig.indication == "TOTAL_FAILED"
    assert sig.sub_indication == "SIG_CONSTRAINTS_FAILURE"
    assert sig.modified_after_signing and not sig.covers_whole_file


def test_bytes_appended_after_signing_are_not_covered(signed):
    appended = signed + b"\n1 0 obj\n(ghi them)\nendobj\n"

    sig = only(validate_pdf(appended))
    assert not sig.covers_whole_file and sig.modified_after_signing
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "SIG_CONSTRAINTS_FAILURE")


def test_a_trailing_newline_is_not_a_modification(signed):
    sig = only(validate_pdf(signed + b"\n"))
    assert sig.indication == "TOTAL_PASSED"


def test_a_revoked_certificate_is_reported(trusted_loopback, loopback_pki, decision, box):
    bb = only(validate_pdf(personal_signed(loopback_pki, decision, box, label="revoked")))
    assert (bb.indication, bb.sub_indication) == ("INDETERMINATE", "REVOKED_NO_POE")

    opts = signing.SignOptions(level=signing.Level.B_T, tsa_url=loopback_pki.tsa_url)
    bt = only(validate_pdf(personal_signed(loopback_pki, decision, box, "revoked", opts=opts)))
    # the timestamp proves the signature came after the revocation
    assert (bt.indication, bt.sub_indication) == ("TOTAL_FAILED", "REVOKED")


def test_an_expired_certificate_is_reported(trusted_loopback, loopback_pki, decision, box):
    bb = only(validate_pdf(personal_signed(loopback_pki, decision, box, label="expired")))
    assert (bb.indication, bb.sub_indication) == ("INDETERMINATE", "EXPIRED")

    opts = signing.SignOptions(level=signing.Level.B_T, tsa_url=loopback_pki.tsa_url)
    bt = only(validate_pdf(personal_signed(loopback_pki, decision, box, "expired", opts=opts)))
    assert (bt.indication, bt.sub_indication) == ("TOTAL_FAILED", "EXPIRED")


def _foreign_signer():
    """A signer whose root nobody trusts."""
    ca = pki.ca_create(common_name="Unknown Root")
    issued = pki.cert_issue(
        ca=ca,
        subject=pki.subject_for(
            kind="personal", common_name="Nguyễn Lạ", identifier="CCCD:001001001001"
        ),
    )
    der = issued.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return issued, SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            issued.cert.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([]),
    )


def test_an_unknown_root_has_no_certificate_chain(trusted_loopback, decision, box):
    _, signer = _foreign_signer()
    out = signing.sign_personal(
        decision, signer=signer, image_png=samples.blue_signature_png(), page_ix=0, box=box
    )

    sig = only(validate_pdf(out))
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert sig.chain == [] and sig.signer.common_name == "Nguyễn Lạ"


def test_a_pdf_signed_by_the_pyhanko_cli_is_validated(
    trusted_loopback, loopback_pki, decision, tmp_path
):
    ident = loopback_pki.identity("agency")
    (tmp_path / "in.pdf").write_bytes(decision)
    (tmp_path / "key.pem").write_bytes(ident.key_pem)
    (tmp_path / "cert.pem").write_bytes(ident.cert_pem)
    (tmp_path / "root.pem").write_bytes(loopback_pki.root_cert_pem)
    cli = Path(sys.executable).with_name("pyhanko")
    subprocess.run(  # noqa: S603
        [
            str(cli),
            "sign",
            "addsig",
            "--field",
            "CliSig",
            "--use-pades",
            "--timestamp-url",
            loopback_pki.tsa_url,
            "pemder",
            "--key",
            "key.pem",
            "--cert",
            "cert.pem",
            "--chain",
            "root.pem",
            "--no-pass",
            "in.pdf",
            "out.pdf",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )

    report = validate_pdf((tmp_path / "out.pdf").read_bytes())
    sig = only(report)
    assert sig.field == "CliSig"
    assert (sig.indication, sig.kind, sig.level) == ("TOTAL_PASSED", "agency", "B-T")
    assert sig.covers_whole_file and not sig.has_image
    # an invisible agency signature is not at the top right of page 1: no Decree 30 copy format
    assert not report.decree30_ok


def test_misplaced_seal_fails_the_decree30_placement_check(
    trusted_loopback, loopback_pki, decision, box
):
    personal = personal_signed(loopback_pki, decision, box)
    # the seal far to the right of the signature instead of over its left third
    far = signing.Box(500, 100, 580, 180)
    out = signing._sign(
        personal,
        signer=loopback_pki.signer("agency"),
        opts=signing.SignOptions(),
        field_name="ChuKyCoQuan1",
        page_ix=0,
        box=far,
        style=signing._image_style(signing._pdf_image(samples.red_seal_png())),
    )

    report = validate_pdf(out)
    assert report.personal_valid and report.agency_valid
    assert not report.decree30_ok
    failed = {c["code"] for c in report.decree30.checks if not c["ok"]}
    assert failed == {"seal_placement"}


def test_agency_before_person_fails_the_order_check(trusted_loopback, loopback_pki, decision, box):
    seal_first = signing._sign(
        decision,
        signer=loopback_pki.signer("agency"),
        opts=signing.SignOptions(),
        field_name="ChuKyCoQuan1",
        page_ix=0,
        box=signing.Box(290, 200, 400, 310),
        style=signing._image_style(signing._pdf_image(samples.red_seal_png())),
    )
    out = personal_signed(loopback_pki, seal_first, box)

    report = validate_pdf(out)
    assert report.personal_valid and report.agency_valid and not report.decree30_ok
    assert {c["code"] for c in report.decree30.checks if not c["ok"]} == {"order"}


def test_a_pdf_without_signatures_is_indeterminate(trusted_loopback, decision):
    report = validate_pdf(decision)
    assert report.signatures == [] and report.indication == "INDETERMINATE"
    assert not report.decree30_ok


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, not a pdf", b"%PDF-1.7\n garbage without structure", b"\x89PNG\r\n\x1a\n"],
)
def test_unreadable_files_are_a_clear_error_on_the_file_field(trusted_loopback, data):
    with pytest.raises(ValidationFailed) as exc:
        validate_pdf(data)
    assert exc.value.fields["file"]


def test_a_truncated_signed_pdf_is_a_clear_error(signed):
    with pytest.raises(ValidationFailed) as exc:
        validate_pdf(signed[: len(signed) // 2])
    assert exc.value.fields["file"]


def test_services_refuse_to_sign_a_non_pdf(world, identities):
    with pytest.raises(ValidationFailed) as exc:
        services.document_sign(user=world.leader_a, data=b"not a pdf", mode="personal")
    assert exc.value.fields["file"]


def _content_added(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Da sua) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("label", "trust_problem"),
    [("revoked", "REVOKED_NO_POE"), ("expired", "EXPIRED"), (None, "NO_CERTIFICATE_CHAIN_FOUND")],
)
def test_a_changed_document_shows_the_change_and_the_certificate_problem(
    trusted_loopback, loopback_pki, decision, box, label, trust_problem
):
    if label is None:
        _, signer = _foreign_signer()
        signed = signing.sign_personal(
            decision, signer=signer, image_png=samples.blue_signature_png(), page_ix=0, box=box
        )
    else:
        signed = personal_signed(loopback_pki, decision, box, label=label)

    sig = only(validate_pdf(_content_added(signed)))
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "SIG_CONSTRAINTS_FAILURE")
    assert sig.problems == ["SIG_CONSTRAINTS_FAILURE", trust_problem]
    assert sig.modified_after_signing
    assert "sau khi ký" in sig.message and "Chứng thư" in sig.message


def test_tampered_bytes_of_an_untrusted_signer_show_both(trusted_loopback, decision, box):
    _, signer = _foreign_signer()
    signed = signing.sign_personal(
        decision, signer=signer, image_png=samples.blue_signature_png(), page_ix=0, box=box
    )
    marker = b"ReportLab Generated PDF document"
    sig = only(validate_pdf(signed.replace(marker, marker.upper(), 1)))
    assert sig.problems == ["HASH_FAILURE", "NO_CERTIFICATE_CHAIN_FOUND"]
