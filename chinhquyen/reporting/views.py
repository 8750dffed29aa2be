"""The reporting centre's pages (server-rendered, no JavaScript): the national ranking with
trends, the province drill-down, one unit's indicator with its procedures and late dossiers, the
public transparency page; every table exports to XLSX and PDF."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import DomainError
from chinhquyen.core.pagecache import REPORTING, anonymous_page_cache

from . import activity, charts, pdf, selectors, xlsx
from . import indicators as ind
from .periods import Period, period_choices, period_parse

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


def _may_see_unfinished(user) -> bool:
    """Results of a period that is not over are shown to system admins only on the ranking (the
    transparency page publishes finished periods to everyone; on the drill-down the selectors
    let officers read their own unit's)."""
    return "system_admin" in user_roles(user)


def _is_officer(user) -> bool:
    profile = profile_of(user)
    return "system_admin" in user_roles(user) or (profile is not None and profile.is_officer)


def _status(exc: DomainError) -> int:
    if exc.code in ("period_not_published", "indicator_not_public"):
        return 403
    if exc.code == "unknown_unit":  # the page's own resource; a bad query parameter is a 400
        return 404
    return 400


def _default_indicator(period: Period) -> str:
    in_force = ind.versions_on(period.end)
    return next((c for c in DEFAULT_INDICATORS if c in in_force), DEFAULT_INDICATORS[-1])


def _needed(*indicators: str | None) -> set[str] | None:
    """The facts the indicators read (their versions in force today), to find the periods they
    have data in; None when none of them is known."""
    versions = ind.versions_on(timezone.localdate())
    known = [versions[code] for code in indicators if code in versions]
    if not known:
        return None
    return set().union(*(selectors.formula_facts(v.formula) for v in known))


def _published_default() -> Period:
    """The transparency page's default: the latest closed month with data (published only)."""
    return activity.default_period(needed=_needed(*PUBLISHED), unfinished=False)


def _default_period(request: HttpRequest, indicator: str | None = None) -> Period:
    return activity.default_period(
        needed=_needed(indicator), unfinished=_may_see_unfinished(request.user)
    )


def _params(request: HttpRequest) -> dict:
    """The period, indicator and source asked for, defaults filled in (for the exports, which
    answer a bad parameter with its message)."""
    asked = request.GET.get("indicator") or None
    period_code = request.GET.get("period") or _default_period(request, asked).code
    indicator = asked
    if indicator is None:
        try:
            indicator = _default_indicator(period_parse(period_code))
        except DomainError:  # a malformed period is reported by the view itself
            indicator = DEFAULT_INDICATORS[-1]
    return {
        "period_code": period_code,
        "indicator_code": indicator,
        "source": request.GET.get("source") or "computed",
    }


# --- choosing the period: a year and a period of that year, never a typed code ---------------

PERIOD_ERRORS = ("malformed_period", "period_not_published", "not_a_report_period")
INDICATOR_ERRORS = ("unknown_indicator", "indicator_not_public")


@dataclass
class Choice:
    """What a page shows, and what was wrong with what the address asked for: each refused
    parameter is replaced by its default and its message shown next to its field."""

    period: Period
    indicator: str
    source: str
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200

    @property
    def query(self) -> str:
        return urlencode(
            {"period": self.period.code, "indicator": self.indicator, "source": self.source}
        )

    def refuse(self, name: str, exc: DomainError) -> None:
        if name not in self.errors:
            self.errors[name] = exc.message
        if self.status == 200:
            self.status = _status(exc)


def year_redirect(request: HttpRequest) -> HttpResponse | None:
    """The chooser sends the year (``nam``) beside a period of the year it was drawn for; the
    address then names the period itself, so that it can be shared: ``?nam=2019&period=
    ND09-2026-11`` → ``?period=ND09-2019-11``. None when there is nothing to fold."""
    if "nam" not in request.GET:
        return None
    query = request.GET.copy()
    year = query.pop("nam")[-1].strip()
    with contextlib.suppress(DomainError, ValueError):  # a bad period: the page says so
        query["period"] = period_parse(query.get("period", "")).in_year(int(year)).code
    return redirect(f"{request.path}?{query.urlencode()}")


def _choose(request: HttpRequest, *, check_published: bool, public_only: bool) -> Choice:
    """Read the period, indicator and source of the address. ``check_published``: refuse a
    period that is not over unless the reader may see one; ``public_only``: refuse an
    indicator that is not public (elsewhere the selectors decide who reads which)."""
    asked_indicator = request.GET.get("indicator") or None
    errors: list[tuple[str, DomainError]] = []
    period = None
    if request.GET.get("period"):
        try:
            period = period_parse(request.GET["period"])
        except DomainError as exc:
            errors.append(("period", _period_message(request.GET["period"], exc)))
        else:
            if (
                check_published
                and period.end >= timezone.localdate()
                and not _may_see_unfinished(request.user)
            ):
                errors.append(("period", _unpublished(period)))
                period = None
    if period is None:
        period = _default_period(request, asked_indicator)
    source = request.GET.get("source") or "computed"
    if source not in selectors.SOURCES:
        errors.append(
            (
                "source",
                DomainError(
                    _("Nguồn số liệu «%(source)s» không có; đang hiển thị số liệu tính từ hồ sơ.")
                    % {"source": source},
                    code="unknown_source",
                ),
            )
        )
        source = "computed"
    choice = Choice(period=period, indicator=_default_indicator(period), source=source)
    if asked_indicator is not None:
        version = ind.versions_on(period.end).get(asked_indicator)
        if version is None or (public_only and not version.public):
            errors.append(("indicator", _unknown_indicator(asked_indicator, period)))
        else:
            choice.indicator = asked_indicator
    for name, exc in errors:
        choice.refuse(name, exc)
    return choice


def _period_message(code: str, exc: DomainError) -> DomainError:
    return DomainError(
        _(
            "Kỳ báo cáo «%(code)s» trong địa chỉ không đúng định dạng. Đang hiển thị kỳ mặc "
            "định; hãy chọn năm và kỳ trong danh sách."
        )
        % {"code": code},
        code=exc.code,
    )


def _unpublished(period: Period) -> DomainError:
    return DomainError(
        _(
            "Kỳ %(name)s chưa kết thúc nên kết quả chưa được công bố. Đang hiển thị kỳ gần nhất "
            "đã có số liệu; hãy chọn một kỳ đã kết thúc."
        )
        % {"name": period.name},
        code="period_not_published",
    )


def _unknown_indicator(code: str, period: Period) -> DomainError:
    return DomainError(
        _(
            "Không có chỉ tiêu «%(code)s» được công bố trong kỳ %(name)s. Đang hiển thị chỉ tiêu "
            "mặc định; hãy chọn chỉ tiêu trong danh sách."
        )
        % {"code": code, "name": period.name},
        code="unknown_indicator",
    )


def _picker(choice: Choice) -> dict:
    """The period chooser's context: the years, the chosen one and its periods, grouped."""
    years = activity.year_range()
    year = choice.period.end.year
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    return {
        "years": years,
        "year": year,
        "groups": [
            (name, [(p.code, p.name_in_year) for p in periods])
            for name, periods in period_choices(year)
        ],
        "code": choice.period.code,
        "error": choice.errors.get("period"),
    }


def _page(request: HttpRequest, template: str, choice: Choice, context: dict) -> HttpResponse:
    context = {
        "choice": choice,
        "picker": _picker(choice),
        "period_code": choice.period.code,
        "indicator_code": choice.indicator,
        "source": choice.source,
        "q": "?" + choice.query,
        **context,
    }
    return render(request, template, context, status=choice.status)


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


@anonymous_page_cache(REPORTING)
def dashboard(request: HttpRequest) -> HttpResponse:
    redirected = year_redirect(request)
    if redirected is not None:
        return redirected
    choice = _choose(request, check_published=True, public_only=True)
    context: dict = {
        "scenario": SCENARIO_2019,
        "choices": [
            (code, v.name) for code, v in ind.versions_on(choice.period.end).items() if v.public
        ],
    }
    try:
        ranking = selectors.province_ranking(
            period=choice.period,
            indicator=choice.indicator,
            source=choice.source,
            trend=TREND_PERIODS,
        )
    except DomainError as exc:  # no indicator at all in force then (a year before 2011)
        choice.refuse("period" if exc.code in PERIOD_ERRORS else "indicator", exc)
        return _page(request, "reporting/dashboard.html", choice, context)
    _with_sparklines(ranking)
    rows, empty = _split(ranking["rows"])
    judged = [r for r in rows if r["meets_target"] is not None]
    context.update(
        ranking=ranking,
        rows=rows,
        no_data_rows=empty,
        met=sum(1 for r in judged if r["meets_target"]),
        judged=len(judged),
    )
    if rows:  # only the provinces with a value are drawn; the others are named under the table
        context["chart"] = charts.bar_chart_svg(
            [(r["unit"]["name"], r["value"], r["meets_target"]) for r in rows],
            unit=ranking["unit_of_measure"],
            target=_common_target(ranking["rows"]),
            title=f"{ranking['name']} — {choice.period.name}",
        )
    if choice.period.is_nd09 and _is_officer(request.user):
        context["completeness"] = selectors.report_completeness(period=choice.period)
    return _page(request, "reporting/dashboard.html", choice, context)


def _split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """The rows with a value, and those without: folded into one line under a table."""
    return [r for r in rows if r["value"] is not None], [r for r in rows if r["value"] is None]


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


def _drill(request: HttpRequest, read) -> tuple[Choice, dict | None, DomainError | None]:
    """Run ``read(choice)``; a refused period or indicator is replaced by its default (and said
    next to its field), anything else (an unknown unit) is the page's error."""
    choice = _choose(request, check_published=False, public_only=False)
    while True:
        try:
            return choice, read(choice), None
        except DomainError as exc:
            if exc.code in PERIOD_ERRORS and "period" not in choice.errors:
                choice.refuse("period", _unpublished(choice.period))
                choice.period = _default_period(request, choice.indicator)
            elif exc.code in INDICATOR_ERRORS and "indicator" not in choice.errors:
                choice.refuse("indicator", exc)
                choice.indicator = _default_indicator(choice.period)
            else:  # each field is replaced once: what still fails is the page's error
                if choice.status == 200:
                    choice.status = _status(exc)
                return choice, None, exc


def province(request: HttpRequest, code: str) -> HttpResponse:
    """Drill-down: one indicator for a province, its communes, its agencies, its procedures."""
    redirected = year_redirect(request)
    if redirected is not None:
        return redirected

    def read(choice: Choice) -> dict:
        return selectors.province_breakdown(
            user=request.user,
            province=code,
            period=choice.period,
            indicator=choice.indicator,
            source=choice.source,
            with_procedures=True,
        )

    choice, data, error = _drill(request, read)
    context = {"data": data, "error": error.message if error else None}
    if data is not None:
        for name in ("communes", "agencies", "procedures"):
            context[name], context[f"{name}_empty"] = _split(data.get(name) or [])
    return _page(request, "reporting/province.html", choice, context)


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
    redirected = year_redirect(request)
    if redirected is not None:
        return redirected

    def read(choice: Choice) -> dict:
        return selectors.unit_indicator(
            user=request.user,
            unit=key,
            period=choice.period,
            indicator=choice.indicator,
            trend=TREND_PERIODS,
        )

    choice, data, error = _drill(request, read)
    context = {"data": data, "error": error.message if error else None}
    if data is None:
        return _page(request, "reporting/unit.html", choice, context)
    if data["may_list_dossiers"] and data["unit"]["kind"] != "nation":
        late = selectors.late_dossiers(user=request.user, unit=key, period=choice.period, limit=200)
        for row in late["dossiers"]:
            row["due"] = _when(row["due_at"])
            row["finished"] = _when(row["finished_at"])
        context["late"] = late
    context["procedures"], context["procedures_empty"] = _split(data["procedures"])
    context["chart"] = charts.line_chart_svg(
        [(t["period"]["short_label"], t["value"]) for t in data["trend"]],
        unit=data["unit_of_measure"],
        target=data["value"]["target"],
        title=f"{data['name']} — {data['unit']['name']}",
    )
    return _page(request, "reporting/unit.html", choice, context)


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


@anonymous_page_cache(REPORTING)
def transparency(request: HttpRequest) -> HttpResponse:
    """Published results for everyone: by default the latest closed Decree 09 month with data,
    the nation and every province on the main public indicators, nothing personal, with where
    the numbers come from. Provinces without any value are folded into one line."""
    redirected = year_redirect(request)
    if redirected is not None:
        return redirected
    choice = _choose_published(request)
    table = selectors.published_table(period=choice.period, indicators=PUBLISHED)
    # The nation's row stays, with or without data: it is what the table is read against.
    empty = [
        r
        for r in table["rows"]
        if r["unit"]["key"] != selectors.NATION_KEY and all(v["value"] is None for v in r["values"])
    ]
    rows = [r for r in table["rows"] if r not in empty]
    return _page(
        request,
        "reporting/transparency.html",
        choice,
        {"table": table, "period": choice.period, "rows": rows, "no_data_rows": empty},
    )


def _choose_published(request: HttpRequest) -> Choice:
    """The transparency page's period: published results only, whoever reads; by default the
    latest closed month holding facts the published indicators read."""
    choice = _choose(request, check_published=False, public_only=True)
    asked = request.GET.get("period")
    unfinished = choice.period.end >= timezone.localdate()
    if asked and unfinished and "period" not in choice.errors:
        choice.refuse("period", _unpublished(choice.period))
    if not asked or "period" in choice.errors:
        choice.period = _published_default()
    return choice


def transparency_export(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        asked = request.GET.get("period")
        period = period_parse(asked) if asked else _published_default()
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
