"""Admin: read-mostly views of CAs and identities. Keys are created and changed only through
``chinhquyen pki`` (services), never edited here."""

from __future__ import annotations

from django.contrib import admin

from .models import CertificateAuthority, SigningIdentity


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "is_trusted", "crl_url", "ocsp_url", "created_at")
    readonly_fields = ("certificate_pem", "key_path", "created_at")
    fields = ("name", "is_trusted", "crl_url", "ocsp_url", "certificate_pem", "key_path")


@admin.register(SigningIdentity)
class SigningIdentityAdmin(admin.ModelAdmin):
    list_display = ("label", "kind", "agency", "user", "storage", "not_after", "is_active")
    list_filter = ("kind", "storage", "is_active")
    search_fields = ("label", "subject", "serial_hex")
    readonly_fields = (
        "label",
        "kind",
        "agency",
        "user",
        "subject",
        "serial_hex",
        "not_before",
        "not_after",
        "certificate_pem",
        "chain_pem",
        "storage",
        "key_path",
        "pkcs11_module",
        "pkcs11_token",
        "pkcs11_key_label",
        "pkcs11_cert_label",
        "remote_user_id",
        "remote_credential_id",
        "created_at",
    )
    exclude = ("image_png",)

    def has_add_permission(self, request):
        return False
