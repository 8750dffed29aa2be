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

from chinhquyen.catalogue.selectors import procedure_get
from chinhquyen.core.errors import NotFound, ValidationFailed

from .files import check_upload
from .models import Channel, Dossier
from .selectors import dossier_get_for_user
from .services import Applicant, dossier_act, dossier_file_add, dossier_submit

FILES_KEY = "files"


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
