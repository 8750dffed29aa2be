"""Ranked, typo-tolerant search over the procedure catalogue, the same on PostgreSQL and SQLite.

A query is folded (``text.fold``) and cut into words (runs of ``[a-z0-9]``). A procedure matches
when **every** word matches its ``search_text`` (code, name and field, already folded):

* as the start of a word of the text ("dang ky", "giay phep xay d", "1.001193"), or
* for a word of letters, as a whole word of the text within one typo (one letter left out, added,
  changed, or two neighbours swapped), when the longer of the two has at least 4 letters:
  "snh" → "sinh", "dugn" → "dung", "doang" → "doanh". Numbers are never approximated: a code
  one digit away is another procedure.

The matches are ranked, best first (``score``):

1. the query is the procedure's code (+1000);
2. every word matches in the *name* (+200), not only in the code or the field's name;
3. the words appear in the name as one phrase (+100);
4. per word: a whole word of the name 4, the start of one 3, one typo away 2, elsewhere 1;
5. then pg_trgm ``similarity`` between the query and the name (a name that says little more
   than the query comes first), and finally the code.

PostgreSQL computes it in SQL: the filter per word is a regular expression that the GIN trigram
index on ``search_text`` serves, or an overlap with the typo variants of the word that the GIN
index on the array of its words serves (migration 0004). SQLite calls ``score`` itself, registered
as a function of the connection. Both return the same order; ``tests/test_search.py`` runs one
table of queries on both.

Why not pg_trgm's ``%`` / ``<%`` for the typos: Vietnamese words are syllables of 2–6 letters,
and one typo in a 4-letter word leaves only 2 of its 5 trigrams ("dugn"/"dung": word similarity
0.4), below any threshold that would not also let unrelated words in. An explicit edit distance
of one is both stricter and more forgiving where it matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import NotSupportedError
from django.db.models import BooleanField, F, FloatField, Func

from .text import fold

MAX_WORDS = 8  # more words than this in a query are ignored (bounds the SQL)
CODE, ALL_IN_NAME, PHRASE = 1000, 200, 100
EXACT, PREFIX, TYPO, ELSEWHERE = 4, 3, 2, 1

_WORD = re.compile(r"[a-z0-9]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SQLITE_FUNCTION = "cq_search_rank"


def words_of(folded: str) -> list[str]:
    """The words of a folded text as the search sees them: runs of ASCII letters and digits."""
    return _WORD.findall(folded)


def typo_variants(word: str) -> frozenset[str]:
    """Every word one typo (deletion, insertion, substitution, swap of neighbours) away from
    ``word``, keeping pairs whose longer side has ≥ 4 letters and whose shorter side ≥ 3."""
    if not word.isalpha() or len(word) < 3:
        return frozenset()
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    variants = {a + b[1:] for a, b in splits if b}
    variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    variants |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    variants |= {a + c + b for a, b in splits for c in _LETTERS}
    variants.discard(word)
    return frozenset(v for v in variants if len(v) >= 3 and max(len(v), len(word)) >= 4)


@dataclass(frozen=True)
class SearchPlan:
    """A query, prepared once: its folded text, its words and their typo variants."""

    query: str
    words: tuple[str, ...]
    variants: tuple[frozenset[str], ...]

    @property
    def phrase(self) -> str:
        return " ".join(self.words)


@lru_cache(maxsize=512)
def search_plan(q: str) -> SearchPlan:
    folded = fold(q)
    words = tuple(dict.fromkeys(words_of(folded)))[:MAX_WORDS]
    return SearchPlan(query=folded, words=words, variants=tuple(typo_variants(w) for w in words))


# --- the reference implementation (SQLite runs it; PostgreSQL runs the same rules in SQL) -------


def _trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in text.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity`` for texts of ``[a-z0-9 ]``: shared trigrams over all trigrams,
    each word padded with two spaces in front and one behind."""
    ga, gb = _trigrams(a), _trigrams(b)
    if not ga or not gb:
        return 0.0
    shared = len(ga & gb)
    return shared / (len(ga) + len(gb) - shared)


@lru_cache(maxsize=16384)
def _prepared(text: str) -> tuple[str, frozenset[str]]:
    """`` word word … `` with one space around each word, and the set of words."""
    found = words_of(text)
    return f" {' '.join(found)} ", frozenset(found)


@lru_cache(maxsize=16384)
def _prepared_name(name: str) -> tuple[str, frozenset[str]]:
    return _prepared(fold(name))


def matches(plan: SearchPlan, search_text: str) -> bool:
    """Whether every word of the plan matches ``search_text`` (already folded)."""
    padded, found = _prepared(search_text)
    return all(
        f" {word}" in padded or not variants.isdisjoint(found)
        for word, variants in zip(plan.words, plan.variants, strict=True)
    )


def score(plan: SearchPlan, *, search_text: str, name: str, code: str) -> float:
    """The rank of a procedure for the plan: 0 when it does not match, else the points of the
    module's docstring plus half the trigram similarity of the query and the name."""
    if not plan.words or not matches(plan, search_text):
        return 0.0
    padded, found = _prepared_name(name)
    points = CODE if code.lower() == plan.query else 0
    all_in_name = True
    for word, variants in zip(plan.words, plan.variants, strict=True):
        if f" {word} " in padded:
            points += EXACT
        elif f" {word}" in padded:
            points += PREFIX
        elif not variants.isdisjoint(found):
            points += TYPO
        else:
            points += ELSEWHERE
            all_in_name = False
    if all_in_name:
        points += ALL_IN_NAME
    if len(plan.words) > 1 and f" {plan.phrase}" in padded:
        points += PHRASE
    return points + trigram_similarity(plan.phrase, padded) / 2


