"""Ranked procedure search: BM25 over syllables and syllable pairs, the same on every database.

The ranking is tantivy's (the Rust search library, through its Python bindings), over an index
held in memory by each process (docs/decisions/0003-search-engine.md). One document per current
version of a procedure, built from folded text (``fold``: no case, no diacritics):

* ``name`` the name's syllables, ``name2`` its adjacent syllables joined ("khai sinh" →
  "khaisinh"): a Vietnamese word is often two syllables, and a pair found in the name is the
  strongest sign that the procedure is the one meant;
* ``alias`` / ``alias2`` the procedure's "also searched as" phrases (``Procedure.search_phrases``);
* ``field`` the field's name, ``text`` what it gives and to whom (result, applicants,
  requirements), both weighing less;
* ``code`` the code, exact (a raw token), and ``field_code``, ``online_mode``, ``ends`` for the
  filters.

A query (``plan_query``) is folded and cut into syllables. Each syllable is a SHOULD clause, so a
procedure with only some of the words still comes, ranked lower: ranking, not filtering. Words
that carry no meaning in a request ("làm", "xin", "thủ tục": ``SearchTerm`` rows of kind filler)
weigh little and cannot bring a procedure in by themselves. A synonym (``SearchTerm`` of kind
synonym: "sổ đỏ" → "giấy chứng nhận quyền sử dụng đất") found in the query adds its target's
syllables and pairs; the words it replaced weigh less. A syllable of the query that no name,
phrase or field holds is also searched as the syllables one typo away that do ("one edit in a
syllable of four letters or more", ``typo_variants``), at a lower weight; that is the "did you
mean". A code ("1.001193") matches only that code, exactly. Matches scoring under ``MIN_SHARE``
of the best are noise (a word found only in another procedure's long texts) and are left out.

Each process rebuilds its index when the catalogue's stamp changes (``catalogue_stamp``: one
cheap query per search), so writes in another process, or inside a test's transaction, are seen
by the next search.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import tantivy
from django.db.models import Count, F, Max, Subquery
from django.utils import timezone

from chinhquyen.core.proccache import ProcessCache

from .models import ProcedureVersion, SearchIndexStamp, SearchTerm, SearchTermKind

MAX_WORDS = 12  # more words than this in a query are ignored
# Typos are forgiven only in words up to this length: folded Vietnamese syllables have at most 7
# letters, a longer "word" is a run-on or garbage.
MAX_TYPO_LETTERS = 12
# A match scoring less than this share of the best one is noise (a word of the query found only
# in another procedure's long texts) and is left out; partial matches in names stay.
MIN_SHARE = 0.05
MAX_CORRECTIONS = 4  # per word: the syllables one typo away most used in names

# Weights of the fields (tantivy boosts of each field's BM25 score).
NAME, NAME_PAIR, ALIAS, ALIAS_PAIR, FIELD, TEXT = 3.0, 3.0, 2.5, 3.0, 1.0, 0.3
CODE = 1000.0
# Weights of a query word by how it came.
CONTENT, SOURCE, CORRECTED, FILLER = 1.0, 0.4, 0.6, 0.15
MIN_TARGET = 0.5  # the least weight of a synonym's target word

NO_END = 99_999_999  # ``ends`` of a version without an end date
_WORD = re.compile(r"[a-z0-9]+")
_SEGMENT = re.compile(r"[^a-z0-9 ]+")  # punctuation: pairs do not cross it
_CODE = re.compile(r"^\d+(\.\d+)+$|^[a-z0-9]*\d[a-z0-9]*(\.[a-z0-9-]+)+$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


_MARKS = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """``text.fold`` for the search's words, faster: Vietnamese diacritics are all combining
    marks of the block U+0300–U+036F once decomposed, and a regular expression strips them in C
    where ``text.fold`` asks each character its category (the index folds every procedure's
    texts). The words (``words_of``) are the same for Vietnamese; the index and the queries both
    use this one."""
    text = text.replace("đ", "d").replace("Đ", "d")  # a letter of its own, not d + a mark
    return _MARKS.sub("", unicodedata.normalize("NFD", text)).lower()


def words_of(folded: str) -> list[str]:
    """The words of a folded text as the search sees them: runs of ASCII letters and digits."""
    return _WORD.findall(folded)


def pairs_of(words: Sequence[str]) -> list[str]:
    """Adjacent words joined: ``["dang", "ky", "khai"]`` → ``["dangky", "kykhai"]``."""
    return [a + b for a, b in zip(words, words[1:], strict=False)]


def segment_pairs(folded: str) -> list[str]:
    """The pairs of a folded text, not across punctuation ("cha, me" gives no "chame")."""
    return [p for part in _SEGMENT.split(folded) for p in pairs_of(words_of(part))]


def typo_variants(word: str) -> frozenset[str]:
    """Every word one typo (deletion, insertion, substitution, swap of neighbours) away from
    ``word``, keeping pairs whose longer side has ≥ 4 letters and whose shorter side ≥ 3; none
    for a word longer than ``MAX_TYPO_LETTERS`` or with a digit."""
    if not word.isalpha() or not 3 <= len(word) <= MAX_TYPO_LETTERS:
        return frozenset()
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    variants = {a + b[1:] for a, b in splits if b}
    variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    variants |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    variants |= {a + c + b for a, b in splits for c in _LETTERS}
    variants.discard(word)
    return frozenset(v for v in variants if len(v) >= 3 and max(len(v), len(word)) >= 4)


def is_code(token: str) -> bool:
    """Whether a folded token of the query looks like a procedure code ("1.001193")."""
    return bool(_CODE.match(token))


# --- the words people use -----------------------------------------------------------------------


@dataclass(frozen=True)
class Synonym:
    words: tuple[str, ...]  # folded words of the phrase typed
    target_words: tuple[str, ...]
    phrase: str  # as the catalogue admin wrote them
    target: str
    note: str


@dataclass(frozen=True)
class Terms:
    """The ``SearchTerm`` table, ready to match queries."""

    synonyms: tuple[Synonym, ...] = ()
    fillers: frozenset[tuple[str, ...]] = frozenset()

    @classmethod
    def load(cls) -> Terms:
        synonyms, fillers = [], set()
        for term in SearchTerm.objects.order_by("kind", "key", "target"):
            words = tuple(words_of(fold(term.phrase)))
            if not words:
                continue
            if term.kind == SearchTermKind.FILLER:
                fillers.add(words)
                continue
            target = tuple(words_of(fold(term.target)))
            if target and target != words:
                synonyms.append(Synonym(words, target, term.phrase, term.target, term.note))
        # Every synonym found in a query is used; the longest are listed first.
        synonyms.sort(key=lambda s: (-len(s.words), s.words, s.target_words))
        return cls(synonyms=tuple(synonyms), fillers=frozenset(fillers))


def _find(words: Sequence[str], phrase: Sequence[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == tuple(phrase)]


# --- the plan of a query ------------------------------------------------------------------------


@dataclass(frozen=True)
class Expansion:
    """A synonym used for a query: shown on the results page ("tìm cả: chứng thực")."""

    phrase: str
    target: str
    note: str


@dataclass
class SearchPlan:
    """What a query is searched as: weighted words and pairs, codes, the synonyms used and the
    corrected query ("did you mean"), if a word was corrected."""

    query: str
    words: dict[str, float] = field(default_factory=dict)
    pairs: dict[str, float] = field(default_factory=dict)
    content: set[str] = field(default_factory=set)  # words and pairs that may bring a result
    codes: list[str] = field(default_factory=list)
    expansions: list[Expansion] = field(default_factory=list)
    corrected: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.pairs or self.codes)

    def _add(self, bag: dict[str, float], term: str, weight: float) -> None:
        if weight > bag.get(term, 0.0):
            bag[term] = weight
        if weight > FILLER:
            self.content.add(term)

    def add_sequence(self, words: Sequence[str], weights: Sequence[float]) -> None:
        for word, weight in zip(words, weights, strict=True):
            self._add(self.words, word, weight)
        for i, pair in enumerate(pairs_of(words)):
            self._add(self.pairs, pair, max(weights[i], weights[i + 1]))


def _filler_mask(words: Sequence[str], fillers: Iterable[tuple[str, ...]]) -> list[bool]:
    mask = [False] * len(words)
    for phrase in fillers:
        for start in _find(words, phrase):
            for i in range(start, start + len(phrase)):
                mask[i] = True
    return mask


def _corrections(
    words: Sequence[str], i: int, vocabulary: Counter[str], pairs: Container[str]
) -> tuple[list[str], bool]:
    """The words of the catalogue one typo away from ``words[i]``, those that make a pair of
    the catalogue with a neighbour first, then the most used; and whether the first does (then
    it is worth a "did you mean")."""

    def paired(v: str) -> bool:
        return (i > 0 and words[i - 1] + v in pairs) or (
            i + 1 < len(words) and v + words[i + 1] in pairs
        )

    found = [v for v in typo_variants(words[i]) if v in vocabulary]
    found.sort(key=lambda v: (not paired(v), -vocabulary[v], v))
    found = found[:MAX_CORRECTIONS]
    return found, bool(found) and (paired(found[0]) or len(words) == 1)


def _target_weight(synonym: Synonym) -> float:
    """A long target weighs less per word, so that "giấy phép kinh doanh" expanded into five
    words does not outweigh the rest of the query ("… rượu")."""
    return max(MIN_TARGET, min(CONTENT, len(synonym.words) / len(synonym.target_words)))


def plan_query(
    q: str, *, terms: Terms, vocabulary: Counter[str], pairs: Container[str] = frozenset()
) -> SearchPlan:
    """The plan of ``q`` over a catalogue whose names, phrases and fields hold ``vocabulary``
    (word → number of procedures) and ``pairs`` (the pairs of names and phrases)."""
    folded = fold(q)
    plan = SearchPlan(query=folded)
    rest = []
    for token in folded.split():
        (plan.codes if is_code(token) else rest).append(token)
    words = list(dict.fromkeys(words_of(" ".join(rest))))[:MAX_WORDS]
    if not words:
        return plan
    fillers = _filler_mask(words, terms.fillers)
    if all(fillers):  # only filler: then it is what the person means
        fillers = [False] * len(words)
    covered, rewritten = _expand(plan, words, fillers, terms.synonyms)
    # The words as typed: fillers weigh little, words a synonym replaces a little more.
    weights = [
        FILLER if f else (SOURCE if c else CONTENT) for f, c in zip(fillers, covered, strict=True)
    ]
    plan.add_sequence(words, weights)
    # Without the fillers too: "đăng ký giấy khai sinh" also gives the pair "ky khai" of the
    # name it means ("đăng ký khai sinh").
    kept = [(w, x) for w, x, f in zip(words, weights, fillers, strict=True) if not f]
    if kept and len(kept) < len(words):
        plan.add_sequence([w for w, _ in kept], [x for _, x in kept])
    for new_words, new_weights in rewritten:
        plan.add_sequence(new_words, new_weights)
    skip = [f or c for f, c in zip(fillers, covered, strict=True)]
    _correct(plan, words, weights, skip, vocabulary, pairs)
    return plan


def _expand(
    plan: SearchPlan, words: list[str], fillers: list[bool], synonyms: Sequence[Synonym]
) -> tuple[list[bool], list[tuple[list[str], list[float]]]]:
    """The synonyms found in ``words``: which words they cover, and the query rewritten with
    each one's target (recorded in ``plan.expansions`` for the page)."""
    covered = [False] * len(words)
    rewritten = []
    for synonym in synonyms:
        for start in _find(words, synonym.words):
            end = start + len(synonym.words)
            for i in range(start, end):
                covered[i] = True
            new_words = [*words[:start], *synonym.target_words, *words[end:]]
            new_weights = [
                *(FILLER if f else CONTENT for f in fillers[:start]),
                *(_target_weight(synonym) for _ in synonym.target_words),
                *(FILLER if f else CONTENT for f in fillers[end:]),
            ]
            rewritten.append((new_words, new_weights))
            expansion = Expansion(synonym.phrase, synonym.target, synonym.note)
            if expansion not in plan.expansions:
                plan.expansions.append(expansion)
    return covered, rewritten


