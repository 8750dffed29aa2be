"""``make bench-exchange``: node -> hub -> node throughput with 100 KB PDFs, and a kill -9 run.

Run through ``scripts/bench_exchange.sh``. A hub (gunicorn) and two nodes (``exchange run-node``)
run as separate processes, each on its own PostgreSQL database (``BENCH_PG``; created and dropped
here). Measured:

1. compose: ``exchange send`` builds, signs (RSA-SHA256 XML-DSig) and commits N documents to A's
   outbox while A's worker is stopped (documents per second);
2. exchange: A's worker starts; the clock runs until B's incoming register holds all N documents
   (and, reported beside it, until every automatic "01 arrived" answer is back at A);
3. floors measured in the same run: the same 100 KB POSTs to the same hub rejected at
   authentication (HTTP + gunicorn + Django, no parsing, no database), and raw 100 KB INSERTs with
   one commit each on the hub's PostgreSQL;
4. kill -9: a burst while B and then A are SIGKILLed and restarted; every document must arrive
   exactly once (else the benchmark fails).

A benchmark, not a test: a rate below the target is reported, not failed; lost or duplicated
documents fail it.
"""

# Counting queries on the benchmark's own databases, built from constants of this file.
# ruff: noqa: S608

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

A, B = "000.01.31.H26", "000.02.31.H26"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def count(c, node: str, sql: str) -> int:
    return int(c.sql(node, [sql])[0])


def received(c, prefix: str) -> int:
    return count(
        c,
        "b",
        f"SELECT count(*) FROM exchange_registerentry WHERE direction='in' AND code_number LIKE '{prefix}%'",
    )  # noqa: S608


def statuses_back(c, prefix: str) -> int:
    return count(
        c,
        "a",
        f"SELECT count(*) FROM exchange_inboxmessage WHERE kind='status' AND document_id LIKE '%,{prefix}%'",
    )  # noqa: S608


def wait_until(check, timeout: float, what: str, interval: float = 0.05) -> float:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench-exchange: timed out waiting for {what}")
        time.sleep(interval)
    return time.monotonic()


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (ppid, command name, CPU seconds user+system) from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return table


def cpu_seconds(root_pids: list[int]) -> dict[str, float]:
    """CPU seconds used so far by our processes (and their children, e.g. gunicorn workers) and
    by every PostgreSQL process (the server is shared, so that part is an upper bound)."""
    table = _proc_table()
    ours: set[int] = set(root_pids)
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _, _) in table.items():
            if ppid in ours and pid not in ours:
                ours.add(pid)
                changed = True
    return {
        "ours": sum(table[p][2] for p in ours if p in table),
        "postgres": sum(cpu for _, name, cpu in table.values() if name.startswith("postgres")),
    }


def http_floor(url: str, n: int, size: int, concurrency: int) -> float:
    import requests

    body = b"%PDF-1.4\n" + b"x" * (size - 9)
    lock = threading.Lock()
    left = [n]

    def worker():
        s = requests.Session()
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            r = s.post(
                f"{url}/api/v1/exchange/hub/messages",
                data=body,
                headers={
                    "Authorization": "Bearer not-a-token",
                    "X-Message-Id": "floor",
                    "Content-Type": "application/xml",
                },
                timeout=30,
            )
            assert r.status_code == 401, r.status_code

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return n / (time.monotonic() - t0)


