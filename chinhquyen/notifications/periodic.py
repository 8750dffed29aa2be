"""The notifications app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _notifications_requeue():
    from chinhquyen.notifications.services import notifications_requeue_due

    return notifications_requeue_due()


JOBS = (Job("notifications_requeue", 5 * 60, _notifications_requeue),)
