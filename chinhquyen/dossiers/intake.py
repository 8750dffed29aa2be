"""Dossiers that arrive with files: check every file, then submit (or send the supplement) and
attach the files, all or nothing.

The citizen portal (online application, supplement) and the officer workspace (counter intake)
all receive "a form and a file per required document". They call these functions so the file
rules — which slots exist, which are required, what a valid file is — are applied the same way
and every problem is reported at once, before anything is written. The rules of the dossier
itself stay in ``services`` (``dossier_submit``, ``dossier_act``, ``dossier_file_add``), which
these only call.

Error keys are ``files.<document code>`` (``files`` alone when no file at all was given), so an
interface can place each message next to its file input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from chinhquyen.accounts.selectors import profile_of
from chinhquyen.catalogue.selectors import procedure_get
from chinhquyen.core.errors import NotFound, ValidationFailed

from .files import check_upload
from .forms import form_validate
from .models import Channel, Dossier
from .selectors import dossier_get_for_user
from .services import (
    Applicant,
    dossier_act,
    dossier_file_add,
    dossier_submit,
    idempotent,
    request_fingerprint,
)

FILES_KEY = "files"
INTAKE_DECISIONS = ("accept", "request_supplement", "refuse")


def files_key(document_code: str) -> str:
    """The error key of a document's file: ``files.to-khai``."""
    return f"{FILES_KEY}.{document_code}"


@dataclass(frozen=True)
class Upload:
    """A received file: its name as sent and its content."""

    name: str
    content: bytes


def upload_read(file: Any) -> Upload:
    """An uploaded file (Django's ``UploadedFile``) read into memory, at most one byte past the
    size limit: enough for ``check_upload`` to say it is too large."""
    return Upload(name=file.name or "tep", content=file.read(settings.UPLOAD_MAX_BYTES + 1))


def uploads_check(
    *, documents: Iterable[Any], uploads: Mapping[str, Upload | None], require: bool
) -> dict[str, Upload]:
    """The valid uploads by document code; raises with every problem at once.

    ``documents`` are the procedure version's required-document rows (``code``, ``name``,
    ``is_required``). With ``require`` a required document without a file is an error (an
    application); without it any subset is fine (a supplement).
    """
    documents = list(documents)
    known = {doc.code for doc in documents}
    errors: dict[str, list[str]] = {}
    checked: dict[str, Upload] = {}
    for code, upload in uploads.items():
        if upload is not None and code not in known:
            errors[files_key(code)] = [_("Giấy tờ này không thuộc thủ tục.")]
    for doc in documents:
        upload = uploads.get(doc.code)
        if upload is None:
            if require and doc.is_required:
                errors[files_key(doc.code)] = [_("Bắt buộc tải lên giấy tờ này.")]
            continue
        try:
            check_upload(name=upload.name, content=upload.content)
        except ValidationFailed as exc:
            errors[files_key(doc.code)] = list(exc.fields.get("file") or [exc.message])
            continue
        checked[doc.code] = upload
    if errors:
        raise ValidationFailed(
            _("Có tệp chưa hợp lệ. Vui lòng chọn lại các tệp rồi nộp."),
            code="files_invalid",
            fields=errors,
        )
    return checked


def _attach(*, user, code: str, uploads: Mapping[str, Upload]) -> list[int]:
    return [
        dossier_file_add(
            user=user, code=code, document_code=doc_code, name=upload.name, content=upload.content
        ).pk
        for doc_code, upload in uploads.items()
    ]


def dossier_submit_with_files(
    *,
    user,
    procedure_code: str,
    agency_id: str,
    form_data: dict[str, Any],
    uploads: Mapping[str, Upload | None],
    channel: int = Channel.ONLINE,
    applicant: Applicant | None = None,
    decision: str = "",
    comment: str = "",
    require_documents: bool = True,
    documents_received: Iterable[str] = (),
) -> Dossier:
    """Check the files against the procedure's documents, submit the dossier, attach the files
    and — at the counter — take the officer's ``decision`` (accept, request a supplement,
    refuse) on it, in one transaction: any refusal leaves no dossier behind.

    Online, every required document needs its file (``require_documents``). At the counter the
    papers are checked by hand and the officer decides, so scans are checked but not required.

    ``documents_received``: at the counter, the documents handed in on paper (with or without
    a scan), recorded with the acceptance for the receipt (form 01).

    Files reach the storage before the transaction commits; after a rollback the periodic
    ``dossier_files_sweep`` removes them.
    """
    try:
        documents = procedure_get(code=procedure_code).documents.all()
    except NotFound:
        documents = []  # dossier_submit below says what is wrong with the procedure
    checked = uploads_check(documents=documents, uploads=uploads, require=require_documents)
    with transaction.atomic():
        dossier = dossier_submit(
            user=user,
            procedure_code=procedure_code,
            agency_id=agency_id,
            form_data=form_data,
            channel=channel,
            applicant=applicant,
        )
        _attach(user=user, code=dossier.code, uploads=checked)
        if decision:
            params = (
                {"documents_received": sorted({*documents_received, *checked})}
                if decision == "accept"
                else {}
            )
            dossier = dossier_act(
                user=user, code=dossier.code, action=decision, comment=comment, params=params
            )
    return dossier


