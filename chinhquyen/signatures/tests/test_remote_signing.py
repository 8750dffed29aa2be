"""Remote signing through the simulated provider, a separate process (``testing/remote.py``):
the hash goes to the provider, the person confirms or refuses in its app, the server polls."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from chinhquyen.core.errors import Conflict, NotFound
from chinhquyen.signatures import pki, services
from chinhquyen.signatures.providers import ProviderUnavailable, provider_for
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.testing.fixtures import REMOTE_LEADER, REMOTE_SEAL
from chinhquyen.signatures.validation import validate_pdf


@pytest.fixture
def remote(sig_settings, remote_identity, remote_seal_identity, signing_simulator):
    """Both remote identities, signatures at B-T (the loopback TSA)."""
    sig_settings.SIGNATURES_DEFAULT_LEVEL = "B-T"
    return signing_simulator


def prepare(user, data, mode, identity, **kw):
    return services.document_prepare(user=user, data=data, mode=mode, identity=identity, **kw)


def test_personal_signature_then_seal_confirmed_in_the_app_validate(
    world, remote, remote_identity, remote_seal_identity, decision, box
):
    personal = prepare(world.leader_a, decision, "personal", remote_identity, box=box)
    provider = provider_for(remote_identity)
    assert provider.requires == "app_confirmation"

    req = provider.request([("kq-1", personal.digest)], description="Ký kết quả hồ sơ H26-0001")

    assert req.state == "pending" and not req.signatures and req.expires_at is not None
    assert provider.poll(req.transaction_id).state == "pending"
    page = requests.get(remote.app_url(REMOTE_LEADER), timeout=5).text
    assert "Ký kết quả hồ sơ H26-0001" in page and "1 tài liệu" in page
    assert "Xác nhận" in page and "Từ chối" in page
    remote.confirm(REMOTE_LEADER, req.transaction_id)
    done = provider.poll(req.transaction_id)
    assert done.state == "confirmed" and set(done.signatures) == {"kq-1"}
    signed = services.document_finish(
        user=world.leader_a, prepared=personal, signature_value=done.signatures["kq-1"]
    )

    seal = prepare(world.counter_a, signed.content, "agency", remote_seal_identity)
    seal_provider = provider_for(remote_seal_identity)
    req = seal_provider.request([("kq-1", seal.digest)], description="Đóng dấu kết quả")
    remote.confirm(REMOTE_SEAL, req.transaction_id)
    answer = seal_provider.poll(req.transaction_id)
    sealed = services.document_finish(
        user=world.counter_a, prepared=seal, signature_value=answer.signatures["kq-1"]
    )

    report = validate_pdf(sealed.content)
    assert report.indication == "TOTAL_PASSED", report.as_dict()
    assert report.decree30_ok, report.decree30
    assert [(s.kind, s.level) for s in report.signatures] == [
        ("personal", "B-T"),
        ("agency", "B-T"),
    ]
    assert report.signatures[0].signer.common_name == "Lãnh Đạo A"
    assert sealed.field_name == "ChuKyCoQuan1" and sealed.mode == "agency"


def test_a_batch_of_three_documents_is_one_transaction_confirmed_once(
    world, remote, remote_identity, decision, box
):
    docs = [samples.decision_pdf(name=f"Người Ký {i}") for i in range(3)]
    prepared = {
        f"hs-{i}": prepare(world.leader_a, d, "personal", remote_identity, box=box)
        for i, d in enumerate(docs)
    }
    provider = provider_for(remote_identity)

    req = provider.request(
        [(key, p.digest) for key, p in prepared.items()], description="Ký 3 kết quả"
    )

    (pending,) = remote.pending(REMOTE_LEADER)
    assert pending["transaction_id"] == req.transaction_id
    assert pending["documents"] == ["hs-0", "hs-1", "hs-2"]
    assert "3 tài liệu" in requests.get(remote.app_url(REMOTE_LEADER), timeout=5).text
    remote.confirm(REMOTE_LEADER, req.transaction_id)
    answer = provider.poll(req.transaction_id)
    assert answer.state == "confirmed" and set(answer.signatures) == set(prepared)
    for key, p in prepared.items():
        out = services.document_finish(
            user=world.leader_a, prepared=p, signature_value=answer.signatures[key]
        )
        report = validate_pdf(out.content)
        assert report.indication == "TOTAL_PASSED" and report.personal_valid, key
    assert remote.pending(REMOTE_LEADER) == []


def test_a_refusal_in_the_app_is_final_and_signs_nothing(world, remote, remote_identity, box):
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    provider = provider_for(remote_identity)
    req = provider.request([("kq", p.digest)], description="Ký kết quả")

    remote.refuse(REMOTE_LEADER, req.transaction_id)
    remote.confirm(REMOTE_LEADER, req.transaction_id)  # too late: the refusal stands

    answer = provider.poll(req.transaction_id)
    assert answer.state == "refused" and answer.is_final and answer.signatures == {}
    assert "từ chối" in answer.message
    assert "Đã từ chối" in requests.get(remote.app_url(REMOTE_LEADER), timeout=5).text


def test_a_request_nobody_confirms_expires(world, remote, remote_identity, box):
    remote.configure(lifetime=0.5)
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    provider = provider_for(remote_identity)
    req = provider.request([("kq", p.digest)], description="Ký kết quả")
    assert req.state == "pending"

    time.sleep(0.8)
    remote.confirm(REMOTE_LEADER, req.transaction_id)  # after the expiry: nothing happens

    answer = provider.poll(req.transaction_id)
    assert answer.state == "expired" and answer.signatures == {}
    assert "hết hạn" in answer.message


def test_wait_polls_until_the_provider_confirms_by_itself(world, remote, remote_identity, box):
    remote.configure(auto_confirm_after=0.3)
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    provider = provider_for(remote_identity)
    req = provider.request([("kq", p.digest)], description="Ký kết quả")

    answer = provider.wait(req.transaction_id, timeout=10, interval=0.1)

    assert answer.state == "confirmed"
    out = services.document_finish(
        user=world.leader_a, prepared=p, signature_value=answer.signatures["kq"]
    )
    assert validate_pdf(out.content).personal_valid


def test_the_provider_auto_refuses_when_told(world, remote, remote_identity, box):
    remote.configure(auto_refuse_after=0)
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    provider = provider_for(remote_identity)
    req = provider.request([("kq", p.digest)], description="Ký kết quả")
    assert provider.poll(req.transaction_id).state == "refused"


def test_a_signature_from_the_wrong_key_is_a_clear_error_not_a_broken_pdf(
    world, remote, remote_identity, box
):
    remote.configure(wrong_key=True, auto_confirm_after=0)
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    provider = provider_for(remote_identity)
    answer = provider.poll(provider.request([("kq", p.digest)], description="x").transaction_id)
    assert answer.state == "confirmed"

    with pytest.raises(Conflict) as exc:
        services.document_finish(
            user=world.leader_a, prepared=p, signature_value=answer.signatures["kq"]
        )
    assert exc.value.code == "signature_value_invalid"
    assert "chưa được ký" in exc.value.message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_provider_is_a_503_with_a_stable_code(
    world, remote, remote_identity, settings, box
):
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    settings.SIGNATURES_REMOTE_URL = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(ProviderUnavailable) as exc:
        provider_for(remote_identity).request([("kq", p.digest)], description="Ký")

    assert exc.value.code == "remote_signing_unavailable" and exc.value.status == 503
    assert "thử lại" in exc.value.message


def test_a_slow_provider_times_out(world, remote, remote_identity, settings, box):
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    remote.configure(delay=2)
    settings.SIGNATURES_REMOTE_TIMEOUT = 0.3

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as exc:
        provider_for(remote_identity).request([("kq", p.digest)], description="Ký")

    assert exc.value.code == "remote_signing_unavailable"
    assert time.monotonic() - started < 1.5


def test_a_wrong_client_secret_is_refused_by_the_provider(
    world, remote, remote_identity, settings, box
):
    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    settings.SIGNATURES_REMOTE_CLIENT_SECRET = "not-the-secret"

    with pytest.raises(ProviderUnavailable) as exc:
        provider_for(remote_identity).request([("kq", p.digest)], description="Ký")

    assert exc.value.code == "remote_signing_unauthorized" and exc.value.status == 503
    assert remote.pending(REMOTE_LEADER) == []


def test_no_provider_configured_is_a_clear_error(remote_identity, settings):
    settings.SIGNATURES_REMOTE_URL = ""
    with pytest.raises(ProviderUnavailable) as exc:
        provider_for(remote_identity).poll("abc")
    assert exc.value.code == "remote_signing_not_configured"


def test_an_unknown_transaction_is_404(remote_identity):
    with pytest.raises(NotFound) as exc:
        provider_for(remote_identity).poll("no-such-transaction")
    assert exc.value.code == "sign_transaction_not_found"


def test_registering_reads_the_certificate_from_the_provider(
    world, remote, remote_identity, signing_simulator
):
    assert remote_identity.storage == "remote"
    assert remote_identity.remote_user_id == REMOTE_LEADER
    assert remote_identity.remote_credential_id.startswith(REMOTE_LEADER)
    assert "CCCD:031090000011" in remote_identity.subject
    (root,) = pki.certs_from_pem(remote_identity.chain_pem)
    assert root.subject.rfc4514_string().startswith("CN=Chinhquyen Loopback Root CA")

    with pytest.raises(NotFound) as exc:
        services.identity_register_remote(
            remote_user_id="khong-co",
            label="khong-co",
            kind="personal",
            agency=world.agency_a,
            user=world.leader_a,
        )
    assert exc.value.code == "remote_user_not_found"


def test_a_remote_identity_cannot_sign_in_one_step(world, remote, remote_identity, decision, box):
    with pytest.raises(Conflict) as exc:
        services.document_sign(
            user=world.leader_a,
            data=decision,
            mode="personal",
            box=box,
            identity=remote_identity,
        )
    assert exc.value.code == "confirmation_required"


def test_only_the_person_who_prepared_finishes(world, remote, remote_identity, box):
    from chinhquyen.core.errors import PermissionDenied

    p = prepare(world.leader_a, samples.decision_pdf(), "personal", remote_identity, box=box)
    with pytest.raises(PermissionDenied):
        services.document_finish(user=world.handler_a, prepared=p, signature_value=b"x" * 256)


def test_pki_register_remote_command(world, remote, signing_simulator, tmp_path):
    from django.core.management import call_command

    from chinhquyen.signatures.models import SigningIdentity

    signing_simulator.enrol("chuyenvien-a", common_name="Chuyên Viên A", identifier="0310")
    image = tmp_path / "chu-ky.png"
    image.write_bytes(samples.blue_signature_png())

    call_command(
        "pki",
        "register-remote",
        "--remote-user",
        "chuyenvien-a",
        "--kind",
        "personal",
        "--agency",
        world.agency_a.agency_id,
        "--user",
        world.handler_a.username,
        "--label",
        "chuyenvien-a-smartca",
        "--image",
        str(image),
    )

    ident = SigningIdentity.objects.get(label="chuyenvien-a-smartca")
    assert ident.storage == "remote" and ident.user == world.handler_a
    assert ident.remote_user_id == "chuyenvien-a" and "Chuyên Viên A" in ident.subject
