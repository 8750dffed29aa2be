"""E-mail through Django's configured backend (SMTP in production, see settings/base.py)."""

from __future__ import annotations

import smtplib
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from ..models import mask_address
from .base import Channel, DeliveryError

if TYPE_CHECKING:
    from chinhquyen.dossiers.models import Dossier

    from ..models import Notification


class EmailChannel(Channel):
    code = "email"

    def recipient_for(self, dossier: Dossier) -> str:
        return dossier.applicant_email.strip()

    def mask(self, recipient: str) -> str:
        return mask_address(recipient)

    def send(self, notification: Notification) -> None:
        sender_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={
                # The same id on every attempt: if a worker dies after the server accepted the
                # message but before the row says so, the resent copy can be recognised.
                "Message-ID": f"<notification-{notification.pk}@{sender_domain}>",
                # RFC 3834: tell auto-responders not to answer.
                "Auto-Submitted": "auto-generated",
            },
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"SMTPRecipientsRefused: codes {codes}",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeout, TLS or authentication failure, a server that says
            # "try later"…: worth retrying. The server's words may quote the address: mask it.
            error = str(exc).replace(notification.recipient, self.mask(notification.recipient))
            raise DeliveryError(f"{type(exc).__name__}: {error}"[:1000]) from None
