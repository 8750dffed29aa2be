"""The officer workspace (/can-bo/): inbox, dossier page with its actions, counter intake and the
agency dashboard. Thin: parse the request, call the dossiers services and selectors, render."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from chinhquyen.core.security import attachment_response
from chinhquyen.dossiers import services
from chinhquyen.dossiers.intake import (
    dossier_intake,
    files_key,
    intake_check,
    intake_comment,
    upload_read,
)
from chinhquyen.dossiers.models import Channel, DossierFile, StepKind
from chinhquyen.dossiers.selectors import dossier_get_for_user, dossier_history
from chinhquyen.dossiers.workflow import default_workflow_id, workflow_spec
from chinhquyen.pages import eform
from chinhquyen.pages.common import (
    ACCEPTED_TYPES,
    KIOSK_COOKIE,
    KIOSK_MAX_AGE,
    kiosk_cookie_value,
    scores_period,
)
from chinhquyen.printforms.selectors import forms_available
from chinhquyen.units.models import Agency

from . import actions, selectors
from .forms import DEADLINE_LABELS, InboxFilterForm, IntakeForm

PAGE_SIZE = 25
ROLE_LABELS = dict(Role.choices)


def officer_required(view):
    """Logged in (else the login page) and an officer of an agency (else a 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        profile = profile_of(request.user)
        if profile is None or not profile.is_officer:
            return render(request, "workspace/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _deadline(state: str | None) -> dict[str, str] | None:
    return {"code": state, "label": DEADLINE_LABELS[state]} if state else None


# --- inbox --------------------------------------------------------------------------------------


@officer_required
def inbox(request: HttpRequest) -> HttpResponse:
    spec = workflow_spec(default_workflow_id())
    procedures = selectors.agency_procedures(user=request.user)
    form = InboxFilterForm(
        request.GET or None,
        states=[(s.code, s.name) for s in spec.states.values()],
        procedures=[(p.code, f"{p.code} — {p.current.name}") for p in procedures],
    )
    cleaned = form.cleaned_data if form.is_valid() else {}
    mine = request.GET.get("xem") != "tat-ca"
    filters = selectors.InboxFilter(mine=mine, **{k: v or "" for k, v in cleaned.items()})
    now = timezone.now()
    page = Paginator(
        selectors.inbox_dossiers(user=request.user, filters=filters, now=now), PAGE_SIZE
    ).get_page(request.GET.get("trang"))
    counts = selectors.inbox_counts(user=request.user, mine=mine, now=now)
    from .views_signing import inbox_signing

    bulk = inbox_signing(user=request.user)
    rows = [
        {
            "dossier": d,
            "state_name": workflow_spec(d.workflow_id).states[d.state].name,
            "deadline": _deadline(services.deadline_state(d, now)),
            "sign_purpose": bulk["purpose_of_state"].get(d.state, ""),
        }
        for d in page.object_list
    ]
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "workspace/inbox.html",
        {
            "form": form,
            "filtering": any(cleaned.values()),
            "mine": mine,
            "page": page,
            "bulk_offers": bulk["offers"],
            "rows": rows,
            "query": query.urlencode(),
            "state_counts": [
                (s.code, s.name, counts["state"][s.code])
                for s in spec.states.values()
                if counts["state"].get(s.code)
            ],
            "deadline_counts": [
                (code, DEADLINE_LABELS[code], counts["deadline"][code])
                for code in selectors.DEADLINE_STATES
            ],
        },
    )


# --- dossier page -------------------------------------------------------------------------------


def _form_rows(data: Any, schema: dict) -> list[dict[str, Any]]:
    """The e-form as the portal's review shows it (groups with the schema's titles, dates as
    dd/mm/yyyy, choices by their titles), then any value the schema does not describe."""
    schema = schema if isinstance(schema, dict) else {}
    rows = eform.review_rows(schema, data) if isinstance(data, dict) else []
    described = set(schema.get("properties", {}))
    if isinstance(data, dict):
        rows += [
            {"label": key, "text": _plain(value)}
            for key, value in data.items()
            if key not in described
        ]
    return rows


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _get_dossier(request: HttpRequest, code: str):
    try:
        return dossier_get_for_user(user=request.user, code=code)
    except NotFound:
        raise Http404(code) from None


def _history(dossier, spec) -> list[dict[str, Any]]:
    """The history with people by full name and role (one query for the assignees' names)."""
    events = list(dossier_history(dossier=dossier).select_related("actor__profile"))
    names = selectors.full_names(
        usernames={e.data["assignee"] for e in events if e.data.get("assignee")}
    )
    return [
        {
            "event": e,
            "role": ROLE_LABELS.get(e.actor_role, e.actor_role),
            "action": _action_name(spec, e.action),
            "to_state": spec.states[e.to_state].name if e.to_state in spec.states else e.to_state,
            "assignee": names.get(e.data.get("assignee"), e.data.get("assignee", "")),
            "other_agency": e.agency if e.agency_id and e.agency_id != dossier.agency_id else None,
            # submit_supplement restarts the time limit in full (Decree 61/2018): say so where
            # the officer reads the history, beside the new due date.
            "note": _("Thời hạn giải quyết được tính lại từ đầu.")
            if e.data.get("clock") == "restarted"
            else "",
        }
        for e in events
    ]


def _render_dossier(
    request: HttpRequest,
    dossier,
    *,
    errors: dict[str, DomainError] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    result_error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    spec = workflow_spec(dossier.workflow_id)
    available = services.actions_available(dossier=dossier, user=request.user)
    codes = {a.code for a in available}
    handlers = []
    if "assign" in codes:
        User = get_user_model()
        handlers = [
            u
            for u in User.objects.filter(is_active=True, profile__agency_id=dossier.agency_id)
            .select_related("profile")
            .order_by("profile__full_name")
            if Role.HANDLER in u.profile.roles
        ]
    agencies = []
    if "forward" in codes:
        agencies = list(
            Agency.objects.filter(is_active=True)
            .exclude(pk=dossier.agency_id)
            .only("agency_id", "name")
            .order_by("name")[:500]
        )
    files = list(dossier.files.order_by("uploaded_at", "pk"))
    doc_names = dict(dossier.procedure_version.documents.values_list("code", "name"))
    from .views_signing import dossier_signing

    panel = actions.panel_build(
        spec=spec,
        actions=available,
        has_deadline=dossier.due_at is not None,
        errors=errors,
        values=values,
        signing=dossier_signing(dossier=dossier, user=request.user, action_codes=codes),
    )
    return render(
        request,
        "workspace/dossier.html",
        {
            "dossier": dossier,
            "state": spec.states[dossier.state],
            "state_name": spec.states[dossier.state].name,
            "deadline": _deadline(services.deadline_state(dossier)),
            "channel": Channel(dossier.channel).label,
            "form_rows": _form_rows(dossier.form_data, dossier.procedure_version.form_schema),
            "files": [
                {"file": f, "document": doc_names.get(f.document_code, f.document_code)}
                for f in files
                if not f.is_result
            ],
            "results": [f for f in files if f.is_result],
            "result_allowed": selectors.result_upload_allowed(dossier=dossier, user=request.user),
            "result_error": result_error,
            "result_messages": (
                [m for msgs in result_error.fields.values() for m in msgs] if result_error else []
            ),
            "accepted_types": ACCEPTED_TYPES,
            "upload_max_mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}",
            "steps": list(
                dossier.steps.select_related(
                    "agency", "requested_by__profile", "completed_by__profile"
                )
            ),
            "history": _history(dossier, spec),
            "printforms": forms_available(dossier=dossier),
            "panel": panel,
            "handlers": handlers,
            "agencies": agencies,
            "step_kinds": StepKind.choices,
            "default_amount": int(dossier.procedure_version.total_fee),
        },
        status=status,
    )


@officer_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _render_dossier(request, _get_dossier(request, code))


def _render_confirm(
    request: HttpRequest,
    dossier,
    action,
    *,
    values: dict[str, str],
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    """The confirmation of a destructive action: what it does, the reason typed, and the
    buttons to go ahead or back. Nothing is written until it comes back with ``confirm=1``."""
    spec = workflow_spec(dossier.workflow_id)
    return render(
        request,
        "workspace/confirm.html",
        {
            "dossier": dossier,
            "state_name": spec.states[dossier.state].name,
            "action": action,
            "ui": actions.ui_for(action.code),
            "consequence": actions.consequence(
                spec=spec, action=action, has_deadline=dossier.due_at is not None
            ),
            "values": values,
            "params": {k: v for k, v in values.items() if k != "comment"},
            "error": error,
        },
        status=status,
    )


@officer_required
@require_POST
def dossier_action(request: HttpRequest, code: str) -> HttpResponse:
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    params = actions.params_from(action, request.POST)
    values = actions.values_from(action, request.POST)
    confirmed = request.POST.get("confirm") == "1"
    if actions.ui_for(action).danger and not confirmed:
        # A destructive action is confirmed before the service is even called: a POST without
        # confirm=1 only shows what the action would do.
        dossier = _get_dossier(request, code)
        offered = {
            a.code: a for a in services.actions_available(dossier=dossier, user=request.user)
        }
        if action not in offered:
            return _render_dossier(
                request,
                dossier,
                errors={action: Conflict(_("Thao tác này không còn thực hiện được trên hồ sơ."))},
                status=409,
            )
        return _render_confirm(request, dossier, offered[action], values=values)
    try:
        dossier = services.dossier_act(
            user=request.user, code=code, action=action, comment=comment, params=params
        )
    except NotFound:
        raise Http404(code) from None
    except DomainError as error:
        status = error.status if error.status != 404 else 400
        dossier = _get_dossier(request, code)
        if confirmed and isinstance(error, ValidationFailed):
            offered = {
                a.code: a for a in services.actions_available(dossier=dossier, user=request.user)
            }
            if action in offered:
                return _render_confirm(
                    request, dossier, offered[action], values=values, error=error, status=status
                )
        return _render_dossier(
            request, dossier, errors={action: error}, values={action: values}, status=status
        )
    spec = workflow_spec(dossier.workflow_id)
    messages.success(
        request,
        _("Đã thực hiện “%(action)s”. Trạng thái hồ sơ: %(state)s.")
        % {"action": spec.actions[action].name, "state": spec.states[dossier.state].name},
    )
    return redirect("workspace:dossier", code=dossier.code)


@officer_required
def file_download(request: HttpRequest, code: str, file_id: int) -> FileResponse:
    dossier = _get_dossier(request, code)
    try:
        record = dossier.files.get(pk=file_id)
    except DossierFile.DoesNotExist:
        raise Http404(str(file_id)) from None
    # Always an attachment that cannot run in the officer's session (core/security.py).
    return attachment_response(
        record.file.open("rb"), filename=record.name, content_type=record.content_type
    )


@officer_required
@require_POST
def result_upload(request: HttpRequest, code: str) -> HttpResponse:
    """The officer attaches the electronic result (``document="result"``); the citizen then
    downloads it from "Hồ sơ của tôi". ``dossier_file_add`` decides who may, and when."""
    dossier = _get_dossier(request, code)
    upload = request.FILES.get("result_file")
    error: DomainError | None = None
    if upload is None:
        error = ValidationFailed(
            _("Chưa chọn tệp kết quả."),
            code="file_missing",
            fields={"file": [_("Chọn tệp kết quả (PDF, JPEG hoặc PNG) để tải lên.")]},
        )
    else:
        read = upload_read(upload)
        try:
            services.dossier_file_add(
                user=request.user,
                code=dossier.code,
                document_code="result",
                name=read.name,
                content=read.content,
            )
        except NotFound:
            raise Http404(code) from None
        except DomainError as exc:
            error = exc
    if error is not None:
        status = error.status if error.status != 404 else 400
        return _render_dossier(
            request, _get_dossier(request, code), result_error=error, status=status
        )
    messages.success(request, _("Đã tải lên tệp kết quả “%(name)s”.") % {"name": upload.name})
    return redirect("workspace:dossier", code=dossier.code)


# --- counter intake -----------------------------------------------------------------------------


def _is_counter(user) -> bool:
    return Role.COUNTER in user_roles(user)


# Where a service's error key lands on the intake page (the others are the e-form's paths).
_INTAKE_FIELD_OF = {
    "applicant.name": "applicant_name",
    "comment": "comment",
    "channel": "channel",
}


class _IntakePage:
    """The intake form of one procedure: the applicant, the e-form drawn from the procedure's
    JSON Schema (the portal's ``eform``), the checklist and one scan per required document."""

    def __init__(self, request: HttpRequest, procedure, choices):
        self.request = request
        self.procedure = procedure
        self.choices = choices
        version = procedure.current
        self.schema = version.form_schema or {}
        self.documents = list(version.documents.order_by("position"))

    def render(
        self,
        *,
        form: IntakeForm,
        data: dict[str, Any],
        received: set[str],
        errors: dict[str, list[str]] | None = None,
        message: str = "",
        files_lost: bool = False,
        status: int = 200,
    ) -> HttpResponse:
        errors = errors or {}
        if form.is_bound:
            # A service's refusal of an applicant field shows like the form's own errors
            # (Django then links the field to its message with aria-describedby).
            for key, msgs in errors.items():
                if key in _INTAKE_FIELD_OF:
                    form.add_error(_INTAKE_FIELD_OF[key], msgs)
        fields_html, anchors = eform.render(self.schema, data, errors)
        summary: list[tuple[str, str, list[str]]] = []
        for name, msgs in form.errors.items():
            if name in form.fields:
                summary.append((f"id_{name}", str(form.fields[name].label), list(msgs)))
        for key, msgs in errors.items():
            if key.startswith(eform.ERROR_PREFIX):
                summary.append((anchors.get(key, ""), eform.label_for(self.schema, key), msgs))
        slots = []
        for doc in self.documents:
            file_errors = errors.get(files_key(doc.code), [])
            check_errors = errors.get(f"received.{doc.code}", [])
            slot = {
                "doc": doc,
                "file_id": f"f-file-{doc.code}",
                "check_id": f"f-received-{doc.code}",
                "received": doc.code in received,
                "file_errors": file_errors,
                "check_errors": check_errors,
            }
            slots.append(slot)
            if check_errors:
                summary.append((slot["check_id"], doc.name, check_errors))
            if file_errors:
                summary.append((slot["file_id"], doc.name, file_errors))
        others = [
            m
            for key, msgs in errors.items()
            if key not in _INTAKE_FIELD_OF
            and not key.startswith((eform.ERROR_PREFIX, "files.", "received."))
            for m in msgs
        ]
        if others:
            summary.append(("", _("Hồ sơ"), others))
        return render(
            self.request,
            "workspace/intake.html",
            {
                "form": form,
                "procedure": self.procedure,
                "procedures": self.choices,
                "chosen": self.procedure.code,
                "fields_html": fields_html,
                "slots": slots,
                "summary": summary,
                "message": message,
                "files_lost": files_lost,
                "accepted_types": ACCEPTED_TYPES,
            },
            status=status,
        )


@officer_required
def intake(request: HttpRequest) -> HttpResponse:
    if not _is_counter(request.user):
        return render(request, "workspace/forbidden.html", status=403)
    procedures = {p.code: p for p in selectors.agency_procedures(user=request.user)}
    choices = [(code, f"{code} — {p.current.name}") for code, p in procedures.items()]
    chosen = request.POST.get("procedure") or request.GET.get("procedure") or ""
    procedure = procedures.get(chosen)
    if procedure is None:
        return render(
            request,
            "workspace/intake.html",
            {"procedures": choices, "chosen": chosen, "procedure": None},
            status=200 if request.method != "POST" else 400,
        )
    page = _IntakePage(request, procedure, choices)
    if request.method != "POST":
        form = IntakeForm(
            initial={"token": uuid.uuid4().hex, "procedure": chosen, "channel": Channel.COUNTER},
            procedures=choices,
        )
        return page.render(form=form, data=eform.initial_data(page.schema), received=set())

    form = IntakeForm(request.POST, procedures=choices)
    data = eform.parse(page.schema, request.POST)
    data = data if isinstance(data, dict) else {}
    received = {d.code for d in page.documents if request.POST.get(f"received-{d.code}")}
    files_sent = any(request.FILES.get(f"file-{d.code}") for d in page.documents)
    if request.POST.get("_add") or request.POST.get("_remove"):
        eform.edit(
            page.schema,
            data,
            add=request.POST.get("_add", ""),
            remove=request.POST.get("_remove", ""),
        )
        form.is_valid()  # the values are shown again; their errors wait for a decision
        form.errors.clear()
        return page.render(form=form, data=data, received=received, files_lost=files_sent)
    return _intake_decide(page, form, eform.prune(page.schema, data), received, files_sent)


def _intake_decide(
    page: _IntakePage, form: IntakeForm, data: dict[str, Any], received: set[str], files_sent
) -> HttpResponse:
    """The intake form sent with a decision: check it, then submit and decide, or show why not."""
    request = page.request
    decision = request.POST.get("decision", "")
    form.is_valid()
    uploads = {
        d.code: upload_read(request.FILES[f"file-{d.code}"])
        for d in page.documents
        if request.FILES.get(f"file-{d.code}")
    }
    received |= set(uploads)
    errors = intake_check(
        version=page.procedure.current,
        documents=page.documents,
        data=data,
        decision=decision,
        received=received,
        uploads=uploads,
    )
    shown = {"form": form, "data": data, "received": received, "files_lost": files_sent}
    if errors or not form.is_valid():
        return page.render(
            **shown, errors=errors, message=_("Vui lòng sửa các mục được đánh dấu."), status=422
        )
    comment = intake_comment(
        documents=page.documents,
        received=received,
        decision=decision,
        comment=form.cleaned_data["comment"],
    )
    try:
        code = dossier_intake(
            user=request.user,
            fields=form.cleaned_data,
            data=data,
            uploads=uploads,
            decision=decision,
            comment=comment,
            received=received,
        )
    except ValidationFailed as exc:
        return page.render(
            **shown, errors=exc.fields or {"": [exc.message]}, message=exc.message, status=422
        )
    except DomainError as exc:
        return page.render(
            **shown, message=exc.message, status=exc.status if exc.status != 404 else 400
        )
    messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": code})
    return redirect("workspace:dossier", code=code)


# --- dashboard ----------------------------------------------------------------------------------


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@officer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    date_from = _date(request.GET.get("tu"), today.replace(day=1))
    date_to = _date(request.GET.get("den"), today)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    numbers = selectors.agency_dashboard(user=request.user, date_from=date_from, date_to=date_to)
    return render(
        request,
        "workspace/dashboard.html",
        {
            "numbers": numbers,
            "signed": selectors.agency_signed_share(user=request.user),
            "date_from": date_from,
            "date_to": date_to,
            "agency": profile_of(request.user).agency,
            "inbox_url": reverse("workspace:inbox"),
        },
    )


def _action_name(spec, action: str) -> str:
    """The workflow's name of a history event's action; the first event, the submission, is
    written by ``dossier_submit`` and is not an action of the workflow."""
    if action in spec.actions:
        return spec.actions[action].name
    return _("Nộp hồ sơ") if action == "submit" else action


# --- the evaluation kiosk -----------------------------------------------------------------------

KIOSK_ROLES = frozenset({Role.COUNTER, Role.LEADER, Role.AGENCY_ADMIN})


@officer_required
def kiosk_enable(request: HttpRequest) -> HttpResponse:
    """Switch this device into the counter's evaluation kiosk for the officer's agency: the
    officer is signed out (a kiosk must not stay signed in) and the device shows the kiosk."""
    profile = profile_of(request.user)
    allowed = bool(KIOSK_ROLES.intersection(user_roles(request.user)))
    if request.method == "POST" and allowed:
        from django.contrib.auth import logout

        agency_pk = profile.agency_id
        logout(request)
        response = redirect("portal:kiosk")
        response.set_cookie(
            KIOSK_COOKIE,
            kiosk_cookie_value(agency_pk),
            max_age=KIOSK_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response
    return render(
        request,
        "workspace/kiosk_enable.html",
        {"agency": profile.agency, "allowed": allowed},
        status=200 if allowed else 403,
    )


# --- the evaluation of staff (Circular 01/2018) -------------------------------------------------

SCORE_ROLES = frozenset({Role.LEADER, Role.AGENCY_ADMIN})


@officer_required
def staff_scores(request: HttpRequest) -> HttpResponse:
    """The agency's staff scored by the citizens' evaluations of the period, with the
    classification; for the agency's leaders and administrators."""
    from chinhquyen.dossiers.evaluation import evaluation_scores

    if not SCORE_ROLES.intersection(user_roles(request.user)):
        return render(request, "workspace/forbidden.html", status=403)
    agency = profile_of(request.user).agency
    period, error = scores_period(request.GET.get("ky", ""))
    start, end = period.start, period.end + dt.timedelta(days=1)
    scores = evaluation_scores(agency_ids=[agency.pk], start=start, end=end)
    return render(
        request,
        "workspace/staff_scores.html",
        {
            "agency": agency,
            "label": period.label,
            "code": period.code,
            "error": error,
            "unit": scores["agencies"].get(agency.pk),
            "staff": [s for s in scores["staff"] if s["agency_id"] == agency.pk],
        },
        status=422 if error else 200,
    )
