"""A real PKI on loopback for tests: root CA, CRL distribution, OCSP responder, RFC 3161 TSA.

Usage::

    from chinhquyen.signatures.testing.loopback import LoopbackPKI

    with LoopbackPKI() as pki:
        pki.root_cert          # asn1crypto.x509.Certificate of the root CA
        pki.root_cert_pem      # the same, PEM bytes
        pki.root_key_pem       # its key (unencrypted PKCS#8 PEM bytes)
        pki.tsa_url            # RFC 3161 time-stamping endpoint (POST)
        pki.ocsp_url           # OCSP responder for certificates issued by the root (POST)
        pki.crl_url            # latest CRL of the root (GET, DER)
        ident = pki.identity("agency")   # see IDENTITIES below
        ident.cert_pem, ident.key_pem, ident.chain_pem  # PEM bytes (key: unencrypted PKCS#8)
        ident.cert, ident.key                           # asn1crypto objects
        pki.signer("personal")                         # a ready pyhanko SimpleSigner
        pki.validation_context(**kw)                   # a pyhanko_certvalidator ValidationContext
                                                       # trusting the root, fetching OCSP/CRL,
                                                       # revocation_mode="hard-fail" by default

In pytest, use the session-scoped fixture ``loopback_pki`` from
``chinhquyen.signatures.testing.fixtures`` (registered for the whole suite).

Identities (``LoopbackPKI.IDENTITIES``):

``agency``
    UBND phường Thử Nghiệm A (agency A of the ``world`` personas), organisation certificate
    (subject UID ``MST:…``, CN = O), the seal holder.
``personal``
    Lãnh Đạo A, a person of agency A (subject UID ``CCCD:…``, surname/given name).
``agency_b`` / ``personal_b``
    The same for agency B.
``revoked``
    A personal certificate revoked (key compromise) since 2025-01-01.
``expired``
    A personal certificate valid only during 2020.

All certificates carry the CRL distribution point and OCSP AIA URLs of the loopback services.
The services run in a **separate process** (``python -m chinhquyen.signatures.testing.
loopback_server``), served by the standard library's WSGI server from certomancer's
service registry, on 127.0.0.1 with a port chosen by the kernel: the listening socket is bound
here and handed to the child, so there is no port race. Keys (RSA-2048) are generated once per
``LoopbackPKI`` instance; certificates are derived deterministically from the configuration by
certomancer, identically in both processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509

ARCH = "chinhquyen-test"

# label -> (entity subject fields, kind, validity, revocation)
_PEOPLE = {
    "personal": {
        "common-name": "Lãnh Đạo A",
        "surname": "Lãnh",
        "given-name": "Đạo A",
        "user-id": "CCCD:031090000001",
        "organization-name": "UBND phường Thử Nghiệm A",
    },
    "personal_b": {
        "common-name": "Lãnh Đạo B",
        "surname": "Lãnh",
        "given-name": "Đạo B",
        "user-id": "CCCD:031090000002",
        "organization-name": "UBND xã Thử Nghiệm B",
    },
    "revoked": {
        "common-name": "Người Bị Thu Hồi",
        "surname": "Người",
        "given-name": "Bị Thu Hồi",
        "user-id": "CCCD:031090000003",
        "organization-name": "UBND phường Thử Nghiệm A",
    },
    "expired": {
        "common-name": "Người Hết Hạn",
        "surname": "Người",
        "given-name": "Hết Hạn",
        "user-id": "CCCD:031090000004",
        "organization-name": "UBND phường Thử Nghiệm A",
    },
}
_AGENCIES = {
    "agency": {
        "common-name": "UBND phường Thử Nghiệm A",
        "organization-name": "UBND phường Thử Nghiệm A",
        "user-id": "MST:0100000001",
        "locality-name": "Hà Nội",
    },
    "agency_b": {
        "common-name": "UBND xã Thử Nghiệm B",
        "organization-name": "UBND xã Thử Nghiệm B",
        "user-id": "MST:0100000002",
        "locality-name": "Hà Nội",
    },
}
_SERVICE_KEYS = ("root", "tsa", "ocsp")


@dataclass(frozen=True)
class LoopbackIdentity:
    """A signer's certificate and key. PEM values are bytes; the key PEM is unencrypted PKCS#8."""

    label: str
    cert: asn1_x509.Certificate
    key: asn1_keys.PrivateKeyInfo
    cert_pem: bytes
    key_pem: bytes
    chain_pem: bytes  # the signer's certificate followed by the root