def _correct(
    plan: SearchPlan,
    words: list[str],
    weights: list[float],
    skip: list[bool],
    vocabulary: Counter[str],
    pairs: Container[str],
) -> None:
    """Typos: a meaningful word that no name, phrase or field holds is also searched as the
    words one typo away that they hold; ``plan.corrected`` is the query with the sure ones."""
    corrected, changed = list(words), False
    for i, word in enumerate(words):
        if skip[i] or word in vocabulary:
            continue
        found, sure = _corrections(words, i, vocabulary, pairs)
        if sure:
            changed = True
            corrected[i] = found[0]
        for variant in found:
            variant_words = [*words[:i], variant, *words[i + 1 :]]
            variant_weights = [*weights[:i], CORRECTED, *weights[i + 1 :]]
            plan.add_sequence(variant_words, variant_weights)
    if changed:
        plan.corrected = " ".join(corrected)


# --- the index ----------------------------------------------------------------------------------


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("pk", stored=True, fast=True)
    for name in ("name", "name2", "alias", "alias2", "field", "text"):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    for name in ("code", "field_code", "online_mode"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("ends", indexed=True, fast=True)
    return builder.build()


def catalogue_stamp() -> tuple[Any, ...]:
    """What the index depends on, in one query: the number of versions and the last one (a new
    version, or rows written without the services as the benchmark does) and the stamp's token
    (renamed fields, search terms, phrases: ``services.search_index_touch``)."""
    row = ProcedureVersion.objects.aggregate(
        versions=Count("pk"),
        last=Max("pk"),
        token=Max(Subquery(SearchIndexStamp.objects.values("token")[:1])),
    )
    return (row["versions"], row["last"], row["token"])


class SearchIndex:
    """The index of the current versions at one stamp, with the words people use."""

    def __init__(self, stamp: tuple[Any, ...]) -> None:
        self.stamp = stamp
        self.schema = _schema()
        self.terms = Terms.load()
        self.vocabulary: Counter[str] = Counter()
        self.pairs: set[str] = set()
        self.codes: dict[int, str] = {}
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        rows = (
            ProcedureVersion.objects.filter(procedure__current=F("pk"))
            .order_by("procedure__code")
            .values_list(
                "pk", "procedure__code", "name", "field__code", "field__name", "online_mode",
                "effective_to", "result_type", "applicants", "requirements",
                "procedure__search_phrases",
            )
        )  # fmt: skip
        for row in rows.iterator(chunk_size=2000):
            writer.add_document(self._document(*row))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.size = self.searcher.num_docs

    def _document(
        self, pk, code, name, field_code, field_name, online_mode, ends: date | None,
        result_type, applicants, requirements, phrases,
    ) -> tantivy.Document:  # fmt: skip
        self.codes[pk] = code
        name_f = fold(name)
        name_words = words_of(name_f)
        alias_words, alias_pairs = [], []
        for phrase in phrases or []:
            folded = fold(str(phrase))
            alias_words += words_of(folded)
            alias_pairs += segment_pairs(folded)
        field_words = words_of(fold(field_name or ""))
        name_pairs = segment_pairs(name_f)
        self.vocabulary.update(set(name_words) | set(alias_words) | set(field_words))
        self.pairs.update(name_pairs, alias_pairs)
        other = fold(f"{result_type} {applicants} {requirements}")
        return tantivy.Document(
            pk=pk,
            code=code.lower(),
            name=" ".join(name_words),
            name2=" ".join(name_pairs),
            alias=" ".join(alias_words),
            alias2=" ".join(alias_pairs),
            field=" ".join(field_words),
            text=" ".join(words_of(other)),
            field_code=field_code or "",
            online_mode=online_mode or "",
            ends=ends.toordinal() if ends else NO_END,
        )

    # -- queries --

    def _term(self, field_name: str, value: str, boost: float) -> tantivy.Query:
        query = tantivy.Query.term_query(self.schema, field_name, value)
        return tantivy.Query.boost_query(query, boost)

    def query(
        self, plan: SearchPlan, *, field: str | None, online_mode: str | None, on: date
    ) -> tantivy.Query:
        content: list[tantivy.Query] = []
        filler: list[tantivy.Query] = []
        for code in plan.codes:
            content.append(self._term("code", code, CODE))
        for word, weight in plan.words.items():
            clauses = [
                self._term("name", word, NAME * weight),
                self._term("alias", word, ALIAS * weight),
                self._term("field", word, FIELD * weight),
                self._term("text", word, TEXT * weight),
            ]
            if len(word) >= 5:  # two syllables typed as one: "khaisinh" is the pair
                clauses.append(self._term("name2", word, NAME_PAIR * weight))
                clauses.append(self._term("alias2", word, ALIAS_PAIR * weight))
            (content if word in plan.content else filler).extend(clauses)
        for pair, weight in plan.pairs.items():
            clauses = [
                self._term("name2", pair, NAME_PAIR * weight),
                self._term("alias2", pair, ALIAS_PAIR * weight),
            ]
            (content if pair in plan.content else filler).extend(clauses)
        should = tantivy.Occur.Should
        must = tantivy.Occur.Must
        parts = [(must, tantivy.Query.boolean_query([(should, q) for q in content]))]
        parts += [(should, q) for q in filler]
        # Offered on ``on``: no end date, or one after it (selectors.procedures_offered).
        parts.append(
            (
                must,
                tantivy.Query.range_query(
                    self.schema, "ends", tantivy.FieldType.Integer, lower_bound=on.toordinal() + 1
                ),
            )
        )
        if field:
            parts.append((must, tantivy.Query.term_query(self.schema, "field_code", field)))
        if online_mode:
            parts.append((must, tantivy.Query.term_query(self.schema, "online_mode", online_mode)))
        return tantivy.Query.boolean_query(parts)

    def ranked(
        self, plan: SearchPlan, *, field: str | None = None, online_mode: str | None = None
    ) -> list[tuple[float, int]]:
        """``(score, version pk)`` of every match, best first (ties by code)."""
        if plan.is_empty or not self.size or not (plan.content or plan.codes):
            return []
        on = timezone.localdate()
        query = self.query(plan, field=field, online_mode=online_mode, on=on)
        hits = self.searcher.search(query, limit=self.size, count=False).hits
        if not hits:
            return []
        pks = self.searcher.fast_field_values("pk", [address for _score, address in hits])
        # Hits come best first: keep those above the floor, then break ties by code.
        # (Not when a code was typed: its exact match outweighs everything by design.)
        floor = 0.0 if plan.codes else hits[0][0] * MIN_SHARE
        kept = [score for score, _address in hits if score >= floor]
        codes = self.codes
        ranked = sorted(zip(kept, pks, strict=False), key=lambda r: (-r[0], codes[r[1]]))
        return ranked


_lock = threading.Lock()
# The process's one index, by the catalogue's stamp: a new stamp builds a new one (one thread
# builds it, under the lock), which replaces the old.
_indexes: ProcessCache[SearchIndex] = ProcessCache("catalogue.search_index", max_entries=1)


def search_index() -> SearchIndex:
    """This process's index, rebuilt first if the catalogue changed since it was built."""
    stamp = catalogue_stamp()
    index = _indexes.get(stamp)
    if index is not None:
        return index
    with _lock:
        index = _indexes.get(stamp)
        if index is None:
            index = SearchIndex(stamp)
            _indexes.set(stamp, index)
        return index


def search_plan(q: str, *, index: SearchIndex) -> SearchPlan:
    return plan_query(q, terms=index.terms, vocabulary=index.vocabulary, pairs=index.pairs)


class RankedVersions:
    """The matches of a search, best first: a lazy sequence that Django's ``Paginator`` and the
    API slice and count like a query set. Two queries for a page and its count (the stamp, then
    the page's rows), one more with an agency filter (the agency's procedures)."""

    def __init__(
        self,
        q: str,
        *,
        field: str | None = None,
        online_mode: str | None = None,
        agency_versions=None,
        rows=None,
    ) -> None:
        self.q = q
        self._field = field
        self._online_mode = online_mode
        self._agency_versions = agency_versions  # a query set of the versions allowed, or None
        self._rows = rows if rows is not None else ProcedureVersion.objects.all()
        self._ranked: list[tuple[float, int]] | None = None
        self.plan: SearchPlan | None = None

    def _rank(self) -> list[tuple[float, int]]:
        if self._ranked is None:
            index = search_index()
            self.plan = search_plan(self.q, index=index)
            ranked = index.ranked(self.plan, field=self._field, online_mode=self._online_mode)
            if self._agency_versions is not None and ranked:
                allowed = set(self._agency_versions.values_list("pk", flat=True))
                ranked = [r for r in ranked if r[1] in allowed]
            self._ranked = ranked
        return self._ranked

    @property
    def expansions(self) -> list[Expansion]:
        """The synonyms the query was also searched as."""
        self._rank()
        return self.plan.expansions if self.plan else []

    @property
    def corrected(self) -> str:
        """The query with its unknown words corrected ("did you mean"), or ""."""
        self._rank()
        return self.plan.corrected if self.plan else ""

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
        if not chosen:
            return []
        by_pk = {v.pk: v for v in self._rows.filter(pk__in=[pk for _score, pk in chosen])}
        page = []
        for score, pk in chosen:
            version = by_pk.get(pk)
            if version is not None:  # gone since the index was read: left out
                version.search_rank = score
                page.append(version)
        return page
