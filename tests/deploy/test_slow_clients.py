"""Slow clients against the documented production stack (docs/security.md#availability).

Eight connections send a request head one line a second. Straight to gunicorn's sync workers
(as scripts/bench.sh runs them) they hold both workers, and another client's public status
lookups get no answer; through the nginx front of deploy/nginx/chinhquyen.conf the same attack
leaves the lookups answering in milliseconds, because nginx hands gunicorn only whole requests.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest

from .processes import (
    free_port,
    gunicorn,
    http_get,
    nginx,
    nginx_config,
    server_env,
    stop,
    wait_for_port,
    wait_until_answering,
)

pytestmark = pytest.mark.slow  # several processes: in CI, skippable locally with -m 'not slow'

SLOW_CLIENTS = 8
LOOKUP = "/api/v1/dossiers/000.00.00.H00-260101-0001/status"  # a public lookup, one query
BOUND = 2.0  # seconds a lookup may take while the attack goes on


def attack(port: int, seconds: float) -> list[tuple[int | None, float]]:
    """SLOW_CLIENTS connections dribbling header lines every second for ``seconds``, while a
    second client looks a dossier up every 0.2 s; the lookups' (status, seconds)."""
    slow = []
    for _ in range(SLOW_CLIENTS):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /api/v1/agencies HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(s)
    end = time.monotonic() + seconds

    def dribble():
        while time.monotonic() < end:
            for s in slow:
                with suppress(OSError):  # nginx closed it (client_header_timeout)
                    s.sendall(b"X-Slow: 1\r\n")
            time.sleep(1)

    dribbler = threading.Thread(target=dribble)
    dribbler.start()
    time.sleep(0.5)  # the slow connections are in before the first lookup
    lookups = []
    try:
        while time.monotonic() < end:
            status, took, _, _ = http_get(port, LOOKUP, timeout=BOUND)
            lookups.append((status, took))
            time.sleep(0.2)
    finally:
        dribbler.join()
        for s in slow:
            s.close()
    return lookups


@pytest.fixture(scope="module")
def stack(migrated_cluster, tmp_path_factory) -> Iterator[tuple[int, int]]:
    """gunicorn (production profile, deploy/gunicorn.conf.py, 2 sync workers as
    scripts/bench.sh runs them) and nginx (deploy/nginx/chinhquyen.conf) in front of it:
    (gunicorn's port, nginx's port)."""
    tmp = tmp_path_factory.mktemp("stack")
    app_port, front_port = free_port(), free_port()
    env = server_env(migrated_cluster.url(), GUNICORN_WORKERS="2")
    app = gunicorn(app_port, env, log=tmp / "gunicorn.log")
    front = None
    try:
        wait_for_port(app_port, proc=app)
        conf = nginx_config(tmp, listen=f"127.0.0.1:{front_port}", upstream=f"127.0.0.1:{app_port}")
        front = nginx(tmp, conf)
        wait_for_port(front_port, proc=front)
        wait_until_answering(front_port, LOOKUP)
        yield app_port, front_port
    finally:
        if front is not None:
            stop(front)
        stop(app, sig=signal.SIGINT)


def test_nginx_keeps_lookups_answering_while_slow_clients_stall_bare_gunicorn(stack):
    app_port, front_port = stack

    # Through nginx: every lookup answered, within the bound.
    behind = attack(front_port, seconds=10)
    assert len(behind) >= 10
    assert all(status == 404 for status, _ in behind), behind  # answered: no such dossier
    times = [took for _, took in behind]
    assert max(times) < BOUND, times
    print(
        f"\nbehind nginx: {len(behind)} lookups, median {statistics.median(times) * 1000:.0f} ms,"
        f" max {max(times) * 1000:.0f} ms"
    )

    # Straight to gunicorn's sync workers: the same attack starves the lookups.
    wait_until_answering(app_port, LOOKUP)
    bare = attack(app_port, seconds=6)
    answered = [took for status, took in bare if status is not None]
    print(f"bare gunicorn: {len(answered)} of {len(bare)} lookups answered within {BOUND} s")
    assert len(bare) >= 2
    assert len(answered) <= len(bare) // 2, bare


def post(port: int, path: str, body: bytes, content_type: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body, {"Content-Type": content_type})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_nginx_keeps_a_sign_in_flood_off_the_workers(stack):
    """Beyond a burst of 20, one sign-in POST per address every 2 s reaches the application;
    the rest get nginx's own 429 (problem+json on the API, a Vietnamese page), with Retry-After.
    The application's lockout (django-axes) still answers what gets through."""
    _, front_port = stack
    wrong = json.dumps({"username": "nobody-here", "password": "guess"}).encode()
    answers = [post(front_port, "/api/v1/auth/token", wrong, "application/json") for _ in range(30)]
    statuses = [status for status, _, _ in answers]
    assert statuses[:4] == [401] * 4  # the application: wrong password
    assert set(statuses[4:]) == {429}  # then the application's lockout, then nginx's limit
    from_nginx = [(h, b) for s, h, b in answers if s == 429 and b"too_many_requests" in b]
    assert len(from_nginx) >= 5
    headers, body = from_nginx[-1]
    assert headers["Content-Type"].startswith("application/problem+json")
    assert headers["Retry-After"] == "60"
    problem = json.loads(body)
    assert problem["status"] == 429 and problem["code"] == "too_many_requests"

    status, headers, body = post(front_port, "/dang-nhap/", b"username=a&password=b",
                                 "application/x-www-form-urlencoded")  # fmt: skip
    assert status == 429
    assert headers["Retry-After"] == "60"
    assert "Quá nhiều yêu cầu đăng nhập" in body.decode()
    # Lookups are not limited.
    assert http_get(front_port, LOOKUP)[0] == 404
