from django_tasks import task

from .services import audit_checkpoint_create


@task()
def audit_checkpoint() -> int:
    """Background: seal the audit chains. Safe to run any number of times."""
    return audit_checkpoint_create().pk
