"""Run the remote signing provider simulator (``signatures/testing/remote_simulator.py``) with a
CA from the database, for the demo and for trying remote signing by hand.

    chinhquyen signing_simulator --port 8190 --user lanhdao --register
    # the person's "phone app": http://127.0.0.1:8190/app/lanhdao

* ``--ca NAME``: the issuing CA (default: the first CA we hold a key for, e.g. the demo's);
* ``--user USERNAME`` (repeatable): give that account a key and a certificate at the provider
  (its full name, agency and ID number from the profile), under the same user id;
* ``--register``: once serving, register each ``--user`` as a remote signing identity of ours
  (``identity_register_remote``, label ``<username>-tu-xa-<serial>``, the signature image of the
  person's current identity), unless already done; needs ``SIGNATURES_REMOTE_URL`` to be this
  server's address;
* ``--state-dir`` (default ``VAR_DIR/signing-simulator``): the users' keys, so that a restart
  keeps them (transactions are in memory);
* the client credentials are ``SIGNATURES_REMOTE_CLIENT_ID`` / ``…_SECRET``, the ones the
  server uses to call the provider;
* the knobs: ``--lifetime`` (300 s), ``--auto-confirm-after S``, ``--auto-refuse-after S``,
  ``--delay S``.
"""

from __future__ import annotations

import threading
from argparse import Namespace
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from chinhquyen.core.errors import DomainError


class Command(BaseCommand):
    help = "Chạy trình mô phỏng dịch vụ ký số từ xa (kiểu SmartCA/MySign) cho bản thử nghiệm."

    def add_arguments(self, parser):
        from chinhquyen.signatures.testing.remote_simulator import add_knob_arguments

        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8190)
        parser.add_argument("--ca", default="", help="issuing CA (default: first with a key)")
        parser.add_argument("--user", action="append", default=[], help="username to enrol")
        parser.add_argument("--register", action="store_true", help="register remote identities")
        add_knob_arguments(parser)

    def handle(self, *args, host, port, ca, user, register, **opts):
        from chinhquyen.signatures.models import CertificateAuthority
        from chinhquyen.signatures.services import ca_issuer
        from chinhquyen.signatures.testing import remote_simulator as rs

        client_id = getattr(settings, "SIGNATURES_REMOTE_CLIENT_ID", "")
        secret = getattr(settings, "SIGNATURES_REMOTE_CLIENT_SECRET", "")
        if not client_id or not secret:
            raise CommandError(
                "Đặt SIGNATURES_REMOTE_CLIENT_ID và SIGNATURES_REMOTE_CLIENT_SECRET (thông tin "
                "xác thực mà máy chủ dùng khi gọi dịch vụ ký số từ xa)."
            )
        rows = CertificateAuthority.objects.exclude(key_path="").order_by("created_at")
        row = rows.filter(name=ca).first() if ca else rows.first()
        if row is None:
            raise CommandError(
                "Không có CA nào giữ khóa để cấp chứng thư (chinhquyen pki init-ca)."
            )
        issuer = ca_issuer(ca=row)
        state_dir = Path(opts["state_dir"] or Path(settings.VAR_DIR) / "signing-simulator")
        sim = rs.Simulator(
            ca_cert=issuer.cert,
            ca_key=issuer.key,
            client_id=client_id,
            client_secret=secret,
            state_dir=state_dir,
            knobs=rs.knobs_from(Namespace(**opts)),
        )
        people = [self._enrol(sim, username) for username in user]
        url = f"http://{host}:{port}"
        if register and getattr(settings, "SIGNATURES_REMOTE_URL", "").rstrip("/") != url:
            raise CommandError(f"--register cần SIGNATURES_REMOTE_URL={url}.")
        server = rs.server_on_port(rs.make_app(sim), host, port)
        self.stdout.write(f"Dịch vụ ký số từ xa (mô phỏng), CA '{row.name}': {url}/")
        for person in people:
            self.stdout.write(f"  ứng dụng của {person.username}: {url}/app/{person.username}")
        if register and people:
            threading.Thread(target=self._register_all, args=(people,), daemon=True).start()
        rs.serve(server)

    def _enrol(self, sim, username: str):
        from chinhquyen.accounts.selectors import profile_of

        person = get_user_model().objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"Không có người dùng {username}.")
        profile = profile_of(person)
        agency = profile.agency if profile else None
        sim.enrol(
            user_id=username,
            common_name=(profile.full_name if profile else "") or username,
            identifier=(profile.id_number if profile else "") or "",
            organisation=agency.name if agency else "",
        )
        return person

    def _register_all(self, people) -> None:
        try:
            for person in people:
                self._register(person)
        finally:
            close_old_connections()

    def _register(self, person) -> None:
        from chinhquyen.accounts.selectors import profile_of
        from chinhquyen.signatures.models import IdentityKind, KeyStorage, SigningIdentity
        from chinhquyen.signatures.providers.remote import RemoteSigningClient
        from chinhquyen.signatures.services import identity_register_remote
        from chinhquyen.signatures.testing.samples import blue_signature_png

        profile = profile_of(person)
        if profile is None or profile.agency is None:
            self.stderr.write(f"{person.username}: không thuộc cơ quan nào, bỏ qua.")
            return
        try:
            (credential, *_) = RemoteSigningClient.from_settings().credentials(person.username)
            serial = format(credential.certificate.serial_number, "x")
            label = f"{person.username}-tu-xa-{serial[:8]}"
            if SigningIdentity.objects.filter(label=label).exists():
                return
            current = (
                SigningIdentity.objects.filter(user=person, kind=IdentityKind.PERSONAL)
                .exclude(image_png=b"")
                .exclude(storage=KeyStorage.REMOTE)
                .order_by("-created_at")
                .first()
            )
            identity_register_remote(
                remote_user_id=person.username,
                label=label,
                kind=IdentityKind.PERSONAL,
                agency=profile.agency,
                user=person,
                image_png=bytes(current.image_png) if current else blue_signature_png(),
            )
            self.stdout.write(f"  đã đăng ký danh tính ký số từ xa {label}.")
        except DomainError as exc:
            self.stderr.write(f"{person.username}: {exc.message}")
