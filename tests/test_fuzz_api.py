"""The whole API fuzzed by schemathesis against a live server: no 5xx, and every answer matches
the OpenAPI document (its schema and its content type), for a citizen and for an officer.

The server is gunicorn on a throw-away database loaded with the demo (``manage.py demo_load``):
a SQLite file when the suite runs on SQLite, a database created for the run and dropped after it
when the suite runs on PostgreSQL. Schemathesis may send anything the document allows (and what
it does not), including submissions and officer actions: nothing of it reaches another database.

Bounded and repeatable: deterministic generation (the same cases on every run; the fixed seed
only matters if that mode is ever dropped), a few examples per operation, one worker. The figures of a run are in docs/security.md ("Fuzzing the API").
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.slow  # several processes: in CI, skippable locally with -m 'not slow'

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261207
MAX_EXAMPLES = 10
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
DEMO_PASSWORD = "chinhquyen-demo"  # noqa: S105 - the demo's published password (README.md)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """The base URL of a gunicorn serving a fresh demo database, stopped and dropped after."""
    workdir = tmp_path_factory.mktemp("fuzz")
    suite_db = os.environ.get("DATABASE_URL", "")
    pg_name = None
    if suite_db.startswith(("postgres://", "postgresql://")):
        pg_name = f"fuzz_{os.getpid()}"
        parts = urlsplit(suite_db)
        database_url = urlunsplit((parts.scheme, parts.netloc, f"/{pg_name}", parts.query, ""))
        _pg_admin(suite_db, f'DROP DATABASE IF EXISTS "{pg_name}"')
        _pg_admin(suite_db, f'CREATE DATABASE "{pg_name}"')
    else:
        database_url = f"sqlite:///{workdir / 'fuzz.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        # Uploads, keys and static files of the run stay in its own folder.
        "CHINHQUYEN_VAR_DIR": str(workdir),
        "LEGACY_UNITS_DIR": str(ROOT / "var" / "legacy" / "vietnam_provinces" / "data"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    server = None
    try:
        for command in (["migrate", "--noinput", "-v", "0"], ["demo_load"]):
            subprocess.run(  # noqa: S603
                [*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
            )
        port = _free_port()
        log = (workdir / "gunicorn.log").open("wb")
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=30):  # noqa: S310
                    break
            except OSError:  # refused while gunicorn starts (URLError is an OSError too)
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start: " + (workdir / "gunicorn.log").read_text())
                time.sleep(0.3)
        yield base
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if pg_name:
            _pg_admin(suite_db, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def _token(base: str, username: str) -> str:
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/v1/auth/token",
        data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.load(response)["token"]


def _get(base: str, path: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{base}{path}", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.load(response)


@pytest.fixture(scope="module")
def tokens(live_api) -> dict[str, str]:
    return {name: _token(live_api, name) for name in ("congdan", "lanhdao")}


@pytest.fixture(scope="module")
def config_file(live_api, tokens, tmp_path_factory) -> Path:
    """A schemathesis configuration that puts the demo's real identifiers in the path parameters
    half of the time (the other half stays generated): without them nearly every operation on
    one dossier, procedure or agency answers 404 and its success answer is never checked."""
    codes = [
        item["code"]
        for token in tokens.values()
        for item in _get(live_api, "/api/v1/dossiers?page_size=5", token)["items"]
    ]
    codes += [item["code"] for item in _get(live_api, "/api/v1/procedures?page_size=5")["items"]]
    codes += [item["code"] for item in _get(live_api, "/api/v1/feedback/public")[:3]]
    agencies = [item["id"] for item in _get(live_api, "/api/v1/agencies")["items"][:5]]
    entries = [
        entry["id"]
        for entry in _get(live_api, "/api/v1/exchange/registers?limit=5", tokens["lanhdao"])[
            "results"
        ]
    ]
    assert codes and agencies
    path = tmp_path_factory.mktemp("schemathesis") / "schemathesis.toml"
    lines = []
    for name, values in (("code", codes), ("agency_id", agencies), ("entry_id", entries)):
        if values:
            lines += [
                f"[dictionaries.{name}]",
                f"values = {json.dumps([str(v) for v in sorted(set(values))])}",
                "",
            ]
    lines.append("[parameters]")
    for name, values in (("code", codes), ("agency_id", agencies), ("entry_id", entries)):
        if values:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    path.write_text("\n".join(lines) + "\n")
    return path


def _summary(output: str) -> dict[str, int]:
    """Operations tested, cases generated and failures found, from schemathesis' summary."""
    figures = {}
    if match := re.search(r"Tested:\s*(\d+)", output):
        figures["operations"] = int(match.group(1))
    if match := re.search(r"(\d+) generated", output):
        figures["cases"] = int(match.group(1))
    match = re.search(r"(\d+) found (\d+) unique failure", output)
    figures["failures"] = int(match.group(2)) if match else 0
    return figures


def _failures(output: str) -> str:
    """The FAILURES section of the report: each failing operation, check and curl command."""
    start = output.find("FAILURES")
    end = output.find("SUMMARY")
    return output[start:end] if start >= 0 else output[-6000:]


@pytest.mark.parametrize("username", ["congdan", "lanhdao"])
def test_the_api_answers_every_generated_request_without_5xx_and_as_documented(
    live_api, tokens, config_file, username, tmp_path
):
    token = tokens[username]
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config_file),
        "run",
        f"{live_api}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
    ]
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    seconds = time.monotonic() - started
    figures = _summary(run.stdout)
    print(f"schemathesis as {username}: {figures}, {seconds:.0f} s")  # noqa: T201
    assert figures.get("operations", 0) >= 40, run.stdout[-4000:] + run.stderr[-4000:]
    assert run.returncode == 0 and figures["failures"] == 0, (
        f"schemathesis as {username} found {figures['failures']} failures:\n"
        + _failures(run.stdout)
    )
