"""Drive the load generator for `make bench` and report (called by scripts/bench.sh).

For each scenario: one checked request (the exact expected status, or the harness fails), a
warm-up run whose figures are thrown away, then the measured run. Around the measured run it
samples the CPU time used by gunicorn, PostgreSQL and wrk and counts the rows the run wrote.
Prints a table, the ratios to the bare endpoints and the verdict against the targets of the issue,
and writes everything to a JSON file.

With ``--rounds N`` the scenarios are measured N times in turn (submit, bare insert, status, bare
select, submit, …), so that each real endpoint and its bare twin are measured minutes apart in
every round. The host's speed drifts over minutes in ways the CPU accounting cannot see, and a
ratio of two runs taken far apart measures that drift too. The table shows the round with the
median rate of each scenario; each ratio is the median of the per-round ratios; the p99 verdict
takes the worst round.

Exit status: 0 whatever the figures are (a benchmark, not a test); 2 when a checked request
fails; 3 when a measured run has more than 1 % of errors (wrong status, socket errors, timeouts).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Issue #19 item 3: the earlier targets (300 submissions/s, a ratio of 0.4, 1,500 lookups/s)
# were withdrawn with the machinery they pulled in; the bar is ratios against the bare endpoints
# measured in the same run, and the p99 at 32 connections.
TARGETS = {
    "submit_p99_ms": 150.0,
    "submit_ratio": 0.33,
    "status_ratio": 1.1,
}
# The pages a crowd lands on (issue #17 part 6): their rate over the status lookup's, measured
# in the same run.
LANDING_TARGETS = {
    "home": 0.5,
    "search": 0.5,
    "procedure": 0.5,
    "lookup": 0.5,
    "ranking": 0.25,
    "transparency": 0.25,
}
MAX_ERROR_SHARE = 0.01
# A run during which other processes used more than this share of the machine is marked disturbed.
OTHERS_MAX_SHARE = 0.05


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    expect: int
    table: str | None = None  # rows counted before/after: every 2xx must have written one
    paths: str | None = None  # a page scenario (page.lua): the file of paths it asks for


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "submit", "POST /api/v1/dossiers (Bearer, Idempotency-Key)", 201, "dossiers_dossier"
        ),
        Scenario(
            "bare_insert", "POST /bench/insert (plain view, one INSERT)", 201, "benchmarks_benchrow"
        ),
        Scenario("status", "GET /api/v1/dossiers/{code}/status (public)", 200),
        Scenario("bare_select", "GET /bench/select?id= (plain view, one SELECT)", 200),
        # The landing pages (manage.py bench_landing writes their paths), anonymous visitors.
        Scenario("home", "GET / (the catalogue, no query)", 200, paths="paths-home.txt"),
        Scenario("search", "GET /?q= (20 queries in turn)", 200, paths="paths-search.txt"),
        Scenario(
            "procedure",
            "GET /thu-tuc/{code}/ (procedure pages in turn)",
            200,
            paths="paths-procedure.txt",
        ),  # fmt: skip
        Scenario("lookup", "GET /tra-cuu/ (public lookup page)", 200, paths="paths-lookup.txt"),
        Scenario(
            "lookup_result",
            "GET /tra-cuu/{code} (a dossier's page: the receipt's QR)",
            200,
            paths="paths-lookup_result.txt",
        ),  # fmt: skip
        Scenario("ranking", "GET /bao-cao/ (national ranking)", 200, paths="paths-ranking.txt"),
        Scenario(
            "transparency",
            "GET /bao-cao/cong-khai/ (published results)",
            200,
            paths="paths-transparency.txt",
        ),  # fmt: skip
    )
}
PAIRS = (
    ("submit", "bare_insert"),
    ("status", "bare_select"),
    *((name, "status") for name in LANDING_TARGETS),
    ("lookup_result", "status"),  # no target: the "lookup page" is the form
)


# --- helpers ------------------------------------------------------------------------------------


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


def psql(database_url: str, sql: str) -> str:
    out = subprocess.run(  # noqa: S603
        ["psql", database_url, "-XtAc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def count_rows(args, table: str | None) -> int | None:
    if table is None:
        return None
    return int(psql(args.database_url, f"SELECT count(*) FROM {table}"))  # noqa: S608 - our constants


def cpu_snapshot(server_pid: int | None, database: str) -> dict[str, float]:
    """CPU seconds used so far by our gunicorn (the master ``server_pid`` and its workers), by
    PostgreSQL (its background processes and the backends of ``database``), and by the machine."""
    used = {"gunicorn": 0.0, "postgres": 0.0}
    db = database.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        ppid = int(fields[1])
        seconds = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
        if cmdline.startswith(b"postgres") or cmdline.startswith(b"/usr/lib/postgresql"):
            is_backend = b"(" in cmdline or b"[local]" in cmdline
            if not is_backend or db in cmdline:
                used["postgres"] += seconds
        elif server_pid and server_pid in (int(entry.name), ppid):
            used["gunicorn"] += seconds
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:9]]
    # user nice system idle iowait irq softirq steal
    idle, irq, steal = parts[3] + parts[4], parts[5] + parts[6], parts[7]
    used["machine_total"] = sum(parts) / CLK_TCK
    # Busy on this machine's behalf: processes (ours and others') plus interrupt handling, which
    # is mostly the loopback network stack carrying our requests. Time the hypervisor gave to
    # other guests ("steal") is apart.
    used["machine_busy"] = (sum(parts) - idle - steal) / CLK_TCK
    used["irq"] = irq / CLK_TCK
    used["steal"] = steal / CLK_TCK
    return used


def others_load(args, seconds: float = 1.0) -> float:
    """Cores kept busy by processes that are not ours (server idle, so nearly all of it)."""
    a = cpu_snapshot(args.server_pid, args.database)
    time.sleep(seconds)
    b = cpu_snapshot(args.server_pid, args.database)
    cores = (b["machine_busy"] - a["machine_busy"]) / seconds
    ours = (
        b["gunicorn"] - a["gunicorn"] + b["postgres"] - a["postgres"] + b["irq"] - a["irq"]
    ) / seconds
    return max(0.0, cores - ours)


def wait_for_quiet(args) -> float:
    """Wait (up to --quiet-timeout s) until other processes use less than --quiet-cores."""
    deadline = time.monotonic() + args.quiet_timeout
    load = others_load(args)
    if load > args.quiet_cores:
        print(
            f"bench: other processes keep {load:.2f} cores busy; waiting for a quiet machine "
            f"(up to {args.quiet_timeout:.0f} s) …",
            flush=True,
        )
    while load > args.quiet_cores and time.monotonic() < deadline:
        time.sleep(2)
        load = others_load(args)
    return load


def check_one(url: str, data: Path, scenario: Scenario) -> str | None:
    """One request of the scenario by hand; an error message when its status is not the expected one."""
    headers: dict[str, str] = {}
    body: bytes | None = None
    method = "GET"
    if scenario.name == "submit":
        method, path = "POST", "/api/v1/dossiers"
        body = (data / "submit.json").read_bytes()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {lines(data / 'tokens.txt')[0]}",
            "Idempotency-Key": f"bench-check-{time.time_ns()}",
        }
    elif scenario.name == "bare_insert":
        method, path = "POST", "/bench/insert"
        body = (data / "submit.json").read_bytes()
        headers = {"Content-Type": "application/json"}
    elif scenario.name == "status":
        path = f"/api/v1/dossiers/{lines(data / 'codes.txt')[0]}/status"
    elif scenario.paths:
        path = lines(data / scenario.paths)[0]
    else:
        path = f"/bench/select?id={lines(data / 'rows.txt')[0]}"
    req = urllib.request.Request(url + path, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback only
            status, text = resp.status, resp.read(400).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read(400).decode("utf-8", "replace")
    except OSError as exc:
        return f"{method} {path}: {exc}"
    if status != scenario.expect:
        return f"{method} {path}: got {status}, expected {scenario.expect}: {text}"
    return None


def wrk(args, scenario: Scenario, duration: str, tag: str) -> tuple[dict, str, float]:
    """Run wrk once; returns (figures from the Lua done() hook, wrk's own output, wrk CPU seconds)."""
    env = {
        **os.environ,
        "BENCH_DATA": str(args.data),
        "BENCH_RUN": tag,
        "BENCH_EXPECT": str(scenario.expect),
        "BENCH_PATHS": scenario.paths or "",
    }
    script = "page" if scenario.paths else scenario.name
    cmd = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{duration}",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(HERE / f"{script}.lua"),
        args.url,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        raise SystemExit(
            f"bench: wrk failed for {scenario.name} (exit {out.returncode}):\n{out.stdout}\n{out.stderr}"
        )
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :]), out.stdout, cpu
    raise SystemExit(
        f"bench: wrk printed no BENCH_JSON line for {scenario.name}:\n{out.stdout}\n{out.stderr}"
    )


