"""The evaluation kiosk at the counter: switched on by an officer, no login, only its agency's
ended dossiers, once each, nothing personal on screen."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.dossiers.evaluation import INDICATORS
from chinhquyen.dossiers.models import DossierEvaluation
from chinhquyen.dossiers.services import dossier_evaluate, dossier_submit
from chinhquyen.dossiers.tests.test_evaluation import returned
from chinhquyen.pages.common import KIOSK_COOKIE as COOKIE
from chinhquyen.pages.common import kiosk_cookie_value
from chinhquyen.portal.kiosk import code_from_input
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db
ALL = {f"chi_tieu_{i['no']}": "2" for i in INDICATORS}


def kiosk_of(agency) -> Client:
    client = Client()
    client.cookies[COOKIE] = kiosk_cookie_value(agency.pk)
    return client


def test_an_officer_switches_a_device_into_a_kiosk_and_is_signed_out(world):
    client = Client()
    client.login(username="motcua", password=PASSWORD)
    assert client.get("/can-bo/may-danh-gia/").status_code == 200
    resp = client.post("/can-bo/may-danh-gia/")
    assert resp.status_code == 302 and resp["Location"] == "/danh-gia/"
    assert client.cookies[COOKIE].value
    assert "_auth_user_id" not in client.session
    assert client.get("/danh-gia/").status_code == 200


@pytest.mark.parametrize(("persona", "status"), [("handler_a", 403), ("citizen", 403)])
def test_only_counter_leaders_and_admins_switch_it_on(world, persona, status):
    client = Client()
    client.login(username=getattr(world, persona).username, password=PASSWORD)
    assert client.post("/can-bo/may-danh-gia/").status_code == status
    assert COOKIE not in client.cookies


def test_without_the_switch_or_with_a_forged_cookie_there_is_no_kiosk(world):
    assert Client().get("/danh-gia/").status_code == 403
    forged = Client()
    forged.cookies[COOKIE] = kiosk_cookie_value(world.agency_a.pk)[:-2] + "xx"
    assert forged.get("/danh-gia/").status_code == 403


def test_a_finished_dossier_is_scored_once_from_its_code(world):
    d = returned(world)
    kiosk = kiosk_of(world.agency_a)
    resp = kiosk.post("/danh-gia/", {"ma": f"https://dvc.example.vn/tra-cuu/{d.code}"})
    assert resp.status_code == 302 and resp["Location"] == f"/danh-gia/{d.code}/"
    page = kiosk.get(resp["Location"]).content.decode()
    assert d.code in page and "Congdan" not in page and "031090001234" not in page
    resp = kiosk.post(f"/danh-gia/{d.code}/", {**ALL, "chi_tieu_7": ""})
    assert resp.status_code == 422 and "Chọn một mức đánh giá." in resp.content.decode()
    assert kiosk.post(f"/danh-gia/{d.code}/", ALL)["Location"] == "/danh-gia/cam-on/"
    evaluation = DossierEvaluation.objects.get(dossier=d)
    assert evaluation.channel == "kiosk" and evaluation.submitted_by is None
    assert evaluation.total == 2 * len(INDICATORS)
    again = kiosk.post(f"/danh-gia/{d.code}/", ALL)  # a double tap
    assert again.status_code == 409 and "đã được đánh giá" in again.content.decode()
    assert DossierEvaluation.objects.count() == 1


def test_other_agencies_and_open_dossiers_are_refused(world):
    d = returned(world)
    open_one = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    other = kiosk_of(world.agency_b)
    resp = other.post("/danh-gia/", {"ma": d.code})
    assert resp.status_code == 422 and "Không tìm thấy hồ sơ" in resp.content.decode()
    assert other.post(f"/danh-gia/{d.code}/", ALL).status_code == 409
    kiosk = kiosk_of(world.agency_a)
    resp = kiosk.post("/danh-gia/", {"ma": open_one.code})
    assert "chưa kết thúc" in resp.content.decode()
    assert kiosk.post("/danh-gia/", {"ma": "<script>"}).status_code == 422
    assert not DossierEvaluation.objects.exists()


def test_a_dossier_evaluated_online_cannot_be_scored_again_at_the_kiosk(world):
    d = returned(world)
    dossier_evaluate(user=world.citizen, code=d.code, scores={i["no"]: 1 for i in INDICATORS})
    resp = kiosk_of(world.agency_a).post("/danh-gia/", {"ma": d.code})
    assert "đã được đánh giá" in resp.content.decode()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (" 000.01.31.H26-261125-0001 ", "000.01.31.H26-261125-0001"),
        ("https://x.vn/tra-cuu/000.01.31.H26-261125-0001", "000.01.31.H26-261125-0001"),
        ("http://x.vn/tra-cuu/000.01.31.H26-261125-0001/?utm=1", "000.01.31.H26-261125-0001"),
        ("' OR 1=1", ""),
        ("", ""),
    ],
)
def test_codes_are_read_from_what_was_typed_or_scanned(typed, code):
    assert code_from_input(typed) == code
