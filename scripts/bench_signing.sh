#!/usr/bin/env bash
# `make bench-signing`: PAdES B-B signing and validation of one-page PDFs per second in one
# process (RSA-2048), beside `openssl speed rsa2048` measured in the same run. See
# docs/benchmarks.md ("Signing (issue #4)"). Knobs: BENCH_SIGN_SECONDS (default 5) per
# measurement, BENCH_SIGN_ARGS (e.g. "--invisible" or "--json").
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py bench_signing --seconds "${BENCH_SIGN_SECONDS:-5}" ${BENCH_SIGN_ARGS:-}
