"""``chinhquyen exchange <subcommand>``: run and operate a hub or an agency node.

init-keys    make an RSA key and a self-signed certificate for a node (testing, pilots)
register     (node) register this agency at the hub and remember the issued token
hub-register (hub) register an agency locally and print its token
run-node     (node) the worker: push the outbox, pull the inbox, time-stamp the log
run-hub      (hub) the hub's background loop: time-stamp the log
send         (node) send a document (or revoke/update/replace one), or a burst of test ones
status       (node) answer about a received document with a status code
timestamp    time-stamp the message log head now
verify-log   recompute the hash chain and check every time-stamp token (exit 1 on a problem)
stats        print counts as JSON (for scripts and tests)
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.core.errors import DomainError


def make_keys(
    *, key_path: Path, cert_path: Path, common_name: str, org: str = "", days: int = 3650
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    name = x509.Name(attrs)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def fake_pdf(size: int, seed: int) -> bytes:
    """A valid one-page A4 PDF 1.4 of about ``size`` bytes (the benchmark's 100 KB document):
    the page's content stream is padded with PDF comments, so every copy differs by ``seed``."""
    text = f"BT /F1 12 Tf 72 770 Td (chinhquyen - van ban thu nghiem so {seed}) Tj ET\n".encode()
    pad_line = f"% noi dung dem {seed:08d} ".encode() + b"x" * 40 + b"\n"
    pad = max(0, size - 700 - len(text))
    stream = text + pad_line * (pad // len(pad_line) + 1)
    stream = stream[: len(text) + pad]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


class Command(BaseCommand):
    help = "Trục liên thông văn bản: run a hub or a node, send, verify the message log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        p = sub.add_parser("init-keys")
        p.add_argument("--key", required=True)
        p.add_argument("--cert", required=True)
        p.add_argument("--cn", required=True)
        p.add_argument("--org", default="")
        p = sub.add_parser("register")
        p.add_argument("--hub-url", default="", help="defaults to EXCHANGE_HUB_URL")
        p.add_argument("--agency-id", default="", help="defaults to EXCHANGE_AGENCY_ID")
        p.add_argument("--name", default="", help="defaults to EXCHANGE_AGENCY_NAME")
        p.add_argument("--secret", required=True)
        p.add_argument("--cert", default="", help="defaults to EXCHANGE_CERT_FILE")
        p = sub.add_parser("hub-register")
        p.add_argument("--agency-id", required=True)
        p.add_argument("--name", default="")
        p.add_argument("--cert", required=True)
        p = sub.add_parser("run-node")
        p.add_argument("--once", action="store_true")
        p = sub.add_parser("run-hub")
        p.add_argument("--once", action="store_true")
        p = sub.add_parser("send")
        p.add_argument("--to", required=True, help="comma-separated agency ids")
        p.add_argument("--count", type=int, default=1)
        p.add_argument("--number", default="")
        p.add_argument("--notation", default="UBND-VP")
        p.add_argument("--subject", default="Văn bản liên thông")
        p.add_argument(
            "--pdf-size", type=int, default=0, help="attach a generated PDF of this size"
        )
        p.add_argument("--file", action="append", default=[], help="attach a file (repeatable)")
        p.add_argument("--revoke", default="", help="DocumentId to revoke")
        p.add_argument("--update", default="", help="DocumentId to update")
        p.add_argument("--replace", default="", help="DocumentId the new document replaces")
        p.add_argument("--prefix", default="", help="prefix of generated numbers (bursts)")
        p = sub.add_parser("status")
        p.add_argument("--document-id", required=True)
        p.add_argument("--from-agency", required=True, help="the counterpart agency id of the line")
        p.add_argument("--code", required=True)
        p.add_argument("--description", default="")
        p.add_argument("--staff", default="")
        sub.add_parser("timestamp")
        p = sub.add_parser("verify-log")
        p.add_argument("--tsa-root", default="", help="PEM of the TSA's trusted root")
        p.add_argument(
            "--no-payloads", action="store_true", help="skip comparing stored message bytes"
        )
        sub.add_parser("stats")

    def handle(self, *args, **opts):
        try:
            return getattr(self, "do_" + opts["sub"].replace("-", "_"))(**opts)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # --- subcommands --------------------------------------------------------------------------

    def do_init_keys(self, **o):
        make_keys(
            key_path=Path(o["key"]), cert_path=Path(o["cert"]), common_name=o["cn"], org=o["org"]
        )
        self.stdout.write(f"wrote {o['key']} and {o['cert']}")

    def do_register(self, **o):
        import requests

        from chinhquyen.exchange import conf
        from chinhquyen.exchange.services import node_identity_set

        cert = Path(o["cert"] or str(conf.get("EXCHANGE_CERT_FILE"))).read_text()
        hub = (o["hub_url"] or str(conf.get("EXCHANGE_HUB_URL"))).rstrip("/")
        o["agency_id"] = o["agency_id"] or str(conf.get("EXCHANGE_AGENCY_ID"))
        o["name"] = o["name"] or str(conf.get("EXCHANGE_AGENCY_NAME"))
        if not hub or not o["agency_id"]:
            raise CommandError(
                "--hub-url and --agency-id (or EXCHANGE_HUB_URL, EXCHANGE_AGENCY_ID) are required"
            )
        resp = requests.post(
            f"{hub}/api/v1/exchange/hub/register",
            json={"agency_id": o["agency_id"], "name": o["name"], "certificate_pem": cert},
            headers={"X-Enrol-Secret": o["secret"]},
            timeout=30,
        )
        if resp.status_code != 201:
            raise CommandError(
                f"hub refused the registration: HTTP {resp.status_code} {resp.text[:500]}"
            )
        node_identity_set(
            agency_id=o["agency_id"], name=o["name"], hub_url=hub, token=resp.json()["token"]
        )
        self.stdout.write(f"registered {o['agency_id']} at {hub}")

    def do_hub_register(self, **o):
        from chinhquyen.exchange.services import peer_register

        _, token = peer_register(
            agency_id=o["agency_id"], name=o["name"], certificate_pem=Path(o["cert"]).read_text()
        )
        self.stdout.write(token)

    def _loop(self, once: bool, step) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        if once:
            step()
            return
        step_loop = getattr(step, "__self__", None)
        if step_loop is not None and hasattr(step_loop, "run_forever"):
            step_loop.run_forever(stop=stop)
            return
        while not stop.is_set():
            step()
            stop.wait(1.0)

    def do_run_node(self, **o):
        from chinhquyen.exchange.node import NodeWorker

        worker = NodeWorker()
        self.stdout.write("exchange node worker started")
        self.stdout.flush()
        self._loop(o["once"], worker.run_once)

    def do_run_hub(self, **o):
        from chinhquyen.exchange import conf
        from chinhquyen.exchange.log import log_timestamp

        every = float(conf.get("EXCHANGE_TIMESTAMP_SECONDS"))
        last = [0.0]

        def step():
            if time.monotonic() - last[0] >= every:
                last[0] = time.monotonic()
                try:
                    log_timestamp()
                except Exception as exc:  # noqa: BLE001  (keep looping; the TSA may be back soon)
                    self.stderr.write(f"time-stamping failed: {exc}")

        self._loop(o["once"], step)

    def do_send(self, **o):
        from chinhquyen.exchange import edxml
        from chinhquyen.exchange.services import FileIn, document_send

        to = [(a.strip(), "") for a in o["to"].split(",") if a.strip()]
        files = [FileIn(name=Path(f).name, data=Path(f).read_bytes()) for f in o["file"]]
        ids = []
        for i in range(o["count"]):
            number = o["number"] or f"{o['prefix']}{i + 1}"
            batch_files = list(files)
            if o["pdf_size"]:
                batch_files.append(FileIn(name=f"vb-{number}.pdf", data=fake_pdf(o["pdf_size"], i)))
            kw = {}
            if o["revoke"]:
                kw = {"business_type": edxml.BUSINESS_REVOKE, "target_document_id": o["revoke"]}
            elif o["update"]:
                kw = {"business_type": edxml.BUSINESS_UPDATE, "target_document_id": o["update"]}
            elif o["replace"]:
                kw = {"business_type": edxml.BUSINESS_REPLACE, "replaces": [o["replace"]]}
            msg = document_send(
                to=to,
                number=number,
                notation=o["notation"],
                subject=o["subject"],
                files=batch_files,
                **kw,
            )
            ids.append(msg.document_id)
        if o["count"] == 1:
            self.stdout.write(ids[0])
        else:
            self.stdout.write(f"queued {len(ids)} documents")

    def do_status(self, **o):
        from chinhquyen.exchange.models import RegisterDirection, RegisterEntry
        from chinhquyen.exchange.services import node_identity, status_send

        ident = node_identity()
        direction = RegisterDirection.OUT if o["code"] == "13" else RegisterDirection.IN
        entry = RegisterEntry.objects.filter(
            agency_id=ident.agency_id,
            direction=direction,
            document_id=o["document_id"],
            counterpart_id=o["from_agency"],
        ).first()
        if entry is None:
            raise CommandError("no such register line")
        msg = status_send(
            entry=entry, code=o["code"], description=o["description"], staff=o["staff"]
        )
        self.stdout.write(msg.message_id)

    def do_timestamp(self, **o):
        from chinhquyen.exchange.log import log_timestamp

        ts = log_timestamp()
        self.stdout.write(f"time-stamped seq {ts.seq}" if ts else "nothing to time-stamp")

    def do_verify_log(self, **o):
        from chinhquyen.exchange.log import log_verify

        root = Path(o["tsa_root"]).read_bytes() if o["tsa_root"] else None
        report = log_verify(trust_root_pem=root, check_payloads=not o["no_payloads"])
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(
            f"{report.entries} entries, {report.timestamps} time-stamps: "
            + ("OK" if report.ok else f"{len(report.problems)} problem(s)")
        )
        if not report.ok:
            sys.exit(1)

    def do_stats(self, **o):
        from django.db.models import Count

        from chinhquyen.exchange.models import (
            HubDelivery,
            HubMessage,
            InboxMessage,
            LogEntry,
            LogTimestamp,
            OutboxMessage,
            RegisterEntry,
        )

        out = {
            "outbox": dict(
                OutboxMessage.objects.values_list("state")
                .annotate(n=Count("id"))
                .values_list("state", "n")
            ),
            "inbox": InboxMessage.objects.count(),
            "inbox_edoc": InboxMessage.objects.filter(kind="edoc").count(),
            "inbox_distinct": InboxMessage.objects.values("message_id").distinct().count(),
            "register": {
                f"{d}:{s}": n
                for d, s, n in RegisterEntry.objects.values_list("direction", "status")
                .annotate(n=Count("id"))
                .values_list("direction", "status", "n")
            },
            "register_in_distinct": RegisterEntry.objects.filter(direction="in")
            .values("document_id")
            .distinct()
            .count(),
            "hub_messages": HubMessage.objects.count(),
            "hub_pending": HubDelivery.objects.filter(state="pending").count(),
            "hub_delivered": HubDelivery.objects.filter(state="delivered").count(),
            "log": LogEntry.objects.count(),
            "timestamps": LogTimestamp.objects.count(),
        }
        self.stdout.write(json.dumps(out, sort_keys=True))
