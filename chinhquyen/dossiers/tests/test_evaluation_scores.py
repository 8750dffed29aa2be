"""Circular 01/2018 scores compiled per agency and staff member for a period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from chinhquyen.dossiers.evaluation import evaluation_scores, staff_class
from chinhquyen.dossiers.services import dossier_evaluate
from chinhquyen.dossiers.tests.test_evaluation import returned
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def scores(**points):
    base = {"1": 2, "2": 2, "3": 2, "4": 2, "6": 2, "7": 2}
    return {**base, **points}


@pytest.mark.parametrize(
    ("code", "status", "label"),
    [
        ("2026", 200, "Năm 2026"),
        ("2026-Q1", 200, "Quý 1/2026"),
        ("2026-Q4", 200, "Quý 4/2026"),
        ("2026-Q5", 422, None),
        ("26", 422, None),
    ],
)
def test_periods_are_the_reporting_centres(world, code, status, label):
    page = Client().get("/ket-qua-danh-gia/", {"ky": code})
    assert page.status_code == status
    if label:
        assert label in page.content.decode()


@pytest.mark.parametrize(
    ("score", "code"),
    [
        (6.0, "full"),
        (5.0, "full"),
        (4.9, "partial"),
        (3.5, "partial"),
        (3.4, "below"),
        (0, "below"),
    ],
)
def test_staff_classification_thresholds(score, code):
    assert staff_class(score)[0] == code


def test_scores_per_agency_and_staff_member(world):
    a, b = returned(world), returned(world)
    dossier_evaluate(user=world.citizen, code=a.code, scores=scores())  # 12; staff 6
    dossier_evaluate(user=world.citizen, code=b.code, scores=scores(**{"7": 0, "3": 1, "2": 1}))
    today = timezone.localdate()
    result = evaluation_scores(
        agency_ids=[world.agency_a.pk, world.agency_b.pk],
        start=today - dt.timedelta(days=1),
        end=today + dt.timedelta(days=2),
    )
    assert result["agencies"] == {world.agency_a.pk: {"evaluations": 2, "dossier_score": 10.0}}
    staff = {
        s["user"].username: (s["dossiers"], s["score"], s["class"][0]) for s in result["staff"]
    }
    # the counter officer received both, the handler handled both: (6 + 3) / 2 = 4.5
    assert staff == {"motcua": (2, 4.5, "partial"), "chuyenvien": (2, 4.5, "partial")}
    later = evaluation_scores(
        agency_ids=[world.agency_a.pk],
        start=today + dt.timedelta(days=2),
        end=today + dt.timedelta(days=30),
    )
    assert later == {"agencies": {}, "staff": []}


def test_the_public_page_names_agencies_not_staff_and_leaders_see_staff(world):
    a = returned(world)
    dossier_evaluate(user=world.citizen, code=a.code, scores=scores())
    page = Client().get("/ket-qua-danh-gia/").content.decode()
    assert world.agency_a.name in page and "12.0 / 12" in page.replace(",", ".")
    # The unit score adds the system-scored indicators 5, 8, 9 (2 each here) and is classed.
    assert "18.0 / 18" in page.replace(",", ".") and "Xuất sắc" in page
    assert "Motcua" not in page and "Chuyenvien" not in page
    assert Client().get("/ket-qua-danh-gia/?ky=2026-Q9").status_code == 422
    leader = Client()
    leader.login(username="lanhdao", password=PASSWORD)
    page = leader.get("/can-bo/danh-gia-can-bo/").content.decode()
    assert "Motcua" in page and "Hoàn thành tốt nhiệm vụ" in page
    handler = Client()
    handler.login(username="chuyenvien", password=PASSWORD)
    assert handler.get("/can-bo/danh-gia-can-bo/").status_code == 403
    other = Client()
    other.login(username="lanhdao2", password=PASSWORD)
    assert "Motcua" not in other.get("/can-bo/danh-gia-can-bo/").content.decode()
