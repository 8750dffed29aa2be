"""Queries compiled once per database connection, for the few hottest reads and inserts.

Django compiles a queryset to SQL on every evaluation; for a three-join lookup that compilation
costs more CPU than running the query. A `CompiledQuery` builds its queryset once per connection
with placeholder values, keeps the SQL, the parameter positions and the backend's converters, and
then only binds the real values. The SQL is still the ORM's own; nothing is hand-written.

    _link = CompiledQuery(lambda code: Model.objects.filter(code=code).values("a", "b__c")[:1])
    row = _link.first(code)  # {"a": ..., "b__c": ...} or None
"""

from __future__ import annotations

import json
import operator
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DataError, connections, models, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.db.models.sql.subqueries import InsertQuery

from chinhquyen.core import jsontext

try:
    from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
    from django.db.backends.postgresql.operations import get_json_dumps
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Jsonb
except ImportError:  # pragma: no cover - SQLite-only installs
    PostgresOperations = TransactionStatus = None

    class Jsonb:  # type: ignore[no-redef]
        obj: Any
        dumps: Any


M = TypeVar("M", bound=Model)

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


_FIELDS: dict[tuple[type[Model], str], _InsertFields] = {}

# Fields whose value preparation leaves a value of this exact type (or None) as it is: these
# classes exactly (a subclass may prepare differently).
_PLAIN_TYPES = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.BooleanField: bool,
}
_AUTO_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INTEGER_FIELDS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


def _fast_prep(field, connection) -> tuple[type, Callable[[Any], Any] | None] | None:
    """``(kind, convert)`` when Django's preparation of a value of exactly type ``kind`` for
    ``field`` gives ``convert(value)`` (``None``: the value as it is), or None when it may do
    more. Value preparation is most of an insert's Python on the submission's path."""
    kind = type(field)
    ops = type(connection.ops)
    if kind in _PLAIN_TYPES:
        return _PLAIN_TYPES[kind], None
    if (
        kind is models.ForeignKey
        and type(field.target_field) in _AUTO_FIELDS
        and ops.validate_autopk_value is BaseDatabaseOperations.validate_autopk_value
    ):
        # an auto primary key prepares an int as it is (AutoFieldMixin.get_db_prep_value)
        return int, None
    if kind in _INTEGER_FIELDS:
        if ops.adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value:
            return int, None
        if (
            PostgresOperations is not None
            and ops.adapt_integerfield_value is PostgresOperations.adapt_integerfield_value
        ):
            # psycopg's sized integer type for the column, which keeps the prepared
            # statements' parameter types
            return int, connection.ops.integerfield_type_map[field.get_internal_type()]
    if PostgresOperations is not None and isinstance(connection.ops, PostgresOperations):
        if (
            kind is models.DateTimeField
            and ops.adapt_datetimefield_value is PostgresOperations.adapt_datetimefield_value
        ):
            # psycopg takes the datetime as it is; only a naive one is prepared (made aware,
            # with Django's warning)
            return (
                datetime,
                lambda value: (
                    value if value.utcoffset() is not None else field.get_prep_value(value)
                ),
            )
        if (
            kind is models.JSONField
            and ops.adapt_json_value is PostgresOperations.adapt_json_value
            and type(field).get_prep_value is models.Field.get_prep_value
        ):
            dumps = get_json_dumps(field.encoder)
            return dict, lambda value: Jsonb(value, dumps=dumps)
    return None


def _plain_pre_save(field) -> bool:
    """Whether ``field.pre_save(obj, True)`` is just the attribute's value."""
    method = type(field).pre_save
    if method is models.Field.pre_save:
        return True
    return method in (models.DateField.pre_save, models.DateTimeField.pre_save) and not (
        field.auto_now or field.auto_now_add
    )


