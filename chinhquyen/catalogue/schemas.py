"""Shapes of the catalogue API (``/api/v1/procedures``)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from ninja import Schema
from pydantic import Field as SchemaField
from pydantic import field_validator

from chinhquyen.core.pagination import PageNumber, PageSize100

OnlineModeValue = Literal["full", "partial", "none"]


class ProcedureFilters(Schema):
    q: str = SchemaField(
        "", max_length=200, description="Các từ cần tìm, không phân biệt dấu và hoa/thường"
    )
    agency: str | None = SchemaField(None, description="Mã định danh cơ quan tiếp nhận (QCVN 102)")
    field: str | None = SchemaField(None, description="Mã lĩnh vực")
    online_mode: OnlineModeValue | None = None
    page: PageNumber = 1
    page_size: PageSize100 = 20

    @field_validator("agency", "field", "online_mode", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # A search form sends "agency=" for "any agency".
        return None if value == "" else value


class FieldOut(Schema):
    code: str
    name: str


class ProcedureItemOut(Schema):
    code: str
    name: str
    online_mode: OnlineModeValue
    processing_days: int | float = SchemaField(
        description="Thời hạn giải quyết: số ngày làm việc, hoặc số giờ làm việc khi time_unit là hours"
    )
    time_unit: Literal["days", "hours"]
    field: FieldOut
    levels: list[str]
    version: int


class SearchExpansionOut(Schema):
    phrase: str = SchemaField(description="Cụm từ người dùng gõ, ví dụ: công chứng")
    target: str = SchemaField(description="Đã tìm cả từ này trong danh mục, ví dụ: chứng thực")
    note: str = SchemaField(description="Giải thích cho người tìm (có thể trống)")


class ProcedurePageOut(Schema):
    items: list[ProcedureItemOut]
    count: int
    page: int
    page_size: int
    also_searched: list[SearchExpansionOut] = SchemaField(
        default_factory=list, description="Từ đồng nghĩa đã dùng để tìm thêm"
    )
    corrected: str = SchemaField(
        "", description="Truy vấn đã sửa lỗi gõ (gợi ý «có phải bạn muốn tìm»), trống nếu không"
    )


class DocumentOut(Schema):
    code: str
    name: str
    originals: int
    copies: int
    is_required: bool
    template_name: str
    template_url: str


class FeeOut(Schema):
    name: str
    amount: int
    note: str


class ProcedureAgencyOut(Schema):
    id: str = SchemaField(description="Mã định danh cơ quan (QCVN 102)")
    name: str


class ProcedureDetailOut(ProcedureItemOut):
    legacy_level: int | None
    steps: str
    method: str
    processing_time_note: str
    applicants: str
    implementing_agency: str
    result_type: str
    requirements: str
    documents: list[DocumentOut]
    fees: list[FeeOut]
    total_fee: int
    form_schema: dict[str, Any]
    legal_basis: list[str]
    decision_number: str
    decision_date: date | None
    effective_from: date
    effective_to: date | None
    agency_kinds: list[str]
    agencies: list[ProcedureAgencyOut]


class ImportReportOut(Schema):
    file_name: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    fields_created: int
    fields_updated: int
