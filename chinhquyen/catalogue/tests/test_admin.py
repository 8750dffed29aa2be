import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalogue.models import Field, Procedure

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="root", password="x")
    client.force_login(user)
    return client


def test_a_procedure_and_its_versions_are_read_only_but_the_signing_policy(
    admin_client_, load_json
):
    load_json(factories.document(factories.birth()))
    load_json(factories.document(factories.birth(processing_time=2)))
    procedure = Procedure.objects.get(code="1.001193")

    page = admin_client_.get(f"/admin/catalogue/procedure/{procedure.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    # Only the signing policy (an operating choice) is a field; the published content is not.
    assert 'name="electronic_result"' in html and 'name="unsigned_approval"' in html
    assert 'name="code"' not in html and 'name="versions-0-name"' not in html
    assert page.content.decode().count("Thủ tục đăng ký khai sinh") >= 2  # both versions listed
    assert admin_client_.get("/admin/catalogue/procedure/add/").status_code == 403
    assert admin_client_.get("/admin/catalogue/procedure/").status_code == 200
    version = procedure.current
    assert (
        admin_client_.get(f"/admin/catalogue/procedureversion/{version.pk}/change/").status_code
        == 200
    )


def test_a_field_added_in_the_admin_goes_through_the_service(admin_client_):
    response = admin_client_.post(
        "/admin/catalogue/field/add/", {"code": "dat-dai", "name": "Đất đai"}
    )

    assert response.status_code == 302
    assert Field.objects.get(code="dat-dai").name == "Đất đai"
    assert AuditRecord.objects.filter(chain="field:dat-dai", event="field.created").exists()
