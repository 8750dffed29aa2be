"""The loopback PKI itself: a separate process serving CRL, OCSP and RFC 3161 on 127.0.0.1."""

from __future__ import annotations

import os
import urllib.request

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.sign import timestamps

from chinhquyen.core.aio import run_sync
from chinhquyen.signatures.testing.loopback import LoopbackPKI


def test_services_run_in_another_process_on_loopback(loopback_pki):
    assert loopback_pki.base_url.startswith("http://127.0.0.1:")
    assert loopback_pki._proc.pid != os.getpid() and loopback_pki._proc.poll() is None


def test_the_crl_lists_the_revoked_certificate(loopback_pki):
    with urllib.request.urlopen(loopback_pki.crl_url, timeout=5) as resp:  # noqa: S310
        crl = asn1_crl.CertificateList.load(resp.read())
    revoked = {r["user_certificate"].native for r in crl["tbs_cert_list"]["revoked_certificates"]}
    assert revoked == {loopback_pki.identity("revoked").cert.serial_number}


def _ocsp_status(pki, label: str) -> str:
    cert, issuer = pki.identity(label).cert, pki.root_cert
    req = asn1_ocsp.OCSPRequest(
        {
            "tbs_request": {
                "request_list": [
                    {
                        "req_cert": {
                            "hash_algorithm": {"algorithm": "sha1"},
                            "issuer_name_hash": cert.issuer.sha1,
                            "issuer_key_hash": issuer.public_key.sha1,
                            "serial_number": cert.serial_number,
                        }
                    }
                ]
            }
        }
    )
    http = urllib.request.Request(  # noqa: S310
        pki.ocsp_url,
        data=req.dump(),
        headers={"Content-Type": "application/ocsp-request"},
    )
    with urllib.request.urlopen(http, timeout=5) as resp:  # noqa: S310
        answer = asn1_ocsp.OCSPResponse.load(resp.read())
    return answer.response_data["responses"][0]["cert_status"].name


def test_ocsp_answers_good_and_revoked(loopback_pki):
    assert _ocsp_status(loopback_pki, "personal") == "good"
    assert _ocsp_status(loopback_pki, "revoked") == "revoked"


def test_the_tsa_issues_timestamp_tokens(loopback_pki):
    stamper = timestamps.HTTPTimeStamper(loopback_pki.tsa_url)
    token = run_sync(stamper.async_timestamp(b"\x00" * 32, "sha256"))
    assert token["content_type"].native == "signed_data"


def test_a_second_instance_starts_and_stops_cleanly(tmp_path):
    pki = LoopbackPKI(workdir=tmp_path)
    with pki:
        proc = pki._proc
        assert pki.identity("agency").cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert proc.poll() is not None
