"""`manage.py bench_reporting prepare | generate | cost | naive | token` — the steps of
`make bench-reporting` that run inside Django (scripts/bench_reporting.py drives them). Each
prints one JSON object on its last line. PostgreSQL only, on a database made for the bench."""

from __future__ import annotations

import datetime as dt
import json
import time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Các bước của phép đo trung tâm báo cáo (chỉ dùng cho cơ sở dữ liệu đo)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="step", required=True)
        sub.add_parser("prepare", help="Units, one agency per commune and province, catalogue")
        gen = sub.add_parser("generate", help="Dossiers and counters with COPY")
        gen.add_argument("--dossiers", type=int, default=10_000_000)
        gen.add_argument("--start", default="2025-07-01")
        gen.add_argument("--end", default="2026-11-30")
        gen.add_argument("--seed", type=int, default=2019)
        cost = sub.add_parser("cost", help="Time dossier_submit in process")
        cost.add_argument("--count", type=int, default=300)
        cost.add_argument("--at", default="2026-12-01T09:00:00")
        naive = sub.add_parser("naive", help="Time the naive queries over the dossier table")
        naive.add_argument("--period", action="append", required=True)
        naive.add_argument("--province", required=True, help="GSO code for the drill-down")
        naive.add_argument("--rounds", type=int, default=3)
        sub.add_parser("token", help="A system administrator's API token")

    def handle(self, *args, step: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_reporting needs PostgreSQL (COPY)")
        result = getattr(self, f"_{step}")(**options)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _say(self, message: str) -> None:
        self.stderr.write(message)

    def _prepare(self, **_options) -> dict:
        from benchmarks.reporting import geography_prepare

        started = time.monotonic()
        result = geography_prepare(say=self._say)
        return {**result, "seconds": round(time.monotonic() - started, 1)}

    def _generate(self, *, dossiers: int, start: str, end: str, seed: int, **_options) -> dict:
        from benchmarks.reporting import dossiers_generate

        return dossiers_generate(
            total=dossiers,
            start=dt.date.fromisoformat(start),
            end=dt.date.fromisoformat(end),
            seed=seed,
            say=self._say,
        )

    def _cost(self, *, count: int, at: str, **_options) -> dict:
        from benchmarks.reporting import submission_cost
        from chinhquyen.dossiers.models import Dossier

        when = dt.datetime.fromisoformat(at).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        with connection.cursor() as cursor:  # the planner's estimate: no count(*) over 10 M rows
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                [Dossier._meta.db_table],
            )
            rows = cursor.fetchone()[0]
        return {**submission_cost(count=count, at=when), "table_rows_estimate": max(rows, 0)}

    def _naive(self, *, period: list[str], province: str, rounds: int, **_options) -> dict:
        from benchmarks.reporting import naive_province_online, naive_timeliness
        from chinhquyen.reporting.periods import period_parse
        from chinhquyen.reporting.scopes import scope_parse

        out = {}
        for code in period:
            the_period = period_parse(code)
            agencies = scope_parse(f"province:{province}", on=the_period.end).agency_ids()
            timings = {"ranking": [], "drilldown": []}
            ranking = drill = None
            for _round in range(rounds):
                began = time.perf_counter()
                ranking = naive_province_online(period=the_period)
                timings["ranking"].append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()  # the drill-down's two tables: units, procedures
                drill = naive_timeliness(period=the_period, agency_ids=agencies, by="agency_id")
                naive_timeliness(period=the_period, agency_ids=agencies, by="procedure_id")
                timings["drilldown"].append((time.perf_counter() - began) * 1000)
            out[code] = {
                "ranking_ms": sorted(round(t, 1) for t in timings["ranking"]),
                "drilldown_ms": sorted(round(t, 1) for t in timings["drilldown"]),
                # What the dashboard must agree with (checked by the driver).
                "submitted": sum(n for n, _online in ranking.values()),
                "submitted_online": sum(o for _n, o in ranking.values()),
                "province_finished": sum(n for n, _ok in drill.values()),
                "province_on_time": sum(ok for _n, ok in drill.values()),
            }
        return out

    def _token(self, **_options) -> dict:
        from django.contrib.auth import get_user_model

        from chinhquyen.accounts.services import token_issue, user_create

        password = "bench-reporting-admin"  # noqa: S105 - a throw-away bench database
        if not get_user_model().objects.filter(username="bench-admin").exists():
            user_create(
                username="bench-admin",
                password=password,
                full_name="Quản trị đo",
                roles=["system_admin"],
            )
        raw, _token = token_issue(username="bench-admin", password=password)
        return {"token": raw}
