"""Printable forms 01–07 as PDF. Thin: access-checked selector, then the renderer."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from chinhquyen.accounts.auth import bearer_or_session
from chinhquyen.core.api import binary, errors
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.dossiers.selectors import dossier_get_for_user

from .render import render_form, render_register
from .selectors import (
    form_check_available,
    forms_available,
    register_agency_for,
    register_dossiers,
)

router = Router(tags=["forms"])

REGISTER_MAX_DAYS = 366


class FormLinkOut(Schema):
    form_no: str
    title: str
    url: str


class FormsOut(Schema):
    code: str
    forms: list[FormLinkOut]


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # personal data
    return response


# Declared before "/{code}" so that "register.pdf" is not taken for a dossier code.
@router.get(
    "/register.pdf",
    auth=bearer_or_session,
    summary="Mẫu 07: sổ theo dõi hồ sơ của cơ quan (PDF, A4 ngang)",
    response={200: None, **errors(401, 403, 422)},
    openapi_extra=binary("application/pdf", description="Sổ theo dõi hồ sơ (PDF)"),
)
def register_pdf(request: HttpRequest, date_from: date | None = None, date_to: date | None = None):
    agency = register_agency_for(user=request.auth)
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to.replace(day=1)
    if date_from > date_to or (date_to - date_from).days >= REGISTER_MAX_DAYS:
        raise ValidationFailed(
            "Khoảng thời gian không hợp lệ.",
            code="invalid_date_range",
            fields={"date_from": [f"date_from ≤ date_to, tối đa {REGISTER_MAX_DAYS} ngày."]},
        )
    rows = register_dossiers(agency=agency, date_from=date_from, date_to=date_to)
    content = render_register(agency=agency, date_from=date_from, date_to=date_to, dossiers=rows)
    return _pdf(content, f"so-theo-doi-{agency.agency_id}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf")


@router.get(
    "/{code}",
    auth=bearer_or_session,
    response={200: FormsOut, **errors(401, 404)},
    summary="Các mẫu in của hồ sơ",
)
def forms_list(request: HttpRequest, code: str):
    dossier = dossier_get_for_user(user=request.auth, code=code)
    return {
        "code": dossier.code,
        "forms": [
            {
                "form_no": f.form_no,
                "title": f.title,
                "url": f"{request.path.rstrip('/')}/{f.form_no}.pdf",
            }
            for f in forms_available(dossier=dossier)
        ],
    }


@router.get(
    "/{code}/{form_no}.pdf",
    auth=bearer_or_session,
    summary="Mẫu 01–06 của hồ sơ (PDF, A5)",
    response={200: None, **errors(401, 403, 404, 409)},
    openapi_extra=binary("application/pdf", description="Mẫu in (PDF)"),
)
def form_pdf(request: HttpRequest, code: str, form_no: str):
    dossier = dossier_get_for_user(user=request.auth, code=code)
    form_check_available(dossier=dossier, form_no=form_no)
    return _pdf(render_form(form_no, dossier=dossier), f"mau-{form_no}-{dossier.code}.pdf")
