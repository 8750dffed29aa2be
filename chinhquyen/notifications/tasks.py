"""Background work for notifications: thin wrappers around the services, safe to run twice."""

from django_tasks import task

from .services import notification_dossier_event, notification_send


@task()
def notify_dossier_event(dossier_id: int, event_seq: int) -> int | None:
    """Build the message about a dossier event (once) and send it (once)."""
    notification = notification_dossier_event(dossier_id=dossier_id, event_seq=event_seq)
    if notification is None:
        return None
    return notification_send(notification_id=notification.pk).pk


@task()
def notification_deliver(notification_id: int) -> str:
    """(Re)try one stored message; the service schedules the next attempt if this one fails."""
    return notification_send(notification_id=notification_id).status
