"""Queries compiled once per database connection, for the few hottest reads.

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
from django.db.models import QuerySet

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
