"""Messages reach a real SMTP server through the background worker, once, even when it fails.

Transactional tests: the worker closes and reopens database connections between tasks.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chinhquyen.dossiers.services import Applicant, dossier_act
from chinhquyen.notifications.models import Notification, NotificationStatus
from chinhquyen.notifications.services import notification_send, notify_dossier_event_on_commit
from chinhquyen.notifications.tasks import notify_dossier_event

from .conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "congdan@example.vn"


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


@pytest.fixture
def later(monkeypatch):
    """Move the clock on (for the back-off, the worker's `run_after` and the row's next attempt)."""
    real_now = timezone.now

    def move(by: timedelta) -> None:
        monkeypatch.setattr(timezone, "now", lambda: real_now() + by)

    return move


def test_an_accepted_dossier_is_emailed_to_the_applicant_in_vietnamese(world, smtp):
    d = submit(world)
    d = dossier_act(user=world.counter_a, code=d.code, action="accept")
    assert smtp.received == [], "nothing is sent before the worker runs"

    run_worker()

    assert [rcpt for rcpt, _ in smtp.received] == [[ADDRESS], [ADDRESS]]
    accepted = smtp.messages[1]
    assert smtp.subject(accepted) == f"[Mã hồ sơ {d.code}] Đã tiếp nhận hồ sơ"
    assert accepted["To"] == ADDRESS
    assert accepted["From"].addresses[0].display_name == "Một cửa điện tử"
    assert accepted["Auto-Submitted"] == "auto-generated"
    assert accepted.get_content_charset() == "utf-8"
    body = accepted.get_content()
    assert "Hồ sơ của Ông/Bà đã được tiếp nhận" in body
    assert "Hẹn trả kết quả:" in body
    assert f"https://dichvucong.example.vn/tra-cuu/{d.code}" in body
    rows = Notification.objects.filter(dossier=d).order_by("event_seq")
    assert [(n.action, n.status, n.attempts) for n in rows] == [
        ("submit", NotificationStatus.SENT, 1),
        ("accept", NotificationStatus.SENT, 1),
    ]
    assert all(n.sent_at for n in rows)


def test_online_submission_emails_the_applicant_once_the_worker_runs(world, smtp):
    # The submission alone must produce the e-mail: dossier_submit enqueues it after commit.
    d = submit(world)
    run_worker()
    assert len(smtp.messages) == 1
    assert smtp.subject(smtp.messages[0]) == f"[Mã hồ sơ {d.code}] Đã nhận hồ sơ trực tuyến"


def test_enqueueing_the_same_event_twice_sends_one_message(world, smtp):
    d = submit(world)
    notify_dossier_event_on_commit(dossier=d, event_seq=1)
    notify_dossier_event_on_commit(dossier=d, event_seq=1)
    notify_dossier_event.enqueue(dossier_id=d.pk, event_seq=1)
    run_worker()
    run_worker()
    assert len(smtp.messages) == 1
    assert Notification.objects.get().attempts == 1


def test_no_message_is_sent_when_the_applicant_has_no_email(world, smtp):
    d = submit(world, user=world.counter_a, channel=1, applicant=Applicant(name="Lê Văn Không Thư"))
    d = dossier_act(user=world.counter_a, code=d.code, action="accept")
    run_worker()
    assert smtp.received == []
    assert not Notification.objects.exists()
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_a_failed_send_is_recorded_and_retried_once_the_server_is_back(world, smtp, later):
    smtp.stop()
    d = submit(world)
    run_worker()

    n = Notification.objects.get()
    assert (n.status, n.attempts) == (NotificationStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in n.last_error
    retry = DBTaskResult.objects.get(task_path__endswith="notification_deliver")
    assert retry.status == "READY"
    assert retry.run_after == n.next_attempt_at
    assert timedelta(seconds=25) < n.next_attempt_at - timezone.now() <= timedelta(seconds=30)

    smtp.start()
    run_worker()
    assert smtp.received == [], "the back-off has not elapsed yet"

    later(timedelta(seconds=31))
    run_worker()
    run_worker()
    assert len(smtp.messages) == 1
    assert smtp.subject(smtp.messages[0]) == f"[Mã hồ sơ {d.code}] Đã nhận hồ sơ trực tuyến"
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == (NotificationStatus.SENT, 2, "")

    # A late duplicate of the retry finds the message sent and sends nothing.
    assert notification_send(notification_id=n.pk).status == NotificationStatus.SENT
    assert len(smtp.messages) == 1


def test_the_message_is_marked_failed_when_the_attempts_run_out(world, smtp, later, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    smtp.stop()
    submit(world)
    run_worker()
    later(timedelta(minutes=1))
    run_worker()

    n = Notification.objects.get()
    assert (n.status, n.attempts, n.next_attempt_at) == (NotificationStatus.FAILED, 2, None)
    assert DBTaskResult.objects.filter(status="READY").count() == 0, "no further retry"
    smtp.start()
    later(timedelta(hours=1))
    run_worker()
    assert smtp.received == []


def test_the_logs_name_the_notification_and_a_masked_address_never_the_address(
    world, smtp, later, caplog
):
    caplog.set_level(logging.DEBUG, logger="chinhquyen")
    smtp.stop()
    submit(world)
    run_worker()
    smtp.start()
    later(timedelta(minutes=1))
    run_worker()

    n = Notification.objects.get(status=NotificationStatus.SENT)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("chinhquyen")]
    assert any(f"notification {n.pk} sent to c***@example.vn" in m for m in ours)
    assert any(f"notification {n.pk} to c***@example.vn not sent" in m for m in ours)
    assert ADDRESS not in caplog.text
    tasks = DBTaskResult.objects.all()
    assert {t.status for t in tasks} == {"SUCCESSFUL"}, "a failed send is not a failed task"
    assert not any(ADDRESS in t.traceback for t in tasks)


def test_an_address_the_server_refuses_is_failed_at_once_without_a_retry(world, smtp, caplog):
    smtp.refuse.add("khongco@example.vn")
    submit(
        world,
        user=world.counter_a,
        channel=1,
        applicant=Applicant(name="Người Không Có Thư", email="khongco@example.vn"),
    )
    run_worker()

    n = Notification.objects.get()
    assert (n.status, n.attempts) == (NotificationStatus.FAILED, 1)
    assert "SMTPRecipientsRefused" in n.last_error and "550" in n.last_error
    assert "khongco@example.vn" not in n.last_error + caplog.text
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert smtp.received == []
