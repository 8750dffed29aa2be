"""Start and drive the remote signing simulator (``remote_simulator.py``) from tests.

Usage::

    from chinhquyen.signatures.testing.remote import RemoteSigningSimulator

    with RemoteSigningSimulator(ca_cert_pem=root_pem, ca_key_pem=root_key_pem) as sim:
        sim.url                             # base URL of the provider API (SIGNATURES_REMOTE_URL)
        sim.client_id, sim.client_secret    # its client credentials
        sim.enrol("lanhdao-a", common_name="Lãnh Đạo A", identifier="031090000001",
                  organisation="UBND phường Thử Nghiệm A", title="Chủ tịch")
        sim.app_url("lanhdao-a")            # the person's phone app page
        sim.configure(auto_confirm_after=0.5, lifetime=2, delay=0, wrong_key=False)
        sim.pending("lanhdao-a")            # pending transactions (dicts) of that user
        sim.confirm("lanhdao-a", tx_id)     # what the "Xác nhận" button does (a form POST)
        sim.refuse("lanhdao-a", tx_id)      # … and "Từ chối"
        sim.reset()                         # forget transactions, default knobs

In pytest: the session fixture ``signing_simulator`` (CA = the loopback root) and the
function fixture ``remote_identity`` (leader A of the ``world`` personas, registered through
``services.identity_register_remote`` with the settings pointing at the simulator), both in
``chinhquyen.signatures.testing.fixtures``.

The simulator runs in a **separate process** (``python -m …remote_simulator``) on 127.0.0.1, on
a socket bound here and inherited by the child, so there is no port race.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class RemoteSigningSimulator:
    def __init__(
        self,
        *,
        ca_cert_pem: bytes,
        ca_key_pem: bytes,
        workdir: str | os.PathLike | None = None,
        client_id: str = "chinhquyen-test",
        client_secret: str | None = None,
        lifetime: float = 300.0,
    ) -> None:
        self._own_tmp = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="chinhquyen-remote-"))
        self.ca_cert_pem = ca_cert_pem
        self.ca_key_pem = ca_key_pem
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.lifetime = lifetime
        self.url = ""
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> RemoteSigningSimulator:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = self.workdir / "ca.pem", self.workdir / "ca.key.pem"
        cert_path.write_bytes(self.ca_cert_pem)
        key_path.write_bytes(self.ca_key_pem)
        key_path.chmod(0o600)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self._sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "SIMULATOR_CLIENT_SECRET": self.client_secret,
            # this checkout's code, whichever copy of the project the virtualenv points at
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        self._proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "chinhquyen.signatures.testing.remote_simulator",
                "--ca-cert",
                str(cert_path),
                "--ca-key",
                str(key_path),
                "--client-id",
                self.client_id,
                "--fd",
                str(sock.fileno()),
                "--lifetime",
                str(self.lifetime),
            ],
            pass_fds=(sock.fileno(),),
            env=env,
            cwd=str(PROJECT_ROOT),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise RuntimeError(f"remote signing simulator exited early:\n{err}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException as exc:
                last_error = exc
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"remote signing simulator did not start: {last_error}")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            if self._proc.stderr:
                self._proc.stderr.close()
            self._proc = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._own_tmp:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RemoteSigningSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the knobs ----------------------------------------------------------------------------
    def _control(self, method: str, path: str, body: dict | None = None) -> dict:
        resp = requests.request(
            method,
            self.url + path,
            json=body,
            auth=(self.client_id, self.client_secret),
            timeout=10,
        )
        resp.raise_for_status()
        return resp.json()

    def enrol(
        self,
        user_id: str,
        *,
        common_name: str,
        kind: str = "personal",
        identifier: str = "",
        organisation: str = "",
        title: str = "",
    ) -> dict:
        """Give the provider a user with a key and a certificate (kept if already there)."""
        return self._control(
            "POST",
            "/control/users",
            {
                "user_id": user_id,
                "common_name": common_name,
                "kind": kind,
                "identifier": identifier,
                "organisation": organisation,
                "title": title,
            },
        )

    def configure(self, **knobs) -> dict:
        """lifetime, auto_confirm_after, auto_refuse_after, delay (seconds), wrong_key (bool)."""
        return self._control("POST", "/control/settings", knobs)

    def reset(self) -> dict:
        return self._control("POST", "/control/reset")

    def transactions(self) -> list[dict]:
        return self._control("GET", "/control/transactions")["transactions"]

    def pending(self, user_id: str) -> list[dict]:
        return [
            t for t in self.transactions() if t["user_id"] == user_id and t["status"] == "pending"
        ]

    # -- the person's phone app ---------------------------------------------------------------
    def app_url(self, user_id: str) -> str:
        return f"{self.url}/app/{user_id}"

    def _press(self, user_id: str, transaction_id: str, button: str) -> None:
        resp = requests.post(
            f"{self.app_url(user_id)}/{transaction_id}/{button}", timeout=10, allow_redirects=False
        )
        if resp.status_code != 303:
            raise RuntimeError(f"the app answered {resp.status_code}")

    def confirm(self, user_id: str, transaction_id: str) -> None:
        self._press(user_id, transaction_id, "confirm")

    def refuse(self, user_id: str, transaction_id: str) -> None:
        self._press(user_id, transaction_id, "refuse")
