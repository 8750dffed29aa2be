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


def test_a_synonym_added_in_the_admin_goes_through_the_service_and_is_searched(
    admin_client_, load_json
):
    from chinhquyen.catalogue.models import SearchTerm
    from chinhquyen.catalogue.selectors import procedures_search

    load_json(factories.document(factories.birth(), factories.marriage()))
    assert (
        admin_client_.get("/admin/catalogue/searchterm/add/?phrase=giay+chao+doi").status_code
        == 200
    )
    response = admin_client_.post(
        "/admin/catalogue/searchterm/add/",
        {"kind": "synonym", "phrase": "giấy chào đời", "target": "khai sinh", "note": ""},
    )

    assert response.status_code == 302
    term = SearchTerm.objects.get(key="giay chao doi")
    assert AuditRecord.objects.filter(event="search_term.created").exists()
    assert [v.procedure.code for v in procedures_search(q="giay chao doi")][:1] == ["1.001193"]
    twin = admin_client_.post(
        "/admin/catalogue/searchterm/add/",
        {"kind": "synonym", "phrase": "Giay chao doi", "target": "khai sinh", "note": ""},
    )
    assert twin.status_code == 200 and "đã có" in twin.content.decode()
    empty = admin_client_.post(
        "/admin/catalogue/searchterm/add/", {"kind": "synonym", "phrase": "abc", "target": ""}
    )
    assert empty.status_code == 200 and SearchTerm.objects.count() == 1
    admin_client_.post(f"/admin/catalogue/searchterm/{term.pk}/delete/", {"post": "yes"})
    assert not SearchTerm.objects.exists()


def test_also_searched_as_phrases_are_edited_on_the_procedure_one_per_line(
    admin_client_, load_json
):
    load_json(factories.document(factories.birth()))
    procedure = Procedure.objects.get(code="1.001193")
    response = admin_client_.post(
        f"/admin/catalogue/procedure/{procedure.pk}/change/",
        {"electronic_result": "", "unsigned_approval": "unknown",
         "search_phrases": "giấy khai sinh\n\n làm khai sinh cho con ",
         "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"},
    )  # fmt: skip

    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.non_form_errors() for f in response.context["inline_admin_formsets"]],
    )
    procedure.refresh_from_db()
    assert procedure.search_phrases == ["giấy khai sinh", "làm khai sinh cho con"]
    assert procedure.versions.count() == 1
