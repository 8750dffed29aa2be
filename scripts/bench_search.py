#!/usr/bin/env python
"""`make bench-search`: how fast ``procedures_search`` answers over 10,000 procedures, on
PostgreSQL and on SQLite, and how well it finds what people mean (the relevance set). A
benchmark, not a test (docs/benchmarks.md, "Procedure search").

The parent process creates a fresh PostgreSQL database (``chinhquyen_bench_search_<stamp>``) and a
temporary SQLite file, runs one child process per database (Django's settings are read once per
process), prints the tables and drops both, even on failure. Each child migrates, imports the 34
demo procedures through the real import service and measures relevance on them: every phrasing
of the relevance set (``catalogue/fixtures/relevance.json``, read by ``catalogue/relevance.py``)
through ``procedures_search``, top-1 / top-3 hit rates and MRR, overall and per kind — on the 34
demo procedures only, *before* the generated ones are added, so that a generated variant of the
right procedure cannot count as a hit. It then adds generated variants of them with
``bulk_create`` (``search_text`` computed with ``fold`` as ``procedure_save`` does) up to
``--procedures`` and times, in process, what the API does for one request: the first page of 20
and the count, for each named query ``--repeat`` times and for each phrasing of the relevance set
``--relevance-repeat`` times, interleaved, after one warm-up round. p50 / p95 / p99 per named
query and over all timed searches; the targets (top-3 >= 95 %, top-1 >= 80 %, p95 < 100 ms) as
ratios; the whole result in ``var/bench/search-<stamp>.json``.

    .venv/bin/python scripts/bench_search.py [--procedures 10000] [--repeat 30]
        [--relevance-repeat 3] [--only sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PAGE = 20
TARGET_P95_MS = 100.0  # issue #17: p95 < 100 ms over 10,000 procedures on both databases

# Queries a citizen types: plain, with diacritics, with one typo per word, codes, a filter.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("khai sinh", {}),
    ("đăng ký khai sinh", {}),
    ("khai snh", {}),
    ("giay phep xay dung", {}),
    ("giay phep xay dugn", {}),
    ("dang ky ho kinh doanh", {}),
    ("ho kinh doang", {}),
    ("ket hon", {}),
    ("chứng thực", {}),
    ("chung thuc chu ky", {}),
    ("cap giay phep", {}),
    ("giay phep lai xe", {}),
    ("tro cap xa hoi", {}),
    ("ly lich tu phap", {}),
    ("dang ky", {}),
    ("1.001193", {}),
    ("dat dai", {"online_mode": "partial"}),
    ("giay phep", {"field": "xay-dung"}),
    ("zzxqw", {}),
    ("", {}),
]

SUFFIXES = [
    "",
    " (cấp xã)",
    " (cấp tỉnh)",
    " tại Trung tâm Phục vụ hành chính công",
    " đối với người nước ngoài",
    " có yếu tố nước ngoài",
    " trong trường hợp đặc biệt",
    " (thực hiện tại khu vực biên giới)",
    " – liên thông",
    " theo hình thức trực tuyến",
    " cho người cao tuổi",
    " tại Cơ quan đại diện",
]
PLACES = [
    "Hải Dương", "Hà Nội", "Đà Nẵng", "Cần Thơ", "Huế", "Quảng Ninh", "Lào Cai", "Đắk Lắk",
    "Khánh Hòa", "Nghệ An", "Bình Định", "An Giang", "Thái Nguyên", "Sơn La", "Gia Lai",
]  # fmt: skip


# --- child: one database ----------------------------------------------------------------------


def import_demo() -> None:
    from chinhquyen.catalogue.services import catalogue_import

    demo_path = ROOT / "chinhquyen/catalogue/fixtures/demo_catalogue.json"
    report = catalogue_import(file_name="demo_catalogue.json", content=demo_path.read_bytes())
    assert report.ok, [str(e) for e in report.errors]


def add_generated(total: int) -> int:
    from django.db import transaction

    from chinhquyen.catalogue.models import Field, Procedure, ProcedureVersion
    from chinhquyen.catalogue.text import fold

    templates = list(
        ProcedureVersion.objects.filter(procedure__current_id__isnull=False).select_related("field")
    )
    fields = {f.pk: f for f in Field.objects.all()}
    extra = total - len(templates)
    with transaction.atomic():
        procedures = Procedure.objects.bulk_create(
            [Procedure(code=f"9.{n:06d}") for n in range(extra)], batch_size=1000
        )
        versions = []
        for n, procedure in enumerate(procedures):
            template = templates[n % len(templates)]
            suffix = SUFFIXES[(n // len(templates)) % len(SUFFIXES)]
            place = PLACES[n % len(PLACES)]
            name = f"{template.name}{suffix} ({place}, mẫu {n})"[:500]
            field_name = fields[template.field_id].name
            versions.append(
                ProcedureVersion(
                    procedure=procedure,
                    version=1,
                    name=name,
                    search_text=fold(f"{procedure.code} {name} {field_name}"),
                    field_id=template.field_id,
                    levels=template.levels,
                    online_mode=("full", "partial", "none")[n % 3],
                    steps=template.steps,
                    method=template.method,
                    processing_time=template.processing_time,
                    time_unit=template.time_unit,
                    applicants=template.applicants,
                    implementing_agency=template.implementing_agency,
                    fees=template.fees,
                    result_type=template.result_type,
                    legal_basis=template.legal_basis,
                    effective_from=template.effective_from,
                    form_schema=template.form_schema,
                )
            )
        versions = ProcedureVersion.objects.bulk_create(versions, batch_size=1000)
        for procedure, version in zip(procedures, versions, strict=True):
            procedure.current = version
        Procedure.objects.bulk_update(procedures, ["current"], batch_size=1000)
    return Procedure.objects.count()


def percentile(ms: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted timings."""
    return ms[min(len(ms) - 1, round(p * (len(ms) - 1)))]


