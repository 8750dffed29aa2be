"""A dossier's result files and which of them is the official result.

An electronic result is made in steps, each a new file derived from the one before: the
handler's draft, the copy the competent person signed, the copy the agency sealed
(``DossierFile.derived_from``, ``signed_as``). Officers see the whole line in the history; the
applicant sees one file, the official result, once the result is issued.
"""

from __future__ import annotations

from .models import Dossier, DossierFile, NationalStatus, SignedAs

# The result is issued once processing is done (national status 9) or returned (10).
ISSUED_STATUSES = frozenset({NationalStatus.DONE, NationalStatus.RETURNED})


def result_current(*, dossier: Dossier) -> DossierFile | None:
    """The newest result file that no later file was made from: what the next step works on."""
    return (
        dossier.files.filter(is_result=True, derivatives__isnull=True)
        .order_by("-uploaded_at", "-pk")
        .first()
    )


def _issuable(dossier: Dossier, record: DossierFile) -> bool:
    if dossier.status_code not in ISSUED_STATUSES:
        return False
    return not dossier.procedure.signature_required or record.signed_as == SignedAs.AGENCY


def result_official(*, dossier: Dossier) -> DossierFile | None:
    """The one official result of ``dossier``, or None while it is not issued: the current
    result, sealed when the procedure requires the result to be signed."""
    current = result_current(dossier=dossier)
    return current if current is not None and _issuable(dossier, current) else None


def result_is_official(*, dossier: Dossier, record: DossierFile) -> bool:
    official = result_official(dossier=dossier)
    return official is not None and official.pk == record.pk


def files_visible_to(*, dossier: Dossier, user) -> list[DossierFile]:
    """The dossier's files ``user`` may see (``user`` already sees the dossier: the selectors
    decided). The applicant sees the files they sent and the one official result; officers
    see everything, the drafts and earlier signed copies included."""
    files = list(dossier.files.order_by("uploaded_at", "pk"))
    if dossier.applicant_id is None or dossier.applicant_id != user.pk:
        return files
    from chinhquyen.accounts.selectors import profile_of

    profile = profile_of(user)
    if profile is not None and profile.is_officer and profile.agency_id == dossier.agency_id:
        return files
    official = result_official(dossier=dossier)
    return [
        f
        for f in files
        if (not f.is_result and f.uploaded_by_id == user.pk and not f.signed_as)
        or (official is not None and f.pk == official.pk)
    ]


def result_official_by_digest(*, sha256: str) -> DossierFile | None:
    """The official result whose SHA-256 is ``sha256`` (the validation link of the citizen's
    page and e-mail): anyone holding the document or its link may check its signatures."""
    if len(sha256) != 64:
        return None
    for record in DossierFile.objects.filter(sha256=sha256.lower(), is_result=True).select_related(
        "dossier__procedure"
    ):
        if result_is_official(dossier=record.dossier, record=record):
            return record
    return None


def drafting_states(*, dossier: Dossier) -> frozenset[str]:
    """Where a signed result is drafted: the states from which the handler submits it to the
    leader (the workflow's ``submit_for_approval``), else ``in_process``. Once submitted, the
    draft is what the leader signs and the seal follows: it changes only after a return."""
    from .workflow import workflow_spec

    action = workflow_spec(dossier.workflow_id).actions.get("submit_for_approval")
    return action.from_states if action is not None else frozenset({"in_process"})


def draft_upload_allowed(*, dossier: Dossier) -> bool:
    """Whether an unsigned result may be attached now (see ``drafting_states``); a procedure
    whose result is not signed takes one whenever the dossier is open."""
    if not dossier.procedure.signature_required:
        return True
    return dossier.state in drafting_states(dossier=dossier)
