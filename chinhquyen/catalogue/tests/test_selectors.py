import pytest

from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.selectors import (
    procedure_get,
    procedures_search,
    user_can_manage_catalogue,
)
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.core.errors import NotFound

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(load_json, agencies):
    load_json(
        factories.document(
            factories.birth(),  # 1.001193, ubnd_xa
            factories.building(),  # 1.009972, xay-dung
            factories.marriage(),  # 1.000894, ho-tich
            factories.birth(
                code="1.004884",
                name="Thủ tục đăng ký lại khai sinh",
                online_mode="partial",
                agency_kinds=[],
            ),  # fmt: skip
        )
    )
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.009972"), agencies=[agencies["so"]]
    )


def codes(versions):
    return [v.procedure.code for v in versions]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("khai sinh", ["1.001193", "1.004884"]),
        ("KHAI SINH", ["1.001193", "1.004884"]),
        ("khái sinh", ["1.001193", "1.004884"]),
        ("sinh   khai", ["1.001193", "1.004884"]),
        ("Đăng Ký Lại", ["1.004884", "1.000894", "1.001193"]),  # ranked: "lại" first
        ("giay phep xay dung", ["1.009972"]),
        ("giấy phép XÂY DỰNG", ["1.009972"]),
        # The field's name is searched too (and the other texts, weighing less).
        ("hộ tịch", ["1.000894", "1.001193", "1.004884", "1.009972"]),
        ("1.001193", ["1.001193"]),
        ("khai sinh kết hôn", ["1.000894", "1.001193", "1.004884"]),  # ranked, not filtered
        ("", ["1.000894", "1.001193", "1.004884", "1.009972"]),
        ("50%_", []),  # LIKE wildcards are taken literally
    ],
)
def test_search_ignores_diacritics_case_and_word_order(catalogue, q, expected):
    assert codes(procedures_search(q=q)) == expected


def test_the_agency_filter_keeps_the_procedures_that_agency_receives(catalogue, agencies):
    assert codes(procedures_search(agency=agencies["xa_a"].agency_id)) == ["1.001193"]
    assert codes(procedures_search(agency=agencies["so"].agency_id)) == ["1.009972"]
    assert codes(procedures_search(agency=agencies["xa_closed"].agency_id)) == []
    assert codes(procedures_search(q="khai sinh", agency=agencies["xa_b"].agency_id)) == [
        "1.001193"
    ]


def test_field_and_online_mode_filters(catalogue):
    assert codes(procedures_search(field="xay-dung")) == ["1.009972"]
    assert codes(procedures_search(field="ho-tich", online_mode="partial")) == ["1.004884"]


def test_search_sees_only_the_current_version(catalogue):
    procedure_save(data=factories.birth(name="Thủ tục đăng ký khai sinh lưu động"))

    found = procedures_search(q="khai sinh")
    assert sorted((v.procedure.code, v.version) for v in found) == [
        ("1.001193", 2),
        ("1.004884", 1),
    ]
    assert codes(procedures_search(q="luu dong")) == ["1.001193"]


def test_procedure_get_gives_the_current_version_with_documents_and_agencies(
    catalogue, agencies, django_assert_num_queries
):
    procedure_save(data=factories.birth(processing_time=2))

    with django_assert_num_queries(3):
        version = procedure_get(code="1.001193")
        documents = [d.code for d in version.documents.all()]
        linked = [a.agency_id for a in version.procedure.agencies.all()]

    assert version.version == 2
    assert documents == ["to-khai", "giay-chung-sinh"]
    assert linked == [agencies["xa_a"].agency_id, agencies["xa_b"].agency_id]


def test_procedure_get_of_an_unknown_code_is_not_found(catalogue):
    with pytest.raises(NotFound) as caught:
        procedure_get(code="9.999999")
    assert caught.value.code == "procedure_not_found"


def test_only_staff_and_system_admins_manage_the_catalogue(django_user_model, agencies):
    from django.contrib.auth.models import AnonymousUser

    from chinhquyen.accounts.services import user_create

    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    admin = user_create(
        username="qtht", password="test-pass-123", full_name="Quản trị", roles=["system_admin"]
    )
    officer = user_create(
        username="cb",
        password="test-pass-123",
        full_name="Cán bộ",
        roles=["agency_admin"],
        agency=agencies["xa_a"],
    )
    no_profile = django_user_model.objects.create_user(username="plain", password="x")

    assert user_can_manage_catalogue(user=staff)
    assert user_can_manage_catalogue(user=admin)
    assert not user_can_manage_catalogue(user=officer)
    assert not user_can_manage_catalogue(user=no_profile)
    assert not user_can_manage_catalogue(user=AnonymousUser())
    assert not user_can_manage_catalogue(user=None)
