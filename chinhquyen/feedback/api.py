"""/api/v1/feedback: send (anyone; Idempotency-Key), the officer's list and actions, the public
list of published answers. Thin: the services and selectors hold every rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from chinhquyen.accounts.auth import bearer, bearer_or_session, session
from chinhquyen.core.api import errors
from chinhquyen.core.errors import NotFound

from . import selectors, services
from .models import Feedback, FeedbackChannel

router = Router(tags=["feedback"])


class _Optional:
    """Lets anonymous senders through (request.user stays anonymous), but not a request that
    shows credentials which failed: a bad token is a 401, never a silent anonymous feedback."""

    def __call__(self, request: HttpRequest):
        return None if request.headers.get("Authorization") else True


optional_auth = [bearer, session, _Optional()]


class SubmitIn(Schema):
    kind: str
    description: str
    title: str = ""
    anonymous: bool = False
    agency_id: str = ""
    procedure_code: str = ""
    dossier_code: str = ""
    sender_name: str = ""
    sender_email: str = ""
    sender_phone: str = ""
    sender_address: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    address_string: str = ""
    commune_code: str = ""  # GSO code of a commune of the current two-level units


class SubmitOut(Schema):
    code: str
    state: str
    agency_id: str
    accept_due_at: dt.datetime
    reply_token: str = ""


class OfficerOut(Schema):
    code: str
    kind: str
    state: str
    title: str
    description: str
    agency_id: str
    sender_name: str
    sender_email: str
    sender_phone: str
    received_at: dt.datetime
    due_step: str
    due_at: dt.datetime | None
    deadline: str | None


class PublicOut(Schema):
    code: str
    kind: str
    title: str
    agency_name: str
    description: str
    answer: str
    published_at: dt.datetime
    useful: int
    not_useful: int


class ActIn(Schema):
    text: str = ""
    public_description: str = ""
    public_answer: str = ""


def _officer_out(f: Feedback) -> dict:
    state = selectors.deadline_of(f)
    return {
        "code": f.code,
        "kind": f.kind,
        "state": f.state,
        "title": f.title,
        "description": f.description,
        "agency_id": f.agency.agency_id,
        "sender_name": f.sender_name,
        "sender_email": f.sender_email,
        "sender_phone": f.sender_phone,
        "received_at": f.received_at,
        "due_step": f.due_step,
        "due_at": f.due_at,
        "deadline": state.value if state else None,
    }


@router.post(
    "/", response={201: SubmitOut, 200: SubmitOut, **errors(401, 404, 409, 422)}, auth=optional_auth
)
def submit(request: HttpRequest, payload: SubmitIn):
    user = request.user if request.user.is_authenticated else None
    key = request.headers.get("Idempotency-Key", "")[:100]
    scope = f"api:user:{user.pk}" if user else "api:anonymous"
    if key and not user:
        # Anonymous keys could collide between strangers: scope them by the client address too.
        scope += ":" + request.META.get("REMOTE_ADDR", "")
    feedback, token = services.feedback_submit(
        user=user,
        channel=FeedbackChannel.API,
        idem_scope=scope,
        idem_key=key,
        **payload.dict(),
    )
    body = {
        "code": feedback.code,
        "state": feedback.state,
        "agency_id": feedback.agency.agency_id,
        "accept_due_at": feedback.accept_due_at,
        "reply_token": token,
    }
    return Status(201 if token else 200, body)


@router.get("/", response={200: list[OfficerOut], **errors(401, 403, 422)}, auth=bearer_or_session)
def officer_list(request: HttpRequest, overdue: bool = False, state: str = ""):
    rows = selectors.feedback_inbox(user=request.user, overdue_only=overdue, state=state)[:500]
    return [_officer_out(f) for f in rows]


@router.get("/public", response={200: list[PublicOut], **errors(422)}, auth=None)
def public_list(request: HttpRequest, q: str = "", kind: str = ""):
    return [item.__dict__ for item in selectors.feedback_public_list(query=q, kind=kind)]


@router.get("/public/{code}", response={200: PublicOut, **errors(404)}, auth=None)
def public_get(request: HttpRequest, code: str):
    return selectors.feedback_public_get(code=code).__dict__


@router.get("/{code}", response={200: OfficerOut, **errors(401, 403, 404)}, auth=bearer_or_session)
def officer_get(request: HttpRequest, code: str):
    return _officer_out(selectors.feedback_get_for_officer(user=request.user, code=code))


@router.post(
    "/{code}/actions/{action}",
    response={200: OfficerOut, **errors(401, 403, 404, 409, 422)},
    auth=bearer_or_session,
)
def act(request: HttpRequest, code: str, action: str, payload: ActIn):
    user = request.user
    calls = {
        "accept": lambda: services.feedback_accept(user=user, code=code),
        "refuse": lambda: services.feedback_refuse(user=user, code=code, reason=payload.text),
        "request_info": lambda: services.feedback_request_info(
            user=user, code=code, question=payload.text
        ),
        "answer": lambda: services.feedback_answer(user=user, code=code, answer=payload.text),
        "publish": lambda: services.feedback_publish(
            user=user,
            code=code,
            public_description=payload.public_description,
            public_answer=payload.public_answer,
        ),
    }
    if action not in calls:
        raise NotFound("Không có thao tác này.")
    return _officer_out(calls[action]())
