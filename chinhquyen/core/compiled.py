"""Queries compiled once per database connection, for the few hottest reads and inserts.

Django compiles a queryset to SQL on every evaluation; for a three-join lookup that compilation
costs more CPU than running the query. A `CompiledQuery` builds its queryset once per connection
with placeholder values, keeps the SQL, the parameter positions and the backend's converters, and
then only binds the real values. The SQL is still the ORM's own; nothing is hand-written.

    _link = CompiledQuery(lambda code: Model.objects.filter(code=code).values("a", "b__c")[:1])
    row = _link.first(code)  # {"a": ..., "b__c": ...} or None
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save, pre_save
from django.db.models.sql.subqueries import InsertQuery

_counter = iter(range(1, 1 << 62))
_counter_lock = threading.Lock()


class _Slot(str):
    """A placeholder parameter, recognised by identity when the compiled parameters are bound."""

    __slots__ = ()


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        with _counter_lock:
            self._attr = f"_chinhquyen_compiled_{next(_counter)}"

    def _compiled(self, alias: str, arity: int):
        connection = connections[alias]
        cached = getattr(connection, self._attr, None)
        if cached is None:
            slots = [_Slot(f"\x00slot{i}\x00") for i in range(arity)]
            qs = self._build(*slots).using(alias)
            if qs._fields is None:  # pragma: no cover - a programming error
                raise TypeError("CompiledQuery needs a values() queryset")
            compiler = qs.query.get_compiler(alias)
            sql, params = compiler.as_sql()
            params = list(params)
            positions = []
            for slot in slots:
                where = [i for i, p in enumerate(params) if p is slot or p == slot]
                if len(where) != 1:  # pragma: no cover - guards a Django change
                    raise RuntimeError("each argument must appear exactly once in the query")
                positions.append(where[0])
            names = [*qs.query.extra_select, *qs.query.values_select, *qs.query.annotation_select]
            converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
            cached = (sql, params, positions, names, compiler, converters)
            setattr(connection, self._attr, cached)
        return cached

    def first(self, *args: Any, model=None) -> dict[str, Any] | None:
        """The first row as a dict keyed like values(), or None."""
        alias = router.db_for_read(model) if model is not None else "default"
        sql, params, positions, names, compiler, converters = self._compiled(alias, len(args))
        bound = [*params]
        for at, value in zip(positions, args, strict=True):
            bound[at] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, bound)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return dict(zip(names, row, strict=True))


# --- inserts ---------------------------------------------------------------------------------

_INSERTS = "_chinhquyen_compiled_inserts"


def _insert_sql(model, fields, connection, obj) -> tuple[str, bool] | None:
    """The ORM's INSERT for ``fields`` of ``model`` (with RETURNING the pk where the database
    can), compiled once per connection; None when it does not have one plain placeholder per
    field (a backend or field that builds its own SQL), and the caller then saves normally."""
    cache = connection.__dict__.setdefault(_INSERTS, {})
    key = model  # the fields are always the model's own concrete fields but the auto pk
    if key not in cache:
        meta = model._meta
        query = InsertQuery(model)
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(connection=connection)
        returning = connection.features.can_return_columns_from_insert
        compiler.returning_fields = [meta.pk] if returning else None
        [(sql, params)] = compiler.as_sql()
        plain = len(params) == len(fields) and sql.count("%s") == len(fields)
        cache[key] = (sql, returning) if plain else None
    return cache[key]


_FIELDS: dict[type[Model], tuple[list, list]] = {}


def _insert_fields(model) -> tuple[list, list]:
    """The fields an INSERT of ``model`` writes (its own concrete fields but the auto pk), and
    those of them that are relations; a model's fields are fixed once the apps are loaded."""
    found = _FIELDS.get(model)
    if found is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        found = _FIELDS[model] = (fields, [f for f in fields if f.is_relation])
    return found