def _write_rsa_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _end_entity_extensions(key_usage: list[str]) -> list[dict]:
    return [
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": key_usage},
        },
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}},
        },
    ]


def build_config(
    *,
    key_dir: Path,
    url_prefix: str,
    ocsp_validity_seconds: int | None = None,
    crl_period: str = "P7D",
    revocations: dict[str, str] | None = None,
) -> dict:
    """The certomancer configuration of the loopback PKI (keys must exist in ``key_dir``).

    ``ocsp_validity_seconds`` (default ten minutes) sets the OCSP answers' nextUpdate,
    ``crl_period`` (ISO 8601 duration) the CRLs' update schedule, and ``revocations`` revokes
    identities (label -> ISO 8601 time, possibly in the future: revoked from then on)."""
    labels = [*_SERVICE_KEYS, *_AGENCIES, *_PEOPLE]
    long_validity = {
        "valid-from": "2020-01-01T00:00:00+0000",
        "valid-to": "2045-01-01T00:00:00+0000",
    }
    entities = {
        "root": {"common-name": "Chinhquyen Loopback Root CA", "organization-name": "Chinhquyen"},
        "tsa": {"common-name": "Chinhquyen Loopback TSA", "organization-name": "Chinhquyen"},
        "ocsp": {"common-name": "Chinhquyen Loopback OCSP", "organization-name": "Chinhquyen"},
        **_AGENCIES,
        **_PEOPLE,
    }
    certs = {
        **_service_certs(long_validity),
        **_signer_certs(long_validity, revocations or {}),
    }
    return {
        "external-url-prefix": url_prefix,
        "keysets": {
            ARCH: {
                "path-prefix": str(key_dir),
                "keys": {label: {"path": f"{label}.key.pem"} for label in labels},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN"},
                "entities": entities,
                "certs": certs,
                "services": _services(ocsp_validity_seconds, crl_period),
            }
        },
    }


def _service_certs(validity: dict) -> dict[str, dict]:
    """The certificates of the root CA (self-signed), the TSA and the OCSP responder."""
    return {
        "root": {
            "subject": "root",
            "subject-key": "root",
            "issuer": "root",
            "authority-key": "root",
            "validity": validity,
            "extensions": [
                {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {
                        "schema": "key-usage",
                        "params": ["digital_signature", "key_cert_sign", "crl_sign"],
                    },
                },
            ],
        },
        "tsa": {
            "issuer": "root",
            "validity": validity,
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                {
                    "id": "crl_distribution_points",
                    "smart-value": {
                        "schema": "crl-dist-url",
                        "params": {"crl-repo-names": ["root"]},
                    },
                },
            ],
        },
        "ocsp": {
            "issuer": "root",
            "validity": validity,
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
    }


def _signer_certs(validity: dict, revocations: dict[str, str]) -> dict[str, dict]:
    """The agencies' and people's certificates: the expired one, the revoked ones."""
    certs: dict[str, dict] = {}
    for label in [*_AGENCIES, *_PEOPLE]:
        certs[label] = {
            "issuer": "root",
            "validity": validity,
            "extensions": _end_entity_extensions(["digital_signature", "non_repudiation"]),
        }
    certs["expired"]["validity"] = {
        "valid-from": "2020-01-01T00:00:00+0000",
        "valid-to": "2021-01-01T00:00:00+0000",
    }
    certs["revoked"]["revocation"] = {
        "revoked-since": "2025-01-01T00:00:00+0000",
        "reason": "key_compromise",
    }
    for label, since in revocations.items():
        certs[label]["revocation"] = {"revoked-since": since, "reason": "key_compromise"}
    return certs


def _services(ocsp_validity_seconds: int | None, crl_period: str) -> dict:
    """The OCSP responder, the CRL repository and the TSA of the root."""
    ocsp_service = {"for-issuer": "root", "responder-cert": "ocsp", "signing-key": "ocsp"}
    if ocsp_validity_seconds is not None:
        ocsp_service["validity-period"] = {"seconds": ocsp_validity_seconds}
    return {
        "ocsp": {"root": ocsp_service},
        "crl-repo": {
            "root": {
                "for-issuer": "root",
                "signing-key": "root",
                "simulated-update-schedule": crl_period,
            }
        },
        "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
    }


def load_architecture(config_path: str | os.PathLike):
    """The certomancer PKIArchitecture described by a config file written by ``LoopbackPKI``."""
    from certomancer.registry import ArchLabel, CertomancerConfig

    cfg = CertomancerConfig.from_file(str(config_path))
    return cfg.get_pki_arch(ArchLabel(ARCH))


