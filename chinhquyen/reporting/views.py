"""The reporting centre's pages (server-rendered, no JavaScript): the national ranking with
trends, the province drill-down, one unit's indicator with its procedures and late dossiers, the
public transparency page; every table exports to XLSX and PDF."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import DomainError

from . import charts, pdf, selectors, xlsx
from . import indicators as ind
from .periods import period_parse

# The ranking opens on the index (Decision 766), or before it existed on the online share.
DEFAULT_INDICATORS = ("d766.index", "online.dossiers_share")
TREND_PERIODS = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
# The indicators of the public transparency page, in reading order.
PUBLISHED = (
    "online.dossiers_share",
    "d766.timeliness",
    "online.services_used_share",
    "d766.online.procedures_share",
    "d766.digitisation.e_result_share",
    "tt01.dossier_score",
)
# Quick links to the 2019 inspection scenario loaded by the demo (docs/reporting.md).
SCENARIO_2019 = (
    ("2019", "edoc.signed_share", "Tỷ lệ văn bản có chữ ký số, 2019"),
    ("2019", "edoc.signature_format_share", "Tỷ lệ văn bản đúng thể thức chữ ký số, 2019"),
    ("2017", "online.services_used_share", "Dịch vụ công trực tuyến có hồ sơ, 2017"),
    ("2017", "online.dossiers_share", "Tỷ lệ hồ sơ trực tuyến, 2017"),
)


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


def _status(exc: DomainError) -> int:
    if exc.code in ("period_not_published", "indicator_not_public"):
        return 403
    if exc.code == "unknown_unit":  # the page's own resource; a bad query parameter is a 400
        return 404
    return 400


def _params(request: HttpRequest) -> dict:
    period_code = request.GET.get("period") or last_closed_month()
    return {
        "period_code": period_code,
        "indicator_code": request.GET.get("indicator") or _default_indicator(period_code),
        "source": request.GET.get("source") or "computed",
    }


def _default_indicator(period_code: str) -> str:
    try:
        in_force = ind.versions_on(period_parse(period_code).end)
    except DomainError:  # a malformed period is reported by the view itself
        return DEFAULT_INDICATORS[-1]
    return next((c for c in DEFAULT_INDICATORS if c in in_force), DEFAULT_INDICATORS[-1])


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _error_text(exc: DomainError) -> HttpResponse:
    return HttpResponse(exc.message, status=_status(exc), content_type="text/plain; charset=utf-8")


# --- national ranking -------------------------------------------------------------------------


def _ranking(request: HttpRequest, *, trend: int = 0) -> dict:
    params = _params(request)
    period = period_parse(params["period_code"])
    if period.end >= timezone.localdate() and "system_admin" not in user_roles(request.user):
        raise DomainError(
            _("Kết quả của kỳ chưa kết thúc chưa được công bố."), code="period_not_published"
        )
    return selectors.province_ranking(
        period=period,
        indicator=params["indicator_code"],
        source=params["source"],
        trend=trend,
    )


def _with_sparklines(ranking: dict) -> None:
    trend = ranking.get("trend")
    if not trend:
        return
    labels = [p["short_label"] for p in ranking["trend_periods"]]
    for row in ranking["rows"]:
        row["spark"] = charts.sparkline_svg(
            trend.get(row["unit"]["key"], []),
            labels=labels,
            unit=ranking["unit_of_measure"],
            target=row["target"],
            title=row["unit"]["name"],
        )


def dashboard(request: HttpRequest) -> HttpResponse:
    context = {**_params(request), "error": None, "ranking": None, "scenario": SCENARIO_2019}
    try:
        ranking = _ranking(request, trend=TREND_PERIODS)
    except DomainError as exc:
        context["error"] = exc.message
        choices = ind.versions_on(timezone.localdate())
        status = _status(exc)
    else:
        _with_sparklines(ranking)
        context["ranking"] = ranking
        rows = [r for r in ranking["rows"] if r["meets_target"] is not None]
        context["met"] = sum(1 for r in rows if r["meets_target"])
        context["judged"] = len(rows)
        context["no_data"] = sum(1 for r in ranking["rows"] if r["value"] is None)
        context["chart"] = charts.bar_chart_svg(
            [(r["unit"]["name"], r["value"], r["meets_target"]) for r in ranking["rows"]],
            unit=ranking["unit_of_measure"],
            target=_common_target(ranking["rows"]),
            title=f"{ranking['name']} — {ranking['period']['label']}",
        )
        period = period_parse(context["period_code"])
        choices = ind.versions_on(period.end)
        status = 200
        if period.is_nd09 and _is_officer(request.user):
            context["completeness"] = selectors.report_completeness(period=period)
    context["choices"] = [(code, v.name) for code, v in choices.items() if v.public]
    return render(request, "reporting/dashboard.html", context, status=status)


def _common_target(rows: list[dict]) -> float | None:
    targets = {r["target"] for r in rows if r["target"] is not None}
    return targets.pop() if len(targets) == 1 else None


def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        ranking = _ranking(request)
    except DomainError as exc:
        return _error_text(exc)
    name = f"xep-hang-{ranking['indicator']}-{ranking['period']['code']}.xlsx"
    return _download(xlsx.ranking_to_xlsx(ranking), XLSX, name)


def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    try:
        ranking = _ranking(request, trend=TREND_PERIODS)
    except DomainError as exc:
        return _error_text(exc)
    if ranking.get("trend"):
        ranking["trend_labels"] = [p["short_label"] for p in ranking["trend_periods"]]
    name = f"xep-hang-{ranking['indicator']}-{ranking['period']['code']}.pdf"
    return _download(pdf.ranking_to_pdf(ranking), PDF, name)


# --- province drill-down ----------------------------------------------------------------------


def _breakdown(request: HttpRequest, code: str) -> dict:
    params = _params(request)
    return selectors.province_breakdown(
        user=request.user,
        province=code,
        period=period_parse(params["period_code"]),
        indicator=params["indicator_code"],
        source=params["source"],
        with_procedures=True,
    )


def province(request: HttpRequest, code: str) -> HttpResponse:
    """Drill-down: one indicator for a province, its communes, its agencies, its procedures."""
    context = _params(request)
    try:
        context["data"] = _breakdown(request, code)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "reporting/province.html", context, status=_status(exc))
    return render(request, "reporting/province.html", context)


def province_export(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    try:
        data = _breakdown(request, code)
    except DomainError as exc:
        return _error_text(exc)
    name = f"tinh-{code}-{data['indicator']}-{data['period']['code']}.{kind}"
    if kind == "pdf":
        return _download(pdf.breakdown_to_pdf(data), PDF, name)
    return _download(xlsx.breakdown_to_xlsx(data), XLSX, name)


# --- one unit -----------------------------------------------------------------------------------


def _unit(request: HttpRequest, key: str) -> tuple[dict, dict, dict | None]:
    context = _params(request)
    period = period_parse(context["period_code"])
    data = selectors.unit_indicator(
        user=request.user,
        unit=key,
        period=period,
        indicator=context["indicator_code"],
        trend=TREND_PERIODS,
    )
    late = None
    if data["may_list_dossiers"] and data["unit"]["kind"] != "nation":
        late = selectors.late_dossiers(user=request.user, unit=key, period=period, limit=200)
    return context, data, late


def unit(request: HttpRequest, key: str) -> HttpResponse:
    """One unit (a province, a commune, an agency) on one indicator: value, trend, procedures,
    and for the officers who may see them, the dossiers finished late."""
    try:
        context, data, late = _unit(request, key)
    except DomainError as exc:
        context = {**_params(request), "error": exc.message}
        return render(request, "reporting/unit.html", context, status=_status(exc))
    if late is not None:
        for row in late["dossiers"]:
            row["due"] = _when(row["due_at"])
            row["finished"] = _when(row["finished_at"])
        context["late"] = late
    context["data"] = data
    context["chart"] = charts.line_chart_svg(
        [(t["period"]["short_label"], t["value"]) for t in data["trend"]],
        unit=data["unit_of_measure"],
        target=data["value"]["target"],
        title=f"{data['name']} — {data['unit']['name']}",
    )
    return render(request, "reporting/unit.html", context)


def unit_export(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    try:
        _context, data, late = _unit(request, key)
    except DomainError as exc:
        return _error_text(exc)
    name = f"{key.replace(':', '-')}-{data['indicator']}-{data['period']['code']}.{kind}"
    if kind == "pdf":
        return _download(pdf.unit_to_pdf(data, late=late), PDF, name)
    return _download(xlsx.unit_to_xlsx(data, late=late), XLSX, name)


def _when(value: str | None):
    return dt.datetime.fromisoformat(value) if value else None


# --- published results ------------------------------------------------------------------------


def transparency(request: HttpRequest) -> HttpResponse:
    """Published results for everyone: the last closed Decree 09 period, the nation and every
    province on the main public indicators, nothing personal, with where the numbers come from."""
    period_code = request.GET.get("period") or last_closed_month()
    context = {"period_code": period_code, "rows": [], "error": None}
    try:
        period = period_parse(period_code)
        if period.end >= timezone.localdate():
            raise DomainError(
                _("Kết quả của kỳ chưa kết thúc chưa được công bố."), code="period_not_published"
            )
        table = selectors.published_table(period=period, indicators=PUBLISHED)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "reporting/transparency.html", context, status=_status(exc))
    context.update(table=table, period=table["period"])
    return render(request, "reporting/transparency.html", context)


def transparency_export(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        period = period_parse(request.GET.get("period") or last_closed_month())
        if period.end >= timezone.localdate():
            raise DomainError(
                _("Kết quả của kỳ chưa kết thúc chưa được công bố."), code="period_not_published"
            )
        table = selectors.published_table(period=period, indicators=PUBLISHED)
    except DomainError as exc:
        return _error_text(exc)
    name = f"cong-khai-{period.code}.{kind}"
    if kind == "pdf":
        return _download(pdf.published_to_pdf(table), PDF, name)
    return _download(xlsx.published_to_xlsx(table), XLSX, name)
