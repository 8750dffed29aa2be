"""``FastSigner``: pyHanko's ``SimpleSigner`` made fast for bulk signing with a key file (see
``docs/benchmarks.md``, "Signing"), and ``signer_from``, the signer every one-step signature
with a key file uses. Re-exported by ``signing.py``."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

# Signed attributes of a PAdES B-B signature that do not depend on the time or the document.
_TEMPLATE_ATTRS = frozenset(
    {"content_type", "message_digest", "signing_certificate_v2", "cms_algorithm_protection"}
)


@dataclass(frozen=True)
class _CmsTemplate:
    """A CMS blob of this signer with two fixed-size holes: the document digest and the RSA
    signature. For B-B in PAdES mode the rest (certificates, signing-certificate-v2, algorithm
    protection) is the same for every document, so signing is: patch the digest, sign the
    signed attributes, patch the signature."""

    blob: bytes
    digest_at: int
    attrs_start: int
    attrs_end: int
    signature_at: int
    signature_len: int


class FastSigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner``, made fast for bulk signing:

    * it parses the private key once (``SimpleSigner`` parses it for every signature, and pyca's
      RSA key check makes that ~30 ms);
    * for PAdES B-B with SHA-256 and RSA PKCS#1 v1.5 it fills a CMS template built once by
      pyHanko itself (``_CmsTemplate``) instead of rebuilding the ASN.1 structure each time.
      Anything else (timestamps, revocation info, other algorithms) goes through pyHanko.
    """

    _pyca_key = None
    _template: _CmsTemplate | None = None
    _template_failed = False

    def _key(self):
        if self._pyca_key is None:
            self._pyca_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        return self._pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._key().sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run=False,
        use_pades=False,
        timestamper=None,
        signed_attr_settings=None,
        is_pdf_sig=True,
        encap_content_info=None,
    ):
        plain = (
            use_pades
            and is_pdf_sig
            and timestamper is None
            and encap_content_info is None
            and digest_algorithm == "sha256"
            and len(data_digest) == 32
            and (
                signed_attr_settings is None
                or (
                    getattr(signed_attr_settings, "adobe_revinfo_attr", None) is None
                    and getattr(signed_attr_settings, "cades_signed_attrs", None) is None
                )
            )
        )
        if plain and not self._template_failed:
            template = self._template or await self._build_template(signed_attr_settings)
            if template is not None:
                return self._fill(template, data_digest)
        return await super().async_sign(
            data_digest,
            digest_algorithm,
            dry_run=dry_run,
            use_pades=use_pades,
            timestamper=timestamper,
            signed_attr_settings=signed_attr_settings,
            is_pdf_sig=is_pdf_sig,
            encap_content_info=encap_content_info,
        )

    async def _build_template(self, settings) -> _CmsTemplate | None:
        import secrets

        from asn1crypto import cms

        marker = secrets.token_bytes(32)
        ci = await super().async_sign(
            marker, "sha256", use_pades=True, signed_attr_settings=settings
        )
        blob = ci.dump()
        si = ci["content"]["signer_infos"][0]
        attrs = si["signed_attrs"]
        kinds = {a["type"].native for a in attrs}
        mechanism = si["signature_algorithm"].signature_algo
        signature = si["signature"].native
        attrs_der = attrs.dump()
        if (
            not kinds <= _TEMPLATE_ATTRS
            or mechanism != "rsassa_pkcs1v15"
            or blob.count(marker) != 1
            or blob.count(signature) != 1
            or blob.count(attrs_der) != 1
        ):
            self._template_failed = True
            return None
        start = blob.index(attrs_der)
        self._template = _CmsTemplate(
            blob=blob,
            digest_at=blob.index(marker),
            attrs_start=start,
            attrs_end=start + len(attrs_der),
            signature_at=blob.index(signature),
            signature_len=len(signature),
        )
        assert isinstance(ci, cms.ContentInfo)
        return self._template

    def _fill(self, t: _CmsTemplate, digest: bytes):
        from asn1crypto import cms

        blob = bytearray(t.blob)
        blob[t.digest_at : t.digest_at + 32] = digest
        # the signature covers the DER of the attributes as a SET (tag 0x31), not as [0] IMPLICIT
        tbs = b"\x31" + bytes(blob[t.attrs_start + 1 : t.attrs_end])
        signature = self._key().sign(tbs, PKCS1v15(), get_pyca_cryptography_hash("sha256"))
        if len(signature) != t.signature_len:  # pragma: no cover - RSA output is fixed-size
            raise SigningError("unexpected signature length")
        blob[t.signature_at : t.signature_at + t.signature_len] = signature
        return cms.ContentInfo.load(bytes(blob))


def signer_from(cert, key, chain=()) -> FastSigner:
    """A signer over asn1crypto objects (the certificate, its PKCS#8 key, the issuers).

    Intermediate CAs are embedded in the signature, the root is not (``embed_roots=False``): a
    validator must hold the root as its own trust anchor anyway, and the smaller ``/Contents``
    is quicker to validate."""
    return FastSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(list(chain)),
        embed_roots=False,
    )
