"""Detached signatures over a report's canonical JSON (format documented in docs/reporting.md).

Canonical form: UTF-8 JSON with keys sorted, no insignificant whitespace, non-ASCII characters
as themselves (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``); every
value is a string or null, so no float formatting can differ between implementations.
Signature: RSA PKCS#1 v1.5 with SHA-256, base64, with the signer's X.509 certificate (PEM) and any
intermediates. The certificate must chain to a configured trust root (REPORTING_TRUST_ROOTS), be
valid at the time of receipt, and name the sending agency's QCVN 102 identifier in its subject
(UID or serialNumber attribute).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _

from chinhquyen.core.errors import ValidationFailed

ALGORITHM = "RSA-PKCS1v15-SHA256"


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(payload: dict) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def sign(payload: dict, *, key_pem: bytes, cert_pem: bytes, chain_pem: list[bytes] = ()) -> dict:
    """The signature block for ``payload`` (the province side)."""
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("only RSA keys are supported")
    value = key.sign(canonical(payload), padding.PKCS1v15(), hashes.SHA256())
    return {
        "alg": ALGORITHM,
        "value": base64.b64encode(value).decode(),
        "certificate": cert_pem.decode(),
        "chain": [c.decode() for c in chain_pem],
    }


def _broken(reason: str) -> ValidationFailed:
    return ValidationFailed(
        _("Chữ ký số của báo cáo không hợp lệ: %(reason)s") % {"reason": reason},
        code="bad_signature",
        fields={"signature": [reason]},
    )


def trust_roots() -> list[x509.Certificate]:
    """REPORTING_TRUST_ROOTS: a list of PEM strings or paths of PEM files."""
    roots = []
    for item in getattr(settings, "REPORTING_TRUST_ROOTS", []) or []:
        data = item.encode() if "-----BEGIN" in item else Path(item).read_bytes()
        roots.extend(x509.load_pem_x509_certificates(data))
    return roots


def subject_ids(cert: x509.Certificate) -> set[str]:
    ids = set()
    for oid in (NameOID.USER_ID, NameOID.SERIAL_NUMBER):
        ids.update(str(a.value).strip().upper() for a in cert.subject.get_attributes_for_oid(oid))
    return ids


def verify(payload: dict, signature: dict, *, agency_id: str, at: dt.datetime) -> x509.Certificate:
    """Check ``signature`` over ``payload``; return the signer's certificate or raise."""
    if not isinstance(signature, dict) or signature.get("alg") != ALGORITHM:
        raise _broken(_("thuật toán phải là %(alg)s.") % {"alg": ALGORITHM})
    try:
        cert = x509.load_pem_x509_certificate(str(signature.get("certificate", "")).encode())
        chain = [
            x509.load_pem_x509_certificate(str(c).encode()) for c in signature.get("chain") or []
        ]
        value = base64.b64decode(str(signature.get("value", "")), validate=True)
    except (ValueError, TypeError):
        raise _broken(_("không đọc được chứng thư số hoặc giá trị chữ ký.")) from None
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _broken(_("chỉ chấp nhận khóa RSA."))
    try:
        public_key.verify(value, canonical(payload), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise _broken(
            _("nội dung báo cáo không khớp với chữ ký (đã bị sửa sau khi ký?).")
        ) from None
    for c in (cert, *chain):
        if not (c.not_valid_before_utc <= at <= c.not_valid_after_utc):
            raise _broken(_("chứng thư số hết hạn hoặc chưa có hiệu lực."))
    _check_chain(cert, chain, trust_roots())
    if agency_id.upper() not in subject_ids(cert):
        raise _broken(
            _("chứng thư số không phải của cơ quan gửi %(agency)s.") % {"agency": agency_id}
        )
    return cert


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    """Only a CA certificate may issue another: otherwise any agency could mint a certificate in
    another agency's name with its own end-entity key."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca:
        return False
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.key_cert_sign


def _check_chain(cert, chain, roots) -> None:
    node = cert
    pool = list(chain)
    for _depth in range(len(chain) + 1):
        if any(node == root or _issued_by(node, root) for root in roots):
            return
        parent = next((c for c in pool if _is_ca(c) and _issued_by(node, c)), None)
        if parent is None:
            break
        pool.remove(parent)
        node = parent
    raise _broken(_("chứng thư số không thuộc tổ chức chứng thực được tin cậy."))


def signer_name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()[:300]
