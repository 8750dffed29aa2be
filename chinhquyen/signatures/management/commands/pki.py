"""chinhquyen pki …: the development CA, identities from our CA, PKCS#12 files or PKCS#11 tokens.

    chinhquyen pki init-ca --name "CQ Dev Root CA" [--crl-url URL] [--ocsp-url URL]
    chinhquyen pki issue-agency --ca NAME --agency 000.01.31.H26 --label seal-a --image seal.png
    chinhquyen pki issue-personal --ca NAME --agency … --user lanhdao --label lanhdao --image sig.png
    chinhquyen pki import-p12 FILE --password-env P12_PASS --kind personal --agency … --user …
    chinhquyen pki pkcs11 --module /usr/lib/softhsm/libsofthsm2.so --token T --key-label K \
        --kind agency --agency … --label … [--cert-label C | --cert-file cert.pem]
    chinhquyen pki register-remote --remote-user lanhdao [--credential ID] --kind personal \
        --agency … --user lanhdao --label lanhdao-smartca [--image sig.png]
    chinhquyen pki trust-root --name "Root CA Chính phủ" FILE.pem
    chinhquyen pki set-image --label … FILE.png
    chinhquyen pki list

Keys are written encrypted (SIGNATURES_KEY_PASSPHRASE) under SIGNATURES_KEY_DIR (var/keys/);
a token PIN comes from SIGNATURES_PKCS11_PIN, never from the command line. A remote identity's
certificate is read from the remote signing provider (SIGNATURES_REMOTE_URL and its client
credentials); its key never leaves the provider.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chinhquyen.core.errors import DomainError


class Command(BaseCommand):
    help = "Quản lý hạ tầng khóa: CA phát triển, chứng thư cá nhân/cơ quan, PKCS#12, PKCS#11."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        p = sub.add_parser("init-ca", help="create a development root CA")
        p.add_argument("--name", required=True)
        p.add_argument("--organisation", default="")
        p.add_argument("--crl-url", default="")
        p.add_argument("--ocsp-url", default="")
        p.add_argument("--days", type=int, default=3650)

        for kind in ("agency", "personal"):
            p = sub.add_parser(f"issue-{kind}", help=f"issue a {kind} certificate from our CA")
            p.add_argument("--ca", required=True, help="CA name")
            p.add_argument("--agency", required=True, help="agency id (QCVN 102)")
            p.add_argument("--label", required=True)
            p.add_argument("--name", default="", help="common name (default: agency/user name)")
            p.add_argument("--identifier", default="", help="CCCD number or budget code")
            p.add_argument("--image", default="", help="PNG: blue signature / red seal")
            p.add_argument("--days", type=int, default=730)
            if kind == "personal":
                p.add_argument("--user", required=True)
                p.add_argument("--title", default="")

        p = sub.add_parser("import-p12", help="import a PKCS#12 file from a Vietnamese CA")
        p.add_argument("file")
        p.add_argument("--password-env", default="", help="environment variable holding it")
        self._identity_args(p)

        p = sub.add_parser("pkcs11", help="register a key held on a PKCS#11 token/HSM")
        p.add_argument("--module", required=True)
        p.add_argument("--token", required=True)
        p.add_argument("--key-label", required=True)
        p.add_argument("--cert-label", default="")
        p.add_argument("--cert-file", default="", help="PEM certificate (+chain) if not on token")
        self._identity_args(p)

        p = sub.add_parser(
            "register-remote", help="register a key held by the remote signing provider"
        )
        p.add_argument("--remote-user", required=True, help="the person's account there")
        p.add_argument("--credential", default="", help="credential id (default: first active)")
        self._identity_args(p)

        p = sub.add_parser("trust-root", help="trust a root certificate for validation")
        p.add_argument("--name", required=True)
        p.add_argument("file")

        p = sub.add_parser("set-image", help="set the signature/seal PNG of an identity")
        p.add_argument("--label", required=True)
        p.add_argument("file")

        sub.add_parser("list", help="list CAs and identities")

    @staticmethod
    def _identity_args(p):
        p.add_argument("--kind", choices=["personal", "agency"], required=True)
        p.add_argument("--agency", required=True)
        p.add_argument("--user", default="")
        p.add_argument("--label", required=True)
        p.add_argument("--image", default="")

    def handle(self, *args, action: str, **opts):
        try:
            getattr(self, "do_" + action.replace("-", "_"))(**opts)
        except DomainError as exc:
            details = "; ".join(m for ms in exc.fields.values() for m in ms)
            raise CommandError(f"{exc.message} {details}".strip()) from exc

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _agency(agency_id: str):
        from chinhquyen.units.models import Agency

        agency = Agency.objects.filter(agency_id=agency_id).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã {agency_id}.")
        return agency

    @staticmethod
    def _user(username: str):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có người dùng {username}.")
        return user

    @staticmethod
    def _image(path: str) -> bytes:
        return Path(path).read_bytes() if path else b""

    # --- actions ----------------------------------------------------------------------------
    def do_init_ca(self, *, name, organisation, crl_url, ocsp_url, days, **_):
        from chinhquyen.signatures.services import ca_init

        ca = ca_init(
            name=name, organisation=organisation, crl_url=crl_url, ocsp_url=ocsp_url, days=days
        )
        self.stdout.write(f"Đã tạo CA '{ca.name}' (khóa: {ca.key_path}).")

    def _issue(self, kind, *, ca, agency, label, name, identifier, image, days, **opts):
        from chinhquyen.accounts.selectors import profile_of
        from chinhquyen.signatures.models import CertificateAuthority
        from chinhquyen.signatures.services import identity_issue

        ca_row = CertificateAuthority.objects.filter(name=ca).first()
        if ca_row is None:
            raise CommandError(f"Không có CA '{ca}'.")
        agency_row = self._agency(agency)
        user = self._user(opts.get("user", ""))
        if not name:
            profile = profile_of(user) if user else None
            name = (profile.full_name if profile else "") or (
                user.username if user else agency_row.name
            )
        ident = identity_issue(
            ca=ca_row,
            label=label,
            kind=kind,
            agency=agency_row,
            user=user,
            common_name=name,
            identifier=identifier,
            title=opts.get("title", ""),
            image_png=self._image(image),
            days=days,
        )
        self.stdout.write(f"Đã cấp chứng thư {ident.subject} (số hiệu {ident.serial_hex}).")

    def do_issue_agency(self, **opts):
        self._issue("agency", **opts)

    def do_issue_personal(self, **opts):
        self._issue("personal", **opts)

    def do_import_p12(self, *, file, password_env, kind, agency, user, label, image, **_):
        from chinhquyen.signatures.services import identity_import_p12

        password = os.environ.get(password_env, "") if password_env else ""
        ident = identity_import_p12(
            data=Path(file).read_bytes(),
            password=password or None,
            label=label,
            kind=kind,
            agency=self._agency(agency),
            user=self._user(user),
            image_png=self._image(image),
        )
        self.stdout.write(f"Đã nhập {ident.subject} (số hiệu {ident.serial_hex}).")

    def do_pkcs11(
        self,
        *,
        module,
        token,
        key_label,
        cert_label,
        cert_file,
        kind,
        agency,
        user,
        label,
        image,
        **_,
    ):
        from chinhquyen.signatures.services import identity_register_pkcs11

        ident = identity_register_pkcs11(
            module=module,
            token=token,
            key_label=key_label,
            cert_label=cert_label,
            certificate_pem=Path(cert_file).read_text() if cert_file else "",
            label=label,
            kind=kind,
            agency=self._agency(agency),
            user=self._user(user),
            image_png=self._image(image),
        )
        self.stdout.write(f"Đã đăng ký khóa trên thiết bị: {ident.subject}.")

    def do_register_remote(self, *, remote_user, credential, kind, agency, user, label, image, **_):
        from chinhquyen.signatures.services import identity_register_remote

        ident = identity_register_remote(
            remote_user_id=remote_user,
            credential_id=credential,
            label=label,
            kind=kind,
            agency=self._agency(agency),
            user=self._user(user),
            image_png=self._image(image),
        )
        self.stdout.write(
            f"Đã đăng ký khóa ký số từ xa: {ident.subject} (chứng thư {ident.remote_credential_id})."
        )

    def do_trust_root(self, *, name, file, **_):
        from chinhquyen.signatures.services import ca_trust

        ca_trust(name=name, certificate_pem=Path(file).read_text())
        self.stdout.write(f"Đã tin cậy '{name}'.")

    def do_set_image(self, *, label, file, **_):
        from chinhquyen.signatures.models import SigningIdentity
        from chinhquyen.signatures.services import identity_set_image

        ident = SigningIdentity.objects.filter(label=label).first()
        if ident is None:
            raise CommandError(f"Không có danh tính '{label}'.")
        identity_set_image(identity=ident, image_png=Path(file).read_bytes())
        self.stdout.write("Đã cập nhật ảnh.")

    def do_list(self, **_):
        from chinhquyen.signatures.models import CertificateAuthority, SigningIdentity

        for ca in CertificateAuthority.objects.order_by("name"):
            flags = ("cấp được" if ca.can_issue else "chỉ tin cậy") if ca.is_trusted else "tắt"
            self.stdout.write(f"CA\t{ca.name}\t{flags}")
        for ident in SigningIdentity.objects.select_related("agency", "user").order_by("label"):
            self.stdout.write(
                f"{ident.kind}\t{ident.label}\t{ident.agency.agency_id}\t"
                f"{ident.user.username if ident.user else '-'}\t{ident.storage}\t"
                f"{ident.not_after:%Y-%m-%d}\t{ident.subject}"
            )
