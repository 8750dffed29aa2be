"""Signing from the workspace in batches (``batches.py``): a leader signs and approves many
dossiers with one confirmation of their key, whoever keeps the seal issues them; each dossier
gets its own answer and a failure leaves that dossier as it was. Keys: PKCS#12 files (answer at
once) and the remote signing simulator in its own process (waits for the app's confirmation)."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed
from chinhquyen.dossiers.models import Dossier, SignedAs
from chinhquyen.dossiers.results import result_current, result_official
from chinhquyen.dossiers.services import dossier_act, dossier_file_add, dossier_submit
from chinhquyen.signatures.batches import (
    signing_batch_advance,
    signing_batch_get_for_user,
    signing_batch_start,
)
from chinhquyen.signatures.models import SigningBatch
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.testing.fixtures import REMOTE_LEADER
from chinhquyen.signatures.validation import TOTAL_PASSED, validate_pdf
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db
APPROVE, SEAL = SigningBatch.Purpose.APPROVE, SigningBatch.Purpose.SEAL


def plain_result_pdf() -> bytes:
    """A result drafted without a signature block: the system must place one."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from chinhquyen.signatures.signing import FONT_FILE

    if "CQBatchSample" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("CQBatchSample", str(FONT_FILE)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("CQBatchSample", 13)
    c.drawCentredString(297, 760, "GIẤY CHỨNG NHẬN")
    c.drawString(70, 700, "Chứng nhận ông Nguyễn Văn An đã đăng ký thành công.")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def electronic(world):
    world.procedure.electronic_result = True
    world.procedure.save()
    profile = world.leader_a.profile
    profile.position = "CHỦ TỊCH"
    profile.full_name = "Phạm Thị Dung"
    profile.save()
    return world.procedure


def pending_approval(world, *, draft: bytes | None) -> Dossier:
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a,
        code=d.code,
        action="assign",
        params={"assignee": world.handler_a.username},
    )
    if draft is not None:
        dossier_file_add(
            user=world.handler_a,
            code=d.code,
            document_code="result",
            name="giay-chung-nhan.pdf",
            content=draft,
        )
        dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
    d.refresh_from_db()
    return d


def read(record) -> bytes:
    with record.file.open("rb") as fh:
        return fh.read()


def test_a_leader_signs_three_results_at_once_and_the_counter_seals_them(
    world, electronic, identities
):
    drafts = [plain_result_pdf(), samples.decision_pdf(name="Phạm Thị Dung"), plain_result_pdf()]
    dossiers = [pending_approval(world, draft=d) for d in drafts]
    batch = signing_batch_start(
        user=world.leader_a, codes=[d.code for d in dossiers], purpose=APPROVE, comment="Đồng ý."
    )
    assert batch.state == SigningBatch.State.FINISHED  # a key file answers at once
    assert batch.message == "Đã ký 3/3 hồ sơ."
    for d in dossiers:
        d.refresh_from_db()
        assert d.state == "approved"
        signed = result_current(dossier=d)
        assert signed.signed_as == SignedAs.PERSONAL
        report = validate_pdf(read(signed))
        assert [s.kind for s in report.signatures] == ["personal"]
        assert report.signatures[0].passed
        assert d.events.order_by("-seq").first().comment == "Đồng ý."
        assert result_official(dossier=d) is None  # not issued before the seal
    # The block was placed by the system on the drafts that had none, with the leader's name.
    text = read(result_current(dossier=dossiers[0])).decode("latin-1")
    assert "ChuKyCaNhan1" in text

    seal = signing_batch_start(user=world.counter_a, codes=[d.code for d in dossiers], purpose=SEAL)
    assert seal.message == "Đã đóng dấu 3/3 hồ sơ."
    for d in dossiers:
        d.refresh_from_db()
        assert d.state == "done"
        official = result_official(dossier=d)
        assert official is not None and official.signed_as == SignedAs.AGENCY
        report = validate_pdf(read(official))
        assert report.indication == TOTAL_PASSED
        assert report.decree30_ok, report.decree30.message
    # A second seal is refused dossier by dossier, and nothing changes.
    again = signing_batch_start(user=world.counter_a, codes=[dossiers[0].code], purpose=SEAL)
    assert again.state == SigningBatch.State.FAILED
    assert again.items.get().error_code == "action_not_allowed"
    assert dossiers[0].files.filter(signed_as=SignedAs.AGENCY).count() == 1


def test_a_dossier_that_cannot_be_signed_is_reported_and_the_others_go_on(
    world, electronic, identities
):
    ready = pending_approval(world, draft=samples.decision_pdf())
    no_draft = pending_approval(world, draft=None)  # still in process, nothing to sign
    batch = signing_batch_start(
        user=world.leader_a,
        codes=[ready.code, no_draft.code, "000.00.00.H00-000000-0000"],
        purpose=APPROVE,
    )
    items = {i.dossier.code: i for i in batch.items.select_related("dossier")}
    assert items[ready.code].state == "done"
    assert items[no_draft.code].state == "failed"
    assert items[no_draft.code].message  # a sentence for the person, in Vietnamese
    assert "000.00.00.H00-000000-0000" not in items  # unknown or not visible: not listed
    no_draft.refresh_from_db()
    assert no_draft.state == "in_process"
    assert not no_draft.files.filter(is_result=True).exists()


