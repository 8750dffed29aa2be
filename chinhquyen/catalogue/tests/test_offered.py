"""A procedure whose current version has ended (a province's 2017 local catalogue kept for the
history and the reports) is no longer offered: search, the procedure pages and the online
application do not show it; the export, which is the whole catalogue, still carries it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from chinhquyen.catalogue.selectors import procedure_get, procedures_offered, procedures_search
from chinhquyen.catalogue.services import catalogue_export_json
from chinhquyen.core.errors import NotFound

from . import factories

pytestmark = pytest.mark.django_db

ENDED = "HDG-2017-0001"


@pytest.fixture
def catalogue(load_json, agencies):
    today = timezone.localdate()
    load_json(
        factories.document(
            factories.birth(),  # in force, no end
            factories.birth(
                code=ENDED,
                name="Đăng ký khai sinh (cấp huyện)",
                effective_from="2016-01-01",
                effective_to="2021-01-01",
            ),
            factories.birth(
                code="HDG-2017-0002",
                name="Đăng ký khai sinh (ends today)",
                effective_from="2016-01-01",
                effective_to=today.isoformat(),
            ),
            factories.birth(
                code="HDG-2017-0003",
                name="Đăng ký khai sinh (ends next month)",
                effective_from="2016-01-01",
                effective_to=(today + dt.timedelta(days=30)).isoformat(),
            ),
        )
    )


def test_ended_procedures_are_not_offered_and_the_day_of_the_end_is_excluded(catalogue):
    offered = {v.procedure.code for v in procedures_offered().select_related("procedure")}
    assert offered == {"1.001193", "HDG-2017-0003"}
    old = {v.procedure.code for v in procedures_offered(on=dt.date(2017, 6, 1))}
    assert ENDED in old


def test_search_does_not_find_an_ended_procedure(catalogue):
    found = {v.procedure.code for v in procedures_search(q="khai sinh")}
    assert ENDED not in found and "1.001193" in found
    assert ENDED not in {v.procedure.code for v in procedures_search()}
    assert Client().get(f"/api/v1/procedures?q={ENDED}").json()["count"] == 0
    home = Client().get("/", {"q": "khai sinh cấp huyện"})
    assert home.status_code == 200 and ENDED.encode() not in home.content


def test_an_ended_procedure_has_no_page_and_cannot_be_applied_for(catalogue):
    with pytest.raises(NotFound) as caught:
        procedure_get(code=ENDED)
    assert caught.value.code == "procedure_ended"
    resp = Client().get(f"/api/v1/procedures/{ENDED}")
    assert resp.status_code == 404 and resp.json()["code"] == "procedure_ended"
    page = Client().get(f"/thu-tuc/{ENDED}/")
    assert page.status_code == 404 and "hết hiệu lực" in page.content.decode()
    with pytest.raises(NotFound) as caught:
        procedure_get(code="9.999999")
    assert caught.value.code == "procedure_not_found"


def test_the_export_still_carries_ended_procedures(catalogue):
    exported = {p["code"]: p for p in catalogue_export_json()["procedures"]}
    assert exported[ENDED]["effective_to"] == "2021-01-01"
