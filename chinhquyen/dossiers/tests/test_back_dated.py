"""Back-dated dossiers (``dossier_submit(at=...)``, used by historical imports): an agency of a
unit abolished on 1/7/2025 is kept inactive, and still receives a dossier dated while its unit
existed. Live intake at an inactive agency stays refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from chinhquyen.core.errors import ValidationFailed
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def old(world):
    """An inactive agency of the pre-2025 province 30, receiving the world's procedure."""
    from chinhquyen.accounts.services import user_create
    from chinhquyen.catalogue.services import procedure_link_agencies
    from chinhquyen.units.models import AdministrativeUnit
    from chinhquyen.units.services import agency_create

    province = AdministrativeUnit.objects.create(
        generation="legacy",
        level="province",
        code="30",
        name="Tỉnh Hải Dương",
        codename="hai_duong",
        division_type="tỉnh",
        valid_to=dt.date(2025, 7, 1),
        source="test",
    )
    agency = agency_create(
        agency_id="000.00.01.T30",
        name="Bộ phận một cửa tỉnh Hải Dương",
        kind="so",
        unit=province,
        is_active=False,
    )
    procedure_link_agencies(
        procedure=world.procedure, agencies=[world.agency_a, world.agency_b, agency]
    )
    counter = user_create(
        username="motcua-cu",
        password=PASSWORD,
        full_name="Một Cửa",
        roles=["counter"],
        agency=agency,
    )
    return agency, counter


def submit(world, agency, **kw):
    from chinhquyen.dossiers.services import dossier_submit

    return dossier_submit(
        user=world.citizen,
        procedure_code=world.procedure.code,
        agency_id=agency.agency_id,
        form_data=VALID_FORM,
        **kw,
    )


def test_an_agency_of_an_abolished_unit_receives_a_dossier_dated_while_the_unit_existed(world, old):
    from chinhquyen.dossiers.models import Channel
    from chinhquyen.dossiers.services import Applicant, dossier_act, dossier_submit

    agency, counter = old
    online = submit(world, agency, at=dt.datetime(2024, 6, 3, 9, tzinfo=VN))
    assert online.agency == agency and online.code.startswith("000.00.01.T30-240603-")
    at_counter = dossier_submit(
        user=counter,
        procedure_code=world.procedure.code,
        agency_id=agency.agency_id,
        form_data=VALID_FORM,
        channel=Channel.COUNTER,
        applicant=Applicant(name="Trần Văn Quầy"),
        at=dt.datetime(2024, 6, 4, 9, tzinfo=VN),
    )
    accepted = dossier_act(
        user=counter,
        code=at_counter.code,
        action="accept",
        at=dt.datetime(2024, 6, 4, 10, tzinfo=VN),
    )
    assert accepted.state == "accepted" and accepted.due_at.year == 2024


@pytest.mark.parametrize(
    "when",
    [
        None,  # live intake
        "now",  # "back-dated" to today is live intake too
        dt.datetime(2025, 8, 4, 9, tzinfo=VN),  # after the unit was abolished
    ],
)
def test_an_inactive_agency_receives_nothing_outside_its_units_lifetime(world, old, when):
    agency, _counter = old
    kw = {} if when is None else {"at": timezone.now() if when == "now" else when}
    with pytest.raises(ValidationFailed) as caught:
        submit(world, agency, **kw)
    assert caught.value.code == "agency_unknown"


def test_an_inactive_agency_without_an_abolished_unit_receives_nothing_even_back_dated(world):
    from chinhquyen.units.services import agency_update

    agency_update(agency=world.agency_a, is_active=False)  # closed for another reason
    with pytest.raises(ValidationFailed) as caught:
        submit(world, world.agency_a, at=dt.datetime(2024, 6, 3, 9, tzinfo=VN))
    assert caught.value.code == "agency_unknown"