@pytest.mark.parametrize(
    ("persona", "purpose", "code"),
    [
        ("handler_a", APPROVE, "sign_not_allowed"),
        ("counter_a", APPROVE, "sign_not_allowed"),
        ("leader_a", SEAL, "seal_not_allowed"),
        ("citizen", APPROVE, "sign_not_allowed"),
    ],
)
def test_only_the_competent_roles_start_a_batch(
    world, electronic, identities, persona, purpose, code
):
    d = pending_approval(world, draft=samples.decision_pdf())
    with pytest.raises(PermissionDenied) as exc:
        signing_batch_start(user=getattr(world, persona), codes=[d.code], purpose=purpose)
    assert exc.value.code == code
    d.refresh_from_db()
    assert d.state == "pending_approval"


def test_a_batch_needs_a_dossier_and_has_a_size_limit(world, electronic, identities):
    with pytest.raises(ValidationFailed) as exc:
        signing_batch_start(user=world.leader_a, codes=[" ", ""], purpose=APPROVE)
    assert exc.value.code == "no_dossier_chosen"
    with pytest.raises(ValidationFailed) as exc:
        signing_batch_start(
            user=world.leader_a, codes=[f"X-{i}" for i in range(51)], purpose=APPROVE
        )
    assert exc.value.code == "too_many_dossiers"


def test_remote_signing_waits_for_one_confirmation_of_the_whole_batch(
    world, electronic, remote_identity, signing_simulator
):
    dossiers = [pending_approval(world, draft=plain_result_pdf()) for _ in range(3)]
    batch = signing_batch_start(
        user=world.leader_a, codes=[d.code for d in dossiers], purpose=APPROVE
    )
    assert batch.state == SigningBatch.State.PENDING
    assert batch.expires_at is not None
    [tx] = signing_simulator.pending(REMOTE_LEADER)  # one transaction for the three
    assert len(tx["documents"]) == 3
    # Nothing moves before the person confirms.
    batch = signing_batch_advance(batch_id=batch.pk)
    assert batch.state == SigningBatch.State.PENDING
    assert {d.state for d in Dossier.objects.filter(pk__in=[d.pk for d in dossiers])} == {
        "pending_approval"
    }
    signing_simulator.confirm(REMOTE_LEADER, tx["transaction_id"])
    batch = signing_batch_advance(batch_id=batch.pk)
    assert batch.state == SigningBatch.State.FINISHED
    for d in dossiers:
        d.refresh_from_db()
        assert d.state == "approved"
        report = validate_pdf(read(result_current(dossier=d)))
        assert report.signatures[0].passed
    # Advancing again changes nothing (the page and the periodic job may both ask).
    assert signing_batch_advance(batch_id=batch.pk).state == SigningBatch.State.FINISHED
    assert all(d.files.filter(signed_as=SignedAs.PERSONAL).count() == 1 for d in dossiers)


@pytest.mark.parametrize("outcome", ["refuse", "expire"])
def test_a_refused_or_expired_confirmation_changes_no_dossier(
    world, electronic, remote_identity, signing_simulator, outcome
):
    if outcome == "expire":
        signing_simulator.configure(lifetime=1)
    d = pending_approval(world, draft=samples.decision_pdf())
    batch = signing_batch_start(user=world.leader_a, codes=[d.code], purpose=APPROVE)
    [tx] = signing_simulator.pending(REMOTE_LEADER)
    if outcome == "refuse":
        signing_simulator.refuse(REMOTE_LEADER, tx["transaction_id"])
    else:
        import time

        time.sleep(1.5)
    batch = signing_batch_advance(batch_id=batch.pk)
    assert batch.state == SigningBatch.State.FAILED
    assert batch.message
    item = batch.items.get()
    assert item.state == "failed" and item.error_code in ("signing_refused", "signing_expired")
    d.refresh_from_db()
    assert d.state == "pending_approval"
    assert not d.files.filter(signed_as=SignedAs.PERSONAL).exists()


