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

The filter runs in the database: on PostgreSQL one regular expression per word (the start of a
word, or one of the typo variants as a whole word), which the GIN trigram index on
``search_text`` can serve (migration 0004); SQLite calls ``matches`` itself, registered as a
function of the connection. The matches are then ranked in Python by ``score`` (``RankedVersions``),
the same code on both databases, with ``trigram_similarity`` computing what pg_trgm's
``similarity`` would. ``tests/test_search.py`` runs one table of queries on both.

Why not pg_trgm's ``%`` / ``<%`` for the typos: Vietnamese words are syllables of 2–6 letters,
and one typo in a 4-letter word leaves only 2 of its 5 trigrams ("dugn"/"dung": word similarity
0.4), below any threshold that would not also let unrelated words in. An explicit edit distance
of one is both stricter and more forgiving where it matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from django.db import NotSupportedError
from django.db.models import BooleanField, F, Func

from .text import fold

MAX_WORDS = 8  # more words than this in a query are ignored (bounds the SQL)
# Typos are forgiven only in words up to this length. Folded Vietnamese syllables have at most
# 7 letters; a longer "word" is a run-on or garbage, and its typo alternation would grow with the
# square of its length (a 181-letter word made a 130 KB regular expression that PostgreSQL
# spent over a minute compiling).
MAX_TYPO_LETTERS = 12
CODE, ALL_IN_NAME, PHRASE = 1000, 200, 100
EXACT, PREFIX, TYPO, ELSEWHERE = 4, 3, 2, 1

