"""A hub and agency nodes as separate processes with separate databases, on loopback.

The nodes are real ``exchange run-node`` workers and the hub is gunicorn; the test talks to them
only through their command line and reads their databases. Timing is never asserted: every wait
polls with a generous timeout.
"""

# The SQL below reads the test processes' own databases with constants of this file.
# ruff: noqa: S608

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from urllib.parse import urlsplit

import pytest

from chinhquyen.exchange.testing import Cluster

pytestmark = pytest.mark.slow  # several processes: in CI, skippable locally with -m 'not slow'

A, B, C = "000.01.31.H26", "000.02.31.H26", "000.03.31.H26"
NODES = {"a": A, "b": B, "c": C}
BURST = 100


def _pg_base_url() -> str | None:
    """When the suite runs on PostgreSQL (DATABASE_URL), the processes do too."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    return f"postgres://{parts.netloc}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, loopback_pki):
    workdir = tmp_path_factory.mktemp("exchange-cluster")
    c = Cluster(
        workdir,
        nodes=NODES,
        tsa_url=loopback_pki.tsa_url,
        tsa_root_pem=loopback_pki.root_cert_pem,
        pg_base_url=_pg_base_url(),
        db_prefix=f"extest{os.getpid()}",
        # Small batches, so that a kill lands in the middle of a burst rather than between two
        # batches of the whole burst.
        extra_env={
            "EXCHANGE_POLL_SECONDS": "0.3",
            "EXCHANGE_ASSESS_SIGNATURES": "false",
            "EXCHANGE_BATCH": "5",
            "EXCHANGE_GROUP": "2",
        },
    )
    try:
        with c:
            yield c
    finally:
        c.drop_databases()


def count(cluster, node, sql):
    return cluster.sql(node, [sql])[0]


def line(cluster, node, direction, counterpart, document_id):
    rows = cluster.rows(
        node,
        "SELECT status, subject, request_status, replaced_by FROM exchange_registerentry "
        f"WHERE direction='{direction}' AND counterpart_id='{counterpart}' AND document_id='{document_id}'",
    )
    assert len(rows) <= 1
    return rows[0] if rows else None


def test_one_document_to_two_agencies_and_the_statuses_flow_back(cluster):
    doc = cluster.manage(
        "a", "exchange", "send", "--to", f"{B},{C}", "--number", "101", "--pdf-size", "20000"
    )
    cluster.wait_for(
        lambda: line(cluster, "b", "in", A, doc) is not None, timeout=60, what="B to receive"
    )
    cluster.wait_for(
        lambda: line(cluster, "c", "in", A, doc) is not None, timeout=60, what="C to receive"
    )
    # "01 arrived" was sent automatically by both and reached the sender.
    cluster.wait_for(
        lambda: line(cluster, "a", "out", B, doc)[0] == "01", timeout=60, what="01 from B"
    )
    cluster.wait_for(
        lambda: line(cluster, "a", "out", C, doc)[0] == "01", timeout=60, what="01 from C"
    )
    # B's clerk registers it (03), then assigns it (04); C refuses it (02).
    cluster.manage(
        "b", "exchange", "status", "--document-id", doc, "--from-agency", A, "--code", "03"
    )
    cluster.manage(
        "b",
        "exchange",
        "status",
        "--document-id",
        doc,
        "--from-agency",
        A,
        "--code",
        "04",
        "--staff",
        "Chuyên viên Lan",
    )
    cluster.manage(
        "c", "exchange", "status", "--document-id", doc, "--from-agency", A, "--code", "02"
    )
    cluster.wait_for(
        lambda: line(cluster, "a", "out", B, doc)[0] == "04", timeout=60, what="04 from B"
    )
    cluster.wait_for(
        lambda: line(cluster, "a", "out", C, doc)[0] == "02", timeout=60, what="02 from C"
    )
    handler = cluster.rows(
        "a",
        f"SELECT handler FROM exchange_registerentry WHERE counterpart_id='{B}' AND document_id='{doc}'",
    )
    assert handler == [("Chuyên viên Lan",)]


def test_update_revoke_and_replace_work_end_to_end(cluster):
    doc = cluster.manage(
        "a", "exchange", "send", "--to", B, "--number", "201", "--subject", "Bản gốc"
    )
    old = cluster.manage(
        "a", "exchange", "send", "--to", B, "--number", "202", "--subject", "Sẽ bị thay"
    )
    cluster.manage(
        "a",
        "exchange",
        "send",
        "--to",
        B,
        "--number",
        "201",
        "--subject",
        "Bản cập nhật",
        "--update",
        doc,
    )
    cluster.wait_for(
        lambda: (line(cluster, "b", "in", A, doc) or ("", ""))[1] == "Bản cập nhật",
        timeout=60,
        what="update",
    )
    cluster.manage("a", "exchange", "send", "--to", B, "--number", "201", "--revoke", doc)
    cluster.wait_for(
        lambda: line(cluster, "b", "in", A, doc)[0] == "revoked", timeout=60, what="revoke"
    )
    new = cluster.manage(
        "a",
        "exchange",
        "send",
        "--to",
        B,
        "--number",
        "203",
        "--subject",
        "Văn bản thay thế",
        "--replace",
        old,
    )
    cluster.wait_for(
        lambda: line(cluster, "b", "in", A, new) is not None, timeout=60, what="replacement"
    )
    cluster.wait_for(
        lambda: line(cluster, "b", "in", A, old)[0] == "replaced", timeout=60, what="old replaced"
    )
    assert line(cluster, "b", "in", A, old)[3] == new
    # The withdraw request (13) and its acceptance (15) travel too.
    cluster.manage(
        "a", "exchange", "status", "--document-id", new, "--from-agency", B, "--code", "13"
    )
    cluster.wait_for(
        lambda: line(cluster, "b", "in", A, new)[2] == "13", timeout=60, what="13 at B"
    )
    cluster.manage(
        "b", "exchange", "status", "--document-id", new, "--from-agency", A, "--code", "15"
    )
    cluster.wait_for(
        lambda: line(cluster, "a", "out", B, new)[2] == "15", timeout=60, what="15 at A"
    )
    assert line(cluster, "a", "out", B, new)[0] == "revoked"


def _received(cluster, node, prefix):
    return count(
        cluster,
        node,
        f"SELECT count(*) FROM exchange_registerentry WHERE direction='in' AND code_number LIKE '{prefix}%'",
    )


def _assert_exactly_once(cluster, sender, receiver, prefix, n):
    # One register line per document, one inbox row per message id, nothing pending anywhere.
    assert _received(cluster, receiver, prefix) == n
    assert (
        count(
            cluster,
            receiver,
            f"SELECT count(DISTINCT code_number) FROM exchange_registerentry WHERE direction='in' AND code_number LIKE '{prefix}%'",
        )
        == n
    )
    assert (
        count(
            cluster,
            "hub",
            f"SELECT count(*) FROM exchange_hubmessage WHERE kind='edoc' AND document_id LIKE '%,{prefix}%'",
        )
        == n
    )
    assert (
        count(
            cluster,
            sender,
            f"SELECT count(*) FROM exchange_outboxmessage WHERE kind='edoc' AND document_id LIKE '%,{prefix}%' AND state='sent'",
        )
        == n
    )
    # Every document was answered "01" exactly once, and the answer reached the sender once.
    assert (
        count(
            cluster,
            "hub",
            f"SELECT count(*) FROM exchange_hubmessage WHERE kind='status' AND document_id LIKE '%,{prefix}%'",
        )
        == n
    )
    assert (
        count(
            cluster,
            sender,
            f"SELECT count(*) FROM exchange_inboxmessage WHERE kind='status' AND document_id LIKE '%,{prefix}%'",
        )
        == n
    )


def test_kill_9_of_the_receiving_node_mid_burst_loses_and_duplicates_nothing(cluster):
    cluster.manage(
        "a",
        "exchange",
        "send",
        "--to",
        B,
        "--count",
        str(BURST),
        "--prefix",
        "K",
        "--pdf-size",
        "20000",
    )
    cluster.wait_for(
        lambda: _received(cluster, "b", "K") >= 1,
        timeout=90,
        interval=0.05,
        what="the burst to start arriving",
    )
    cluster.kill("b", signal.SIGKILL)
    got_before_restart = _received(cluster, "b", "K")
    assert got_before_restart < BURST, "the burst finished before the kill; raise BURST"
    # While B is down the hub keeps B's documents.
    cluster.wait_for(
        lambda: (
            count(cluster, "a", "SELECT count(*) FROM exchange_outboxmessage WHERE state='pending'")
            == 0
        ),
        timeout=90,
        what="A to hand everything to the hub",
    )
    assert (
        count(
            cluster,
            "hub",
            f"SELECT count(*) FROM exchange_hubdelivery WHERE recipient='{B}' AND state='pending'",
        )
        > 0
    )
    cluster.start_node("b")
    cluster.wait_for(
        lambda: _received(cluster, "b", "K") >= BURST, timeout=120, what="B to catch up"
    )
    cluster.wait_for(
        lambda: (
            count(
                cluster,
                "a",
                "SELECT count(*) FROM exchange_inboxmessage WHERE kind='status' AND document_id LIKE '%,K%'",
            )
            >= BURST
        ),
        timeout=120,
        what="every 01 to reach A",
    )
    cluster.wait_for(
        lambda: (
            count(cluster, "hub", "SELECT count(*) FROM exchange_hubdelivery WHERE state='pending'")
            == 0
        ),
        timeout=60,
        what="hub drained",
    )
    _assert_exactly_once(cluster, "a", "b", "K", BURST)


def test_kill_9_of_the_sending_node_mid_burst_loses_and_duplicates_nothing(cluster):
    # The burst is queued while A is stopped: a running A drained it while the command was still
    # writing it (on a quiet machine every message was sent before the first count), leaving
    # nothing to interrupt. A then starts with the whole burst in its outbox and is killed at
    # its first sent message.
    cluster.kill("a", signal.SIGTERM)
    cluster.manage(
        "a",
        "exchange",
        "send",
        "--to",
        C,
        "--count",
        str(BURST),
        "--prefix",
        "S",
        "--pdf-size",
        "20000",
    )
    sent = (
        "SELECT count(*) FROM exchange_outboxmessage WHERE state='sent' AND document_id LIKE '%,S%'"
    )
    assert count(cluster, "a", sent) == 0
    cluster.start_node("a")
    cluster.wait_for(
        lambda: count(cluster, "a", sent) >= 1, timeout=90, interval=0.05, what="the burst to start"
    )
    cluster.kill("a", signal.SIGKILL)
    assert count(cluster, "a", sent) < BURST, "the burst finished before the kill; raise BURST"
    cluster.start_node("a")
    cluster.wait_for(
        lambda: _received(cluster, "c", "S") >= BURST, timeout=120, what="C to receive the burst"
    )
    cluster.wait_for(
        lambda: (
            count(
                cluster,
                "a",
                "SELECT count(*) FROM exchange_inboxmessage WHERE kind='status' AND document_id LIKE '%,S%'",
            )
            >= BURST
        ),
        timeout=120,
        what="every 01 to reach A",
    )
    cluster.wait_for(
        lambda: (
            count(cluster, "hub", "SELECT count(*) FROM exchange_hubdelivery WHERE state='pending'")
            == 0
        ),
        timeout=60,
        what="hub drained",
    )
    _assert_exactly_once(cluster, "a", "c", "S", BURST)


def test_every_message_log_verifies_with_its_timestamps_and_tampering_is_caught(cluster):
    for node in ("hub", "a", "b", "c"):
        cluster.wait_for(
            lambda n=node: count(cluster, n, "SELECT count(*) FROM exchange_logtimestamp") >= 1,
            timeout=60,
            what=f"a time-stamp on {node}",
        )
        out = cluster.manage(node, "exchange", "verify-log", "--tsa-root", cluster.tsa_root_file)
        assert out.endswith("OK"), out
        assert " 0 time-stamps" not in out
    # Tamper with a copy of B's database: one logged digest changed.
    tampered_url = _tampered_copy_of_b(cluster)
    env = cluster.env("b")
    env["DATABASE_URL"] = tampered_url
    result = subprocess.run(  # noqa: S603
        [
            cluster_python(),
            "manage.py",
            "exchange",
            "verify-log",
            "--tsa-root",
            cluster.tsa_root_file,
        ],
        env=env,
        cwd=str(cluster_base()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "seq 3" in result.stderr


def _tampered_copy_of_b(cluster) -> str:
    tamper = (
        "UPDATE exchange_logentry SET digest = CASE WHEN substr(digest, 1, 2) = 'ab' THEN 'cd' "
        "ELSE 'ab' END || substr(digest, 3) WHERE seq = 3"
    )
    if cluster.pg_base_url:
        import psycopg

        cluster.kill("b", signal.SIGTERM)  # a template database must have no other session
        name = f"{cluster.db_prefix}_btampered"
        cluster._psql(f'DROP DATABASE IF EXISTS "{name}"')
        cluster._psql(f'CREATE DATABASE "{name}" TEMPLATE "{cluster.db_prefix}_b"')
        url = f"{cluster.pg_base_url}/{name}"
        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            assert conn.execute(tamper).rowcount == 1
        return url
    copy = cluster.workdir / "b-tampered.sqlite3"
    shutil.copyfile(cluster.workdir / "b.sqlite3", copy)
    for suffix in ("-wal", "-shm"):
        src = cluster.workdir / f"b.sqlite3{suffix}"
        if src.exists():
            shutil.copyfile(src, cluster.workdir / f"b-tampered.sqlite3{suffix}")
    conn = sqlite3.connect(copy)
    assert conn.execute(tamper).rowcount == 1
    conn.commit()
    conn.close()
    return f"sqlite:///{copy}"


def cluster_python() -> str:
    import sys

    return sys.executable


def cluster_base():
    from chinhquyen.exchange.testing import BASE_DIR

    return BASE_DIR
