"""Reading administrative units from the vietnam-provinces data files and syncing them to the DB.

Two sources:

* the installed ``vietnam_provinces`` package (2025 releases): the two-level hierarchy in force
  since 1 July 2025 (34 provinces; xã, phường, đặc khu);
* the data folder of the 0.6.0 release (``settings.LEGACY_UNITS_DIR``), the last one that carried
  the three-level hierarchy (63 provinces, districts, wards) in force until 30 June 2025.

Legacy units get a successor: the new province that absorbed them, from
``data/province_merger_2025.json`` (Resolution 202/2025/QH15). Districts were abolished, so a
district's successor is its province's successor. Legacy wards also point to the new province:
the ward-level mapping (one resolution of the National Assembly Standing Committee per province,
e.g. 1669/NQ-UBTVQH15 for Hải Phòng) is not in either package, so it is not loaded. A new commune
usually keeps the GSO code of one of the wards it was formed from, but that is a naming habit,
not a mapping, and the loader does not rely on it.

The sync reads what is already stored, creates what is missing and updates what differs, level
by level (parents before children), with bulk queries: a second run reads ~14,000 rows and
writes nothing. Units that disappear from a source are not deleted (agencies and old dossiers
may point to them); they are counted in ``stale``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction

from .models import AdministrativeUnit, Generation, UnitLevel

CURRENT_VALID_FROM = date(2025, 7, 1)
LEGACY_VALID_TO = date(2025, 7, 1)
MERGER_FILE = Path(__file__).resolve().parent / "data" / "province_merger_2025.json"

# GSO writes codes zero-padded to a fixed width per level.
CODE_WIDTH = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}

# Fields compared to decide whether a stored row needs an update.
SYNC_FIELDS = (
    "name",
    "codename",
    "division_type",
    "parent_id",
    "valid_from",
    "valid_to",
    "successor_id",
    "source",
)

# Release 0.6.0 writes "huyện" for every district and "xã" for every ward; the name says better.
_LEGACY_TYPE_PREFIXES = (
    ("Thành phố ", "thành phố"),
    ("Thành Phố ", "thành phố"),
    ("Thị xã ", "thị xã"),
    ("Thị trấn ", "thị trấn"),
    ("Quận ", "quận"),
    ("Huyện ", "huyện"),
    ("Phường ", "phường"),
    ("Xã ", "xã"),
)


def unit_code(level: str, raw: int | str) -> str:
    """The GSO code as GSO writes it: ``unit_code("province", 1) == "01"``."""
    return str(raw).strip().zfill(CODE_WIDTH[UnitLevel(level)])


def merger_successors() -> dict[str, str]:
    """Legacy province code -> code of the 2025 province that succeeded it."""
    with MERGER_FILE.open(encoding="utf-8") as fh:
        return dict(json.load(fh)["successors"])


def _legacy_division_type(name: str, default: str) -> str:
    for prefix, kind in _LEGACY_TYPE_PREFIXES:
        if name.startswith(prefix):
            return kind
    return default


def _legacy_version(data_dir: Path) -> str:
    init = data_dir.parent / "__init__.py"
    if init.is_file():
        found = re.search(
            r"__version__\s*=\s*['\"]([^'\"]+)['\"]", init.read_text(encoding="utf-8")
        )
        if found:
            return found.group(1)
    return "unknown"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    legacy_loaded: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "legacy_loaded": self.legacy_loaded,
            "counts": dict(self.counts),
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }


def _sync_level(
    report: LoadReport, *, generation: str, level: str, rows: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """Make the stored units of one (generation, level) match ``rows`` (code -> field values).

    Returns code -> primary key for every unit of that (generation, level).
    """
    stored = {
        row["code"]: row
        for row in AdministrativeUnit.objects.filter(generation=generation, level=level).values(
            "id", "code", *SYNC_FIELDS
        )
    }
    to_create: list[AdministrativeUnit] = []
    to_update: list[AdministrativeUnit] = []
    for code, values in rows.items():
        row = stored.get(code)
        if row is None:
            to_create.append(
                AdministrativeUnit(generation=generation, level=level, code=code, **values)
            )
        elif any(row[name] != values[name] for name in SYNC_FIELDS):
            to_update.append(
                AdministrativeUnit(
                    id=row["id"], generation=generation, level=level, code=code, **values
                )
            )
        else:
            report.unchanged += 1
    if to_create:
        AdministrativeUnit.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        AdministrativeUnit.objects.bulk_update(
            to_update, [f.removesuffix("_id") for f in SYNC_FIELDS], batch_size=1000
        )
    report.created += len(to_create)
    report.updated += len(to_update)
    report.stale += len(stored.keys() - rows.keys())
    report.counts[f"{generation}/{level}"] = len(rows)
    if not to_create:
        return {code: row["id"] for code, row in stored.items()}
    # bulk_create does not return primary keys on every backend; read them back.
    return dict(
        AdministrativeUnit.objects.filter(generation=generation, level=level).values_list(
            "code", "id"
        )
    )


def _load_current(report: LoadReport) -> dict[str, int]:
    import vietnam_provinces

    source = f"vietnam-provinces {vietnam_provinces.__version__}"
    with Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).open(encoding="utf-8") as fh:
        provinces = json.load(fh)
    common = {
        "valid_from": CURRENT_VALID_FROM,
        "valid_to": None,
        "successor_id": None,
        "source": source,
    }
    province_pks = _sync_level(
        report,
        generation=Generation.CURRENT,
        level=UnitLevel.PROVINCE,
        rows={
            unit_code(UnitLevel.PROVINCE, p["code"]): {
                "name": p["name"],
                "codename": p["codename"],
                "division_type": p["division_type"],
                "parent_id": None,
                **common,
            }
            for p in provinces
        },
    )
    _sync_level(
        report,
        generation=Generation.CURRENT,
        level=UnitLevel.COMMUNE,
        rows={
            unit_code(UnitLevel.COMMUNE, w["code"]): {
                "name": w["name"],
                "codename": w["codename"],
                "division_type": w["division_type"],
                "parent_id": province_pks[unit_code(UnitLevel.PROVINCE, p["code"])],
                **common,
            }
            for p in provinces
            for w in p["wards"]
        },
    )
    return province_pks


def _load_legacy(report: LoadReport, *, data_dir: Path, current_provinces: dict[str, int]) -> None:
    nested = data_dir / "nested-divisions.json"
    if not nested.is_file():
        report.warnings.append(
            f"Không tìm thấy dữ liệu đơn vị hành chính trước 01/7/2025 ({nested}); chỉ nạp đơn vị "
            "hiện hành. Cài bằng `make setup` hoặc: python -m pip install --no-deps --target "
            "var/legacy 'vietnam-provinces==0.6.0' (đường dẫn: biến môi trường LEGACY_UNITS_DIR)."
        )
        return
    with nested.open(encoding="utf-8") as fh:
        provinces = json.load(fh)
    successors = merger_successors()
    source = f"vietnam-provinces {_legacy_version(data_dir)}"
    common = {"valid_from": None, "valid_to": LEGACY_VALID_TO, "source": source}

    def successor_of(province_code: str) -> int | None:
        new_code = successors.get(province_code)
        if new_code is None or new_code not in current_provinces:
            report.warnings.append(
                f"Tỉnh cũ mã {province_code} không có tỉnh kế thừa trong dữ liệu sáp nhập."
            )
            return None
        return current_provinces[new_code]

    province_rows: dict[str, dict[str, Any]] = {}
    province_successor: dict[str, int | None] = {}
    for p in provinces:
        code = unit_code(UnitLevel.PROVINCE, p["code"])
        province_successor[code] = successor_of(code)
        province_rows[code] = {
            "name": p["name"],
            "codename": p["codename"],
            "division_type": "thành phố trung ương"
            if p["name"].startswith("Thành phố")
            else "tỉnh",
            "parent_id": None,
            "successor_id": province_successor[code],
            **common,
        }
    province_pks = _sync_level(
        report, generation=Generation.LEGACY, level=UnitLevel.PROVINCE, rows=province_rows
    )

    district_rows: dict[str, dict[str, Any]] = {}
    district_province: dict[str, str] = {}
    for p in provinces:
        pcode = unit_code(UnitLevel.PROVINCE, p["code"])
        for d in p["districts"]:
            code = unit_code(UnitLevel.DISTRICT, d["code"])
            district_province[code] = pcode
            district_rows[code] = {
                "name": d["name"],
                "codename": d["codename"],
                "division_type": _legacy_division_type(d["name"], d["division_type"]),
                "parent_id": province_pks[pcode],
                "successor_id": province_successor[pcode],
                **common,
            }
    district_pks = _sync_level(
        report, generation=Generation.LEGACY, level=UnitLevel.DISTRICT, rows=district_rows
    )

    ward_rows: dict[str, dict[str, Any]] = {}
    for p in provinces:
        for d in p["districts"]:
            dcode = unit_code(UnitLevel.DISTRICT, d["code"])
            for w in d["wards"]:
                ward_rows[unit_code(UnitLevel.COMMUNE, w["code"])] = {
                    "name": w["name"],
                    "codename": w["codename"],
                    "division_type": _legacy_division_type(w["name"], w["division_type"]),
                    "parent_id": district_pks[dcode],
                    "successor_id": province_successor[district_province[dcode]],
                    **common,
                }
    _sync_level(report, generation=Generation.LEGACY, level=UnitLevel.COMMUNE, rows=ward_rows)
    report.legacy_loaded = True


def load_all(*, legacy_dir: Path | None = None, stdout: TextIO | None = None) -> LoadReport:
    started = time.perf_counter()
    report = LoadReport()
    data_dir = Path(legacy_dir) if legacy_dir is not None else Path(settings.LEGACY_UNITS_DIR)
    with transaction.atomic():
        current_provinces = _load_current(report)
        _load_legacy(report, data_dir=data_dir, current_provinces=current_provinces)
    report.seconds = time.perf_counter() - started
    if stdout is not None:
        for warning in report.warnings:
            stdout.write(f"CẢNH BÁO: {warning}\n")
        counts = ", ".join(f"{key}: {value}" for key, value in sorted(report.counts.items()))
        stdout.write(
            f"Đơn vị hành chính: {counts}. Tạo mới {report.created}, cập nhật {report.updated}, "
            f"giữ nguyên {report.unchanged}, không còn trong nguồn {report.stale} "
            f"({report.seconds:.2f} s).\n"
        )
    return report
