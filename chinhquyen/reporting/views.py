"""The national dashboard (server-rendered, no JavaScript): the ranking of provinces on one
indicator for one period, with the 60 / 80 % criteria, printable, and its XLSX export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import DomainError

from . import indicators as ind
from . import selectors, xlsx
from .periods import period_parse

DEFAULT_INDICATOR = "online.dossiers_share"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def last_closed_month() -> str:
    """The last Decree 09 month whose cut-off (the 14th) has passed."""
    today = timezone.localdate()
    year, month = today.year, today.month
    if today.day <= 14:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return f"ND09-{year}-{month:02d}"


def _is_officer(user) -> bool:
    profile = profile_of(user)
    return "system_admin" in user_roles(user) or (profile is not None and profile.is_officer)


def _ranking(request: HttpRequest) -> dict:
    period = period_parse(request.GET.get("period") or last_closed_month())
    if period.end >= timezone.localdate() and "system_admin" not in user_roles(request.user):
        raise DomainError(
            _("Kết quả của kỳ chưa kết thúc chưa được công bố."), code="period_not_published"
        )
    return selectors.province_ranking(
        period=period,
        indicator=request.GET.get("indicator") or DEFAULT_INDICATOR,
        source=request.GET.get("source") or "computed",
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    period_code = request.GET.get("period") or last_closed_month()
    indicator = request.GET.get("indicator") or DEFAULT_INDICATOR
    context = {
        "period_code": period_code,
        "indicator_code": indicator,
        "source": request.GET.get("source") or "computed",
        "error": None,
        "ranking": None,
    }
    try:
        ranking = _ranking(request)
    except DomainError as exc:
        context["error"] = exc.message
        choices = ind.versions_on(timezone.localdate())
        status = 403 if exc.code == "period_not_published" else 400
    else:
        context["ranking"] = ranking
        rows = [r for r in ranking["rows"] if r["meets_target"] is not None]
        context["met"] = sum(1 for r in rows if r["meets_target"])
        context["judged"] = len(rows)
        context["no_data"] = sum(1 for r in ranking["rows"] if r["value"] is None)
        period = period_parse(period_code)
        choices = ind.versions_on(period.end)
        status = 200
        if period.is_nd09 and _is_officer(request.user):
            context["completeness"] = selectors.report_completeness(period=period)
    context["choices"] = [(code, v.name) for code, v in choices.items() if v.public]
    return render(request, "reporting/dashboard.html", context, status=status)


def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        ranking = _ranking(request)
    except DomainError as exc:
        return HttpResponse(
            exc.message,
            status=403 if exc.code == "period_not_published" else 400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(xlsx.ranking_to_xlsx(ranking), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="xep-hang-{ranking["indicator"]}-{ranking["period"]["code"]}.xlsx"'
    )
    return response


def province(request: HttpRequest, code: str) -> HttpResponse:
    """Drill-down: one indicator for a province, its communes and its agencies."""
    period_code = request.GET.get("period") or last_closed_month()
    indicator = request.GET.get("indicator") or DEFAULT_INDICATOR
    source = request.GET.get("source") or "computed"
    context = {"period_code": period_code, "indicator_code": indicator, "source": source}
    try:
        context["data"] = selectors.province_breakdown(
            user=request.user,
            province=code,
            period=period_parse(period_code),
            indicator=indicator,
            source=source,
        )
    except DomainError as exc:
        context["error"] = exc.message
        status = {"period_not_published": 403, "indicator_not_public": 403}.get(exc.code, 400)
        status = 404 if exc.code == "unknown_unit" else status
        return render(request, "reporting/province.html", context, status=status)
    return render(request, "reporting/province.html", context)
