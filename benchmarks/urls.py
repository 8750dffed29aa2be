"""Bare endpoints for ``make bench``: the floor that the real API is measured against.

Each is a plain Django function view: the project's full middleware stack, but no django-ninja,
no authentication, no domain service. ``insert`` writes one ``BenchRow`` (one INSERT in
autocommit, so one commit like a submission's transaction); ``select`` reads one by primary key.
Mounted under ``/bench/`` only when ``settings.BENCH_ENDPOINTS`` is true (see ``config/urls.py``),
which only ``scripts/bench.sh`` sets.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .models import BenchRow

app_name = "bench"

MAX_BODY = 16 * 1024


@csrf_exempt
@require_http_methods(["GET", "POST"])
def bench_insert(request: HttpRequest) -> JsonResponse:
    """Insert one row. A POST's JSON object body (≤ 16 KiB) is stored as the payload, so the
    request parses and writes about as much JSON as a submission does."""
    payload: dict = {}
    if request.method == "POST" and request.body:
        if len(request.body) > MAX_BODY:
            return JsonResponse({"error": "body too large"}, status=413)
        try:
            payload = json.loads(request.body)
        except ValueError:
            return JsonResponse({"error": "body is not JSON"}, status=400)
        if not isinstance(payload, dict):
            return JsonResponse({"error": "body must be a JSON object"}, status=400)
    row = BenchRow.objects.create(payload=payload)
    return JsonResponse({"id": row.pk}, status=201)


@require_GET
def bench_select(request: HttpRequest) -> JsonResponse:
    """Read one row by primary key: ``?id=…``."""
    try:
        pk = int(request.GET.get("id", ""))
    except ValueError:
        return JsonResponse({"error": "id must be an integer"}, status=400)
    row = BenchRow.objects.filter(pk=pk).values("id", "created_at", "payload").first()
    if row is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(
        {"id": row["id"], "created_at": row["created_at"].isoformat(), "payload": row["payload"]}
    )


urlpatterns = [
    path("insert", bench_insert, name="insert"),
    path("select", bench_select, name="select"),
]
