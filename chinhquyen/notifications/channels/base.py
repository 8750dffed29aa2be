"""What a notification channel provides. A new channel (SMS, Zalo…) copies ``email.py``, adds its
templates under ``templates/notifications/<code>/`` and registers itself in ``__init__.py``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from chinhquyen.dossiers.models import Dossier

    from ..models import Notification


class DeliveryError(Exception):
    """A send that did not go through. ``permanent`` ones (address refused…) are not retried.

    The message must not contain the recipient: it is stored and logged.
    """

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(ABC):
    code: ClassVar[str]

    @abstractmethod
    def recipient_for(self, dossier: Dossier) -> str:
        """The applicant's address on this channel, or "" when there is none (nothing is sent)."""

    @abstractmethod
    def mask(self, recipient: str) -> str:
        """The address as it may appear in logs and the admin."""

    @abstractmethod
    def send(self, notification: Notification) -> None:
        """Deliver the stored subject and body; raise DeliveryError when it did not go through."""
