"""Reads: indicator values for a unit and period, the national ranking, report completeness.
Access is decided here (``indicator_access``) and nowhere else."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import NotFound, PermissionDenied, ValidationFailed
from chinhquyen.dossiers.selectors import dossiers_visible_to
from chinhquyen.dossiers.timeliness import late_q
from chinhquyen.exchange.figures import EDOC_FACTS, edoc_facts_by_agency
from chinhquyen.feedback.selectors import FEEDBACK_FACTS, feedback_facts_by_agency
from chinhquyen.units.models import AdministrativeUnit, UnitLevel

from . import grouped, rollups
from . import indicators as ind
from .models import COUNTER_FIELDS, Completeness, Report, ReportValue
from .periods import Period, period_parse, periods_before
from .scopes import Scope, agency_provinces, provinces_on, scope_parse, unit_tree_ids

READER_ROLES = frozenset({"leader", "agency_admin", "handler", "counter"})


# --- facts ------------------------------------------------------------------------------------


def formula_facts(formula: dict) -> set[str]:
    """The facts a formula reads."""
    names = {formula[k] for k in ("fact", "num", "den") if k in formula}
    nested = [*formula.get("terms", ()), *(p["formula"] for p in formula.get("parts", ()))]
    if "value" in formula:
        nested.append(formula["value"])
    for term in nested:
        names |= formula_facts(term)
    return names


CATALOGUE_FACTS = frozenset(
    {
        "procedures_total",
        "procedures_full",
        "procedures_partial",
        "procedures_none",
        "procedures_online",
        "procedures_online_used",
    }
)


def facts_for_groups(
    groups: dict[str, list[int] | None], period: Period, *, needed: set[str] | None = None
) -> dict[str, dict[str, int]]:
    """Facts (counter sums and catalogue counts) per group of agencies; ``None`` = every agency."""
    return facts_series(groups, [period], needed=needed)[period.code]


def facts_series(
    groups: dict[str, list[int] | None],
    periods: list[Period],
    *,
    needed: set[str] | None = None,
) -> dict[str, dict[str, dict[str, int]]]:
    """period code -> group -> facts. Counters and online use come from the half-month
    roll-ups where sealed and from the daily rows elsewhere, summed per group (``grouped``: in
    the database on PostgreSQL), so the cost depends on the number of groups and half-months,
    not on the number of dossiers; several periods (a trend) cost one read of their half-months.
    ``needed`` (the facts the formulas at hand read, ``formula_facts``) skips the sources nobody
    asked for."""
    gr = grouped.Groups(groups)

    def want(names) -> bool:
        return needed is None or any(name in needed for name in names)

    spans: dict[str, list[rollups.Half]] = {}
    for period in periods:
        halves = rollups.halves_between(period.start, period.end)
        if halves is None:  # not a run of half-months: the cut-off setting changed, rebuild
            raise ValueError(f"period {period.code} is not made of half-months")
        spans[period.code] = halves
    result: dict[str, dict[str, dict[str, int]]] = {}
    keys = _cache_keys(gr, periods, spans, needed, want)
    if keys:
        found = _cache().get_many(list(keys.values()))
        for code, key in keys.items():
            if key in found:
                result[code] = found[key]
    todo = [p for p in periods if p.code not in result]
    every = sorted({h for p in todo for h in spans[p.code]})
    counts = grouped.counts(gr, every) if todo and want(COUNTER_FIELDS) else {}
    used = grouped.used(gr, every) if todo and want(["procedures_online_used"]) else {}
    offered = grouped.offered(gr) if todo and want(CATALOGUE_FACTS) else {}
    modes_on: dict[dt.date, dict[int, str]] = {}
    fresh = {}
    for period in todo:
        halves = set(spans[period.code])
        if offered and period.end not in modes_on:
            modes_on[period.end] = _modes(period.end)
        edoc = _edoc_facts(gr.agencies, period) if want(EDOC_FACTS) else None
        feedback = (
            feedback_facts_by_agency(
                agency_ids=rollups.small(gr.agencies), date_from=period.start, date_to=period.end
            )
            if want(FEEDBACK_FACTS)
            else None
        )
        result[period.code] = {
            key: _group_facts(
                gr.members[i],
                counts=[v for h, v in counts.get(i, {}).items() if h in halves],
                offered=offered.get(i, set()),
                modes=modes_on.get(period.end, {}),
                used={p for p, hits in used.get(i, {}).items() if hits & halves},
                edoc=edoc,
                feedback=feedback,
            )
            for i, key in enumerate(gr.keys)
        }
        if period.code in keys:
            fresh[keys[period.code]] = result[period.code]
    if fresh:
        _cache().set_many(fresh, CACHE_SECONDS)
    return result


CACHE_SECONDS = 15 * 60


def _cache():
    """The answer cache (``CACHES["reporting"]``: a database table shared by the workers)."""
    return caches["reporting"]


def _cache_keys(gr, periods, spans, needed, want) -> dict[str, str]:
    """period code -> cache key, for the periods whose answer cannot change unnoticed: over
    (``end`` before today) and made only of sealed halves. The key holds what the answer is made
    of: the groups, the facts asked for, each half's seal (a back-dated write bumps it, a rebuild
    seals anew), and the state of the other sources read (catalogue links and versions,
    feedback, the exchange registers) — so a change anywhere is a new key, never a stale answer.
    Kept in the ``reporting`` cache (a database table every worker shares) ``CACHE_SECONDS``."""
    today = timezone.localdate()
    closed = [p for p in periods if p.end < today]
    if not closed:
        return {}
    seals = rollups.sealed_versions(sorted({h for p in closed for h in spans[p.code]}))
    sources = []
    if want(CATALOGUE_FACTS):
        from chinhquyen.catalogue.models import Procedure, ProcedureVersion

        for model in (Procedure.agencies.through, ProcedureVersion):
            sources.append(tuple(model.objects.aggregate(n=Count("pk"), m=Max("pk")).values()))
    if want(FEEDBACK_FACTS):
        from chinhquyen.feedback.models import Feedback

        sources.append(
            tuple(Feedback.objects.aggregate(n=Count("pk"), m=Max("updated_at")).values())
        )
    if want(EDOC_FACTS):
        from chinhquyen.exchange.models import RegisterEntry

        sources.append(
            tuple(
                RegisterEntry.objects.aggregate(
                    n=Count("pk"), m=Max("pk"), a=Max("assessed_at")
                ).values()
            )
        )
    base = hashlib.sha256(
        repr((gr.keys, sorted(gr.pairs), gr.everyone, sorted(needed or ()), sources)).encode()
    ).hexdigest()
    keys = {}
    for period in closed:
        halves = spans[period.code]
        if all(h in seals for h in halves):
            keys[period.code] = _key("facts", (base, period.code, [seals[h] for h in halves]))
    return keys


def _key(prefix: str, parts) -> str:
    return f"reporting:{prefix}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


def _closed_key(prefix: str, parts, period: Period, halves: list) -> str | None:
    """A cache key for an answer over ``period`` that only the roll-ups' content decides, or
    None when the period is not over or not entirely sealed (see ``_cache_keys``)."""
    if period.end >= timezone.localdate():
        return None
    seals = rollups.sealed_versions(halves)
    if not all(h in seals for h in halves):
        return None
    return _key(prefix, (parts, [seals[h] for h in halves]))


def _group_facts(members, *, counts, offered, modes, used, edoc, feedback) -> dict:
    """The facts of one group of agencies (``members`` None: all of them)."""
    facts = dict.fromkeys(COUNTER_FIELDS, 0)
    for row in counts:
        for name, value in zip(COUNTER_FIELDS, row, strict=True):
            facts[name] += value
    procedures = {p: modes[p] for p in offered if p in modes}  # in force on the period's end
    by_mode: dict[str, int] = defaultdict(int)
    for mode in procedures.values():
        by_mode[mode] += 1
    online = {p for p, mode in procedures.items() if mode != "none"}
    facts.update(
        procedures_total=len(procedures),
        procedures_full=by_mode["full"],
        procedures_partial=by_mode["partial"],
        procedures_none=by_mode["none"],
        procedures_online=len(online),
        procedures_online_used=len(online & used),
    )
    if feedback is not None:  # no feedback is a real zero: the feedback module is always there
        rows = (
            feedback.values()
            if members is None
            else (feedback[a] for a in members if a in feedback)
        )
        totals = dict.fromkeys(FEEDBACK_FACTS, 0)
        for row in rows:
            for name in FEEDBACK_FACTS:
                totals[name] += row[name]
        facts.update(totals)
    if edoc:
        on_axis = list(edoc) if members is None else [pk for pk in members if pk in edoc]
        if on_axis:  # otherwise the document-exchange facts stay absent: no data, not zero
            for name in EDOC_FACTS:
                facts[name] = sum(edoc[pk][name] for pk in on_axis)
    return facts


def _modes(day: dt.date) -> dict[int, str]:
    """procedure pk -> online mode of its version in force on ``day`` (a 2017 period counts the
    2017 catalogue); procedures with no version in force that day are absent (not counted)."""
    from chinhquyen.catalogue.models import ProcedureVersion

    in_force = (
        ProcedureVersion.objects.filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))
        .order_by("procedure_id", "version")
        .values_list("procedure_id", "online_mode")
    )
    return dict(in_force)  # the highest version in force wins


def _edoc_facts(wanted: set[int] | None, period: Period) -> dict[int, dict[str, int]]:
    """The document axis's registers (exchange app) per agency pk, for agencies on the axis."""
    from chinhquyen.units.models import Agency

    agencies = Agency.objects.all() if wanted is None else Agency.objects.filter(pk__in=wanted)
    pk_of = dict(agencies.values_list("agency_id", "pk"))
    by_id = edoc_facts_by_agency(
        agency_ids=None if wanted is None else list(pk_of),
        date_from=period.start,
        date_to=period.end,
    )
    return {pk_of[a]: facts for a, facts in by_id.items() if a in pk_of}


