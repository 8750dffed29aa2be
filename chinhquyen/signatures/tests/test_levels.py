"""The PAdES level is what the file holds for the signature (``levels.py``), and B-LT signing
never writes a B-LT claim without revocation data."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko_certvalidator import ValidationContext

from chinhquyen.core.aio import run_sync
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.signatures import pki, signing
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf


def sign(signer, opts) -> bytes:
    return signing.sign_personal(
        samples.decision_pdf(),
        signer=signer,
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=samples.decision_box(),
        opts=opts,
    )


def only_level(data: bytes, vc) -> str:
    (sig,) = validate_pdf(data, validation_context=vc).signatures
    assert sig.indication == "TOTAL_PASSED", sig
    return sig.level


def with_empty_dss(data: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/DSS"] = generic.DictionaryObject(
        {generic.NameObject("/Certs"): generic.ArrayObject()}
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_empty_dss_added_after_a_bt_signature_does_not_make_it_blt(loopback_pki):
    vc = loopback_pki.validation_context()
    bt = sign(
        loopback_pki.signer("personal"),
        signing.SignOptions(level=signing.Level.B_T, tsa_url=loopback_pki.tsa_url),
    )
    assert only_level(bt, vc) == "B-T"
    forged = with_empty_dss(bt)
    assert b"/DSS" in forged[len(bt) :]
    assert only_level(forged, loopback_pki.validation_context()) == "B-T"


def test_a_real_blt_signature_is_blt_and_other_tools_accept_it(loopback_pki, tmp_path):
    blt = sign(
        loopback_pki.signer("personal"),
        signing.SignOptions(
            level=signing.Level.B_LT,
            tsa_url=loopback_pki.tsa_url,
            validation_context=loopback_pki.validation_context(),
        ),
    )
    assert only_level(blt, loopback_pki.validation_context()) == "B-LT"
    pdfsig = shutil.which("pdfsig")
    if pdfsig:  # poppler (scripts/bootstrap.sh installs it): the signature itself is sound
        path = tmp_path / "blt.pdf"
        path.write_bytes(blt)
        out = subprocess.run(  # noqa: S603 - fixed arguments
            [pdfsig, "-nocert", str(path)], capture_output=True, text=True, timeout=60
        ).stdout
        assert "Signature is Valid" in out, out


def _dev_ca_signer():
    """A development-CA certificate that names no CRL or OCSP service (``pki.cert_issue``)."""
    ca = pki.ca_create(common_name="Dev Root CA")
    issued = pki.cert_issue(
        ca=ca,
        subject=pki.subject_for(kind="personal", common_name="Người Thử", identifier="1"),
    )

    def der(obj) -> bytes:
        return obj.public_bytes(serialization.Encoding.DER)

    root = asn1_x509.Certificate.load(der(ca.cert))
    key = asn1_keys.PrivateKeyInfo.load(
        issued.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signing.signer_from(asn1_x509.Certificate.load(der(issued.cert)), key, [root]), root


def test_blt_signing_without_revocation_data_is_refused(loopback_pki):
    signer, root = _dev_ca_signer()
    opts = signing.SignOptions(
        level=signing.Level.B_LT,
        tsa_url=loopback_pki.tsa_url,
        validation_context=ValidationContext(
            trust_roots=[root, loopback_pki.root_cert],
            allow_fetching=True,
            revocation_mode="soft-fail",
        ),
    )
    with pytest.raises(ValidationFailed) as info:
        sign(signer, opts)
    assert info.value.code == "revocation_unavailable"
    assert "level" in info.value.fields


def test_a_dss_about_another_signer_does_not_make_a_signature_blt(loopback_pki):
    """The seal at B-LT fills the DSS with the agency's certificate and revocation data; the
    person's earlier B-T signature gains nothing from it and stays B-T."""
    personal = sign(
        loopback_pki.signer("personal"),
        signing.SignOptions(level=signing.Level.B_T, tsa_url=loopback_pki.tsa_url),
    )
    sealed = signing.sign_agency(
        personal,
        signer=loopback_pki.signer("agency"),
        seal_png=samples.red_seal_png(),
        personal_field=signing.PERSONAL_FIELD + "1",
        opts=signing.SignOptions(
            level=signing.Level.B_LT,
            tsa_url=loopback_pki.tsa_url,
            validation_context=loopback_pki.validation_context(),
        ),
    )
    report = validate_pdf(sealed, validation_context=loopback_pki.validation_context())
    assert [(s.kind, s.indication, s.level) for s in report.signatures] == [
        ("personal", "TOTAL_PASSED", "B-T"),
        ("agency", "TOTAL_PASSED", "B-LT"),
    ]


def test_signing_works_where_this_thread_already_runs_an_event_loop(loopback_pki):
    """pyHanko's sign_pdf and validate_pdf_signature are asyncio.run around their coroutines,
    which is refused inside a running loop (an ASGI server; Playwright's sync API earlier in the same test process made the four
    tests above fail in the full suite). Signing runs the coroutine on a loop of its own there."""
    vc = loopback_pki.validation_context()

    async def inside_a_loop() -> str:
        asyncio.get_running_loop()  # there is one
        signed = sign(
            loopback_pki.signer("personal"),
            signing.SignOptions(level=signing.Level.B_T, tsa_url=loopback_pki.tsa_url),
        )
        return only_level(signed, vc)  # validating, too

    # run_sync, not asyncio.run: in the full suite this thread may already run Playwright's loop.
    assert run_sync(inside_a_loop()) == "B-T"
