"""A real SMTP server on loopback for the notification tests, and helpers shared by them."""

from __future__ import annotations

import logging
import socket
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from chinhquyen.dossiers.services import dossier_submit
from conftest import VALID_FORM

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def submit(world, **kw):
    kw.setdefault("user", world.citizen)
    return dossier_submit(
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        **kw,
    )


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at a fixed free port; stop() closes the port, start() reopens it."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.received: list[tuple[list[str], EmailMessage]] = []
        self._controller: Controller | None = None
        self.refuse = set()

    refuse: set[str]  # addresses this server answers 550 for

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # the aiosmtpd handler hook
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @staticmethod
    def subject(message: EmailMessage) -> str:
        # Django folds the encoded subject onto the next line ("Subject:\n =?utf-8?b?…"); mail
        # clients drop the fold's space, Python's parser keeps it.
        return str(message["Subject"]).strip()

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for _, message in self.received]


@pytest.fixture
def smtp(settings):
    """A running SMTP server, and the settings pointing the mail backend at it."""
    # The server's own log quotes envelopes: it stands for the remote mail server, whose logs
    # are not ours, and would only blur the checks on what this application logs.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Một cửa điện tử <no-reply@motcua.example.vn>"
    settings.PUBLIC_BASE_URL = "https://dichvucong.example.vn"
    settings.NOTIFICATIONS_ENABLED = True
    yield server
    server.stop()
    server_log.setLevel(level)
