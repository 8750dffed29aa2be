"""Wrong-password flood against the production stack, with and without the sign-in throttle.

A throw-away PostgreSQL cluster, gunicorn (deploy/gunicorn.conf.py, production profile, PBKDF2 as
in production, 2 sync workers) behind nginx (deploy/nginx/chinhquyen.conf). Three runs: no
throttle at all (the old behaviour), the application's throttle alone (nginx's sign-in rate limit
taken out of the template), both. In each, 8 threads post wrong passwords to /api/v1/auth/token
for DURATION seconds while another client looks a dossier up every 0.2 s; prints the lookups'
latency and the flood's answers. Figures: docs/benchmarks.md (Availability). Usage: .venv/bin/python
scripts/bench_login_flood.py [seconds]
"""

from __future__ import annotations

import http.client
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.deploy.processes import (  # noqa: E402
    ROOT,
    cluster,
    free_port,
    gunicorn,
    http_get,
    migrate,
    nginx,
    nginx_config,
    server_env,
    stop,
    wait_for_port,
    wait_until_answering,
)

LOOKUP = "/api/v1/dossiers/000.00.00.H00-260101-0001/status"
FLOODERS = 8


def post_token(port: int, password: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps({"username": "canbo", "password": password})
        conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def run(db_url: str, throttle: bool, edge_limit: bool, seconds: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="login-flood-"))
    app_port, front_port = free_port(), free_port()
    env = server_env(db_url, GUNICORN_WORKERS="2", LOGIN_THROTTLE=str(throttle).lower())
    app = gunicorn(app_port, env, log=tmp / "gunicorn.log")
    front = None
    try:
        wait_for_port(app_port, proc=app)
        conf = nginx_config(tmp, listen=f"127.0.0.1:{front_port}", upstream=f"127.0.0.1:{app_port}")
        if not edge_limit:  # the template without its sign-in rate limit
            site = tmp / "chinhquyen.conf"
            kept = [line for line in site.read_text().splitlines() if "limit_req zone=" not in line]
            site.write_text("\n".join(kept) + "\n")
        front = nginx(tmp, conf)
        wait_for_port(front_port, proc=front)
        wait_until_answering(front_port, LOOKUP)
        quiet = [http_get(front_port, LOOKUP, timeout=10)[1] for _ in range(20)]
        end = time.monotonic() + seconds
        answers: Counter = Counter()
        lock = threading.Lock()

        def flood():
            while time.monotonic() < end:
                status = post_token(front_port, "wrong-password")
                with lock:
                    answers[status] += 1

        threads = [threading.Thread(target=flood) for _ in range(FLOODERS)]
        for t in threads:
            t.start()
        lookups = []
        while time.monotonic() < end:
            status, took, _, _ = http_get(front_port, LOOKUP, timeout=30)
            lookups.append(took)
            time.sleep(0.2)
        for t in threads:
            t.join()
        return {
            "throttle": throttle,
            "nginx_limit": edge_limit,
            "quiet_median_ms": round(statistics.median(quiet) * 1000, 1),
            "lookups": len(lookups),
            "median_ms": round(statistics.median(lookups) * 1000, 1),
            "p90_ms": round(sorted(lookups)[int(len(lookups) * 0.9)] * 1000, 1),
            "max_ms": round(max(lookups) * 1000, 1),
            "flood_answers": dict(answers),
        }
    finally:
        if front is not None:
            stop(front)
        stop(app, sig=signal.SIGINT)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 15
    with cluster() as c:
        c.createdb()
        env = server_env(c.url())
        migrate(env)
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", "canbo",
             "--email", "canbo@example.vn"],
            cwd=ROOT, check=True, capture_output=True,
            env={**env, "DJANGO_SUPERUSER_PASSWORD": "a-long-right-password-2026"},
        )  # fmt: skip
        for throttle, edge_limit in ((False, False), (True, False), (True, True)):
            print(json.dumps(run(c.url(), throttle, edge_limit, seconds)), flush=True)


if __name__ == "__main__":
    main()
