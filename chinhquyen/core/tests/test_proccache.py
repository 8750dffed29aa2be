"""The process caches: lifetimes, bounds, and the one registry the tests clear."""

from __future__ import annotations

from chinhquyen.core.proccache import ProcessCache, clear_all, process_caches, register_clear


def _clocked(**kw) -> tuple[ProcessCache, list[float]]:
    now = [1000.0]
    return ProcessCache("test.clocked", clock=lambda: now[0], **kw), now


def test_an_entry_lives_for_the_ttl_and_not_longer():
    cache, now = _clocked(ttl=10)
    cache.set("a", 1)
    now[0] += 9.9
    assert cache.get("a") == 1
    now[0] += 0.1
    assert cache.get("a") is None
    assert len(cache) == 0  # an expired entry is dropped when met


def test_the_ttl_may_be_a_setting_read_at_each_set_and_zero_keeps_nothing():
    seconds = [5.0]
    cache, now = _clocked(ttl=lambda: seconds[0])
    cache.set("a", 1)
    seconds[0] = 0
    cache.set("b", 2)
    now[0] += 4
    assert cache.get("a") == 1 and cache.get("b") is None


def test_a_per_entry_expiry_wins_over_the_ttl_and_a_past_one_keeps_nothing():
    cache, now = _clocked(ttl=60)
    cache.set("short", 1, expires=now[0] + 2)
    cache.set("stale", 2, expires=now[0])
    assert cache.get("stale") is None
    now[0] += 2
    assert cache.get("short") is None


def test_no_ttl_keeps_an_entry_until_it_is_evicted_or_cleared():
    cache, now = _clocked()
    cache.set("a", 1)
    now[0] += 10**9
    assert cache.get("a") == 1


def test_a_full_cache_drops_the_least_recently_used_entry():
    cache, _now = _clocked(max_entries=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.set("c", 3)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") == 1 and cache.get("c") == 3


def test_get_or_set_builds_once_while_the_entry_lives():
    cache, now = _clocked(ttl=5)
    built = []

    def make():
        built.append(1)
        return len(built)

    assert cache.get_or_set("k", make) == 1
    assert cache.get_or_set("k", make) == 1
    now[0] += 5
    assert cache.get_or_set("k", make) == 2
    assert (cache.hits, cache.misses) == (1, 2)


def test_forget_where_and_pop_drop_only_what_they_name():
    cache, _now = _clocked()
    for key in ("a1", "a2", "b1"):
        cache.set(key, key[0])
    cache.forget_where(lambda _key, value: value == "a")
    cache.set("c1", "c")
    cache.pop("c1")
    assert [cache.get(k) for k in ("a1", "a2", "b1", "c1")] == [None, None, "b", None]


def test_every_cache_registers_itself_and_clear_all_empties_them_all():
    first, second = ProcessCache("test.first"), ProcessCache("test.second", ttl=60)
    first.set("x", 1)
    second.set("y", 2)
    cleared = []
    register_clear("test.other", lambda: cleared.append(1))
    assert {"test.first", "test.second"} <= {cache.name for cache in process_caches()}
    clear_all()
    assert first.get("x") is None and second.get("y") is None
    assert len(first) == len(second) == 0
    assert cleared == [1]


def test_the_projects_caches_are_all_in_the_registry():
    """What docs/architecture.md lists: each module's cache is registered once it is imported."""
    from django.urls import get_resolver

    import chinhquyen.signatures.trust as trust
    import chinhquyen.workdays.calendar  # noqa: F401

    get_resolver().url_patterns  # noqa: B018 - imports every view module, as a server does
    trust.revocation_cache()
    names = {cache.name for cache in process_caches()}
    assert {
        "accounts.tokens",
        "catalogue.search_index",
        "dossiers.agency_names",
        "dossiers.form_validators",
        "dossiers.links",
        "dossiers.versions",
        "dossiers.workflows",
        "exchange.node_keys",
        "exchange.peers",
        "exchange.signing_material",
        "signatures.revocation",
        "signatures.trust_roots",
        "workdays.calendar",
    } <= names
