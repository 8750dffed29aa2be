#!/usr/bin/env bash
# `make bench-exchange`: exchange of 100 KB PDF documents node -> hub -> node (issue #4), with the
# floors measured in the same run and a kill -9 run that must lose and duplicate nothing.
# A hub (gunicorn) and two nodes run as separate processes on PostgreSQL databases that are
# created and dropped here (bench_hub, bench_a, bench_b, bench_template). See docs/exchange.md and
# the "Document exchange (issue #4)" section of docs/benchmarks.md.
#
# Knobs (environment):
#   BENCH_DOCS=1000 BENCH_KILL_DOCS=600 BENCH_DOC_BYTES=100000
#   BENCH_HUB_WORKERS=4 BENCH_PUSH_CONCURRENCY=8
#   BENCH_PG=postgres://postgres@127.0.0.1:5432   BENCH_KEEP_DB=1 (keep the databases)
#   BENCH_WORKDIR=...   (keys, SQLite-free logs of each process; default a fresh temp dir)
#   DATABASE_SERVER_SIDE_BINDING=true   the project's default (binary parameters for the 100 KB
#                                       payloads, prepared statements); false to compare
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
command -v psql >/dev/null 2>&1 || { echo "bench-exchange: psql is needed" >&2; exit 1; }
psql "$PG/postgres" -qtc 'select 1' >/dev/null || { echo "bench-exchange: PostgreSQL not reachable at $PG" >&2; exit 1; }

export BENCH_PG=$PG
export DATABASE_SERVER_SIDE_BINDING=${DATABASE_SERVER_SIDE_BINDING:-true}
echo "bench-exchange: DATABASE_SERVER_SIDE_BINDING=$DATABASE_SERVER_SIDE_BINDING"
exec "$PY" -m benchmarks.exchange
