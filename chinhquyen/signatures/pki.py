"""Keys and certificates: the development CA, issuing, PKCS#12 import, and who a certificate names.

Pure functions over ``cryptography`` objects; the database side lives in ``services.py``.

Personal or agency certificate (the rule used everywhere, and followed by the certificates we
issue): Vietnamese public CAs put an identifier in the subject's UID attribute
(0.9.2342.19200300.100.1.1): ``CCCD:``/``CMND:``/``HC:`` (citizen id, old id, passport) for a
person, ``MST:``/``MNS:`` (tax code, budget-relation code) for an organisation. When no such UID
is present, a subject with a surname or given name is a person, and a subject whose CN equals its
O is an organisation. Anything else is "unknown".
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
)

KEY_SIZE = 2048
PERSONAL = "personal"
AGENCY = "agency"
UNKNOWN = "unknown"

PERSONAL_UID_PREFIXES = ("CCCD:", "CMND:", "CMT:", "HC:", "PID:")
AGENCY_UID_PREFIXES = ("MST:", "MNS:", "MQHNS:", "MDV:")


@dataclass(frozen=True)
class KeyAndCert:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()  # issuers, nearest first

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)


def rsa_key_generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC)


def _name(attrs: list[tuple]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs if value])


def ca_create(
    *, common_name: str, organisation: str = "", days: int = 3650, key=None
) -> KeyAndCert:
    """A self-signed root CA (RSA-2048, SHA-256) for development and tests."""
    key = key or rsa_key_generate()
    subject = _name(
        [
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.ORGANIZATION_NAME, organisation),
            (NameOID.COMMON_NAME, common_name),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyAndCert(key=key, cert=cert)


def subject_for(
    *, kind: str, common_name: str, organisation: str = "", identifier: str = "", title: str = ""
) -> x509.Name:
    """The subject our CA writes, following the personal/agency rule of this module."""
    if kind == PERSONAL:
        uid = identifier if identifier.startswith(PERSONAL_UID_PREFIXES) else f"CCCD:{identifier}"
        parts = common_name.split(" ", 1)
        attrs = [
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.ORGANIZATION_NAME, organisation),
            (NameOID.TITLE, title),
            (NameOID.SURNAME, parts[0]),
            (NameOID.GIVEN_NAME, parts[1] if len(parts) > 1 else ""),
            (NameOID.USER_ID, uid if identifier else ""),
            (NameOID.COMMON_NAME, common_name),
        ]
    elif kind == AGENCY:
        uid = identifier if identifier.startswith(AGENCY_UID_PREFIXES) else f"MNS:{identifier}"
        attrs = [
            (NameOID.COUNTRY_NAME, "VN"),
            (NameOID.ORGANIZATION_NAME, organisation or common_name),
            (NameOID.USER_ID, uid if identifier else ""),
            (NameOID.COMMON_NAME, common_name),
        ]
    else:
        raise ValueError(f"unknown certificate kind {kind!r}")
    return _name(attrs)


def cert_issue(
    *,
    ca: KeyAndCert,
    subject: x509.Name,
    public_key=None,
    days: int = 730,
    crl_url: str = "",
    ocsp_url: str = "",
    not_before: dt.datetime | None = None,
) -> KeyAndCert:
    """An end-entity signing certificate (digitalSignature + nonRepudiation) issued by ``ca``."""
    key = None
    if public_key is None:
        key = rsa_key_generate()
        public_key = key.public_key()
    start = not_before or (_now() - dt.timedelta(minutes=5))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(public_key)
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.cert.public_key()),
            critical=False,
        )
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(ocsp_url),
                    )
                ]
            ),
            critical=False,
        )
    cert = builder.sign(ca.key, hashes.SHA256())
    return KeyAndCert(key=key, cert=cert, chain=(ca.cert,))


def pkcs12_load(data: bytes, password: str | None) -> KeyAndCert:
    """Key, certificate and chain from a PKCS#12 file as Vietnamese CAs issue them (.p12/.pfx).

    Raises ValueError (with a Vietnamese message) when the file or the password is wrong.
    """
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except ValueError as exc:
        raise ValueError("Tệp PKCS#12 không đọc được hoặc sai mật khẩu.") from exc
    if key is None or cert is None:
        raise ValueError("Tệp PKCS#12 không có khóa bí mật và chứng thư số của người ký.")
    return KeyAndCert(key=key, cert=cert, chain=tuple(extra or ()))


def key_to_encrypted_pem(key, passphrase: str) -> bytes:
    """PKCS#8, encrypted with the best available scheme (AES-256-CBC, PBKDF2)."""
    if not passphrase:
        raise ValueError("Chưa cấu hình mật khẩu bảo vệ khóa (SIGNATURES_KEY_PASSPHRASE).")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )


def key_from_pem(data: bytes, passphrase: str | None):
    return serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)


def certs_from_pem(data: bytes | str) -> list[x509.Certificate]:
    if isinstance(data, str):
        data = data.encode()
    if not data.strip():
        return []
    return x509.load_pem_x509_certificates(data)


def cert_to_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# --- who a certificate names -------------------------------------------------------------------


def classify_subject(attrs: dict[str, list[str]]) -> str:
    """``personal``, ``agency`` or ``unknown`` from subject attributes keyed by asn1crypto names
    (``user_id``, ``surname``, ``given_name``, ``common_name``, ``organization_name``)."""
    for uid in attrs.get("user_id", []):
        value = uid.strip().upper()
        if value.startswith(PERSONAL_UID_PREFIXES):
            return PERSONAL
        if value.startswith(AGENCY_UID_PREFIXES):
            return AGENCY
    if attrs.get("surname") or attrs.get("given_name"):
        return PERSONAL
    cn = [v.strip().casefold() for v in attrs.get("common_name", [])]
    org = [v.strip().casefold() for v in attrs.get("organization_name", [])]
    if cn and org and set(cn) & set(org):
        return AGENCY
    return UNKNOWN


def classify_asn1_cert(cert) -> str:
    """The rule above for an ``asn1crypto.x509.Certificate`` (what pyHanko hands back)."""
    attrs: dict[str, list[str]] = {}
    for rdn in cert.subject.chosen:
        for atv in rdn:
            name = atv["type"].native
            try:
                value = atv["value"].native
            except Exception:  # noqa: BLE001, S112 - an exotic string type: ignore the attribute
                continue
            attrs.setdefault(name, []).append(str(value))
    return classify_subject(attrs)