class LoopbackPKI:
    """Start the loopback CA services in a child process; use as a context manager."""

    IDENTITIES = ("agency", "personal", "agency_b", "personal_b", "revoked", "expired")

    def __init__(self, workdir: str | os.PathLike | None = None, **config: Any) -> None:
        """``config``: the knobs of ``build_config`` (OCSP validity, CRL period, revocations)."""
        self._config = config
        self._own_tmp = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="chinhquyen-pki-"))
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._arch = None
        self._identities: dict[str, LoopbackIdentity] = {}
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LoopbackPKI:
        key_dir = self.workdir / "keys"
        key_dir.mkdir(parents=True, exist_ok=True)
        for label in [*_SERVICE_KEYS, *_AGENCIES, *_PEOPLE]:
            path = key_dir / f"{label}.key.pem"
            if not path.exists():
                _write_rsa_key(path)

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self._sock = sock
        port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

        import yaml

        config_path = self.workdir / "certomancer.yml"
        config_path.write_text(
            yaml.safe_dump(build_config(key_dir=key_dir, url_prefix=self.base_url, **self._config)),
            encoding="utf-8",
        )
        self.config_path = config_path
        self._arch = load_architecture(config_path)

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "chinhquyen.signatures.testing.loopback_server",
                "--config",
                str(config_path),
                "--fd",
                str(sock.fileno()),
            ],
            pass_fds=(sock.fileno(),),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise RuntimeError(f"loopback PKI server exited early:\n{err}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except OSError as exc:  # not serving yet
                last_error = exc
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"loopback PKI server did not start: {last_error}")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._own_tmp:
            import shutil

            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LoopbackPKI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def request_counts(self) -> dict[str, int]:
        """Requests served so far by kind (``ocsp``, ``crl``, ``tsa``), counted by the server."""
        import json

        with urllib.request.urlopen(self.base_url + "/stats", timeout=5) as resp:  # noqa: S310
            return {"ocsp": 0, "crl": 0, "tsa": 0, **json.loads(resp.read())}

    # -- URLs ---------------------------------------------------------------------------------
    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/{ARCH}/tsa/tsa"

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/{ARCH}/ocsp/root"

    @property
    def crl_url(self) -> str:
        return f"{self.base_url}/{ARCH}/crls/root/latest.crl"

    # -- certificates -------------------------------------------------------------------------
    @property
    def root_cert(self) -> asn1_x509.Certificate:
        return self._arch.get_cert("root")

    @property
    def root_cert_pem(self) -> bytes:
        return asn1_pem.armor("CERTIFICATE", self.root_cert.dump())

    @property
    def root_key_pem(self) -> bytes:
        """The root CA's key (unencrypted PKCS#8 PEM): for a fake that issues certificates under
        this root, such as the remote signing simulator."""
        return (self.workdir / "keys" / "root.key.pem").read_bytes()

    @property
    def tsa_cert(self) -> asn1_x509.Certificate:
        return self._arch.get_cert("tsa")

    def identity(self, label: str) -> LoopbackIdentity:
        """Certificate and key of a named identity (one of ``IDENTITIES``)."""
        if label not in self.IDENTITIES:
            raise KeyError(f"unknown loopback identity {label!r}; choose from {self.IDENTITIES}")
        if label not in self._identities:
            cert = self._arch.get_cert(label)
            key = self._arch.key_set.get_private_key(label)
            cert_pem = asn1_pem.armor("CERTIFICATE", cert.dump())
            self._identities[label] = LoopbackIdentity(
                label=label,
                cert=cert,
                key=key,
                cert_pem=cert_pem,
                key_pem=asn1_pem.armor("PRIVATE KEY", key.dump()),
                chain_pem=cert_pem + self.root_cert_pem,
            )
        return self._identities[label]

    def signer(self, label: str):
        """A pyHanko signer (a ``SimpleSigner``) for the identity, with the root in its chain."""
        from chinhquyen.signatures.signing import signer_from

        ident = self.identity(label)
        return signer_from(ident.cert, ident.key, [self.root_cert])

    def validation_context(self, **kwargs):
        """A ValidationContext trusting the loopback root and fetching OCSP/CRL from it."""
        from pyhanko_certvalidator import ValidationContext

        kwargs.setdefault("allow_fetching", True)
        kwargs.setdefault("revocation_mode", "hard-fail")
        return ValidationContext(trust_roots=[self.root_cert], **kwargs)
