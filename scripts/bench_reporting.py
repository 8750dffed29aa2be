"""`make bench-reporting`: the reporting centre's dashboards over 10 million dossiers.

1. A fresh PostgreSQL database, migrated; 34 provinces, 3,321 communes, 3,355 agencies and the
   demo catalogue (``manage.py bench_reporting prepare``).
2. The cost of one submission in process (``dossier_submit`` with its counter upsert) on the
   empty table.
3. N dossiers (default 10,000,000) from 1/7/2025 to 30/11/2026 generated with COPY, with their
   daily counters (``bench_reporting generate``), then VACUUM ANALYZE as after any bulk load;
   the generation rate is printed.
4. ``reporting seal``: the half-months that are over rolled up, timed.
5. The cost of one submission again, now beside N dossiers.
6. gunicorn (2 sync workers) on that database; for each period × indicator, the national ranking
   (``GET /api/v1/indicators/ranking``), the ranking page with its trends (``/bao-cao/``: six
   periods per province for the sparklines) and a province drill-down (``/bao-cao/tinh/<code>/``,
   communes, agencies and procedures) as an administrator: warm-up requests, then ``--rounds`` timed requests each, p50 / p95.
   A bare request (``/bench/select``, one row by primary key) gives the floor of the stack.
7. The naive aggregate queries over the raw dossier table for the same questions, timed in
   process, and checked to give the same numbers as the dashboard.
8. A table, the ratios (naive ÷ dashboard), and a JSON file under var/bench/; the database is
   dropped unless --keep-db.

A benchmark, not a test: it exits non-zero only if the harness fails (server not starting, a
request failing, the dashboard disagreeing with the naive queries).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG = "postgres://postgres@127.0.0.1:5432"
PERIODS = ("ND09-2026-11", "ND09-2026-Q3", "ND09-2026-9T", "2025-H2", "ND09-2025", "2026-11")
INDICATORS = (
    "d766.index",
    "online.dossiers_share",
    "online.services_used_share",
    "d766.timeliness",
)
TARGET_P95_MS = 500


def say(message: str) -> None:
    print(f"bench-reporting: {message}", flush=True)


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(  # noqa: S603
        ["psql", f"{PG}/{database}", "-XtAqc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def manage(env: dict, *args: str, timeout: int = 7200) -> dict:
    began = time.monotonic()
    proc = subprocess.run(  # noqa: S603
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    for line in proc.stderr.splitlines():
        if line.strip():
            say(f"  {line.strip()}")
    last = [line for line in proc.stdout.splitlines() if line.strip()]
    result = json.loads(last[-1]) if last and last[-1].startswith("{") else {}
    result.setdefault("seconds", round(time.monotonic() - began, 1))
    return result


def get(url: str, token: str, expect: int = 200, data: bytes | None = None) -> tuple[float, bytes]:
    request = urllib.request.Request(  # noqa: S310
        url, data=data, headers={"Authorization": f"Bearer {token}"}
    )
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        body = response.read()
        status = response.status
    elapsed = (time.perf_counter() - began) * 1000
    if status != expect:
        raise SystemExit(f"{url}: {status}")
    return elapsed, body


def timed(url: str, token: str, rounds: int, warmup: int = 4) -> dict:
    """The first request (cold: nothing of this question cached in that worker yet), then
    ``warmup`` − 1 more untimed (so that each gunicorn worker has served one), then ``rounds`` timed ones."""
    first, body = get(url, token)
    for _ in range(warmup - 1):
        _t, body = get(url, token)
    samples = sorted(get(url, token)[0] for _ in range(rounds))
    return {
        "first_ms": round(first, 1),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
        "max_ms": round(samples[-1], 1),
        "body": body,
    }


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--province", default="01", help="GSO code of the drill-down province")
    parser.add_argument("--port", type=int, default=8078)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--database", help="reuse a database made by an earlier --keep-db run")
    args = parser.parse_args()

    stamp = time.strftime("%Y%m%d%H%M%S")
    database = args.database or f"chinhquyen_benchrep_{stamp}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_CONN_MAX_AGE": "600",
        "BENCH_ENDPOINTS": "true",
        "LOG_LEVEL": "WARNING",
    }
    report: dict = {"stamp": stamp, "dossiers": args.dossiers, "database": database}
    server = None
    try:
        if not args.database:
            say(f"database {database}")
            psql(f"CREATE DATABASE {database}")
            manage(env, "migrate", "--noinput", "-v", "0")
            report["prepare"] = manage(env, "bench_reporting", "prepare")
            report["submit_empty"] = manage(env, "bench_reporting", "cost")
            say(f"submission on an empty table: {report['submit_empty']}")
            say(f"generating {args.dossiers:,} dossiers with COPY")
            report["generate"] = manage(
                env, "bench_reporting", "generate", "--dossiers", str(args.dossiers)
            )
            say(f"generated: {report['generate']}")
            began = time.monotonic()
            manage(env, "reporting", "seal")
            report["seal_seconds"] = round(time.monotonic() - began, 1)
            say(f"sealed in {report['seal_seconds']} s")
        report["submit_full"] = manage(
            env, "bench_reporting", "cost", "--at", "2026-12-01T14:00:00"
        )
        say(f"submission beside the table: {report['submit_full']}")
        report["sizes"] = {
            table: psql(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))", database)
            for table in (
                "dossiers_dossier",
                "reporting_dailycounter",
                "reporting_agencyhalfcounter",
                "reporting_onlineuse",
            )
        }
        token = manage(env, "bench_reporting", "token")["token"]
        manage(env, "collectstatic", "--noinput", "-v", "0")  # production settings: manifest

        server = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(60):
            try:
                _t, body = get(f"{base}/bench/insert", token, expect=201, data=b"{}")
                row_id = json.loads(body)["id"]
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(1)
        else:
            raise SystemExit("gunicorn did not start")
        say(f"server up; load average {load_average()}")
        floor = timed(f"{base}/bench/select?id={row_id}", token, args.rounds * 2)
        report["floor"] = {k: v for k, v in floor.items() if k != "body"}
        results = []
        for period in PERIODS:
            for indicator in INDICATORS:
                query = f"period={period}&indicator={indicator}"
                ranking = timed(f"{base}/api/v1/indicators/ranking?{query}", token, args.rounds)
                page = timed(f"{base}/bao-cao/?{query}", token, args.rounds)
                drill = timed(f"{base}/bao-cao/tinh/{args.province}/?{query}", token, args.rounds)
                row = {
                    "period": period,
                    "indicator": indicator,
                    "ranking": {k: v for k, v in ranking.items() if k != "body"},
                    "page": {k: v for k, v in page.items() if k != "body"},
                    "drilldown": {k: v for k, v in drill.items() if k != "body"},
                }
                if indicator == "online.dossiers_share":
                    data = json.loads(ranking["body"])
                    row["ranked"] = sum(1 for r in data["rows"] if r["value"] is not None)
                results.append(row)
                say(
                    f"{period:13} {indicator:28} "
                    + " | ".join(
                        f"{name} first {row[name]['first_ms']:6.1f} p50 {row[name]['p50_ms']:6.1f}"
                        f" p95 {row[name]['p95_ms']:6.1f}"
                        for name in ("ranking", "page", "drilldown")
                    )
                    + " ms"
                )
        report["results"] = results
        report["load_average_after_http"] = load_average()
        server.terminate()
        server.wait(30)
        server = None

        say("naive queries over the dossier table")
        naive_args = ["bench_reporting", "naive", "--province", args.province]
        for period in PERIODS:
            naive_args += ["--period", period]
        report["naive"] = manage(env, *naive_args)
        report["naive"].pop("seconds", None)
        report["agreement"] = check_agreement(env, report["naive"], args.province)
        print_report(report)
        out = ROOT / "var" / "bench" / f"reporting-{stamp}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        say(f"written {out.relative_to(ROOT)}")
        if not all(report["agreement"].values()):
            say("the dashboard and the naive queries DISAGREE")
            return 2
        return 0
    finally:
        if server is not None:
            server.terminate()
        if not args.keep_db and not args.database:
            psql(f"DROP DATABASE IF EXISTS {database}")
            say(f"dropped {database}")


def check_agreement(env: dict, naive: dict, province: str) -> dict[str, bool]:
    """The counters behind the dashboard must give exactly the naive queries' numbers."""
    script = (
        "import json\n"
        "from chinhquyen.reporting.periods import period_parse\n"
        "from chinhquyen.reporting.selectors import facts_for_groups\n"
        "from chinhquyen.reporting.scopes import scope_parse\n"
        f"codes = {list(naive)!r}\n"
        "out = {}\n"
        "for code in codes:\n"
        "    p = period_parse(code)\n"
        "    n = facts_for_groups({'n': None}, p)['n']\n"
        f"    ids = scope_parse('province:{province}', on=p.end).agency_ids()\n"
        "    f = facts_for_groups({'p': ids}, p)['p']\n"
        "    out[code] = [n['submitted'], n['submitted_online'], f['finished'],"
        " f['finished_on_time']]\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(  # noqa: S603
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")][-1]
    dashboard = json.loads(line)
    result = {}
    for code, row in naive.items():
        expected = [
            row["submitted"],
            row["submitted_online"],
            row["province_finished"],
            row["province_on_time"],
        ]
        result[code] = dashboard[code] == expected
        if not result[code]:
            say(f"{code}: dashboard {dashboard[code]} != naive {expected}")
    return result


def print_report(report: dict) -> None:
    print()
    gen = report.get("generate")
    if gen:
        print(
            f"Generated {gen['dossiers']:,} dossiers and {gen['counter_rows']:,} counter rows "
            f"for {gen['agencies']:,} agencies in {gen['total_seconds']} s "
            f"({gen['dossiers_per_second']:,}/s; COPY {gen['copy_seconds']} s, the rest "
            f"indexes); VACUUM ANALYZE {gen.get('vacuum_seconds')} s; "
            f"sealing {report.get('seal_seconds')} s"
        )
    print(f"Sizes: {report['sizes']}")
    empty, full = report.get("submit_empty"), report["submit_full"]
    if empty:
        print(
            f"One submission in process: {empty['mean_ms']} ms on an empty table, "
            f"{full['mean_ms']} ms beside {full['table_rows_estimate']:,} dossiers "
            f"(ratio {full['mean_ms'] / empty['mean_ms']:.2f})"
        )
    print(f"Floor (bare select through the same stack): p50 {report['floor']['p50_ms']} ms")
    print()
    header = (
        f"{'period':13} {'indicator':28} {'ranking 1st':>11} {'p50':>6} {'p95':>6} {'naive':>6} "
        f"{'×':>5} | {'page 1st':>8} {'p50':>6} {'p95':>6} | {'drill 1st':>9} {'p50':>6} "
        f"{'p95':>6} {'naive':>6} {'×':>5}"
    )
    print(header)
    print("-" * len(header))
    worst = worst_first = 0.0
    for row in report["results"]:
        naive = report["naive"][row["period"]]
        n_rank = statistics.median(naive["ranking_ms"])
        n_drill = statistics.median(naive["drilldown_ms"])
        worst = max(
            worst, row["ranking"]["p95_ms"], row["page"]["p95_ms"], row["drilldown"]["p95_ms"]
        )
        worst_first = max(
            worst_first,
            row["ranking"]["first_ms"],
            row["page"]["first_ms"],
            row["drilldown"]["first_ms"],
        )
        r, p, d = row["ranking"], row["page"], row["drilldown"]
        print(
            f"{row['period']:13} {row['indicator']:28} {r['first_ms']:11.0f} {r['p50_ms']:6.0f} "
            f"{r['p95_ms']:6.0f} {n_rank:6.0f} {n_rank / r['p50_ms']:5.1f} | "
            f"{p['first_ms']:8.0f} {p['p50_ms']:6.0f} {p['p95_ms']:6.0f} | "
            f"{d['first_ms']:9.0f} {d['p50_ms']:6.0f} {d['p95_ms']:6.0f} {n_drill:6.0f} "
            f"{n_drill / d['p50_ms']:5.1f}"
        )
    print()
    print(
        f"Worst p95: {worst:.0f} ms (target < {TARGET_P95_MS} ms: "
        f"{'met' if worst < TARGET_P95_MS else 'NOT met'}); worst first request "
        f"{worst_first:.0f} ms. "
        "naive = the same question over the raw dossier table (median of 3, in process; the "
        "naive drill-down: timeliness per agency and per procedure), × = naive ÷ dashboard p50; "
        "1st = the first request for that page (nothing of it cached yet)."
    )
    print(f"Agreement with the naive queries: {report['agreement']}")


if __name__ == "__main__":
    sys.exit(main())
