#!/usr/bin/env bash
# `make run`: the development server with the background worker and the periodic jobs.
#
#   HOST=0.0.0.0 PORT=8101 make run
#
# Ctrl-C (or TERM) stops every process once and exits 0. Each process runs in a process group
# of its own (job control, `set -m`), so the terminal's Ctrl-C reaches only this script, which
# then sends TERM to each group and waits: no process is signalled twice, none is left behind.
# If one of them stops on its own (the port is taken, a crash), the others are stopped too and
# the script exits with its status.
#
# One more background process is one more `start …` line below.
set -u -m

PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# The remote signing provider's simulator (the demo's leader confirms signatures in its "app"
# at http://127.0.0.1:$SIGNING_SIMULATOR_PORT/app/lanhdao); SIGNING_SIMULATOR=0 leaves it out.
SIGNING_SIMULATOR=${SIGNING_SIMULATOR:-1}
export SIGNING_SIMULATOR_PORT=${SIGNING_SIMULATOR_PORT:-8190}

# Links in e-mails sent by the worker (no request to take the host from) point at this server.
if [ -z "${PUBLIC_BASE_URL:-}" ]; then
  case $HOST in
    0.0.0.0 | :: | "[::]") link_host=127.0.0.1 ;;
    *) link_host=$HOST ;;
  esac
  export PUBLIC_BASE_URL="http://$link_host:$PORT"
fi

pids=()
start() {
  "$@" &
  pids+=("$!")
}

stopping=
stop() {
  [ -n "$stopping" ] && return
  stopping=1
  trap '' INT TERM
  local pid alive _
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null
  done
  # A graceful stop (the worker finishes its task) gets 10 s, then whatever is left is killed.
  for _ in $(seq 50); do
    alive=
    for pid in "${pids[@]}"; do
      kill -0 -- "-$pid" 2>/dev/null && alive=1
    done
    [ -z "$alive" ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do
    kill -0 -- "-$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
  done
  wait 2>/dev/null
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

echo "chinhquyen: http://$HOST:$PORT/  (API: /api/v1/docs, admin: /admin/)"
start "$PY" manage.py db_worker --queue-name '*'
start "$PY" manage.py periodic
if [ "$SIGNING_SIMULATOR" != 0 ]; then
  echo "chinhquyen: remote signing simulator, the leader's app: http://127.0.0.1:$SIGNING_SIMULATOR_PORT/app/lanhdao"
  start "$PY" manage.py signing_simulator --port "$SIGNING_SIMULATOR_PORT" --user lanhdao --register
fi
start "$PY" manage.py runserver "$HOST:$PORT"

# Until a signal (the trap exits 0) or the first process that stops by itself.
wait -n
status=$?
stop
exit "$status"
