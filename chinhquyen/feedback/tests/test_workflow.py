"""The workflow, its deadlines through the real calendar, refusals and permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chinhquyen.feedback import services
from chinhquyen.feedback.models import DueStep, Feedback, FeedbackReminder, FeedbackState
from chinhquyen.feedback.selectors import (
    feedback_get_for_officer,
    feedback_get_for_sender,
    feedback_inbox,
    feedback_public_get,
    feedback_public_list,
)

from .conftest import BEFORE_HOLIDAYS, PDF, VN

pytestmark = pytest.mark.django_db


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=VN)


def test_accepting_is_due_two_working_days_later_skipping_30_4_1_5_and_the_weekend(submit):
    feedback = submit(at=BEFORE_HOLIDAYS)
    assert feedback.accept_due_at.astimezone(VN) == at(2026, 5, 5)
    assert feedback.info_limit_at.astimezone(VN) == at(2026, 5, 8)
    assert (feedback.due_step, feedback.due_at) == (DueStep.ACCEPT, feedback.accept_due_at)


def test_answer_is_due_15_working_days_after_acceptance_and_publication_2_after_the_answer(
    world, submit
):
    feedback = submit(at=at(2026, 8, 26))  # Wednesday before National Day (2/9)
    feedback = services.feedback_accept(
        user=world.counter_a, code=feedback.code, at=at(2026, 8, 27)
    )
    # 15 working days from Thu 27/8: 1–2/9 are holidays (Tue + Mon bridge or per calendar).
    from chinhquyen.workdays.calendar import due_date

    assert feedback.answer_due_at == due_date(at(2026, 8, 27), days=15, apply_cutoff=False)
    assert feedback.answer_due_at.astimezone(VN).date() > dt.date(2026, 9, 17)  # 15 plain days
    feedback = services.feedback_answer(
        user=world.handler_a, code=feedback.code, answer="Đã rút gọn.", at=at(2026, 9, 4)
    )  # Friday
    assert feedback.publish_due_at.astimezone(VN) == at(2026, 9, 8)  # Tuesday
    assert feedback.due_step == DueStep.PUBLISH


def test_the_full_path_to_a_published_answer_with_personal_data_removed(world, submit):
    feedback = submit(
        user=world.citizen,
        sender_address="số 5 ngõ 3 Kim Mã",
        description="Tôi là Congdan, ở số 5 ngõ 3 Kim Mã, SĐT 0912345678, CCCD 031090001234. "
        "Thủ tục cần quá nhiều bản sao.",
    )
    assert feedback.sender == world.citizen and feedback.sender_email == "congdan@example.vn"
    code = feedback.code
    services.feedback_accept(user=world.counter_a, code=code)
    services.feedback_answer(
        user=world.handler_a, code=code, answer="Chào ông Congdan (0912345678): đã bỏ bản sao."
    )
    with pytest.raises(NotFound):
        feedback_public_get(code=code)
    services.feedback_publish(user=world.leader_a, code=code)
    public = feedback_public_get(code=code)
    shown = public.description + public.answer + public.title
    for secret in ("Congdan", "0912345678", "031090001234", "Kim Mã"):
        assert secret not in shown
    assert "đã bỏ bản sao" in public.answer
    assert not hasattr(public, "sender_name") and not hasattr(public, "sender_email")
    assert [p.code for p in feedback_public_list()] == [code]
    events = list(
        AuditRecord.objects.filter(chain=f"feedback:{code}").values_list("event", flat=True)
    )
    assert events == [
        "feedback.submitted",
        "feedback.accepted",
        "feedback.answered",
        "feedback.published",
    ]


def test_refusing_needs_a_reason_and_closes_the_feedback(world, submit):
    feedback = submit()
    with pytest.raises(ValidationFailed):
        services.feedback_refuse(user=world.counter_a, code=feedback.code, reason=" ")
    feedback = services.feedback_refuse(
        user=world.counter_a, code=feedback.code, reason="Không thuộc thẩm quyền."
    )
    assert feedback.state == FeedbackState.REFUSED and feedback.due_at is None
    with pytest.raises(Conflict):
        services.feedback_accept(user=world.counter_a, code=feedback.code)


def test_an_answer_cannot_come_before_acceptance_nor_publication_before_the_answer(world, submit):
    feedback = submit()
    with pytest.raises(Conflict):
        services.feedback_answer(user=world.handler_a, code=feedback.code, answer="x")
    with pytest.raises(Conflict):
        services.feedback_publish(user=world.leader_a, code=feedback.code)


def test_asking_for_more_is_once_within_5_working_days_and_restarts_the_clock(world, submit):
    feedback, token = services.feedback_submit(
        kind="thu-tuc",
        procedure_code="1.000001",
        description="Không rõ.",
        anonymous=True,
        at=BEFORE_HOLIDAYS,
    )
    late = submit(at=BEFORE_HOLIDAYS)
    with pytest.raises(Conflict) as exc:  # 5 working days after 29/4 is 8/5 10:00
        services.feedback_request_info(
            user=world.counter_a, code=late.code, question="?", at=at(2026, 5, 8, 10, 1)
        )
    assert exc.value.code == "feedback_info_too_late"
    services.feedback_accept(user=world.counter_a, code=feedback.code, at=at(2026, 4, 29, 11))
    feedback = services.feedback_request_info(
        user=world.handler_a, code=feedback.code, question="Thủ tục nào?", at=at(2026, 5, 4)
    )
    assert feedback.state == FeedbackState.NEEDS_INFO and feedback.due_at is None
    with pytest.raises(NotFound):  # a wrong token is nobody
        services.feedback_info_provide(code=feedback.code, text="x", reply_token="nope")
    assert feedback_get_for_sender(code=feedback.code, reply_token=token) == feedback
    feedback = services.feedback_info_provide(
        code=feedback.code, text="Khai sinh.", reply_token=token, at=at(2026, 5, 6)
    )
    assert feedback.state == FeedbackState.ACCEPTED
    assert feedback.answer_due_at.astimezone(VN) == at(2026, 5, 27)  # 15 working days after 6/5
    with pytest.raises(Conflict):
        services.feedback_request_info(
            user=world.counter_a, code=feedback.code, question="Lại?", at=at(2026, 5, 7)
        )


def test_routing_follows_the_dossier_the_procedure_or_the_agency(world):
    from chinhquyen.dossiers.services import dossier_submit
    from conftest import VALID_FORM

    dossier = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_b.agency_id,
        form_data=VALID_FORM,
    )
    about_dossier, _ = services.feedback_submit(
        kind="ho-so", dossier_code=dossier.code, description="Chậm."
    )
    assert about_dossier.agency == world.agency_b
    picked, _ = services.feedback_submit(
        kind="thu-tuc",
        procedure_code="1.000001",
        agency_id=world.agency_b.agency_id,
        description="x",
    )
    assert picked.agency == world.agency_b
    default, _ = services.feedback_submit(
        kind="thu-tuc", procedure_code="1.000001", description="x"
    )
    assert default.agency == world.agency_a  # the first agency that receives it
    agency, _ = services.feedback_submit(
        kind="co-quan", agency_id=world.agency_a.agency_id, description="x"
    )
    assert agency.agency == world.agency_a
    for bad in (
        {"kind": "ho-so", "dossier_code": "NOPE"},
        {"kind": "thu-tuc", "procedure_code": "9.999"},
        {"kind": "co-quan"},
        {"kind": "co-quan", "agency_id": "000.99.99.H26"},
        {"kind": "thu-tuc", "procedure_code": "1.000001", "lat": "95", "long": "105"},
        {"kind": "thu-tuc", "procedure_code": "1.000001", "lat": "21"},
    ):
        with pytest.raises(ValidationFailed):
            services.feedback_submit(description="x", **bad)


def test_attachments_are_checked_by_content(world, submit):
    feedback = submit(attachments=[("anh.pdf", PDF)])
    assert feedback.attachments.get().content_type == "application/pdf"
    with pytest.raises(ValidationFailed) as exc:
        submit(attachments=[("virus.pdf", b"MZ\x90 not a pdf")])
    assert "attachments" in exc.value.fields
    with pytest.raises(ValidationFailed):
        submit(attachments=[("a.pdf", PDF)] * 6)


def test_anonymous_feedback_keeps_no_sender_data(world, submit):
    feedback = submit(
        user=world.citizen, anonymous=True, sender_name="X", sender_email="x@example.vn"
    )
    assert feedback.sender is None and feedback.sender_name == feedback.sender_email == ""
    assert feedback.is_anonymous


def test_the_same_idempotency_key_never_makes_two_feedbacks(submit):
    first = submit(idem_scope="api:1", idem_key="k-1")
    again = submit(idem_scope="api:1", idem_key="k-1", description="khác")
    other_client = submit(idem_scope="api:2", idem_key="k-1")
    assert again.pk == first.pk and other_client.pk != first.pk
    assert Feedback.objects.count() == 2


ACTIONS = {
    "accept": lambda u, c: services.feedback_accept(user=u, code=c),
    "refuse": lambda u, c: services.feedback_refuse(user=u, code=c, reason="Lý do."),
    "request_info": lambda u, c: services.feedback_request_info(user=u, code=c, question="?"),
}


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("counter_a", True),
        ("handler_a", True),
        ("leader_a", True),
        ("counter_b", "not_found"),
        ("handler_b", "not_found"),
        ("citizen", "not_found"),
        ("sysadmin", "not_found"),
        ("outsider", "not_found"),
    ],
)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_who_may_take_the_first_step(world, submit, persona, allowed, action):
    feedback = submit()
    user = getattr(world, persona)
    if allowed is True:
        ACTIONS[action](user, feedback.code)
        assert Feedback.objects.get(pk=feedback.pk).state != FeedbackState.RECEIVED
    else:
        with pytest.raises(NotFound):
            ACTIONS[action](user, feedback.code)
        assert Feedback.objects.get(pk=feedback.pk).state == FeedbackState.RECEIVED


@pytest.mark.parametrize(
    ("persona", "answer", "publish"),
    [
        ("counter_a", PermissionDenied, PermissionDenied),
        ("handler_a", None, PermissionDenied),
        ("leader_a", None, None),
        ("handler_b", NotFound, NotFound),
        ("leader_b", NotFound, NotFound),
        ("citizen", NotFound, NotFound),
        ("outsider", NotFound, NotFound),
    ],
)
def test_who_may_answer_and_publish(world, submit, persona, answer, publish):
    feedback = submit()
    services.feedback_accept(user=world.counter_a, code=feedback.code)
    user = getattr(world, persona)
    if answer:
        with pytest.raises(answer):
            services.feedback_answer(user=user, code=feedback.code, answer="Trả lời.")
        services.feedback_answer(user=world.handler_a, code=feedback.code, answer="Trả lời.")
    else:
        services.feedback_answer(user=user, code=feedback.code, answer="Trả lời.")
    if publish:
        with pytest.raises(publish):
            services.feedback_publish(user=user, code=feedback.code)
    else:
        assert services.feedback_publish(user=user, code=feedback.code).state == "published"


def test_an_officer_sees_only_the_feedback_of_their_agency(world, submit):
    to_a = submit()
    to_b = submit(agency_id=world.agency_b.agency_id)
    assert [f.code for f in feedback_inbox(user=world.counter_a)] == [to_a.code]
    assert [f.code for f in feedback_inbox(user=world.handler_b)] == [to_b.code]
    assert {f.code for f in feedback_inbox(user=world.sysadmin)} == {to_a.code, to_b.code}
    assert list(feedback_inbox(user=world.citizen)) == []
    assert list(feedback_inbox(user=world.outsider)) == []
    with pytest.raises(NotFound):
        feedback_get_for_officer(user=world.counter_a, code=to_b.code)


def test_the_overdue_view_lists_only_feedback_past_its_deadline(world, submit):
    old = submit(at=BEFORE_HOLIDAYS - dt.timedelta(days=30))
    submit()
    overdue = feedback_inbox(user=world.counter_a, overdue_only=True)
    assert [f.code for f in overdue] == [old.code]


def test_a_reminder_is_sent_once_before_and_once_after_each_deadline(world, submit, settings):
    world.agency_a.email = "vanthu@a.example.vn"
    world.agency_a.save()
    feedback = submit(at=BEFORE_HOLIDAYS)  # due Tue 5/5 10:00
    assert services.feedback_remind_due(now=at(2026, 4, 29, 11)) == 0  # far: nothing
    assert services.feedback_remind_due(now=at(2026, 5, 4, 9)) == 1  # due soon
    assert services.feedback_remind_due(now=at(2026, 5, 4, 15)) == 0  # already reminded
    assert len(mail.outbox) == 1
    assert "vanthu@a.example.vn" in mail.outbox[0].to
    assert "motcua@example.vn" in mail.outbox[0].to
    assert "chuyenvien2@example.vn" not in mail.outbox[0].to
    assert "Sắp đến hạn" in mail.outbox[0].subject
    assert services.feedback_remind_due(now=at(2026, 5, 5, 11)) == 1  # overdue
    assert services.feedback_remind_due(now=at(2026, 5, 6, 11)) == 0
    # A new deadline (after acceptance) gets its own reminders.
    services.feedback_accept(user=world.counter_a, code=feedback.code, at=at(2026, 5, 5, 12))
    assert FeedbackReminder.objects.filter(feedback=feedback).count() == 2
    from chinhquyen.feedback.tasks import feedback_reminders

    # The task uses the real clock: by now the answer deadline (late May 2026) has passed.
    assert feedback_reminders.call() == 1
    assert feedback_reminders.call() == 0


def test_a_failed_reminder_is_tried_again(world, submit, monkeypatch):
    submit(at=BEFORE_HOLIDAYS)

    def broken(*a, **k):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    assert services.feedback_remind_due(now=at(2026, 5, 4, 9)) == 0
    monkeypatch.undo()
    assert services.feedback_remind_due(now=at(2026, 5, 4, 9)) == 1


def test_readers_vote_once_each_and_may_change_their_mind(world, submit):
    feedback = submit()
    with pytest.raises(NotFound):  # not published yet
        services.feedback_vote_useful(code=feedback.code, voter_key="s:1", useful=True)
    services.feedback_accept(user=world.counter_a, code=feedback.code)
    services.feedback_answer(user=world.leader_a, code=feedback.code, answer="Đã xử lý.")
    services.feedback_publish(user=world.leader_a, code=feedback.code)
    for key, useful in (("s:1", True), ("s:1", True), ("s:2", True), ("u:3", False)):
        services.feedback_vote_useful(code=feedback.code, voter_key=key, useful=useful)
    public = feedback_public_get(code=feedback.code)
    assert (public.useful, public.not_useful) == (2, 1)
    services.feedback_vote_useful(code=feedback.code, voter_key="s:1", useful=False)
    public = feedback_public_get(code=feedback.code)
    assert (public.useful, public.not_useful) == (1, 2)


def test_the_sender_is_emailed_after_commit_when_notifications_are_on(
    world, submit, settings, django_capture_on_commit_callbacks
):
    from chinhquyen.feedback.services import feedback_sender_message

    settings.NOTIFICATIONS_ENABLED = True
    feedback = submit(user=world.citizen)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.feedback_refuse(user=world.counter_a, code=feedback.code, reason="Trùng lặp.")
    assert len(callbacks) == 1  # queued for after commit, not sent inside the transaction
    assert feedback_sender_message(feedback_id=feedback.pk, event="refused") is True
    assert mail.outbox[-1].to == ["congdan@example.vn"]
    assert "Trùng lặp." in mail.outbox[-1].body
    anonymous = submit(anonymous=True)
    assert feedback_sender_message(feedback_id=anonymous.pk, event="refused") is False
