"""Which forms a dossier has, as its history grows."""

from __future__ import annotations

import pytest

from chinhquyen.core.errors import Conflict
from chinhquyen.printforms.selectors import form_check_available, forms_available

from .conftest import act, at

pytestmark = pytest.mark.django_db


def numbers(dossier) -> list[str]:
    return [f.form_no for f in forms_available(dossier=dossier)]


def test_a_newly_submitted_dossier_has_only_the_tracking_sheet(submitted):
    assert numbers(submitted) == ["06"]


def test_acceptance_adds_the_receipt(accepted):
    assert numbers(accepted) == ["01", "06"]


def test_a_supplement_request_before_acceptance_gives_form_02_without_a_receipt(world, submitted):
    d = act(world.counter_a, submitted, "request_supplement", "Thiếu tờ khai", at(2026, 3, 2, 10))
    assert numbers(d) == ["02", "06"]


def test_a_supplement_request_after_acceptance_keeps_the_receipt(supplement_requested):
    assert numbers(supplement_requested) == ["01", "02", "06"]


def test_a_refused_dossier_has_the_refusal_and_no_receipt(refused):
    assert numbers(refused) == ["03", "06"]


def test_extension_and_stop_add_forms_04_and_05(world, extended):
    d = act(world.leader_a, extended, "stop", "Dừng theo đề nghị", at(2026, 3, 5, 10))
    assert numbers(d) == ["01", "04", "05", "06"]


def test_a_form_not_yet_available_is_a_conflict_with_a_stable_code(accepted):
    assert form_check_available(dossier=accepted, form_no="01").title.startswith("Giấy tiếp nhận")
    for form_no in ("03", "07", "x"):
        with pytest.raises(Conflict) as err:
            form_check_available(dossier=accepted, form_no=form_no)
        assert err.value.code == "form_not_available"


def test_listing_the_forms_costs_one_query(accepted, django_assert_num_queries):
    with django_assert_num_queries(1):
        forms_available(dossier=accepted)