class _InsertFields:
    """What an INSERT of a model writes (its own concrete fields but the auto pk): the fields,
    those of them that are relations, each one's ``_fast_prep`` or None, and ``read(obj)``, their
    ``pre_save`` values. A model's fields are fixed once the apps are loaded."""

    __slots__ = ("fields", "relations", "fast", "_get", "_special")

    def __init__(self, model, connection) -> None:
        meta = model._meta
        self.fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        self.relations = [f for f in self.fields if f.is_relation]
        self.fast = [_fast_prep(f, connection) for f in self.fields]
        # Every value read at once (a C attrgetter); the few fields whose pre_save does more
        # than read the attribute (auto_now_add, files) are then asked one by one.
        names = [f.attname for f in self.fields]
        self._get = operator.attrgetter(*names) if len(names) > 1 else None
        self._special = [(i, f) for i, f in enumerate(self.fields) if not _plain_pre_save(f)]

    def read(self, obj: Model) -> list[Any]:
        if self._get is None:
            return [f.pre_save(obj, True) for f in self.fields]
        values = list(self._get(obj))
        for at, field in self._special:
            values[at] = field.pre_save(obj, True)
        return values


def _insert_fields(model, connection) -> _InsertFields:
    key = (model, connection.vendor)
    found = _FIELDS.get(key)
    if found is None:
        found = _FIELDS[key] = _InsertFields(model, connection)
    return found


def _django_relations_check(obj: Model, pending: dict) -> None:
    """Django's own check of ``obj``'s relations before a save, but for those in ``pending``
    (rows queued in the write batch, bound to their ids inside its statement)."""
    obj._prepare_related_fields_for_save(
        operation_name="save",
        fields=set(obj._meta.concrete_fields).difference(pending) if pending else None,
    )


def _relations_check(obj: Model, relations: list, pending: dict) -> None:
    """``obj._prepare_related_fields_for_save("save")`` for a model whose relations are plain
    foreign keys (``relations``), but for those in ``pending`` (rows queued in the write batch):
    the same checks, over the relations only. An unsaved related object, which Django refuses,
    is left to Django's own method, which raises its error."""
    cache = obj._state.fields_cache
    for field in relations:
        if field in pending or field.name not in cache:  # nothing assigned
            continue
        target = cache[field.name]
        if not target:
            continue
        if target.pk is None:
            _django_relations_check(obj, pending)
            raise AssertionError("unreachable: Django refuses an unsaved related object")
        if getattr(obj, field.attname) in field.empty_values:
            setattr(obj, field.name, target)
        if getattr(target, field.target_field.attname) != getattr(obj, field.attname):
            field.delete_cached_value(obj)


_NEW: dict[type[Model], tuple[list, list[str] | None] | None] = {}
# the descriptors of the attributes Model.__init__ sets, which a new instance's __dict__ can take
# as they are: a plain field's (no __set__), a foreign key's id (its __set__ only drops a cached
# object, which a new instance does not have)
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _new_fields(model: type[Model]) -> tuple[list, list[str] | None] | None:
    """``model``'s concrete fields, in order, when ``instance_new`` can build it positionally
    (every field a column of the model's own table, relations plain foreign keys), and their
    attribute names when it can also skip ``Model.__init__`` (the model does not override it and
    its attributes are the fields' own)."""
    if model not in _NEW:
        meta = model._meta
        fields = list(meta.concrete_fields)
        simple = (
            not meta.parents
            and fields == list(meta.fields)  # no field without a column of its own
            and all(
                not getattr(f, "generated", False)
                and (not f.is_relation or type(f) is models.ForeignKey)
                for f in fields
            )
        )
        direct = model.__init__ is Model.__init__ and all(
            type(model.__dict__.get(f.attname)) in _PLAIN_ATTRIBUTES for f in fields
        )
        _NEW[model] = (fields, [f.attname for f in fields] if direct else None) if simple else None
    return _NEW[model]


