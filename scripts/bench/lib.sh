# Set-up shared by scripts/bench.sh and scripts/bench_instructions.sh, which source this file
# after defining `say` and `die` and setting PY and PGHOST_URL.

# bench_tool CMD: install the apt package of the same name when CMD is missing (as root).
bench_tool() {
  command -v "$1" >/dev/null 2>&1 && return
  [ "$(id -u)" -eq 0 ] || die "$1 is missing: sudo apt-get install $1"
  say "installing $1"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

# bench_postgres: start the local cluster if nothing answers on 127.0.0.1:5432.
bench_postgres() {
  pg_isready -q -h 127.0.0.1 && return
  command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not running at 127.0.0.1:5432 and is not installed here (apt-get install postgresql)"
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 || die "PostgreSQL did not start"
}

# bench_settings DB: create database DB and export the production settings the benchmarks run
# the application with (docs/benchmarks.md).
bench_settings() {
  psql "$PGHOST_URL/postgres" -XqAc "CREATE DATABASE \"$1\"" >/dev/null
  export DATABASE_URL=$PGHOST_URL/$1
  export DJANGO_SETTINGS_MODULE=config.settings.production
  SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
  export SECRET_KEY
  export SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1 DEBUG=false BENCH_ENDPOINTS=true
  export LOG_LEVEL=WARNING DATABASE_CONN_MAX_AGE=600
  export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1}
}

# bench_drop DB: drop database DB unless BENCH_KEEP_DB=1.
bench_drop() {
  if [ "${BENCH_KEEP_DB:-0}" = 1 ]; then
    say "kept database $1"
  else
    psql "$PGHOST_URL/postgres" -XqAc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