SOURCES = ("computed", "reported")
NO_REPORT = "report"


def reported_outcomes(*, keys: list[str], period: Period) -> dict[tuple[str, str], ind.Outcome]:
    """(unit key, indicator) -> the value of the current accepted report (central side)."""
    current = Report.objects.filter(period=period.code, current__isnull=False).values("current_id")
    rows = ReportValue.objects.filter(submission_id__in=current, unit__in=keys, period=period.code)
    return {(r.unit, r.indicator): ind.Outcome(r.value) for r in rows}


def _source(source: str | None) -> str:
    source = source or "computed"
    if source not in SOURCES:
        raise ValidationFailed(
            _("Nguồn số liệu phải là computed (tính từ dữ liệu) hoặc reported (theo báo cáo)."),
            code="unknown_source",
            fields={"source": [", ".join(SOURCES)]},
        )
    return source


def value_row(version, facts: dict | None, level: str | None, *, code: str, outcome=None) -> dict:
    if outcome is None:
        outcome = ind.evaluate(version.formula, facts or {})
    value = outcome.value
    row = {
        "indicator": code,
        "name": version.name,
        "group": version.group,
        "unit_of_measure": version.unit_of_measure,
        "value": ind.as_number(value),
        "no_data_reason": None,
        "target": ind.as_number(ind.target_for(version, level)),
        "meets_target": ind.meets(version, value, level),
        "points": ind.as_number(ind.points(version, value)),
        "max_points": version.scoring["max_points"] if version.scoring else None,
        "class": ind.classify(version, value),
    }
    if value is None:
        if outcome.missing_source == NO_REPORT:
            row["no_data_reason"] = _("Chưa nhận được báo cáo của đơn vị cho kỳ này.")
        elif outcome.missing_source:
            row["no_data_reason"] = _("Chưa có nguồn dữ liệu (%(source)s).") % {
                "source": outcome.missing_source
            }
        else:
            row["no_data_reason"] = _("Không có số liệu trong kỳ.")
    return row


