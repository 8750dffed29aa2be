"""Two-phase ("interrupted") PAdES signing: prepare the document, let a key sign a digest
somewhere else (a remote signing service, a token, a key file), then finish.

Pure functions over PDF bytes, like ``signing.py``; nothing here touches the database.

::

    prepared = prepare_personal(pdf, cert=cert, chain=chain, image_png=png, page_ix=0,
                                box=box, opts=SignOptions(level=Level.B_T, tsa_url=...))
    prepared.digest                  # SHA-256 over the signed attributes: what the key signs
    state = prepared.to_json()       # plain JSON: keep it while the person confirms
    ...
    value = <RSA PKCS#1 v1.5 / ECDSA signature of prepared.digest, from the key's holder>
    signed = finish(PreparedSignature.from_json(state), signature_value=value,
                    cert=cert, chain=chain, opts=...)

``cert`` is the signer's ``asn1crypto.x509.Certificate`` and ``chain`` its issuers (what
``KeyProvider.certificate`` / ``.chain`` give). The appearance, field names and placement are
those of ``signing.sign_personal`` / ``signing.sign_agency`` (the same ``Placement`` helpers).

Built on pyHanko's public interrupted-signing API: ``PdfSigner.async_digest_doc_for_signing``
with an ``ExternalSigner`` writes the document with its placeholder and gives the byte-range
digest; ``Signer.signed_attrs`` gives the signed attributes whose digest the key signs;
``ExternalSigner.async_sign_prescribed_attributes`` builds the CMS (with the RFC 3161 signature
timestamp for B-T) around the returned value and ``PdfTBSDocument.async_finish_signing`` puts it
in the placeholder.

Levels: B-B and B-T as in one-shot signing. B-LT is B-T at finishing plus the certificates and
OCSP/CRL answers added to the document security store in an incremental update
(``pyhanko.sign.validation.dss.async_add_validation_info``), as pyHanko does after a one-shot
B-LT signature.

The returned signature value is verified against the certificate and the signed attributes
before anything is embedded: a wrong value (another key, a corrupted answer) is a Conflict
``signature_value_invalid``, never a broken PDF.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass, field, replace
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko_certvalidator.registry import SimpleCertificateStore

from chinhquyen.core.aio import run_sync
from chinhquyen.core.errors import Conflict, DomainError, ValidationFailed

from . import signing
from .signing import Box, Level, Placement, SignOptions

DIGEST_ALGORITHM = "sha256"
FORMAT_VERSION = 1


class TimestampUnavailable(DomainError):
    status = 503
    code = "tsa_unavailable"


@dataclass(frozen=True)
class PreparedSignature:
    """A document prepared for signing, waiting for the signature value of ``digest``.

    ``pdf`` holds the document with the new signature field, its appearance and a zero-filled
    placeholder for the CMS; ``document_digest`` and the reserved region locate and authenticate
    that placeholder; ``signed_attrs`` is the DER (as a SET) of the CMS signed attributes, and
    ``digest`` = SHA-256 of it: what the key must sign with ``signature_algorithm``
    (``sha256_rsa`` = RSA PKCS#1 v1.5, ``sha256_ecdsa``). ``context`` is free JSON for callers
    (the services put the identity, mode and user there).
    """

    pdf: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    signed_attrs: bytes
    digest: bytes
    digest_algorithm: str
    signature_algorithm: str
    field_name: str
    level: str
    cert_sha256: str
    context: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only (bytes as base64), e.g. for a session or a JSON column."""
        b64 = base64.b64encode
        return {
            "version": FORMAT_VERSION,
            "pdf": b64(self.pdf).decode(),
            "document_digest": b64(self.document_digest).decode(),
            "reserved_start": self.reserved_start,
            "reserved_end": self.reserved_end,
            "signed_attrs": b64(self.signed_attrs).decode(),
            "digest": b64(self.digest).decode(),
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "field_name": self.field_name,
            "level": self.level,
            "cert_sha256": self.cert_sha256,
            "context": dict(self.context),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PreparedSignature:
        """The inverse of ``to_json``; a ValidationFailed ``prepared_invalid`` for anything else
        (including a ``digest`` that is not the SHA-256 of ``signed_attrs``)."""
        try:
            if data.get("version") != FORMAT_VERSION:
                raise ValueError("version")

            def raw(key: str) -> bytes:
                return base64.b64decode(data[key], validate=True)

            prepared = cls(
                pdf=raw("pdf"),
                document_digest=raw("document_digest"),
                reserved_start=int(data["reserved_start"]),
                reserved_end=int(data["reserved_end"]),
                signed_attrs=raw("signed_attrs"),
                digest=raw("digest"),
                digest_algorithm=str(data["digest_algorithm"]),
                signature_algorithm=str(data["signature_algorithm"]),
                field_name=str(data["field_name"]),
                level=str(Level(data["level"])),
                cert_sha256=str(data["cert_sha256"]),
                context=dict(data.get("context") or {}),
            )
        except (KeyError, TypeError, ValueError, binascii.Error, AttributeError) as exc:
            raise _prepared_invalid() from exc
        if (
            prepared.digest_algorithm != DIGEST_ALGORITHM
            or hashlib.sha256(prepared.signed_attrs).digest() != prepared.digest
            or not (0 < prepared.reserved_start < prepared.reserved_end <= len(prepared.pdf))
        ):
            raise _prepared_invalid()
        return prepared


def _prepared_invalid() -> ValidationFailed:
    return ValidationFailed(
        "Dữ liệu chuẩn bị ký không hợp lệ; hãy bắt đầu ký lại.",
        code="prepared_invalid",
        fields={"prepared": ["Không đọc được tài liệu đã chuẩn bị để ký."]},
    )


def _der(cert: asn1_x509.Certificate) -> bytes:
    return cert.dump()


def _external_signer(cert, chain, signature_value: bytes | int) -> signers.ExternalSigner:
    # The root is not embedded, as in one-shot signing (``signing.signer_from``).
    return signers.ExternalSigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs(list(chain)),
        signature_value=signature_value,
        embed_roots=False,
    )


def _check_level(opts: SignOptions) -> None:
    signing.timestamper_for(opts)  # B-T/B-LT without a TSA: the same 422 as one-shot signing
    if opts.level == Level.B_LT and opts.validation_context is None:
        raise ValidationFailed(
            "Thiếu ngữ cảnh kiểm tra chứng thư cho mức B-LT.", fields={"level": ["B-LT"]}
        )


async def _prepare(
    reader: PdfFileReader, *, cert, chain, place: Placement, opts: SignOptions
) -> PreparedSignature:
    # The document is prepared as B-B/B-T: the timestamp is an unsigned attribute fetched at
    # finishing, and B-LT's validation data is added after the signature (see ``finish``).
    prep_opts = replace(opts, level=Level.B_T) if opts.level == Level.B_LT else opts
    key_bits = cert.public_key.bit_size if cert.public_key.algorithm == "rsa" else 0
    signer = _external_signer(cert, chain, max(key_bits // 8, 256))
    first = signing.is_first_signature(reader)  # certifies; later ones lock the fields
    pdf_signer = signers.PdfSigner(
        signing.signature_metadata(place.field_name, prep_opts, certify=first),
        signer=signer,
        stamp_style=place.style,
        new_field_spec=signing.field_spec(
            place.field_name,
            place.page_ix,
            place.box,
            lock=None if first else signing.lock_spec(reader),
        ),
    )
    writer = IncrementalPdfFileWriter.from_reader(reader)
    try:
        br_digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=signing.bytes_reserved_for(signer, prep_opts.level)
        )
        signed_attrs = await signer.signed_attrs(
            br_digest.document_digest, DIGEST_ALGORITHM, use_pades=True
        )
        mechanism = signer.get_signature_mechanism_for_digest(DIGEST_ALGORITHM)
    except (SigningError, PdfError) as exc:
        raise Conflict(f"Không chuẩn bị ký được tài liệu: {exc}", code="signing_failed") from exc
    attrs_der = signed_attrs.dump()
    return PreparedSignature(
        pdf=output.getvalue(),
        document_digest=br_digest.document_digest,
        reserved_start=br_digest.reserved_region_start,
        reserved_end=br_digest.reserved_region_end,
        signed_attrs=attrs_der,
        digest=hashlib.sha256(attrs_der).digest(),
        digest_algorithm=DIGEST_ALGORITHM,
        signature_algorithm=mechanism["algorithm"].native,
        field_name=place.field_name,
        level=str(opts.level),
        cert_sha256=hashlib.sha256(_der(cert)).hexdigest(),
    )


def prepare_personal(
    data: bytes,
    *,
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    image_png: bytes,
    page_ix: int,
    box: Box | tuple[float, float, float, float],
    opts: SignOptions = SignOptions(),  # noqa: B008 - frozen dataclass
) -> PreparedSignature:
    """``signing.sign_personal`` up to the signature value: the blue image centred in ``box``
    on ``page_ix`` (0-based), field ``ChuKyCaNhan<n>``."""
    _check_level(opts)
    reader = signing.open_reader(data)
    place = signing.personal_placement(reader, image_png=image_png, page_ix=page_ix, box=box)
    return run_sync(_prepare(reader, cert=cert, chain=chain, place=place, opts=opts))


def prepare_agency(
    data: bytes,
    *,
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    seal_png: bytes,
    personal_field: str,
    opts: SignOptions = SignOptions(),  # noqa: B008
) -> PreparedSignature:
    """``signing.sign_agency`` up to the signature value: the red seal over the left third of
    the personal signature ``personal_field`` (validated by the caller), field
    ``ChuKyCoQuan<n>``. A second seal is refused (Conflict ``already_sealed``)."""
    _check_level(opts)
    reader = signing.open_reader(data)
    place = signing.agency_placement(reader, seal_png=seal_png, personal_field=personal_field)
    return run_sync(_prepare(reader, cert=cert, chain=chain, place=place, opts=opts))


def signature_value_check(
    prepared: PreparedSignature, *, signature_value: bytes, cert: asn1_x509.Certificate
) -> None:
    """Conflict ``certificate_mismatch`` when ``cert`` is not the one the document was prepared
    for; Conflict ``signature_value_invalid`` unless ``signature_value`` is a valid signature
    of the signed attributes by ``cert``'s key."""
    if hashlib.sha256(_der(cert)).hexdigest() != prepared.cert_sha256:
        raise Conflict(
            "Chứng thư số dùng để hoàn tất không phải chứng thư đã dùng khi chuẩn bị ký.",
            code="certificate_mismatch",
        )
    public_key = serialization.load_der_public_key(cert.public_key.dump())
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                signature_value, prepared.signed_attrs, padding.PKCS1v15(), hashes.SHA256()
            )
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature_value, prepared.signed_attrs, ec.ECDSA(hashes.SHA256()))
        else:  # pragma: no cover - Vietnamese CAs issue RSA (and a few ECDSA) keys
            raise InvalidSignature
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise Conflict(
            "Giá trị chữ ký nhận được không khớp với tài liệu và chứng thư số; tài liệu chưa "
            "được ký. Hãy ký lại.",
            code="signature_value_invalid",
        ) from exc


