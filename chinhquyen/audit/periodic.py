"""The audit app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _audit_checkpoint():
    from chinhquyen.audit.services import audit_checkpoint_create

    return audit_checkpoint_create().pk


JOBS = (Job("audit_checkpoint", 60 * 60, _audit_checkpoint),)
