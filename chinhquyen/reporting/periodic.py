"""The reporting app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _reporting_seal():
    from chinhquyen.reporting.rollups import halves_seal

    return len(halves_seal())


JOBS = (Job("reporting_seal", 60 * 60, _reporting_seal),)