def instance_new(model: type[M], **values: Any) -> M:
    """``model(**values)`` for a new row, built as Django builds the rows it reads: every
    field's value given in order. ``Model.__init__`` with keywords looks each field up by name
    and defaults the missing ones through a caught ``KeyError``; for a dossier that was two
    thirds of the 27 µs it took. A foreign key given as an object (by the field's name) is set
    as its descriptor would: the id taken from the object, the object cached on the instance.
    Models this cannot build (inheritance, other relations) are built with keywords."""
    found = _new_fields(model)
    if found is None:
        return model(**values)
    fields, attnames = found
    args: list[Any] = []
    related = []
    for field in fields:
        if field.is_relation and field.name in values:
            target = values.pop(field.name)
            if target is not None and not isinstance(target, field.remote_field.model):
                raise ValueError(
                    f'Cannot assign "{target!r}": "{model.__name__}.{field.name}" must be a '
                    f'"{field.remote_field.model._meta.object_name}" instance.'
                )
            args.append(None if target is None else getattr(target, field.target_field.attname))
            related.append((field, target))
        elif field.attname in values:
            args.append(values.pop(field.attname))
        else:
            args.append(field.get_default())
    if values:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(values)}")
    if attnames is not None and not pre_init.receivers and not post_init.receivers:
        # What Model.__init__ does with one value per field and no signal receivers, without
        # its checks and a setattr per field: a third of the time for a dossier.
        obj = model.__new__(model)
        obj._state = ModelState()
        obj.__dict__.update(zip(attnames, args, strict=True))
    else:
        obj = model(*args)
    for field, target in related:
        field.set_cached_value(obj, target)
    return obj


def instance_copy(instance: M) -> M:
    """A new instance holding ``instance``'s field values, saved like it (``_state.adding``
    false, the same database) and with a state of its own (no cached relations): what
    ``from_db`` builds from the row ``instance`` was built from, in a fifth of the time."""
    copy = instance.__class__.__new__(instance.__class__)
    copy.__dict__.update(instance.__dict__)
    copy._state = ModelState()
    copy._state.adding, copy._state.db = False, instance._state.db
    return copy


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
    plan = _insert_fields(model, connection)
    fields, relations, fast = plan.fields, plan.relations, plan.fast
    # A foreign key to a row still waiting in the write batch is bound to its RETURNING id
    # inside the batch's statement (its value here is None); Django's own check covers every
    # other relation.
    pending = batch.pending_relations(obj, relations) if batch is not None else {}
    if meta.private_fields:  # pragma: no cover - generic relations: Django checks them too
        _django_relations_check(obj, pending)
    else:
        _relations_check(obj, relations, pending)
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    values = plan.read(obj)
    compiled = None
    if not any(hasattr(v, "resolve_expression") for v in values):
        compiled = _insert_sql(model, fields, connection, obj)
    if compiled is None:
        if any(type(v) is SqlParam for v in values):  # pragma: no cover - a programming error
            raise TypeError("a SqlParam value needs a plain model in a write batch")
        if pending:  # pragma: no cover - only plain models go through a batch
            batch.flush()
            obj._prepare_related_fields_for_save(operation_name="save")
        obj._save_table(cls=model, force_insert=True, using=alias)
    else:
        sql, returning = compiled
        params = []
        for f, v, prep in zip(fields, values, fast, strict=True):
            if v is None and prep is not None or type(v) is SqlParam:
                params.append(v)  # what preparing it would give
            elif prep is not None and type(v) is prep[0]:
                params.append(v if prep[1] is None else prep[1](v))
            else:
                params.append(f.get_db_prep_save(v, connection=connection))
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


class BatchValueMissing(Exception):
    """A value of a write batch (``WriteBatch.value``) was not produced: its query returned no
    row (a check in it failed). The batch's statement failed with it and wrote nothing, and the
    transaction is lost; whoever opened the outermost block may run it again."""


class SqlParam:
    """A parameter written as SQL in a write batch's statement: ``sql``, with its own ``%s``
    ``params``, takes the place of one ``%s``. ``python(resolve)`` gives the same value in Python
    once the batch's values are known (``resolve`` replaces their tokens in a string); it becomes
    the attribute of the queued object that held the parameter."""

    __slots__ = ("sql", "params", "python")

    def __init__(self, sql: str, params: list[Any], python: Callable[[Callable], Any]) -> None:
        self.sql, self.params, self.python = sql, params, python


_MAY_HOLD_VALUES = frozenset({str, Jsonb, SqlParam})
_TOKEN = "cqv"  # noqa: S105 - how every value's token starts (WriteBatch.value), no secret
_PIECES: dict[str, list[str]] = {}


def _pieces(sql: str) -> list[str]:
    """``sql`` split at its placeholders (the batch's few statements, split once)."""
    found = _PIECES.get(sql)
    if found is None:
        if len(_PIECES) > 1024:  # pragma: no cover - bounded, whatever the statements
            _PIECES.clear()
        found = _PIECES[sql] = sql.split("%s")
    return found


