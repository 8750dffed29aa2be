from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Wednesday 29 April 2026, 10:00 in Hà Nội: Thursday 30/4 and Friday 1/5 are holidays.
BEFORE_HOLIDAYS = dt.datetime(2026, 4, 29, 10, 0, tzinfo=VN)


@pytest.fixture
def submit(world):
    """Send a feedback about procedure 1.000001 (routed to agency A unless told otherwise)."""
    from chinhquyen.feedback.services import feedback_submit

    def make(**kw):
        data = {
            "kind": "thu-tuc",
            "procedure_code": world.procedure.code,
            "description": "Thủ tục khai sinh yêu cầu quá nhiều giấy tờ.",
        }
        data.update(kw)
        feedback, _token = feedback_submit(**data)
        return feedback

    return make
