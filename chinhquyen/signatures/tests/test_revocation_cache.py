"""Revocation data is cached for its validity and the trust roots per trust configuration
(``trust.py``): requests are counted at the loopback CRL/OCSP responder, a real server process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import pem
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyen.signatures import services, signing, trust
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.testing.loopback import LoopbackPKI
from chinhquyen.signatures.validation import validate_pdf


def personal_signed(pki_, label="personal") -> bytes:
    return signing.sign_personal(
        samples.decision_pdf(),
        signer=pki_.signer(label),
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=samples.decision_box(),
    )


@pytest.fixture
def checking(trusted_loopback, settings):
    """Revocation checking on (hard-fail: no answer, no pass), the process cache empty."""
    settings.SIGNATURES_ALLOW_FETCHING = True
    settings.SIGNATURES_REVOCATION_MODE = "hard-fail"
    trust.revocation_cache().clear()
    yield settings
    trust.revocation_cache().clear()


def fetches(pki_) -> int:
    counts = pki_.request_counts()
    return counts["ocsp"] + counts["crl"]


def test_the_second_validation_through_the_api_does_not_hit_the_responders(
    checking, loopback_pki, client
):
    data = personal_signed(loopback_pki)
    before = fetches(loopback_pki)

    def post():
        response = client.post(
            "/api/v1/signatures/validate",
            {"file": SimpleUploadedFile("quyet-dinh.pdf", data, "application/pdf")},
        )
        assert response.status_code == 200, response.content
        return response.json()

    assert post()["indication"] == "TOTAL_PASSED"
    after_first = fetches(loopback_pki)
    assert after_first > before  # the first validation asked the responder
    assert post()["indication"] == "TOTAL_PASSED"
    assert fetches(loopback_pki) == after_first  # the second was answered from the cache


def test_an_expired_entry_is_refetched(checking, loopback_pki):
    now = [datetime.now(tz=UTC)]
    cache = trust.RevocationCache(clock=lambda: now[0])
    data = personal_signed(loopback_pki)

    def validate():
        vc = trust.validation_context(cache=cache)
        assert validate_pdf(data, validation_context=vc).indication == "TOTAL_PASSED"
        return loopback_pki.request_counts()

    first = validate()
    assert validate() == first  # cached
    assert cache.hits >= 1
    # OCSP answers of the loopback responder are valid ten minutes (nextUpdate)
    now[0] += timedelta(minutes=9)
    assert validate() == first  # still valid: still cached
    now[0] += timedelta(minutes=2)
    assert validate()["ocsp"] > first["ocsp"]  # expired: asked again


@pytest.mark.django_db
def test_a_revocation_published_after_the_cached_answers_expire_is_seen(sig_settings, tmp_path):
    sig_settings.SIGNATURES_ALLOW_FETCHING = True
    sig_settings.SIGNATURES_REVOCATION_MODE = "hard-fail"
    revoked_at = datetime.now(tz=UTC).replace(microsecond=0) + timedelta(seconds=12)
    cache = trust.RevocationCache()
    with LoopbackPKI(
        workdir=tmp_path / "pki",
        ocsp_validity_seconds=2,
        crl_period="PT2S",
        revocations={"personal_b": revoked_at.strftime("%Y-%m-%dT%H:%M:%S+0000")},
    ) as pki_:
        services.ca_trust(name="Short-lived", certificate_pem=pki_.root_cert_pem.decode())
        data = personal_signed(pki_, "personal_b")
        vc = trust.validation_context(cache=cache)
        assert validate_pdf(data, validation_context=vc).indication == "TOTAL_PASSED"
        assert len(cache) >= 1
        # wait until the certificate is revoked and every cached answer has expired
        time.sleep(max(0.0, (revoked_at - datetime.now(tz=UTC)).total_seconds()) + 2.5)
        report = validate_pdf(data, validation_context=trust.validation_context(cache=cache))
    (sig,) = report.signatures
    assert sig.sub_indication and sig.sub_indication.startswith("REVOKED"), sig


def test_the_cache_is_bounded_and_drops_the_least_recently_used():
    cache = trust.RevocationCache(max_entries=2)
    later = datetime.now(tz=UTC) + timedelta(hours=1)
    cache.put("a", 1, later)
    cache.put("b", 2, later)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3, later)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") == 1 and cache.get("c") == 3
    cache.put("no-next-update", 4, None)  # an answer without nextUpdate is never cached
    cache.put("stale", 5, datetime.now(tz=UTC) - timedelta(seconds=1))
    assert cache.get("no-next-update") is None and cache.get("stale") is None


def test_the_trust_configuration_key_follows_the_trusted_roots(checking, loopback_pki):
    key1, roots1 = trust.trust_configuration()
    assert [r.dump() for r in roots1] == [loopback_pki.root_cert.dump()]
    assert trust.trust_configuration()[1] is roots1  # parsed once
    checking.SIGNATURES_REVOCATION_MODE = "soft-fail"
    assert trust.trust_configuration()[0] != key1
    checking.SIGNATURES_REVOCATION_MODE = "hard-fail"
    tsa_pem = pem.armor("CERTIFICATE", loopback_pki.tsa_cert.dump()).decode()
    ca = services.ca_trust(name="Another", certificate_pem=tsa_pem)
    key2, roots2 = trust.trust_configuration()
    assert key2 != key1 and len(roots2) == 2
    ca.is_trusted = False
    ca.save(update_fields=["is_trusted"])
    assert trust.trust_configuration()[0] == key1
