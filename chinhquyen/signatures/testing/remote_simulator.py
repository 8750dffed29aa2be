"""A simulator of a remote signing provider (VNPT SmartCA / Viettel MySign style), run as a
separate process: a fake at the edge of the outside world, like the loopback PKI.

It holds a key and a certificate for each of its users, issued by the CA it is given (our
development CA for the demo, the loopback root in tests), and serves:

* the provider API of ``providers/remote.py`` (HTTP Basic with the client credentials it was
  given): the users' credentials, a signing transaction per batch of hashes, its status;
* the person's **phone app** (``remote_app.py``), one page per user: ``/app/<user>`` lists the pending transactions
  (description, number of documents, expiry) with "Xác nhận" and "Từ chối" buttons, and the
  last decided ones;
* test and demo knobs under ``/control/`` (same credentials): enrol a user, change the
  behaviour (transaction lifetime, auto-confirm or auto-refuse after N s, delay every API
  answer, sign with a wrong key), reset, list transactions.

Time-outs, auto-confirmation and auto-refusal are applied when a transaction is looked at (a
status poll, the app page), so no background thread is needed. Transactions live in memory;
users' keys too, or in ``--state-dir`` (PEM files) so that a demo survives a restart.

No Django here: ``python -m chinhquyen.signatures.testing.remote_simulator --ca-cert F --ca-key
F [--fd N | --port P] …`` starts in a fraction of a second. ``manage.py signing_simulator``
runs the same server with the development CA from the database (see that command).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from chinhquyen.signatures import pki
from chinhquyen.signatures.testing.remote_app import STATUS_VI, app_page, not_found_page

USER_ID = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")


@dataclass
class Knobs:
    lifetime: float = 300.0  # seconds a transaction waits for the person
    auto_confirm_after: float | None = None  # confirm by itself after N s (tests, demo)
    auto_refuse_after: float | None = None  # refuse by itself after N s
    delay: float = 0.0  # seconds added before every provider API answer
    wrong_key: bool = False  # sign with a key that is not the certificate's

    def update(self, values: dict) -> None:
        for name in ("lifetime", "auto_confirm_after", "auto_refuse_after", "delay"):
            if name in values:
                value = values[name]
                setattr(self, name, None if value is None else float(value))
        if "wrong_key" in values:
            self.wrong_key = bool(values["wrong_key"])

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class User:
    user_id: str
    common_name: str
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def credential_id(self) -> str:
        return f"{self.user_id}-{self.cert.serial_number:x}"[:120]


@dataclass
class Transaction:
    transaction_id: str
    user_id: str
    credential_id: str
    description: str
    documents: list[tuple[str, bytes]]
    created: float
    expires: float
    status: str = "pending"
    signatures: dict[str, bytes] = field(default_factory=dict)
    decided: float | None = None

    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, tz=UTC)


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str = ""):
        super().__init__(error)
        self.status, self.error, self.message = status, error, message


class Simulator:
    """The provider's state: users with their keys, transactions, knobs. Thread-safe."""

    def __init__(
        self,
        *,
        ca_cert: x509.Certificate,
        ca_key,
        client_id: str,
        client_secret: str,
        state_dir: Path | None = None,
        knobs: Knobs | None = None,
    ):
        self.ca = pki.KeyAndCert(key=ca_key, cert=ca_cert)
        self.client = (client_id, client_secret)
        self.state_dir = state_dir
        self.knobs = knobs or Knobs()
        self.defaults = Knobs(**self.knobs.as_dict())
        self.users: dict[str, User] = {}
        self.transactions: dict[str, Transaction] = {}
        self.lock = threading.RLock()
        self._wrong_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if state_dir is not None:
            self._load()

    # --- users ---------------------------------------------------------------------------
    def _load(self) -> None:
        for meta_path in sorted(self.state_dir.glob("*/user.json")):
            folder = meta_path.parent
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            cert = x509.load_pem_x509_certificate((folder / "cert.pem").read_bytes())
            if not self._issued_by_ca(cert):
                continue  # issued by another CA (the development CA was recreated): re-enrol
            key = serialization.load_pem_private_key((folder / "key.pem").read_bytes(), None)
            self.users[meta["user_id"]] = User(meta["user_id"], meta["common_name"], key, cert)

    def _issued_by_ca(self, cert: x509.Certificate) -> bool:
        try:
            cert.verify_directly_issued_by(self.ca.cert)
        except Exception:  # noqa: BLE001 - any failure (name, signature, key type): not ours
            return False
        return True

    def enrol(
        self,
        *,
        user_id: str,
        common_name: str,
        kind: str = pki.PERSONAL,
        identifier: str = "",
        organisation: str = "",
        title: str = "",
    ) -> User:
        """A user with a key and a certificate from the CA; an existing user is kept as is."""
        if not USER_ID.match(user_id or ""):
            raise ApiError(400, "invalid_request", "user_id: letters, digits, . _ @ -")
        if kind not in (pki.PERSONAL, pki.AGENCY) or not common_name:
            raise ApiError(400, "invalid_request", "kind personal|agency and common_name")
        with self.lock:
            if user_id in self.users:
                return self.users[user_id]
            subject = pki.subject_for(
                kind=kind,
                common_name=common_name,
                organisation=organisation,
                identifier=identifier,
                title=title,
            )
            issued = pki.cert_issue(ca=self.ca, subject=subject, days=730)
            user = User(user_id, common_name, issued.key, issued.cert)
            self.users[user_id] = user
            if self.state_dir is not None:
                self._save(user)
            return user

    def _save(self, user: User) -> None:
        folder = self.state_dir / user.user_id
        folder.mkdir(parents=True, exist_ok=True)
        key_path = folder / "key.pem"
        key_path.write_bytes(
            user.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        (folder / "cert.pem").write_bytes(user.cert.public_bytes(serialization.Encoding.PEM))
        (folder / "user.json").write_text(
            json.dumps({"user_id": user.user_id, "common_name": user.common_name}),
            encoding="utf-8",
        )

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise ApiError(404, "user_not_found", "no such user")
        return user

    def credentials(self, user_id: str) -> dict:
        user = self.user(user_id)
        der = serialization.Encoding.DER
        return {
            "credentials": [
                {
                    "credential_id": user.credential_id,
                    "status": "active",
                    "certificate": base64.b64encode(user.cert.public_bytes(der)).decode(),
                    "chain": [base64.b64encode(self.ca.cert.public_bytes(der)).decode()],
                    "valid_from": user.cert.not_valid_before_utc.isoformat(),
                    "valid_to": user.cert.not_valid_after_utc.isoformat(),
                }
            ]
        }

    # --- transactions --------------------------------------------------------------------
    def create(self, body: dict) -> Transaction:
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "a JSON object is expected")
        user = self.user(str(body.get("user_id", "")))
        if body.get("credential_id") not in ("", None, user.credential_id):
            raise ApiError(404, "credential_not_found", "no such credential")
        if body.get("hash_algorithm", "sha256") != "sha256":
            raise ApiError(400, "invalid_request", "only sha256 is supported")
        description = body.get("description")
        docs = body.get("documents")
        if not isinstance(description, str) or not description.strip():
            raise ApiError(400, "invalid_request", "description is required")
        if not isinstance(docs, list) or not docs or len(docs) > 100:
            raise ApiError(400, "invalid_request", "1 to 100 documents")
        documents = []
        try:
            for doc in docs:
                digest = base64.b64decode(doc["hash"], validate=True)
                if len(digest) != 32 or not isinstance(doc["id"], str) or not doc["id"]:
                    raise ValueError
                documents.append((doc["id"], digest))
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ApiError(400, "invalid_request", "documents: id and base64 SHA-256") from exc
        if len({d[0] for d in documents}) != len(documents):
            raise ApiError(400, "invalid_request", "document ids repeat")
        now = time.time()
        with self.lock:
            tx = Transaction(
                transaction_id=secrets.token_hex(12),
                user_id=user.user_id,
                credential_id=user.credential_id,
                description=description.strip()[:500],
                documents=documents,
                created=now,
                expires=now + self.knobs.lifetime,
            )
            self.transactions[tx.transaction_id] = tx
            return tx

    def _tick(self, tx: Transaction) -> None:
        if tx.status != "pending":
            return
        now = time.time()
        age = now - tx.created
        if self.knobs.auto_refuse_after is not None and age >= self.knobs.auto_refuse_after:
            self._decide(tx, confirm=False)
        elif self.knobs.auto_confirm_after is not None and age >= self.knobs.auto_confirm_after:
            self._decide(tx, confirm=True)
        if tx.status == "pending" and now >= tx.expires:
            tx.status, tx.decided = "expired", now

    def _decide(self, tx: Transaction, *, confirm: bool) -> None:
        tx.decided = time.time()
        if not confirm:
            tx.status = "refused"
            return
        key = self._wrong_key if self.knobs.wrong_key else self.users[tx.user_id].key
        prehashed = utils.Prehashed(hashes.SHA256())
        tx.signatures = {
            doc_id: key.sign(digest, padding.PKCS1v15(), prehashed)
            for doc_id, digest in tx.documents
        }
        tx.status = "confirmed"

    def get(self, transaction_id: str) -> Transaction:
        with self.lock:
            tx = self.transactions.get(transaction_id)
            if tx is None:
                raise ApiError(404, "transaction_not_found", "no such transaction")
            self._tick(tx)
            return tx

    def decide(self, user_id: str, transaction_id: str, *, confirm: bool) -> Transaction:
        """The person's answer in the app; only to a pending transaction of their own."""
        with self.lock:
            tx = self.transactions.get(transaction_id)
            if tx is None or tx.user_id != user_id:
                raise ApiError(404, "transaction_not_found", "no such transaction")
            self._tick(tx)
            if tx.status == "pending":
                self._decide(tx, confirm=confirm)
            return tx

    def of_user(self, user_id: str) -> list[Transaction]:
        with self.lock:
            mine = [t for t in self.transactions.values() if t.user_id == user_id]
            for tx in mine:
                self._tick(tx)
            return sorted(mine, key=lambda t: t.created, reverse=True)

    def reset(self) -> None:
        with self.lock:
            self.transactions.clear()
            self.knobs = Knobs(**self.defaults.as_dict())


