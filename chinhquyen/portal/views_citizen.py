"""The signed-in citizen's pages: applying online, "Hồ sơ của tôi", supplements and results.

Thin, like the rest of the portal: the e-form is drawn by ``eform`` from the procedure version's
schema, validated by ``dossiers.forms.form_validate`` and submitted through
``dossiers.intake`` (check the files, submit or send the supplement, attach the files, all or
nothing) inside ``idempotent``, so a double click or a re-sent POST creates one dossier.

Files are asked for at the review step, right before "Nộp hồ sơ": a draft keeps only what was
typed. A browser cannot re-fill a file input, so after a refused file the citizen picks the
files again; everything typed is kept.
"""

from __future__ import annotations

import json
import uuid
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import user_roles
from chinhquyen.catalogue.selectors import procedure_get
from chinhquyen.core.errors import DomainError, NotFound, ValidationFailed
from chinhquyen.core.security import attachment_response
from chinhquyen.dossiers.forms import form_validate
from chinhquyen.dossiers.intake import (
    dossier_submit_with_files,
    dossier_supplement_with_files,
    files_key,
    upload_read,
)
from chinhquyen.dossiers.models import Channel, Dossier
from chinhquyen.dossiers.results import files_visible_to
from chinhquyen.dossiers.selectors import (
    dossier_get_for_user,
    dossier_history,
    dossiers_visible_to,
)
from chinhquyen.dossiers.services import (
    actions_available,
    dossier_act,
    idempotent,
    request_fingerprint,
)
from chinhquyen.dossiers.workflow import workflow_spec
from chinhquyen.pages import eform
from chinhquyen.pages.common import ACCEPTED_TYPES
from chinhquyen.printforms.selectors import forms_available

from .models import ApplicationDraft
from .progress import next_step
from .services import draft_delete, draft_save

MY_PAGE_SIZE = 20