# --- access -----------------------------------------------------------------------------------


def _officer_units(user) -> tuple[set[int], int | None]:
    """Units (with everything below) and the agency an officer may read unpublished values of."""
    profile = profile_of(user)
    if profile is None or profile.agency is None or not READER_ROLES.intersection(profile.roles):
        return set(), None
    agency = profile.agency
    units = unit_tree_ids(agency.unit) if agency.unit_id else set()
    return units, agency.pk


def may_read_everything(user, scope: Scope) -> bool:
    """Every indicator of ``scope``, published or not."""
    if "system_admin" in user_roles(user):
        return True
    units, agency_pk = _officer_units(user)
    if scope.kind == "agency":
        return scope.agency.pk == agency_pk or (scope.agency.unit_id in units)
    if scope.unit is not None:
        return scope.unit.pk in units
    return False


def indicator_access(*, user, scope: Scope, period: Period, versions: dict) -> dict:
    """The versions ``user`` may read. Anyone may read the public indicators of a period that is
    over (published results); officers read everything of their own unit; system admins all."""
    if may_read_everything(user, scope):
        return versions
    if period.end >= timezone.localdate():
        raise PermissionDenied(
            _("Kết quả của kỳ chưa kết thúc chưa được công bố."), code="period_not_published"
        )
    return {code: v for code, v in versions.items() if v.public}