def tx_json(tx: Transaction) -> dict:
    return {
        "transaction_id": tx.transaction_id,
        "status": tx.status,
        "expires_at": tx.expires_at().isoformat(),
        "message": STATUS_VI[tx.status],
        "signatures": [
            {"id": doc_id, "signature": base64.b64encode(value).decode()}
            for doc_id, value in tx.signatures.items()
        ],
    }


# --- WSGI ----------------------------------------------------------------------------------------


def _authorised(sim: Simulator, environ) -> bool:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Basic "):
        return False
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    want_id, want_secret = sim.client
    return secrets.compare_digest(client_id.encode(), want_id.encode()) and (
        secrets.compare_digest(secret.encode(), want_secret.encode())
    )


def _body(environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(min(length, 10 * 1024 * 1024))


def _json_body(environ) -> dict:
    try:
        data = json.loads(_body(environ) or b"{}")
    except ValueError as exc:
        raise ApiError(400, "invalid_request", "body is not JSON") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "a JSON object is expected")
    return data


def _create(sim: Simulator, environ) -> tuple[int, dict]:
    """POST /v1/signatures: start a transaction."""
    tx = sim.create(_json_body(environ))
    return 201, {
        "transaction_id": tx.transaction_id,
        "status": tx.status,
        "expires_at": tx.expires_at().isoformat(),
    }


