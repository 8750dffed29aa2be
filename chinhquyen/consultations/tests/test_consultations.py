"""Consultations: the rules of opening, participating, moderating, closing and launching."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.consultations import services
from chinhquyen.consultations.models import Comment, Consultation, Participation
from chinhquyen.consultations.selectors import months_before, unused_online_services
from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed
from chinhquyen.core.redaction import NAME, PHONE
from conftest import PASSWORD, VALID_FORM, procedure_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def offline(world):
    """A procedure agency A receives on paper only: the one to consult on."""
    procedure_save(
        data=procedure_data("1.000002", online_mode="none", name="Cấp bản sao trích lục")
    )
    procedure = Procedure.objects.get(code="1.000002")
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure


def open_one(world, *, threshold=60, min_votes=2, **kw):
    return services.consultation_open(
        actor=kw.pop("actor", world.leader_a),
        procedure_code=kw.pop("procedure_code", "1.000002"),
        title="Đưa thủ tục cấp bản sao trích lục lên trực tuyến",
        purpose="Xin ý kiến về việc cung cấp trực tuyến toàn trình.",
        planned_mode=kw.pop("planned_mode", "full"),
        closes_at=timezone.now() + timedelta(days=7),
        threshold_percent=threshold,
        min_votes=min_votes,
        **kw,
    )


def end(consultation):
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - timedelta(days=8), closes_at=timezone.now() - timedelta(seconds=1)
    )
    consultation.refresh_from_db()


# --- opening --------------------------------------------------------------------------------


def test_the_draft_is_frozen_from_the_current_version(world, offline):
    c = open_one(world, draft_steps="Bước 1: Nộp trực tuyến.")
    assert c.state == "open" and c.agency == world.agency_a
    assert c.draft_steps == "Bước 1: Nộp trực tuyến."
    assert c.draft_form_schema == offline.current.form_schema
    assert [d["code"] for d in c.draft_documents] == [
        d.code for d in offline.current.documents.order_by("position")
    ]
    assert AuditRecord.objects.filter(object_type="consultation", object_id=str(c.pk)).exists()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("leader_a", True),
        ("handler_a", False),
        ("counter_a", False),
        ("leader_b", False),  # agency B does not receive 1.000002
        ("citizen", False),
        ("sysadmin", False),
        ("outsider", False),
    ],
)
def test_who_may_open(world, offline, persona, allowed):
    actor = getattr(world, persona)
    if allowed:
        assert open_one(world, actor=actor).pk
    else:
        with pytest.raises((PermissionDenied, ValidationFailed)):
            open_one(world, actor=actor)


def test_bad_openings_are_refused_with_the_field(world, offline):
    with pytest.raises(ValidationFailed) as e:
        open_one(world, procedure_code="1.000001")  # already fully online
    assert "planned_mode" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        open_one(world, threshold=0, min_votes=0, planned_mode="none")
    assert {"threshold_percent", "min_votes", "planned_mode"} <= set(e.value.fields)
    with pytest.raises(ValidationFailed) as e:
        services.consultation_open(
            actor=world.leader_a,
            procedure_code="1.000002",
            title="",
            purpose="x",
            planned_mode="full",
            closes_at=timezone.now() + timedelta(hours=2),
            threshold_percent=50,
            min_votes=1,
        )
    assert {"title", "closes_at"} <= set(e.value.fields)
    open_one(world)
    with pytest.raises(Conflict):
        open_one(world)  # one open consultation per procedure and agency


# --- participating --------------------------------------------------------------------------


def test_one_vote_per_account_whatever_the_retries(world, offline):
    c = open_one(world)
    for _ in range(3):
        services.consultation_participate(
            user=world.citizen, consultation=c, vote="for", would_use="yes"
        )
    services.consultation_participate(
        user=world.citizen, consultation=c, vote="against", would_use="no", missing="Ký số"
    )
    assert Participation.objects.filter(consultation=c).count() == 1
    assert Participation.objects.get(consultation=c).vote == "against"


@pytest.mark.parametrize("persona", ["counter_a", "leader_a", "sysadmin", "outsider"])
def test_only_verified_citizens_vote_and_comment(world, offline, persona):
    c = open_one(world)
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.consultation_participate(user=user, consultation=c, vote="for", would_use="yes")
    with pytest.raises(PermissionDenied):
        services.consultation_comment(user=user, consultation=c, text="Tốt", token="t1")


def test_a_citizen_without_a_verified_identity_cannot_vote(world, offline):
    c = open_one(world)
    world.citizen.profile.id_number = ""
    world.citizen.profile.save()
    with pytest.raises(PermissionDenied):
        services.consultation_participate(
            user=world.citizen, consultation=c, vote="for", would_use="yes"
        )


def test_bad_votes_name_their_field(world, offline):
    c = open_one(world)
    with pytest.raises(ValidationFailed) as e:
        services.consultation_participate(
            user=world.citizen, consultation=c, vote="maybe", would_use=""
        )
    assert set(e.value.fields) == {"vote", "would_use"}


def test_nothing_is_accepted_after_the_period(world, offline):
    c = open_one(world)
    end(c)
    with pytest.raises(Conflict):
        services.consultation_participate(
            user=world.citizen, consultation=c, vote="for", would_use="yes"
        )
    with pytest.raises(Conflict):
        services.consultation_comment(user=world.citizen, consultation=c, text="x", token="t")


def test_a_double_posted_comment_is_one_comment(world, offline):
    c = open_one(world)
    a = services.consultation_comment(user=world.citizen, consultation=c, text="Ý kiến", token="k")
    b = services.consultation_comment(user=world.citizen, consultation=c, text="Ý kiến", token="k")
    assert a.pk == b.pk and Comment.objects.count() == 1


# --- moderation -----------------------------------------------------------------------------


def test_a_published_comment_and_its_answer_carry_no_personal_data(world, offline):
    c = open_one(world)
    comment = services.consultation_comment(
        user=world.citizen,
        consultation=c,
        text="Tôi là Congdan, gọi 0912 345 678. Cần thêm bước ký số.",
        token="k1",
    )
    with pytest.raises(PermissionDenied):
        services.comment_moderate(actor=world.leader_b, comment=comment, publish=True)
    with pytest.raises(Conflict):
        services.comment_answer(actor=world.handler_a, comment=comment, answer="Cảm ơn")
    comment = services.comment_moderate(actor=world.handler_a, comment=comment, publish=True)
    assert comment.public_text == f"Tôi là {NAME}, gọi {PHONE}. Cần thêm bước ký số."
    comment = services.comment_answer(
        actor=world.handler_a, comment=comment, answer="Cảm ơn anh Congdan, sẽ bổ sung ký số."
    )
    assert comment.answer == f"Cảm ơn anh {NAME}, sẽ bổ sung ký số."
    page = Client().get(f"/y-kien/{c.pk}/").content.decode()
    assert "sẽ bổ sung ký số" in page and "0912" not in page and "Congdan" not in page


def test_pending_and_rejected_comments_stay_off_the_public_page(world, offline):
    c = open_one(world)
    pending = services.consultation_comment(
        user=world.citizen, consultation=c, text="Chờ duyệt", token="a"
    )
    rejected = services.consultation_comment(
        user=world.citizen2, consultation=c, text="Không phù hợp", token="b"
    )
    services.comment_moderate(actor=world.leader_a, comment=rejected, publish=False)
    page = Client().get(f"/y-kien/{c.pk}/").content.decode()
    assert pending.text not in page and rejected.text not in page


# --- closing and launching ------------------------------------------------------------------


def vote(world, c, *choices):
    for user, choice in zip((world.citizen, world.citizen2), choices, strict=False):
        services.consultation_participate(user=user, consultation=c, vote=choice, would_use="yes")


def test_the_rule_decides_and_the_summary_is_published_at_the_close(world, offline):
    c = open_one(world, threshold=60, min_votes=2)
    vote(world, c, "for", "against")  # 50 % < 60 %
    with pytest.raises(Conflict):
        services.consultation_launch(
            actor=world.leader_a,
            consultation=c,
            decision_number="1/QĐ",
            decision_date=timezone.localdate(),
        )
    end(c)
    assert services.consultations_close_due() == 1
    assert services.consultations_close_due() == 0
    c.refresh_from_db()
    assert c.state == "closed" and c.outcome == "rejected"
    assert c.summary["votes"] == 2 and c.summary["for"] == 1 and c.summary["share_for"] == 50.0
    with pytest.raises(Conflict) as e:
        services.consultation_launch(
            actor=world.leader_a,
            consultation=c,
            decision_number="1/QĐ",
            decision_date=timezone.localdate(),
        )
    assert e.value.code == "consultation_rejected"
    assert Procedure.objects.get(code="1.000002").current.online_mode == "none"


def test_too_few_votes_is_not_enough_even_if_all_agree(world, offline):
    c = open_one(world, threshold=50, min_votes=2)
    vote(world, c, "for")
    end(c)
    services.consultation_close_if_due(consultation=c)
    assert c.outcome == "rejected"


def test_an_approved_consultation_puts_the_service_online_and_the_catalogue_records_it(
    world, offline
):
    c = open_one(world, threshold=60, min_votes=2, draft_steps="Bước 1: Nộp trực tuyến.")
    vote(world, c, "for", "for")
    end(c)
    with pytest.raises(PermissionDenied):
        services.consultation_launch(
            actor=world.handler_a,
            consultation=c,
            decision_number="1",
            decision_date=timezone.localdate(),
        )
    with pytest.raises(ValidationFailed):
        services.consultation_launch(
            actor=world.leader_a,
            consultation=c,
            decision_number="12/QĐ-UBND",
            decision_date=timezone.localdate() + timedelta(days=1),
        )
    decision = services.consultation_launch(
        actor=world.leader_a,
        consultation=c,
        decision_number="12/QĐ-UBND",
        decision_date=timezone.localdate(),
    )
    current = Procedure.objects.get(code="1.000002").current
    assert current == decision.version and current.version == 2
    assert current.online_mode == "full" and current.steps == "Bước 1: Nộp trực tuyến."
    assert current.decision_number == "12/QĐ-UBND"
    assert current.launch_decision.consultation == c
    c.refresh_from_db()
    assert c.state == "launched"
    with pytest.raises(Conflict):
        services.consultation_launch(
            actor=world.leader_a,
            consultation=c,
            decision_number="13",
            decision_date=timezone.localdate(),
        )


# --- usefulness ---------------------------------------------------------------------------------


def test_online_services_without_online_dossiers_are_proposed_for_consultation(world, offline):
    from chinhquyen.dossiers.services import dossier_submit

    rows = unused_online_services(user=world.leader_a, months=6)
    assert [(r["procedure"].code, r["proposal"]) for r in rows] == [("1.000001", "consultation")]
    dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    assert unused_online_services(user=world.leader_a, months=6) == []
    # agency B received nothing online: its officers still see it; a citizen sees nothing
    assert [r["procedure"].code for r in unused_online_services(user=world.leader_b)] == [
        "1.000001"
    ]
    assert unused_online_services(user=world.citizen) == []


def test_months_before_keeps_the_day_or_takes_the_last_one():
    from datetime import datetime

    assert months_before(datetime(2026, 8, 31, 10), 6) == datetime(2026, 2, 28, 10)
    assert months_before(datetime(2026, 1, 15), 1) == datetime(2025, 12, 15)


# --- pages --------------------------------------------------------------------------------------


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_pages_from_opening_to_launch(world, offline):
    leader = login(world.leader_a)
    resp = leader.post(
        "/y-kien/mo-moi/",
        {
            "procedure": "1.000002",
            "title": "Trích lục trực tuyến",
            "purpose": "Xin ý kiến",
            "planned_mode": "full",
            "closes_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "threshold_percent": "50",
            "min_votes": "1",
        },
    )
    c = Consultation.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/y-kien/{c.pk}/"
    citizen = login(world.citizen)
    page = citizen.get(f"/y-kien/{c.pk}/").content.decode()
    assert "Biểu quyết và khảo sát" in page and "Họ và tên" in page  # the e-form's fields
    resp = citizen.post(f"/y-kien/{c.pk}/", {"form": "vote", "vote": "for", "would_use": "yes"})
    assert resp.status_code == 302
    resp = citizen.post(f"/y-kien/{c.pk}/", {"form": "vote", "vote": "", "would_use": ""})
    assert resp.status_code == 422 and "Chọn đồng ý hoặc không đồng ý." in resp.content.decode()
    end(c)
    assert Client().get("/y-kien/").status_code == 200
    manage = leader.get(f"/y-kien/{c.pk}/quan-ly/").content.decode()
    assert "Đưa lên trực tuyến" in manage
    resp = leader.post(
        f"/y-kien/{c.pk}/quan-ly/",
        {
            "action": "launch",
            "decision_number": "5/QĐ",
            "decision_date": timezone.localdate().isoformat(),
        },
    )
    assert resp.status_code == 302
    assert Procedure.objects.get(code="1.000002").current.online_mode == "full"
    assert "Đạt" in Client().get(f"/y-kien/{c.pk}/").content.decode()


def test_officer_pages_are_not_found_for_others(world, offline):
    c = open_one(world)
    assert login(world.leader_b).get(f"/y-kien/{c.pk}/quan-ly/").status_code == 404
    assert login(world.citizen).get(f"/y-kien/{c.pk}/quan-ly/").status_code == 404
    assert login(world.citizen).get("/y-kien/mo-moi/").status_code == 404
    assert login(world.citizen).get("/y-kien/hieu-qua/").status_code == 404
    assert Client().get("/y-kien/mo-moi/").status_code == 302  # to the login page
    assert login(world.handler_a).get("/y-kien/hieu-qua/").status_code == 200


def test_vote_counts_take_the_plural_their_number_needs_in_english(
    world, offline, settings, tmp_path
):
    from django.utils import translation

    from chinhquyen.workdays.tests.catalogue import install_catalogue

    install_catalogue(
        settings,
        tmp_path,
        """msgid "ít nhất %(n)s phiếu và ít nhất %(p)s%% đồng ý"
msgid_plural "ít nhất %(n)s phiếu và ít nhất %(p)s%% đồng ý"
msgstr[0] "at least %(n)s vote and at least %(p)s%% in favour"
msgstr[1] "at least %(n)s votes and at least %(p)s%% in favour"
""",
    )
    c = open_one(world, min_votes=1)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        page = client.get(f"/y-kien/{c.pk}/").content.decode()
        assert "at least 1 vote and at least 60% in favour" in page
        Consultation.objects.filter(pk=c.pk).update(min_votes=30)
        page = client.get(f"/y-kien/{c.pk}/").content.decode()
        assert "at least 30 votes and at least 60% in favour" in page
