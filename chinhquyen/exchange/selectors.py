"""Reads with access checks: who may see which agency's registers and figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from chinhquyen.core.errors import NotFound, PermissionDenied

from . import edxml
from .models import InboxMessage, OutboxMessage, RegisterDirection, RegisterEntry


def agencies_visible_to(user) -> set[str] | None:
    """QCVN 102 ids of the agencies whose registers ``user`` may read; None = all (system admin)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return set()
    if profile.has_role("system_admin"):
        return None
    if profile.is_officer and profile.agency is not None:
        return {profile.agency.agency_id}
    return set()


def agency_check_access(*, user, agency_id: str) -> None:
    visible = agencies_visible_to(user)
    if visible is not None and agency_id not in visible:
        raise PermissionDenied("Không có quyền xem sổ văn bản của cơ quan này.", code="forbidden")


def register_list(
    *, user, agency_id: str | None = None, direction: str | None = None
) -> QuerySet[RegisterEntry]:
    visible = agencies_visible_to(user)
    qs = RegisterEntry.objects.all()
    if visible is not None:
        qs = qs.filter(agency_id__in=visible)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.order_by("-id")


def register_entry_get_for_user(*, user, pk: int) -> RegisterEntry:
    entry = register_list(user=user).filter(pk=pk).first()
    if entry is None:
        raise NotFound("Không tìm thấy dòng sổ văn bản.")
    return entry


# --- a register line's message and its files ------------------------------------------------------


def register_entry_payload(*, entry: RegisterEntry) -> bytes | None:
    """The stored bytes of the message behind a register line (None for an imported line)."""
    model = InboxMessage if entry.direction == RegisterDirection.IN else OutboxMessage
    payload = (
        model.objects.filter(message_id=entry.message_id).values_list("payload", flat=True).first()
    )
    return None if payload is None else bytes(payload)


@dataclass
class EntryFile:
    """One attachment as the officer gets it: unwrapped from the EdXML102 library's zip when it
    was wrapped, else as received; ``warning`` says when the received bytes were kept."""

    index: int
    name: str
    content_type: str
    size: int
    unwrapped: bool
    warning: str | None
    downloadable: bool = True

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "unwrapped": self.unwrapped,
            "warning": self.warning,
        }


@dataclass
class EntryDocument:
    model: edxml.Edoc | None
    files: list[EntryFile]
    warnings: list[str]  # the message's own (tolerated quirks) and the files'


def _entry_model(entry: RegisterEntry) -> tuple[edxml.Edoc | None, list[str]]:
    payload = register_entry_payload(entry=entry)
    if payload is None:
        return None, []
    try:
        model = edxml.parse(payload)
    except edxml.EdxmlError as exc:
        return None, [exc.message]
    if not isinstance(model, edxml.Edoc):
        return None, list(model.warnings)
    return model, list(model.warnings)


def register_entry_document(*, entry: RegisterEntry) -> EntryDocument:
    """The document behind a register line and what its files are as handed out (one file's
    bytes in memory at a time)."""
    model, warnings = _entry_model(entry)
    if model is None:
        return EntryDocument(None, [], warnings)
    files = []
    contents = edxml.attachment_contents(model.attachments)
    for index, (attachment, content) in enumerate(
        zip(model.attachments, contents, strict=True), start=1
    ):
        if content is None:
            name = attachment.name or attachment.content_id or f"tep-{index}"
            files.append(
                EntryFile(
                    index,
                    name,
                    attachment.content_type or "",
                    0,
                    False,
                    f"Tệp «{name}» không đọc được (mã hóa base64 bị hỏng).",
                    downloadable=False,
                )
            )
            continue
        files.append(
            EntryFile(
                index,
                content.name,
                content.content_type,
                len(content.data),
                content.unwrapped,
                content.warning,
            )
        )
    warnings += [f.warning for f in files if f.warning]
    return EntryDocument(model, files, warnings)


def register_entry_file(*, entry: RegisterEntry, index: int) -> edxml.Content:
    model, _ = _entry_model(entry)
    if model is not None and 1 <= index <= len(model.attachments):
        # Through the attachments before it, so the message's budget is spent as in the listing.
        for position, content in enumerate(edxml.attachment_contents(model.attachments), start=1):
            if position == index:
                if content is not None:
                    return content
                break
    raise NotFound("Không tìm thấy tệp đính kèm.", code="attachment_not_found")
