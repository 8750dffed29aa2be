"""Process-level helpers for the deployment tests: free ports, a throw-away PostgreSQL cluster,
gunicorn and nginx started as the test's own child processes (never the machine's services)."""

from __future__ import annotations

import glob
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(
    os.environ.get("PG_BIN")
    or max(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]), default="")
)
NGINX = os.environ.get("NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen, timeout: float = 10.0, sig: int = signal.SIGTERM) -> None:
    """Stop a child process (nginx: TERM is its fast shutdown; gunicorn: pass SIGINT for its
    quick shutdown, TERM waits for the workers gracefully)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class Cluster:
    """A PostgreSQL cluster of its own in a temporary directory, on a free loopback port
    (initdb/pg_ctl; run as the ``postgres`` user when the tests run as root, as initdb demands).
    Durability is off: it is thrown away."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chinhquyen-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own programs, arguments we built
            [*self._as, *args], check=True, capture_output=True, timeout=60, cwd=self.dir
        )

    def url(self, database: str = "chinhquyen") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.dir / "log"), "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def createdb(self, name: str = "chinhquyen") -> None:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "postgres", name)  # fmt: skip

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with suppress(subprocess.SubprocessError):
                self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        c.init()
        c.start()
        yield c
    finally:
        c.destroy()


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The production profile (DEBUG off, secrets from the environment) on loopback, plain HTTP.
    tests/deploy/settings.py differs from it only in serving static files without a manifest
    (no collectstatic in a test)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.deploy.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "deploy-test-" + "k" * 40,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PAGE_CACHE_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def gunicorn(port: int, env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    """gunicorn with the production configuration file (deploy/gunicorn.conf.py), bound to a
    loopback port of the test's."""
    proc = subprocess.Popen(  # noqa: S603 - the venv's gunicorn
        [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind",
         f"127.0.0.1:{port}", *args, "config.wsgi"],
        cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return proc


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=180,
    )  # fmt: skip


NGINX_MAIN = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/chinhquyen.conf;
}}
"""


def nginx_config(tmp: Path, *, listen: str, upstream: str) -> Path:
    """deploy/nginx/chinhquyen.conf with its placeholders filled, inside a main configuration
    whose pid, logs and temporary files are all in ``tmp``: the machine's nginx is not used."""
    site = (ROOT / "deploy" / "nginx" / "chinhquyen.conf").read_text()
    for name, value in {
        "@LISTEN@": listen,
        "@SERVER_NAME@": "127.0.0.1",
        "@UPSTREAM@": upstream,
        "@STATIC_ROOT@": str(ROOT / "var" / "static"),
    }.items():
        site = site.replace(name, value)
    assert not re.search(r"@[A-Z_]+@", site), "a placeholder of the template is not filled in"
    (tmp / "chinhquyen.conf").write_text(site)
    main = tmp / "nginx.conf"
    main.write_text(NGINX_MAIN.format(tmp=tmp))
    return main


def nginx(tmp: Path, conf: Path) -> subprocess.Popen:
    if not (NGINX and Path(NGINX).exists()):
        raise RuntimeError(
            "nginx is missing: scripts/bootstrap.sh installs it (apt-get install nginx)"
        )
    tmp.chmod(0o755)  # the worker process (www-data when started as root) reads and writes here
    subprocess.run(  # noqa: S603 - Debian's nginx checking our configuration
        [NGINX, "-t", "-q", "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
        stdout=(tmp / "nginx.out").open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int | None, float, dict, bytes]:
    """One GET on a fresh connection: (status or None on timeout/error, seconds, headers, body)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json, text/html"})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, time.monotonic() - started, dict(resp.getheaders()), body
    except (OSError, http.client.HTTPException):
        return None, time.monotonic() - started, {}, b""
    finally:
        conn.close()


def wait_until_answering(port: int, path: str, timeout: float = 60.0, times: int = 4) -> None:
    """Until ``times`` requests in a row get an answer (workers started and warm)."""
    deadline = time.monotonic() + timeout
    row = 0
    while row < times:
        if time.monotonic() > deadline:
            raise TimeoutError(f"127.0.0.1:{port}{path} does not answer after {timeout} s")
        status, _, _, _ = http_get(port, path, timeout=10)
        row = row + 1 if status is not None and status < 500 else 0
        if row == 0:
            time.sleep(0.2)
