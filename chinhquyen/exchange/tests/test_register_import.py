"""Registers kept before the node existed (``services.register_import``): the lines and their
signature verdicts reach the figures like any other, an import can run again, and a bad line
stops the whole import."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.exchange.figures import edoc_facts_by_agency, figures_for
from chinhquyen.exchange.models import LogEntry, OutboxMessage, RegisterEntry
from chinhquyen.exchange.services import RegisterLineIn, register_import

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PC, OFFICE = "000.00.00.T26", "000.00.00.G22"
ASSESSED = dt.datetime(2019, 8, 23, 17, tzinfo=VN)


def line(n: int, *, signed: bool | None, **extra) -> RegisterLineIn:
    verdicts = (
        {}
        if signed is None
        else {
            "personal_signature_valid": False,
            "agency_signature_valid": signed,
            "decree30_ok": False if signed else None,
            "assessed_at": ASSESSED,
        }
    )
    fields = {
        "document_id": f"{PC},2019/04/0{n},{n}/UBND-TH",
        "counterpart_id": OFFICE,
        "counterpart_name": "Văn phòng Chính phủ",
        "at": dt.datetime(2019, 4, n, 9, tzinfo=VN),
        "code_number": str(n),
        "code_notation": "UBND-TH",
        "subject": "Báo cáo",
    }
    return RegisterLineIn(**{**fields, **verdicts, **extra})


def test_imported_lines_feed_the_figures_and_importing_again_adds_nothing():
    lines = [
        line(1, signed=True),
        line(2, signed=True),
        line(3, signed=False),
        line(4, signed=None),
    ]
    assert register_import(agency_id=PC, direction="out", lines=lines, source="test") == 4
    figures = figures_for(
        agency_id=PC, date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 12, 31)
    )
    assert (figures.sent, figures.assessed, figures.agency_share) == (4, 3, round(2 / 3, 4))
    facts = edoc_facts_by_agency(
        agency_ids=[PC], date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 12, 31)
    )[PC]
    assert (facts["edoc_signed"], facts["edoc_assessed"]) == (2, 3)
    assert (facts["edoc_decree30"], facts["edoc_decree30_known"]) == (0, 2)  # only signed ones
    entry = RegisterEntry.objects.get(document_id=lines[0].document_id)
    assert entry.status == "sent" and entry.sent_at == lines[0].at and entry.received_at is None
    assert entry.message_id == "import:test" and entry.history[0]["event"] == "imported"
    # No message went through this node: nothing to send, nothing in the message log.
    assert not OutboxMessage.objects.exists() and not LogEntry.objects.exists()
    assert register_import(agency_id=PC, direction="out", lines=lines, source="test") == 0
    assert RegisterEntry.objects.count() == 4


def test_an_incoming_line_is_registered_as_received():
    register_import(agency_id=OFFICE, direction="in", lines=[line(1, signed=True)], source="t")
    entry = RegisterEntry.objects.get()
    assert (entry.agency_id, entry.direction, entry.status) == (OFFICE, "in", "03")
    assert entry.received_at is not None and entry.sent_at is None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"at": dt.datetime(2019, 4, 5, 9)}, "múi giờ"),  # naive
        ({"at": timezone.now() + dt.timedelta(days=1)}, "tương lai"),
        ({"assessed_at": None}, "assessed_at"),  # verdicts without the assessment's time
        ({"document_id": ""}, "document_id"),
        ({"status": "99"}, "status"),
    ],
)
def test_one_bad_line_stops_the_whole_import(bad, message):
    lines = [line(1, signed=True), line(2, signed=True, **bad)]
    with pytest.raises(ValidationFailed) as caught:
        register_import(agency_id=PC, direction="out", lines=lines, source="test")
    assert message in " ".join(caught.value.fields["lines[1]"])
    assert not RegisterEntry.objects.exists()


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValidationFailed):
        register_import(agency_id=PC, direction="sideways", lines=[], source="test")