def citizen_required(view):
    """Signed in, and a citizen: officers receive dossiers at the counter, not online."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if Role.CITIZEN not in user_roles(request.user):
            return render(request, "portal/citizen_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


PENDING_KEY = "portal_pending_application"
RESTORE_FLAG = "khoi_phuc"


def keep_form_on_expired_session(view):
    """An application form posted after the session expired: what was typed is kept in the new
    (anonymous) session, the person signs in again, and the form comes back filled in (files
    must be chosen again: a browser does not send them twice). Signing in keeps the session's
    data, so nothing typed is lost."""

    @wraps(view)
    def wrapped(request: HttpRequest, code: str, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not request.user.is_authenticated:
            request.session[PENDING_KEY] = {
                "code": code,
                "post": {
                    k: request.POST.getlist(k)
                    for k in request.POST
                    if k not in ("csrfmiddlewaretoken", "_action", "_add", "_remove")
                },
            }
            target = reverse("portal:apply", args=[code]) + f"?{RESTORE_FLAG}=1"
            return redirect(f"{reverse('login')}?next={quote(target)}")
        return view(request, code, *args, **kwargs)

    return wrapped


def _file_slot(code: str) -> str:
    return f"file-{code}"


# --- applying online ---------------------------------------------------------------------------


@keep_form_on_expired_session
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    try:
        version = procedure_get(code=code[:40])
    except NotFound as exc:
        return render(request, "portal/not_found.html", {"message": exc.message}, status=404)
    procedure = version.procedure
    if version.online_mode == "none":
        return render(
            request, "portal/not_online.html", {"version": version, "procedure": procedure}
        )
    agencies = [a for a in procedure.agencies.all() if a.is_active]
    schema = version.form_schema or {}
    page = _ApplyPage(request, version, agencies, schema)

    if request.method != "POST":
        pending = request.session.get(PENDING_KEY)
        if RESTORE_FLAG in request.GET and pending and pending.get("code") == code:
            del request.session[PENDING_KEY]
            posted = QueryDict(mutable=True)
            for key, values in pending["post"].items():
                posted.setlist(key, values)
            data = eform.parse(schema, posted)
            return page.form(
                data=data if isinstance(data, dict) else {},
                agency=posted.get("agency", ""),
                restored=True,
            )
        draft = ApplicationDraft.objects.filter(
            user=request.user, procedure_code=procedure.code
        ).first()
        data = draft.data if draft else eform.initial_data(schema)
        agency = request.GET.get("agency") or (draft.agency_id if draft else "")
        return page.form(data=data, agency=agency, draft=draft, saved="da_luu" in request.GET)

    action = request.POST.get("_action", "")
    if action == "submit":
        return page.submit()
    data = eform.parse(schema, request.POST)
    if not isinstance(data, dict):
        data = {}
    agency = request.POST.get("agency", "")
    if request.POST.get("_add") or request.POST.get("_remove"):
        eform.edit(
            schema, data, add=request.POST.get("_add", ""), remove=request.POST.get("_remove", "")
        )
        return page.form(data=data, agency=agency)
    if action == "save":
        draft_save(user=request.user, procedure_code=procedure.code, agency_id=agency, data=data)
        return redirect(reverse("portal:apply", args=[procedure.code]) + "?da_luu=1")
    # "Kiểm tra lại": everything is checked before the review page is shown.
    data = eform.prune(schema, data)
    errors, data = page.check(data=data, agency=agency)
    if errors:
        return page.form(data=data, agency=agency, errors=errors)
    # Kept as a draft too, so leaving the review page loses nothing.
    draft_save(user=request.user, procedure_code=procedure.code, agency_id=agency, data=data)
    return page.review(data=data, agency=agency, token=uuid.uuid4().hex)


class _ApplyPage:
    def __init__(self, request: HttpRequest, version, agencies, schema: dict[str, Any]):
        self.request = request
        self.version = version
        self.procedure = version.procedure
        self.agencies = agencies
        self.schema = schema
        self.documents = list(version.documents.all())

    def _context(self, **extra) -> dict[str, Any]:
        return {
            "version": self.version,
            "procedure": self.procedure,
            "agencies": self.agencies,
            "documents": self.documents,
            "accepted_types": ACCEPTED_TYPES,
            **extra,
        }

    def _agency_valid(self, agency: str) -> bool:
        return any(a.agency_id == agency for a in self.agencies)

    def check(
        self, *, data: dict[str, Any], agency: str
    ) -> tuple[dict[str, list[str]], dict[str, Any]]:
        """The problems of the form, and its data as it will be stored (phone numbers and
        dates written the one way ``form_validate`` keeps them), for the review page."""
        errors: dict[str, list[str]] = {}
        if not self._agency_valid(agency):
            errors["agency"] = [_("Chọn nơi nộp hồ sơ.")]
        try:
            data = form_validate(
                version_id=self.version.pk,
                stamp=self.version.created_at,
                schema=self.schema,
                data=data,
            )
        except ValidationFailed as exc:
            errors.update(exc.fields)
        return errors, data

    def form(
        self, *, data, agency, errors=None, draft=None, saved=False, restored=False
    ) -> HttpResponse:
        errors = errors or {}
        if not agency and len(self.agencies) == 1:
            agency = self.agencies[0].agency_id
        fields_html, anchors = eform.render(self.schema, data, errors)
        summary = []
        if errors.get("agency"):
            summary.append(("f-agency", _("Nơi nộp hồ sơ"), errors["agency"]))
        for key, messages in errors.items():
            if key == "agency":
                continue
            anchor = anchors.get(key, "")
            summary.append((anchor, eform.label_for(self.schema, key), messages))
        return render(
            self.request,
            "portal/apply_form.html",
            self._context(
                fields_html=fields_html,
                agency=agency,
                errors=errors,
                summary=summary,
                draft=draft,
                saved=saved,
                restored=restored,
            ),
            status=200,
        )

    def review(self, *, data, agency, token, errors=None, message="") -> HttpResponse:
        errors = errors or {}
        agency_obj = next((a for a in self.agencies if a.agency_id == agency), None)
        slots = [
            {
                "doc": doc,
                "name": _file_slot(doc.code),
                "id": f"f-{_file_slot(doc.code)}",
                "errors": errors.get(files_key(doc.code), []),
            }
            for doc in self.documents
        ]
        return render(
            self.request,
            "portal/apply_review.html",
            self._context(
                rows=eform.review_rows(self.schema, data),
                payload=json.dumps(data, ensure_ascii=False),
                agency=agency,
                agency_obj=agency_obj,
                token=token,
                slots=slots,
                summary=[(s["id"], s["doc"].name, s["errors"]) for s in slots if s["errors"]],
                message=message,
            ),
        )

    def submit(self) -> HttpResponse:
        request = self.request
        try:
            data = json.loads(request.POST.get("payload", ""))
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return redirect("portal:apply", code=self.procedure.code)
        agency = request.POST.get("agency", "")
        token = request.POST.get("token", "")[:64] or uuid.uuid4().hex
        uploads = {
            doc.code: upload_read(request.FILES[_file_slot(doc.code)])
            for doc in self.documents
            if _file_slot(doc.code) in request.FILES
        }
        fingerprint = request_fingerprint(
            {"procedure": self.procedure.code, "agency": agency, "form_data": data}
        )

        def run() -> tuple[int, dict[str, Any]]:
            dossier = dossier_submit_with_files(
                user=request.user,
                procedure_code=self.procedure.code,
                agency_id=agency,
                form_data=data,
                uploads=uploads,
                channel=Channel.ONLINE,
            )
            return 201, {"code": dossier.code}

        try:
            # idempotent() runs ``run`` in one transaction: a refused file undoes the dossier.
            with transaction.atomic():
                _status, body = idempotent(
                    user=request.user, key=token, fingerprint=fingerprint, run=run
                )
        except ValidationFailed as exc:
            if any(k.startswith(eform.ERROR_PREFIX) or k == "agency" for k in exc.fields):
                return self.form(data=data, agency=agency, errors=exc.fields)
            return self.review(
                data=data, agency=agency, token=token, errors=exc.fields, message=exc.message
            )
        except DomainError as exc:
            return self.review(data=data, agency=agency, token=token, message=exc.message)
        draft_delete(user=request.user, procedure_code=self.procedure.code)
        return redirect("portal:my_dossier_submitted", code=body["code"])


# --- "Hồ sơ của tôi" ---------------------------------------------------------------------------


def _my_dossier(request: HttpRequest, code: str) -> Dossier:
    """The citizen's own dossier: an officer's view of it is the workspace's, not the portal's."""
    try:
        dossier = dossier_get_for_user(user=request.user, code=code[:60])
    except NotFound:
        raise Http404 from None
    if dossier.applicant_id != request.user.pk:
        raise Http404
    return dossier


@citizen_required
@require_safe
def my_dossiers(request: HttpRequest) -> HttpResponse:
    dossiers = (
        dossiers_visible_to(user=request.user)
        .filter(applicant=request.user)
        .select_related("procedure", "procedure_version", "agency")
        .order_by("-submitted_at", "-pk")
    )
    page = Paginator(dossiers, MY_PAGE_SIZE).get_page(request.GET.get("trang"))
    items = [(d, next_step(d)) for d in page]
    return render(request, "portal/my_dossiers.html", {"page": page, "items": items})


@citizen_required
@require_safe
def my_dossier_submitted(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _my_dossier(request, code)
    return render(request, "portal/apply_done.html", {"dossier": dossier})


@citizen_required
@require_safe
def my_dossier(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _my_dossier(request, code)
    return _detail(request, dossier)


def _detail(
    request, dossier: Dossier, *, errors=None, message="", comment="", status=200, evaluation=None
):
    spec = workflow_spec(dossier.workflow_id)
    evaluation_context = evaluation or _evaluation_context(request, dossier)
    events = [
        {
            "event": e,
            "action": _action_name(spec, e.action),
            "state": spec.states[e.to_state].name if e.to_state in spec.states else e.to_state,
        }
        for e in dossier_history(dossier=dossier)
    ]
    own_or_result = files_visible_to(dossier=dossier, user=request.user)
    errors = errors or {}
    supplement = dossier.state == "supplement_requested"
    request_comment = next(
        (e["event"].comment for e in reversed(events) if e["event"].action == "request_supplement"),
        "",
    )
    slots = [
        {
            "doc": doc,
            "name": _file_slot(doc.code),
            "id": f"f-{_file_slot(doc.code)}",
            "errors": errors.get(files_key(doc.code), []),
        }
        for doc in dossier.procedure_version.documents.all()
    ]
    return render(
        request,
        "portal/my_dossier.html",
        {
            "dossier": dossier,
            "state_name": spec.states[dossier.state].name if dossier.state in spec.states else "",
            "next": next_step(dossier),
            "events": events,
            "files": [f for f in own_or_result if not f.is_result],
            "results": [f for f in own_or_result if f.is_result],
            "forms": forms_available(dossier=dossier),
            "supplement": supplement,
            "request_comment": request_comment,
            "slots": slots,
            "accepted_types": ACCEPTED_TYPES,
            "errors": errors,
            "summary": [(s["id"], s["doc"].name, s["errors"]) for s in slots if s["errors"]],
            "message": message,
            "comment": comment,
            "done": "da_bo_sung" in request.GET,
            "evaluation": evaluation_context,
            "evaluated": "da_danh_gia" in request.GET,
            "may_withdraw": _may_withdraw(request, dossier),
            "withdrawn": "da_rut" in request.GET,
        },
        status=status,
    )


def _may_withdraw(request: HttpRequest, dossier: Dossier) -> bool:
    """Whether the workflow lets the applicant withdraw the dossier now (the standard one does
    until a result exists: ``withdraw`` is an action the applicant may take)."""
    return any(a.code == "withdraw" for a in actions_available(dossier=dossier, user=request.user))


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Ask to withdraw the dossier (national status 7): a confirmation page, then the
    ``withdraw`` action of the workflow with the citizen's optional reason."""
    dossier = _my_dossier(request, code)
    reason = request.POST.get("comment", "").strip()[:2000]
    context = {"dossier": dossier, "comment": reason, "message": ""}
    if not _may_withdraw(request, dossier):
        context["message"] = _("Hồ sơ này không thể rút ở trạng thái hiện tại.")
        return render(request, "portal/withdraw.html", {**context, "closed": True}, status=409)
    if request.method == "POST":
        try:
            dossier_act(user=request.user, code=dossier.code, action="withdraw", comment=reason)
        except DomainError as exc:
            context["message"] = exc.message
            return render(request, "portal/withdraw.html", context, status=exc.status)
        return redirect(reverse("portal:my_dossier", args=[dossier.code]) + "?da_rut=1")
    return render(request, "portal/withdraw.html", context)


