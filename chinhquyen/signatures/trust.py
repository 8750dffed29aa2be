"""The validation context of this deployment, cheap to build for every request.

``validation_context()`` is what the public validator, the check page, ``verify`` and B-LT signing
use. Building one from scratch per request cost more than the validation itself: the trusted
roots read and parsed again, an HTTP session (with its TLS trust store) opened, and an OCSP
response and a CRL fetched for every signature. Here:

* **Trust configuration.** The roots (``SIGNATURES_TRUST_ROOTS`` files and the CAs marked trusted
  in the database) are parsed once per *trust configuration*: the key is a digest of the root
  certificates' bytes with the fetching and revocation settings. The database is still read on
  every call (a few short PEM strings), so a CA trusted or distrusted in the admin takes effect on
  the next request in every worker; only the parsing is cached.
* **Revocation data.** A process-wide, bounded (LRU, ``SIGNATURES_REVINFO_CACHE_SIZE`` entries)
  ``ProcessCache`` (``core/proccache.py``) of fetched OCSP responses and CRLs, keyed by the
  trust configuration and the certificate (OCSP: issuer and serial; CRLs: issuer and
  distribution points). An entry is used only until its ``nextUpdate`` (for a CRL set, the
  earliest), and refetched after; an answer without ``nextUpdate`` is not cached at all. A
  fetch that fails is not cached. The validator still verifies every cached answer as it would
  a fresh one (signature, responder, freshness at the validation time), so the cache can only
  save requests, never widen what is accepted.

The caching is a ``FetcherBackend`` (pyhanko-certvalidator's public fetcher API) wrapping the
library's own HTTP backend, which is provisioned only on a cache miss and closed at the end of
each top-level operation (``OwnedFetcherBackend``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import (
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    OCSPFetcher,
    OwnedFetcherBackend,
)
from pyhanko_certvalidator.util import issuer_serial

from chinhquyen.core.proccache import ProcessCache

DEFAULT_CACHE_SIZE = 1024


def _utcnow() -> datetime:
    return datetime.now(tz=UTC)


class RevocationCache(ProcessCache):
    """OCSP responses and CRL sets by key, each until its expiry; least recently used first out.

    ``clock`` (default: the wall clock, UTC) decides what has expired. ``hits`` and ``misses``
    count the lookups."""

    def __init__(
        self, max_entries: int = DEFAULT_CACHE_SIZE, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__("signatures.revocation", max_entries=max_entries, clock=clock or _utcnow)

    def put(self, key, value, expires: datetime | None) -> None:
        """Keep ``value`` until ``expires`` (its nextUpdate); without one, not at all."""
        if expires is not None:
            self.set(key, value, expires=expires)


def ocsp_expiry(response) -> datetime | None:
    """The earliest ``nextUpdate`` of the single responses of an OCSP response (None if absent)."""
    try:
        basic = response["response_bytes"]["response"].parsed
        singles = basic["tbs_response_data"]["responses"]
        updates = [single["next_update"].native for single in singles]
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    if not updates or any(u is None for u in updates):
        return None
    return min(updates)


def crl_expiry(crls: Iterable) -> datetime | None:
    """The earliest ``nextUpdate`` of a set of CRLs (None if any has none, or the set is empty)."""
    updates = []
    for item in crls:
        try:
            updates.append(item["tbs_cert_list"]["next_update"].native)
        except (KeyError, ValueError, TypeError):
            return None
    if not updates or any(u is None for u in updates):
        return None
    return min(updates)


def _crl_key(cert, use_deltas) -> tuple:
    if isinstance(cert, x509.Certificate):
        points = cert.crl_distribution_points + (
            cert.delta_crl_distribution_points if use_deltas else []
        )
        urls = tuple(sorted(str(dp.url) for dp in points if dp.url))
        return ("crl", cert.issuer.sha256, urls, bool(use_deltas))
    return ("crl-ac", issuer_serial(cert), bool(use_deltas))


class CachingFetcherBackend(FetcherBackend):
    """Fetchers that answer from ``cache`` while an entry is valid and otherwise ask ``inner``
    (a factory of the library's HTTP backend), storing what they fetch. ``scope`` (the trust
    configuration key) is part of every cache key."""

    def __init__(self, *, cache: RevocationCache, scope: str, inner: Callable[[], FetcherBackend]):
        self.cache = cache
        self.scope = scope
        self._inner_factory = inner
        self._inner_backend: FetcherBackend | None = None
        self._inner_fetchers: Fetchers | None = None

    def inner(self) -> Fetchers:
        if self._inner_fetchers is None:
            self._inner_backend = self._inner_factory()
            self._inner_fetchers = self._inner_backend.get_fetchers()
        return self._inner_fetchers

    def provisioned(self) -> Fetchers | None:
        """The inner fetchers if a cache miss provisioned them in this operation."""
        return self._inner_fetchers

    def get_fetchers(self) -> Fetchers:
        return Fetchers(
            ocsp_fetcher=_CachingOCSPFetcher(self),
            crl_fetcher=_CachingCRLFetcher(self),
            cert_fetcher=_LazyCertFetcher(self),
        )

    async def close(self):
        backend, self._inner_backend, self._inner_fetchers = self._inner_backend, None, None
        if backend is not None:
            await backend.close()


class _CachingOCSPFetcher(OCSPFetcher):
    def __init__(self, backend: CachingFetcherBackend):
        self.backend = backend
        self._results: dict[bytes, list] = {}

    async def fetch(self, cert, authority):
        subject = issuer_serial(cert)
        key = (self.backend.scope, "ocsp", subject, authority.hashable)
        response = self.backend.cache.get(key)
        if response is None:
            response = await self.backend.inner().ocsp_fetcher.fetch(cert, authority)
            self.backend.cache.put(key, response, ocsp_expiry(response))
        self._results.setdefault(subject, []).append(response)
        return response

    def fetched_responses(self):
        return [r for responses in self._results.values() for r in responses]

    def fetched_responses_for_cert(self, cert):
        return list(self._results.get(issuer_serial(cert), []))


class _CachingCRLFetcher(CRLFetcher):
    def __init__(self, backend: CachingFetcherBackend):
        self.backend = backend
        self._results: dict[bytes, list] = {}

    async def fetch(self, cert, *, use_deltas=None):
        key = (self.backend.scope, *_crl_key(cert, use_deltas))
        crls = self.backend.cache.get(key)
        if crls is None:
            crls = list(await self.backend.inner().crl_fetcher.fetch(cert, use_deltas=use_deltas))
            self.backend.cache.put(key, crls, crl_expiry(crls))
        self._results[issuer_serial(cert)] = list(crls)
        return list(crls)

    def fetched_crls(self):
        seen, out = set(), []
        for crls in self._results.values():
            for item in crls:
                if id(item) not in seen:
                    seen.add(id(item))
                    out.append(item)
        return out

    def fetched_crls_for_cert(self, cert):
        return list(self._results[issuer_serial(cert)])  # KeyError: not fetched yet (the API)


class _LazyCertFetcher(CertificateFetcher):
    """Issuer certificates (AIA caIssuers) are not cached: the embedded chain normally suffices,
    and the library's own fetcher is provisioned only when it does not."""

    def __init__(self, backend: CachingFetcherBackend):
        self.backend = backend

    def fetch_cert_issuers(self, cert):
        return self.backend.inner().cert_fetcher.fetch_cert_issuers(cert)

    def fetch_crl_issuers(self, certificate_list):
        return self.backend.inner().cert_fetcher.fetch_crl_issuers(certificate_list)

    def fetched_certs(self):
        fetchers = self.backend.provisioned()
        return list(fetchers.cert_fetcher.fetched_certs()) if fetchers is not None else []


