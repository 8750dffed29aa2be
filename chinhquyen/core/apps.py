from django.apps import AppConfig

# psycopg rewrites a query's %s placeholders as $1, $2, … on every execution, and remembers the
# rewrite only for queries of at most 50 parameters (``psycopg._queries``). A submission's batched
# statement (core/compiled.py: write_batch) has about 70, so psycopg re-parsed its 8 KB of SQL on
# every submission: 7 % of the request's CPU. The limit is a module constant, read at each call.
PSYCOPG_CACHED_PARAMS = 200


def psycopg_query_cache_widen() -> None:
    """Raise that limit; a psycopg without the constant (a future version) is left alone."""
    from psycopg import _queries

    if (
        getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", PSYCOPG_CACHED_PARAMS)
        < PSYCOPG_CACHED_PARAMS
    ):
        _queries.MAX_CACHED_STATEMENT_PARAMS = PSYCOPG_CACHED_PARAMS


class CoreConfig(AppConfig):
    name = "chinhquyen.core"
    label = "core"
    verbose_name = "Nền tảng"

    def ready(self) -> None:
        psycopg_query_cache_widen()
