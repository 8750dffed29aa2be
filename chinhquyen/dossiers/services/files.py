"""A dossier's files: attaching one (checked before anything is written) and sweeping the
storage of files no record refers to.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed

from .. import results
from ..files import check_upload
from ..models import Dossier, DossierFile, SignedAs, display_name
from ..selectors import dossier_get_for_user
from ..workflow import workflow_spec
from .events import _user_agency_id


@transaction.atomic
def dossier_file_add(
    *,
    user,
    code: str,
    document_code: str,
    name: str,
    content: bytes,
    at: datetime | None = None,
    derived_from: DossierFile | None = None,
    signed_as: str = "",
) -> DossierFile:
    """Attach a file. Checked by content, size and count before anything is written.

    A signed copy names the file it was made from (``derived_from``, of the same dossier) and
    how it was signed (``SignedAs``): the line of a result ends in its official copy."""
    at = at or timezone.now()
    dossier = dossier_get_for_user(user=user, code=code, for_update=True)
    officer_of_agency = _file_adder_allowed(dossier=dossier, user=user)
    slots = set(dossier.procedure_version.documents.values_list("code", flat=True))
    is_result = document_code == "result"
    _file_kind_allowed(
        dossier=dossier,
        officer_of_agency=officer_of_agency,
        document_code=document_code,
        slots=slots,
        derived_from=derived_from,
        signed_as=signed_as,
    )
    content_type = check_upload(name=name, content=content)
    digest = hashlib.sha256(content).hexdigest()
    record = DossierFile(
        dossier=dossier,
        document_code=document_code,
        name=display_name(name),
        content_type=content_type,
        size=len(content),
        sha256=digest,
        is_result=is_result,
        derived_from=derived_from,
        signed_as=signed_as,
        uploaded_by=user,
        uploaded_at=at,
    )
    _file_store(record, name=name, content=content)
    return record


def _file_adder_allowed(*, dossier: Dossier, user) -> bool:
    """Refuse a closed dossier and anyone but its applicant (while it is new or waiting for a
    supplement) and the officers of its agency; whether ``user`` is one of those officers."""
    spec = workflow_spec(dossier.workflow_id)
    if spec.states[dossier.state].is_final:
        raise Conflict("Hồ sơ đã kết thúc, không thể thêm tệp.", code="dossier_closed")
    is_owner = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    officer_of_agency = _user_agency_id(user) == dossier.agency_id
    if not (is_owner or officer_of_agency):
        raise PermissionDenied("Bạn không được thêm tệp vào hồ sơ này.", code="file_not_allowed")
    if (
        is_owner
        and not officer_of_agency
        and dossier.state not in ("submitted", "supplement_requested")
    ):
        raise Conflict(
            "Chỉ nộp thêm tệp khi hồ sơ mới nộp hoặc đang chờ bổ sung.",
            code="file_not_allowed_in_state",
        )
    return officer_of_agency


def _file_kind_allowed(
    *,
    dossier: Dossier,
    officer_of_agency: bool,
    document_code: str,
    slots: set[str],
    derived_from: DossierFile | None,
    signed_as: str,
) -> None:
    """Refuse a result from anyone but an officer or once the draft is locked, a document the
    procedure does not list, a file too many, a source file of another dossier, an unknown
    kind of signature."""
    is_result = document_code == "result"
    if is_result and not officer_of_agency:
        raise PermissionDenied("Chỉ cán bộ được đính kèm kết quả.", code="file_not_allowed")
    if is_result and not signed_as and not results.draft_upload_allowed(dossier=dossier):
        raise Conflict(
            "Dự thảo kết quả đã trình lãnh đạo hoặc đã ký: chỉ thay khi hồ sơ được trả lại "
            "chuyên viên.",
            code="result_locked",
        )
    if document_code and not is_result and document_code not in slots:
        raise ValidationFailed(
            "Thành phần hồ sơ không thuộc thủ tục.",
            fields={
                "document": [
                    f"Không có thành phần '{document_code}'. Hợp lệ: {', '.join(sorted(slots))}."
                ]
            },
        )
    if dossier.files.count() >= settings.UPLOAD_MAX_FILES_PER_DOSSIER:
        raise ValidationFailed(
            "Hồ sơ đã đủ số tệp tối đa.",
            code="too_many_files",
            fields={"file": [f"Tối đa {settings.UPLOAD_MAX_FILES_PER_DOSSIER} tệp mỗi hồ sơ."]},
        )
    if derived_from is not None and derived_from.dossier_id != dossier.pk:
        raise ValidationFailed(
            "Tệp gốc không thuộc hồ sơ.", fields={"derived_from": ["Tệp của hồ sơ khác."]}
        )
    if signed_as and signed_as not in SignedAs.values:
        raise ValidationFailed("Kiểu ký không hợp lệ.", fields={"signed_as": [signed_as]})


def _file_store(record: DossierFile, *, name: str, content: bytes) -> None:
    """Write the file to the storage, then its record and the audit record; if the database
    write fails after the file reached the storage, remove it again."""
    record.file.save(name, ContentFile(content), save=False)
    stored_name = record.file.name
    derived_from, signed_as = record.derived_from, record.signed_as
    try:
        record.save()
        audit_record(
            event="dossier.file_added",
            object_type="dossier",
            object_id=record.dossier.code,
            actor=record.uploaded_by,
            at=record.uploaded_at,
            changes={
                "document": record.document_code,
                **({"derived_from": derived_from.pk} if derived_from is not None else {}),
                **({"signed_as": signed_as} if signed_as else {}),
                "sha256": record.sha256,
                "size": len(content),
                "type": record.content_type,
            },
        )
    except Exception:
        record.file.storage.delete(stored_name)
        raise


def dossier_files_sweep(*, grace_seconds: int = 3600) -> list[str]:
    """Remove files under ``dossiers/`` in the storage that no DossierFile refers to.

    ``dossier_file_add`` writes the file before its transaction commits (the storage is not
    transactional); when that transaction rolls back — a refused upload in a multi-file
    submission, a crash — the file stays behind. The grace period keeps files of transactions
    still in progress.
    """
    import time as _time

    storage = DossierFile.file.field.storage
    known = set(DossierFile.objects.values_list("file", flat=True))
    removed: list[str] = []
    cutoff = _time.time() - grace_seconds

    def walk(prefix: str) -> None:
        try:
            dirs, files = storage.listdir(prefix)
        except FileNotFoundError:
            return
        for name in files:
            path = f"{prefix}/{name}"
            if path in known:
                continue
            if storage.get_modified_time(path).timestamp() <= cutoff:
                storage.delete(path)
                removed.append(path)
        for d in dirs:
            walk(f"{prefix}/{d}")

    walk("dossiers")
    return removed
