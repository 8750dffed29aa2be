"""The inspectors' figures per agency and period, and the signature assessment behind them.

Shares are computed over the documents that were *assessed* (the three booleans are null until
then), so a document nobody has looked at is "no data", never counted as unsigned.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from . import conf, edxml
from .models import InboxMessage, OutboxMessage, RegisterDirection, RegisterEntry

logger = logging.getLogger(__name__)


def _pdf_attachments(payload: bytes) -> list[bytes]:
    """The PDFs of a message as a user would download them: a file the EdXML102 library zipped
    (labelled application/zip under its own name, e.g. a PDF stored as .tmp) is assessed
    unwrapped, never as the zip; a wrapper that cannot be taken off is not a PDF."""
    model = edxml.parse(payload)
    if not isinstance(model, edxml.Edoc):
        return []
    return [c.data for c in edxml.attachment_contents(model.attachments) if c and c.is_pdf]


def signature_assess(payload: bytes) -> tuple[bool | None, bool | None, bool | None]:
    """(personal valid, agency valid, Decree 30 format) over the PDF attachments of a message.

    Uses ``chinhquyen.signatures.validation.validate_pdf`` when that module is installed; until
    then (or with no PDF attached) answers (None, None, None) = not assessed. A document counts
    as having a valid personal (agency) signature when its main PDF (the first) has one.
    """
    try:
        from chinhquyen.signatures.validation import validate_pdf  # noqa: PLC0415  (optional, lazy)
    except ImportError:
        return None, None, None
    pdfs = _pdf_attachments(payload)
    if not pdfs:
        return None, None, None
    try:
        report = validate_pdf(pdfs[0])
    except Exception:  # noqa: BLE001  (an unreadable PDF is "not valid", not a crash)
        logger.exception("exchange: validate_pdf failed")
        return False, False, False
    summary = getattr(report, "summary", None)

    def pick(name: str) -> bool | None:
        value = getattr(report, name, None)
        if value is None and summary is not None:
            value = summary.get(name) if isinstance(summary, dict) else getattr(summary, name, None)
        return None if value is None else bool(value)

    return pick("personal_valid"), pick("agency_valid"), pick("decree30_ok")


def register_entry_assess(*, entry: RegisterEntry) -> bool:
    """Assess one register line from the stored message bytes. False if nothing was assessed."""
    model = InboxMessage if entry.direction == RegisterDirection.IN else OutboxMessage
    payload = (
        model.objects.filter(message_id=entry.message_id).values_list("payload", flat=True).first()
    )
    if payload is None:
        return False
    personal, agency, decree30 = signature_assess(bytes(payload))
    if personal is None and agency is None and decree30 is None:
        return False
    RegisterEntry.objects.filter(pk=entry.pk).update(
        personal_signature_valid=personal,
        agency_signature_valid=agency,
        decree30_ok=decree30,
        assessed_at=timezone.now(),
    )
    return True


def register_assess_pending(*, limit: int = 20) -> int:
    if not conf.get("EXCHANGE_ASSESS_SIGNATURES"):
        return 0
    try:
        import chinhquyen.signatures.validation  # noqa: F401, PLC0415
    except ImportError:
        return 0
    done = 0
    for entry in RegisterEntry.objects.filter(assessed_at__isnull=True).order_by("id")[:limit]:
        if register_entry_assess(entry=entry):
            done += 1
        else:
            # Nothing to assess (no PDF): mark it looked-at so it is not retried forever.
            RegisterEntry.objects.filter(pk=entry.pk).update(assessed_at=timezone.now())
    return done


@dataclass
class Figures:
    agency_id: str
    date_from: dt.date
    date_to: dt.date
    sent: int
    received: int
    assessed: int
    personal_share: float | None
    agency_share: float | None
    decree30_share: float | None

    @property
    def shares(self) -> list[float | None]:
        return [self.personal_share, self.agency_share, self.decree30_share]

    def as_dict(self) -> dict:
        return {
            "agency_id": self.agency_id,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "sent": self.sent,
            "received": self.received,
            "assessed": self.assessed,
            "personal_signature_share": self.personal_share,
            "agency_signature_share": self.agency_share,
            "decree30_share": self.decree30_share,
        }


def _share(yes: int, known: int) -> float | None:
    return None if known == 0 else round(yes / known, 4)


def figures_for(*, agency_id: str, date_from: dt.date, date_to: dt.date) -> Figures:
    """Documents sent and received by ``agency_id`` between the dates (inclusive, Vietnam time),
    and the shares of sent documents with a valid personal / agency signature and in the
    Decree 30 format (over the assessed ones; None = no data)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    out = RegisterEntry.objects.filter(
        agency_id=agency_id, direction=RegisterDirection.OUT, sent_at__gte=start, sent_at__lt=end
    )
    received = (
        RegisterEntry.objects.filter(
            agency_id=agency_id,
            direction=RegisterDirection.IN,
            received_at__gte=start,
            received_at__lt=end,
        )
        .values("document_id", "counterpart_id")
        .distinct()
        .count()
    )
    # One document sent to several agencies is one document sent.
    docs = out.values("document_id").distinct()
    sent = docs.count()
    agg = out.values("document_id").annotate(
        p=Count("id", filter=Q(personal_signature_valid=True)),
        pk=Count("id", filter=Q(personal_signature_valid__isnull=False)),
        a=Count("id", filter=Q(agency_signature_valid=True)),
        ak=Count("id", filter=Q(agency_signature_valid__isnull=False)),
        d=Count("id", filter=Q(decree30_ok=True)),
        dk=Count("id", filter=Q(decree30_ok__isnull=False)),
    )
    p = pk = a = ak = d = dk = 0
    for row in agg:
        p += bool(row["p"])
        pk += bool(row["pk"])
        a += bool(row["a"])
        ak += bool(row["ak"])
        d += bool(row["d"])
        dk += bool(row["dk"])
    return Figures(
        agency_id=agency_id,
        date_from=date_from,
        date_to=date_to,
        sent=sent,
        received=received,
        assessed=max(pk, ak, dk),
        personal_share=_share(p, pk),
        agency_share=_share(a, ak),
        decree30_share=_share(d, dk),
    )