async def _finish(
    prepared: PreparedSignature, *, signature_value: bytes, cert, chain, opts: SignOptions
) -> bytes:
    level = Level(prepared.level)
    timestamper = signing.timestamper_for(replace(opts, level=level))
    signer = _external_signer(cert, chain, signature_value)
    attrs = cms.CMSAttributes.load(prepared.signed_attrs)
    try:
        signature_cms = await signer.async_sign_prescribed_attributes(
            DIGEST_ALGORITHM, signed_attrs=attrs, timestamper=timestamper
        )
        output = io.BytesIO(prepared.pdf)
        await PdfTBSDocument.async_finish_signing(
            output,
            PreparedByteRangeDigest(
                document_digest=prepared.document_digest,
                reserved_region_start=prepared.reserved_start,
                reserved_region_end=prepared.reserved_end,
            ),
            signature_cms,
        )
    except TimestampRequestError as exc:
        raise TimestampUnavailable(
            "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian; hãy thử lại sau."
        ) from exc
    except SigningError as exc:
        raise Conflict(f"Không hoàn tất được chữ ký: {exc}", code="signing_failed") from exc
    if level != Level.B_LT:
        return output.getvalue()
    reader = PdfFileReader(output, strict=False)
    embedded = next(
        s for s in reader.embedded_regular_signatures if s.field_name == prepared.field_name
    )
    with_dss = await async_add_validation_info(
        embedded, opts.validation_context, output=io.BytesIO(), embed_roots=False
    )
    signing.check_lt_revocation(with_dss.getvalue(), cert)
    return with_dss.getvalue()


def finish(
    prepared: PreparedSignature,
    *,
    signature_value: bytes,
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    opts: SignOptions = SignOptions(),  # noqa: B008
) -> bytes:
    """The signed PDF: the CMS around ``signature_value`` (with the signature timestamp from
    ``opts.tsa_url`` for B-T/B-LT) in the prepared placeholder. The level is the prepared one;
    ``opts`` gives the TSA and, for B-LT, the validation context."""
    signature_value_check(prepared, signature_value=signature_value, cert=cert)
    level = Level(prepared.level)
    _check_level(replace(opts, level=level))
    return run_sync(
        _finish(prepared, signature_value=signature_value, cert=cert, chain=chain, opts=opts)
    )