def test_a_result_changed_while_waiting_is_not_signed(
    world, electronic, remote_identity, signing_simulator
):
    d = pending_approval(world, draft=samples.decision_pdf())
    batch = signing_batch_start(user=world.leader_a, codes=[d.code], purpose=APPROVE)
    # While the leader's app waits, the draft is locked; sent back, the handler replaces it.
    with pytest.raises(Conflict) as exc:
        dossier_file_add(
            user=world.handler_a,
            code=d.code,
            document_code="result",
            name="du-thao-moi.pdf",
            content=samples.decision_pdf(title="PHÓ CHỦ TỊCH"),
        )
    assert exc.value.code == "result_locked"
    dossier_act(
        user=world.leader_a, code=d.code, action="return_for_revision", comment="Sửa chức vụ."
    )
    dossier_file_add(
        user=world.handler_a,
        code=d.code,
        document_code="result",
        name="du-thao-moi.pdf",
        content=samples.decision_pdf(title="PHÓ CHỦ TỊCH"),
    )
    [tx] = signing_simulator.pending(REMOTE_LEADER)
    signing_simulator.confirm(REMOTE_LEADER, tx["transaction_id"])
    batch = signing_batch_advance(batch_id=batch.pk)
    item = batch.items.get()
    assert (item.state, item.error_code) == ("failed", "result_changed")
    d.refresh_from_db()
    assert d.state == "in_process"
    assert not d.files.filter(signed_as=SignedAs.PERSONAL).exists()


def test_a_batch_is_seen_only_by_the_person_who_started_it(world, electronic, identities):
    from chinhquyen.core.errors import NotFound

    d = pending_approval(world, draft=samples.decision_pdf())
    batch = signing_batch_start(user=world.leader_a, codes=[d.code], purpose=APPROVE)
    assert signing_batch_get_for_user(user=world.leader_a, batch_id=batch.pk) == batch
    for other in (world.counter_a, world.leader_b, world.citizen):
        with pytest.raises(NotFound):
            signing_batch_get_for_user(user=other, batch_id=batch.pk)
    client = Client()
    client.force_login(world.leader_b)
    assert client.get(f"/can-bo/ky-so/{batch.pk}/").status_code == 404


def test_the_leader_signs_from_the_inbox_with_a_csrf_checked_form(world, electronic, identities):
    dossiers = [pending_approval(world, draft=samples.decision_pdf()) for _ in range(2)]
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=world.leader_a.username, password=PASSWORD)
    inbox = client.get("/can-bo/")
    html = inbox.content.decode()
    for d in dossiers:
        assert f'name="codes" value="{d.code}"' in html
    assert 'action="/can-bo/ky-so/"' in html
    assert "Ký số và phê duyệt các hồ sơ đã chọn" in html
    token = inbox.cookies["csrftoken"].value
    response = client.post(
        "/can-bo/ky-so/",
        {
            "purpose": "approve",
            "codes": [d.code for d in dossiers],
            "csrfmiddlewaretoken": token,
            "next": "/can-bo/",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Đã ký 2/2 hồ sơ." in page.content.decode()
    status = client.get(response["Location"] + "?format=json").json()
    assert status == {
        "state": "finished",
        "pending": False,
        "message": "Đã ký 2/2 hồ sơ.",
        "done": 2,
        "total": 2,
        "seconds_left": None,
    }
    # Without the token nothing is signed.
    d = pending_approval(world, draft=samples.decision_pdf())
    refused = client.post("/can-bo/ky-so/", {"purpose": "approve", "codes": [d.code]})
    assert refused.status_code == 403
    d.refresh_from_db()
    assert d.state == "pending_approval"


def test_the_dossier_page_offers_signing_instead_of_an_unsigned_approval(
    world, electronic, identities
):
    d = pending_approval(world, draft=samples.decision_pdf())
    client = Client()
    client.force_login(world.leader_a)
    html = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert 'name="purpose" value="approve"' in html
    assert (
        'value="approve" name="action"' not in html and 'name="action" value="approve"' not in html
    )
    client.force_login(world.counter_a)
    html = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert 'name="purpose"' not in html  # nothing to sign for the counter yet


@pytest.mark.parametrize(
    ("seal_roles", "roles", "allowed"),
    [
        (["clerk", "counter"], ["counter"], True),
        (["clerk", "counter"], ["clerk"], True),
        (["clerk", "counter"], ["agency_admin"], False),
        (["clerk", "counter"], ["leader"], False),
        (["clerk"], ["counter"], False),
        (["agency_admin"], ["agency_admin"], True),
    ],
)
def test_every_seal_path_asks_the_agency_who_keeps_it(
    world, identities, seal_roles, roles, allowed
):
    """The one-step API path (``identity_for_mode``) and the batches agree with the workflow."""
    from chinhquyen.accounts.services import user_create
    from chinhquyen.signatures.batches import signing_identity_for
    from chinhquyen.signatures.services import identity_for_mode

    world.agency_a.seal_roles = seal_roles
    world.agency_a.save()
    officer = user_create(
        username="nguoi-giu-dau",
        password=PASSWORD,
        full_name="Người Giữ Dấu",
        roles=roles,
        agency=world.agency_a,
    )
    for pick in (
        lambda: identity_for_mode(user=officer, mode="agency"),
        lambda: signing_identity_for(user=officer, purpose=SEAL),
    ):
        if allowed:
            assert pick() == identities.agency
        else:
            with pytest.raises(PermissionDenied) as exc:
                pick()
            assert exc.value.code == "seal_not_allowed"
