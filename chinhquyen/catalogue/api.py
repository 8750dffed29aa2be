"""The catalogue API, mounted at ``/api/v1/procedures``. Reading is public; import and export
are for staff and system administrators."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from chinhquyen.accounts.auth import bearer_or_session
from chinhquyen.core.api import binary, errors
from chinhquyen.core.errors import PermissionDenied, ValidationFailed

from .interchange import canonical_number
from .models import ProcedureVersion
from .schemas import ImportReportOut, ProcedureDetailOut, ProcedureFilters, ProcedurePageOut
from .selectors import procedure_get, procedures_search, user_can_manage_catalogue
from .services import catalogue_export_json, catalogue_export_xlsx, catalogue_import

router = Router(tags=["catalogue"])

# Bearer token or session; either way request.auth is the user, checked by _require_manager.
ADMIN_AUTH = bearer_or_session
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_MAX_BYTES = 50 * 1024 * 1024


def _item(version: ProcedureVersion) -> dict[str, Any]:
    return {
        "code": version.procedure.code,
        "name": version.name,
        "online_mode": version.online_mode,
        "processing_days": canonical_number(version.processing_time),
        "time_unit": version.time_unit,
        "field": {"code": version.field.code, "name": version.field.name},
        "levels": version.levels,
        "version": version.version,
    }


def _require_manager(request: HttpRequest) -> None:
    if not user_can_manage_catalogue(user=request.auth):
        raise PermissionDenied(_("Chỉ quản trị hệ thống mới được nhập, xuất danh mục thủ tục."))


@router.get("", response={200: ProcedurePageOut, **errors(422)}, summary="Tìm thủ tục hành chính")
def procedure_list(request: HttpRequest, filters: Query[ProcedureFilters]):
    versions = procedures_search(
        q=filters.q, agency=filters.agency, field=filters.field, online_mode=filters.online_mode
    )
    start = (filters.page - 1) * filters.page_size
    return {
        "items": [_item(v) for v in versions[start : start + filters.page_size]],
        "count": versions.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        # Ranked results tell what else the query was searched as (search.py).
        "also_searched": [asdict(e) for e in getattr(versions, "expansions", [])],
        "corrected": getattr(versions, "corrected", ""),
    }


# Declared before "/{code}" so that "export" is not taken for a procedure code.
@router.get(
    "/export",
    auth=ADMIN_AUTH,
    response={200: None, **errors(401, 403, 422)},
    openapi_extra=binary("application/json", XLSX_TYPE, description="Danh mục"),
    summary="Xuất danh mục (JSON hoặc XLSX)",
)
def procedure_export(request: HttpRequest, format: Literal["json", "xlsx"] = "json"):  # noqa: A002
    _require_manager(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if format == "xlsx":
        response = HttpResponse(catalogue_export_xlsx(), content_type=XLSX_TYPE)
    else:
        body = json.dumps(catalogue_export_json(), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="catalogue-{stamp}.{format}"'
    return response


@router.post(
    "/import",
    auth=ADMIN_AUTH,
    response={200: ImportReportOut, **errors(401, 403, 422)},
    summary="Nhập danh mục (JSON hoặc XLSX)",
)
def procedure_import(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # noqa: B008 - how ninja declares an optional part
    dry_run: Form[bool] = False,
):
    _require_manager(request)
    # Checked here rather than by ninja, whose error location for a part named "file" is lost
    # (core/api.py drops "file" from locations as a parameter source).
    if file is None:
        raise ValidationFailed(_("Chưa chọn tệp."), fields={"file": ["bắt buộc"]})
    if file.size > IMPORT_MAX_BYTES:
        raise ValidationFailed(
            _("Tệp quá lớn."), fields={"file": [f"tối đa {IMPORT_MAX_BYTES // (1024 * 1024)} MB"]}
        )
    report = catalogue_import(
        file_name=file.name or "", content=file.read(), actor=request.auth, dry_run=dry_run
    )
    report.raise_if_failed()
    return report


@router.get(
    "/{code}",
    response={200: ProcedureDetailOut, **errors(404, 422)},
    summary="Chi tiết thủ tục (phiên bản hiện hành)",
)
def procedure_detail(request: HttpRequest, code: str):
    version = procedure_get(code=code)
    return {
        **_item(version),
        "legacy_level": version.legacy_level,
        "steps": version.steps,
        "method": version.method,
        "processing_time_note": version.processing_time_note,
        "applicants": version.applicants,
        "implementing_agency": version.implementing_agency,
        "result_type": version.result_type,
        "requirements": version.requirements,
        "documents": list(version.documents.all()),
        "fees": [
            {"name": f["name"], "amount": f["amount"], "note": f.get("note", "")}
            for f in version.fees
        ],
        "total_fee": int(version.total_fee),
        "form_schema": version.form_schema,
        "legal_basis": version.legal_basis,
        "decision_number": version.decision_number,
        "decision_date": version.decision_date,
        "effective_from": version.effective_from,
        "effective_to": version.effective_to,
        "agency_kinds": version.agency_kinds,
        "agencies": [{"id": a.agency_id, "name": a.name} for a in version.procedure.agencies.all()],
    }