def measure(repeat: int, relevance_repeat: int, relevance_queries: list[str]) -> dict:
    """Time the named queries ``repeat`` times and the relevance set's ``relevance_repeat``
    times, interleaved (so a slow moment of the machine hits every query), after a warm-up."""
    from chinhquyen.catalogue.selectors import procedures_search

    def once(q: str, filters: dict[str, str]) -> tuple[float, int, str | None]:
        start = time.perf_counter()
        versions = procedures_search(q=q, **filters)
        page = [v.procedure.code for v in versions[:PAGE]]
        count = versions.count()
        return (time.perf_counter() - start) * 1000, count, (page[0] if page else None)

    for q, filters in QUERIES:  # warm-up: connections, caches, the planner
        once(q, filters)
    for q in relevance_queries:
        once(q, {})
    timings: dict[int, list[float]] = {i: [] for i in range(len(QUERIES))}
    found: dict[int, tuple[int, str | None]] = {}
    relevance_ms: list[float] = []
    for round_ in range(repeat):
        for i, (q, filters) in enumerate(QUERIES):
            ms, count, top = once(q, filters)
            timings[i].append(ms)
            found[i] = (count, top)
        if round_ < relevance_repeat:
            relevance_ms += [once(q, {})[0] for q in relevance_queries]
    rows = []
    for i, (q, filters) in enumerate(QUERIES):
        ms = sorted(timings[i])
        rows.append(
            {
                "query": q,
                "filters": filters,
                "count": found[i][0],
                "top": found[i][1],
                "p50": statistics.median(ms),
                "p95": percentile(ms, 0.95),
                "p99": percentile(ms, 0.99),
            }
        )
    named = sorted(ms for i in timings for ms in timings[i])
    every = sorted(named + relevance_ms)
    relevance_ms.sort()

    def pooled(ms: list[float]) -> dict:
        if not ms:
            return {"searches": 0}
        return {
            "searches": len(ms),
            "p50": statistics.median(ms),
            "p95": percentile(ms, 0.95),
            "p99": percentile(ms, 0.99),
            "max": ms[-1],
        }

    return {
        "rows": rows,
        "pooled": {
            "named": pooled(named),
            "relevance": pooled(relevance_ms),
            "all": pooled(every),
        },
    }


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from chinhquyen.catalogue.relevance import evaluate, load_cases, procedure_codes

    call_command("migrate", verbosity=0, interactive=False)
    import_demo()
    cases = load_cases()
    relevance = evaluate(cases, procedure_codes).as_dict()  # on the 34 demo procedures
    started = time.perf_counter()
    count = add_generated(args.procedures)
    populate_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT current_setting('server_version')")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}"
    result = {
        "backend": connection.vendor,
        "server": server,
        "procedures": count,
        "populate_s": round(populate_s, 1),
        "relevance": relevance,
        **measure(args.repeat, args.relevance_repeat, [c.q for c in cases]),
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))


# --- parent -----------------------------------------------------------------------------------