def _sqlite_rank(search_text: str, name: str, code: str, q: str) -> float:
    return score(search_plan(q), search_text=search_text or "", name=name or "", code=code or "")


# --- PostgreSQL: the same rules in SQL ---------------------------------------------------------


def _translate_table() -> tuple[str, str]:
    """``translate()`` arguments that fold Vietnamese (and other Latin) letters like ``fold``:
    precomposed letters to their ASCII base, combining marks removed."""
    source, target = [], []
    ranges = [range(0xC0, 0x250), range(0x1E00, 0x1F00)]
    for code_point in (cp for r in ranges for cp in r):
        char = chr(code_point)
        folded = fold(char)
        if len(folded) == 1 and "a" <= folded <= "z":
            source.append(char)
            target.append(folded)
    marks = [chr(cp) for cp in range(0x300, 0x370)]  # no counterpart: translate() drops them
    return "".join(source) + "".join(marks), "".join(target)


TRANSLATE_FROM, TRANSLATE_TO = _translate_table()
# The expression of the GIN index on the words of search_text (migration 0004): a query must
# repeat it exactly for the planner to use the index.
WORDS_SQL = "regexp_split_to_array({}, '[^a-z0-9]+')"


class _PlanExpression(Func):
    """search_text, name and the procedure's code, with a plan compiled per database."""

    def __init__(self, plan: SearchPlan, **extra: Any) -> None:
        super().__init__(F("search_text"), F("name"), F("procedure__code"), **extra)
        self.plan = plan

    def _columns(self, compiler, connection) -> tuple[list[str], list[Any]]:
        sqls, params = [], []
        for source in self.get_source_expressions():
            sql, source_params = compiler.compile(source)
            sqls.append(sql)
            params.extend(source_params)
        return sqls, params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Procedure search supports PostgreSQL and SQLite only.")

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        connection.connection.create_function(
            _SQLITE_FUNCTION, 4, _sqlite_rank, deterministic=True
        )
        (text, name, code), params = self._columns(compiler, connection)
        return f"{_SQLITE_FUNCTION}({text}, {name}, {code}, %s)", [*params, self.plan.query]


class SearchMatch(_PlanExpression):
    """True when every word of the plan matches (``matches``)."""

    output_field = BooleanField()

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = super().as_sqlite(compiler, connection, **extra_context)
        return f"{sql} > 0", params

    def as_postgresql(self, compiler, connection, **extra_context):
        (text, _name, _code), columns = self._columns(compiler, connection)
        assert not columns  # plain columns: each may be repeated without repeating params
        conditions, params = [], []
        for word, variants in zip(self.plan.words, self.plan.variants, strict=True):
            condition = f"{text} ~ %s"
            params.append(f"(^|[^a-z0-9]){word}")
            if variants:
                condition = f"({condition} OR {WORDS_SQL.format(text)} && %s::text[])"
                params.append(sorted(variants))
            conditions.append(condition)
        return "(" + " AND ".join(conditions or ["FALSE"]) + ")", params


class SearchRank(_PlanExpression):
    """``score`` of the plan for each row. Only meaningful beside ``SearchMatch``: PostgreSQL
    ranks the rows that filter lets through and does not check the match again."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra_context):
        (text, name, code), columns = self._columns(compiler, connection)
        assert not columns
        plan = self.plan
        # s.n: the name folded, as " word word … " (compare _prepared_name); computed once per row.
        word_cases, word_params, in_name, in_name_params = [], [], [], []
        for word, variants in zip(plan.words, plan.variants, strict=True):
            typo = "FALSE"
            if variants:
                typo = "string_to_array(s.n, ' ') && %s::text[]"
            word_cases.append(
                f"CASE WHEN s.n LIKE %s THEN {EXACT} WHEN s.n LIKE %s THEN {PREFIX}"
                f" WHEN {typo} THEN {TYPO} ELSE {ELSEWHERE} END"
            )
            typo_params = [sorted(variants)] if variants else []
            word_params += [f"% {word} %", f"% {word}%", *typo_params]
            in_name.append(f"(s.n LIKE %s OR {typo})")
            in_name_params += [f"% {word}%", *typo_params]
        phrase, phrase_params = "FALSE", []
        if len(plan.words) > 1:
            phrase, phrase_params = "s.n LIKE %s", [f"% {plan.phrase}%"]
        sql = (
            f"(SELECT (CASE WHEN lower({code}) = %s THEN {CODE} ELSE 0 END"
            f" + CASE WHEN {' AND '.join(in_name) or 'FALSE'} THEN {ALL_IN_NAME} ELSE 0 END"
            f" + CASE WHEN {phrase} THEN {PHRASE} ELSE 0 END"
            f" + {' + '.join(word_cases) or '0'})::float8"
            " + similarity(%s, s.n)::float8 / 2"
            " FROM (SELECT ' ' || regexp_replace(lower(translate("
            f"{name}, %s, %s)), '[^a-z0-9]+', ' ', 'g') || ' ' AS n) AS s)"
        )
        params = [
            plan.query,
            *in_name_params,
            *phrase_params,
            *word_params,
            plan.phrase,
            TRANSLATE_FROM,
            TRANSLATE_TO,
        ]
        return sql, params
