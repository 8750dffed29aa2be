"""The feedback app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _feedback_reminders():
    from chinhquyen.feedback.services import feedback_remind_due

    return feedback_remind_due()


JOBS = (Job("feedback_reminders", 30 * 60, _feedback_reminders),)