def indicator_values(
    *, user, unit: str | None, period: str | None, indicator: str | None, source: str | None = None
) -> dict:
    if not period:
        raise ValidationFailed(
            _("Thiếu kỳ báo cáo."), code="malformed_period", fields={"period": [_("Bắt buộc.")]}
        )
    the_period = period_parse(period)
    scope = scope_parse(unit or "nation", on=the_period.end)
    versions = ind.versions_on(the_period.end)
    if indicator:
        codes = [c.strip() for c in indicator.split(",") if c.strip()]
        unknown = [c for c in codes if c not in versions]
        if unknown:
            raise NotFound(
                _("Chỉ tiêu không có hoặc không có hiệu lực trong kỳ: %(codes)s.")
                % {"codes": ", ".join(unknown)},
                code="unknown_indicator",
                fields={"indicator": [_("Xem danh mục chỉ tiêu.")]},
            )
        versions = {c: versions[c] for c in codes}
    allowed = indicator_access(user=user, scope=scope, period=the_period, versions=versions)
    if indicator and len(allowed) < len(versions):
        raise PermissionDenied(_("Chỉ tiêu này chưa được công bố."), code="indicator_not_public")
    source = _source(source)
    if source == "reported":
        found = reported_outcomes(keys=[scope.key], period=the_period)
        missing = ind.Outcome(None, NO_REPORT)
        rows = [
            value_row(
                v, None, scope.level, code=code, outcome=found.get((scope.key, code), missing)
            )
            for code, v in allowed.items()
        ]
    else:
        needed = set().union(*(formula_facts(v.formula) for v in allowed.values()))
        facts = facts_for_groups({"x": scope.agency_ids()}, the_period, needed=needed)["x"]
        rows = [value_row(v, facts, scope.level, code=code) for code, v in allowed.items()]
    return {
        "unit": scope.as_dict(),
        "period": the_period.as_dict(),
        "source": source,
        "values": rows,
    }


# --- ranking ----------------------------------------------------------------------------------


