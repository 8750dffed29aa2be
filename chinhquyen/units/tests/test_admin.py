from __future__ import annotations

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.units.models import Agency
from chinhquyen.units.selectors import unit_resolve
from chinhquyen.units.services import agencies_seed_demo

pytestmark = pytest.mark.django_db


def form_data(**values):
    data = {
        "agency_id": "",
        "name": "",
        "kind": "so",
        "parent": "",
        "unit": "",
        "email": "",
        "phone": "",
        "address": "",
        "is_active": "on",
        "seal_roles_choice": ["clerk", "counter"],
    }
    data.update(values)
    return data


def test_units_are_searchable_but_read_only_in_the_admin(admin_client, units):
    response = admin_client.get("/admin/units/administrativeunit/", {"q": "Hải Phòng"})
    assert response.status_code == 200
    assert "Thành phố Hải Phòng" in response.content.decode()
    assert admin_client.get("/admin/units/administrativeunit/add/").status_code == 403


def test_adding_an_agency_in_the_admin_goes_through_the_service(admin_client, units):
    demo = agencies_seed_demo()
    response = admin_client.post(
        "/admin/units/agency/add/",
        form_data(
            agency_id="000.00.06.h26",
            name="Sở Y tế thành phố Hải Phòng",
            parent=demo["province"].pk,
            unit=unit_resolve(code="31").pk,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(agency_id="000.00.06.H26")
    record = AuditRecord.objects.get(chain=f"agency:{agency.pk}")
    assert record.event == "agency.created" and record.actor_label == "admin"


def test_the_admin_form_shows_the_service_error_on_the_field(admin_client, units):
    demo = agencies_seed_demo()
    response = admin_client.post(
        f"/admin/units/agency/{demo['province'].pk}/change/",
        form_data(
            agency_id="000.00.00.H26", name="UBND", kind="ubnd_tinh", parent=demo["justice"].pk
        ),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    assert not AuditRecord.objects.filter(
        chain=f"agency:{demo['province'].pk}", event="agency.updated"
    ).exists()


def test_changing_an_agency_in_the_admin_is_audited(admin_client, units):
    demo = agencies_seed_demo()
    province = demo["province"]
    response = admin_client.post(
        f"/admin/units/agency/{province.pk}/change/",
        form_data(
            agency_id=province.agency_id,
            name=province.name,
            kind="ubnd_tinh",
            unit=province.unit_id,
            phone="0225 000 000",
        ),
    )
    assert response.status_code == 302
    record = AuditRecord.objects.get(chain=f"agency:{province.pk}", event="agency.updated")
    assert record.changes == {"phone": ["", "0225 000 000"]}


def test_who_keeps_the_seal_is_chosen_in_the_admin_and_audited(admin_client, units):
    demo = agencies_seed_demo()
    province = demo["province"]
    assert province.seal_roles == ["clerk", "counter"]
    response = admin_client.post(
        f"/admin/units/agency/{province.pk}/change/",
        form_data(
            agency_id=province.agency_id,
            name=province.name,
            kind="ubnd_tinh",
            unit=province.unit_id,
            seal_roles_choice=["clerk"],
        ),
    )
    assert response.status_code == 302
    province.refresh_from_db()
    assert province.seal_roles == ["clerk"]
    record = AuditRecord.objects.get(chain=f"agency:{province.pk}", event="agency.updated")
    assert record.changes == {"seal_roles": [["clerk", "counter"], ["clerk"]]}
    # Nobody keeping the seal, or a role that is not an officer's, is refused.
    for roles in ([], ["citizen"]):
        response = admin_client.post(
            f"/admin/units/agency/{province.pk}/change/",
            form_data(
                agency_id=province.agency_id,
                name=province.name,
                kind="ubnd_tinh",
                unit=province.unit_id,
                seal_roles_choice=roles,
            ),
        )
        assert response.status_code == 200
    province.refresh_from_db()
    assert province.seal_roles == ["clerk"]
