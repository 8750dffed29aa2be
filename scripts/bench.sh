#!/usr/bin/env bash
# `make bench`: dossier submission and public status lookup against a real server (gunicorn) on
# PostgreSQL, measured with wrk beside bare Django endpoints doing one INSERT / one SELECT; and
# the pages a crowd lands on (home, search, procedure, lookup, ranking, transparency) over a
# national-size catalogue, as ratios to the status lookup measured in the same run.
# See docs/benchmarks.md. A benchmark, not a test: missing a target never fails it; the harness
# failing does (server not starting, a checked request failing, more than 1 % errors).
#
# Knobs (environment):
#   BENCH_WORKERS=2 BENCH_THREADS=1   gunicorn workers; THREADS > 1 selects the gthread worker
#     (2 sync workers measured best on 2 cores shared with PostgreSQL and wrk: docs/benchmarks.md)
#   BENCH_CONNECTIONS=32 BENCH_WRK_THREADS=2 BENCH_DURATION=20s BENCH_WARMUP=5s
#   BENCH_USERS=200 BENCH_DOSSIERS=2000
#   BENCH_SCENARIOS=submit,bare_insert,status,bare_select,home,search,procedure,lookup,ranking,transparency
#     (and lookup_result: a dossier's public page, measured on request, no target)
#   BENCH_PROCEDURES=3000   procedures added to the demo for the landing pages (bench_landing)
#   PAGE_CACHE_SECONDS=0    serve the landing pages without the page cache (the "before")
#   BENCH_PORT=8077   BENCH_KEEP_DB=1 (do not drop the database at the end)
#   BENCH_RETRIES=2 BENCH_QUIET_TIMEOUT=300   the machine is shared: before each scenario wait
#     for other processes to calm down, and measure a scenario again when they disturbed it
#   BENCH_ROUNDS=3   measure the scenarios that many times in turn; ratios are the median of the
#     rounds' ratios (the host's speed drifts over minutes: docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT=${BENCH_PORT:-8077}
WORKERS=${BENCH_WORKERS:-2}
THREADS=${BENCH_THREADS:-1}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-5s}
USERS=${BENCH_USERS:-200}
DOSSIERS=${BENCH_DOSSIERS:-2000}
SCENARIOS=${BENCH_SCENARIOS:-submit,bare_insert,status,bare_select,home,search,procedure,lookup,ranking,transparency}
LANDING=0
case ",$SCENARIOS," in
  *,home,*|*,search,*|*,procedure,*|*,lookup,*|*,lookup_result,*|*,ranking,*|*,transparency,*) LANDING=1 ;;
esac
STAMP=$(date +%Y%m%d%H%M%S)
OUT=var/bench
DB=chinhquyen_bench_${STAMP}
PGHOST_URL=postgres://postgres@127.0.0.1:5432
URL=http://127.0.0.1:${PORT}
if [ "$THREADS" -gt 1 ]; then WORKER_CLASS=gthread; else WORKER_CLASS=sync; fi

say() { echo "bench: $*"; }
die() { echo "bench: $*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. scripts/bench/lib.sh

# --- tools ----------------------------------------------------------------------------------
bench_tool wrk
for tool in psql pg_isready curl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install postgresql-client curl)"
done
[ -x "$PY" ] || die "$PY is missing: run make setup"
[ -x .venv/bin/gunicorn ] || die ".venv/bin/gunicorn is missing: run make setup"

# --- PostgreSQL -----------------------------------------------------------------------------
bench_postgres

GUNICORN_PID=
cleanup() {
  status=$?
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  bench_drop "$DB"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "database $DB"
bench_settings "$DB"

mkdir -p "$OUT"
"$PY" manage.py migrate --noinput -v0
if [ "$LANDING" = 1 ]; then
  say "landing pages: the demo, then a national-size catalogue (a few minutes)"
  "$PY" manage.py demo_load >/dev/null
  "$PY" manage.py collectstatic --noinput -v0  # the production profile serves hashed names
fi
"$PY" manage.py bench_prepare --users "$USERS" --dossiers "$DOSSIERS" --out "$OUT"
rm -f "$OUT/landing.json"
if [ "$LANDING" = 1 ]; then
  "$PY" manage.py bench_landing --procedures "${BENCH_PROCEDURES:-3000}" --out "$OUT"
fi

# --- server ---------------------------------------------------------------------------------
say "gunicorn: $WORKERS $WORKER_CLASS workers x $THREADS threads on $URL"
.venv/bin/gunicorn config.wsgi \
  --bind "127.0.0.1:$PORT" --workers "$WORKERS" --worker-class "$WORKER_CLASS" --threads "$THREADS" \
  --backlog 2048 --keep-alive 5 --worker-tmp-dir /dev/shm \
  --log-level warning --error-logfile "$OUT/gunicorn.log" &
GUNICORN_PID=$!
first_row=$(head -n1 "$OUT/rows.txt")
for _ in $(seq 60); do
  curl -fsS -o /dev/null "$URL/bench/select?id=$first_row" 2>/dev/null && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn exited; see $OUT/gunicorn.log"
  sleep 0.5
done
curl -fsS -o /dev/null "$URL/bench/select?id=$first_row" || die "gunicorn does not answer on $URL; see $OUT/gunicorn.log"

SERVER_JSON=$("$PY" - "$WORKERS" "$WORKER_CLASS" "$THREADS" <<'EOF'
import json, os, subprocess, sys
workers, klass, threads = sys.argv[1], sys.argv[2], sys.argv[3]
version = subprocess.run([".venv/bin/gunicorn", "--version"], capture_output=True, text=True).stdout.strip()
import django
print(json.dumps({
    "summary": f"gunicorn {workers} {klass} workers" + (f" x {threads} threads" if klass == "gthread" else ""),
    "gunicorn": version, "workers": int(workers), "worker_class": klass, "threads": int(threads),
    "django": django.get_version(), "settings": "config.settings.production",
    "conn_max_age": 600, "debug": False, "log_level": "WARNING",
    "page_cache_seconds": int(os.environ.get("PAGE_CACHE_SECONDS", "300")),
}))
EOF
)

set +e
"$PY" scripts/bench/run.py --url "$URL" --data "$OUT" --database-url "$DATABASE_URL" \
  --results "$OUT/results-$STAMP.json" --duration "$DURATION" --warmup "$WARMUP" \
  --connections "$CONNECTIONS" --wrk-threads "$WRK_THREADS" --scenarios "$SCENARIOS" \
  --server "$SERVER_JSON" --tag "$STAMP" --server-pid "$GUNICORN_PID" \
  --retries "${BENCH_RETRIES:-2}" --quiet-timeout "${BENCH_QUIET_TIMEOUT:-300}" \
  --rounds "${BENCH_ROUNDS:-3}"
rc=$?
set -e
if [ -s "$OUT/gunicorn.log" ]; then
  say "gunicorn wrote to $OUT/gunicorn.log (last lines):"
  tail -n 5 "$OUT/gunicorn.log"
fi
exit "$rc"