def insert_new(obj: Model, *, using: str | None = None) -> Model:
    """``obj.save(force_insert=True)`` for a new row of a plain model, with the INSERT compiled
    once per connection: the same defaults, ``pre_save`` (``auto_now_add``), value preparation
    and ``pre_save``/``post_save`` signals, the pk set from ``RETURNING``. Django otherwise
    rebuilds the statement on every save, which on the submission's path cost more CPU than
    PostgreSQL spent running it. Only for models whose ``save()`` adds nothing to an insert;
    anything unusual (a pk already set, multi-table inheritance, database-side defaults, an
    expression as a value) goes through the normal ``save``."""
    model = type(obj)
    meta = model._meta
    alias = using or router.db_for_write(model, instance=obj)
    if (
        obj.pk is not None
        or meta.parents
        or meta.auto_field is None
        or meta.db_returning_fields != [meta.pk]
    ):
        obj.save(force_insert=True, using=alias)
        return obj
    connection = connections[alias]
    batch = _batch_of(connection)
    fields, relations = _insert_fields(model)
    # A foreign key to a row still waiting in the write batch is bound to its RETURNING id
    # inside the batch's statement (its value here is None); Django's own check covers every
    # other relation.
    pending = batch.pending_relations(obj, relations) if batch is not None else {}
    obj._prepare_related_fields_for_save(
        operation_name="save",
        fields=set(meta.concrete_fields).difference(pending) if pending else None,
    )
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    values = [f.pre_save(obj, True) for f in fields]
    compiled = None
    if not any(hasattr(v, "resolve_expression") for v in values):
        compiled = _insert_sql(model, fields, connection, obj)
    if compiled is None:
        if pending:  # pragma: no cover - only plain models go through a batch
            batch.flush()
            obj._prepare_related_fields_for_save(operation_name="save")
        obj._save_table(cls=model, force_insert=True, using=alias)
    else:
        sql, returning = compiled
        params = [
            f.get_db_prep_save(v, connection=connection)
            for f, v in zip(fields, values, strict=True)
        ]
        if batch is not None and returning:
            batch.add_insert(obj, sql, params, fields, pending)
            return obj  # the pk, _state and post_save follow when the batch is sent
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if returning:
                pk = cursor.fetchone()[0]
            else:
                pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = alias
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
    )
    return obj


# --- write batches ---------------------------------------------------------------------------

_BATCH = "_chinhquyen_write_batch"


def _batch_of(connection) -> WriteBatch | None:
    return connection.__dict__.get(_BATCH)