PAGE_WARMUP_SECONDS = 10


def _seconds(duration: str) -> float:
    """wrk's duration ("5s", "2m", "1h", "30") in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    if duration and duration[-1] in units:
        return float(duration[:-1]) * units[duration[-1]]
    return float(duration)


def measure(args, scenario: Scenario) -> dict:
    load_before = wait_for_quiet(args)
    # A page scenario's warm-up also draws its pages into each worker's page cache (60
    # procedure pages, some of them 130 ms each at national size): at least 10 s, so that the
    # measured run is the crowd's steady state (docs/benchmarks.md, "Landing pages").
    warmup = args.warmup
    if scenario.paths and _seconds(warmup) < PAGE_WARMUP_SECONDS:
        warmup = f"{PAGE_WARMUP_SECONDS}s"
    warm, _, _ = wrk(args, scenario, warmup, f"{args.tag}-{time.time_ns()}-warm")
    count_before = count_rows(args, scenario.table)
    cpu_before = cpu_snapshot(args.server_pid, args.database)
    fig, raw, wrk_cpu = wrk(args, scenario, args.duration, f"{args.tag}-{time.time_ns()}-main")
    cpu_after = cpu_snapshot(args.server_pid, args.database)
    count_after = count_rows(args, scenario.table)
    (args.raw_dir / f"wrk-{scenario.name}.txt").write_text(raw, encoding="utf-8")

    seconds = fig["duration_us"] / 1e6
    e = fig["errors"]
    socket_errors = e["connect"] + e["read"] + e["write"] + e["timeout"]
    errors = fig["unexpected"] + socket_errors
    requests = fig["requests"]
    ok = requests - fig["unexpected"]
    cpu = {k: round(cpu_after[k] - cpu_before[k], 2) for k in ("gunicorn", "postgres")}
    cpu["wrk"] = round(wrk_cpu, 2)
    wall = cpu_after["machine_total"] - cpu_before["machine_total"]
    busy = cpu_after["machine_busy"] - cpu_before["machine_busy"]
    cpu["machine_busy_share"] = round(busy / wall, 3) if wall else None
    cpu["irq"] = round(cpu_after["irq"] - cpu_before["irq"], 2)
    cpu["steal"] = round(cpu_after["steal"] - cpu_before["steal"], 2)
    # What the machine spent beyond our server, database, load generator and interrupts: someone
    # else's work.
    ours = cpu["gunicorn"] + cpu["postgres"] + cpu["wrk"] + cpu["irq"]
    cpu["others"] = round(max(0.0, busy - ours), 2)
    cpu["cores"] = os.cpu_count()
    cpu["seconds"] = round(seconds, 2)
    result = {
        "what": scenario.what,
        "expected_status": scenario.expect,
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "ok_rps": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(fig["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(fig["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(fig["latency_us"]["p99"] / 1000, 2),
        "p999_ms": round(fig["latency_us"]["p999"] / 1000, 2),
        "mean_ms": round(fig["latency_us"]["mean"] / 1000, 2),
        "max_ms": round(fig["latency_us"]["max"] / 1000, 2),
        "errors": errors,
        "error_share": round(errors / requests, 5) if requests else 1.0,
        "unexpected_by_status": fig["unexpected_by_status"],
        "socket_errors": {k: e[k] for k in ("connect", "read", "write", "timeout")},
        "cpu_seconds": cpu,
        "warmup": {"requests": warm["requests"], "errors": warm["unexpected"]},
        "others_cores_before": round(load_before, 2),
        "disturbed": cpu["others"] + cpu["steal"] > OTHERS_MAX_SHARE * cpu["cores"] * seconds,
    }
    if scenario.table:
        # wrk counts only completed responses: up to one request per connection may be cut off
        # at the end and still commit, never fewer rows than counted 2xx.
        result["rows_written"] = count_after - count_before
    return result


def measure_least_disturbed(args, name: str, label: str) -> dict:
    """Another user's work landing on the 2 cores mid-run spoils it: measure again (up to
    --retries times) and keep the least disturbed run."""
    attempts = []
    for attempt in range(args.retries + 1):
        again = f" (again: {attempt})" if attempt else ""
        print(f"bench: {label}: warm-up {args.warmup}, then {args.duration}{again} …", flush=True)
        r = measure(args, SCENARIOS[name])
        c = r["cpu_seconds"]
        print(
            f"bench: {label}: {r['ok_rps']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"{r['errors']} errors; others used {c['others'] + c['steal']:.1f} core-s",
            flush=True,
        )
        attempts.append(r)
        if not r["disturbed"]:
            break
    best = min(attempts, key=lambda r: r["cpu_seconds"]["others"] + r["cpu_seconds"]["steal"])
    best["attempts"] = len(attempts)
    return best


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round((ordered[middle - 1] + ordered[middle]) / 2, 3)


def code_state() -> dict:
    """Which code was measured: the commit and the files that differed from it (read-only git)."""

    def git(*cmd: str) -> str:
        out = subprocess.run(["git", *cmd], capture_output=True, text=True)  # noqa: S603, S607
        return out.stdout.rstrip("\n") if out.returncode == 0 else ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "modified_files": dirty}


def machine(args) -> dict:
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    pg = {
        key: psql(args.database_url, f"SHOW {key}")
        for key in ("server_version", "synchronous_commit", "shared_buffers", "max_connections")
    }
    version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S607
    wrk_version = version.stdout.splitlines()[0]
    return {
        "code": code_state(),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "wrk": wrk_version.split(" [")[0],
    }


# --- report -------------------------------------------------------------------------------------


def verdicts(results: dict) -> list[dict]:
    out = []

    def add(name, value, target, op, unit=""):
        if value is None:
            out.append({"target": name, "value": None, "goal": f"{op} {target}{unit}", "met": None})
            return
        met = value >= target if op == "≥" else value <= target
        out.append({"target": name, "value": value, "goal": f"{op} {target:g}{unit}", "met": met})

    sub = results.get("submit")
    ratios = results.get("_ratios", {})
    add("submission p99", sub and sub["worst_p99_ms"], TARGETS["submit_p99_ms"], "≤", " ms")
    add("submit / bare insert", ratios.get("submit/bare_insert"), TARGETS["submit_ratio"], "≥")
    add("status / bare select", ratios.get("status/bare_select"), TARGETS["status_ratio"], "≥")
    for name, target in LANDING_TARGETS.items():
        if name in results:
            add(f"{name} / status", ratios.get(f"{name}/status"), target, "≥")
    return out


def print_report(report: dict) -> None:
    res = report["scenarios"]
    print()
    print(
        f"chinhquyen bench — {report['date']}  server: {report['server']['summary']}  "
        f"load: wrk -t{report['load']['wrk_threads']} -c{report['load']['connections']} "
        f"-d{report['load']['duration']} (warm-up {report['load']['warmup']})"
    )
    print()
    head = f"{'scenario':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}   cpu s: gunicorn/postgres/wrk/irq/others+steal"
    print(head)
    print("-" * len(head))
    for name, r in res.items():
        c = r["cpu_seconds"]
        print(
            f"{name:<12} {r['ok_rps']:>9.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['requests']:>9} "
            f"{r['errors']:>7}   {c['gunicorn']:.1f}/{c['postgres']:.1f}/{c['wrk']:.1f}/{c['irq']:.1f}/{c['others'] + c['steal']:.1f} of "
            f"{c['cores'] * c['seconds']:.0f} core-s{'  DISTURBED' if r['disturbed'] else ''}"
        )
    rounds = {n: r["rounds"] for n, r in res.items() if "rounds" in r}
    if rounds:
        print()
        print("rounds (req/s), in the order measured; the table shows the median round:")
        for name, runs in rounds.items():
            print(f"  {name:<12} " + "  ".join(f"{r['ok_rps']:>8.1f}" for r in runs))
    print()
    for key, value in report["ratios"].items():
        if isinstance(value, list):
            print(f"ratio {key:<22} " + "  ".join(f"{v:.2f}" for v in value))
        else:
            print(f"ratio {key:<22} {value:.2f}" + ("  (median of the rounds)" if rounds else ""))
    print()
    for v in report["verdict"]:
        mark = "n/a" if v["met"] is None else ("met" if v["met"] else "NOT MET")
        print(f"target {v['target']:<22} {str(v['value']):>8}  goal {v['goal']:<10} {mark}")
    bad = [n for n, r in res.items() if r["errors"]]
    if bad:
        print()
        print("!" * 78)
        for n in bad:
            r = res[n]
            print(
                f"!! {n}: {r['errors']} ERRORS of {r['requests']} requests ({100 * r['error_share']:.2f} %) "
                f"statuses {r['unexpected_by_status']} sockets {r['socket_errors']}"
            )
        print("!" * 78)
    disturbed = [n for n, r in res.items() if r["disturbed"]]
    if disturbed:
        print()
        print(
            f"!! other processes used more than {OTHERS_MAX_SHARE:.0%} of the machine during {disturbed}: "
            "those figures understate what this server can do; run again on a quiet machine."
        )
    for n, r in res.items():
        if "rows_written" in r and r["rows_written"] < r["requests"] - r["errors"]:
            print(
                f"!! {n}: only {r['rows_written']} rows written for {r['requests'] - r['errors']} successful responses"
            )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--url", required=True)
    p.add_argument("--data", type=Path, required=True, help="bench_prepare's --out folder")
    p.add_argument("--database-url", required=True)
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--duration", default="20s")
    p.add_argument("--warmup", default="5s")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--server", default="{}", help="JSON: the server configuration, for the report")
    p.add_argument("--tag", default=str(int(time.time())))
    p.add_argument(
        "--server-pid", type=int, default=None, help="gunicorn master, for CPU accounting"
    )
    p.add_argument(
        "--quiet-cores",
        type=float,
        default=0.25,
        help="wait before each scenario until other processes use fewer cores than this",
    )
    p.add_argument("--quiet-timeout", type=float, default=300.0)
    p.add_argument("--retries", type=int, default=2, help="measure a disturbed scenario again")
    p.add_argument(
        "--rounds", type=int, default=1, help="measure the scenarios this many times, in turn"
    )
    args = p.parse_args()
    if args.rounds < 1:
        raise SystemExit("bench: --rounds must be at least 1")
    args.raw_dir = args.results.parent
    args.database = args.database_url.rsplit("/", 1)[-1]
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"bench: unknown scenarios {unknown}; known: {list(SCENARIOS)}")

    for name in names:
        problem = check_one(args.url, args.data, SCENARIOS[name])
        if problem:
            print(f"bench: the checked request of {name} failed: {problem}", file=sys.stderr)
            return 2

    rounds: dict[str, list[dict]] = {name: [] for name in names}
    for round_no in range(1, args.rounds + 1):
        for name in names:
            label = f"{name} (round {round_no}/{args.rounds})" if args.rounds > 1 else name
            rounds[name].append(measure_least_disturbed(args, name, label))

    results: dict[str, dict] = {}
    for name, runs in rounds.items():
        shown = sorted(runs, key=lambda r: r["ok_rps"])[(len(runs) - 1) // 2]  # the median
        shown = {**shown, "worst_p99_ms": max(r["p99_ms"] for r in runs)}
        if len(runs) > 1:
            shown["rounds"] = [
                {k: r[k] for k in ("ok_rps", "p50_ms", "p99_ms", "requests", "errors")}
                for r in runs
            ]
        results[name] = shown

    ratios: dict[str, float | list[float]] = {}
    for a, b in PAIRS:
        if a not in rounds or b not in rounds:
            continue
        pairs = list(zip(rounds[a], rounds[b], strict=True))
        if not all(rb["ok_rps"] and rb["p50_ms"] for _ra, rb in pairs):
            continue
        per_round = [round(ra["ok_rps"] / rb["ok_rps"], 3) for ra, rb in pairs]
        latency = [round(ra["p50_ms"] / rb["p50_ms"], 3) for ra, rb in pairs]
        ratios[f"{a}/{b}"] = median(per_round)
        ratios[f"{a}/{b} p50 latency"] = median(latency)
        if len(pairs) > 1:
            ratios[f"{a}/{b} rounds"] = per_round
    results["_ratios"] = ratios
    verdict = verdicts(results)
    del results["_ratios"]
    server = json.loads(args.server)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine(args),
        "server": server,
        "load": {
            "tool": "wrk",
            "wrk_threads": args.wrk_threads,
            "connections": args.connections,
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "model": "closed loop: each connection sends its next request when the previous answer arrives",
        },
        "data": {
            **json.loads((args.data / "meta.json").read_text(encoding="utf-8")),
            **(
                {"landing": json.loads((args.data / "landing.json").read_text(encoding="utf-8"))}
                if (args.data / "landing.json").exists()
                else {}
            ),
        },
        "scenarios": results,
        "ratios": ratios,
        "targets": TARGETS,
        "verdict": verdict,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print_report(report)
    print(f"\nbench: results written to {args.results}")
    failed = [
        n for n, runs in rounds.items() if any(r["error_share"] > MAX_ERROR_SHARE for r in runs)
    ]
    if failed:
        print(
            f"bench: HARNESS FAILURE: more than {MAX_ERROR_SHARE:.0%} errors in {failed}",
            file=sys.stderr,
        )
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