EDOC_FACTS = (
    "edoc_sent",
    "edoc_received",
    "edoc_signed",
    "edoc_assessed",
    "edoc_personal",
    "edoc_personal_known",
    "edoc_agency",
    "edoc_agency_known",
    "edoc_decree30",
    "edoc_decree30_known",
)


def edoc_facts_by_agency(
    *, agency_ids: list[str] | None, date_from: dt.date, date_to: dt.date
) -> dict[str, dict[str, int]]:
    """The reporting centre's facts from the registers, per agency (QCVN 102 id): documents sent
    and received between the dates (inclusive, Vietnam time) and, over the sent documents whose
    signatures were assessed, how many carry a valid personal signature, a valid agency
    signature, any valid signature, and the Decree 30 format. An agency with no register entry at
    all is absent: it is not on the axis, so it has no data rather than zero. Two grouped
    queries whatever the number of agencies."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    entries = RegisterEntry.objects.all()
    if agency_ids is not None:
        entries = entries.filter(agency_id__in=agency_ids)
    on_axis = set(entries.values_list("agency_id", flat=True).distinct())
    out: dict[str, dict[str, int]] = {a: dict.fromkeys(EDOC_FACTS, 0) for a in on_axis}
    received = (
        entries.filter(direction=RegisterDirection.IN, received_at__gte=start, received_at__lt=end)
        .values("agency_id")
        .annotate(n=Count("document_id", distinct=True))
    )
    for row in received:
        out[row["agency_id"]]["edoc_received"] = row["n"]
    # One document sent to several agencies is one document: its lines agree on the assessment.
    sent = (
        entries.filter(direction=RegisterDirection.OUT, sent_at__gte=start, sent_at__lt=end)
        .values("agency_id", "document_id")
        .annotate(
            p=Count("id", filter=Q(personal_signature_valid=True)),
            pk=Count("id", filter=Q(personal_signature_valid__isnull=False)),
            a=Count("id", filter=Q(agency_signature_valid=True)),
            ak=Count("id", filter=Q(agency_signature_valid__isnull=False)),
            d=Count("id", filter=Q(decree30_ok=True)),
            dk=Count("id", filter=Q(decree30_ok__isnull=False)),
        )
    )
    for row in sent:
        facts = out[row["agency_id"]]
        facts["edoc_sent"] += 1
        facts["edoc_personal"] += bool(row["p"])
        facts["edoc_personal_known"] += bool(row["pk"])
        facts["edoc_agency"] += bool(row["a"])
        facts["edoc_agency_known"] += bool(row["ak"])
        facts["edoc_decree30"] += bool(row["d"])
        facts["edoc_decree30_known"] += bool(row["dk"])
        facts["edoc_signed"] += bool(row["p"] or row["a"])
        facts["edoc_assessed"] += bool(row["pk"] or row["ak"])
    return out
