"""The consultations app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _consultations_close():
    from chinhquyen.consultations.services import consultations_close_due

    return consultations_close_due()


JOBS = (Job("consultations_close", 5 * 60, _consultations_close),)
