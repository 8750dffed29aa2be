#!/usr/bin/env bash
# `make bench-instructions`: the CPU instructions one request of each `make bench` scenario costs
# in the Django process, counted by valgrind, and their ratios (bare / real, as `make bench`
# divides rates). A complement to `make bench`, not a replacement: no server, no PostgreSQL CPU,
# no concurrency. But the count does not move with the host's speed, which moves `make bench`'s
# ratio by ±0.05 between neighbouring minutes (docs/benchmarks.md), so it shows what a change to
# the code did. The PostgreSQL part of each request is not counted (another process).
#
# How: for each scenario, two runs in process (scripts/bench/instructions.py) that differ only
# in the number of requests (N1 and N2); (instructions of run 2 - run 1) / (N2 - N1) is the cost
# of one request, without start-up and warm-up. Takes ~2 minutes per run under valgrind.
#
# Knobs: BENCH_SCENARIOS=submit,bare_insert (also status, bare_select)
#        BENCH_N1=50 BENCH_N2=250   BENCH_KEEP_DB=1
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
SCENARIOS=${BENCH_SCENARIOS:-submit,bare_insert}
N1=${BENCH_N1:-50}
N2=${BENCH_N2:-250}
STAMP=$(date +%Y%m%d%H%M%S)
OUT=var/bench/instructions-$STAMP
DB=chinhquyen_instr_${STAMP}
PGHOST_URL=postgres://postgres@127.0.0.1:5432

say() { echo "bench-instructions: $*"; }
die() { echo "bench-instructions: $*" >&2; exit 1; }

if ! command -v valgrind >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "valgrind is missing: sudo apt-get install valgrind"
  say "installing valgrind"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
command -v psql >/dev/null 2>&1 || die "psql is missing (apt-get install postgresql-client)"
[ -x "$PY" ] || die "$PY is missing: run make setup"
if ! pg_isready -q -h 127.0.0.1; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
fi

cleanup() {
  status=$?
  if [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    psql "$PGHOST_URL/postgres" -XqAc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT

psql "$PGHOST_URL/postgres" -XqAc "CREATE DATABASE \"$DB\"" >/dev/null
# The settings of scripts/bench.sh: what gunicorn runs there runs here.
export DATABASE_URL=$PGHOST_URL/$DB DJANGO_SETTINGS_MODULE=config.settings.production
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1 DEBUG=false
export BENCH_ENDPOINTS=true LOG_LEVEL=WARNING DATABASE_CONN_MAX_AGE=600 PYTHONWARNINGS=ignore
mkdir -p "$OUT"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py bench_prepare --users 200 --dossiers 500 --out "$OUT" >/dev/null

count() {  # scenario n -> instructions of the whole run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$PY" scripts/bench/instructions.py "$1" "$2" "$OUT" 2>"$OUT/valgrind-$1-$2.log" \
    || die "$1 ($2 requests) failed; see $OUT/valgrind-$1-$2.log"
  awk '/Collected/ {print $4}' "$OUT/valgrind-$1-$2.log"
}

declare -A PER
for scenario in ${SCENARIOS//,/ }; do
  say "$scenario: $N1 and $N2 requests under valgrind …"
  a=$(count "$scenario" "$N1")
  b=$(count "$scenario" "$N2")
  PER[$scenario]=$(( (b - a) / (N2 - N1) ))
  printf '%-12s %12s instructions per request\n' "$scenario" "${PER[$scenario]}"
done
ratio() {
  if [ -n "${PER[$1]:-}" ] && [ -n "${PER[$2]:-}" ]; then
    "$PY" -c "print(f'ratio $1/$2 (bare / real instructions) {${PER[$2]} / ${PER[$1]}:.3f}')"
  fi
}
ratio submit bare_insert
ratio status bare_select
