"""The loopback PKI's HTTP side: CRL, OCSP and RFC 3161 TSA from certomancer's service registry.

Run by ``LoopbackPKI`` as ``python -m chinhquyen.signatures.testing.loopback_server --config
FILE --fd N`` where N is an already bound and listening socket inherited from the parent. The
standard library's WSGI server is used (certomancer's own Animator needs werkzeug, which the
project does not install). No Django here: the child starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import socketserver
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from asn1crypto import ocsp, tsp

from chinhquyen.signatures.testing.loopback import ARCH, load_architecture


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def make_app(pki_arch):
    registry = pki_arch.service_registry
    prefix = f"/{ARCH}/"
    counts: Counter = Counter()  # requests served, by kind: GET /stats (tests count fetches)
    lock = threading.Lock()

    def count(kind: str) -> None:
        with lock:
            counts[kind] += 1

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        now = datetime.now(tz=UTC)  # certomancer needs the time explicitly
        try:
            if path == "/health":
                body, ctype = b"ok", "text/plain"
            elif path == "/stats":
                with lock:
                    body, ctype = json.dumps(dict(counts)).encode(), "application/json"
            elif path.startswith(prefix + "ocsp/") and method == "POST":
                label = path[len(prefix + "ocsp/") :]
                req = ocsp.OCSPRequest.load(_read_body(environ))
                count("ocsp")
                body = registry.summon_responder(label, now).build_ocsp_response(req).dump()
                ctype = "application/ocsp-response"
            elif path.startswith(prefix + "tsa/") and method == "POST":
                label = path[len(prefix + "tsa/") :]
                req = tsp.TimeStampReq.load(_read_body(environ))
                count("tsa")
                body = registry.summon_timestamper(label, now).request_tsa_response(req).dump()
                ctype = "application/timestamp-reply"
            elif path.startswith(prefix + "crls/") and path.endswith("/latest.crl"):
                label = path[len(prefix + "crls/") : -len("/latest.crl")]
                count("crl")
                body, ctype = registry.get_crl(label, now).dump(), "application/pkix-crl"
            else:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"not found"]
        except Exception as exc:  # noqa: BLE001 - a test server answers 500, never dies
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [repr(exc).encode()]
        start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _read_body(environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)

    pki_arch = load_architecture(args.config)
    sock = socket.socket(fileno=args.fd)
    server = _ThreadingWSGIServer(sock.getsockname(), _QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()
    server.server_name, server.server_port = "127.0.0.1", server.server_address[1]
    server.setup_environ()
    server.set_app(make_app(pki_arch))

    def _stop(*_):
        # shutdown() must not run in the serving thread: close and exit instead.
        sock.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
