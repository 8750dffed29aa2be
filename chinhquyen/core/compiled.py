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
from collections.abc import Callable
from typing import Any

from django.db import connections, router
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
    obj._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    values = [f.pre_save(obj, True) for f in fields]
    compiled = None
    if not any(hasattr(v, "resolve_expression") for v in values):
        compiled = _insert_sql(model, fields, connection, obj)
    if compiled is None:
        obj._save_table(cls=model, force_insert=True, using=alias)
    else:
        sql, returning = compiled
        params = [
            f.get_db_prep_save(v, connection=connection)
            for f, v in zip(fields, values, strict=True)
        ]
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