def province_ranking(
    *, period: Period, indicator: str, source: str | None = None, trend: int = 0
) -> dict:
    """Provinces ranked on one public indicator, computed from the counters in one pass, or
    (``source="reported"``, the central deployment) taken from their accepted reports. With
    ``trend`` > 1 (computed values only), also the nation's value and each province's values over
    the ``trend`` periods of the same kind ending with ``period`` (``ranking["trend"]``)."""
    source = _source(source)
    versions = ind.versions_on(period.end)
    version = versions.get(indicator)
    if version is None or not version.public:
        raise NotFound(
            _("Không có chỉ tiêu «%(code)s» trong kỳ.") % {"code": indicator},
            code="unknown_indicator",
        )
    provinces = provinces_on(period.end)
    keys = {p.pk: f"province:{p.code}" for p in provinces}
    rows = []
    extra: dict = {}
    if source == "reported":
        found = reported_outcomes(keys=list(keys.values()), period=period)
        missing = ind.Outcome(None, NO_REPORT)
        for province in provinces:
            outcome = found.get((keys[province.pk], indicator), missing)
            row = value_row(version, None, UnitLevel.PROVINCE, code=indicator, outcome=outcome)
            row["unit"] = {"key": keys[province.pk], "name": province.name}
            rows.append(row)
    else:
        by_province: dict[int, list[int]] = {p.pk: [] for p in provinces}
        for agency_pk, province_pk in agency_provinces(period.end).items():
            if province_pk in by_province:
                by_province[province_pk].append(agency_pk)
        groups: dict[str, list[int] | None] = {keys[pk]: ids for pk, ids in by_province.items()}
        groups[NATION_KEY] = None
        series = periods_before(period, trend) if trend > 1 else [period]
        facts = facts_series(groups, series, needed=formula_facts(version.formula))
        for province in provinces:
            key = keys[province.pk]
            row = value_row(version, facts[period.code][key], UnitLevel.PROVINCE, code=indicator)
            row["unit"] = {"key": key, "name": province.name}
            rows.append(row)
        extra = {"nation": value_row(version, facts[period.code][NATION_KEY], None, code=indicator)}
        if trend > 1:
            extra["trend"] = _series_values(indicator, series, facts, list(groups))
            extra["trend_periods"] = [p.as_dict() for p in series]
    rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["unit"]["name"]))
    rank = 0
    for row in rows:
        if row["value"] is not None:
            rank += 1
            row["rank"] = rank
        else:
            row["rank"] = None
    return {
        "indicator": indicator,
        "name": version.name,
        "unit_of_measure": version.unit_of_measure,
        "period": period.as_dict(),
        "source": source,
        "rows": rows,
        "version": version,
        **extra,
    }


NATION_KEY = "nation"


def _series_values(indicator: str, periods: list[Period], facts, keys: list[str]) -> dict:
    """key -> [value or None per period], each period with the indicator version in force at
    its end (none in force: None)."""
    versions = {p.code: ind.versions_on(p.end).get(indicator) for p in periods}
    return {
        key: [
            ind.as_number(ind.evaluate(versions[p.code].formula, facts[p.code][key]).value)
            if versions[p.code] is not None
            else None
            for p in periods
        ]
        for key in keys
    }


# --- drill-down -------------------------------------------------------------------------------


@dataclass
class Part:
    key: str
    kind: str  # province, commune, agency
    name: str
    level: str
    agency_ids: list[int]


def province_parts(province: AdministrativeUnit, *, on: dt.date | None = None) -> list[Part]:
    """The province itself, its communes that have agencies, and its agencies (those that
    belonged to it on ``on``, see ``scopes.agency_provinces``): the units of a province's report
    and of its drill-down page."""
    from chinhquyen.units.models import Agency

    tree = unit_tree_ids(province)
    members = [a for a, p in agency_provinces(on).items() if p == province.pk]
    agencies = list(
        Agency.objects.filter(pk__in=members).select_related("unit").order_by("agency_id")
    )
    parts = [
        Part(
            f"province:{province.code}",
            "province",
            province.name,
            UnitLevel.PROVINCE,
            [a.pk for a in agencies],
        )
    ]
    communes = AdministrativeUnit.objects.filter(pk__in=tree, level=UnitLevel.COMMUNE).order_by(
        "code"
    )
    for commune in communes:
        ids = [a.pk for a in agencies if a.unit_id == commune.pk]
        if ids:
            parts.append(
                Part(f"commune:{commune.code}", "commune", commune.name, UnitLevel.COMMUNE, ids)
            )
    for agency in agencies:
        parts.append(
            Part(
                f"agency:{agency.agency_id}", "agency", agency.name, agency.unit.level, [agency.pk]
            )
        )
    return parts


