"""The applicant's evaluation of a finished dossier (Circular 01/2018 Art. 13): once, by the
applicant, only after the dossier ended, every per-dossier indicator scored 2/1/0."""

from __future__ import annotations

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chinhquyen.dossiers.evaluation import INDICATORS
from chinhquyen.dossiers.models import DossierEvaluation
from chinhquyen.dossiers.services import dossier_act, dossier_evaluate, dossier_submit
from conftest import VALID_FORM, Api

pytestmark = pytest.mark.django_db
ALL_GOOD = {i["no"]: 2 for i in INDICATORS}


def returned(world):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    for user, action, params in [
        (world.counter_a, "accept", {}),
        (world.leader_a, "assign", {"assignee": "chuyenvien"}),
        (world.leader_a, "approve", {}),
        (world.handler_a, "finish", {}),
        (world.counter_a, "return_result", {}),
    ]:
        d = dossier_act(user=user, code=d.code, action=action, params=params)
    return d


def test_the_applicant_scores_a_returned_dossier_once(world):
    d = returned(world)
    evaluation = dossier_evaluate(user=world.citizen, code=d.code, scores={**ALL_GOOD, "7": 1})
    assert evaluation.total == 2 * len(INDICATORS) - 1
    assert AuditRecord.objects.filter(chain=f"dossier:{d.code}", event="dossier.evaluated").exists()
    with pytest.raises(Conflict) as err:
        dossier_evaluate(user=world.citizen, code=d.code, scores=ALL_GOOD)
    assert err.value.code == "evaluation_already_given"


def test_an_open_dossier_cannot_be_evaluated_yet(world):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    with pytest.raises(Conflict) as err:
        dossier_evaluate(user=world.citizen, code=d.code, scores=ALL_GOOD)
    assert err.value.code == "evaluation_too_early"


def test_only_the_applicant_may_evaluate(world):
    d = returned(world)
    with pytest.raises(PermissionDenied):
        dossier_evaluate(user=world.counter_a, code=d.code, scores=ALL_GOOD)
    with pytest.raises(NotFound):
        dossier_evaluate(user=world.citizen2, code=d.code, scores=ALL_GOOD)
    assert not DossierEvaluation.objects.exists()


def test_every_indicator_needs_a_valid_score(world):
    d = returned(world)
    with pytest.raises(ValidationFailed) as err:
        dossier_evaluate(user=world.citizen, code=d.code, scores={"1": 2, "3": 5, "7": "x"})
    assert set(err.value.fields) == {f"scores.{i['no']}" for i in INDICATORS if i["no"] != "1"}


def test_the_api_takes_the_evaluation(world):
    d = returned(world)
    api = Api(world.citizen)
    resp = api.post(f"/api/v1/dossiers/{d.code}/evaluation", {"scores": ALL_GOOD, "comment": "Tốt"})
    assert resp.status_code == 201 and resp.json()["total"] == 12
    assert (
        api.post(f"/api/v1/dossiers/{d.code}/evaluation", {"scores": ALL_GOOD}).status_code == 409
    )


def test_the_portal_offers_the_form_when_the_dossier_ended_and_thanks_after(world, client):
    d = returned(world)
    client.force_login(world.citizen)
    page = client.get(f"/ho-so-cua-toi/{d.code}/")
    assert "Đánh giá mức độ hài lòng" in page.content.decode()
    bad = client.post(f"/ho-so-cua-toi/{d.code}/danh-gia/", {"chi_tieu_1": "2"})
    assert bad.status_code == 422 and "Chọn một mức đánh giá." in bad.content.decode()
    form = {f"chi_tieu_{i['no']}": "2" for i in INDICATORS}
    done = client.post(f"/ho-so-cua-toi/{d.code}/danh-gia/", form, follow=True)
    assert "Cảm ơn bạn đã đánh giá." in done.content.decode()
    assert "Gửi đánh giá" not in done.content.decode()
    assert DossierEvaluation.objects.get(dossier=d).total == 12


def test_the_public_lookup_leads_the_applicant_to_the_evaluation_once_the_dossier_ended(
    world, client
):
    d = returned(world)
    page = client.get(f"/tra-cuu/{d.code}").content.decode()
    assert f"/ho-so-cua-toi/{d.code}/" in page
    open_one = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    assert (
        "/ho-so-cua-toi/"
        not in client.get(f"/tra-cuu/{open_one.code}")
        .content.decode()
        .split("<main", 1)[1]
        .split("</main>", 1)[0]
    )
