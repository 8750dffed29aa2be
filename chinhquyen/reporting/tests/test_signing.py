"""Detached signatures over the canonical JSON of a report."""

from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.reporting import signing

REPORT = {"b": "2", "a": "Tỉnh", "values": [{"value": None, "indicator": "x"}]}
NOW = dt.datetime.now(dt.UTC)


def test_the_canonical_form_is_sorted_compact_utf8():
    assert signing.canonical(REPORT) == (
        '{"a":"Tỉnh","b":"2","values":[{"indicator":"x","value":null}]}'.encode()
    )


def test_a_good_signature_names_its_signer(pki):
    sig = signing.sign(REPORT, key_pem=pki.p1.key_pem, cert_pem=pki.p1.cert_pem)
    cert = signing.verify(REPORT, sig, agency_id="000.00.00.h26", at=NOW)
    assert "000.00.00.H26" in signing.signer_name(cert)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: {**s, "alg": "RSA-PSS"}, "thuật toán"),
        (lambda s: {**s, "value": "!!"}, "không đọc được"),
        (lambda s: {**s, "certificate": "rác"}, "không đọc được"),
    ],
)
def test_a_malformed_signature_block_is_refused(pki, change, reason):
    sig = change(signing.sign(REPORT, key_pem=pki.p1.key_pem, cert_pem=pki.p1.cert_pem))
    with pytest.raises(ValidationFailed) as err:
        signing.verify(REPORT, sig, agency_id="000.00.00.H26", at=NOW)
    assert err.value.code == "bad_signature" and reason in err.value.message


def test_an_expired_certificate_is_refused(pki):
    sig = signing.sign(REPORT, key_pem=pki.p1.key_pem, cert_pem=pki.p1.cert_pem)
    with pytest.raises(ValidationFailed) as err:
        signing.verify(REPORT, sig, agency_id="000.00.00.H26", at=NOW + dt.timedelta(days=20 * 365))
    assert "hết hạn" in err.value.message


def test_without_trust_roots_nothing_verifies(pki, settings):
    settings.REPORTING_TRUST_ROOTS = []
    sig = signing.sign(REPORT, key_pem=pki.p1.key_pem, cert_pem=pki.p1.cert_pem)
    with pytest.raises(ValidationFailed):
        signing.verify(REPORT, sig, agency_id="000.00.00.H26", at=NOW)


def test_trust_roots_may_be_files(pki, settings, tmp_path):
    (tmp_path / "root.pem").write_bytes(pki.root_pem)
    settings.REPORTING_TRUST_ROOTS = [str(tmp_path / "root.pem")]
    sig = signing.sign(REPORT, key_pem=pki.p1.key_pem, cert_pem=pki.p1.cert_pem)
    assert signing.verify(REPORT, sig, agency_id="000.00.00.H26", at=NOW)