def _enrol(sim: Simulator, environ) -> tuple[int, dict]:
    """POST /control/users: enrol a person with a new credential."""
    body = _json_body(environ)
    user = sim.enrol(
        user_id=str(body.get("user_id", "")),
        common_name=str(body.get("common_name", "")),
        kind=str(body.get("kind", pki.PERSONAL)),
        identifier=str(body.get("identifier", "")),
        organisation=str(body.get("organisation", "")),
        title=str(body.get("title", "")),
    )
    return 200, {"user_id": user.user_id, "credential_id": user.credential_id}


def _settings(sim: Simulator, environ) -> tuple[int, dict]:
    """POST /control/settings: change the knobs (delay, failures, …)."""
    try:
        sim.knobs.update(_json_body(environ))
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "invalid_request", "numbers expected") from exc
    return 200, sim.knobs.as_dict()


def _reset(sim: Simulator, environ) -> tuple[int, dict]:
    """POST /control/reset: forget the transactions, restore the knobs."""
    sim.reset()
    return 200, sim.knobs.as_dict()


def _transactions(sim: Simulator, environ) -> tuple[int, dict]:
    """GET /control/transactions: every transaction, with its person and documents."""
    with sim.lock:
        txs = list(sim.transactions.values())
    return 200, {
        "transactions": [
            {
                **tx_json(sim.get(t.transaction_id)),
                "user_id": t.user_id,
                "description": t.description,
                "documents": [d for d, _ in t.documents],
            }
            for t in txs
        ]
    }


