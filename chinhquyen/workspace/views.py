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
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import DomainError, NotFound
from chinhquyen.dossiers import services
from chinhquyen.dossiers.models import Channel, DossierFile, StepKind
from chinhquyen.dossiers.selectors import dossier_get_for_user, dossier_history
from chinhquyen.dossiers.workflow import default_workflow_id, workflow_spec
from chinhquyen.printforms.selectors import forms_available
from chinhquyen.units.models import Agency

from . import selectors
from .forms import DEADLINE_LABELS, InboxFilterForm, IntakeForm

PAGE_SIZE = 25
ROLE_LABELS = dict(Role.choices)
# Parameters each action takes besides the comment (see ACTION_RULES in dossiers/services.py).
ACTION_PARAMS = {
    "assign": ("assignee",),
    "forward": ("agency", "days", "kind"),
    "request_payment": ("amount",),
    "extend": ("days", "new_due_at"),
    "finish": ("result_code",),
}
INTAKE_DECISIONS = ("accept", "request_supplement", "refuse")


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
    rows = [
        {
            "dossier": d,
            "state_name": workflow_spec(d.workflow_id).states[d.state].name,
            "deadline": _deadline(services.deadline_state(d, now)),
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
            "mine": mine,
            "page": page,
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


def _form_rows(data: Any, schema: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The e-form data as (label, value) rows, labelled with the schema's titles."""
    rows: list[tuple[str, str]] = []
    if isinstance(data, dict):
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        for key, value in data.items():
            sub = props.get(key, {})
            label = f"{prefix}{sub.get('title', key)}"
            rows += (
                _form_rows(value, sub, f"{label} › ")
                if isinstance(value, (dict, list))
                else [(label, _display(value, sub))]
            )
    elif isinstance(data, list):
        items = schema.get("items", {}) if isinstance(schema, dict) else {}
        for i, value in enumerate(data, 1):
            label = f"{prefix}{i}"
            rows += (
                _form_rows(value, items, f"{label} › ")
                if isinstance(value, (dict, list))
                else [(label, _display(value, items))]
            )
    return rows


def _display(value: Any, schema: dict) -> str:
    for option in schema.get("oneOf", []) if isinstance(schema, dict) else []:
        if isinstance(option, dict) and option.get("const") == value and "title" in option:
            return option["title"]
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    return "" if value is None else str(value)


def _get_dossier(request: HttpRequest, code: str):
    try:
        return dossier_get_for_user(user=request.user, code=code)
    except NotFound:
        raise Http404(code) from None


def _render_dossier(
    request: HttpRequest,
    dossier,
    *,
    errors: dict[str, DomainError] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    spec = workflow_spec(dossier.workflow_id)
    actions = services.actions_available(dossier=dossier, user=request.user)
    codes = {a.code for a in actions}
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
    history = [
        {
            "event": e,
            "role": ROLE_LABELS.get(e.actor_role, e.actor_role),
            "action": spec.actions[e.action].name if e.action in spec.actions else e.action,
            "to_state": spec.states[e.to_state].name if e.to_state in spec.states else e.to_state,
        }
        for e in dossier_history(dossier=dossier)
    ]
    errors = errors or {}
    values = values or {}
    action_forms = [
        {
            "spec": a,
            "error": errors.get(a.code),
            "values": values.get(a.code, {}),
        }
        for a in actions
    ]
    return render(
        request,
        "workspace/dossier.html",
        {
            "dossier": dossier,
            "state_name": spec.states[dossier.state].name,
            "deadline": _deadline(services.deadline_state(dossier)),
            "channel": Channel(dossier.channel).label,
            "form_rows": _form_rows(dossier.form_data, dossier.procedure_version.form_schema),
            "files": list(dossier.files.all()),
            "steps": list(dossier.steps.select_related("agency", "requested_by")),
            "history": history,
            "printforms": forms_available(dossier=dossier),
            "action_forms": action_forms,
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


@officer_required
@require_POST
def dossier_action(request: HttpRequest, code: str) -> HttpResponse:
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    params = {
        name: request.POST[name].strip()
        for name in ACTION_PARAMS.get(action, ())
        if request.POST.get(name, "").strip()
    }
    try:
        dossier = services.dossier_act(
            user=request.user, code=code, action=action, comment=comment, params=params
        )
    except NotFound:
        raise Http404(code) from None
    except DomainError as error:
        values = {
            "comment": comment,
            **{k: request.POST.get(k, "") for k in ACTION_PARAMS.get(action, ())},
        }
        return _render_dossier(
            request,
            _get_dossier(request, code),
            errors={action: error},
            values={action: values},
            status=error.status if error.status != 404 else 400,
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
    response = FileResponse(
        record.file.open("rb"), content_type=record.content_type, filename=record.name
    )
    response["Cache-Control"] = "private, no-store"  # personal data
    return response


# --- counter intake -----------------------------------------------------------------------------


def _is_counter(user) -> bool:
    return Role.COUNTER in user_roles(user)


def _example(schema: dict) -> dict:
    examples = schema.get("examples") if isinstance(schema, dict) else None
    if isinstance(examples, list) and examples and isinstance(examples[0], dict):
        return examples[0]
    return {}


@officer_required
def intake(request: HttpRequest) -> HttpResponse:
    if not _is_counter(request.user):
        return render(request, "workspace/forbidden.html", status=403)
    procedures = {p.code: p for p in selectors.agency_procedures(user=request.user)}
    choices = [(code, f"{code} — {p.current.name}") for code, p in procedures.items()]
    chosen = request.POST.get("procedure") or request.GET.get("procedure") or ""
    procedure = procedures.get(chosen)
    documents = (
        list(procedure.current.documents.order_by("position")) if procedure is not None else []
    )
    error: DomainError | None = None
    if request.method == "POST":
        form = IntakeForm(request.POST, procedures=choices)
        decision = request.POST.get("decision", "")
        if form.is_valid() and decision in INTAKE_DECISIONS and procedure is not None:
            try:
                code = _intake_run(request, form.cleaned_data, decision, documents)
            except DomainError as exc:
                error = exc
            else:
                messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": code})
                return redirect("workspace:dossier", code=code)
        elif decision not in INTAKE_DECISIONS:
            error = DomainError(_("Chọn Tiếp nhận, Yêu cầu bổ sung hoặc Từ chối."))
    else:
        form = IntakeForm(
            initial={
                "token": uuid.uuid4().hex,
                "procedure": chosen,
                "channel": Channel.COUNTER,
                "form_data": json.dumps(
                    _example(procedure.current.form_schema) if procedure else {},
                    ensure_ascii=False,
                    indent=2,
                ),
            },
            procedures=choices,
        )
    return render(
        request,
        "workspace/intake.html",
        {
            "form": form,
            "procedure": procedure,
            "procedures": choices,
            "chosen": chosen,
            "documents": documents,
            "error": error,
        },
        status=422 if request.method == "POST" else 200,
    )


def _intake_run(request: HttpRequest, data: dict, decision: str, documents) -> str:
    """Submit, attach the scans and take the decision, all or nothing, once per form token."""
    user = request.user
    uploads = [
        (doc.code, request.FILES[f"doc_{doc.code}"])
        for doc in documents
        if f"doc_{doc.code}" in request.FILES
    ]
    fingerprint = services.request_fingerprint(
        {
            **{k: v for k, v in data.items() if k != "token"},
            "decision": decision,
            "files": [(c, f.name, f.size) for c, f in uploads],
        }
    )
    def run() -> tuple[int, dict[str, Any]]:
        with transaction.atomic():
            dossier = services.dossier_submit(
                user=user,
                procedure_code=data["procedure"],
                agency_id=profile_of(user).agency.agency_id,
                form_data=data["form_data"],
                channel=data["channel"],
                applicant=services.Applicant(
                    name=data["applicant_name"].strip(),
                    id_number=data["applicant_id_number"],
                    phone=data["applicant_phone"],
                    email=data["applicant_email"],
                    address=data["applicant_address"],
                ),
            )
            for document_code, upload in uploads:
                services.dossier_file_add(
                    user=user,
                    code=dossier.code,
                    document_code=document_code,
                    name=upload.name or "tep",
                    content=upload.read(settings.UPLOAD_MAX_BYTES + 1),
                )
            services.dossier_act(
                user=user, code=dossier.code, action=decision, comment=data["comment"]
            )
            return 201, {"code": dossier.code}

    # If anything fails the rows roll back; scans already written to storage are removed by
    # the periodic sweep (`manage.py dossier_files_sweep`), like those of any other rollback.
    _, body = services.idempotent(
        user=user, key=f"workspace-intake:{data['token']}", fingerprint=fingerprint, run=run
    )
    return body["code"]


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
            "date_from": date_from,
            "date_to": date_to,
            "agency": profile_of(request.user).agency,
            "inbox_url": reverse("workspace:inbox"),
        },
    )
