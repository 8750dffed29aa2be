"""The applicant's evaluation of a finished dossier (Circular 01/2018 Art. 13), online or on the
counter's kiosk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .. import signals
from ..models import Dossier, DossierEvaluation
from ..selectors import dossier_get_for_user


def dossier_can_be_evaluated(*, dossier: Dossier, user) -> bool:
    from ..evaluation import EVALUABLE_STATES

    return (
        dossier.applicant_id is not None
        and dossier.applicant_id == user.pk
        and dossier.state in EVALUABLE_STATES
        and not DossierEvaluation.objects.filter(dossier=dossier).exists()
    )


def _evaluation_scores(scores: dict[str, Any]) -> dict[str, int]:
    from ..evaluation import INDICATORS

    clean: dict[str, int] = {}
    fields: dict[str, list[str]] = {}
    for indicator in INDICATORS:
        raw = scores.get(indicator["no"])
        allowed = {points for points, _label in indicator["choices"]}
        try:
            points = int(raw)
        except (TypeError, ValueError):
            points = None
        if points not in allowed:
            fields[f"scores.{indicator['no']}"] = ["Chọn một mức đánh giá."]
        else:
            clean[indicator["no"]] = points
    if fields:
        raise ValidationFailed("Vui lòng chọn đủ các tiêu chí đánh giá.", fields=fields)
    return clean


def _evaluation_store(
    *, dossier: Dossier, scores: dict[str, Any], comment: str, user, at: datetime, channel: str
) -> DossierEvaluation:
    from ..evaluation import EVALUABLE_STATES

    if dossier.state not in EVALUABLE_STATES:
        raise Conflict("Hồ sơ chưa kết thúc, chưa thể đánh giá.", code="evaluation_too_early")
    if DossierEvaluation.objects.filter(dossier=dossier).exists():
        raise Conflict("Hồ sơ này đã được đánh giá.", code="evaluation_already_given")
    clean = _evaluation_scores(scores)
    try:
        with transaction.atomic():
            evaluation = DossierEvaluation.objects.create(
                dossier=dossier,
                scores=clean,
                total=sum(clean.values()),
                comment=(comment or "").strip()[:2000],
                submitted_by=user,
                submitted_at=at,
                channel=channel,
            )
    except IntegrityError:  # a concurrent evaluation of the same dossier won
        raise Conflict("Hồ sơ này đã được đánh giá.", code="evaluation_already_given") from None
    signals.evaluated.send(sender=Dossier, evaluation=evaluation)
    audit_record(
        event="dossier.evaluated",
        object_type="dossier",
        object_id=dossier.code,
        actor=user,
        at=at,
        changes={"scores": clean, "total": evaluation.total, "channel": channel},
    )
    return evaluation


@transaction.atomic
def dossier_evaluate(
    *, user, code: str, scores: dict[str, Any], comment: str = "", at: datetime | None = None
) -> DossierEvaluation:
    """The applicant scores a finished dossier once (Circular 01/2018 Art. 13)."""
    dossier = dossier_get_for_user(user=user, code=code, for_update=True)
    if dossier.applicant_id is None or dossier.applicant_id != user.pk:
        raise PermissionDenied("Chỉ người nộp hồ sơ được đánh giá.", code="evaluation_owner_only")
    return _evaluation_store(
        dossier=dossier,
        scores=scores,
        comment=comment,
        user=user,
        at=at or timezone.now(),
        channel=DossierEvaluation.Channel.ONLINE,
    )


def dossier_for_kiosk(*, agency_pk: int, code: str) -> Dossier:
    """A dossier of the kiosk's agency that may be evaluated there now: ended, not yet
    evaluated. Anything else is "not found" or a conflict, with nothing personal in the text."""
    from ..evaluation import EVALUABLE_STATES

    dossier = (
        Dossier.objects.select_related("procedure_version")
        .filter(code=(code or "").strip(), agency_id=agency_pk)
        .first()
    )
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ {code} tại cơ quan này.", code="dossier_not_found")
    if dossier.state not in EVALUABLE_STATES:
        raise Conflict("Hồ sơ chưa kết thúc, chưa thể đánh giá.", code="evaluation_too_early")
    if DossierEvaluation.objects.filter(dossier=dossier).exists():
        raise Conflict("Hồ sơ này đã được đánh giá.", code="evaluation_already_given")
    return dossier


@transaction.atomic
def dossier_evaluate_at_kiosk(
    *, agency_pk: int, code: str, scores: dict[str, Any], at: datetime | None = None
) -> DossierEvaluation:
    """The applicant scores a finished dossier on the counter's kiosk, which an officer of the
    agency switched on: no login, only that agency's dossiers, once per dossier."""
    dossier = dossier_for_kiosk(agency_pk=agency_pk, code=code)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    return _evaluation_store(
        dossier=dossier,
        scores=scores,
        comment="",
        user=None,
        at=at or timezone.now(),
        channel=DossierEvaluation.Channel.KIOSK,
    )
