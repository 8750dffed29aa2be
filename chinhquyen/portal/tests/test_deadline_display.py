"""The citizen reads deadlines as the law counts them, time limits in the right plural, and the
evaluation's questions numbered 1, 2, 3 … as shown."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from chinhquyen.catalogue.services import procedure_save
from chinhquyen.dossiers.evaluation import INDICATORS
from chinhquyen.dossiers.services import dossier_act, dossier_submit
from chinhquyen.dossiers.tests.test_evaluation import returned
from chinhquyen.pages.common import KIOSK_COOKIE as COOKIE
from chinhquyen.pages.common import kiosk_cookie_value
from conftest import PASSWORD, VALID_FORM, procedure_data

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def after_cutoff(world):
    """A one-working-day dossier accepted at 15:01 on Monday 07/12/2026."""
    procedure_save(data=procedure_data(processing_time=1))
    monday = datetime(2026, 12, 7, 15, 1, tzinfo=VN)
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=monday,
    )
    return dossier_act(user=world.counter_a, code=d.code, action="accept", at=monday)


def test_the_lookup_and_my_dossier_say_17_00_on_tuesday_not_07_30_on_wednesday(world, after_cutoff):
    lookup = Client().get(f"/tra-cuu/{after_cutoff.code}").content.decode()
    client = Client()
    client.login(username=world.citizen.username, password=PASSWORD)
    mine = client.get(f"/ho-so-cua-toi/{after_cutoff.code}/").content.decode()
    listing = client.get("/ho-so-cua-toi/").content.decode()
    for html in (lookup, mine, listing):
        assert "17:00 thứ Ba 08/12" in html
        assert "09/12" not in html and "07:30" not in html


def test_the_procedure_page_writes_the_time_limit_with_its_unit(client, world):
    procedure_save(data=procedure_data(processing_time=1))
    html = client.get("/thu-tuc/1.000001/").content.decode()
    assert "1 ngày làm việc" in html


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<legend>(\d+)\. ", html)]


def test_the_citizens_evaluation_numbers_its_questions_without_a_gap(world):
    d = returned(world)
    client = Client()
    client.login(username=world.citizen.username, password=PASSWORD)
    html = client.get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    assert _numbers(html) == list(range(1, len(INDICATORS) + 1))


def test_the_kiosk_numbers_its_questions_without_a_gap(world):
    d = returned(world)
    kiosk = Client()
    kiosk.cookies[COOKIE] = kiosk_cookie_value(world.agency_a.pk)
    html = kiosk.get(f"/danh-gia/{d.code}/").content.decode()
    assert _numbers(html) == list(range(1, len(INDICATORS) + 1))
