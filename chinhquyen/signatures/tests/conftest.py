"""Signature test fixtures: settings pointing at the loopback PKI, identities imported through the
real services (PKCS#12, as a Vietnamese CA would deliver them), sample documents."""

from __future__ import annotations

import shutil
import subprocess
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from chinhquyen.signatures import services
from chinhquyen.signatures.testing import samples

P12_PASSWORD = "p12-pass"  # noqa: S105 - test data


def p12_of(ident, root_pem: bytes, password: str = P12_PASSWORD) -> bytes:
    key = serialization.load_pem_private_key(ident.key_pem, None)
    cert = x509.load_pem_x509_certificate(ident.cert_pem)
    root = x509.load_pem_x509_certificate(root_pem)
    return pkcs12.serialize_key_and_certificates(
        b"id",
        key,
        cert,
        [root],
        serialization.BestAvailableEncryption(password.encode()),
    )


@pytest.fixture
def sig_settings(settings, tmp_path, loopback_pki):
    settings.SIGNATURES_KEY_DIR = str(tmp_path / "keys")
    settings.SIGNATURES_KEY_PASSPHRASE = "khoa-thu-nghiem"
    settings.SIGNATURES_TSA_URL = loopback_pki.tsa_url
    settings.SIGNATURES_DEFAULT_LEVEL = "B-B"
    settings.SIGNATURES_TRUST_ROOTS = []
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def trusted_loopback(db, sig_settings, loopback_pki):
    return services.ca_trust(
        name="Loopback Root", certificate_pem=loopback_pki.root_cert_pem.decode()
    )


def import_identity(pki, label, *, kind, agency, user=None, image=b"", as_label=None):
    return services.identity_import_p12(
        data=p12_of(pki.identity(label), pki.root_cert_pem),
        password=P12_PASSWORD,
        label=as_label or label.replace("_", "-"),
        kind=kind,
        agency=agency,
        user=user,
        image_png=image,
    )


@pytest.fixture
def identities(world, trusted_loopback, loopback_pki):
    """Leader A signs personally, agency A's seal, and agency B's seal."""
    return SimpleNamespace(
        personal=import_identity(
            loopback_pki,
            "personal",
            kind="personal",
            agency=world.agency_a,
            user=world.leader_a,
            image=samples.blue_signature_png(),
        ),
        agency=import_identity(
            loopback_pki,
            "agency",
            kind="agency",
            agency=world.agency_a,
            image=samples.red_seal_png(),
        ),
        agency_b=import_identity(
            loopback_pki,
            "agency_b",
            kind="agency",
            agency=world.agency_b,
            image=samples.red_seal_png(),
        ),
    )


@pytest.fixture
def decision():
    return samples.decision_pdf()


@pytest.fixture
def box():
    return samples.decision_box().as_tuple()


def poppler(tool: str, data: bytes, *args: str) -> str:
    """Run a poppler tool on the PDF bytes (through a temporary file) and return its output."""
    import tempfile

    exe = shutil.which(tool)
    assert exe, f"{tool} (poppler-utils) is required"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        cmd = [exe, *args, fh.name] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(  # noqa: S603
            cmd, capture_output=True, check=True, timeout=30
        ).stdout.decode()
