"""Domain errors with stable codes. Services raise them; the API turns them into problem+json."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest


class DomainError(Exception):
    """A business rule refused the operation. ``code`` is stable and documented in the API."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class BadInput(BadRequest):
    """A request refused before any view reads it (a NUL character, a malformed or too large
    body). Django's ``handler400`` (``config/errors.py``) answers it in the shape of the path:
    problem+json under ``/api/``, Open311's errors under ``/open311/``, a Vietnamese page
    elsewhere. ``status`` is 400 or 413; ``field`` names the offending parameter."""

    def __init__(self, message: str, *, code: str, status: int = 400, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.field = field
