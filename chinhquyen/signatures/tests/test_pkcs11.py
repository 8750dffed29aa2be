"""Keys on a PKCS#11 token: a SoftHSM2 token in a temporary directory. Fails (never skips) when
SoftHSM2 is missing: it is a Debian package the project depends on for this test."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from chinhquyen.core.errors import Conflict
from chinhquyen.signatures import services
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.validation import validate_pdf

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "cq-test-token"
PIN = "123456"


@pytest.fixture(scope="module")
def softhsm_token(tmp_path_factory, loopback_pki):
    util = shutil.which("softhsm2-util")
    assert util and os.path.exists(MODULE), "SoftHSM2 (Debian package softhsm2) is required"
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n")
    key = base / "seal.key.pem"
    key.write_bytes(loopback_pki.identity("agency").key_pem)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
        run = {"env": env, "check": True, "capture_output": True, "timeout": 60}
        subprocess.run(  # noqa: S603
            [util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "654321"],
            **run,
        )
        subprocess.run(  # noqa: S603
            [
                util,
                "--import",
                str(key),
                "--token",
                TOKEN,
                "--label",
                "seal-a",
                "--id",
                "01",
                "--pin",
                PIN,
            ],
            **run,
        )
        _store_certificate(loopback_pki.identity("agency").cert)
        yield conf


def _store_certificate(cert) -> None:
    """Put the certificate on the token beside its key, as a CA's token would have it."""
    import pkcs11
    from pyhanko.sign.pkcs11 import p11_lib

    session = p11_lib(MODULE).get_token(token_label=TOKEN).open(rw=True, user_pin=PIN)
    try:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: "seal-a",
                pkcs11.Attribute.ID: b"\x01",
                pkcs11.Attribute.SUBJECT: cert.subject.dump(),
                pkcs11.Attribute.ISSUER: cert.issuer.dump(),
                pkcs11.Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
                pkcs11.Attribute.VALUE: cert.dump(),
            }
        )
    finally:
        session.close()


@pytest.fixture
def token_identity(world, softhsm_token, sig_settings, trusted_loopback, loopback_pki):
    sig_settings.SIGNATURES_PKCS11_PIN = PIN
    return services.identity_register_pkcs11(
        module=MODULE,
        token=TOKEN,
        key_label="seal-a",
        chain_pem=loopback_pki.root_cert_pem.decode(),
        label="seal-a-token",
        kind="agency",
        agency=world.agency_a,
        image_png=samples.red_seal_png(),
    )


def test_agency_seals_with_a_key_on_a_softhsm_token(
    world, identities, token_identity, decision, box
):
    assert token_identity.storage == "pkcs11"
    assert "MST:0100000001" in token_identity.subject  # read from the token
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content

    sealed = services.document_sign(
        user=world.counter_a, data=personal, mode="agency", identity=token_identity, level="B-T"
    ).content

    report = validate_pdf(sealed)
    assert report.decree30_ok, report.as_dict()
    assert report.signatures[1].kind == "agency" and report.signatures[1].passed
    assert report.signatures[1].level == "B-T"


def test_a_wrong_configured_pin_is_a_clear_error(
    world, identities, token_identity, sig_settings, decision
):
    sig_settings.SIGNATURES_PKCS11_PIN = "000000"
    with pytest.raises(Conflict) as exc:
        services.document_sign(
            user=world.counter_a, data=decision, mode="copy", identity=token_identity
        )
    assert exc.value.code == "pin_incorrect"
    assert "quản trị viên" in exc.value.message
    # in one step too, the PIN the person gives overrides the configured one
    signed = services.document_sign(
        user=world.counter_a, data=decision, mode="copy", identity=token_identity, pin=PIN
    )
    assert validate_pdf(signed.content).agency_valid


def test_a_token_signs_digests_with_the_pin_the_person_gives(
    world, identities, token_identity, sig_settings, decision, box
):
    from chinhquyen.signatures.providers import provider_for

    sig_settings.SIGNATURES_PKCS11_PIN = "000000"  # wrong: the person's PIN overrides it
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    seal = services.document_prepare(
        user=world.counter_a, data=personal, mode="agency", identity=token_identity
    )
    provider = provider_for(token_identity)

    req = provider.request([("kq", seal.digest)], description="Đóng dấu", pin=PIN)

    assert req.state == "confirmed"
    sealed = services.document_finish(
        user=world.counter_a, prepared=seal, signature_value=req.signatures["kq"]
    )
    report = validate_pdf(sealed.content)
    assert report.indication == "TOTAL_PASSED" and report.decree30_ok, report.as_dict()


def test_a_wrong_pin_from_the_person_is_422_on_the_pin(world, token_identity, sig_settings):
    from chinhquyen.core.errors import ValidationFailed
    from chinhquyen.signatures.providers import provider_for

    with pytest.raises(ValidationFailed) as exc:
        provider_for(token_identity).request([("kq", b"\x01" * 32)], description="x", pin="9999")

    assert exc.value.code == "pin_incorrect" and exc.value.status == 422
    assert exc.value.fields["pin"] == ["Mã PIN không đúng; hãy nhập lại."]


def test_what_a_token_requires_of_the_person(world, token_identity, sig_settings):
    from chinhquyen.core.errors import ValidationFailed
    from chinhquyen.signatures.providers import provider_for

    seal = provider_for(token_identity)
    assert seal.requires == "none"  # the agency's HSM, its PIN configured on the server
    sig_settings.SIGNATURES_PKCS11_PIN = ""
    assert seal.requires == "pin"
    with pytest.raises(ValidationFailed) as exc:
        seal.request([("kq", b"\x01" * 32)], description="x")
    assert exc.value.code == "pin_required" and "pin" in exc.value.fields
    token_identity.kind = "personal"  # a person's own token always asks for their PIN
    sig_settings.SIGNATURES_PKCS11_PIN = PIN
    assert provider_for(token_identity).requires == "pin"


def test_the_seal_on_a_token_asks_the_seal_holder_for_its_pin_in_the_workspace(
    world, identities, token_identity, sig_settings
):
    """A token whose PIN the server does not hold: the dossier page asks for it, a missing or
    wrong PIN changes nothing, the right one seals and issues the result."""
    from django.test import Client

    from chinhquyen.core.errors import ValidationFailed
    from chinhquyen.dossiers.models import Dossier
    from chinhquyen.dossiers.services import dossier_act, dossier_file_add, dossier_submit
    from chinhquyen.signatures.batches import signing_batch_start
    from conftest import VALID_FORM

    world.procedure.electronic_result = True
    world.procedure.save()
    sig_settings.SIGNATURES_PKCS11_PIN = ""
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    dossier_file_add(
        user=world.handler_a,
        code=d.code,
        document_code="result",
        name="kq.pdf",
        content=samples.decision_pdf(),
    )
    dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
    signing_batch_start(user=world.leader_a, codes=[d.code], purpose="approve")

    client = Client()
    client.force_login(world.counter_a)
    html = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert 'id="seal-pin"' in html and "Nhập mã PIN" in html
    for pin, code in ((None, "pin_required"), ("9999", "pin_incorrect")):
        with pytest.raises(ValidationFailed) as exc:
            signing_batch_start(user=world.counter_a, codes=[d.code], purpose="seal", pin=pin)
        assert exc.value.code == code
        assert Dossier.objects.get(pk=d.pk).state == "approved"
    batch = signing_batch_start(user=world.counter_a, codes=[d.code], purpose="seal", pin=PIN)
    assert batch.items.get().state == "done"
    assert Dossier.objects.get(pk=d.pk).state == "done"
