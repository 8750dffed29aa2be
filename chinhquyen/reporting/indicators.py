"""The indicator catalogue (data in ``data/indicators.json``) and the formulas that turn facts
into values. A formula is a small JSON tree, so a new circular changes data, not code:

- ``{"op": "sum", "fact": F}``: the fact itself (a count);
- ``{"op": "share", "num": F1, "den": F2}``: 100 × F1 / F2, no data when F2 is 0;
- ``{"op": "ratio", "num": F1, "den": F2, "places": 1}``: F1 / F2;
- ``{"op": "add" | "hundred_minus", "terms": [...]}``: Σ terms, 100 − Σ terms;
- ``{"op": "bands", "value": F, "bands": [[floor, points], …], "no_data": P}``: points by
  threshold (a value without data scores ``P`` when given);
- ``{"op": "ref", "indicator": CODE}``: another indicator's formula, expanded when the catalogue
  is loaded (the version of CODE in force on the referring version's first day);
- ``{"op": "index", "parts": [{"indicator": CODE}, …]}``: a composite index on 100 points over
  the parts that have data (their ``scoring``), expanded when the catalogue is loaded;
- ``{"op": "no_source", "source": S}``: the platform has no source for it yet.

Any term without data makes the whole value "no data" (None), never zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_date

DATA_FILE = Path(__file__).resolve().parent / "data" / "indicators.json"
TWO = Decimal("0.01")


@cache
def catalogue_data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def validation_rules() -> list[dict]:
    return catalogue_data()["rules"]


def indicators_load(*, models=None, data: dict | None = None) -> dict[str, int]:
    """Create or update every indicator version of the data file. Idempotent. ``models`` lets the
    data migration pass its historical models."""
    if models is None:
        from .models import Indicator, IndicatorVersion
    else:
        Indicator, IndicatorVersion = models  # noqa: N806
    data = data or catalogue_data()
    created = updated = 0
    by_code = {row["code"]: row["versions"] for row in data["indicators"]}
    with transaction.atomic():
        for position, row in enumerate(data["indicators"]):
            indicator, _new = Indicator.objects.update_or_create(
                code=row["code"], defaults={"position": position}
            )
            for version in row["versions"]:
                fields = {
                    "valid_to": parse_date(version["valid_to"])
                    if version.get("valid_to")
                    else None,
                    "group": version.get("group", ""),
                    "name": version["name"],
                    "definition": version["definition"],
                    "formula": expand_refs(
                        version["formula"], by_code, day=parse_date(version["valid_from"])
                    ),
                    "formula_ref": version.get("formula_ref", ""),
                    "unit_of_measure": version["unit_of_measure"],
                    "disaggregations": version.get("disaggregations", []),
                    "target": version.get("target"),
                    "scoring": version.get("scoring"),
                    "classes": version.get("classes", []),
                    "public": version.get("public", True),
                }
                _obj, new = IndicatorVersion.objects.update_or_create(
                    indicator=indicator,
                    valid_from=parse_date(version["valid_from"]),
                    defaults=fields,
                )
                created += new
                updated += not new
    return {"created": created, "updated": updated}


def expand_refs(formula: dict, by_code: dict[str, list[dict]], *, day, depth: int = 0) -> dict:
    """The formula with every ``ref`` replaced by the referred indicator's formula in force on
    ``day`` (so the stored formula is self-contained)."""
    if depth > 5:
        raise ValueError("indicator references nest too deep (a cycle?)")
    if formula.get("op") == "ref":
        version = _in_force(by_code, formula["indicator"], day)
        return expand_refs(version["formula"], by_code, day=day, depth=depth + 1)
    result = dict(formula)
    if formula.get("op") == "index":
        parts = []
        for part in formula["parts"]:
            version = _in_force(by_code, part["indicator"], day)
            parts.append(
                {
                    "indicator": part["indicator"],
                    "formula": expand_refs(version["formula"], by_code, day=day, depth=depth + 1),
                    "scoring": version["scoring"],
                }
            )
        result["parts"] = parts
    if "value" in formula:
        result["value"] = expand_refs(formula["value"], by_code, day=day, depth=depth + 1)
    if "terms" in formula:
        result["terms"] = [
            expand_refs(term, by_code, day=day, depth=depth + 1) for term in formula["terms"]
        ]
    return result


def _in_force(by_code: dict[str, list[dict]], code: str, day) -> dict:
    for version in by_code.get(code, ()):
        start = parse_date(version["valid_from"])
        end = parse_date(version["valid_to"]) if version.get("valid_to") else None
        if start <= day and (end is None or day < end):
            return version
    raise ValueError(f"no version of {code} in force on {day} to refer to")


def versions_on(day) -> dict[str, object]:
    """code -> IndicatorVersion in force on ``day``, in catalogue order."""
    from .models import Indicator

    result = {}
    for indicator in Indicator.objects.prefetch_related("versions"):
        version = indicator.version_on(day)
        if version is not None:
            result[indicator.code] = version
    return result


# --- formulas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    value: Decimal | None
    missing_source: str | None = None  # why there is no data, when known


def evaluate(formula: dict, facts: dict[str, int | None]) -> Outcome:
    op = formula["op"]
    if op == "no_source":
        return Outcome(None, formula.get("source", "unknown"))
    # A fact absent from ``facts`` (not merely zero) means its source has no data for the unit:
    # the formula's ``source`` names it (e.g. an agency that is not on the document axis).
    needed = [formula[k] for k in ("fact", "num", "den") if k in formula]
    if formula.get("source") and any(name not in facts for name in needed):
        return Outcome(None, formula["source"])
    if op == "sum":
        value = facts.get(formula["fact"])
        return Outcome(None if value is None else Decimal(value))
    if op in ("share", "ratio"):
        num, den = facts.get(formula["num"]), facts.get(formula["den"])
        if num is None or den is None or den == 0:
            return Outcome(None)
        value = Decimal(num) / Decimal(den) * (100 if op == "share" else 1)
        return Outcome(_round(value, formula.get("places")))
    if op == "index":
        # A composite index on a 100-point scale over the parts that have data: Σ points ÷ Σ
        # their maximum × 100. Parts without a source (or without data) are left out of both.
        got = most = Decimal(0)
        for part in formula["parts"]:
            outcome = evaluate(part["formula"], facts)
            if outcome.value is None:
                continue
            got += _points(part["scoring"], outcome.value)
            most += Decimal(str(part["scoring"]["max_points"]))
        if most == 0:
            return Outcome(None)
        return Outcome(_round(got / most * 100, formula.get("places")))
    if op == "bands":
        # Points by threshold (Circular 01/2018's 2/1/0): the first band whose floor the value
        # reaches. "no_data" scores a unit with nothing to judge (no feedback at all), but a
        # missing source stays "no data".
        inner = evaluate(formula["value"], facts)
        if inner.value is None:
            if inner.missing_source is None and "no_data" in formula:
                return Outcome(Decimal(str(formula["no_data"])))
            return inner
        for floor, score in sorted(formula["bands"], key=lambda band: -band[0]):
            if inner.value >= Decimal(str(floor)):
                return Outcome(Decimal(str(score)))
        return Outcome(Decimal(0))
    if op in ("add", "hundred_minus"):
        total = Decimal(0)
        for term in formula["terms"]:
            outcome = evaluate(term, facts)
            if outcome.value is None:
                return outcome
            total += outcome.value
        value = total if op == "add" else Decimal(100) - total
        return Outcome(_round(value, formula.get("places")))
    raise ValueError(f"unknown formula op {op!r}")


def _round(value: Decimal, places: int | None) -> Decimal:
    quantum = Decimal(1).scaleb(-places) if places is not None else TWO
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def target_for(version, level: str | None) -> Decimal | None:
    target = version.target
    if not target:
        return None
    if "by_level" in target:
        value = target["by_level"].get(level or "")
        return None if value is None else Decimal(str(value))
    return Decimal(str(target["value"]))


def meets(version, value: Decimal | None, level: str | None) -> bool | None:
    threshold = target_for(version, level)
    if value is None or threshold is None:
        return None
    op = version.target.get("op", ">=")
    return value >= threshold if op == ">=" else value <= threshold


def points(version, value: Decimal | None) -> Decimal | None:
    """Linear points up to ``max_points`` reached at ``full_at`` (Decision 766; unconfirmed)."""
    if not version.scoring or value is None:
        return None
    return _points(version.scoring, value)


def _points(scoring: dict, value: Decimal) -> Decimal:
    full_at = Decimal(str(scoring["full_at"]))
    ratio = min(Decimal(1), max(Decimal(0), value / full_at)) if full_at else Decimal(1)
    return (Decimal(str(scoring["max_points"])) * ratio).quantize(TWO, rounding=ROUND_HALF_UP)


def classify(version, value: Decimal | None) -> str | None:
    """The class of Circular 01/2018 (excellent … weak) for a unit score."""
    if value is None or not version.classes:
        return None
    for row in sorted(version.classes, key=lambda r: -r["min"]):
        if value >= Decimal(str(row["min"])):
            return row["label"]
    return None


def as_number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
