"""Two-phase signing with keys the server holds (key files): the uniform "sign these digests"
interface, the prepared state as JSON, the levels, and the refusals."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from chinhquyen.core.errors import Conflict, NotFound, ValidationFailed
from chinhquyen.signatures import services, twophase
from chinhquyen.signatures.providers import provider_for
from chinhquyen.signatures.validation import validate_pdf


def sign_with(identity, prepared, *, pin=None) -> bytes:
    req = provider_for(identity).request([("doc", prepared.digest)], description="Ký", pin=pin)
    assert req.state == "confirmed"
    return req.signatures["doc"]


def test_a_key_file_signs_digests_at_once_through_request(identities):
    provider = provider_for(identities.personal)
    digests = [(f"d{i}", bytes([i]) * 32) for i in range(3)]

    req = provider.request(digests, description="Ba tài liệu")

    assert provider.requires == "none"
    assert req.state == "confirmed" and req.is_final and set(req.signatures) == {"d0", "d1", "d2"}
    public = x509.load_pem_x509_certificate(identities.personal.certificate_pem.encode())
    for item_id, digest in digests:  # RSA PKCS#1 v1.5 over the SHA-256 digest itself
        public.public_key().verify(
            req.signatures[item_id],
            digest,
            padding.PKCS1v15(),
            utils.Prehashed(hashes.SHA256()),
        )
    with pytest.raises(NotFound) as exc:
        provider.poll(req.transaction_id)  # nothing is ever pending with a key file
    assert exc.value.code == "sign_transaction_not_found"


@pytest.mark.parametrize(
    "items",
    [[], [("a", b"1" * 32), ("a", b"2" * 32)], [("a", b"short")], [("", b"1" * 32)]],
)
def test_a_bad_batch_is_refused_before_any_key_is_used(identities, items):
    with pytest.raises(ValidationFailed) as exc:
        provider_for(identities.personal).request(items, description="x")
    assert exc.value.fields["items"]


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT"])
def test_prepare_then_finish_gives_the_decree30_format_at_each_level(
    world, identities, decision, box, level
):
    personal = services.document_prepare(
        user=world.leader_a, data=decision, mode="personal", level=level, box=box
    )
    # the state survives a round trip through JSON, as between two web requests
    personal = twophase.PreparedSignature.from_json(personal.to_json())
    signed = services.document_finish(
        user=world.leader_a,
        prepared=personal,
        signature_value=sign_with(identities.personal, personal),
    )
    seal = services.document_prepare(
        user=world.counter_a, data=signed.content, mode="agency", level=level
    )
    sealed = services.document_finish(
        user=world.counter_a, prepared=seal, signature_value=sign_with(identities.agency, seal)
    )

    report = validate_pdf(sealed.content)
    assert report.indication == "TOTAL_PASSED", report.as_dict()
    assert report.decree30_ok and [s.level for s in report.signatures] == [level, level]
    assert [s.field for s in report.signatures] == ["ChuKyCaNhan1", "ChuKyCoQuan1"]


def test_two_phase_signature_looks_like_the_one_step_signature(world, identities, decision, box):
    one_step = services.document_sign(user=world.leader_a, data=decision, mode="personal", box=box)
    prepared = services.document_prepare(
        user=world.leader_a, data=decision, mode="personal", box=box
    )
    two_step = services.document_finish(
        user=world.leader_a,
        prepared=prepared,
        signature_value=sign_with(identities.personal, prepared),
    )
    a, b = validate_pdf(one_step.content), validate_pdf(two_step.content)
    assert a.signatures[0].rect == b.signatures[0].rect
    assert a.signatures[0].field == b.signatures[0].field and b.signatures[0].has_image


def test_the_digest_is_sha256_of_the_signed_attributes(world, identities, decision, box):
    import hashlib

    prepared = services.document_prepare(
        user=world.leader_a, data=decision, mode="personal", box=box
    )
    assert prepared.digest == hashlib.sha256(prepared.signed_attrs).digest()
    assert prepared.digest_algorithm == "sha256" and prepared.signature_algorithm == "sha256_rsa"
    assert prepared.context == {
        "identity": identities.personal.label,
        "mode": "personal",
        "user": world.leader_a.pk,
    }


def test_a_tampered_prepared_state_is_refused(world, identities, decision, box):
    state = services.document_prepare(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).to_json()
    bad = {**state, "digest": state["document_digest"]}
    with pytest.raises(ValidationFailed) as exc:
        twophase.PreparedSignature.from_json(bad)
    assert exc.value.code == "prepared_invalid"
    with pytest.raises(ValidationFailed):
        twophase.PreparedSignature.from_json({"version": 1})


def test_a_signature_value_of_another_document_is_refused(world, identities, decision, box):
    first = services.document_prepare(user=world.leader_a, data=decision, mode="personal", box=box)
    second = services.document_prepare(
        user=world.leader_a, data=decision, mode="personal", box=box, reason="khác"
    )
    with pytest.raises(Conflict) as exc:
        services.document_finish(
            user=world.leader_a,
            prepared=first,
            signature_value=sign_with(identities.personal, second),
        )
    assert exc.value.code == "signature_value_invalid"


def test_the_copy_stamp_is_not_signed_in_two_phases(world, identities, decision):
    with pytest.raises(ValidationFailed) as exc:
        services.document_prepare(user=world.counter_a, data=decision, mode="copy")
    assert "mode" in exc.value.fields
