"""The signatures app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _signing_batches():
    from chinhquyen.signatures.batches import signing_batches_advance_pending

    return signing_batches_advance_pending()


JOBS = (Job("signing_batches", 30, _signing_batches),)