def province_breakdown(
    *,
    user,
    province: str,
    period: Period,
    indicator: str,
    source: str | None = None,
    with_procedures: bool = False,
) -> dict:
    """One indicator for a province, its communes and its agencies, best first; with
    ``with_procedures`` (computed values only) also per procedure across the province."""
    source = _source(source)
    scope = scope_parse(f"province:{province}", on=period.end)
    version = _indicator_for(user=user, scope=scope, period=period, indicator=indicator)
    parts = province_parts(scope.unit, on=period.end)
    if source == "reported":
        found = reported_outcomes(keys=[p.key for p in parts], period=period)
        missing = ind.Outcome(None, NO_REPORT)
        outcomes = {p.key: found.get((p.key, indicator), missing) for p in parts}
    else:
        facts = facts_for_groups(
            {p.key: p.agency_ids for p in parts}, period, needed=formula_facts(version.formula)
        )
        outcomes = {p.key: ind.evaluate(version.formula, facts[p.key]) for p in parts}
    rows = {"province": [], "commune": [], "agency": []}
    for part in parts:
        row = value_row(version, None, part.level, code=indicator, outcome=outcomes[part.key])
        row["unit"] = {"key": part.key, "name": part.name}
        rows[part.kind].append(row)
    for kind in ("commune", "agency"):
        rows[kind].sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["unit"]["name"]))
    return {
        "unit": scope.as_dict(),
        "indicator": indicator,
        "name": version.name,
        "unit_of_measure": version.unit_of_measure,
        "period": period.as_dict(),
        "source": source,
        "province": rows["province"][0],
        "communes": rows["commune"],
        "agencies": rows["agency"],
        **(
            {
                "procedures": procedure_rows(
                    version, parts[0].agency_ids, period, UnitLevel.PROVINCE, code=indicator
                )
            }
            if with_procedures and source == "computed"
            else {}
        ),
    }


# --- Circular 01/2018 unit scores ------------------------------------------------------------

UNIT_SCORE_CODES = ("tt01.i5_one_stop", "tt01.i8_feedback", "tt01.i9_online", "tt01.unit_score")


def unit_scores(*, period: Period, agency_ids: list[int]) -> dict[int, dict]:
    """agency pk -> the system-scored indicators 5, 8, 9 (points), the unit score and its class
    for ``period`` (published results: the evaluation page of the portal)."""
    versions = {c: v for c, v in ind.versions_on(period.end).items() if c in UNIT_SCORE_CODES}
    if not versions or not agency_ids:
        return {}
    needed = set().union(*(formula_facts(v.formula) for v in versions.values()))
    facts = facts_for_groups({str(pk): [pk] for pk in agency_ids}, period, needed=needed)
    result = {}
    for pk in agency_ids:
        rows = {c: value_row(v, facts[str(pk)], None, code=c) for c, v in versions.items()}
        score = rows.get("tt01.unit_score", {})
        result[pk] = {
            "i5": rows.get("tt01.i5_one_stop", {}).get("value"),
            "i8": rows.get("tt01.i8_feedback", {}).get("value"),
            "i9": rows.get("tt01.i9_online", {}).get("value"),
            "unit_score": score.get("value"),
            "class": score.get("class"),
        }
    return result


# --- published results --------------------------------------------------------------------------


