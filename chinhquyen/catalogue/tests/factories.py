"""Small catalogue data for the tests, in the interchange format (docs/catalogue-format.md)."""

from __future__ import annotations

import copy
from typing import Any

FORMAT = "chinhquyen.catalogue/1"

FIELDS = [
    {"code": "ho-tich", "name": "Hộ tịch"},
    {"code": "xay-dung", "name": "Xây dựng"},
]

FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["ho_ten"],
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "gioi_tinh": {
            "type": "string",
            "title": "Giới tính",
            "oneOf": [{"const": "nam", "title": "Nam"}, {"const": "nu", "title": "Nữ"}],
        },
    },
}

_BIRTH = {
    "code": "1.001193",
    "name": "Thủ tục đăng ký khai sinh",
    "field": "ho-tich",
    "levels": ["commune"],
    "online_mode": "full",
    "legacy_level": 4,
    "steps": "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
    "method": "Trực tiếp; trực tuyến; bưu chính công ích",
    "processing_time": 1,
    "time_unit": "days",
    "processing_time_note": "Nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo",
    "applicants": "Công dân Việt Nam",
    "implementing_agency": "UBND cấp xã",
    "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount": 0, "note": "Miễn lệ phí khi đăng ký đúng hạn"}],
    "result_type": "Giấy khai sinh (bản chính)",
    "legal_basis": ["Luật Hộ tịch số 60/2014/QH13", "Nghị định số 123/2015/NĐ-CP"],
    "requirements": "",
    "decision_number": "1234/QĐ-BTP",
    "decision_date": "2025-06-20",
    "effective_from": "2025-07-01",
    "effective_to": None,
    "agency_kinds": ["ubnd_xa"],
    "documents": [
        {"code": "to-khai", "name": "Tờ khai đăng ký khai sinh theo mẫu", "originals": 1, "copies": 0,
         "is_required": True, "template_name": "Mẫu tờ khai", "template_url": "https://example.gov.vn/to-khai.docx"},
        {"code": "giay-chung-sinh", "name": "Giấy chứng sinh", "originals": 1, "copies": 0,
         "is_required": True, "template_name": "", "template_url": ""},
    ],
    "form_schema": FORM,
}  # fmt: skip

_BUILDING = {
    "code": "1.009972",
    "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
    "field": "xay-dung",
    "levels": ["province", "commune"],
    "online_mode": "partial",
    "legacy_level": 3,
    "steps": "Bước 1: Nộp hồ sơ.\nBước 2: Thẩm định.\nBước 3: Trả kết quả.",
    "method": "Trực tiếp; trực tuyến",
    "processing_time": 15,
    "time_unit": "days",
    "processing_time_note": "",
    "applicants": "Hộ gia đình, cá nhân",
    "implementing_agency": "UBND cấp xã",
    "fees": [{"name": "Lệ phí cấp giấy phép xây dựng", "amount": 75000, "note": ""}],
    "result_type": "Giấy phép xây dựng",
    "legal_basis": ["Luật Xây dựng số 50/2014/QH13"],
    "requirements": "",
    "decision_number": "",
    "decision_date": None,
    "effective_from": "2025-07-01",
    "effective_to": None,
    "agency_kinds": [],
    "documents": [
        {"code": "don-de-nghi", "name": "Đơn đề nghị cấp giấy phép xây dựng", "originals": 1, "copies": 0,
         "is_required": True, "template_name": "", "template_url": ""},
    ],
    "form_schema": {"type": "object", "properties": {}},
}  # fmt: skip

_MARRIAGE = {
    **_BIRTH,
    "code": "1.000894",
    "name": "Thủ tục đăng ký kết hôn",
    "processing_time": 1.5,
    "time_unit": "hours",
    "fees": [],
    "documents": [],
    "agency_kinds": [],
}


def birth(**overrides: Any) -> dict[str, Any]:
    """Đăng ký khai sinh: a complete procedure record with every key of the format."""
    return {**copy.deepcopy(_BIRTH), **overrides}


def building(**overrides: Any) -> dict[str, Any]:
    """Cấp giấy phép xây dựng (field xay-dung, partly online, no agency kinds)."""
    return {**copy.deepcopy(_BUILDING), **overrides}


def marriage(**overrides: Any) -> dict[str, Any]:
    """Đăng ký kết hôn: 1.5 working hours, no fee, no document."""
    return {**copy.deepcopy(_MARRIAGE), **overrides}


def document(
    *procedures: dict[str, Any], fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "fields": copy.deepcopy(FIELDS if fields is None else fields),
        "procedures": list(procedures),
    }


def numbered(n: int, **overrides: Any) -> dict[str, Any]:
    """The n-th of many similar procedures (local codes TEST-0001, ...)."""
    return birth(code=f"TEST-{n:04d}", name=f"Thủ tục thử số {n}", **overrides)