_ROUTES = {
    ("POST", "/v1/signatures"): _create,
    ("POST", "/control/users"): _enrol,
    ("POST", "/control/settings"): _settings,
    ("POST", "/control/reset"): _reset,
    ("GET", "/control/transactions"): _transactions,
}
# The paths with an identifier in them: (method, pattern, answer for the unquoted identifier).
_PATTERNS = [
    (
        "GET",
        re.compile(r"/v1/users/([^/]+)/credentials"),
        lambda sim, user_id: (200, sim.credentials(user_id)),
    ),
    (
        "GET",
        re.compile(r"/v1/signatures/([^/]+)"),
        lambda sim, tx_id: (200, tx_json(sim.get(tx_id))),
    ),
]


def _api(sim: Simulator, method: str, path: str, environ) -> tuple[int, dict]:
    """The provider's API and the control API: the status and JSON body, or ApiError."""
    if not _authorised(sim, environ):
        raise ApiError(401, "invalid_client", "client authentication failed")
    if path.startswith("/v1/") and sim.knobs.delay:
        time.sleep(sim.knobs.delay)
    for want, pattern, answer in _PATTERNS:
        if (m := pattern.fullmatch(path)) and method == want:
            return answer(sim, unquote(m.group(1)))
    handler = _ROUTES.get((method, path))
    if handler is None:
        raise ApiError(404, "not_found", "no such endpoint")
    return handler(sim, environ)


_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


def _json_response(start_response, status: int, body: dict) -> list[bytes]:
    """Send a JSON answer (with the Basic challenge on a 401)."""
    payload = json.dumps(body, ensure_ascii=False).encode()
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", str(len(payload))),
    ]
    if status == 401:
        headers.append(("WWW-Authenticate", 'Basic realm="remote-signing"'))
    start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
    return [payload]