def insert_floor(db_url: str, n: int, size: int) -> float:
    import psycopg

    data = os.urandom(size)
    with psycopg.connect(db_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, payload bytea)"
        )
        t0 = time.monotonic()
        for _ in range(n):
            conn.execute("INSERT INTO bench_floor (payload) VALUES (%s)", (data,))
        rate = n / (time.monotonic() - t0)
        conn.execute("DROP TABLE bench_floor")
    return rate


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from chinhquyen.exchange.testing import Cluster

    n = env_int("BENCH_DOCS", 1000)
    n_kill = env_int("BENCH_KILL_DOCS", 600)
    size = env_int("BENCH_DOC_BYTES", 100_000)
    hub_workers = env_int("BENCH_HUB_WORKERS", 4)
    concurrency = env_int("BENCH_PUSH_CONCURRENCY", 8)
    pg = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    workdir = Path(os.environ.get("BENCH_WORKDIR") or tempfile.mkdtemp(prefix="bench-exchange-"))
    pause = workdir / "pause"
    results: dict = {
        "docs": n,
        "doc_bytes": size,
        "hub_workers": hub_workers,
        "push_concurrency": concurrency,
    }
    extra = {
        "EXCHANGE_PUSH_CONCURRENCY": str(concurrency),
        "EXCHANGE_BATCH": "50",
        "EXCHANGE_POLL_SECONDS": "0.1",
        "EXCHANGE_ASSESS_SIGNATURES": "false",
        "EXCHANGE_PAUSE_FILE": str(pause),
    }
    say = lambda *a: print("bench-exchange:", *a, flush=True)  # noqa: E731
    c = Cluster(
        workdir,
        nodes={"a": A, "b": B},
        pg_base_url=pg,
        db_prefix="bench",
        hub_workers=hub_workers,
        extra_env=extra,
    )
    try:
        say(
            f"starting hub ({hub_workers} gunicorn workers) and nodes A, B on PostgreSQL in {workdir}"
        )
        c.setup()

        # 1. compose into A's outbox with A's worker stopped.
        c.kill("a", signal.SIGTERM)
        with open(workdir / "a.log", "a") as fh:
            fh.write("bench-mark\n")
        t0 = time.monotonic()
        c.manage(
            "a",
            "exchange",
            "send",
            "--to",
            B,
            "--count",
            str(n),
            "--prefix",
            "P",
            "--pdf-size",
            str(size),
            timeout=3600,
        )
        results["compose_per_s"] = round(n / (time.monotonic() - t0), 1)
        say(f"composed and signed {n} documents of {size} bytes: {results['compose_per_s']}/s")

        # 2. exchange.
        # A's worker starts paused (EXCHANGE_PAUSE_FILE), so its start-up is not timed.
        pause.touch()
        c.start_node("a")
        wait_until(
            lambda: "worker started" in (workdir / "a.log").read_text().split("bench-mark")[-1],
            120,
            "A to start",
        )
        time.sleep(1.0)
        cpu0 = cpu_seconds([p.pid for p in c.procs.values()])
        t_start = time.monotonic()
        pause.unlink()
        t_docs = wait_until(lambda: received(c, "P") >= n, 1800, "B to receive every document")
        t_back = wait_until(lambda: statuses_back(c, "P") >= n, 1800, "every 01 to reach A")
        cpu1 = cpu_seconds([p.pid for p in c.procs.values()])
        per_doc = {k: (cpu1[k] - cpu0[k]) / n * 1000 for k in cpu0}
        results["cpu_ms_per_doc"] = {k: round(v, 1) for k, v in per_doc.items()}
        cores = os.cpu_count() or 1
        results["cpu_bound_per_s"] = round(
            cores * 1000 / (per_doc["ours"] + per_doc["postgres"]), 1
        )
        with open("/proc/loadavg") as fh:
            results["loadavg"] = fh.read().split()[:3]
        results["exchange_per_s"] = round(n / (t_docs - t_start), 1)
        results["with_status_back_per_s"] = round(n / (t_back - t_start), 1)
        say(
            f"exchanged {n} documents A -> hub -> B: {results['exchange_per_s']}/s "
            f"({results['with_status_back_per_s']}/s until every 01 was back at A)"
        )
        say(
            f"CPU per document (whole round trip incl. the 01 back): hub+nodes "
            f"{results['cpu_ms_per_doc']['ours']} ms, PostgreSQL {results['cpu_ms_per_doc']['postgres']} ms"
            f" -> at most {results['cpu_bound_per_s']}/s on {os.cpu_count()} idle cores "
            f"(load average at the end: {' '.join(results['loadavg'])})"
        )
        assert received(c, "P") == n, "duplicates in B's register"

        # 3. floors, same run, same server.
        results["http_floor_per_s"] = round(
            http_floor(c.hub_url, min(n, 1000), size, concurrency), 1
        )
        results["insert_floor_per_s"] = round(insert_floor(c.db_url("hub"), min(n, 1000), size), 1)
        results["ratio_to_http_floor"] = round(
            results["exchange_per_s"] / results["http_floor_per_s"], 3
        )
        say(
            f"floor: 100 KB POST to the same hub, refused at authentication: {results['http_floor_per_s']}/s "
            f"(exchange = {results['ratio_to_http_floor']:.0%} of it)"
        )
        say(
            f"floor: raw 100 KB INSERT + COMMIT on the hub's PostgreSQL: {results['insert_floor_per_s']}/s"
        )

        # 4. kill -9 during a burst: first the receiver, then the sender.
        sender = threading.Thread(
            target=c.manage,
            args=(
                "a",
                "exchange",
                "send",
                "--to",
                B,
                "--count",
                str(n_kill),
                "--prefix",
                "K",
                "--pdf-size",
                str(size),
            ),
            kwargs={"timeout": 3600},
        )
        sender.start()
        wait_until(lambda: received(c, "K") >= n_kill // 5, 900, "the burst to start arriving")
        c.kill("b", signal.SIGKILL)
        at_kill_b = received(c, "K")
        time.sleep(1.0)
        sent_k = "SELECT count(*) FROM exchange_outboxmessage WHERE state='sent' AND document_id LIKE '%,K%'"  # noqa: S608
        wait_until(
            lambda: count(c, "a", sent_k) >= n_kill // 2, 900, "half the burst to reach the hub"
        )
        c.kill("a", signal.SIGKILL)
        at_kill_a = count(c, "a", sent_k)
        c.start_node("b")
        c.start_node("a")
        sender.join()
        wait_until(
            lambda: received(c, "K") >= n_kill, 1800, "B to receive the whole burst after the kills"
        )
        wait_until(lambda: statuses_back(c, "K") >= n_kill, 1800, "every 01 of the burst back at A")
        wait_until(
            lambda: (
                count(c, "hub", "SELECT count(*) FROM exchange_hubdelivery WHERE state='pending'")
                == 0
            ),
            600,
            "hub drained",
        )
        checks = {
            "b_register_lines": received(c, "K"),
            "b_distinct_documents": count(
                c,
                "b",
                "SELECT count(DISTINCT code_number) FROM exchange_registerentry WHERE direction='in' AND code_number LIKE 'K%'",
            ),
            "hub_documents": count(
                c,
                "hub",
                "SELECT count(*) FROM exchange_hubmessage WHERE kind='edoc' AND document_id LIKE '%,K%'",
            ),
            "a_sent": count(c, "a", sent_k),
            "statuses_at_a": statuses_back(c, "K"),
        }
        results["kill"] = {
            "docs": n_kill,
            "b_killed_at_received": at_kill_b,
            "a_killed_at_sent": at_kill_a,
            **checks,
        }
        ok = all(v == n_kill for v in checks.values())
        say(
            f"kill -9 run: B killed at {at_kill_b}/{n_kill} received, A killed at {at_kill_a}/{n_kill} sent; "
            f"after restart {checks} -> {'nothing lost, nothing duplicated' if ok else 'MISMATCH'}"
        )
        verify = {
            name: c.manage(name, "exchange", "verify-log", check=False)
            for name in ("hub", "a", "b")
        }
        results["verify_log"] = verify
        say(f"verify-log: {verify}")
        out = Path("var/bench")
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"exchange-{time.strftime('%Y%m%d%H%M%S')}.json"
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        say(f"results in {path}")
        target = "meets" if results["exchange_per_s"] >= 100 else "is BELOW"
        say(f"exchange rate {results['exchange_per_s']}/s {target} the 100 documents/s target")
        return 0 if ok and all(v.endswith("OK") for v in verify.values()) else 1
    finally:
        c.stop()
        if not os.environ.get("BENCH_KEEP_DB"):
            c.drop_databases()


if __name__ == "__main__":
    raise SystemExit(main())