class _Item:
    __slots__ = ("table", "sql", "params", "obj", "refs", "fields")

    def __init__(self, table, sql, params, obj=None, refs=None, fields=None):
        self.table, self.sql, self.params, self.obj = table, sql, params, obj
        self.refs, self.fields = refs or {}, fields


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


_INERT = frozenset({int, float, bool, type(None)})


def _resolved(batch: WriteBatch, value: Any) -> Any:
    """``batch.resolve(value)``, without the call for what cannot hold a token (most of a JSON
    document's members)."""
    kind = type(value)
    if kind in _INERT or (kind is str and _TOKEN not in value):
        return value
    return batch.resolve(value)


class WriteBatch:
    """Inserts and upserts queued on a PostgreSQL connection and sent as one statement.

    Each queued write becomes one data-modifying ``WITH`` query; a foreign key to a row queued
    before it is bound to that row's ``RETURNING`` id. The queue is sent (flushed) before any
    other statement runs on the connection, so every read, savepoint and lock still sees the
    writes before it, in order; and before a second write to the same table, so that no statement
    ever touches one row twice. It is also an execute wrapper, which is how it sees the other
    statements coming.

    A batch that is its own transaction (``outermost``) can also hold *values*: a query whose one
    result (the next number of a counter, say) the later writes use. Until the batch is sent,
    Python holds a random token in its place, in any string, JSON parameter or ``SqlParam``;
    the statement puts the value there, and afterwards the queued objects' attributes and
    ``resolve()`` give the real value. If nothing was sent in the transaction before the last
    flush, that flush runs in autocommit: PostgreSQL runs one statement as its own transaction,
    which saves the BEGIN and COMMIT round trips. The rows are then committed with the statement,
    so the queued objects' ``post_save`` receivers run after the commit (the project has none;
    like ``on_commit`` hooks, they must not fail).
    """

    def __init__(self, connection, *, outermost: bool = False) -> None:
        self.connection = connection
        self.outermost = outermost
        self.items: list[_Item] = []
        self.tables: set[str] = set()
        self.flushing = False
        self.pending: dict[
            str, tuple[int, Callable[[], None] | None]
        ] = {}  # token -> (item, on_missing)
        self.resolved: dict[str, str] = {}

    # an execute wrapper: flush before anything else runs
    def __call__(self, execute, sql, params, many, context):
        if self.items and not self.flushing:
            if sql.startswith("ROLLBACK TO SAVEPOINT"):
                # Everything queued came after the last statement sent, so after the savepoint
                # this rolls back to: it is undone without being sent (the transaction may be
                # in error, which is often why it rolls back).
                self.items, self.tables, self.pending = [], set(), {}
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
        return any(item.obj is obj for item in self.items)

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
        self.items.append(_Item(table, sql, params, obj, refs, fields))

    def add(self, sql: str, params: list[Any], *, table: str) -> None:
        """A statement without result (an upsert), queued like an insert."""
        if table in self.tables:
            self.flush()
        self.tables.add(table)
        self.items.append(_Item(table, sql, list(params)))

    def value(
        self,
        sql: str,
        params: list[Any],
        *,
        table: str,
        on_missing: Callable[[], None] | None = None,
    ) -> str | None:
        """Queue ``sql``, a query (a data-modifying one, typically ``… RETURNING … AS v``) that
        gives one row with one text column ``v``, and return the token that stands for ``v``
        until the batch is sent; None when this batch cannot hold values (it is not its own
        transaction), and the caller then runs the query itself. ``table``: the table it writes.
        The value must be usable as it is inside a JSON string (no quote, backslash or control
        character). If the query gives no row, the statement fails and ``BatchValueMissing`` is
        raised, after ``on_missing()``."""
        if not self.outermost:
            return None
        if table in self.tables:
            self.flush()
        self.tables.add(table)
        token = f"{_TOKEN}{secrets.token_hex(10)}"
        self.pending[token] = (len(self.items), on_missing)
        self.items.append(_Item(table, sql, list(params)))
        return token

    def holds_value(self, text: str) -> bool:
        """Whether ``text`` holds the token of a value not sent yet."""
        return any(token in text for token in self.pending)

    def resolve(self, value: Any) -> Any:
        """``value`` (a string, a ``SqlParam``, JSON data) with the tokens of the values sent so
        far replaced by the values."""
        if not self.resolved:
            return value
        kind = type(value)
        if kind is str:
            if _TOKEN in value:
                for token, real in self.resolved.items():
                    if token in value:
                        value = value.replace(token, real)
            return value
        if kind is SqlParam:
            return value.python(self.resolve)
        if kind is dict:
            return {_resolved(self, k): _resolved(self, v) for k, v in value.items()}
        if kind is list or kind is tuple:
            return kind(_resolved(self, v) for v in value)
        return value

    def _bind(self, param: Any, names: dict[str, str]) -> tuple[str, list[Any], bool]:
        """The SQL and parameters in place of one ``%s`` when the batch has values; whether
        the parameter held a token (or was a SqlParam)."""
        kind = type(param)
        if kind is SqlParam:
            pieces = _pieces(param.sql)
            out, bound = [pieces[0]], []
            for inner, piece in zip(param.params, pieces[1:], strict=True):
                sql, more, _ = self._bind(inner, names)
                out.append(sql)
                out.append(piece)
                bound.extend(more)
            return f"({''.join(out)})", bound, True
        text, cast = None, ""
        if kind is str:
            text = param
        elif kind is Jsonb:
            if param.dumps is None or param.dumps is json.dumps:
                # a JSONField without an encoder of its own, read by PostgreSQL as jsonb:
                # orjson's spelling will do (core/jsontext.py)
                text = jsontext.dumps_str(param.obj)
            else:
                text = param.dumps(param.obj)
            cast = "::jsonb"
        if text is None:
            return "%s", [param], False
        found = False
        for token, real in self.resolved.items():
            if token in text:
                text, found = text.replace(token, real), True
        sql, bound = "%s", [text]
        for token in self.pending:
            if token in text:
                # the token as a parameter: the statement's text stays the same from one batch
                # to the next, so psycopg prepares it once
                sql, found = f"replace({sql}, %s, {names[token]})", True
                bound.append(token)
        return sql + cast, bound, found

    def _statement(self, items: list[_Item]) -> tuple[str, list[Any], list[tuple]]:
        """The statement, its parameters, and (object, attname, value) of the attributes that
        held tokens."""
        valued = bool(self.pending or self.resolved)
        if len(items) == 1 and not valued:
            return items[0].sql, items[0].params, []
        names = {id(item.obj): f"w{i}" for i, item in enumerate(items) if item.obj is not None}
        values = {}
        for token, (at, _on_missing) in self.pending.items():
            # max()/HAVING: one row gives its value, none fails the statement (division by zero)
            values[token] = f"(SELECT max(v) FROM w{at} HAVING 1 / count(*) = 1)"  # noqa: S608
        parts, params, selects, fixups = [], [], [], []
        for i, item in enumerate(items):
            sql, item_params = item.sql, item.params
            if item.refs or valued:
                pieces = _pieces(sql)
                out, bound = [pieces[0]], []
                refs = item.refs
                for at, piece in enumerate(pieces[1:]):
                    param = item_params[at]
                    kind = type(param)
                    if kind is str and _TOKEN not in param and at not in refs:
                        # no value's token in it: as it is (most of a dossier's parameters)
                        out.append("%s")
                        bound.append(param)
                    elif at in refs:  # the placeholder becomes a sub-select of its row's id
                        target = refs[at][1]
                        ref = f'(SELECT "{target._meta.pk.column}" FROM {names[id(target)]})'  # noqa: S608
                        out.append(ref)
                    elif valued and kind in _MAY_HOLD_VALUES:
                        one, more, held = self._bind(param, values)
                        out.append(one)
                        bound.extend(more)
                        if held and item.obj is not None:
                            kept = param.obj if type(param) is Jsonb else param
                            fixups.append((item.obj, item.fields[at].attname, kept))
                    else:
                        out.append("%s")
                        bound.append(param)
                    out.append(piece)
                sql, item_params = "".join(out), bound
            parts.append(f"w{i} AS ({sql})")
            params.extend(item_params)
            if item.obj is not None:
                selects.append(f'(SELECT "{item.obj._meta.pk.column}" FROM w{i})')  # noqa: S608
        selects.extend(values.values())
        statement = f"WITH {', '.join(parts)} SELECT {', '.join(selects) or '1'}"
        return statement, params, fixups

    def _idle(self) -> bool:
        """Whether nothing has been sent in the current transaction yet (psycopg 3)."""
        info = getattr(self.connection.connection, "info", None)
        status = getattr(info, "transaction_status", None)
        return TransactionStatus is not None and status == TransactionStatus.IDLE

    def flush(self, *, last: bool = False) -> None:
        """Send the queue as one statement; set the queued objects' ids (and the attributes that
        held values) and send their ``post_save``. ``last``: the block ends after it."""
        items, self.items, self.tables = self.items, [], set()
        if not items:
            return
        statement, params, fixups = self._statement(items)
        objects = [item for item in items if item.obj is not None]
        raw = self.connection.connection
        autocommit = last and self.outermost and self._idle()
        self.flushing = True
        try:
            if autocommit:
                # The whole transaction is this one statement: PostgreSQL runs it as its own.
                # The COMMIT that ``atomic`` then asks psycopg for has nothing to do.
                raw.autocommit = True
            with self.connection.cursor() as cursor:
                cursor.execute(statement, params)
                row = cursor.fetchone() if objects or self.pending else ()
        except DataError as exc:
            if self.pending and _sqlstate(exc) == "22012":
                for _at, on_missing in self.pending.values():
                    if on_missing is not None:
                        on_missing()
                raise BatchValueMissing("a write batch's value query gave no row") from exc
            raise
        finally:
            if autocommit and not raw.closed:
                raw.autocommit = False
            self.flushing = False
            pending, self.pending = self.pending, {}
        if pending:
            self.resolved.update(zip(pending, row[len(objects) :], strict=True))
        for obj, attname, value in fixups:
            setattr(obj, attname, self.resolve(value))
        alias = self.connection.alias
        for item, pk in zip(objects, row[: len(objects)], strict=True):
            obj = item.obj
            setattr(obj, obj._meta.pk.attname, pk)
            for attname, target in item.refs.values():
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


