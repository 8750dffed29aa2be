"""The published results of the citizens' evaluation (Circular 01/2018): per agency and period,
the number of evaluations and the average score per dossier. No staff names on the public page;
the staff scores are for the agency's leaders (workspace)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from chinhquyen.dossiers.evaluation import evaluation_scores
from chinhquyen.pages.common import scores_period
from chinhquyen.reporting.selectors import unit_scores
from chinhquyen.units.models import Agency


@require_safe
def scores_public(request: HttpRequest) -> HttpResponse:
    period, error = scores_period(request.GET.get("ky", ""))
    start, end = period.start, period.end + timedelta(days=1)
    agencies = {a.pk: a for a in Agency.objects.filter(is_active=True)}
    scores = evaluation_scores(agency_ids=agencies, start=start, end=end)["agencies"]
    evaluated = [pk for pk in scores if pk in agencies]
    units = unit_scores(period=period, agency_ids=evaluated)
    rows = sorted(
        ({"agency": agencies[pk], **scores[pk], **units.get(pk, {})} for pk in evaluated),
        key=lambda r: (-(r.get("unit_score") or 0), -(r["dossier_score"] or 0), r["agency"].name),
    )
    return render(
        request,
        "portal/scores.html",
        {"rows": rows, "label": period.label, "code": period.code, "error": error},
        status=422 if error else 200,
    )
