"""Exchange settings, read where they are used so the app works before the lead wires them into
``config/settings/base.py`` (the environment variable of the same name is the fallback)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS: dict[str, object] = {
    "EXCHANGE_ROLE": "node",  # "hub" or "node"
    "EXCHANGE_HUB_URL": "",  # node: where the hub is, e.g. http://127.0.0.1:8100
    "EXCHANGE_AGENCY_ID": "",  # node: its QCVN 102 agency id
    "EXCHANGE_AGENCY_NAME": "",
    "EXCHANGE_KEY_FILE": "",  # node: PEM private key that signs edXML
    "EXCHANGE_CERT_FILE": "",  # node: PEM certificate registered at the hub
    "EXCHANGE_HUB_ENROL_SECRET": "",  # hub: shared secret for POST /hub/register ("" = closed)
    "EXCHANGE_HUB_VERIFY_SIGNATURES": True,  # hub: refuse messages whose XML-DSig is not valid
    "EXCHANGE_TSA_URL": "",  # RFC 3161 TSA for the message log ("" = no timestamps)
    "EXCHANGE_TSA_ROOT_FILE": "",  # PEM root trusted for the TSA's tokens (verify-log)
    "EXCHANGE_TIMESTAMP_SECONDS": 60,  # how often the worker timestamps the log head
    "EXCHANGE_PUSH_CONCURRENCY": 4,  # node: parallel POSTs to the hub
    "EXCHANGE_BATCH": 50,  # node: messages per push round / inbox pull
    "EXCHANGE_GROUP": 10,  # node: messages per POST /hub/batch (≤ 4 MB)
    "EXCHANGE_RETRY_BASE_SECONDS": 1.0,  # back-off: base × 2^(attempt-1), capped below
    "EXCHANGE_RETRY_MAX_SECONDS": 300.0,
    "EXCHANGE_POLL_SECONDS": 0.5,  # node: idle poll interval
    "EXCHANGE_HTTP_TIMEOUT": 30.0,
    "EXCHANGE_ASSESS_SIGNATURES": True,
    # Largest file taken out of a zip-wrapped attachment (EdXML102 library); a bigger one (a zip
    # bomb) is refused with a warning and the zip is kept as received.
    "EXCHANGE_ATTACHMENT_MAX_BYTES": 50 * 1024 * 1024,
    "EXCHANGE_ATTACHMENT_TOTAL_BYTES": 200 * 1024 * 1024,  # all unwrapped files of one message
    "EXCHANGE_PAUSE_FILE": "",  # node: while this file exists the worker sends and pulls nothing  # node: assess PDF signatures for the figures
}


def get(name: str):
    default = DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a valid {type(default).__name__}"
        ) from exc
    return raw


def role() -> str:
    value = str(get("EXCHANGE_ROLE")).strip().lower()
    if value not in {"hub", "node"}:
        raise ImproperlyConfigured(f"EXCHANGE_ROLE={value!r}: use 'hub' or 'node'")
    return value


def read_pem(name: str) -> bytes:
    path = str(get(name))
    if not path:
        raise ImproperlyConfigured(f"{name} is not set")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}={path!r} cannot be read: {exc}") from exc
