#!/usr/bin/env bash
# System packages the project needs on a fresh Debian machine. Installs only what is missing,
# and only when it can (root); otherwise says what to install.
set -euo pipefail

need=()
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
# msgfmt compiles the translations (locale/*.po) for manage.py compilemessages.
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# tests/deploy: the documented production front (deploy/nginx/) and a throw-away PostgreSQL
# cluster (initdb, pg_ctl), both started as the tests' own processes, never the system services.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# The browser tests drive the distribution's Chromium: Playwright's own download is not used.
[ -x /usr/bin/chromium ] || need+=(chromium)
# printforms tests: extract text, list fonts and rasterise PDFs; decode the receipt's QR code.
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
# Signatures: keys on a PKCS#11 token (SoftHSM2 stands in for an HSM) and OpenSSL for the
# raw RSA baseline of the signing benchmark.
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "bootstrap: please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
