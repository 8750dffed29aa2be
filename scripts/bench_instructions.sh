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

# shellcheck source=bench/lib.sh
. scripts/bench/lib.sh

bench_tool valgrind
command -v psql >/dev/null 2>&1 || die "psql is missing (apt-get install postgresql-client)"
[ -x "$PY" ] || die "$PY is missing: run make setup"
bench_postgres

cleanup() {
  status=$?
  bench_drop "$DB"
  exit "$status"
}
trap cleanup EXIT

bench_settings "$DB"  # what gunicorn runs with in `make bench` runs here
# Valgrind runs the process about 50 times slower, so the bearer tokens' 30-second cache would
# expire after well under a second of real serving, and a varying share of the counted requests
# would verify their token again: keep them for the run, as a server at full speed does.
export API_TOKEN_CACHE_SECONDS=${API_TOKEN_CACHE_SECONDS:-86400}
export PYTHONWARNINGS=ignore
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
