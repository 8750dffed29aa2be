"""The dossier code: the agency's daily counter, taken by one upsert, and
``DOSSIER_CODE_FORMAT``; the process's cache of procedure–agency links, which the counter's
upsert checks.

The upsert is hand-written SQL (docs/decisions/0006-raw-sql-on-hot-paths.md): the ORM has no
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` that gives the new number.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from chinhquyen.catalogue.models import Procedure
from chinhquyen.core.proccache import ModelRow, ProcessCache
from chinhquyen.units.models import Agency

from ..models import DossierCounter


def counter_sql(
    *, agency_id: int, day, link: dict | None = None, returning: str = "last"
) -> tuple[str, list[Any]]:
    """The upsert that takes the next number of the agency's daily counter (``counter_next``),
    returning ``returning`` (an expression of the new ``last``), and its parameters; with
    ``link``, guarded by the cached procedure–agency row (see ``counter_next``)."""
    table = DossierCounter._meta.db_table
    upsert = (
        f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING {returning}"
    )
    if link is None:
        sql = f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) {upsert}"  # noqa: S608
        return sql, [agency_id, day]
    through = Procedure.agencies.through._meta.db_table
    procedures = Procedure._meta.db_table
    agencies = Agency._meta.db_table
    same = "IS" if connection.vendor == "sqlite" else "IS NOT DISTINCT FROM"
    sql = (
        f"INSERT INTO {table} (agency_id, day, last) SELECT l.agency_id, %s, 1 "  # noqa: S608
        f"FROM {through} l JOIN {procedures} p ON p.id = l.procedure_id "
        f"JOIN {agencies} a ON a.id = l.agency_id "
        f"WHERE l.procedure_id = %s AND l.agency_id = %s AND p.code = %s "
        f"AND p.current_id {same} %s AND p.workflow_id {same} %s "
        f"AND a.agency_id = %s AND a.is_active {upsert}"
    )
    params = [
        day,
        link["procedure__id"],
        agency_id,
        link["procedure__code"],
        link["procedure__current_id"],
        link["procedure__workflow_id"],
        link["agency__agency_id"],
    ]
    return sql, params


def counter_next(*, agency_id: int, day, link: dict | None = None) -> int | None:
    """Atomically take the next number of the agency's daily counter.

    One upsert statement: concurrent submissions queue on the counter row, and because it runs
    inside the submitting transaction a rollback gives the number back, so numbers neither repeat
    nor skip.

    With ``link`` (a procedure–agency row from the process cache, ``_procedure_and_agency``) the
    same statement takes the number only if that row still holds: the link, the procedure's code,
    current version and workflow, the agency's id and that it is active. None, with nothing
    written, when something changed: the caller reads it all again.
    """
    sql, params = counter_sql(agency_id=agency_id, day=day, link=link)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


_SEQ_SPEC = re.compile(r"(?P<zero>0?)(?P<width>\d*)d?")


_code_formats: dict[str, tuple[str, str, str] | None] = {}


def _format_text(parts) -> str:
    """A format string again from ``string.Formatter().parse`` parts."""
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name)
            out.append(f"!{conversion}" if conversion else "")
            out.append(f":{spec}}}" if spec else "}")
    return "".join(out)


def _code_format_split(fmt: str) -> tuple[str, str, str] | None:
    """``DOSSIER_CODE_FORMAT`` as (the format before the number, its SQL, the format after):
    the SQL formats ``last`` as the format's ``{seq:…}`` does. None when the number's spec is
    not one SQL can follow (only ``d``, a width, a zero fill) or it is not there exactly once."""
    if fmt in _code_formats:
        return _code_formats[fmt]
    found = None
    parts = list(string.Formatter().parse(fmt))
    seqs = [i for i, part in enumerate(parts) if part[1] == "seq"]
    if len(seqs) == 1:
        at = seqs[0]
        literal, _name, spec, conversion = parts[at]
        match = _SEQ_SPEC.fullmatch(spec or "")
        if match and conversion is None:
            number = "last::text"
            if match["width"]:
                fill = "0" if match["zero"] else " "
                number = (
                    f"lpad({number}, greatest({int(match['width'])}, length({number})), '{fill}')"
                )
            before = _format_text([*parts[:at], (literal, None, None, None)])
            found = (before, number, _format_text(parts[at + 1 :]))
    _code_formats[fmt] = found
    return found


def code_sql(*, agency: Agency, day: date) -> tuple[str, list[str]] | None:
    """The code as an SQL expression of the counter's new ``last``, with its parameters: for a
    statement that takes the number and writes the code at once (the submission's, on
    PostgreSQL). None when SQL cannot follow the format's number (``_code_format_split``)."""
    split = _code_format_split(settings.DOSSIER_CODE_FORMAT)
    if split is None:
        return None
    before, number, after = split
    prefix = before.format(agency=agency.agency_id, date=day)
    suffix = after.format(agency=agency.agency_id, date=day)
    return f"%s || {number} || %s", [prefix, suffix]


def dossier_code_make(
    *, agency: Agency, at: datetime, link: dict | None = None, day: date | None = None
) -> str | None:
    """The next code of the agency's day (``day``: ``at``'s local day, when the caller has it).
    With ``link`` (a cached procedure–agency row) the number is taken only if that row still
    holds; None otherwise, with nothing written."""
    day = day or timezone.localtime(at).date()
    seq = counter_next(agency_id=agency.pk, day=day, link=link)
    if seq is None:
        return None
    return settings.DOSSIER_CODE_FORMAT.format(agency=agency.agency_id, date=day, seq=seq)


# The link rows read by recent submissions, per process: (procedure code, agency id) ->
# (row, the procedure and the agency as plain values, from which each submission builds
# instances of its own: ``ModelRow``). A submission that uses one takes its code number with a
# check that the row still holds (``counter_next``), so a change to what decides whether and how
# the dossier is received (the link, the current version, the workflow, the agency's activity)
# is seen at once; the agency's name and contact details may be up to LINKS_TTL seconds old.
LINKS_TTL = 60.0


_links: ProcessCache[tuple[dict, ModelRow[Procedure], ModelRow[Agency]]] = ProcessCache(
    "dossiers.links", max_entries=4096, ttl=LINKS_TTL
)
