"""`manage.py reporting load | rebuild | sign`.

- load: (re)load the indicator catalogue from chinhquyen/reporting/data/indicators.json;
- rebuild: recompute the daily counters from the dossier history;
- seal: roll up every half-month that is over (the periodic job does it too);
- sign: sign a report built by GET /api/v1/reports/build (JSON in, signed JSON or XLSX out) with
  the agency's key and certificate, on the machine that holds the key.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Trung tâm báo cáo: nạp danh mục chỉ tiêu, tính lại bộ đếm, ký báo cáo."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="Nạp danh mục chỉ tiêu từ tệp dữ liệu")
        sub.add_parser("rebuild", help="Tính lại bộ đếm theo ngày từ lịch sử hồ sơ")
        sub.add_parser("seal", help="Cộng dồn bộ đếm của các nửa tháng đã qua")
        sign = sub.add_parser("sign", help="Ký báo cáo bằng khóa của cơ quan")
        sign.add_argument("report", help="Báo cáo JSON (chưa ký)")
        sign.add_argument("--key", required=True, help="Khóa RSA (PEM)")
        sign.add_argument("--cert", required=True, help="Chứng thư số (PEM)")
        sign.add_argument("--chain", nargs="*", default=[], help="Chứng thư trung gian (PEM)")
        sign.add_argument("--out", required=True, help="Tệp ra: .json hoặc .xlsx")

    def handle(self, *args, action: str, **options):
        if action == "load":
            from chinhquyen.reporting.indicators import indicators_load

            self.stdout.write(json.dumps(indicators_load()))
        elif action == "rebuild":
            from chinhquyen.reporting.counters import counters_rebuild

            started = time.monotonic()
            rows = counters_rebuild()
            self.stdout.write(f"{rows} counter rows in {time.monotonic() - started:.1f} s")
        elif action == "seal":
            from chinhquyen.reporting.rollups import halves_seal

            started = time.monotonic()
            sealed = halves_seal()
            for half in sealed:
                self.stdout.write(f"sealed {half.start}–{half.end}")
            self.stdout.write(f"{len(sealed)} half-months in {time.monotonic() - started:.1f} s")
        else:
            self._sign(**options)

    def _sign(self, *, report: str, key: str, cert: str, chain: list[str], out: str, **_ignored):
        from chinhquyen.reporting import signing, xlsx

        try:
            payload = json.loads(Path(report).read_text(encoding="utf-8"))
            payload = payload.get("report", payload)
            signature = signing.sign(
                payload,
                key_pem=Path(key).read_bytes(),
                cert_pem=Path(cert).read_bytes(),
                chain_pem=[Path(c).read_bytes() for c in chain],
            )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        document = {"report": payload, "signature": signature}
        if out.endswith(".xlsx"):
            Path(out).write_bytes(xlsx.report_to_xlsx(document))
        else:
            Path(out).write_text(
                json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        self.stdout.write(f"signed {len(payload['values'])} values → {out}")
