"""The workflow around a signed result: the handler submits a draft to the leader, the leader's
approval carries their signature when the procedure's result is electronic, the seal is applied
by whoever keeps it (per agency) and issues the result, and the applicant sees one official
result. Signed files are made here with ``dossier_file_add(signed_as=…)``: the rules look at
what the signature services record; the signing itself is tested in signatures/tests."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chinhquyen.dossiers.models import SignedAs
from chinhquyen.dossiers.results import (
    files_visible_to,
    result_current,
    result_official,
    result_official_by_digest,
)
from chinhquyen.dossiers.services import (
    actions_available,
    dossier_act,
    dossier_file_add,
    dossier_submit,
)
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def electronic(world, **fields):
    procedure = world.procedure
    procedure.electronic_result = True
    for name, value in fields.items():
        setattr(procedure, name, value)
    procedure.save()


def in_process(world):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    dossier_file_add(
        user=world.citizen, code=d.code, document_code="to-khai", name="to-khai.pdf", content=PDF
    )
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a,
        code=d.code,
        action="assign",
        params={"assignee": world.handler_a.username},
    )
    return d


def add_result(world, d, *, signed_as="", derived_from=None, user=None, name="ket-qua.pdf"):
    return dossier_file_add(
        user=user or world.handler_a,
        code=d.code,
        document_code="result",
        name=name,
        content=PDF + signed_as.encode(),
        derived_from=derived_from,
        signed_as=signed_as,
    )


def approved_with_signature(world, d):
    """The handler's draft and the leader's signed copy, with which the leader approves."""
    draft = add_result(world, d)
    signed = add_result(world, d, signed_as=SignedAs.PERSONAL, derived_from=draft)
    dossier_act(
        user=world.leader_a, code=d.code, action="approve", params={"signed_file": signed.pk}
    )
    return draft, signed


def codes(world, d, user):
    d.refresh_from_db()
    return {a.code for a in actions_available(dossier=d, user=user)}


def test_an_electronic_result_is_submitted_to_the_leader_only_with_a_pdf_draft(world):
    electronic(world)
    d = in_process(world)
    with pytest.raises(Conflict) as exc:
        dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
    assert exc.value.code == "result_draft_missing"
    add_result(world, d)
    d = dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
    assert d.state == "pending_approval"
    assert d.status_code == 4
    # The leader may send it back, saying what to change.
    with pytest.raises(ValidationFailed):
        dossier_act(user=world.leader_a, code=d.code, action="return_for_revision")
    d = dossier_act(
        user=world.leader_a, code=d.code, action="return_for_revision", comment="Sửa ngày sinh."
    )
    assert d.state == "in_process"


def test_a_paper_result_needs_no_draft_to_go_to_the_leader(world):
    d = in_process(world)
    d = dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
    assert d.state == "pending_approval"


def test_an_electronic_result_cannot_be_approved_unsigned(world):
    electronic(world)
    d = in_process(world)
    draft = add_result(world, d)
    dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
    with pytest.raises(Conflict) as exc:
        dossier_act(user=world.leader_a, code=d.code, action="approve")
    assert exc.value.code == "signature_required"
    # A file marked signed must be the current result of the line, signed by the person.
    with pytest.raises(ValidationFailed) as exc:
        dossier_act(
            user=world.leader_a, code=d.code, action="approve", params={"signed_file": draft.pk}
        )
    assert exc.value.code == "signed_result_invalid"
    signed = add_result(world, d, signed_as=SignedAs.PERSONAL, derived_from=draft)
    d = dossier_act(
        user=world.leader_a, code=d.code, action="approve", params={"signed_file": signed.pk}
    )
    assert d.state == "approved"
    assert d.events.order_by("-seq").first().data["signed_file"] == signed.pk


def test_unsigned_approval_is_a_per_procedure_choice(world):
    electronic(world, unsigned_approval=True)
    assert not world.procedure.signature_required
    d = in_process(world)
    d = dossier_act(user=world.leader_a, code=d.code, action="approve")
    assert d.state == "approved"
    # …and such a result is issued by "finish", not by a seal.
    assert "finish" in codes(world, d, world.counter_a)
    assert "seal" not in codes(world, d, world.counter_a)
    d = dossier_act(user=world.counter_a, code=d.code, action="finish")
    assert d.state == "done"


def test_a_signed_result_is_issued_by_the_seal_never_by_finish(world):
    electronic(world)
    d = in_process(world)
    draft, signed = approved_with_signature(world, d)
    assert "finish" not in codes(world, d, world.counter_a)
    assert "seal" in codes(world, d, world.counter_a)
    with pytest.raises(Conflict) as exc:
        dossier_act(user=world.counter_a, code=d.code, action="finish")
    assert exc.value.code == "seal_required"
    with pytest.raises(Conflict) as exc:
        dossier_act(user=world.counter_a, code=d.code, action="seal")
    assert exc.value.code == "seal_signature_required"
    sealed = add_result(
        world, d, signed_as=SignedAs.AGENCY, derived_from=signed, user=world.counter_a
    )
    d = dossier_act(
        user=world.counter_a, code=d.code, action="seal", params={"sealed_file": sealed.pk}
    )
    assert d.state == "done"
    assert d.finished_at is not None
    assert d.result_code == f"KQ-{d.code}"
    # A second seal: the dossier has moved on.
    with pytest.raises(Conflict) as exc:
        dossier_act(
            user=world.counter_a, code=d.code, action="seal", params={"sealed_file": sealed.pk}
        )
    assert exc.value.code == "action_not_allowed_in_state"


@pytest.mark.parametrize(
    ("seal_roles", "persona", "allowed"),
    [
        (["clerk", "counter"], "counter_a", True),
        (["clerk", "counter"], "leader_a", False),
        (["clerk", "counter"], "handler_a", False),
        (["clerk", "counter"], "counter_b", False),  # another agency's counter
        (["clerk"], "counter_a", False),
        (["clerk"], "clerk_a", True),
        (["agency_admin"], "admin_a", True),
        (["clerk", "counter"], "admin_a", False),
    ],
)
def test_the_seal_is_applied_by_the_roles_the_agency_gives_it(world, seal_roles, persona, allowed):
    from chinhquyen.accounts.services import user_create

    extra = {
        "clerk_a": user_create(
            username="vanthu",
            password=PASSWORD,
            full_name="Văn Thư",
            roles=["clerk"],
            agency=world.agency_a,
        ),
        "admin_a": user_create(
            username="quantri",
            password=PASSWORD,
            full_name="Quản Trị",
            roles=["agency_admin"],
            agency=world.agency_a,
        ),
    }
    user = extra.get(persona) or getattr(world, persona)
    world.agency_a.seal_roles = seal_roles
    world.agency_a.save()
    electronic(world)
    d = in_process(world)
    draft, signed = approved_with_signature(world, d)
    if persona == "counter_b":  # another agency's officer does not even see the dossier
        with pytest.raises(NotFound):
            dossier_act(user=user, code=d.code, action="seal")
        return
    assert ("seal" in codes(world, d, user)) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied) as exc:
            dossier_act(user=user, code=d.code, action="seal")
        assert exc.value.code == "action_not_allowed_for_role"


def test_the_applicant_sees_only_the_official_result_once_it_is_issued(world):
    electronic(world)
    d = in_process(world)
    draft, signed = approved_with_signature(world, d)
    d.refresh_from_db()
    own = {f.name for f in files_visible_to(dossier=d, user=world.citizen)}
    assert own == {"to-khai.pdf"}
    assert result_official(dossier=d) is None
    sealed = add_result(
        world, d, signed_as=SignedAs.AGENCY, derived_from=signed, user=world.counter_a
    )
    dossier_act(user=world.counter_a, code=d.code, action="seal", params={"sealed_file": sealed.pk})
    d.refresh_from_db()
    assert result_current(dossier=d) == sealed
    assert result_official(dossier=d) == sealed
    visible = files_visible_to(dossier=d, user=world.citizen)
    assert [f.pk for f in visible if f.is_result] == [sealed.pk]
    # Officers keep the whole line.
    officer = files_visible_to(dossier=d, user=world.handler_a)
    assert {draft.pk, signed.pk, sealed.pk} <= {f.pk for f in officer}
    # The download refuses the drafts to the applicant.
    client = Client()
    client.force_login(world.citizen)
    for record, status in ((draft, 404), (signed, 404), (sealed, 200)):
        url = f"/ho-so-cua-toi/{d.code}/tep/{record.pk}/"
        assert client.get(url).status_code == status, record.name
    page = client.get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    assert page.count("Tải kết quả") == 1
    assert f"/chu-ky-so/kiem-tra/{sealed.sha256}/" in page


def test_the_validation_link_answers_only_for_an_official_result(world):
    electronic(world)
    d = in_process(world)
    draft = add_result(world, d)
    assert result_official_by_digest(sha256=draft.sha256) is None
    assert Client().get(f"/chu-ky-so/kiem-tra/{draft.sha256}/").status_code == 404
    assert Client().get("/chu-ky-so/kiem-tra/abc/").status_code == 404


def test_the_issue_e_mail_links_the_official_result_and_its_validation(world, settings):
    from chinhquyen.notifications.messages import message_render

    settings.PUBLIC_BASE_URL = "https://dichvucong.example.vn"
    electronic(world)
    d = in_process(world)
    draft, signed = approved_with_signature(world, d)
    sealed = add_result(
        world, d, signed_as=SignedAs.AGENCY, derived_from=signed, user=world.counter_a
    )
    d = dossier_act(
        user=world.counter_a, code=d.code, action="seal", params={"sealed_file": sealed.pk}
    )
    subject, body = message_render(
        channel="email", dossier=d, event=d.events.order_by("-seq").first()
    )
    assert "Đã có kết quả" in subject
    assert f"https://dichvucong.example.vn/ho-so-cua-toi/{d.code}/" in body
    assert f"https://dichvucong.example.vn/chu-ky-so/kiem-tra/{sealed.sha256}/" in body
    assert signed.sha256 not in body and draft.name not in body


def test_the_signing_policy_is_set_in_the_admin_and_audited(world, django_user_model):
    from chinhquyen.audit.models import AuditRecord

    admin_client = Client()
    admin_client.force_login(
        django_user_model.objects.create_superuser("quantri-he-thong", password=PASSWORD)
    )

    procedure = world.procedure
    url = f"/admin/catalogue/procedure/{procedure.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    import re

    # The read-only versions inline still posts its management form, as a browser would.
    hidden = dict(
        re.findall(r'<input type="hidden" name="(versions-[^"]+)" value="([^"]*)"', page.text)
    )
    assert hidden, "the versions inline's management form"
    response = admin_client.post(
        url, {**hidden, "electronic_result": "on", "unsigned_approval": "unknown"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure.refresh_from_db()
    assert procedure.electronic_result and procedure.unsigned_approval is None
    assert procedure.signature_required
    record = AuditRecord.objects.get(
        chain=f"procedure:{procedure.code}", event="procedure.signing_policy"
    )
    assert record.changes["electronic_result"] == [False, True]
    # The published version is not touched from here.
    assert procedure.versions.count() == 1


def test_the_api_gives_the_applicant_the_same_files_as_the_portal(world, api):
    electronic(world)
    d = in_process(world)
    draft, signed = approved_with_signature(world, d)
    citizen, handler = api(world.citizen), api(world.handler_a)
    mine = citizen.get(f"/api/v1/dossiers/{d.code}").json()["files"]
    assert [f["name"] for f in mine] == ["to-khai.pdf"]
    theirs = handler.get(f"/api/v1/dossiers/{d.code}").json()["files"]
    assert {f["id"] for f in theirs} >= {draft.pk, signed.pk}
    assert next(f for f in theirs if f["id"] == signed.pk)["derived_from"] == draft.pk
    sealed = add_result(
        world, d, signed_as=SignedAs.AGENCY, derived_from=signed, user=world.counter_a
    )
    dossier_act(user=world.counter_a, code=d.code, action="seal", params={"sealed_file": sealed.pk})
    mine = citizen.get(f"/api/v1/dossiers/{d.code}").json()["files"]
    assert [(f["id"], f["signed_as"]) for f in mine if f["is_result"]] == [(sealed.pk, "agency")]
