"""`make bench-signing`, second part: ``POST /api/v1/signatures/validate`` against a real gunicorn
(one sync worker, production settings, SQLite) with revocation checking on, beside the in-process
rate of the same document measured in the same run.

The document is a sealed decision (personal signature, then the agency's seal) signed by the
loopback PKI (``testing/loopback.py``): its certificates name the loopback CRL and OCSP
responders, a real server process, so every revocation check the server makes is an HTTP request
to it. The server trusts the loopback root (``SIGNATURES_TRUST_ROOTS``) and checks revocation in
``hard-fail`` mode (``SIGNATURES_REVOCATION_MODE``): a response that is not TOTAL_PASSED stops
the benchmark.

In process, the same document is validated with ``validate_pdf`` and one validation context
trusting the loopback root, fetching, ``hard-fail``, reused warm across documents as the first
part of the benchmark does: the best a single process can do.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path


def sealed_document(pki) -> bytes:
    from chinhquyen.signatures import signing
    from chinhquyen.signatures.testing import samples

    personal = signing.sign_personal(
        samples.decision_pdf(),
        signer=pki.signer("personal"),
        image_png=samples.blue_signature_png(),
        page_ix=0,
        box=samples.decision_box(),
    )
    return signing.sign_agency(
        personal,
        signer=pki.signer("agency"),
        seal_png=samples.red_seal_png(),
        personal_field=signing.PERSONAL_FIELD + "1",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="quyet-dinh.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


class Server:
    """gunicorn with one sync worker on a fresh SQLite database, trusting ``root_pem``."""

    def __init__(self, *, root_pem: bytes, revocation_mode: str = "hard-fail") -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="chinhquyen-bench-sig-"))
        (self.tmp / "root.pem").write_bytes(root_pem)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.sqlite3'}",
            "SIGNATURES_TRUST_ROOTS": str(self.tmp / "root.pem"),
            "SIGNATURES_ALLOW_FETCHING": "true",
            "SIGNATURES_REVOCATION_MODE": revocation_mode,
            "PYTHONWARNINGS": "ignore",
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        python = sys.executable
        subprocess.run(  # noqa: S603 - our own command
            [python, "manage.py", "migrate", "-v0"], env=self.env, check=True
        )
        gunicorn = str(Path(python).with_name("gunicorn"))
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                gunicorn,
                "config.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.proc.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)

    def validate(self, body: bytes, ctype: str) -> dict:
        req = urllib.request.Request(  # noqa: S310 - loopback
            self.url + "/api/v1/signatures/validate",
            data=body,
            headers={"Content-Type": ctype},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            return json.loads(resp.read())


def endpoint_rate(server: Server, data: bytes, seconds: float, clients: int = 2) -> float:
    """Requests per second over ``seconds`` from ``clients`` threads, each request checked."""
    body, ctype = _multipart(data)
    done = [0] * clients
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds

    def run(i: int) -> None:
        while time.perf_counter() < stop_at:
            try:
                report = server.validate(body, ctype)
            except OSError as exc:
                errors.append(repr(exc))
                return
            if report.get("indication") != "TOTAL_PASSED":
                errors.append(json.dumps(report, ensure_ascii=False)[:2000])
                return
            done[i] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError("validation through the endpoint failed: " + errors[0])
    return sum(done) / elapsed


def measure(*, seconds: float, rounds: int, rate, wait_for_quiet, quiet_timeout: float) -> dict:
    """Both figures for the sealed document; ``rate`` and ``wait_for_quiet`` are the command's."""
    from chinhquyen.signatures.testing.loopback import LoopbackPKI
    from chinhquyen.signatures.validation import validate_pdf

    with LoopbackPKI() as pki:
        data = sealed_document(pki)
        vc = pki.validation_context(revocation_mode="hard-fail")
        first = validate_pdf(data, validation_context=vc)
        if first.indication != "TOTAL_PASSED":  # pragma: no cover - a broken benchmark
            raise RuntimeError(first.as_dict())

        def validate(_i: int) -> None:
            report = validate_pdf(data, validation_context=vc)
            if report.indication != "TOTAL_PASSED":  # pragma: no cover
                raise RuntimeError(report.as_dict())

        server = Server(root_pem=pki.root_cert_pem)
        try:
            server.start()
            body, ctype = _multipart(data)
            report = server.validate(body, ctype)  # warm-up, and a check
            if report.get("indication") != "TOTAL_PASSED":
                raise RuntimeError(json.dumps(report, ensure_ascii=False)[:2000])
            # in process and through the endpoint in turn, round after round, so that both see
            # the same (shared, drifting) machine; the ratio is the median of the rounds' ratios
            inner, rates, ratios = [], [], []
            for _ in range(rounds):
                wait_for_quiet(quiet_timeout)
                here, _median, _n = rate(validate, seconds / rounds, 1)
                there = endpoint_rate(server, data, seconds / rounds)
                inner.append(here)
                rates.append(there)
                ratios.append(there / here)
        finally:
            server.stop()
    inner.sort()
    ratios.sort()
    in_process, in_process_median = inner[-1], inner[len(inner) // 2]
    ratio = ratios[len(ratios) // 2]
    rates.sort()
    return {
        "endpoint_document": f"sealed decision (personal + agency signatures), {len(data)} bytes",
        "endpoint_revocation": "hard-fail, OCSP and CRL from the loopback responders",
        "in_process_sealed_per_s": round(in_process, 1),
        "in_process_sealed_median_per_s": round(in_process_median, 1),
        "endpoint_per_s": round(rates[-1], 1),
        "endpoint_median_per_s": round(rates[len(rates) // 2], 1),
        "endpoint_vs_in_process": round(ratio, 3),
        "endpoint_vs_in_process_rounds": [round(r, 3) for r in ratios],
        "endpoint_target_ratio": 0.5,
        "endpoint_target_met": ratio >= 0.5,
    }
