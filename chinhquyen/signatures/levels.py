"""The PAdES level a signature really has, from what the file holds for *that* signature.

* **B-B**: the CMS signature only.
* **B-T**: plus a trusted time: a signature timestamp, or a document timestamp added after it.
* **B-LT**: B-T, and the document security store (``/DSS``) holds the signer's certificate and
  the certificates of its chain (up to, not necessarily including, the root) and revocation data
  covering the signer's certificate: an OCSP response about its serial number from its issuer, or
  a CRL of its issuer. A ``/DSS`` that is empty, or holds data about other certificates, does not
  make a signature B-LT.
* **B-LTA**: B-LT and a document timestamp after the signature.

``dss_revocation_covers`` is also what B-LT signing checks before handing a file out: a B-LT
claim without revocation data is refused (``signing.py``, ``twophase.py``).
"""

from __future__ import annotations

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

_READ_ERRORS = (PdfError, KeyError, ValueError, TypeError, AttributeError, NoDSSFoundError)


def read_dss(reader):
    """(certificates, OCSP responses, CRLs) of the file's DSS; empty when it has none."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs = list(dss.load_certs())
        ctx = dss.as_validation_context({"allow_fetching": False})
        ocsps, crls = list(ctx.ocsps), list(ctx.crls)
    except _READ_ERRORS:
        return [], [], []
    return certs, ocsps, crls


def _ocsp_covers(response, cert: x509.Certificate) -> bool:
    try:
        if response["response_status"].native != "successful":
            return False
        basic = response["response_bytes"]["response"].parsed
        for single in basic["tbs_response_data"]["responses"]:
            cert_id = single["cert_id"]
            if cert_id["serial_number"].native != cert.serial_number:
                continue
            algo = cert_id["hash_algorithm"]["algorithm"].native
            if getattr(cert.issuer, algo) == cert_id["issuer_name_hash"].native:
                return True
    except (KeyError, ValueError, TypeError, AttributeError):
        return False
    return False


def _crl_covers(crl, cert: x509.Certificate) -> bool:
    try:
        return crl["tbs_cert_list"]["issuer"] == cert.issuer
    except (KeyError, ValueError, TypeError):
        return False


def dss_revocation_covers(reader, cert: x509.Certificate) -> bool:
    """Whether the DSS holds an OCSP response or a CRL about ``cert``."""
    _, ocsps, crls = read_dss(reader)
    return any(_ocsp_covers(r, cert) for r in ocsps) or any(_crl_covers(c, cert) for c in crls)


def dss_covers(reader, cert: x509.Certificate, path=None) -> bool:
    """The signer's certificate, its chain's (all but a self-signed root) and revocation data
    about the signer's certificate are all in the DSS."""
    certs, ocsps, crls = read_dss(reader)
    held = {c.issuer_serial for c in certs}
    chain = list(path) if path is not None else [cert]
    needed = [c for c in chain if not c.self_issued] or [cert]
    if cert.issuer_serial not in held or any(c.issuer_serial not in held for c in needed):
        return False
    return any(_ocsp_covers(r, cert) for r in ocsps) or any(_crl_covers(c, cert) for c in crls)


def signature_level(embedded, status, reader) -> str:
    try:
        later_doc_ts = [
            ts
            for ts in reader.embedded_timestamp_signatures
            if ts.signed_revision > embedded.signed_revision
        ]
    except _READ_ERRORS:
        later_doc_ts = []
    if status.timestamp_validity is None and not later_doc_ts:
        return "B-B"
    cert = status.signing_cert
    if cert is None or not dss_covers(reader, cert, status.validation_path):
        return "B-T"
    return "B-LTA" if later_doc_ts else "B-LT"
