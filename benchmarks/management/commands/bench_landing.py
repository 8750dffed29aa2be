"""Grow a (throwaway) demo database to a national catalogue for the landing pages of
``make bench`` (docs/benchmarks.md, "Landing pages"), and write the load generator's paths.

Run after ``demo_load`` (the demo's units, agencies, catalogue and reports). Through the real
services, adds:

* one People's Committee per current commune of the country (3,321) and ``--departments``
  departments per province: the agencies a national catalogue's filters offer;
* ``--procedures`` procedures, variants of the demo's, each received by a few of those agencies;
* every demo procedure received by communes (``agency_kinds`` ``ubnd_xa``) linked to all the
  communes, as on the national portal (its page then lists thousands of agencies).

Writes into ``--out``, one request path per line, the pages each scenario asks for:
``paths-home.txt``, ``paths-search.txt``, ``paths-procedure.txt``, ``paths-lookup.txt``,
``paths-ranking.txt``, ``paths-transparency.txt``, ``paths-lookup_result.txt`` (200 of
bench_prepare's dossiers, when its ``codes.txt`` is there); and ``landing.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# What people type (bench_search's list): plain, accented, with typos, a code, a filter.
QUERIES = (
    "khai sinh",
    "đăng ký khai sinh",
    "khai snh",
    "giay phep xay dung",
    "dang ky ho kinh doanh",
    "ket hon",
    "chứng thực",
    "chung thuc chu ky",
    "cap giay phep",
    "giay phep lai xe",
    "tro cap xa hoi",
    "ly lich tu phap",
    "dang ky",
    "1.001193",
    "dat dai",
    "khai tu",
    "xac nhan tinh trang hon nhan",
    "ban sao trich luc",
    "ho ngheo",
    "giay phep moi truong",
)
SUFFIXES = (
    " (cấp xã)",
    " (cấp tỉnh)",
    " tại Trung tâm Phục vụ hành chính công",
    " đối với người nước ngoài",
    " có yếu tố nước ngoài",
    " trong trường hợp đặc biệt",
    " – liên thông",
    " theo hình thức trực tuyến",
)
DEPARTMENTS = ("Sở Tư pháp", "Sở Xây dựng", "Sở Y tế", "Sở Tài chính", "Sở Nội vụ")
# The procedure pages the crowd opens: the demo's (the common needs: birth, marriage, land…)
# and generated ones spread over the catalogue.
PROCEDURE_PAGES = 60


class Command(BaseCommand):
    help = "Add a national-size catalogue to a demo database and write the landing pages' paths."

    def add_arguments(self, parser):
        parser.add_argument("--procedures", type=int, default=3000)
        parser.add_argument("--departments", type=int, default=3)
        parser.add_argument("--out", default="var/bench")

    def handle(self, *args, procedures: int, departments: int, out: str, **options):
        from chinhquyen.catalogue.models import Procedure

        if not Procedure.objects.filter(current__isnull=False).exists():
            raise CommandError("no catalogue: run `manage.py demo_load` first")
        started = time.monotonic()
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        meta = self._grow(procedures=procedures, departments=min(departments, len(DEPARTMENTS)))
        paths = self._paths(out_dir)
        meta["paths"] = {name: len(lines) for name, lines in paths.items()}
        meta["seconds"] = round(time.monotonic() - started, 1)
        (out_dir / "landing.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
        self.stdout.write(
            f"bench_landing: {meta['agencies']} agencies, {meta['procedures']} procedures "
            f"in {meta['seconds']} s → {out_dir}/"
        )

    def _grow(self, *, procedures: int, departments: int) -> dict:
        from chinhquyen.catalogue.models import Procedure, ProcedureVersion
        from chinhquyen.catalogue.services import (
            procedure_link_agencies,
            procedure_save,
            version_record,
        )
        from chinhquyen.units.models import AdministrativeUnit, Agency, Generation, UnitLevel
        from chinhquyen.units.services import agency_create

        provinces = list(
            AdministrativeUnit.objects.filter(
                generation=Generation.CURRENT, level=UnitLevel.PROVINCE
            ).order_by("code")
        )
        communes = list(
            AdministrativeUnit.objects.filter(
                generation=Generation.CURRENT, level=UnitLevel.COMMUNE
            ).order_by("parent__code", "code")
        )
        if not provinces or not communes:
            raise CommandError("no administrative units: run `manage.py demo_load` first")
        index = {p.pk: n + 1 for n, p in enumerate(provinces)}
        with transaction.atomic():
            # Ids V1V2V3.Z1Z2.Y1Y2.MX1X2 with M = T: apart from the demo's (H26) ones.
            commune_agencies = []
            for n, unit in enumerate(communes):
                agency_id = f"{n % 1000:03d}.{n // 1000:02d}.99.T{index[unit.parent_id]:02d}"
                commune_agencies.append(
                    Agency.objects.filter(agency_id=agency_id).first()
                    or agency_create(
                        agency_id=agency_id,
                        name=f"Ủy ban nhân dân {unit.name[:1].lower()}{unit.name[1:]}",
                        kind="ubnd_xa",
                        unit=unit,
                    )
                )
            department_agencies = []
            for province in provinces:
                for d, name in enumerate(DEPARTMENTS[:departments], start=1):
                    agency_id = f"000.00.{d:02d}.T{index[province.pk]:02d}"
                    department_agencies.append(
                        Agency.objects.filter(agency_id=agency_id).first()
                        or agency_create(
                            agency_id=agency_id,
                            name=f"{name} {province.name}",
                            kind="so",
                            unit=province,
                        )
                    )
        templates = list(
            ProcedureVersion.objects.filter(
                procedure__current_id__isnull=False, effective_to__isnull=True
            )
            .exclude(procedure__code__startswith="9.")
            .select_related("procedure", "field")
            .prefetch_related("documents")
            .order_by("procedure__code")
        )
        for template in templates:  # the communes' procedures: received by every commune
            if "ubnd_xa" in template.agency_kinds:  # keeping its agencies (bench_prepare's)
                procedure_link_agencies(
                    procedure=template.procedure,
                    agencies=[*template.procedure.agencies.all(), *commune_agencies],
                )
        existing = Procedure.objects.filter(code__startswith="9.").count()
        for n in range(existing, procedures):
            template = templates[n % len(templates)]
            record = version_record(template)
            suffix = SUFFIXES[(n // len(templates)) % len(SUFFIXES)]
            record.update(
                code=f"9.{n:06d}",
                name=f"{template.name}{suffix} (mẫu {n})"[:500],
                agency_kinds=[],
            )
            with transaction.atomic():
                version, _created = procedure_save(data=record)
                receivers = [
                    commune_agencies[(n * 4 + k) % len(commune_agencies)] for k in range(4)
                ]
                receivers.append(department_agencies[n % len(department_agencies)])
                procedure_link_agencies(procedure=version.procedure, agencies=receivers)
        return {
            "agencies": Agency.objects.count(),
            "receiving_agencies": Agency.objects.filter(procedures__isnull=False)
            .distinct()
            .count(),
            "procedures": Procedure.objects.filter(current__isnull=False).count(),
            "generated_procedures": procedures,
        }

    def _paths(self, out_dir: Path) -> dict[str, list[str]]:

        from chinhquyen.catalogue.selectors import procedures_offered

        codes = list(
            procedures_offered()
            .order_by("procedure__code")
            .values_list("procedure__code", flat=True)
        )
        demo = [c for c in codes if not c.startswith("9.")]
        generated = [c for c in codes if c.startswith("9.")]
        step = max(1, len(generated) // max(1, PROCEDURE_PAGES - len(demo)))
        picked = [*demo, *generated[::step]][:PROCEDURE_PAGES]
        paths = {
            "home": ["/"],
            "search": ["/?" + urlencode({"q": q}) for q in QUERIES],
            "procedure": [f"/thu-tuc/{code}/" for code in picked],
            "lookup": ["/tra-cuu/"],
            "ranking": ["/bao-cao/"],
            "transparency": ["/bao-cao/cong-khai/"],
        }
        codes_file = out_dir / "codes.txt"  # bench_prepare's dossiers, when it ran first
        if codes_file.exists():
            dossiers = [c for c in codes_file.read_text(encoding="utf-8").split() if c][:200]
            paths["lookup_result"] = [f"/tra-cuu/{code}" for code in dossiers]
        for name, lines in paths.items():
            (out_dir / f"paths-{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return paths