def dossier_supplement_with_files(
    *, user, code: str, uploads: Mapping[str, Upload | None], comment: str = ""
) -> Dossier:
    """Send the papers asked for: check the files, attach them and take ``submit_supplement``
    with them, in one transaction. At least one file is needed."""
    dossier = dossier_get_for_user(user=user, code=code)
    checked = uploads_check(
        documents=dossier.procedure_version.documents.all(), uploads=uploads, require=False
    )
    if not checked:
        raise ValidationFailed(
            _("Chọn ít nhất một tệp để nộp bổ sung."),
            code="files_missing",
            fields={FILES_KEY: [_("Chọn ít nhất một tệp để nộp bổ sung.")]},
        )
    with transaction.atomic():
        file_ids = _attach(user=user, code=dossier.code, uploads=checked)
        return dossier_act(
            user=user,
            code=dossier.code,
            action="submit_supplement",
            comment=comment,
            file_ids=file_ids,
        )


# --- counter intake ------------------------------------------------------------------------------


def intake_check(
    *,
    version,
    documents: Iterable[Any],
    data: dict[str, Any],
    decision: str,
    received: set[str],
    uploads: Mapping[str, Upload],
) -> dict[str, list[str]]:
    """Everything wrong with a counter intake, found before anything is written: the e-form
    against the procedure's schema, the decision, and — to accept — the checklist of required
    papers; when all that is right, the scans. ``received``: the papers ticked or scanned."""
    documents = list(documents)
    errors: dict[str, list[str]] = {}
    try:
        form_validate(
            version_id=version.pk,
            stamp=version.created_at,
            schema=version.form_schema or {},
            data=data,
        )
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if decision not in INTAKE_DECISIONS:
        errors["decision"] = [_("Chọn Tiếp nhận, Yêu cầu bổ sung hoặc Từ chối.")]
    if decision == "accept":
        for doc in documents:
            if doc.is_required and doc.code not in received:
                errors[f"received.{doc.code}"] = [
                    _(
                        "Chưa nhận giấy tờ bắt buộc này: đánh dấu đã nhận (kèm bản quét nếu có) "
                        "hoặc chọn Yêu cầu bổ sung."
                    )
                ]
    if not errors:
        try:
            uploads_check(documents=documents, uploads=uploads, require=False)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    return errors


def intake_comment(
    *, documents: Iterable[Any], received: set[str], decision: str, comment: str
) -> str:
    """The officer's comment; asking for a supplement without one names the missing papers."""
    comment = comment.strip()
    if decision == "request_supplement" and not comment:
        missing = [d.name for d in documents if d.is_required and d.code not in received]
        if missing:
            comment = _("Cần bổ sung: %(documents)s.") % {"documents": "; ".join(missing)}
    return comment


def dossier_intake(
    *,
    user,
    fields: Mapping[str, Any],
    data: dict[str, Any],
    uploads: Mapping[str, Upload],
    decision: str,
    comment: str,
    received: set[str],
) -> str:
    """At the counter: submit, attach the scans and take the decision, all or nothing, once per
    form token (``fields["token"]``); returns the dossier's code. ``fields``: the intake form's
    cleaned data (procedure, channel, applicant_*)."""
    fingerprint = request_fingerprint(
        {
            **{k: v for k, v in fields.items() if k != "token"},
            "form_data": data,
            "decision": decision,
            "received": sorted(received),
            "files": sorted((c, u.name, len(u.content)) for c, u in uploads.items()),
        }
    )

    def run() -> tuple[int, dict[str, Any]]:
        dossier = dossier_submit_with_files(
            user=user,
            procedure_code=fields["procedure"],
            agency_id=profile_of(user).agency.agency_id,
            form_data=data,
            uploads=uploads,
            channel=fields["channel"],
            applicant=Applicant(
                name=fields["applicant_name"].strip(),
                id_number=fields["applicant_id_number"],
                phone=fields["applicant_phone"],
                email=fields["applicant_email"],
                address=fields["applicant_address"],
            ),
            decision=decision,
            comment=comment,
            require_documents=False,
            documents_received=received,
        )
        return 201, {"code": dossier.code}

    # If anything fails the rows roll back; scans already written to storage are removed by
    # the periodic sweep (`manage.py dossier_files_sweep`), like those of any other rollback.
    with transaction.atomic():
        _, body = idempotent(
            user=user, key=f"workspace-intake:{fields['token']}", fingerprint=fingerprint, run=run
        )
    return body["code"]
