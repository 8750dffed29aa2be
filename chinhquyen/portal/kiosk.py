"""The evaluation kiosk at the counter (Circular 01/2018): a screen with large buttons where the
applicant scores a finished dossier without logging in, by typing its code or scanning the QR of
the receipt (a scanner types the QR's address, which ends with the code).

A kiosk is a device that an officer of the agency switched on (``/can-bo/kiosk/``): a signed
cookie names the agency, for one working day. It evaluates only that agency's ended dossiers,
each once, and shows nothing personal — the code, the procedure and the agency only.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chinhquyen.core.errors import DomainError
from chinhquyen.dossiers.evaluation import INDICATORS
from chinhquyen.dossiers.services import dossier_evaluate_at_kiosk, dossier_for_kiosk
from chinhquyen.pages.common import kiosk_agency  # the cookie the workspace writes
from chinhquyen.units.models import Agency

KIOSK_RESET_SECONDS = getattr(settings, "KIOSK_RESET_SECONDS", 10)  # the thanks screen, then back
_CODE = re.compile(r"[0-9A-Za-z.\-]{6,40}")


def code_from_input(text: str) -> str:
    """The dossier code from what was typed or scanned: a code, or the lookup address
    ``…/tra-cuu/<code>`` that the receipt's QR holds."""
    text = (text or "").strip()
    if "/tra-cuu/" in text:
        text = text.split("/tra-cuu/", 1)[1].split("?", 1)[0].strip("/")
    return text if _CODE.fullmatch(text) else ""


def _not_enabled(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/kiosk_off.html", status=403)


def _render(request, template: str, agency: Agency, status: int = 200, **context) -> HttpResponse:
    response = render(request, template, {"agency": agency, **context}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def kiosk_start(request: HttpRequest) -> HttpResponse:
    agency = kiosk_agency(request)
    if agency is None:
        return _not_enabled(request)
    error, typed = "", ""
    if request.method == "POST":
        typed = request.POST.get("ma", "")
        code = code_from_input(typed)
        if not code:
            error = _("Nhập mã hồ sơ in trên phiếu hẹn, hoặc quét mã QR trên phiếu.")
        else:
            try:
                dossier_for_kiosk(agency_pk=agency.pk, code=code)
                return redirect("portal:kiosk_evaluate", code=code)
            except DomainError as exc:
                error = exc.message
    return _render(
        request,
        "portal/kiosk_start.html",
        agency,
        status=422 if error else 200,
        error=error,
        typed=typed,
    )


@require_http_methods(["GET", "POST"])
def kiosk_evaluate(request: HttpRequest, code: str) -> HttpResponse:
    agency = kiosk_agency(request)
    if agency is None:
        return _not_enabled(request)
    try:
        dossier = dossier_for_kiosk(agency_pk=agency.pk, code=code)
    except DomainError as exc:
        return _render(request, "portal/kiosk_start.html", agency, status=409, error=exc.message)
    chosen: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    message = ""
    if request.method == "POST":
        chosen = {i["no"]: request.POST.get(f"chi_tieu_{i['no']}", "") for i in INDICATORS}
        try:
            dossier_evaluate_at_kiosk(agency_pk=agency.pk, code=dossier.code, scores=chosen)
            return redirect(reverse("portal:kiosk_thanks"))
        except DomainError as exc:
            message, errors = exc.message, exc.fields
    indicators = [
        {
            **i,
            "chosen": chosen.get(i["no"], ""),
            "errors": errors.get(f"scores.{i['no']}", []),
        }
        for i in INDICATORS
    ]
    return _render(
        request,
        "portal/kiosk_evaluate.html",
        agency,
        status=422 if message else 200,
        dossier=dossier,
        indicators=indicators,
        message=message,
    )


def kiosk_thanks(request: HttpRequest) -> HttpResponse:
    agency = kiosk_agency(request)
    if agency is None:
        return _not_enabled(request)
    return _render(request, "portal/kiosk_thanks.html", agency, seconds=KIOSK_RESET_SECONDS)
