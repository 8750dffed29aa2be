"""Telling applicants about their dossiers (DOMAIN.md §3: online intake notifies by e-mail).

Flow: the dossier services send ``dossiers.signals.event_recorded`` after appending an event and
``receivers.py`` calls ``notify_dossier_event_on_commit`` (the dossiers app imports nothing of
this one); once the transaction commits, the ``notify_dossier_event`` task builds the message
once (``notification_dossier_event``) and sends it (``notification_send``). A failed send is
retried with back-off by re-enqueueing ``notification_deliver``; every step may run again safely:

- the (dossier, event, channel) unique key means one row per message, however often it is built;
- a send first claims the row with a conditional UPDATE (queued and due → sending), so two
  workers, a duplicated task or a retry never send the same row twice, and a sent row is final.

The recipient's address is personal data: logs and stored errors carry the row id and a masked
address only.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from chinhquyen.dossiers.models import Dossier, DossierEvent

from .channels import DeliveryError, channel_get
from .messages import message_render
from .models import Notification, NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)


def notify_dossier_event_on_commit(*, dossier: Dossier, event_seq: int) -> None:
    """Tell the applicant about event ``event_seq`` once the current transaction commits.

    Call it from the service that appended the event, inside its transaction: a rollback then
    sends nothing. ``robust``: a queue that is down must not turn a committed transition into an
    error for the officer; the failure is logged.
    """
    if not settings.NOTIFICATIONS_ENABLED:
        return
    from .tasks import notify_dossier_event  # the tasks module imports this one

    transaction.on_commit(
        lambda: notify_dossier_event.enqueue(dossier_id=dossier.pk, event_seq=event_seq),
        robust=True,
    )


def notification_dossier_event(
    *, dossier_id: int, event_seq: int, channel: str = NotificationChannel.EMAIL
) -> Notification | None:
    """The message about one dossier event, created on the first call and returned as it is on
    every later one. None when the applicant has no address on the channel or need not be told
    (internal hand-overs, see ``messages.TOLD_ONLY_ON_STATUS_CHANGE``)."""
    key = {"dossier_id": dossier_id, "event_seq": event_seq, "channel": channel}
    existing = Notification.objects.filter(**key).first()
    if existing is not None:
        return existing
    dossier = Dossier.objects.select_related("agency", "procedure_version").get(pk=dossier_id)
    event = DossierEvent.objects.get(dossier_id=dossier_id, seq=event_seq)
    recipient = channel_get(channel).recipient_for(dossier)
    if not recipient:
        logger.info(
            "dossier %s event %s: the applicant has no %s address, nothing to send",
            dossier_id,
            event_seq,
            channel,
        )
        return None
    message = message_render(channel=channel, dossier=dossier, event=event)
    if message is None:
        logger.debug("dossier %s event %s (%s): not told", dossier_id, event_seq, event.action)
        return None
    subject, body = message
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                **key,
                action=event.action,
                recipient=recipient,
                subject=subject,
                body=body,
            )
    except IntegrityError:  # built at the same time by a duplicate task: use that one
        return Notification.objects.get(**key)
    logger.info(
        "notification %s queued: dossier %s event %s (%s) to %s",
        notification.pk,
        dossier_id,
        event_seq,
        event.action,
        channel_get(channel).mask(recipient),
    )
    return notification


def _lease() -> timedelta:
    """How long a claim lasts: after that a crashed worker's row may be claimed again."""
    return timedelta(seconds=max(300, 6 * (settings.EMAIL_TIMEOUT or 60)))


def notification_retry_delay(*, attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: base, 2 × base, 4 × base …"""
    return timedelta(seconds=settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def notification_send(*, notification_id: int) -> Notification:
    """Send the message if it is due and nobody else is sending it; record the outcome.

    Returns the row as it is afterwards. A row already sent, failed for good, waiting for its
    back-off, or claimed by another worker is left alone.
    """
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(
            (Q(status=NotificationStatus.QUEUED) & due)
            | Q(status=NotificationStatus.SENDING, next_attempt_at__lte=now)  # lease expired
        )
        .update(
            status=NotificationStatus.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + _lease(),
        )
    )
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        logger.info("notification %s not sent now: %s", notification.pk, notification.status)
        return notification

    channel = channel_get(notification.channel)
    masked = channel.mask(notification.recipient)
    try:
        channel.send(notification)
    except DeliveryError as exc:
        return _failure_record(notification=notification, error=exc, masked=masked)

    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.next_attempt_at = None
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    logger.info(
        "notification %s sent to %s (attempt %s)", notification.pk, masked, notification.attempts
    )
    return notification


def _failure_record(
    *, notification: Notification, error: DeliveryError, masked: str
) -> Notification:
    notification.last_error = str(error)
    if error.permanent or notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED
        notification.next_attempt_at = None
        notification.save(update_fields=["status", "next_attempt_at", "last_error"])
        logger.error(
            "notification %s to %s failed for good after %s attempt(s): %s",
            notification.pk,
            masked,
            notification.attempts,
            error,
        )
        return notification

    from .tasks import notification_deliver  # the tasks module imports this one

    retry_at = timezone.now() + notification_retry_delay(attempts=notification.attempts)
    notification.status = NotificationStatus.QUEUED
    notification.next_attempt_at = retry_at
    notification.save(update_fields=["status", "next_attempt_at", "last_error"])
    notification_deliver.using(run_after=retry_at).enqueue(notification_id=notification.pk)
    logger.warning(
        "notification %s to %s not sent (attempt %s of %s), retry at %s: %s",
        notification.pk,
        masked,
        notification.attempts,
        settings.NOTIFICATIONS_MAX_ATTEMPTS,
        retry_at.isoformat(),
        error,
    )
    return notification


def notifications_requeue_due(*, now=None) -> int:
    """Enqueue a send for every row that should have gone out but has no task left to send it:
    the worker died while sending (the lease ran out), or the queue lost a retry. Safe to run
    at any time, e.g. from cron (`manage.py notifications_requeue`): a row with a pending task is
    claimed by only one of the two."""
    from .tasks import notification_deliver

    now = now or timezone.now()
    # A grace period, so that retries whose task is about to run are not doubled for nothing.
    overdue = now - timedelta(minutes=5)
    ids = list(
        Notification.objects.filter(
            status__in=[NotificationStatus.QUEUED, NotificationStatus.SENDING]
        )
        .filter(
            Q(next_attempt_at__lte=overdue)
            | Q(next_attempt_at__isnull=True, created_at__lte=overdue)  # first send never ran
        )
        .values_list("pk", flat=True)
    )
    for pk in ids:
        notification_deliver.enqueue(notification_id=pk)
    if ids:
        logger.info("requeued %s overdue notification(s)", len(ids))
    return len(ids)