def published_table(*, period: Period, indicators: tuple[str, ...]) -> dict:
    """The public indicators in force for ``period`` (among ``indicators``) for the nation and
    every province of the period's time: what the transparency page publishes."""
    versions = {
        code: v
        for code, v in ind.versions_on(period.end).items()
        if code in indicators and v.public
    }
    provinces = provinces_on(period.end)
    key_of = {p.pk: f"province:{p.code}" for p in provinces}
    groups: dict[str, list[int] | None] = {NATION_KEY: None, **{k: [] for k in key_of.values()}}
    for agency_pk, province_pk in agency_provinces(period.end).items():
        if province_pk in key_of:
            groups[key_of[province_pk]].append(agency_pk)
    needed = set().union(*(formula_facts(v.formula) for v in versions.values()))
    facts = facts_for_groups(groups, period, needed=needed)
    names = {NATION_KEY: _("Toàn quốc"), **{f"province:{p.code}": p.name for p in provinces}}
    return {
        "period": period.as_dict(),
        "indicators": [
            {"code": c, "name": v.name, "unit_of_measure": v.unit_of_measure}
            for c, v in versions.items()
        ],
        "rows": [
            {
                "unit": {"key": key, "name": names[key]},
                "values": [
                    value_row(
                        v, facts[key], None if key == NATION_KEY else UnitLevel.PROVINCE, code=c
                    )
                    for c, v in versions.items()
                ],
            }
            for key in groups
        ],
    }


# --- one unit: trend, procedures -----------------------------------------------------------------


def _indicator_for(*, user, scope: Scope, period: Period, indicator: str):
    version = ind.versions_on(period.end).get(indicator)
    if version is None:
        raise NotFound(
            _("Không có chỉ tiêu «%(code)s» trong kỳ.") % {"code": indicator},
            code="unknown_indicator",
        )
    if not indicator_access(user=user, scope=scope, period=period, versions={indicator: version}):
        raise PermissionDenied(_("Chỉ tiêu này chưa được công bố."), code="indicator_not_public")
    return version


def unit_indicator(*, user, unit: str, period: Period, indicator: str, trend: int = 6) -> dict:
    """One indicator for one unit: its value, its trend over the ``trend`` periods of the same
    kind ending with ``period``, and (below the nation) the unit's procedures on the same
    indicator — the bottom of the drill-down before the list of late dossiers."""
    scope = scope_parse(unit, on=period.end)
    version = _indicator_for(user=user, scope=scope, period=period, indicator=indicator)
    series = periods_before(period, trend)
    ids = scope.agency_ids()
    facts = facts_series({"u": ids}, series, needed=formula_facts(version.formula))
    values = _series_values(indicator, series, facts, ["u"])["u"]
    return {
        "unit": scope.as_dict(),
        "indicator": indicator,
        "name": version.name,
        "definition": version.definition,
        "formula_ref": version.formula_ref,
        "unit_of_measure": version.unit_of_measure,
        "period": period.as_dict(),
        "value": value_row(version, facts[period.code]["u"], scope.level, code=indicator),
        "trend": [{"period": p.as_dict(), "value": v} for p, v in zip(series, values, strict=True)],
        "procedures": []
        if ids is None
        else procedure_rows(version, ids, period, scope.level, code=indicator),
        "may_list_dossiers": may_read_everything(user, scope),
    }


