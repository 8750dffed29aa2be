"""The officer page under /lien-thong/: the agency's incoming and outgoing registers, status
answers on incoming documents, and the inspectors' figures for a period."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chinhquyen.core.errors import DomainError, NotFound
from chinhquyen.units.selectors import agency_names

from . import edxml, selectors, services
from .figures import figures_for


def officer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        visible = selectors.agencies_visible_to(request.user)
        if visible is not None and not visible:
            return render(request, "exchange/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


# Answers an officer of the receiving agency may give from this page.
ANSWER_CODES = ["03", "02", "04", "05", "06", "15", "16"]


@officer_required
def registers(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("so", "in")
    if direction not in ("in", "out"):
        direction = "in"
    rows = list(selectors.register_list(user=request.user, direction=direction)[:200])
    today = timezone.localdate()
    date_from = _date(request.GET.get("tu"), today.replace(day=1))
    date_to = _date(request.GET.get("den"), today)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    visible = selectors.agencies_visible_to(request.user)
    agencies = sorted(visible) if visible is not None else sorted({r.agency_id for r in rows})
    figures = [figures_for(agency_id=a, date_from=date_from, date_to=date_to) for a in agencies]
    # Agencies by name, their QCVN 102 code beside it (a counterpart outside the province may
    # be unknown here: then the name its message carried, else the code alone).
    names = agency_names([r.counterpart_id for r in rows] + agencies)
    return render(
        request,
        "exchange/registers.html",
        {
            "direction": direction,
            "rows": [
                {
                    "entry": r,
                    "counterpart": names.get(r.counterpart_id) or r.counterpart_name,
                    "at": r.received_at if direction == "in" else r.sent_at,
                }
                for r in rows
            ],
            "figures": [
                {
                    "figures": f,
                    "name": names.get(f.agency_id, ""),
                    "shares": [None if v is None else round(v * 100, 1) for v in f.shares],
                }
                for f in figures
            ],
            "date_from": date_from,
            "date_to": date_to,
            "answer_codes": [(c, edxml.STATUS_CODES[c]) for c in ANSWER_CODES],
        },
    )


@officer_required
@require_POST
def answer(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = selectors.register_entry_get_for_user(user=request.user, pk=entry_id)
        services.status_send(
            entry=entry,
            code=request.POST.get("code", ""),
            description=request.POST.get("description", ""),
            staff=request.user.profile.full_name,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã gửi trạng thái cho cơ quan gửi."))
    return redirect("exchange:registers")


@officer_required
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One register line: the document, its files (unwrapped when the sender's software zipped
    them) and any warning about what was received."""
    try:
        line = selectors.register_entry_get_for_user(user=request.user, pk=entry_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    doc = selectors.register_entry_document(entry=line)
    return render(
        request,
        "exchange/entry.html",
        {
            "entry": line,
            "direction": line.direction,
            "document": doc.model,
            "files": doc.files,
            "warnings": doc.warnings,
        },
    )


def file_response(content) -> HttpResponse:
    """A file handed out for download, never rendered by the browser."""
    resp = HttpResponse(content.data, content_type=content.content_type)
    resp["Content-Disposition"] = content_disposition_header(True, content.name)
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = "sandbox"
    resp["Cache-Control"] = "private, no-store"
    return resp


@officer_required
def attachment(request: HttpRequest, entry_id: int, index: int) -> HttpResponse:
    try:
        line = selectors.register_entry_get_for_user(user=request.user, pk=entry_id)
        content = selectors.register_entry_file(entry=line, index=index)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return file_response(content)
