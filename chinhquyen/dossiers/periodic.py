"""The dossiers app's periodic jobs, collected by ``chinhquyen.core.periodic.jobs()``."""

from chinhquyen.core.periodic import Job


def _files_sweep():
    from chinhquyen.dossiers.services import dossier_files_sweep

    return len(dossier_files_sweep())


JOBS = (Job("dossier_files_sweep", 6 * 60 * 60, _files_sweep),)