@citizen_required
@require_POST
def my_dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    """Send the asked-for papers: the files, then the "submit_supplement" action, together."""
    dossier = _my_dossier(request, code)
    comment = request.POST.get("comment", "").strip()[:2000]
    uploads = {
        doc.code: upload_read(request.FILES[_file_slot(doc.code)])
        for doc in dossier.procedure_version.documents.all()
        if _file_slot(doc.code) in request.FILES
    }
    try:
        dossier_supplement_with_files(
            user=request.user, code=dossier.code, uploads=uploads, comment=comment
        )
    except ValidationFailed as exc:
        if exc.code in ("files_invalid", "files_missing"):
            message = (
                _("Có tệp chưa hợp lệ. Vui lòng chọn lại các tệp.")
                if exc.code == "files_invalid"
                else exc.message
            )
            return _detail(request, dossier, errors=exc.fields, message=message, comment=comment)
        return _detail(request, _my_dossier(request, code), message=exc.message, comment=comment)
    except DomainError as exc:
        return _detail(request, _my_dossier(request, code), message=exc.message, comment=comment)
    return redirect(reverse("portal:my_dossier", args=[dossier.code]) + "?da_bo_sung=1")


@citizen_required
@require_safe
def my_dossier_file(request: HttpRequest, code: str, file_id: int) -> FileResponse:
    """A result (or one of the citizen's own files), served after the access check: dossier
    files are never public media URLs."""
    dossier = _my_dossier(request, code)
    record = next(
        (f for f in files_visible_to(dossier=dossier, user=request.user) if f.pk == file_id), None
    )
    if record is None:
        raise Http404
    return attachment_response(
        record.file.open("rb"), filename=record.name, content_type=record.content_type
    )