def _phone(sim: Simulator, method: str, path: str, environ, start_response) -> list[bytes]:
    """The person's phone app: /app/<user>, its pending list and the confirm/refuse buttons."""
    parts = [unquote(p) for p in path.split("/")[2:]]
    user = sim.users.get(parts[0]) if parts else None
    if user is None:
        body = not_found_page().encode()
        start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
        return [body]
    if method == "POST" and len(parts) == 3 and parts[2] in ("confirm", "refuse"):
        parse_qs(_body(environ).decode(errors="replace"))  # read the (empty) form
        with contextlib.suppress(ApiError):  # gone or not theirs: show the list again
            sim.decide(user.user_id, parts[1], confirm=parts[2] == "confirm")
        start_response("303 See Other", [("Location", f"/app/{user.user_id}")])
        return [b""]
    if method == "GET" and len(parts) == 2 and parts[1] == "pending":
        ids = [t.transaction_id for t in sim.of_user(user.user_id) if t.status == "pending"]
        body = json.dumps({"pending": ids}).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
        )
        return [body]
    if method != "GET" or len(parts) != 1:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    body = app_page(sim, user).encode()
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
    )
    return [body]


def make_app(sim: Simulator):
    """The simulator's WSGI app: /health, the phone pages under /app/ and the JSON APIs."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/health":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if path.startswith("/app/"):
            return _phone(sim, method, path, environ, start_response)
        try:
            status, body = _api(sim, method, path, environ)
        except ApiError as exc:
            status, body = exc.status, {"error": exc.error, "message": exc.message}
        return _json_response(start_response, status, body)

    return app


# --- serving -------------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def server_on_fd(app, fd: int) -> WSGIServer:
    """A threaded WSGI server on an already bound and listening socket (inherited from the
    parent, so that the port is known before the child starts: no race)."""
    sock = socket.socket(fileno=fd)
    server = _ThreadingWSGIServer(sock.getsockname(), _QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()
    server.server_name, server.server_port = "127.0.0.1", server.server_address[1]
    server.setup_environ()
    server.set_app(app)
    return server


def server_on_port(app, host: str, port: int) -> WSGIServer:
    return make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )


def serve(server: WSGIServer) -> None:
    def _stop(*_):
        # shutdown() must not run in the serving thread: close and exit instead.
        server.socket.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.serve_forever(poll_interval=0.2)


def add_knob_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lifetime", type=float, default=300.0, help="transaction lifetime, s")
    parser.add_argument("--auto-confirm-after", type=float, default=None, metavar="S")
    parser.add_argument("--auto-refuse-after", type=float, default=None, metavar="S")
    parser.add_argument("--delay", type=float, default=0.0, help="delay every API answer, s")
    parser.add_argument("--state-dir", default="", help="keep the users' keys here (PEM)")


def knobs_from(args) -> Knobs:
    return Knobs(
        lifetime=args.lifetime,
        auto_confirm_after=args.auto_confirm_after,
        auto_refuse_after=args.auto_refuse_after,
        delay=args.delay,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Remote signing provider simulator")
    parser.add_argument("--ca-cert", required=True, help="PEM certificate of the issuing CA")
    parser.add_argument("--ca-key", required=True, help="PEM key of the issuing CA")
    parser.add_argument("--ca-key-passphrase-env", default="", help="variable holding it")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret-env", default="SIMULATOR_CLIENT_SECRET")
    parser.add_argument("--fd", type=int, default=None, help="inherited listening socket")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8190)
    add_knob_arguments(parser)
    args = parser.parse_args(argv)

    passphrase = (
        os.environ.get(args.ca_key_passphrase_env, "") if args.ca_key_passphrase_env else ""
    )
    secret = os.environ.get(args.client_secret_env, "")
    if not secret:
        parser.error(f"the client secret is read from ${args.client_secret_env}")
    sim = Simulator(
        ca_cert=x509.load_pem_x509_certificate(Path(args.ca_cert).read_bytes()),
        ca_key=pki.key_from_pem(Path(args.ca_key).read_bytes(), passphrase or None),
        client_id=args.client_id,
        client_secret=secret,
        state_dir=Path(args.state_dir) if args.state_dir else None,
        knobs=knobs_from(args),
    )
    app = make_app(sim)
    server = (
        server_on_fd(app, args.fd)
        if args.fd is not None
        else server_on_port(app, args.host, args.port)
    )
    serve(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
