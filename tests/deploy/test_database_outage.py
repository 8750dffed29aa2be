"""A database restart and an outage under the production stack (docs/security.md#availability).

gunicorn (deploy/gunicorn.conf.py, production profile, persistent connections) against a
PostgreSQL cluster of the test's own: after a restart every worker's next request succeeds
(connections are health-checked, not reused dead); while the cluster is down the API and Open311
answer 503 problem+json with Retry-After and pages a Vietnamese "tạm gián đoạn" page; when it is
back everything answers again without anyone acting. The machine's own cluster is never touched.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from .processes import free_port, gunicorn, http_get, server_env, stop, wait_until_answering

pytestmark = pytest.mark.slow  # several processes: in CI, skippable locally with -m 'not slow'

API = "/api/v1/agencies"
OPEN311 = "/open311/v2/requests.json"
PAGE = "/tra-cuu/000.00.00.H00-260101-0001"
WORKERS = 2
ROUNDS = 3 * WORKERS  # sequential requests: every worker gets some


def statuses(port: int, path: str) -> list[int | None]:
    return [http_get(port, path, timeout=10)[0] for _ in range(ROUNDS)]


@pytest.mark.postgres
def test_a_database_restart_and_outage_give_no_500(migrated_cluster, tmp_path: Path):
    port = free_port()
    env = server_env(
        migrated_cluster.url(), GUNICORN_WORKERS=str(WORKERS), DATABASE_CONN_MAX_AGE="600"
    )
    app = gunicorn(port, env, log=tmp_path / "gunicorn.log")
    try:
        wait_until_answering(port, API, times=ROUNDS)
        assert statuses(port, API) == [200] * ROUNDS  # every worker holds a connection now

        # A restart between two requests: the workers' connections are dead.
        migrated_cluster.stop()
        migrated_cluster.start()
        assert statuses(port, API) == [200] * ROUNDS
        assert statuses(port, PAGE) == [404] * ROUNDS  # the lookup page: no such dossier

        # The database is down.
        migrated_cluster.stop()
        for path in (API, OPEN311):
            for _ in range(ROUNDS):
                status, _, headers, body = http_get(port, path, timeout=10)
                assert status == 503, (path, status, body[:300])
                assert headers["Content-Type"].startswith("application/problem+json")
                assert headers["Retry-After"] == "30"
                problem = json.loads(body)
                assert problem["status"] == 503
                assert problem["code"] == "service_unavailable"
                assert problem["instance"] == path
        for _ in range(ROUNDS):
            status, _, headers, body = http_get(port, PAGE, timeout=10)
            assert status == 503
            assert headers["Content-Type"].startswith("text/html")
            assert headers["Retry-After"] == "30"
            assert "Hệ thống tạm gián đoạn" in body.decode()

        # Back: the next request of every worker succeeds, nobody restarted anything.
        migrated_cluster.start()
        assert statuses(port, API) == [200] * ROUNDS
        assert statuses(port, OPEN311) == [200] * ROUNDS
    finally:
        stop(app, sig=signal.SIGINT)
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")
        print(log[-2000:])
