"""Prepare a (throwaway) database for ``make bench`` and write the load generator's inputs.

Creates, through the real services: a demo-like commune agency, one procedure with a realistic
e-form (birth registration), ``--users`` citizens each with an API token, a counter officer, and
``--dossiers`` existing dossiers (every second one accepted, so that status lookups also compute
deadlines), plus ``--rows`` rows for the bare select endpoint. Writes into ``--out``:

* ``tokens.txt``   one raw bearer token per line (citizens);
* ``codes.txt``    one existing dossier code per line;
* ``rows.txt``     one ``BenchRow`` id per line;
* ``submit.json``  the body POSTed to /api/v1/dossiers (and to /bench/insert);
* ``meta.json``    what was created, for the report.

Never run it against a database you care about: it creates 200 accounts with a known password.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

BENCH_PASSWORD = "bench-only-password-9f3a"  # noqa: S105 - throwaway benchmark database only
AGENCY_ID = "000.01.90.H26"
AGENCY_NAME = "Ủy ban nhân dân phường Hải Dương"
PROCEDURE_CODE = "1.001193"
FIELD_CODE = "ho-tich"

_PERSON = {
    "type": "object",
    "required": ["ho_ten", "ngay_sinh"],
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ, chữ đệm, tên", "minLength": 1, "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày, tháng, năm sinh"},
        "dan_toc": {"type": "string", "title": "Dân tộc", "maxLength": 50},
        "quoc_tich": {"type": "string", "title": "Quốc tịch", "maxLength": 50},
        "so_cccd": {"type": "string", "title": "Số định danh cá nhân", "pattern": "^\\d{12}$"},
        "noi_cu_tru": {"type": "string", "title": "Nơi cư trú", "maxLength": 300},
    },
}

# Tờ khai đăng ký khai sinh (after the form of Thông tư 04/2020/TT-BTP), as a JSON Schema.
BIRTH_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Tờ khai đăng ký khai sinh",
    "required": ["nguoi_yeu_cau", "quan_he", "tre", "me"],
    "additionalProperties": False,
    "properties": {
        "nguoi_yeu_cau": {**_PERSON, "title": "Người yêu cầu"},
        "quan_he": {
            "type": "string",
            "title": "Quan hệ với người được khai sinh",
            "enum": ["cha", "me", "ong", "ba", "nguoi_than", "khac"],
        },
        "tre": {
            "type": "object",
            "title": "Người được khai sinh",
            "required": ["ho_ten", "gioi_tinh", "ngay_sinh", "noi_sinh"],
            "properties": {
                "ho_ten": {
                    "type": "string",
                    "title": "Họ, chữ đệm, tên",
                    "minLength": 1,
                    "maxLength": 100,
                },
                "gioi_tinh": {
                    "type": "string",
                    "title": "Giới tính",
                    "oneOf": [{"const": "nam", "title": "Nam"}, {"const": "nu", "title": "Nữ"}],
                },
                "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
                "noi_sinh": {
                    "type": "string",
                    "title": "Nơi sinh",
                    "minLength": 1,
                    "maxLength": 300,
                },
                "dan_toc": {"type": "string", "title": "Dân tộc", "maxLength": 50},
                "quoc_tich": {"type": "string", "title": "Quốc tịch", "maxLength": 50},
                "que_quan": {"type": "string", "title": "Quê quán", "maxLength": 300},
            },
        },
        "me": {**_PERSON, "title": "Mẹ"},
        "cha": {**_PERSON, "title": "Cha", "required": ["ho_ten"]},
        "so_ban_sao": {
            "type": "integer",
            "title": "Số bản sao đề nghị cấp",
            "minimum": 0,
            "maximum": 10,
        },
        "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
        "dien_thoai": {"type": "string", "title": "Điện thoại", "pattern": "^0\\d{9}$"},
        "cam_doan": {
            "type": "boolean",
            "title": "Tôi cam đoan những nội dung khai trên đây là đúng sự thật",
        },
    },
}

BIRTH_FORM_DATA: dict[str, Any] = {
    "nguoi_yeu_cau": {
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1990-04-12",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "so_cccd": "031090001234",
        "noi_cu_tru": "Số 12 phố Quang Trung, phường Hải Dương, thành phố Hải Phòng",
    },
    "quan_he": "cha",
    "tre": {
        "ho_ten": "Nguyễn Minh Khang",
        "gioi_tinh": "nam",
        "ngay_sinh": "2026-11-02",
        "noi_sinh": "Bệnh viện Đa khoa tỉnh Hải Dương",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "que_quan": "Xã Thanh Hà, thành phố Hải Phòng",
    },
    "me": {
        "ho_ten": "Trần Thị Bích",
        "ngay_sinh": "1992-09-30",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "so_cccd": "031192004321",
        "noi_cu_tru": "Số 12 phố Quang Trung, phường Hải Dương, thành phố Hải Phòng",
    },
    "cha": {
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1990-04-12",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "so_cccd": "031090001234",
    },
    "so_ban_sao": 2,
    "email": "congdan@example.vn",
    "dien_thoai": "0912345678",
    "cam_doan": True,
}


def birth_procedure() -> dict[str, Any]:
    """The procedure in the catalogue interchange format (docs/catalogue-format.md)."""
    return {
        "code": PROCEDURE_CODE,
        "name": "Thủ tục đăng ký khai sinh",
        "field": FIELD_CODE,
        "levels": ["commune"],
        "online_mode": "full",
        "legacy_level": 4,
        "steps": "Bước 1: Nộp hồ sơ.\nBước 2: Cán bộ tư pháp - hộ tịch kiểm tra, ghi sổ.\nBước 3: Trả kết quả.",
        "method": "Trực tiếp; trực tuyến; bưu chính",
        "processing_time": 1,
        "time_unit": "days",
        "applicants": "Công dân Việt Nam",
        "implementing_agency": "UBND cấp xã",
        "fees": [{"name": "Lệ phí đăng ký khai sinh đúng hạn", "amount": 0, "note": "Miễn lệ phí"}],
        "result_type": "Giấy khai sinh",
        "legal_basis": ["Luật Hộ tịch số 60/2014/QH13", "Nghị định 123/2015/NĐ-CP"],
        "requirements": "",
        "decision_number": "1/QĐ-BENCH",
        "decision_date": "2025-06-01",
        "effective_from": "2025-07-01",
        "effective_to": None,
        "documents": [
            {
                "code": "to-khai",
                "name": "Tờ khai đăng ký khai sinh",
                "originals": 1,
                "copies": 0,
                "is_required": True,
                "template_name": "",
                "template_url": "",
            },
            {
                "code": "giay-chung-sinh",
                "name": "Giấy chứng sinh",
                "originals": 1,
                "copies": 0,
                "is_required": True,
                "template_name": "",
                "template_url": "",
            },
        ],
        "form_schema": BIRTH_FORM,
    }


class Command(BaseCommand):
    help = "Create benchmark data (agency, procedure, citizens with tokens, dossiers) and write the inputs of make bench."

    def add_arguments(self, parser):
        parser.add_argument(
            "--users", type=int, default=200, help="citizens, each with an API token"
        )
        parser.add_argument(
            "--dossiers", type=int, default=2000, help="existing dossiers for status lookups"
        )
        parser.add_argument(
            "--rows", type=int, default=2000, help="rows for the bare select endpoint"
        )
        parser.add_argument(
            "--out", default="var/bench", help="folder for tokens.txt, codes.txt, …"
        )

    def handle(self, *args, users: int, dossiers: int, rows: int, out: str, **options):
        if users < 1 or dossiers < 1 or rows < 1:
            raise CommandError("--users, --dossiers and --rows must be at least 1")
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        # Accounts are throwaway: hash their password cheaply (the server under test never
        # checks a password, it only looks up bearer tokens).
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            meta = self._prepare(out_dir, users=users, dossiers=dossiers, rows=rows)
        meta["seconds"] = round(time.monotonic() - started, 1)
        (out_dir / "meta.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        self.stdout.write(
            f"bench_prepare: {users} citizens with tokens, {dossiers} dossiers, {rows} rows "
            f"in {meta['seconds']} s → {out_dir}/"
        )

    def _prepare(self, out_dir: Path, *, users: int, dossiers: int, rows: int) -> dict[str, Any]:
        from django.contrib.auth import get_user_model

        from benchmarks.models import BenchRow
        from chinhquyen.accounts.services import token_issue, user_create
        from chinhquyen.catalogue.models import Field, Procedure
        from chinhquyen.catalogue.services import (
            field_save,
            procedure_link_agencies,
            procedure_save,
        )
        from chinhquyen.dossiers.services import dossier_act, dossier_submit
        from chinhquyen.units.models import Agency
        from chinhquyen.units.services import agency_create

        User = get_user_model()
        agency = Agency.objects.filter(agency_id=AGENCY_ID).first() or agency_create(
            agency_id=AGENCY_ID,
            name=AGENCY_NAME,
            kind="ubnd_xa",
            email="ubnd.haiduong@example.vn",
            phone="02203850000",
            address="Số 106 Trần Hưng Đạo, phường Hải Dương, thành phố Hải Phòng",
        )
        if not Field.objects.filter(code=FIELD_CODE).exists():
            field_save(code=FIELD_CODE, name="Hộ tịch")
        procedure_save(data=birth_procedure())
        procedure = Procedure.objects.get(code=PROCEDURE_CODE)
        procedure_link_agencies(procedure=procedure, agencies=[agency])

        def account(username: str, **kw) -> Any:
            if not User.objects.filter(username=username).exists():
                user_create(username=username, password=BENCH_PASSWORD, **kw)
            return User.objects.get(username=username)

        counter = account(
            "bench-motcua",
            full_name="Cán bộ một cửa (bench)",
            roles=["counter"],
            agency=agency,
            email="bench-motcua@example.vn",
        )
        citizens, tokens = [], []
        for i in range(users):
            user = account(
                f"bench-congdan-{i:05d}",
                full_name=f"Công dân thử tải {i}",
                roles=["citizen"],
                email=f"bench{i}@example.vn",
                id_number=f"0310900{i:05d}",
                phone=f"09{i:08d}",
            )
            raw, _token = token_issue(username=user.username, password=BENCH_PASSWORD)
            citizens.append(user)
            tokens.append(raw)

        codes = []
        for i in range(dossiers):
            d = dossier_submit(
                user=citizens[i % len(citizens)],
                procedure_code=PROCEDURE_CODE,
                agency_id=AGENCY_ID,
                form_data=BIRTH_FORM_DATA,
            )
            if i % 2 == 0:
                dossier_act(user=counter, code=d.code, action="accept")
            codes.append(d.code)

        with transaction.atomic():
            created = BenchRow.objects.bulk_create(
                BenchRow(payload={"n": i, "note": "hàng thử tải"}) for i in range(rows)
            )
        row_ids = [r.pk for r in created]

        body = {"procedure": PROCEDURE_CODE, "agency": AGENCY_ID, "form_data": BIRTH_FORM_DATA}
        (out_dir / "tokens.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
        (out_dir / "codes.txt").write_text("\n".join(codes) + "\n", encoding="utf-8")
        (out_dir / "rows.txt").write_text("\n".join(map(str, row_ids)) + "\n", encoding="utf-8")
        (out_dir / "submit.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        return {
            "agency": AGENCY_ID,
            "procedure": PROCEDURE_CODE,
            "users": users,
            "dossiers": dossiers,
            "accepted": (dossiers + 1) // 2,
            "rows": rows,
            "submit_body_bytes": len(json.dumps(body, ensure_ascii=False).encode()),
        }
