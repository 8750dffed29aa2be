"""Send N requests of one `make bench` scenario straight to the WSGI application, in process.

Run under valgrind by scripts/bench_instructions.sh, which counts the instructions of two runs
that differ only in N and divides the difference by it: the instructions one request costs,
without the process's start-up and without the host's noise. Each request is the one the load
generator sends (scripts/bench/*.lua): the same body, the same headers, a new Idempotency-Key.

    python scripts/bench/instructions.py SCENARIO N DATA_DIR

Needs the production settings of scripts/bench.sh (DJANGO_SETTINGS_MODULE, DATABASE_URL,
BENCH_ENDPOINTS=true, …) and the files of `manage.py bench_prepare` in DATA_DIR. Every response
is checked: a wrong status fails the run (exit 2).
"""

from __future__ import annotations

import io
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from config.wsgi import application  # noqa: E402

WARM_UP = 150  # compiles, prepares and caches what the first requests do


def main() -> int:
    scenario, count, data = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    tokens = (data / "tokens.txt").read_text().split()
    codes = (data / "codes.txt").read_text().split()
    rows = (data / "rows.txt").read_text().split()
    body = (data / "submit.json").read_bytes()
    statuses: list[str] = []
    sent = 0

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def call(method: str, path: str, payload: bytes = b"", query: str = "", **headers: str):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8077",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(payload)),
        }
        if payload:
            environ["CONTENT_TYPE"] = "application/json"
        for name, value in headers.items():
            environ[f"HTTP_{name.upper()}"] = value
        response = application(environ, start_response)
        b"".join(response)
        response.close()

    def request() -> str:
        nonlocal sent
        sent += 1
        if scenario == "submit":
            call(
                "POST",
                "/api/v1/dossiers",
                body,
                authorization=f"Bearer {tokens[sent % len(tokens)]}",
                idempotency_key=f"instructions-{uuid.uuid4().hex}",
            )
            return "201"
        if scenario == "bare_insert":
            call("POST", "/bench/insert", body)
            return "201"
        if scenario == "status":
            call("GET", f"/api/v1/dossiers/{codes[sent % len(codes)]}/status")
            return "200"
        if scenario == "bare_select":
            call("GET", "/bench/select", query=f"id={rows[sent % len(rows)]}")
            return "200"
        raise SystemExit(f"unknown scenario {scenario}")

    for _ in range(WARM_UP + count):
        expected = request()
        if not statuses[-1].startswith(expected):
            print(f"{scenario}: got {statuses[-1]}, expected {expected}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
