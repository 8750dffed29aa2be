"""Reporting endpoints: indicator values, the national ranking, and the periodic reports
(central side). Thin: parse, call a selector or service, shape the answer."""

from __future__ import annotations

import json

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from chinhquyen.accounts.auth import bearer, bearer_or_session
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.api import errors
from chinhquyen.core.errors import NotFound, PermissionDenied, ValidationFailed

from . import selectors, services, xlsx
from .models import Report
from .periods import period_parse
from .schemas import (
    CompletenessOut,
    IndicatorValuesOut,
    LateDossiersOut,
    RankingOut,
    ReportAcceptedOut,
    ReportDetailOut,
    ReportOut,
)
from .scopes import scope_parse

router = Router(tags=["reporting"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader(request: HttpRequest):
    """The caller if a bearer token or a session says who it is; anonymous otherwise (published
    results are public)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = bearer.authenticate(request, header[7:].strip())
        if user is None:
            raise AuthenticationError()
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()


@router.get(
    "/indicators",
    response={200: IndicatorValuesOut, **errors(401, 403, 404, 422)},
    by_alias=True,
    exclude_unset=True,
    summary="Giá trị chỉ tiêu theo đơn vị và kỳ",
)
def indicators(
    request: HttpRequest,
    period: str = "",
    unit: str = "nation",
    indicator: str = "",
    source: str = "computed",
):
    return selectors.indicator_values(
        user=_reader(request), unit=unit, period=period, indicator=indicator or None, source=source
    )


@router.get(
    "/indicators/ranking",
    response={200: RankingOut, **errors(401, 403, 404, 422)},
    by_alias=True,
    exclude_unset=True,
    summary="Xếp hạng tỉnh/thành phố theo chỉ tiêu",
)
def ranking(
    request: HttpRequest,
    period: str,
    indicator: str = "online.dossiers_share",
    source: str = "computed",
):
    the_period = period_parse(period)
    if the_period.end >= timezone.localdate() and "system_admin" not in user_roles(
        _reader(request)
    ):
        raise PermissionDenied(
            _("Kết quả của kỳ chưa kết thúc chưa được công bố."), code="period_not_published"
        )
    result = selectors.province_ranking(period=the_period, indicator=indicator, source=source)
    result.pop("version")
    return result


@router.get(
    "/indicators/late-dossiers",
    auth=bearer_or_session,
    response={200: LateDossiersOut, **errors(401, 404, 422)},
    exclude_unset=True,
    summary="Hồ sơ giải quyết trễ hạn của đơn vị trong kỳ",
)
def late(request: HttpRequest, unit: str, period: str):
    return selectors.late_dossiers(user=request.auth, unit=unit, period=period_parse(period))


def _require_officer(user) -> None:
    profile = profile_of(user)
    if "system_admin" not in user_roles(user) and (profile is None or not profile.is_officer):
        raise PermissionDenied(
            _("Chỉ cán bộ được xem tình hình nộp báo cáo."), code="officers_only"
        )


@router.get(
    "/reports/completeness",
    auth=bearer_or_session,
    response={200: CompletenessOut, **errors(401, 403, 422)},
    summary="Tình hình nộp báo cáo định kỳ",
)
def completeness(request: HttpRequest, period: str):
    _require_officer(request.auth)
    return selectors.report_completeness(period=period_parse(period))


@router.get(
    "/reports/build",
    auth=bearer_or_session,
    response={200: ReportOut, **errors(401, 403, 422)},
    openapi_extra={
        "responses": {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}
    },
    summary="Lập báo cáo định kỳ của tỉnh (chưa ký); format=xlsx: tệp XLSX",
)
def build(request: HttpRequest, period: str, format: str = "json"):  # noqa: A002
    profile = profile_of(request.auth)
    if (
        profile is None
        or profile.agency is None
        or not services.SENDER_ROLES.intersection(profile.roles)
    ):
        raise PermissionDenied(
            _("Chỉ lãnh đạo hoặc quản trị cơ quan được lập báo cáo."), code="not_sender_officer"
        )
    report = services.report_build(sender=profile.agency, period=period)
    if format == "xlsx":
        response = HttpResponse(xlsx.report_to_xlsx({"report": report}), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{report["period"]}.xlsx"'
        return response
    return report


def _accepted(submission) -> Status:
    return Status(
        201,
        {
            "status": "accepted",
            "unit": f"province:{submission.report.unit.code}",
            "period": submission.report.period,
            "seq": submission.seq,
            "sha256": submission.payload_sha256,
            "received_at": timezone.localtime(submission.received_at).isoformat(),
            "values": submission.values.count(),
        },
    )


@router.post(
    "/reports",
    auth=bearer_or_session,
    response={201: ReportAcceptedOut, **errors(401, 403, 404, 409, 422)},
    summary="Nộp báo cáo định kỳ đã ký",
)
def submit(request: HttpRequest):
    try:
        document = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(_("Nội dung không phải JSON."), code="malformed_report") from None
    return _accepted(services.report_receive(user=request.auth, document=document))


@router.post(
    "/reports/xlsx",
    auth=bearer_or_session,
    response={201: ReportAcceptedOut, **errors(401, 403, 404, 409, 422)},
    summary="Nộp báo cáo đã ký dạng XLSX",
)
def submit_xlsx(request: HttpRequest, file: File[UploadedFile]):
    document = xlsx.report_from_xlsx(file.read())
    return _accepted(services.report_receive(user=request.auth, document=document, channel="xlsx"))


@router.get(
    "/reports/{unit}/{period}",
    auth=bearer_or_session,
    response={200: ReportDetailOut, **errors(401, 404, 422)},
    exclude_unset=True,
    summary="Báo cáo và lịch sử đính chính",
)
def report_detail(request: HttpRequest, unit: str, period: str):
    the_period = period_parse(period)
    scope = scope_parse(unit, on=the_period.end)
    user = request.auth
    profile = profile_of(user)
    report = (
        Report.objects.filter(unit=scope.unit, period=the_period.code)
        .select_related("current")
        .first()
        if scope.unit
        else None
    )
    allowed = "system_admin" in user_roles(user) or (
        profile is not None
        and profile.agency is not None
        and profile.agency.unit_id == getattr(scope.unit, "pk", None)
    )
    if report is None or report.current is None or not allowed:
        raise NotFound(_("Không tìm thấy báo cáo."), code="report_not_found")
    current = report.current
    return {
        "unit": scope.as_dict(),
        "period": the_period.as_dict(),
        "first_received_at": timezone.localtime(report.first_received_at).isoformat(),
        "current_seq": current.seq,
        "values": [
            {
                "indicator": v.indicator,
                "unit": v.unit,
                "value": None if v.value is None else float(v.value),
            }
            for v in current.values.order_by("pk")
        ],
        "history": [
            {
                "seq": s.seq,
                "received_at": timezone.localtime(s.received_at).isoformat(),
                "sha256": s.payload_sha256,
                "signer": s.signer,
                "channel": s.channel,
                "sender": s.sender_agency.agency_id,
            }
            for s in report.submissions.select_related("sender_agency").order_by("seq")
        ],
    }
