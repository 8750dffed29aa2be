"""Background work for feedback: thin wrappers around the services, safe to run twice."""

from django_tasks import task

from .services import feedback_remind_due, feedback_sender_message


@task()
def feedback_reminders() -> int:
    """Remind agencies of near and passed deadlines (each reminder once; see the service)."""
    return feedback_remind_due()


@task()
def feedback_tell_sender(feedback_id: int, event: str) -> bool:
    return feedback_sender_message(feedback_id=feedback_id, event=event)