def current_batch(using: str = DEFAULT_DB_ALIAS) -> WriteBatch | None:
    """The write batch open on the connection, if any."""
    return _batch_of(connections[using])


@contextmanager
def write_batch(
    using: str = DEFAULT_DB_ALIAS, *, savepoint: bool = False
) -> Iterator[WriteBatch | None]:
    """A transaction in which ``insert_new`` and ``write_later`` queue their writes and send
    them together, as one statement, when something else is about to run or at the end of the
    block. Inside the block a queued object has no pk yet: code that needs it must come after
    the block (or run a query, which sends the queue first). A nested block joins the outer one.
    On an exception the queue is dropped, and the transaction is rolled back as by ``atomic``.
    Elsewhere than on PostgreSQL it is just ``atomic(savepoint=savepoint)``.

    When the block is the outermost ``atomic``, the batch can hold values (``WriteBatch.value``)
    and, if nothing else was sent, its one statement runs in autocommit (see ``WriteBatch``).
    ``savepoint``: inside a transaction, as ``atomic()`` with a savepoint (a failure can then be
    caught and the transaction goes on)."""
    connection = connections[using]
    joined = _batch_of(connection)
    if joined is not None and not savepoint:
        # Joining the batch open on the connection (a submission inside the idempotency
        # record's block): what atomic(savepoint=False) would do inside its block, without
        # its bookkeeping: an exception marks the transaction for rollback.
        try:
            yield joined
        except BaseException:
            connection.needs_rollback = True
            raise
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using, savepoint=savepoint):
        if joined is not None or not write_batching(connection):
            yield joined  # a savepoint inside the open batch's transaction, or no batching
            return
        batch = WriteBatch(connection, outermost=outermost)
        connection.__dict__[_BATCH] = batch
        try:
            with connection.execute_wrapper(batch):
                yield batch
                batch.flush(last=True)
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
