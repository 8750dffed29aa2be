"""What the applicant is told about a dossier event: subject and body, from templates.

Templates live in ``templates/notifications/<channel>/<action>.txt``, each extending the channel's
``_base.txt``; the first rendered line is the subject, the rest the body. They are written in
Vietnamese directly (the language of every message, STYLE.md §15): a citizen-facing text reads
better as one paragraph a translator can see whole than as sentences cut into msgids.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from chinhquyen.core.public_url import public_url
from chinhquyen.dossiers.models import Channel, Dossier, DossierEvent
from chinhquyen.dossiers.workflow import workflow_spec
from chinhquyen.workdays.text import deadline_text

# Internal hand-overs are not news to the applicant. These actions are told only when they move
# the dossier to another national status: the first assignment does ("accepted" → "in process"),
# a re-assignment does not. Actions without a template of their own (forward, complete_step,
# approve, a custom workflow's actions) follow the same rule with the generic template.
TOLD_ONLY_ON_STATUS_CHANGE = frozenset({"assign"})
GENERIC_TEMPLATE = "_status_changed"


def lookup_url(code: str) -> str:
    """The public lookup page: progress without personal data (DOMAIN.md §3)."""
    return public_url(f"/tra-cuu/{code}")


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M ngày %d/%m/%Y") if value else ""


def _deadline(value: datetime | str | None) -> str:
    """A legal deadline as the applicant reads it: "17:00 thứ Ba 08/12/2026" (the close of the
    last working day; the year always, since a message is read later)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return deadline_text(value, language="vi", year=True)


def _money(amount: Decimal | None) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đồng" if amount is not None else ""


def _status_changed(dossier: Dossier, event: DossierEvent) -> bool:
    if not event.from_state:
        return True
    states = workflow_spec(dossier.workflow_id).states
    before, after = states.get(event.from_state), states.get(event.to_state)
    if before is None or after is None:
        return event.from_state != event.to_state
    return before.national_status != after.national_status


def message_context(*, dossier: Dossier, event: DossierEvent) -> dict[str, object]:
    state = workflow_spec(dossier.workflow_id).states.get(event.to_state)
    return {
        "code": dossier.code,
        "applicant_name": dossier.applicant_name,
        "procedure_name": dossier.procedure_version.name,
        "agency_name": dossier.agency.name,
        "agency_phone": dossier.agency.phone,
        "agency_address": dossier.agency.address,
        "online": dossier.channel == Channel.ONLINE,
        "received": dossier.received_at is not None,
        "lookup_url": lookup_url(dossier.code),
        "event_at": _when(event.at),
        "comment": event.comment,
        "state_name": state.name if state else event.to_state,
        "due_date": _deadline(dossier.due_at),
        "new_due_date": _deadline(event.data.get("new_due_at")),
        "supplement_due_date": _deadline(event.data.get("supplement_due_at")),
        "amount": _money(dossier.payment_amount),
        "result_code": dossier.result_code,
        **_official_result(dossier),
    }


def _official_result(dossier: Dossier) -> dict[str, str]:
    """Where the applicant downloads the one official result and checks its signatures (only
    once it is issued: drafts and earlier signed copies are never announced)."""
    from chinhquyen.dossiers.results import result_official

    record = result_official(dossier=dossier)
    if record is None:
        return {}
    return {
        "result_url": public_url(reverse("portal:my_dossier", args=[dossier.code])),
        "validate_url": (
            public_url(reverse("signatures:verify_result", args=[record.sha256]))
            if record.signed_as
            else ""
        ),
    }


def message_render(
    *, channel: str, dossier: Dossier, event: DossierEvent
) -> tuple[str, str] | None:
    """(subject, body) for the event, or None when the applicant need not be told."""
    changed = _status_changed(dossier, event)
    if event.action in TOLD_ONLY_ON_STATUS_CHANGE and not changed:
        return None
    try:
        if event.action.startswith("_"):  # never a shared template picked by an action's name
            raise TemplateDoesNotExist(event.action)
        template = get_template(f"notifications/{channel}/{event.action}.txt")
    except TemplateDoesNotExist:
        if not changed:
            return None
        template = get_template(f"notifications/{channel}/{GENERIC_TEMPLATE}.txt")
    text = template.render(message_context(dossier=dossier, event=event))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    subject = lines[0][:255]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines[1:])).strip() + "\n"
    return subject, body
