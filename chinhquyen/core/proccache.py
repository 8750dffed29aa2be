"""Process caches: what a worker process keeps between requests, and the one registry of them.

A ``ProcessCache`` is a small bounded map with a lifetime: ``max_entries`` (the least recently
used entry goes first when it is full), ``ttl`` (seconds, a callable that reads them from the
settings, or None for "until evicted") and, per entry, an explicit expiry when the data says how
long it holds (an OCSP answer's ``nextUpdate``). Every operation takes the cache's lock, so the
threads of a worker share it safely; a value is built outside the lock (``get_or_set``), so two
threads may both build it once and the last one stays.

Every cache registers itself when it is created (state of another shape registers its clearing
function: ``register_clear``). ``clear_all()`` empties them all: the tests call it around each
test (root conftest), because a cache outlives a test's rolled-back transaction.

Values kept here are shared by every request the process serves: keep plain data (tuples, frozen
dataclasses, strings) or hand each caller its own copy; never one mutable model instance.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import router
from django.db.models import Model

V = TypeVar("V")
M = TypeVar("M", bound=Model)

_MISSING: Any = object()
_registry: weakref.WeakSet[ProcessCache] = weakref.WeakSet()
_registry_lock = threading.Lock()
_other_clears: dict[str, Callable[[], None]] = {}


def _monotonic() -> float:
    # Looked up at each call, so that a test that moves ``time.monotonic`` on moves every cache.
    return time.monotonic()


class ProcessCache(Generic[V]):
    """A named, bounded, thread-safe map of this process whose entries expire.

    ``clock`` (default: ``time.monotonic``) measures the expiries; ``ttl`` is in its units (seconds
    for the default clock). A ``ttl`` that is a callable is read at each ``set`` (a setting), and
    a ttl of 0 or less keeps nothing."""

    def __init__(
        self,
        name: str,
        *,
        max_entries: int = 1024,
        ttl: float | Callable[[], float] | None = None,
        clock: Callable[[], Any] = _monotonic,
    ) -> None:
        self.name = name
        self.max_entries = max_entries
        self.ttl = ttl
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[V, Any]] = OrderedDict()
        self._lock = threading.Lock()
        with _registry_lock:
            _registry.add(self)

    def __repr__(self) -> str:
        return f"<ProcessCache {self.name}: {len(self)}/{self.max_entries}>"

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> V | Any:
        """The value kept for ``key`` if it has not expired, else ``default``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry[1] is None or self.clock() < entry[1]:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return entry[0]
                del self._entries[key]
            self.misses += 1
            return default

    def set(self, key: Hashable, value: V, *, expires: Any = None) -> None:
        """Keep ``value`` until ``expires`` (a time on the cache's clock) if given, else for the
        cache's ``ttl``. Nothing is kept if that time has passed already or the ttl is 0."""
        if expires is None:
            ttl = self.ttl() if callable(self.ttl) else self.ttl
            if ttl is not None:
                if ttl <= 0:
                    return
                expires = self.clock() + ttl
        elif self.clock() >= expires:
            return
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = (value, expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_set(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``make()``'s, kept for the cache's ttl."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = make()
            self.set(key, value)
        return value

    def pop(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def forget_where(self, predicate: Callable[[Hashable, V], bool]) -> None:
        """Drop every entry for which ``predicate(key, value)`` is true."""
        with self._lock:
            for key in [k for k, (v, _exp) in self._entries.items() if predicate(k, v)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def process_caches() -> list[ProcessCache]:
    """Every process cache alive in this process, by name."""
    with _registry_lock:
        return sorted(_registry, key=lambda cache: cache.name)


def register_clear(name: str, clear: Callable[[], None]) -> None:
    """Have ``clear_all`` also call ``clear``: for state a process keeps outside a
    ``ProcessCache`` because it must be another shape (the page cache's versions are each
    thread's own; its pages live in Django's cache framework)."""
    with _registry_lock:
        _other_clears[name] = clear


def clear_all() -> None:
    """Empty every process cache (tests: nothing a test read survives into the next)."""
    for cache in process_caches():
        cache.clear()
    with _registry_lock:
        others = list(_other_clears.values())
    for clear in others:
        clear()


def _own(values: tuple) -> tuple:
    """The values with a copy of each list and dict (what a JSON field holds)."""
    return tuple(
        list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v for v in values
    )


@dataclass(frozen=True, slots=True)
class ModelRow(Generic[M]):
    """A saved model instance as plain values, to keep in a process cache instead of the
    instance: ``build()`` gives each caller a new instance (``Model.from_db``, as a query would),
    so no request sees what another changed on its own."""

    model: type[M]
    names: tuple[str, ...]
    values: tuple

    @classmethod
    def of(cls, instance: M) -> ModelRow[M]:
        model = type(instance)
        names = tuple(f.attname for f in model._meta.get_fields() if f.concrete)
        return cls(model, names, _own(tuple(getattr(instance, name) for name in names)))

    def build(self) -> M:
        return self.model.from_db(router.db_for_read(self.model), self.names, _own(self.values))
