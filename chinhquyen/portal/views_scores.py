"""The published results of the citizens' evaluation (Circular 01/2018): per agency and period,
the number of evaluations and the average score per dossier. No staff names on the public page;
the staff scores are for the agency's leaders (workspace)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from chinhquyen.dossiers.evaluation import evaluation_scores, period_bounds
from chinhquyen.units.models import Agency


def current_quarter() -> str:
    today = timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@require_safe
def scores_public(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("ky", "") or current_quarter()
    bounds = period_bounds(code)
    error = "" if bounds else "Kỳ phải có dạng 2026 hoặc 2026-Q1 … 2026-Q4."
    if bounds is None:
        code = current_quarter()
        bounds = period_bounds(code)
    label, start, end = bounds
    agencies = {a.pk: a for a in Agency.objects.filter(is_active=True)}
    scores = evaluation_scores(agency_ids=agencies, start=start, end=end)["agencies"]
    rows = sorted(
        ({"agency": agencies[pk], **value} for pk, value in scores.items() if pk in agencies),
        key=lambda r: (-(r["dossier_score"] or 0), r["agency"].name),
    )
    return render(
        request,
        "portal/scores.html",
        {"rows": rows, "label": label, "code": code, "error": error},
        status=422 if error else 200,
    )
