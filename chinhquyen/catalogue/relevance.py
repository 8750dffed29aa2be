"""How well procedure search finds what people mean: the relevance set and its measures.

The set (``fixtures/relevance.json``) holds phrasings of real needs over the 34 demo procedures,
typed the way citizens type them (no diacritics, abbreviations, typos, whole sentences, the words
people use), each with every procedure that answers it, the best first, and its kind. A query is a
hit at rank *k* when any of its procedures is among the first *k* results.

``evaluate`` is a pure function over a search callable (a query → the codes it returns, best
first), so the test (``tests/test_relevance.py``) and ``make bench-search`` measure the same thing;
``procedure_codes`` is that callable over ``selectors.procedures_search``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RELEVANCE_SET = Path(__file__).resolve().parent / "fixtures" / "relevance.json"
KINDS = (
    "accentless",
    "colloquial",
    "misspelled",
    "sentence",
    "abbreviation",
    "diacritics",
    "code",
)
TARGET_TOP1 = 0.80  # issue #17: the right procedure first for 80 % of the phrasings
TARGET_TOP3 = 0.95  # … and among the first three for 95 %
DEPTH = 10  # results read per query: a miss beyond rank 10 counts 0 in the MRR


@dataclass(frozen=True)
class Case:
    q: str
    codes: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: tuple[str, ...]  # the first DEPTH codes returned

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected procedure among the results, None if absent."""
        for i, code in enumerate(self.got, start=1):
            if code in self.case.codes:
                return i
        return None


@dataclass(frozen=True)
class Score:
    queries: int
    top1: float
    top3: float
    mrr: float

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Score:
        n = len(outcomes)
        if not n:
            return cls(queries=0, top1=0.0, top3=0.0, mrr=0.0)
        ranks = [o.rank for o in outcomes]
        return cls(
            queries=n,
            top1=sum(1 for r in ranks if r == 1) / n,
            top3=sum(1 for r in ranks if r is not None and r <= 3) / n,
            mrr=sum(1 / r for r in ranks if r is not None) / n,
        )

    def as_dict(self) -> dict[str, float | int]:
        return {
            "queries": self.queries,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "mrr": round(self.mrr, 4),
        }


@dataclass(frozen=True)
class Evaluation:
    overall: Score
    by_kind: dict[str, Score]
    outcomes: tuple[Outcome, ...] = field(repr=False)

    @property
    def misses(self) -> list[Outcome]:
        """The queries whose best answer was not first, worst first (not found, then by rank),
        the kinds taking turns within a rank so that a short list still shows every kind."""
        missed = [o for o in self.outcomes if o.rank != 1]
        turn: dict[tuple[int, str], int] = {}
        keyed = []
        for o in missed:
            rank = o.rank or DEPTH + 1
            turn[rank, o.case.kind] = n = turn.get((rank, o.case.kind), -1) + 1
            keyed.append(((-rank, n, KINDS.index(o.case.kind)), o))
        return [o for _, o in sorted(keyed, key=lambda pair: pair[0])]

    def as_dict(self) -> dict:
        return {
            "overall": self.overall.as_dict(),
            "by_kind": {kind: score.as_dict() for kind, score in self.by_kind.items()},
            "misses": [
                {
                    "q": o.case.q,
                    "kind": o.case.kind,
                    "expected": list(o.case.codes),
                    "rank": o.rank,
                    "got": list(o.got[:5]),
                }
                for o in self.misses
            ],
        }


def load_cases(path: Path = RELEVANCE_SET) -> list[Case]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        Case(q=entry["q"], codes=tuple(entry["codes"]), kind=entry["kind"])
        for entry in document["queries"]
    ]


def evaluate(cases: Iterable[Case], search: Callable[[str], Sequence[str]]) -> Evaluation:
    """Run every case through ``search`` (a query → procedure codes, best first) and score it."""
    outcomes = tuple(Outcome(case=c, got=tuple(search(c.q))[:DEPTH]) for c in cases)
    by_kind = {
        kind: Score.of([o for o in outcomes if o.case.kind == kind])
        for kind in KINDS
        if any(o.case.kind == kind for o in outcomes)
    }
    return Evaluation(overall=Score.of(outcomes), by_kind=by_kind, outcomes=outcomes)


def procedure_codes(q: str) -> list[str]:
    """The codes ``procedures_search`` returns for ``q``, best first (its first ``DEPTH``)."""
    from .selectors import procedures_search

    return [version.procedure.code for version in procedures_search(q=q)[:DEPTH]]


def format_report(evaluation: Evaluation, *, misses: int | None = None) -> str:
    """A plain-text table of the scores, overall and per kind, then the misses (all, or the
    first ``misses``): each with its kind, rank and what came back."""
    lines = [f"{'kind':<13} {'queries':>7} {'top-1':>7} {'top-3':>7} {'MRR':>6}"]
    rows = [*evaluation.by_kind.items(), ("all", evaluation.overall)]
    for kind, s in rows:
        lines.append(f"{kind:<13} {s.queries:>7} {s.top1:>7.1%} {s.top3:>7.1%} {s.mrr:>6.3f}")
    lines.append(f"targets: top-1 ≥ {TARGET_TOP1:.0%}, top-3 ≥ {TARGET_TOP3:.0%}")
    shown = evaluation.misses if misses is None else evaluation.misses[:misses]
    if shown:
        lines.append(f"not first ({len(evaluation.misses)}; rank of the best answer, '-' = none):")
    for o in shown:
        rank = "-" if o.rank is None else str(o.rank)
        got = ", ".join(o.got[:5]) or "nothing"
        lines.append(
            f"  [{o.case.kind}] {o.case.q!r} → want {', '.join(o.case.codes)}; "
            f"rank {rank}; got {got}"
        )
    return "\n".join(lines)
