"""A hub and agency nodes as separate processes on loopback, each with its own database.

Used by the process tests (``chinhquyen/exchange/tests/test_processes.py``) and the benchmark
(``scripts/bench_exchange.sh``)::

    with Cluster(workdir, nodes={"a": "000.01.31.H26", "b": "000.02.31.H26"}) as c:
        c.manage("a", "exchange", "send", "--to", "000.02.31.H26")
        c.wait_for(lambda: c.stats("b")["inbox_edoc"] == 1)

The hub is gunicorn serving ``config.wsgi`` (its listening socket is bound here and handed over,
so there is no port race); a node is ``manage.py exchange run-node``. Databases are SQLite files
in ``workdir`` (migrated once, then copied) or, with ``pg_base_url``
(``postgres://postgres@127.0.0.1:5432``), PostgreSQL databases created from a migrated template.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
MANAGE = str(BASE_DIR / "manage.py")
ENROL_SECRET = "enrol-secret-for-tests"  # noqa: S105  (a test cluster's own secret)


class Cluster:
    def __init__(
        self,
        workdir: str | os.PathLike,
        *,
        nodes: dict[str, str],
        pg_base_url: str | None = None,
        db_prefix: str = "ex",
        hub_workers: int = 2,
        extra_env: dict[str, str] | None = None,
        tsa_url: str = "",
        tsa_root_pem: bytes | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.nodes = nodes
        self.pg_base_url = pg_base_url.rstrip("/") if pg_base_url else None
        self.db_prefix = db_prefix
        self.hub_workers = hub_workers
        self.extra_env = extra_env or {}
        self.tsa_url = tsa_url
        self.procs: dict[str, subprocess.Popen] = {}
        self.hub_sock: socket.socket | None = None
        self.hub_url = ""
        self.tsa_root_file = ""
        if tsa_root_pem:
            path = self.workdir / "tsa-root.pem"
            path.write_bytes(tsa_root_pem)
            self.tsa_root_file = str(path)

    # --- environment --------------------------------------------------------------------------

    def db_url(self, name: str) -> str:
        if self.pg_base_url:
            return f"{self.pg_base_url}/{self.db_prefix}_{name}"
        return f"sqlite:///{self.workdir / (name + '.sqlite3')}"

    def env(self, name: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("EXCHANGE_", "PYTEST_", "DATABASE_URL"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": self.db_url(name),
                "DATABASE_CONN_MAX_AGE": "600",
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "WARNING",
                "EXCHANGE_ROLE": "hub" if name == "hub" else "node",
                "EXCHANGE_HUB_ENROL_SECRET": ENROL_SECRET,
                "EXCHANGE_RETRY_BASE_SECONDS": "0.5",
                "EXCHANGE_RETRY_MAX_SECONDS": "5",
                "EXCHANGE_POLL_SECONDS": "0.2",
                "EXCHANGE_TIMESTAMP_SECONDS": "2",
                "EXCHANGE_TSA_URL": self.tsa_url,
                "EXCHANGE_TSA_ROOT_FILE": self.tsa_root_file,
            }
        )
        if name in self.nodes:
            env.update(
                {
                    "EXCHANGE_AGENCY_ID": self.nodes[name],
                    "EXCHANGE_KEY_FILE": str(self.workdir / f"{name}.key.pem"),
                    "EXCHANGE_CERT_FILE": str(self.workdir / f"{name}.cert.pem"),
                }
            )
        env.update(self.extra_env)
        return env

    def manage(self, name: str, *args: str, check: bool = True, timeout: float = 120) -> str:
        result = subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
            [sys.executable, MANAGE, *args],
            env=self.env(name),
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{name}: manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout.strip()

    def stats(self, name: str) -> dict:
        """Counts read straight from the process's database (no Django start-up per poll)."""
        queries = {
            "outbox_pending": "SELECT count(*) FROM exchange_outboxmessage WHERE state='pending'",
            "outbox_sent": "SELECT count(*) FROM exchange_outboxmessage WHERE state='sent'",
            "outbox_failed": "SELECT count(*) FROM exchange_outboxmessage WHERE state='failed'",
            "inbox": "SELECT count(*) FROM exchange_inboxmessage",
            "inbox_edoc": "SELECT count(*) FROM exchange_inboxmessage WHERE kind='edoc'",
            "register_in": "SELECT count(*) FROM exchange_registerentry WHERE direction='in'",
            "register_in_docs": "SELECT count(DISTINCT document_id) FROM exchange_registerentry WHERE direction='in'",
            "register_out": "SELECT count(*) FROM exchange_registerentry WHERE direction='out'",
            "out_answered": "SELECT count(*) FROM exchange_registerentry WHERE direction='out' AND status<>'sent'",
            "hub_messages": "SELECT count(*) FROM exchange_hubmessage",
            "hub_pending": "SELECT count(*) FROM exchange_hubdelivery WHERE state='pending'",
            "log": "SELECT count(*) FROM exchange_logentry",
            "timestamps": "SELECT count(*) FROM exchange_logtimestamp",
        }
        return {k: v for k, v in zip(queries, self.sql(name, list(queries.values())), strict=True)}

    def sql(self, name: str, queries: list[str]) -> list:
        """First column of the first row of each query, on the process's database."""
        if self.pg_base_url:
            import psycopg

            with psycopg.connect(self.db_url(name).replace("postgres://", "postgresql://")) as conn:
                return [conn.execute(q).fetchone()[0] for q in queries]
        import sqlite3

        conn = sqlite3.connect(
            f"file:{self.workdir / (name + '.sqlite3')}?mode=ro", uri=True, timeout=30
        )
        try:
            return [conn.execute(q).fetchone()[0] for q in queries]
        finally:
            conn.close()

    def rows(self, name: str, query: str) -> list[tuple]:
        if self.pg_base_url:
            import psycopg

            with psycopg.connect(self.db_url(name).replace("postgres://", "postgresql://")) as conn:
                return list(conn.execute(query).fetchall())
        import sqlite3

        conn = sqlite3.connect(
            f"file:{self.workdir / (name + '.sqlite3')}?mode=ro", uri=True, timeout=30
        )
        try:
            return list(conn.execute(query).fetchall())
        finally:
            conn.close()

    # --- databases ----------------------------------------------------------------------------

    def _psql(self, sql: str) -> None:
        subprocess.run(  # noqa: S603
            ["psql", f"{self.pg_base_url}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],  # noqa: S607
            check=True,
            capture_output=True,
        )

    def create_databases(self) -> None:
        names = ["hub", *self.nodes]
        if self.pg_base_url:
            template = f"{self.db_prefix}_template"
            for n in [*names, "template"]:
                self._psql(f'DROP DATABASE IF EXISTS "{self.db_prefix}_{n}"')
            self._psql(f'CREATE DATABASE "{template}"')
            self.manage("template", "migrate", "-v0", timeout=600)
            for n in names:
                self._psql(f'CREATE DATABASE "{self.db_prefix}_{n}" TEMPLATE "{template}"')
            return
        template = self.workdir / "template.sqlite3"
        if not template.exists():
            self.manage("template", "migrate", "-v0", timeout=600)
        for n in names:
            shutil.copyfile(template, self.workdir / f"{n}.sqlite3")

    def drop_databases(self) -> None:
        if not self.pg_base_url:
            return
        for n in ["hub", *self.nodes, "template", "btampered"]:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._psql(f'DROP DATABASE IF EXISTS "{self.db_prefix}_{n}" WITH (FORCE)')

    # --- processes ----------------------------------------------------------------------------

    def _log(self, name: str):
        return open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115  (the child owns it)

    def start_hub(self) -> None:
        if self.hub_sock is None:
            self.hub_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.hub_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.hub_sock.bind(("127.0.0.1", 0))
            self.hub_sock.listen(128)
            self.hub_sock.set_inheritable(True)
            self.hub_url = f"http://127.0.0.1:{self.hub_sock.getsockname()[1]}"
        fd = self.hub_sock.fileno()
        log = self._log("hub")
        self.procs["hub"] = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"fd://{fd}",
                "--workers",
                str(self.hub_workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
            ],
            env=self.env("hub"),
            cwd=BASE_DIR,
            stdout=log,
            stderr=log,
            pass_fds=(fd,),
        )
        if self.tsa_url:
            self.procs["hub-worker"] = subprocess.Popen(  # noqa: S603
                [sys.executable, MANAGE, "exchange", "run-hub"],
                env=self.env("hub"),
                cwd=BASE_DIR,
                stdout=log,
                stderr=log,
            )
        self.wait_for(self._hub_up, timeout=60, what="hub to answer")

    def _hub_up(self) -> bool:
        import requests

        try:
            requests.get(f"{self.hub_url}/api/v1/exchange/hub/inbox", timeout=2)
        except requests.RequestException:
            return False
        return True

    def start_node(self, name: str) -> None:
        log = self._log(name)
        self.procs[name] = subprocess.Popen(  # noqa: S603
            [sys.executable, MANAGE, "exchange", "run-node"],
            env=self.env(name),
            cwd=BASE_DIR,
            stdout=log,
            stderr=log,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)

    def setup(self) -> None:
        self.create_databases()
        for name in self.nodes:
            from chinhquyen.exchange.management.commands.exchange import make_keys

            make_keys(
                key_path=self.workdir / f"{name}.key.pem",
                cert_path=self.workdir / f"{name}.cert.pem",
                common_name=f"Nút liên thông {self.nodes[name]}",
            )
        self.start_hub()
        for name, agency_id in self.nodes.items():
            self.manage(
                name,
                "exchange",
                "register",
                "--hub-url",
                self.hub_url,
                "--agency-id",
                agency_id,
                "--name",
                f"Cơ quan {agency_id}",
                "--secret",
                ENROL_SECRET,
            )
            self.start_node(name)

    def stop(self) -> None:
        # Nodes first: a node talking to a stopped hub would wait for its HTTP timeout.
        for name in sorted(self.procs, key=lambda n: n.startswith("hub")):
            self.kill(name, signal.SIGTERM)
        for name in list(self.procs):
            self.kill(name, signal.SIGKILL)
        if self.hub_sock is not None:
            self.hub_sock.close()
            self.hub_sock = None

    def __enter__(self) -> Cluster:
        try:
            self.setup()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def wait_for(
        check: Callable[[], bool],
        *,
        timeout: float = 60,
        interval: float = 0.3,
        what: str = "condition",
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)
