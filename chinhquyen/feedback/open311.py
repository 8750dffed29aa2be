"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) over the feedback services.

One jurisdiction (this installation): ``jurisdiction_id`` is accepted and ignored. Each
``FeedbackKind`` is a service; its attributes name what the feedback is about (dossier code,
procedure code, agency), which is how it is routed. ``POST requests`` needs an ``api_key`` of an
active ``Open311Client``; the GET methods are public and therefore never show personal data: the
description and the answer appear only once published, and then redacted, and the location
then only rounded to about 100 m (``Feedback.public_location``); the sender, the location
address and media URLs never appear. Requests are created with ``lat``/``long`` or
``address_string``, as the specification says.

Errors have the Open311 shape: ``[{"code": 400, "description": "…"}]`` or
``<errors><error><code>400</code><description>…</description></error></errors>``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from chinhquyen.core.errors import DomainError
from chinhquyen.workdays.calendar import as_vietnam_time
from chinhquyen.workdays.text import deadline_text

from . import services
from .models import OPEN_STATES, Feedback, FeedbackChannel, FeedbackKind, FeedbackState

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
CHANGESET = "2026-11-25T00:00:00+07:00"
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)

SERVICE_TEXT = {
    FeedbackKind.DOSSIER: (
        "Phản ánh về việc giải quyết một hồ sơ (chậm, sai, nhũng nhiễu…).",
        ["hồ sơ", "trễ hạn", "dossier"],
    ),
    FeedbackKind.PROCEDURE: (
        "Phản ánh, kiến nghị về quy định hành chính, thủ tục hành chính.",
        ["thủ tục", "quy định", "procedure"],
    ),
    FeedbackKind.AGENCY: (
        "Phản ánh về hành vi, thái độ của cơ quan, cán bộ, công chức.",
        ["cơ quan", "cán bộ", "agency"],
    ),
}

ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    FeedbackKind.DOSSIER: [
        {
            "code": "dossier_code",
            "datatype": "string",
            "required": True,
            "description": "Mã hồ sơ (in trên giấy tiếp nhận)",
        },
    ],
    FeedbackKind.PROCEDURE: [
        {
            "code": "procedure_code",
            "datatype": "string",
            "required": True,
            "description": "Mã thủ tục hành chính",
        },
        {
            "code": "agency_id",
            "datatype": "singlevaluelist",
            "required": False,
            "description": "Cơ quan tiếp nhận (không bắt buộc)",
        },
    ],
    FeedbackKind.AGENCY: [
        {
            "code": "agency_id",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "Cơ quan bị phản ánh",
        },
    ],
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --------------------------------------------------------------------------- rendering


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    el = ET.SubElement(parent, key)
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def _xml(root: str, item: str | None, data: Any, nested: dict[str, str] | None = None) -> bytes:
    """Open311's XML: a root holding one element per item, lists nested under their own names
    (``nested`` maps a list key to its item name: attributes → attribute, values → value…)."""
    nested = {
        "attributes": "attribute",
        "values": "value",
        "endpoints": "endpoint",
        "formats": "format",
        "keywords": None,
        **(nested or {}),
    }

    def fill(el: ET.Element, obj: dict[str, Any]) -> None:
        for key, value in obj.items():
            if isinstance(value, list):
                if nested.get(key) is None:  # a comma-separated list in one element
                    _xml_value(el, key, ",".join(str(v) for v in value))
                    continue
                holder = ET.SubElement(el, key)
                for entry in value:
                    if isinstance(entry, dict):
                        fill(ET.SubElement(holder, nested[key]), entry)
                    else:
                        _xml_value(holder, nested[key], entry)
            elif isinstance(value, dict):
                fill(ET.SubElement(el, key), value)
            else:
                _xml_value(el, key, value)

    top = ET.Element(root)
    if item is None:
        fill(top, data)
    else:
        for entry in data:
            fill(ET.SubElement(top, item), entry)
    body = ET.tostring(top, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>' + body).encode()


def _respond(
    fmt: str, data: Any, *, root: str, item: str | None, status: int = 200
) -> HttpResponse:
    if fmt == "xml":
        body = _xml(root, item, data)
    else:
        body = json.dumps(data, ensure_ascii=False, default=str).encode()
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(
        fmt if fmt in FORMATS else "json",
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def error_for_path(path: str, status: int, description: str) -> HttpResponse:
    """An error in Open311's shape for any path under /open311/ (the project's error handlers use
    it for Django's own 400/403/404/405/413/500): XML when the path asks for ``.xml``."""
    return _error("xml" if path.endswith(".xml") else "json", status, description)


def open311_view(methods: list[str]):
    """Format check, Open311 errors for every failure, CSRF off (clients are not browsers)."""

    def wrap(func):
        @csrf_exempt
        @require_http_methods(methods)
        def view(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            if fmt not in FORMATS:
                return _error("json", 404, "Định dạng không hỗ trợ (chỉ json hoặc xml).")
            try:
                return func(request, fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.description)
            except DomainError as exc:
                details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
                return _error(fmt, 400, f"{exc.message} {details}".strip())

        view.__name__ = func.__name__
        return view

    return wrap


def _w3c(value: dt.datetime | None) -> str | None:
    return as_vietnam_time(value).isoformat(timespec="seconds") if value else None


# --------------------------------------------------------------------------- discovery, services


@open311_view(["GET"])
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", args=["json"])).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or settings.DEFAULT_FROM_EMAIL,
        "key_service": "Liên hệ quản trị hệ thống để được cấp API key (manage.py open311_key).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base + "/",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, data, root="discovery", item=None)


def _service(kind: FeedbackKind) -> dict[str, Any]:
    description, keywords = SERVICE_TEXT[kind]
    return {
        "service_code": kind.value,
        "service_name": str(kind.label),
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": keywords,
        "group": "Phản ánh, kiến nghị",
    }


@open311_view(["GET"])
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _respond(fmt, [_service(k) for k in FeedbackKind], root="services", item="service")


@open311_view(["GET"])
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if code not in FeedbackKind.values:
        raise Open311Error(404, f"Không có dịch vụ với service_code {code}.")
    from chinhquyen.units.models import Agency

    agencies = [
        {"key": a.agency_id, "name": a.name}
        for a in Agency.objects.filter(is_active=True).order_by("agency_id")
    ]
    attributes = []
    for order, spec in enumerate(ATTRIBUTES[code], start=1):
        attribute = {
            "variable": True,
            "code": spec["code"],
            "datatype": spec["datatype"],
            "required": spec["required"],
            "datatype_description": spec["description"],
            "order": order,
            "description": spec["description"],
        }
        if spec["datatype"] == "singlevaluelist":
            attribute["values"] = agencies
        attributes.append(attribute)
    data = {"service_code": code, "attributes": attributes}
    return _respond(fmt, data, root="service_definition", item=None)


# --------------------------------------------------------------------------- requests


def _request_row(feedback: Feedback) -> dict[str, Any]:
    published = feedback.state == FeedbackState.PUBLISHED
    location = feedback.public_location()  # rounded to about 100 m
    if published:
        notes = feedback.public_answer
    elif feedback.state == FeedbackState.REFUSED:
        notes = "Không tiếp nhận."
    else:
        notes = str(feedback.get_state_display())
    return {
        "service_request_id": feedback.code,
        "status": "open" if feedback.state in OPEN_STATES else "closed",
        "status_notes": notes,
        "service_name": str(FeedbackKind(feedback.kind).label),
        "service_code": feedback.kind,
        # Personal data never leaves: only the redacted, published texts and location.
        "description": feedback.public_description if published else "",
        "agency_responsible": feedback.agency.name,
        "service_notice": "",
        "requested_datetime": _w3c(feedback.received_at),
        "updated_datetime": _w3c(feedback.updated_at),
        "expected_datetime": _w3c(feedback.due_at),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": float(location[0]) if published and location else None,
        "long": float(location[1]) if published and location else None,
        "media_url": "",
    }


def _parse_date(value: str, name: str) -> dt.datetime:
    """A W3C date-time; one that cannot exist (year 0, month 13) or cannot be held in UTC (year 1
    east of Greenwich, year 9999 west of it) is refused like a malformed one, with a 400."""
    try:
        parsed = parse_datetime(value.replace(" ", "+")) if value else None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            parsed = parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} phải theo định dạng W3C, ví dụ 2026-01-01T00:00:00Z.")
    return parsed


@open311_view(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    qs = Feedback.objects.select_related("agency").order_by("-received_at")
    ids = request.GET.get("service_request_id", "").strip()
    if ids:  # overrides every other filter (spec)
        qs = qs.filter(code__in=[i.strip() for i in ids.split(",") if i.strip()])
    else:
        codes = [c for c in request.GET.get("service_code", "").split(",") if c]
        if codes:
            qs = qs.filter(kind__in=codes)
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status chỉ nhận open hoặc closed.")
        if statuses == {"open"}:
            qs = qs.filter(state__in=OPEN_STATES)
        elif statuses == {"closed"}:
            qs = qs.exclude(state__in=OPEN_STATES)
        start = request.GET.get("start_date", "")
        end = request.GET.get("end_date", "")
        start_at = _parse_date(start, "start_date") if start else None
        end_at = _parse_date(end, "end_date") if end else None
        if start_at and end_at and end_at < start_at:
            raise Open311Error(400, "end_date phải sau start_date.")
        if start_at is None and end_at is None:
            from django.utils import timezone

            start_at = timezone.now() - DEFAULT_WINDOW
        if start_at:
            qs = qs.filter(received_at__gte=start_at)
        if end_at:
            qs = qs.filter(received_at__lte=end_at)
    rows = [_request_row(f) for f in qs[:MAX_RESULTS]]
    return _respond(fmt, rows, root="service_requests", item="request")


@open311_view(["GET"])
def request_detail(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    feedback = Feedback.objects.select_related("agency").filter(code=code).first()
    if feedback is None:
        raise Open311Error(404, f"Không tìm thấy yêu cầu {code}.")
    return _respond(fmt, [_request_row(feedback)], root="service_requests", item="request")


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = services.open311_client_authenticate(data.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key không hợp lệ hoặc đã bị thu hồi.")
    code = data.get("service_code", "")
    if not code:
        raise Open311Error(400, "Thiếu service_code.")
    if code not in FeedbackKind.values:
        raise Open311Error(404, f"Không có dịch vụ với service_code {code}.")
    lat, long = data.get("lat", ""), data.get("long", "")
    address = data.get("address_string", "").strip()
    if not (lat and long) and not address and not data.get("address_id"):
        raise Open311Error(400, "Cần vị trí: lat và long, hoặc address_string.")
    attribute = {
        key[len("attribute[") : -1]: value
        for key, value in data.items()
        if key.startswith("attribute[") and key.endswith("]")
    }
    name = " ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p)
    key = request.headers.get("Idempotency-Key", "")[:100]
    feedback, _token = services.feedback_submit(
        kind=code,
        description=data.get("description", ""),
        agency_id=attribute.get("agency_id", ""),
        procedure_code=attribute.get("procedure_code", ""),
        dossier_code=attribute.get("dossier_code", ""),
        sender_name=name,
        sender_email=data.get("email", ""),
        sender_phone=data.get("phone", ""),
        lat=lat or None,
        long=long or None,
        address_string=address,
        media_url=data.get("media_url", ""),
        channel=FeedbackChannel.OPEN311,
        idem_scope=f"open311:{client.pk}",
        idem_key=key,
    )
    notice = (
        f"Đã chuyển đến {feedback.agency.name}; hạn xem xét tiếp nhận "
        f"{deadline_text(feedback.accept_due_at, language='vi', year=True)}."
    )
    row = {"service_request_id": feedback.code, "service_notice": notice, "account_id": ""}
    return _respond(fmt, [row], root="service_requests", item="request", status=201)
