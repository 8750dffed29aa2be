"""Learning from searches that fail: per query and day, how many searches found nothing, how
many were followed at once by another search instead of a result being opened, how many opened
a result (``SearchQueryStat``). Nothing about the person is kept: no account, address, session or
time of day, and the query itself loses e-mail addresses, phone and identity numbers
(``core.redaction``) before it is stored.

A visit's last query travels in a cookie of the person's own browser (``COOKIE``, 30 minutes):
the next search tells that the previous one was refined, opening a result from the list tells
that it helped. Queries that neither helped nor were refined were left.

The catalogue admin reads the worst queries of a period (``search_queries_failing``) and adds a
synonym or an "also searched as" phrase from there.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from chinhquyen.core.redaction import redact

from .models import SearchQueryStat
from .text import fold

COOKIE = "tim_kiem"
COOKIE_MAX_AGE = 30 * 60
# What a cookie value may hold as it is: printable ASCII but "%", the escape itself.
_COOKIE_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")
MAX_LENGTH = 200
_SPACES = re.compile(r"\s+")


def search_query_clean(q: str) -> str:
    """The query as it is kept: personal data removed, folded (no case, no diacritics), spaces
    collapsed, at most ``MAX_LENGTH`` characters; "" when nothing is left."""
    text = _SPACES.sub(" ", fold(redact(q or ""))).strip()
    return text[:MAX_LENGTH]


def search_cookie_value(query: str) -> str:
    """A kept query as the cookie's value. Folding leaves what has no Latin form (an emoji, a
    Chinese word) and a ``Set-Cookie`` header travels in Latin-1: the WSGI server would fail the
    whole response. Percent-escaped, as the cookie's reader (``search_cookie_query``) expects."""
    return quote(query, safe=_COOKIE_SAFE)


def search_cookie_query(raw: str) -> str:
    return unquote(raw)


_COUNTS = ("searches", "empty", "refined", "opened")


def _bump(query: str, day: dt.date, **counts: int) -> None:
    """Add ``counts`` to the row of (query, day), creating it on the first search of the day:
    one statement (an upsert, which PostgreSQL and SQLite ≥ 3.24 both write this way), because
    it runs on every search. Django's ``bulk_create(update_conflicts=…)`` can only overwrite the
    counters with the new values, not add to them."""
    values = [counts.get(name, 0) for name in _COUNTS]
    if not any(values):
        return
    table = connection.ops.quote_name(SearchQueryStat._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("query", "day", *_COUNTS))
    adds = ", ".join(
        f"{connection.ops.quote_name(c)} = {table}.{connection.ops.quote_name(c)} "
        f"+ excluded.{connection.ops.quote_name(c)}"
        for c in _COUNTS
    )
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s) "  # noqa: S608 - names from the model, values bound
        f'ON CONFLICT ("query", "day") DO UPDATE SET {adds}'
    )
    # A statistic: its commit need not wait for the disk. Without this, the search page spent
    # 3.5 ms of its 4.5 ms waiting for the WAL flush (docs/benchmarks.md, "Landing pages"). A
    # crash of the database may lose the last fraction of a second of counts; it never leaves
    # them half written. Only in a transaction of our own: inside the caller's, ``SET LOCAL``
    # would apply to the caller's writes too.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(sql, [query, day, *values])
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, day, *values])


def search_log(*, query: str, found: int, previous: str = "", day: dt.date | None = None) -> str:
    """Record one search of ``query`` that found ``found`` procedures; ``previous`` is the
    visit's last query when no result of it was opened (it was refined). Returns the cleaned
    query, which the caller keeps in the visit's cookie."""
    day = day or timezone.localdate()
    cleaned = search_query_clean(query)
    if not cleaned:
        return ""
    before = search_query_clean(previous)
    if before and before != cleaned:
        _bump(before, day, refined=1)
    _bump(cleaned, day, searches=1, empty=0 if found else 1)
    return cleaned


def search_log_opened(*, query: str, day: dt.date | None = None) -> None:
    """A result of ``query`` was opened from the list."""
    cleaned = search_query_clean(query)
    if cleaned:
        _bump(cleaned, day or timezone.localdate(), opened=1)


@dataclass(frozen=True)
class FailingQuery:
    query: str
    searches: int
    empty: int
    refined: int
    opened: int

    @property
    def left(self) -> int:
        """Searches after which the person neither opened a result nor searched again."""
        return max(0, self.searches - self.opened - self.refined)

    @property
    def failed(self) -> int:
        """Searches that did not help: nothing found, searched again, or left."""
        return max(self.empty, self.searches - self.opened)


def search_queries_failing(
    *, since: dt.date, until: dt.date | None = None, limit: int = 50
) -> list[FailingQuery]:
    """The queries that helped least over the days ``since``..``until``: most searches that
    found nothing, were refined or left, first (one query)."""
    rows = SearchQueryStat.objects.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    totals = (
        rows.values("query")
        .annotate(s=Sum("searches"), e=Sum("empty"), r=Sum("refined"), o=Sum("opened"))
        .filter(Q(e__gt=0) | Q(s__gt=F("o")))
        .order_by("-e", "-s", "query")
    )
    found = [
        FailingQuery(row["query"], row["s"] or 0, row["e"] or 0, row["r"] or 0, row["o"] or 0)
        for row in totals[: limit * 4]
    ]
    found.sort(key=lambda f: (-f.failed, -f.searches, f.query))
    return found[:limit]
