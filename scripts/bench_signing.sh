#!/usr/bin/env bash
# `make bench-signing`: PAdES B-B signing and validation of one-page PDFs per second in one
# process (RSA-2048), beside `openssl speed rsa2048` measured in the same run; then
# POST /api/v1/signatures/validate of a sealed document against gunicorn (1 worker) with
# revocation checking on (loopback CA, CRL/OCSP responders), with its ratio to the in-process
# rate of the same document. See docs/benchmarks.md ("Signing (issue #4)", "Validation through
# the API"). Knobs: BENCH_SIGN_SECONDS (default 5) per measurement, BENCH_SIGN_ARGS (e.g.
# "--invisible", "--no-endpoint" or "--json").
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHMARKS=true exec .venv/bin/python manage.py bench_signing --seconds "${BENCH_SIGN_SECONDS:-5}" ${BENCH_SIGN_ARGS:-}
