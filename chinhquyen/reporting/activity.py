"""Which periods hold data: the latest day with activity and the period a reporting page opens
on when none is asked for, so that a page never opens on an empty month while an earlier one
has numbers (the demo's dossiers are this month's, its 2017 and 2019 scenarios years old).

"Activity" is what the indicators count: dossier events (the daily counters), documents on the
exchange axis (the registers) and feedback. The catalogue is not activity: it is in force on
every day, so a formula reading only the catalogue has data in every period.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db.models import Max, Min
from django.utils import timezone

from .models import COUNTER_FIELDS, DailyCounter
from .periods import Period, nd09_month_of

COUNTER_SOURCE = frozenset({*COUNTER_FIELDS, "procedures_online_used"})
# The answer is kept this long in the shared ``reporting`` cache: the registers and feedback
# have no index on their dates, and a default that lags a new month by minutes harms nobody.
CACHE_SECONDS = 5 * 60


def _sources(needed: set[str] | None) -> tuple[str, ...]:
    from chinhquyen.exchange.figures import EDOC_FACTS
    from chinhquyen.feedback.selectors import FEEDBACK_FACTS

    if needed is None:
        return ("counters",)
    found = []
    if needed & COUNTER_SOURCE:
        found.append("counters")
    if needed & set(EDOC_FACTS):
        found.append("edoc")
    if needed & set(FEEDBACK_FACTS):
        found.append("feedback")
    return tuple(found)


def _local_day(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value is not None else None


def _bounds(source: str, until: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of activity of one source, up to ``until``."""
    if source == "counters":
        found = DailyCounter.objects.filter(day__lte=until).aggregate(
            first=Min("day"), last=Max("day")
        )
        return found["first"], found["last"]
    tz = ZoneInfo(settings.TIME_ZONE)
    before = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if source == "edoc":
        from chinhquyen.exchange.models import RegisterEntry

        entries = RegisterEntry.objects.all()
        sent = entries.filter(sent_at__lt=before).aggregate(
            first=Min("sent_at"), last=Max("sent_at")
        )
        got = entries.filter(received_at__lt=before).aggregate(
            first=Min("received_at"), last=Max("received_at")
        )
        firsts = [d for d in (_local_day(sent["first"]), _local_day(got["first"])) if d]
        lasts = [d for d in (_local_day(sent["last"]), _local_day(got["last"])) if d]
        return min(firsts, default=None), max(lasts, default=None)
    from chinhquyen.feedback.models import Feedback

    found = Feedback.objects.filter(received_at__lt=before).aggregate(
        first=Min("received_at"), last=Max("received_at")
    )
    return _local_day(found["first"]), _local_day(found["last"])


def activity_span(*, needed: set[str] | None, until: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and the last day up to ``until`` on which something the formulas reading
    ``needed`` count happened (``needed`` None: dossier events), or None when nothing did."""
    sources = _sources(needed)
    if not sources:
        return None
    key = f"reporting:activity:{','.join(sources)}:{until.isoformat()}"
    cache = caches["reporting"]
    found = cache.get(key)
    if found is None:
        bounds = [_bounds(source, until) for source in sources]
        firsts = [first for first, _last in bounds if first]
        lasts = [last for _first, last in bounds if last]
        found = (min(firsts), max(lasts)) if firsts and lasts else ()
        cache.set(key, found, CACHE_SECONDS)
    return tuple(found) or None  # type: ignore[return-value]


def current_month(today: dt.date | None = None) -> Period:
    """The Decree 09 month under way (today is on or before its cut-off)."""
    return nd09_month_of(today or timezone.localdate())


def last_closed_month(today: dt.date | None = None) -> Period:
    """The last Decree 09 month whose cut-off has passed."""
    return nd09_month_of(current_month(today).start - dt.timedelta(days=1))


def default_period(*, needed: set[str] | None, unfinished: bool) -> Period:
    """The Decree 09 month a page opens on: the latest month with activity — the month under
    way when the reader may see a period that is not over (``unfinished``) and it has some,
    else the latest closed one with some —, or the last closed month when nothing happened."""
    limit = current_month() if unfinished else last_closed_month()
    span = activity_span(needed=needed, until=limit.end)
    if span is None:
        return last_closed_month()
    return nd09_month_of(span[1])


def year_range() -> list[int]:
    """The years a period chooser offers, newest first: from the first year with any activity
    (or five years back) to the year of the Decree 09 month under way."""
    from chinhquyen.exchange.figures import EDOC_FACTS
    from chinhquyen.feedback.selectors import FEEDBACK_FACTS

    current = current_month()
    every = {*COUNTER_SOURCE, *EDOC_FACTS, *FEEDBACK_FACTS}
    span = activity_span(needed=every, until=current.end)
    first = current.end.year - 5
    if span is not None:
        first = min(first, span[0].year)
    return list(range(current.end.year, max(first, 2000) - 1, -1))