def run_child(args: argparse.Namespace, database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1"),
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": "600",
    }
    command = [sys.executable, __file__, "--child", "--procedures", str(args.procedures)]
    command += ["--repeat", str(args.repeat), "--relevance-repeat", str(args.relevance_repeat)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench-search: the run on {database_url} failed")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def psql(sql: str) -> None:
    subprocess.run(  # noqa: S603
        ["psql", f"{PG_SERVER}/postgres", "-XqAc", sql],  # noqa: S607
        check=True,
        capture_output=True,
    )


def print_speed(results: list[dict]) -> None:
    print()
    for result in results:
        print(
            f"{result['server']}: {result['procedures']:,} procedures "
            f"(generated in {result['populate_s']} s)"
        )
    header = "| query | filters | found | top |"
    header += "".join(f" {r['backend']} p50 | p95 | p99 ms |" for r in results)
    print(header)
    print("| --- | --- | ---: | --- |" + " ---: | ---: | ---: |" * len(results))
    for i, row in enumerate(results[0]["rows"]):
        filters = ", ".join(f"{k}={v}" for k, v in row["filters"].items())
        line = f"| `{row['query']}` | {filters} | {row['count']:,} | {row['top'] or '–'} |"
        for result in results:
            other = result["rows"][i]
            line += f" {other['p50']:.1f} | {other['p95']:.1f} | {other['p99']:.1f} |"
        print(line)
    labels = {
        "named": "the named queries above",
        "relevance": "the relevance set's phrasings",
        "all": "every timed search",
    }
    for key, label in labels.items():
        line = f"| **{label}** | | | |"
        for result in results:
            p = result["pooled"][key]
            line += (
                f" {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} |"
                if p["searches"]
                else " | | |"
            )
        print(line)
    for result in results[1:]:
        differ = [
            r["query"]
            for r, o in zip(results[0]["rows"], result["rows"], strict=True)
            if (r["count"], r["top"]) != (o["count"], o["top"])
        ]
        if differ:
            print(f"\nDIFFERENT results on {result['backend']} for: {differ}")


def print_relevance(results: list[dict], misses: int) -> None:
    first = results[0]["relevance"]
    print(
        f"\nRelevance on the 34 demo procedures (before the generated ones are added): "
        f"{first['overall']['queries']} phrasings (catalogue/fixtures/relevance.json)"
    )
    header = "| kind | phrasings |" + "".join(
        f" {r['backend']} top-1 | top-3 | MRR |" for r in results
    )
    print(header)
    print("| --- | ---: |" + " ---: | ---: | ---: |" * len(results))
    for kind in [*first["by_kind"], None]:  # None: all phrasings
        scores = [
            r["relevance"]["by_kind"][kind] if kind else r["relevance"]["overall"] for r in results
        ]
        line = f"| {kind or '**all**'} | {scores[0]['queries']} |"
        for s in scores:
            line += f" {s['top1']:.1%} | {s['top3']:.1%} | {s['mrr']:.3f} |"
        print(line)
    for result in results[1:]:
        if result["relevance"] != first:
            print(f"\nDIFFERENT relevance results on {result['backend']}")
    shown = first["misses"][:misses]
    if shown:
        print(
            f"\nNot first on {results[0]['backend']} ({len(first['misses'])} phrasings; "
            f"the {len(shown)} worst; rank of the best answer, '-' = not in the first 10):"
        )
    for m in shown:
        rank = "-" if m["rank"] is None else m["rank"]
        got = ", ".join(m["got"]) or "nothing"
        print(
            f"  [{m['kind']}] {m['q']!r} → want {', '.join(m['expected'])}; rank {rank}; got {got}"
        )


def print_targets(results: list[dict]) -> bool:
    from chinhquyen.catalogue.relevance import TARGET_TOP1, TARGET_TOP3

    print("\nTargets (issue #17), measured ÷ target:")
    met = True
    for result in results:
        overall = result["relevance"]["overall"]
        p95 = result["pooled"]["all"]["p95"]
        checks = [
            ("top-3", overall["top3"], TARGET_TOP3, overall["top3"] >= TARGET_TOP3, "≥"),
            ("top-1", overall["top1"], TARGET_TOP1, overall["top1"] >= TARGET_TOP1, "≥"),
        ]
        for name, value, target, ok, sign in checks:
            met &= ok
            print(
                f"  {result['backend']:<10} {name} {value:6.1%} {sign} {target:.0%}: "
                f"ratio {value / target:.2f} {'met' if ok else 'NOT MET'}"
            )
        ok = p95 < TARGET_P95_MS
        met &= ok
        print(
            f"  {result['backend']:<10} p95   {p95:6.1f} ms < {TARGET_P95_MS:.0f} ms "
            f"(every timed search, {result['procedures']:,} procedures): "
            f"ratio {p95 / TARGET_P95_MS:.2f} {'met' if ok else 'NOT MET'}"
        )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedures", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--relevance-repeat",
        type=int,
        default=3,
        help="rounds over the relevance set's phrasings (at most --repeat)",
    )
    parser.add_argument("--misses", type=int, default=40, help="misses printed (0: none)")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(args)
        return

    stamp = datetime.now().strftime("%Y%m%d%H%M%S")  # noqa: DTZ005
    results = []
    if args.only in (None, "postgresql"):
        database = f"chinhquyen_bench_search_{stamp}"
        psql(f'CREATE DATABASE "{database}"')
        try:
            print(f"bench-search: PostgreSQL database {database}", flush=True)
            results.append(run_child(args, f"{PG_SERVER}/{database}"))
        finally:
            psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
            print(f"bench-search: SQLite file in {folder}", flush=True)
            results.append(run_child(args, f"sqlite:///{folder}/bench.sqlite3"))
    print_speed(results)
    print_relevance(results, args.misses)
    sys.path.insert(0, str(ROOT))
    met = print_targets(results)
    out = ROOT / "var" / "bench" / f"search-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {"stamp": stamp, "args": vars(args), "targets_met": met, "results": results}
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nbench-search: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
