"""The search relevance set (fixtures/relevance.json) and the floors search must reach on it.

The whole file runs on SQLite and on PostgreSQL. ``test_search_reaches_the_relevance_floors``
loads the demo catalogue through the real import and runs every phrasing through
``procedures_search``; when it fails it prints every query whose best answer did not come first,
with what came back, for whoever tunes the ranking. The same figures, per kind, are printed by
``make bench-search``.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from chinhquyen.catalogue.relevance import (
    KINDS,
    RELEVANCE_SET,
    TARGET_TOP1,
    TARGET_TOP3,
    Case,
    evaluate,
    format_report,
    load_cases,
    procedure_codes,
)

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo_catalogue.json"
DEMO_CODES = {p["code"] for p in json.loads(DEMO.read_text())["procedures"]}
CASES = load_cases()
ISSUE_TABLE = [  # the examples of issue #17, which the set must keep
    "giay khai sinh",
    "lam giay khai sinh cho con",
    "dang ki ket hon",
    "bao tu cho bo",
    "giay xac nhan doc than",
    "cong chung ban sao",
    "sao y ban chinh",
    "sang ten so do",
    "doi bang lai xe",
    "mo nha thuoc",
    "tro cap nguoi cao tuoi",
]


# --- the set's format (no database) -----------------------------------------------------------


def test_the_set_is_large_and_every_entry_is_well_formed():
    raw = json.loads(RELEVANCE_SET.read_text())["queries"]
    assert len(raw) >= 250
    for entry in raw:
        assert set(entry) == {"q", "codes", "kind"}, entry
        assert entry["q"] == entry["q"].strip() and entry["q"], entry
        assert entry["kind"] in KINDS, entry
        assert entry["codes"], entry
        assert len(set(entry["codes"])) == len(entry["codes"]), entry
        assert set(entry["codes"]) <= DEMO_CODES, entry


def test_no_phrasing_appears_twice():
    normalised = Counter(" ".join(c.q.lower().split()) for c in CASES)
    assert [q for q, n in normalised.items() if n > 1] == []


def test_every_demo_procedure_is_the_best_answer_of_at_least_four_phrasings():
    best = Counter(c.codes[0] for c in CASES)
    assert {code: best[code] for code in DEMO_CODES if best[code] < 4} == {}


def test_every_kind_is_represented_and_code_queries_are_codes():
    assert set(Counter(c.kind for c in CASES)) == set(KINDS)
    for case in CASES:
        is_code = re.fullmatch(r"\d\.\d{6}", case.q) is not None
        assert is_code == (case.kind == "code"), case
        if is_code:
            assert case.codes == (case.q,), case


def test_the_issue_examples_are_in_the_set():
    assert set(ISSUE_TABLE) <= {c.q for c in CASES}


# --- the evaluation (a pure function over any search) -----------------------------------------


def test_evaluate_counts_a_hit_for_any_expected_code_and_the_rank_of_the_first():
    cases = [
        Case(q="a", codes=("1", "2"), kind="accentless"),  # second expected code at rank 1
        Case(q="b", codes=("3",), kind="accentless"),  # rank 3
        Case(q="c", codes=("4",), kind="sentence"),  # absent
        Case(q="d", codes=("5",), kind="sentence"),  # rank 2
    ]
    results = {"a": ["2", "1"], "b": ["9", "8", "3"], "c": ["9"], "d": ["9", "5"]}
    evaluation = evaluate(cases, lambda q: results[q])

    assert evaluation.overall.queries == 4
    assert evaluation.overall.top1 == 0.25
    assert evaluation.overall.top3 == 0.75
    assert evaluation.overall.mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert evaluation.by_kind["sentence"].top3 == 0.5
    assert [(o.case.q, o.rank) for o in evaluation.misses] == [("c", None), ("b", 3), ("d", 2)]
    report = format_report(evaluation)
    assert "[sentence] 'c' → want 4; rank -; got 9" in report


# --- the floors, on the demo catalogue --------------------------------------------------------


@pytest.fixture
def demo(load_json):
    load_json(json.loads(DEMO.read_text()))


@pytest.mark.django_db
def test_search_reaches_the_relevance_floors(demo):
    evaluation = evaluate(CASES, procedure_codes)
    report = format_report(evaluation)
    print(report)  # shown by pytest when the test fails
    overall = evaluation.overall
    assert overall.top3 >= TARGET_TOP3 and overall.top1 >= TARGET_TOP1, (
        f"top-3 {overall.top3:.1%} (target {TARGET_TOP3:.0%}), "
        f"top-1 {overall.top1:.1%} (target {TARGET_TOP1:.0%}), MRR {overall.mrr:.3f}\n{report}"
    )