def _evaluation_context(request, dossier: Dossier, *, chosen=None, errors=None) -> dict | None:
    """The Circular 01/2018 evaluation form, offered once the dossier has ended."""
    from chinhquyen.dossiers.evaluation import INDICATORS
    from chinhquyen.dossiers.services import dossier_can_be_evaluated

    if not dossier_can_be_evaluated(dossier=dossier, user=request.user):
        return None
    chosen = chosen or {}
    errors = errors or {}
    return {
        "indicators": [
            {
                **indicator,
                "chosen": chosen.get(indicator["no"]),
                "errors": errors.get(f"scores.{indicator['no']}", []),
            }
            for indicator in INDICATORS
        ]
    }


@citizen_required
@require_POST
def my_dossier_evaluate(request: HttpRequest, code: str) -> HttpResponse:
    from chinhquyen.core.errors import DomainError
    from chinhquyen.dossiers.evaluation import INDICATORS
    from chinhquyen.dossiers.services import dossier_evaluate

    dossier = _my_dossier(request, code)
    chosen = {i["no"]: request.POST.get(f"chi_tieu_{i['no']}", "") for i in INDICATORS}
    try:
        dossier_evaluate(
            user=request.user,
            code=dossier.code,
            scores=chosen,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        chosen_int = {k: int(v) for k, v in chosen.items() if v.isdigit()}
        context = _evaluation_context(request, dossier, chosen=chosen_int, errors=exc.fields)
        return _detail(request, dossier, message=exc.message, evaluation=context, status=422)
    return redirect(reverse("portal:my_dossier", args=[dossier.code]) + "?da_danh_gia=1")


def _action_name(spec, action: str) -> str:
    """The workflow's name of a history event's action; the first event, the submission, is
    written by ``dossier_submit`` and is not an action of the workflow."""
    if action in spec.actions:
        return spec.actions[action].name
    return _("Nộp hồ sơ") if action == "submit" else action