# --- the deployment's trust configuration ------------------------------------------------------

_ROOT_CONFIGS = 8  # trust configurations kept parsed (settings changes in tests, admin edits)
_roots_by_key: ProcessCache[list] = ProcessCache(
    "signatures.trust_roots", max_entries=_ROOT_CONFIGS
)
_cache: RevocationCache | None = None


def revocation_cache() -> RevocationCache:
    """This process's revocation cache (sized by ``SIGNATURES_REVINFO_CACHE_SIZE``)."""
    global _cache
    if _cache is None:
        from django.conf import settings

        size = int(getattr(settings, "SIGNATURES_REVINFO_CACHE_SIZE", DEFAULT_CACHE_SIZE))
        _cache = RevocationCache(max_entries=size)
    return _cache


def _root_sources() -> list[bytes]:
    from django.conf import settings

    from .models import CertificateAuthority

    sources = [
        Path(path).read_bytes() for path in getattr(settings, "SIGNATURES_TRUST_ROOTS", []) or []
    ]
    sources.extend(
        pem.encode()
        for pem in CertificateAuthority.objects.filter(is_trusted=True)
        .order_by("pk")
        .values_list("certificate_pem", flat=True)
    )
    return sources


def trust_configuration() -> tuple[str, list]:
    """(key, roots): the digest naming the current trust configuration and its parsed roots."""
    from django.conf import settings

    from .providers.base import asn1_certs

    sources = _root_sources()
    digest = hashlib.sha256()
    for source in sources:
        digest.update(hashlib.sha256(source).digest())
    digest.update(repr(getattr(settings, "SIGNATURES_ALLOW_FETCHING", True)).encode())
    digest.update(repr(getattr(settings, "SIGNATURES_REVOCATION_MODE", "soft-fail")).encode())
    key = digest.hexdigest()
    roots = _roots_by_key.get_or_set(
        key, lambda: [cert for source in sources for cert in asn1_certs(source)]
    )
    return key, roots


def _http_backend() -> FetcherBackend:
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

    return AIOHttpFetcherBackend(per_request_timeout=10)


def validation_context(
    *,
    cache: RevocationCache | None = None,
    revocation_mode: str | None = None,
    inner: Callable[[], FetcherBackend] | None = None,
    **kwargs,
) -> ValidationContext:
    """A fresh ValidationContext (validation time: now) of the current trust configuration, its
    OCSP/CRL fetching answered from the process's revocation cache while valid. ``cache`` and
    ``inner`` (the HTTP backend factory) are for tests; other keyword arguments go to
    ``ValidationContext``."""
    from django.conf import settings

    key, roots = trust_configuration()
    allow = getattr(settings, "SIGNATURES_ALLOW_FETCHING", True)
    mode = revocation_mode or getattr(settings, "SIGNATURES_REVOCATION_MODE", "soft-fail")
    if allow:
        kwargs["fetcher_backend"] = OwnedFetcherBackend(
            CachingFetcherBackend(
                cache=cache if cache is not None else revocation_cache(),
                scope=key,
                inner=inner or _http_backend,
            )
        )
    return ValidationContext(
        trust_roots=roots, allow_fetching=allow, revocation_mode=mode, **kwargs
    )