_WORD = re.compile(r"[a-z0-9]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def words_of(folded: str) -> list[str]:
    """The words of a folded text as the search sees them: runs of ASCII letters and digits."""
    return _WORD.findall(folded)


def typo_variants(word: str) -> frozenset[str]:
    """Every word one typo (deletion, insertion, substitution, swap of neighbours) away from
    ``word``, keeping pairs whose longer side has ≥ 4 letters and whose shorter side ≥ 3; none
    for a word longer than ``MAX_TYPO_LETTERS``."""
    if not word.isalpha() or not 3 <= len(word) <= MAX_TYPO_LETTERS:
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

    @cached_property
    def checks(self) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple((f" {w}", v) for w, v in zip(self.words, self.variants, strict=True))


@lru_cache(maxsize=512)
def search_plan(q: str) -> SearchPlan:
    folded = fold(q)
    words = tuple(dict.fromkeys(words_of(folded)))[:MAX_WORDS]
    return SearchPlan(query=folded, words=words, variants=tuple(typo_variants(w) for w in words))


# --- the reference implementation (SQLite runs it; PostgreSQL runs the same rules in SQL) -------


@lru_cache(maxsize=65536)
def _trigrams(text: str) -> frozenset[str]:
    grams: set[str] = set()
    for word in text.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity`` for texts of ``[a-z0-9 ]``: shared trigrams over all trigrams,
    each word padded with two spaces in front and one behind."""
    ga, gb = _trigrams(a), _trigrams(b)
    if not ga or not gb:
        return 0.0
    shared = len(ga & gb)
    return shared / (len(ga) + len(gb) - shared)


_PREPARED: dict[str, tuple[str, frozenset[str]]] = {}


def _prepared(text: str) -> tuple[str, frozenset[str]]:
    """`` word word … `` with one space around each word, and the set of words; remembered per
    text (a plain dict: SQLite asks for every row of the catalogue on every search)."""
    found = _PREPARED.get(text)
    if found is None:
        if len(_PREPARED) > 100_000:  # old versions' texts pile up in a long-lived process
            _PREPARED.clear()
        words = words_of(text)
        found = _PREPARED[text] = (f" {' '.join(words)} ", frozenset(words))
    return found


def name_part(search_text: str, *, code: str, field_name: str) -> str:
    """The name inside ``search_text`` (``fold(f"{code} {name} {field name}")``, see
    services.py), cut by lengths so that SQL can do the same without folding anything itself.
    ``fold`` keeps the length of NFC Vietnamese text; where it does not, the cut is a little
    off on both databases alike."""
    stop = max(0, len(search_text) - len(field_name) - 1)
    return search_text[len(code) + 1 : stop]


def matches(plan: SearchPlan, search_text: str) -> bool:
    """Whether every word of the plan matches ``search_text`` (already folded)."""
    padded, found = _prepared(search_text)
    for spaced, variants in plan.checks:
        if spaced not in padded and variants.isdisjoint(found):
            return False
    return True


def score(plan: SearchPlan, *, search_text: str, code: str, field_name: str) -> float:
    """The rank of a procedure for the plan: 0 when it does not match, else the points of the
    module's docstring plus half the trigram similarity of the query and the name."""
    if not plan.words or not matches(plan, search_text):
        return 0.0
    padded, found = _prepared(name_part(search_text, code=code, field_name=field_name))
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


def _sqlite_match(search_text: str | None, q: str) -> bool:
    return matches(search_plan(q), search_text or "")


# --- SQL: SQLite calls ``matches`` above, PostgreSQL runs the same rule in SQL --------------

_NOT_WORD = "[^a-z0-9]"


def typo_regex(word: str) -> str | None:
    """``typo_variants(word)`` as a POSIX alternation, four per letter instead of a few hundred
    literals: PostgreSQL's regular expressions run it over a row in microseconds, where an array
    overlap with the literal variants costs a hundred."""
    n = len(word)
    if not word.isalpha() or not 3 <= n <= MAX_TYPO_LETTERS:
        return None
    alternatives = [word[:i] + "[a-z]" + word[i:] for i in range(n + 1)]  # insertions
    if n >= 4:  # a 3-letter word only meets 4-letter words (the longer side has ≥ 4 letters)
        alternatives += [word[:i] + "[a-z]" + word[i + 1 :] for i in range(n)]
        alternatives += [word[:i] + word[i + 1 :] for i in range(n)]
        alternatives += [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(n - 1)]
    return "(" + "|".join(alternatives) + ")"


def word_regex(word: str) -> str:
    """``matches`` of one word as a POSIX regular expression: the start of a word, or a whole
    word one typo away (the words hold only ``[a-z0-9]``: no escaping)."""
    typos = typo_regex(word)
    if typos is None:
        return f"(^|{_NOT_WORD}){word}"
    return f"(^|{_NOT_WORD})({word}|{typos}({_NOT_WORD}|$))"


class _PlanExpression(Func):
    """A plan over search_text, the procedure's code and the field's name."""

    def __init__(self, plan: SearchPlan, **extra: Any) -> None:
        super().__init__(F("search_text"), F("procedure__code"), F("field__name"), **extra)
        self.plan = plan

    def _columns(self, compiler) -> list[str]:
        sqls = []
        for source in self.get_source_expressions():
            sql, params = compiler.compile(source)
            assert not params  # plain columns: each may be repeated in the SQL
            sqls.append(sql)
        return sqls

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Procedure search supports PostgreSQL and SQLite only.")


def _register(connection) -> None:
    connection.ensure_connection()
    raw = connection.connection
    raw.create_function("cq_search_match", 2, _sqlite_match, deterministic=True)


class SearchMatch(_PlanExpression):
    """True when every word of the plan matches (``matches``)."""

    output_field = BooleanField()

    def as_sqlite(self, compiler, connection, **extra_context):
        _register(connection)
        text, _code, _field = self._columns(compiler)
        return f"cq_search_match({text}, %s)", [self.plan.query]

    def as_postgresql(self, compiler, connection, **extra_context):
        text, _code, _field = self._columns(compiler)
        params = [word_regex(word) for word in self.plan.words]
        return "(" + " AND ".join([f"{text} ~ %s"] * len(params) or ["FALSE"]) + ")", params


class RankedVersions:
    """The matches of a search, best first: a lazy sequence that Django's ``Paginator`` and the
    API slice and count like a query set.

    Two queries whatever the catalogue's size: the matching rows' keys and texts (the filter runs
    in the database, served by the trigram index on PostgreSQL), ranked here by ``score`` — the
    same code on every database, so both give the same order — and then the rows of the page
    asked for. Ranking in Python costs a few microseconds per match, against 40–60 in SQL, where
    each row's name had to be cut out and cleaned before it could be scored.
    """

    def __init__(self, versions, plan: SearchPlan) -> None:
        self._versions = versions
        self._plan = plan
        self._ranked: list[tuple[float, str, int]] | None = None

    def _rank(self) -> list[tuple[float, str, int]]:
        if self._ranked is None:
            plan, ranked = self._plan, []
            rows = self._versions.filter(SearchMatch(plan)).values_list(
                "pk", "search_text", "procedure__code", "field__name"
            )
            for pk, text, code, field_name in rows:
                points = score(plan, search_text=text, code=code, field_name=field_name or "")
                if points > 0:
                    ranked.append((-points, code, pk))
            ranked.sort()
            self._ranked = ranked
        return self._ranked

    def count(self) -> int:
        return len(self._rank())

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            found = self[index : index + 1] if index >= 0 else self[index:][:1]
            if not found:
                raise IndexError(index)
            return found[0]
        chosen = self._rank()[index]
        by_pk = {v.pk: v for v in self._versions.filter(pk__in=[pk for *_rest, pk in chosen])}
        page = []
        for points, _code, pk in chosen:
            version = by_pk[pk]
            version.search_rank = -points
            page.append(version)
        return page