class WriteBatch:
    """Inserts and upserts queued on a PostgreSQL connection and sent as one statement.

    Each queued write becomes one data-modifying ``WITH`` query; a foreign key to a row queued
    before it is bound to that row's ``RETURNING`` id. The queue is sent (flushed) before any
    other statement runs on the connection, so every read, savepoint and lock still sees the
    writes before it, in order; and before a second write to the same table, so that no statement
    ever touches one row twice. It is also an execute wrapper, which is how it sees the other
    statements coming.
    """

    def __init__(self, connection) -> None:
        self.connection = connection
        self.items: list[tuple[str, str, list[Any], Model | None, dict]] = []
        self.tables: set[str] = set()
        self.flushing = False

    # an execute wrapper: flush before anything else runs
    def __call__(self, execute, sql, params, many, context):
        if self.items and not self.flushing:
            if sql.startswith("ROLLBACK TO SAVEPOINT"):
                # Everything queued came after the last statement sent, so after the savepoint
                # this rolls back to: it is undone without being sent (the transaction may be
                # in error, which is often why it rolls back).
                self.items, self.tables = [], set()
            else:
                self.flush()
        return execute(sql, params, many, context)

    def pending_relations(self, obj: Model, relations) -> dict:
        """{field: queued object} for the foreign keys of ``obj`` that point at queued rows."""
        found = {}
        for field in relations:
            if field.is_cached(obj):
                target = field.get_cached_value(obj)
                if target is not None and target.pk is None and self.holds(target):
                    found[field] = target
        return found

    def holds(self, obj: Model) -> bool:
        return any(item[3] is obj for item in self.items)

    def add_insert(self, obj: Model, sql: str, params: list[Any], fields, pending: dict) -> None:
        table = obj._meta.db_table
        if table in self.tables:
            # A second row of a table already queued: the queue goes first, and this row's
            # references are then real ids.
            self.flush()
            for field, target in pending.items():
                setattr(obj, field.attname, target.pk)
                at = fields.index(field)
                params[at] = field.get_db_prep_save(target.pk, connection=self.connection)
            pending = {}
        self.tables.add(table)
        refs = {fields.index(f): (f.attname, target) for f, target in pending.items()}
        self.items.append((table, sql, params, obj, refs))

    def add(self, sql: str, params: list[Any], *, table: str) -> None:
        """A statement without result (an upsert), queued like an insert."""
        if table in self.tables:
            self.flush()
        self.tables.add(table)
        self.items.append((table, sql, list(params), None, {}))

    def _statement(self, items) -> tuple[str, list[Any]]:
        if len(items) == 1:
            return items[0][1], items[0][2]
        names = {id(item[3]): f"w{i}" for i, item in enumerate(items) if item[3] is not None}
        parts, params, selects = [], [], []
        for i, (_table, sql, item_params, obj, refs) in enumerate(items):
            if refs:  # the placeholder of each reference becomes a sub-select of its row's id
                pieces = sql.split("%s")
                out, bound = [pieces[0]], []
                for at, piece in enumerate(pieces[1:]):
                    if at in refs:
                        target = refs[at][1]
                        ref = f'(SELECT "{target._meta.pk.column}" FROM {names[id(target)]})'  # noqa: S608
                        out.append(ref)
                    else:
                        out.append("%s")
                        bound.append(item_params[at])
                    out.append(piece)
                sql, item_params = "".join(out), bound
            parts.append(f"w{i} AS ({sql})")
            params.extend(item_params)
            if obj is not None:
                selects.append(f'(SELECT "{obj._meta.pk.column}" FROM w{i})')  # noqa: S608
        return f"WITH {', '.join(parts)} SELECT {', '.join(selects) or '1'}", params

    def flush(self) -> None:
        """Send the queue as one statement; set the queued objects' ids and send their
        ``post_save``."""
        items, self.items, self.tables = self.items, [], set()
        if not items:
            return
        statement, params = self._statement(items)
        objects = [item for item in items if item[3] is not None]
        self.flushing = True
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(statement, params)
                row = cursor.fetchone() if objects else ()
        finally:
            self.flushing = False
        alias = self.connection.alias
        for (_table, _sql, _params, obj, refs), pk in zip(objects, row, strict=True):
            setattr(obj, obj._meta.pk.attname, pk)
            for attname, target in refs.values():
                setattr(obj, attname, target.pk)
            obj._state.adding = False
            obj._state.db = alias
            post_save.send(
                sender=type(obj),
                instance=obj,
                created=True,
                update_fields=None,
                raw=False,
                using=alias,
            )


def write_batching(connection) -> bool:
    """Whether writes on this connection can be batched: PostgreSQL (data-modifying ``WITH``),
    unless ``DATABASE_WRITE_BATCH`` is off."""
    return connection.vendor == "postgresql" and getattr(settings, "DATABASE_WRITE_BATCH", True)


@contextmanager
def write_batch(using: str = DEFAULT_DB_ALIAS) -> Iterator[WriteBatch | None]:
    """A transaction in which ``insert_new`` and ``write_later`` queue their writes and send
    them together, as one statement, when something else is about to run or at the end of the
    block. Inside the block a queued object has no pk yet: code that needs it must come after
    the block (or run a query, which sends the queue first). A nested block joins the outer one.
    On an exception the queue is dropped, and the transaction is rolled back as by ``atomic``.
    Elsewhere than on PostgreSQL it is just ``atomic(savepoint=False)``."""
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        if _batch_of(connection) is not None or not write_batching(connection):
            yield _batch_of(connection)
            return
        batch = WriteBatch(connection)
        connection.__dict__[_BATCH] = batch
        try:
            with connection.execute_wrapper(batch):
                yield batch
                batch.flush()
        finally:
            connection.__dict__.pop(_BATCH, None)


def write_later(sql: str, params: list[Any], *, table: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run a statement without result (an INSERT … ON CONFLICT upsert, say) now, or, inside a
    ``write_batch``, with the batch. ``table``: the table it writes."""
    connection = connections[using]
    batch = _batch_of(connection)
    if batch is not None:
        batch.add(sql, params, table=table)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
