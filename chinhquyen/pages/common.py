"""Page helpers shared by the portal and the workspace."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest
from django.utils import timezone

from chinhquyen.core.errors import DomainError
from chinhquyen.reporting.periods import Period, period_parse
from chinhquyen.units.models import Agency

# The scans an upload field accepts (the `accept` attribute of the citizen's and the counter's
# file inputs).
ACCEPTED_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

# --- the evaluation kiosk's cookie: written by the workspace (an officer switches a device into
# the kiosk), read by the portal's kiosk pages.
KIOSK_COOKIE = "cq_kiosk"
KIOSK_SALT = "chinhquyen.kiosk"
KIOSK_MAX_AGE = 16 * 3600  # one working day and its evening


def kiosk_cookie_value(agency_pk: int) -> str:
    return signing.dumps({"agency": agency_pk}, salt=KIOSK_SALT)


def kiosk_agency(request: HttpRequest) -> Agency | None:
    raw = request.COOKIES.get(KIOSK_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=KIOSK_SALT, max_age=KIOSK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Agency.objects.filter(pk=data.get("agency"), is_active=True).first()


# --- the evaluation scores' period: the public page and the leaders' staff scores.


def current_quarter() -> str:
    today = timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def scores_period(code: str) -> tuple[Period, str]:
    """The period asked for (the reporting centre's codes: 2026, 2026-Q1, 2026-03 …), or the
    current quarter with the error message when the code is malformed."""
    try:
        return period_parse(code or current_quarter()), ""
    except DomainError as exc:
        return period_parse(current_quarter()), exc.message