def procedure_rows(
    version, agency_ids: list[int], period: Period, level, *, code: str
) -> list[dict]:
    """The indicator per procedure over the given agencies, best first: the procedure roll-ups
    of sealed halves and the daily rows of the others, filtered on the agencies (a province or
    smaller)."""
    from chinhquyen.catalogue.models import ProcedureVersion

    ids = set(agency_ids)
    halves = rollups.halves_between(period.start, period.end)
    key = _closed_key("procedures", (sorted(ids), period.code), period, halves)
    counts = _cache().get(key) if key else None
    if counts is None:
        counts = grouped.procedure_counts(ids, halves)
        if key:
            _cache().set(key, counts, CACHE_SECONDS)
    modes = _modes(period.end)
    offered = {
        pk: modes[pk] for pk in grouped.offered(grouped.Groups({"u": ids}))[0] if pk in modes
    }
    result = []
    names = dict(
        ProcedureVersion.objects.filter(procedure_id__in=offered.keys() | counts.keys())
        .order_by("procedure_id", "version")
        .values_list("procedure_id", "name")
    )
    codes = dict(
        ProcedureVersion.objects.filter(procedure_id__in=names)
        .values_list("procedure_id", "procedure__code")
        .distinct()
    )
    for pk in offered.keys() | counts.keys():
        values = [v or 0 for v in counts.get(pk, [0] * len(COUNTER_FIELDS))]
        facts = dict(zip(COUNTER_FIELDS, values, strict=True))
        mode = offered.get(pk)
        online = mode is not None and mode != "none"
        facts.update(
            procedures_total=int(mode is not None),
            procedures_full=int(mode == "full"),
            procedures_partial=int(mode == "partial"),
            procedures_none=int(mode == "none"),
            procedures_online=int(online),
            procedures_online_used=int(online and facts["submitted_online"] > 0),
        )
        row = value_row(version, facts, level, code=code)
        row["procedure"] = {"code": codes.get(pk, ""), "name": names.get(pk, "")}
        result.append(row)
    result.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["procedure"]["code"]))
    return result


# --- reports (central side) -------------------------------------------------------------------


def report_completeness(*, period: Period, now=None) -> dict:
    """Expected, received, on time, late and missing reports per province: computed from the
    submissions, nobody marks anything complete."""
    if not period.is_nd09:
        raise ValidationFailed(
            _("Báo cáo định kỳ dùng kỳ theo Nghị định 09/2019 (ví dụ ND09-2026-Q1)."),
            code="not_a_report_period",
            fields={"period": [period.code]},
        )
    now = now or timezone.now()
    due = period.due_at()
    reports = {
        r.unit_id: r for r in Report.objects.filter(period=period.code, current__isnull=False)
    }
    rows = []
    counts = {c.value: 0 for c in Completeness}
    for province in provinces_on(period.end):
        report = reports.get(province.pk)
        if report is not None:
            status = Completeness.ON_TIME if report.first_received_at <= due else Completeness.LATE
        else:
            status = Completeness.MISSING if now > due else Completeness.PENDING
        counts[status] += 1
        rows.append(
            {
                "unit": {"key": f"province:{province.code}", "name": province.name},
                "status": status.value,
                "status_label": str(status.label),
                "received_at": report.first_received_at.isoformat() if report else None,
                "corrections": (report.current.seq - 1) if report else 0,
            }
        )
    return {
        "period": period.as_dict(),
        "due_at": due.isoformat(),
        "expected": len(rows),
        "received": counts["on_time"] + counts["late"],
        **counts,
        "rows": rows,
    }


# --- the bottom of the drill-down: late dossiers ------------------------------------------------


def late_dossiers(*, user, unit: str, period: Period, limit: int = 500) -> dict:
    """Dossiers of ``unit`` finished late in ``period`` (after the due date, or after a second
    supplement request), among those ``user`` may see: nothing personal, only the progress."""
    scope = scope_parse(unit, on=period.end)
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = dossiers_visible_to(user=user).filter(
        late_q(),
        finished_at__gte=start,
        finished_at__lt=end,
    )
    ids = scope.agency_ids()
    if ids is not None:
        qs = qs.filter(agency_id__in=ids)
    rows = qs.select_related("procedure", "procedure_version", "agency").order_by("finished_at")
    total = rows.count()

    def local(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "unit": scope.as_dict(),
        "period": period.as_dict(),
        "count": total,
        "dossiers": [
            {
                "code": d.code,
                "procedure": d.procedure.code,
                "procedure_name": d.procedure_version.name,
                "agency": d.agency.agency_id,
                "received_at": local(d.received_at),
                "due_at": local(d.due_at),
                "finished_at": local(d.finished_at),
                "reason": "repeated_supplement"
                if d.repeated_supplement and not (d.due_at and d.finished_at > d.due_at)
                else "after_due",
            }
            for d in rows[:limit]
        ],
    }
