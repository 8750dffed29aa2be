"""Reads: trust roots, and the identities a user may sign with (access checked)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from chinhquyen.core.errors import NotFound

from .models import CertificateAuthority, IdentityKind, SigningIdentity
from .providers.base import asn1_certs


def trust_roots() -> list:
    """asn1crypto certificates trusted as roots: the PEM files of ``SIGNATURES_TRUST_ROOTS`` and
    the CAs marked trusted in the database (our development roots, imported national roots)."""
    roots = []
    for path in getattr(settings, "SIGNATURES_TRUST_ROOTS", []) or []:
        roots.extend(asn1_certs(Path(path).read_bytes()))
    for pem in CertificateAuthority.objects.filter(is_trusted=True).values_list(
        "certificate_pem", flat=True
    ):
        roots.extend(asn1_certs(pem))
    return roots


def identity_personal_for(*, user) -> SigningIdentity:
    """The person's active signing identity, or NotFound."""
    ident = (
        SigningIdentity.objects.filter(user=user, kind=IdentityKind.PERSONAL, is_active=True)
        .order_by("-created_at")
        .first()
    )
    if ident is None:
        raise NotFound(_("Bạn chưa có chứng thư số cá nhân."), code="no_personal_identity")
    return ident


def identity_agency_for(*, agency_id: int) -> SigningIdentity:
    ident = (
        SigningIdentity.objects.filter(
            agency_id=agency_id, kind=IdentityKind.AGENCY, is_active=True
        )
        .order_by("-created_at")
        .first()
    )
    if ident is None:
        raise NotFound(_("Cơ quan chưa có chứng thư số."), code="no_agency_identity")
    return ident


def user_keeps_seal(*, user) -> bool:
    """Whether ``user`` applies their agency's seal: an officer holding one of the roles the
    agency gives the seal (``Agency.seal_roles``: the clerk, the one-stop counter, …)."""
    from chinhquyen.accounts.selectors import profile_of

    profile = profile_of(user)
    if profile is None or not profile.is_officer:
        return False
    return bool(set(profile.roles) & set(profile.agency.seal_roles))
