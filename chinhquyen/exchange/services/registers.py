"""The incoming and outgoing registers: one event on a line, lines replaced by a newer document, a
received document or status applied to its lines, and lines imported from registers kept elsewhere."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from chinhquyen.core.errors import ValidationFailed

from .. import edxml
from ..models import (
    STATUS_RANK,
    EntryStatus,
    NodeIdentity,
    RegisterDirection,
    RegisterEntry,
)

logger = logging.getLogger(__name__)


def _entry_event(entry: RegisterEntry, event: str, *, status: str | None = None, **extra) -> None:
    now = timezone.now()
    entry.history = [*entry.history, {"at": now.isoformat(), "event": event, **extra}]
    if status is not None:
        entry.status = status
    entry.updated_at = now
    entry.save()


def _mark_replaced(
    *, agency_id: str, direction: str, document_ids: list[str], counterparts: list[str], by: str
) -> None:
    for entry in RegisterEntry.objects.filter(
        agency_id=agency_id,
        direction=direction,
        document_id__in=document_ids,
        counterpart_id__in=counterparts,
    ):
        entry.replaced_by = by
        _entry_event(entry, "replaced", status=EntryStatus.REPLACED, by=by)


def _register_sent(
    *,
    agency_id: str,
    to: list[tuple[str, str]],
    message_id: str,
    document_id: str,
    number: str,
    notation: str,
    date: dt.date,
    document_type: str,
    subject: str,
    handler: str,
    business_type: int,
    replaces: list[str] | None,
) -> None:
    """The outgoing register after a send: new lines (replaced ones marked), or revoke/update."""
    recipients = [aid for aid, _ in to]
    now = timezone.now()
    if business_type in (edxml.BUSINESS_NEW, edxml.BUSINESS_REPLACE):
        RegisterEntry.objects.bulk_create(
            [
                RegisterEntry(
                    agency_id=agency_id,
                    direction=RegisterDirection.OUT,
                    document_id=document_id,
                    message_id=message_id,
                    code_number=number,
                    code_notation=notation,
                    promulgation_date=date,
                    document_type=document_type,
                    subject=subject,
                    counterpart_id=aid,
                    counterpart_name=name,
                    handler=handler,
                    status=EntryStatus.SENT,
                    business_type=business_type,
                    sent_at=now,
                    history=[{"at": now.isoformat(), "event": "sent"}],
                )
                for aid, name in to
            ]
        )
        if business_type == edxml.BUSINESS_REPLACE:
            _mark_replaced(
                agency_id=agency_id,
                direction=RegisterDirection.OUT,
                document_ids=replaces or [],
                counterparts=recipients,
                by=document_id,
            )
    else:
        entries = RegisterEntry.objects.filter(
            agency_id=agency_id,
            direction=RegisterDirection.OUT,
            document_id=document_id,
            counterpart_id__in=recipients,
        )
        for entry in entries:
            if business_type == edxml.BUSINESS_REVOKE:
                _entry_event(entry, "revoke-sent", status=EntryStatus.REVOKED)
            else:
                entry.subject = subject
                _entry_event(entry, "update-sent")


def _apply_edoc(ident: NodeIdentity, model: edxml.Edoc, message_id: str) -> list[RegisterEntry]:
    """Apply a received document to the incoming register. Returns lines that need an
    automatic "01 arrived" answer."""
    sender = model.from_.organ_id or ""
    sender_name = model.from_.organ_name or ""
    btype = model.business_type
    now = timezone.now()
    if btype in (edxml.BUSINESS_REVOKE, edxml.BUSINESS_UPDATE):
        target = (model.business.document_id if model.business else None) or model.document_id or ""
        entries = list(
            RegisterEntry.objects.filter(
                agency_id=ident.agency_id,
                direction=RegisterDirection.IN,
                document_id=target,
                counterpart_id=sender,
            )
        )
        for entry in entries:
            if btype == edxml.BUSINESS_REVOKE:
                _entry_event(entry, "revoked", status=EntryStatus.REVOKED, message_id=message_id)
            else:
                entry.subject = model.subject or entry.subject
                if model.code:
                    entry.code_number = model.code.number or entry.code_number
                    entry.code_notation = model.code.notation or entry.code_notation
                if model.promulgation_info and model.promulgation_info.date:
                    entry.promulgation_date = model.promulgation_info.date
                _entry_event(entry, "updated", message_id=message_id)
        if not entries:
            logger.warning("exchange: %s for unknown document %s from %s", btype, target, sender)
        return []
    document_id = model.document_id or f"{sender},{message_id}"
    entry, created = RegisterEntry.objects.get_or_create(
        agency_id=ident.agency_id,
        direction=RegisterDirection.IN,
        document_id=document_id[:255],
        counterpart_id=sender,
        defaults={
            "message_id": message_id,
            "code_number": (model.code.number if model.code else "") or "",
            "code_notation": (model.code.notation if model.code else "") or "",
            "promulgation_date": model.promulgation_info.date if model.promulgation_info else None,
            "document_type": (model.document_type.type_name if model.document_type else "") or "",
            "subject": model.subject or "",
            "counterpart_name": sender_name,
            "status": EntryStatus.ARRIVED,
            "business_type": btype,
            "received_at": now,
            "history": [{"at": now.isoformat(), "event": "arrived", "message_id": message_id}],
        },
    )
    if btype == edxml.BUSINESS_REPLACE and model.business and model.business.replacements:
        _mark_replaced(
            agency_id=ident.agency_id,
            direction=RegisterDirection.IN,
            document_ids=[r.document_id for r in model.business.replacements if r.document_id],
            counterparts=[sender],
            by=document_id,
        )
    return [entry] if created else []


def _apply_status(ident: NodeIdentity, model: edxml.Status, message_id: str) -> None:
    sender = model.from_.organ_id or ""
    code = model.status_code
    direction = RegisterDirection.IN if code == "13" else RegisterDirection.OUT
    entries = RegisterEntry.objects.filter(
        agency_id=ident.agency_id,
        direction=direction,
        document_id=model.response_for.document_id or "",
        counterpart_id=sender,
    )
    for entry in entries:
        if code in ("13", "15", "16"):
            entry.request_status = code
            _entry_event(
                entry,
                f"status-{code}",
                status=EntryStatus.REVOKED if code == "15" else None,
                message_id=message_id,
            )
        elif STATUS_RANK.get(code, 0) >= STATUS_RANK.get(entry.status, 0):
            if code == "04" and model.staff_info and model.staff_info.staff:
                entry.handler = model.staff_info.staff
            _entry_event(entry, f"status-{code}", status=code, message_id=message_id)
        else:
            _entry_event(entry, f"status-{code}-late", message_id=message_id)


@dataclass(frozen=True)
class RegisterLineIn:
    """One line of a register that was kept before this node existed (e.g. the statistics of the
    national axis for 2019): the document, the other agency, when it was sent (outgoing) or
    received (incoming) and, if the signatures were assessed, the three verdicts."""

    document_id: str
    counterpart_id: str
    at: dt.datetime
    counterpart_name: str = ""
    code_number: str = ""
    code_notation: str = ""
    promulgation_date: dt.date | None = None
    document_type: str = ""
    subject: str = ""
    status: str = ""  # default: "sent" (outgoing) or "03" accepted and registered (incoming)
    personal_signature_valid: bool | None = None
    agency_signature_valid: bool | None = None
    decree30_ok: bool | None = None
    assessed_at: dt.datetime | None = None


IMPORT_MESSAGE_PREFIX = "import:"  # message_id of an imported line: no message went through us


def _register_line_errors(line: RegisterLineIn, now: dt.datetime) -> list[str]:
    errors = []
    if not line.document_id or len(line.document_id) > 255:
        errors.append("document_id: bắt buộc, tối đa 255 ký tự")
    if not line.counterpart_id or len(line.counterpart_id) > 32:
        errors.append("counterpart_id: bắt buộc, tối đa 32 ký tự")
    for name in ("at", "assessed_at"):
        value = getattr(line, name)
        if value is None:
            if name == "at":
                errors.append("at: bắt buộc")
            continue
        if timezone.is_naive(value):
            errors.append(f"{name}: phải có múi giờ")
        elif value > now:
            errors.append(f"{name}: không được ở tương lai")
    if line.status and line.status not in EntryStatus.values:
        errors.append(f"status: không có trạng thái «{line.status}»")
    verdicts = (line.personal_signature_valid, line.agency_signature_valid, line.decree30_ok)
    if (line.assessed_at is None) != all(v is None for v in verdicts):
        errors.append("assessed_at: cần khi (và chỉ khi) có kết quả đánh giá chữ ký")
    return errors


@transaction.atomic
def register_import(
    *, agency_id: str, direction: str, lines: list[RegisterLineIn], source: str
) -> int:
    """Record lines of ``agency_id``'s outgoing or incoming register that were kept elsewhere,
    all or nothing. No message goes through this node, so nothing enters the outbox or the
    message log; each line's history says where it came from (``source``). A line already in
    the register (same agency, direction, document and counterpart) is left as it is, so an
    import can be run again. Returns the number of lines added."""
    if direction not in RegisterDirection.values:
        raise ValidationFailed(
            "Chiều sổ văn bản không hợp lệ.", fields={"direction": ["in hoặc out"]}
        )
    if not agency_id or len(agency_id) > 32:
        raise ValidationFailed("Thiếu mã định danh cơ quan.", fields={"agency_id": ["bắt buộc"]})
    now = timezone.now()
    errors = {
        f"lines[{i}]": problems
        for i, line in enumerate(lines)
        if (problems := _register_line_errors(line, now))
    }
    if errors:
        raise ValidationFailed("Dòng sổ văn bản không hợp lệ.", fields=errors)
    have = set(
        RegisterEntry.objects.filter(
            agency_id=agency_id,
            direction=direction,
            document_id__in={line.document_id for line in lines},
        ).values_list("document_id", "counterpart_id")
    )
    outgoing = direction == RegisterDirection.OUT
    default_status = EntryStatus.SENT if outgoing else EntryStatus.ACCEPTED
    new = []
    for line in lines:
        key = (line.document_id, line.counterpart_id)
        if key in have:
            continue
        have.add(key)
        new.append(
            RegisterEntry(
                agency_id=agency_id,
                direction=direction,
                document_id=line.document_id,
                message_id=f"{IMPORT_MESSAGE_PREFIX}{source}"[:64],
                code_number=line.code_number,
                code_notation=line.code_notation,
                promulgation_date=line.promulgation_date,
                document_type=line.document_type,
                subject=line.subject,
                counterpart_id=line.counterpart_id,
                counterpart_name=line.counterpart_name,
                status=line.status or default_status,
                sent_at=line.at if outgoing else None,
                received_at=None if outgoing else line.at,
                updated_at=now,
                history=[{"at": now.isoformat(), "event": "imported", "source": source}],
                personal_signature_valid=line.personal_signature_valid,
                agency_signature_valid=line.agency_signature_valid,
                decree30_ok=line.decree30_ok,
                assessed_at=line.assessed_at,
            )
        )
    RegisterEntry.objects.bulk_create(new, batch_size=500)
    return len(new)
