"""Dossier endpoints. Thin: parse, call a service or selector, shape the answer."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from chinhquyen.accounts.auth import bearer_or_session
from chinhquyen.core.api import api, errors
from chinhquyen.core.pagination import PageNumber, PageSize100

from . import services
from .models import Dossier, NationalStatus
from .results import files_visible_to
from .selectors import (
    dossier_get_for_user,
    dossier_get_public,
    dossier_history,
    dossiers_visible_to,
)
from .workflow import workflow_spec

router = Router(tags=["dossiers"])


def _iso(value: datetime | None, tz: tzinfo | None = None) -> str | None:
    """``value`` in local time, ISO 8601; ``tz``: the current time zone, when the caller has
    looked it up already (a look-up through asgiref, ≈ 4 µs)."""
    return timezone.localtime(value, tz).isoformat() if value else None


class ApplicantIn(Schema):
    name: str = Field(..., max_length=200)
    id_number: str = Field("", max_length=20)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)


class DossierIn(Schema):
    procedure: str = Field(..., min_length=1, max_length=40)
    agency: str = Field(..., min_length=1, max_length=13)
    form_data: dict[str, Any]
    channel: int = Field(2, ge=1, le=3, description="1 trực tiếp, 2 trực tuyến, 3 bưu chính")
    applicant: ApplicantIn | None = None


class ActionIn(Schema):
    action: str = Field(..., min_length=1, max_length=40)
    comment: str = Field("", max_length=4000)
    params: dict[str, Any] = Field(default_factory=dict)
    file_ids: list[int] = Field(default_factory=list)


# Answers. Times are ISO 8601 strings in Vietnam's time (+07:00), written by ``_iso``.
DateTimeText = str


class DossierStatusOut(Schema):
    code: str
    status: str
    status_code: int
    status_name: str
    procedure: str
    procedure_name: str
    agency: str
    agency_name: str
    submitted_at: DateTimeText | None
    received_at: DateTimeText | None
    due_at: DateTimeText | None
    finished_at: DateTimeText | None
    on_time: bool | None
    deadline_state: str | None


class ApplicantOut(Schema):
    name: str
    id_number: str
    phone: str
    email: str
    address: str
    username: str | None


class DossierUploadOut(Schema):
    id: int
    document: str
    name: str
    content_type: str
    size: int
    sha256: str


class DossierFileItemOut(DossierUploadOut):
    is_result: bool
    signed_as: str
    derived_from: int | None
    uploaded_at: DateTimeText | None


class StepOut(Schema):
    id: int
    kind: str
    agency: str
    agency_name: str
    requested_at: DateTimeText | None
    due_at: DateTimeText | None
    completed_at: DateTimeText | None
    note: str
    answer: str


class HistoryOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    actor: str | None
    actor_role: str
    agency: str | None
    at: DateTimeText | None
    comment: str
    data: dict[str, Any]
    files: list[int]


class ActionOut(Schema):
    code: str
    name: str


class DossierDetailOut(DossierStatusOut):
    channel: int
    procedure_version: int
    applicant: ApplicantOut
    form_data: dict[str, Any]
    assignee: str | None
    original_due_at: DateTimeText | None
    state_due_at: DateTimeText | None
    paused_at: DateTimeText | None
    returned_at: DateTimeText | None
    supplement_count: int
    repeated_supplement: bool
    extension_count: int
    payment_amount: int | None
    paid_at: DateTimeText | None
    result_code: str
    result_summary: str
    files: list[DossierFileItemOut]
    steps: list[StepOut]
    history: list[HistoryOut]
    actions: list[ActionOut]


class DossierItemOut(Schema):
    code: str
    status: str
    status_code: int
    procedure: str
    procedure_name: str
    agency: str
    applicant_name: str
    submitted_at: DateTimeText | None
    due_at: DateTimeText | None
    deadline_state: str | None


class DossierPageOut(Schema):
    items: list[DossierItemOut]
    count: int
    page: int
    page_size: int


class EvaluationOut(Schema):
    code: str
    scores: dict[str, int]
    total: int


def status_body(d: Dossier) -> dict[str, Any]:
    """The public view: progress only, nothing personal."""
    spec = workflow_spec(d.workflow_id)
    state = spec.states.get(d.state)
    tz = timezone.get_current_timezone()
    deadline = services.deadline_state(d)
    return {
        "code": d.code,
        "status": d.state,
        "status_code": d.status_code,
        "status_name": state.name if state else NationalStatus(d.status_code).label,
        "procedure": d.procedure.code,
        "procedure_name": d.procedure_version.name,
        "agency": d.agency.agency_id,
        "agency_name": d.agency.name,
        "submitted_at": _iso(d.submitted_at, tz),
        "received_at": _iso(d.received_at, tz),
        "due_at": _iso(d.due_at, tz),
        "finished_at": _iso(d.finished_at, tz),
        "on_time": services.on_time_of(deadline, dossier=d),
        "deadline_state": deadline,
    }


def detail_body(d: Dossier, user) -> dict[str, Any]:
    body = status_body(d)
    body.update(
        {
            "channel": d.channel,
            "procedure_version": d.procedure_version.version,
            "applicant": {
                "name": d.applicant_name,
                "id_number": d.applicant_id_number,
                "phone": d.applicant_phone,
                "email": d.applicant_email,
                "address": d.applicant_address,
                "username": d.applicant.get_username() if d.applicant_id else None,
            },
            "form_data": d.form_data,
            "assignee": d.assignee.get_username() if d.assignee_id else None,
            "original_due_at": _iso(d.original_due_at),
            "state_due_at": _iso(d.state_due_at),
            "paused_at": _iso(d.paused_at),
            "returned_at": _iso(d.returned_at),
            "supplement_count": d.supplement_count,
            "repeated_supplement": d.repeated_supplement,
            "extension_count": d.extension_count,
            "payment_amount": int(d.payment_amount) if d.payment_amount is not None else None,
            "paid_at": _iso(d.paid_at),
            "result_code": d.result_code,
            "result_summary": d.result_summary,
            "files": [
                {
                    "id": f.pk,
                    "document": f.document_code,
                    "name": f.name,
                    "content_type": f.content_type,
                    "size": f.size,
                    "sha256": f.sha256,
                    "is_result": f.is_result,
                    "signed_as": f.signed_as,
                    "derived_from": f.derived_from_id,
                    "uploaded_at": _iso(f.uploaded_at),
                }
                # The applicant: their own files and the one official result (results.py).
                for f in files_visible_to(dossier=d, user=user)
            ],
            "steps": [
                {
                    "id": s.pk,
                    "kind": s.kind,
                    "agency": s.agency.agency_id,
                    "agency_name": s.agency.name,
                    "requested_at": _iso(s.requested_at),
                    "due_at": _iso(s.due_at),
                    "completed_at": _iso(s.completed_at),
                    "note": s.note,
                    "answer": s.answer,
                }
                for s in d.steps.select_related("agency")
            ],
            "history": [
                {
                    "seq": e.seq,
                    "action": e.action,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "actor": e.actor.get_username() if e.actor_id else None,
                    "actor_role": e.actor_role,
                    "agency": e.agency.agency_id if e.agency_id else None,
                    "at": _iso(e.at),
                    "comment": e.comment,
                    "data": e.data,
                    "files": [f.pk for f in e.files.all()],
                }
                for e in dossier_history(dossier=d)
            ],
            "actions": [
                {"code": a.code, "name": a.name}
                for a in services.actions_available(dossier=d, user=user)
            ],
        }
    )
    return body


def list_item(d: Dossier) -> dict[str, Any]:
    return {
        "code": d.code,
        "status": d.state,
        "status_code": d.status_code,
        "procedure": d.procedure.code,
        "procedure_name": d.procedure_version.name,
        "agency": d.agency.agency_id,
        "applicant_name": d.applicant_name,
        "submitted_at": _iso(d.submitted_at),
        "due_at": _iso(d.due_at),
        "deadline_state": services.deadline_state(d),
    }


def submission_data(payload: DossierIn) -> dict[str, Any]:
    """What ``payload.dict()`` gives, without its deep copy of the e-form: the JSON parser's
    objects, which nothing on the way changes (a test keeps the two equal)."""
    return {
        "procedure": payload.procedure,
        "agency": payload.agency,
        "form_data": payload.form_data,
        "channel": payload.channel,
        "applicant": payload.applicant.dict() if payload.applicant is not None else None,
    }


@router.post(
    "",
    auth=bearer_or_session,
    response={201: DossierStatusOut, **errors(401, 403, 404, 409, 422)},
    summary="Nộp hồ sơ",
)
def create_dossier(request: HttpRequest, payload: DossierIn):
    user = request.auth
    data = submission_data(payload)

    def run() -> tuple[int, dict[str, Any]]:
        applicant = services.Applicant(**data["applicant"]) if data.get("applicant") else None
        dossier = services.dossier_submit(
            user=user,
            procedure_code=data["procedure"],
            agency_id=data["agency"],
            form_data=data["form_data"],
            channel=data["channel"],
            applicant=applicant,
        )
        return 201, status_body(dossier)

    status, body = services.idempotent(
        user=user,
        key=request.META.get("HTTP_IDEMPOTENCY_KEY"),
        fingerprint=services.request_fingerprint(data),
        run=run,
        look_first=False,  # an API repeat is a rare retry: let the unique index catch it
    )
    # The body is ours (status_body, or the stored copy of it): rendered as it is, without
    # ninja validating it against DossierStatusOut and copying it first (the API's fuzz test,
    # tests/test_fuzz_api.py, checks the answers against the schema).
    return api.create_response(request, body, status=status)


@router.get(
    "",
    auth=bearer_or_session,
    response={200: DossierPageOut, **errors(401, 422)},
    summary="Hồ sơ của tôi / hộp thư cơ quan",
)
def list_dossiers(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    page: PageNumber = 1,
    page_size: PageSize100 = 20,
):
    qs = dossiers_visible_to(user=request.auth)
    if status:
        qs = qs.filter(state=status)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(applicant_name__icontains=q))
    count = qs.count()
    # Open dossiers first, the most urgent first; spelled out so SQLite and PostgreSQL agree.
    ordering = (
        F("closed_at").desc(nulls_first=True),
        F("due_at").asc(nulls_last=True),
        "-submitted_at",
    )
    rows = qs.select_related("procedure", "procedure_version", "agency").order_by(*ordering)[
        (page - 1) * page_size : page * page_size
    ]
    return {
        "items": [list_item(d) for d in rows],
        "count": count,
        "page": page,
        "page_size": page_size,
    }


@router.get(
    "/{code}/status",
    auth=None,
    response={200: DossierStatusOut, **errors(404)},
    summary="Tra cứu tiến độ (công khai)",
)
def dossier_status(request: HttpRequest, code: str):
    # The most frequent call: rendered as create_dossier's answer is, without a copy.
    return api.create_response(request, status_body(dossier_get_public(code=code)), status=200)


@router.get(
    "/{code}",
    auth=bearer_or_session,
    response={200: DossierDetailOut, **errors(401, 404)},
    summary="Chi tiết hồ sơ",
)
def dossier_detail(request: HttpRequest, code: str):
    d = dossier_get_for_user(user=request.auth, code=code)
    return detail_body(d, request.auth)


@router.post(
    "/{code}/actions",
    auth=bearer_or_session,
    response={200: DossierDetailOut, **errors(401, 403, 404, 409, 422)},
    summary="Thực hiện thao tác xử lý",
)
def dossier_action(request: HttpRequest, code: str, payload: ActionIn):
    # Parameters may also be given beside "action" at the top level ({"action": "assign",
    # "assignee": "chuyenvien"}); ninja drops unknown keys, so take them from the body.
    raw = json.loads(request.body or b"{}")
    known = set(ActionIn.model_fields)
    params = {k: v for k, v in raw.items() if k not in known} if isinstance(raw, dict) else {}
    params.update(payload.params)
    d = services.dossier_act(
        user=request.auth,
        code=code,
        action=payload.action,
        comment=payload.comment,
        params=params,
        file_ids=payload.file_ids,
    )
    return detail_body(d, request.auth)


@router.post(
    "/{code}/files",
    auth=bearer_or_session,
    response={201: DossierUploadOut, **errors(401, 403, 404, 409, 422)},
    summary="Tải lên tệp",
)
def dossier_upload(
    request: HttpRequest, code: str, file: File[UploadedFile], document: Form[str] = ""
):
    from django.conf import settings

    # Read at most one byte over the limit: enough to refuse without holding a huge upload.
    content = file.read(settings.UPLOAD_MAX_BYTES + 1)
    record = services.dossier_file_add(
        user=request.auth,
        code=code,
        document_code=document.strip(),
        name=file.name or "tep",
        content=content,
    )
    return Status(
        201,
        {
            "id": record.pk,
            "document": record.document_code,
            "name": record.name,
            "content_type": record.content_type,
            "size": record.size,
            "sha256": record.sha256,
        },
    )


class EvaluationIn(Schema):
    scores: dict[str, int]
    comment: str = Field("", max_length=2000)


@router.post(
    "/{code}/evaluation",
    auth=bearer_or_session,
    response={201: EvaluationOut, **errors(401, 403, 404, 409, 422)},
    summary="Đánh giá mức độ hài lòng",
)
def dossier_evaluation(request: HttpRequest, code: str, payload: EvaluationIn):
    evaluation = services.dossier_evaluate(
        user=request.auth, code=code, scores=payload.scores, comment=payload.comment
    )
    return Status(201, {"code": code, "scores": evaluation.scores, "total": evaluation.total})
