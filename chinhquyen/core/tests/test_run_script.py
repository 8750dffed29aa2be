"""`make run` (scripts/run.sh): the server, the worker and the periodic jobs start on the HOST and
PORT given, and Ctrl-C (SIGINT to the foreground process group) or TERM stops all of them once,
with exit status 0 and no error text — no "Segmentation fault", nothing left running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port(after: int = 8299) -> int:
    for port in range(after + 1, 8400):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 8300–8399")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    """The developer profile on a migrated SQLite database of its own."""
    folder = tmp_path_factory.mktemp("run")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PUBLIC_BASE"))}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CHINHQUYEN_VAR_DIR=str(folder / "var"),
        DJANGO_SETTINGS_MODULE="config.settings.local",
        PY=sys.executable,
        PYTHONWARNINGS="ignore",
    )
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return env


@pytest.fixture(scope="module")
def with_signing(environment) -> dict[str, str]:
    """What `make run`'s demo gives the signing simulator: a CA we hold the key of and the
    leader it enrols (the rest of the demo is not needed here)."""
    subprocess.run(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from chinhquyen.accounts.services import user_create as u;"
            "from chinhquyen.signatures.services import ca_init as c;"
            "c(name='CA thử');"
            "u(username='lanhdao', password='x-demo-pass-1', full_name='Lãnh Đạo', roles=[])",
        ],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )
    return environment


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_make_run_serves_on_the_port_given_and_stops_cleanly(with_signing, sig):
    port = _free_port()
    simulator = _free_port(after=port)
    run = subprocess.Popen(  # noqa: S603
        ["/bin/bash", "scripts/run.sh"],
        cwd=ROOT,
        env={
            **with_signing,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "SIGNING_SIMULATOR_PORT": str(simulator),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback
                    f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2
                ) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert run.poll() is None, run.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        # The remote signing simulator serves the leader's "app" on its own port.
        while True:
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback
                    f"http://127.0.0.1:{simulator}/app/lanhdao", timeout=2
                ) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert run.poll() is None, run.stdout.read().decode()
                assert time.monotonic() < deadline, "the signing simulator did not start"
                time.sleep(0.5)
        started = _descendants(run.pid)
        commands = " ".join(Path(f"/proc/{p}/cmdline").read_text() for p in started)
        for part in (
            "db_worker",
            "periodic",
            f"runserver\x00127.0.0.1:{port}",
            f"signing_simulator\x00--port\x00{simulator}",
        ):
            assert part in commands, commands
        os.killpg(run.pid, sig)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    text = output.decode()
    assert run.returncode == 0, text
    for bad in ("Segmentation fault", "Traceback", "Terminated", "Killed", "Error"):
        assert bad not in text, text
    left = [pid for pid in started if _alive(pid)]
    assert left == [], left
