"""Writes and the province side of the reporting flow: build a periodic report (a data-value
set), and on the central side receive it: verify, validate, keep every correction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chinhquyen.accounts.selectors import profile_of
from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import NotFound, PermissionDenied, ValidationFailed
from chinhquyen.units.models import AdministrativeUnit, Agency, UnitLevel

from . import indicators as ind
from . import signing
from .models import Report, ReportSubmission, ReportValue
from .periods import Period, period_parse
from .scopes import scope_parse, unit_tree_ids
from .selectors import facts_for_groups, province_parts

FORMAT = "chinhquyen.report/1"
SENDER_ROLES = frozenset({"leader", "agency_admin"})
PERCENT = "%"
COUNT_UNITS = frozenset({"hồ sơ", "thủ tục", "văn bản"})


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


# --- province side ----------------------------------------------------------------------------


def report_build(*, sender: Agency, period: str, at: dt.datetime | None = None) -> dict:
    """The periodic report of the sender's province: every indicator in force × the province,
    its communes and its agencies, for ``period``. Values are strings (or null: no data)."""
    the_period = period_parse(period)
    province = sender.unit
    if province is None or province.level != UnitLevel.PROVINCE:
        raise ValidationFailed(
            _("Cơ quan gửi báo cáo phải gắn với một tỉnh/thành phố."), code="sender_not_provincial"
        )
    groups = {part.key: part.agency_ids for part in province_parts(province, on=the_period.end)}
    facts = facts_for_groups(groups, the_period)
    values = []
    for code, version in ind.versions_on(the_period.end).items():
        for key in groups:
            outcome = ind.evaluate(version.formula, facts[key])
            values.append(
                {
                    "indicator": code,
                    "unit": key,
                    "period": the_period.code,
                    "value": _text(outcome.value),
                }
            )
    return {
        "format": FORMAT,
        "sender": sender.agency_id,
        "unit": f"province:{province.code}",
        "period": the_period.code,
        "generated_at": (at or timezone.now()).isoformat(timespec="seconds"),
        "values": values,
    }


# --- central side -----------------------------------------------------------------------------


def _refuse(message: str, code: str, fields: dict | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields=fields or {})


def _shape(document: dict) -> tuple[dict, dict]:
    report = document.get("report") if isinstance(document, dict) else None
    signature = document.get("signature") if isinstance(document, dict) else None
    if not isinstance(report, dict) or not isinstance(signature, dict):
        raise _refuse(_("Báo cáo phải có hai phần «report» và «signature»."), "malformed_report")
    if report.get("format") != FORMAT:
        raise _refuse(
            _("Định dạng báo cáo phải là %(format)s.") % {"format": FORMAT}, "malformed_report"
        )
    for name in ("sender", "unit", "period", "generated_at"):
        if not isinstance(report.get(name), str):
            raise _refuse(
                _("Thiếu trường «%(name)s».") % {"name": name},
                "malformed_report",
                {name: [_("Bắt buộc.")]},
            )
    if not isinstance(report.get("values"), list):
        raise _refuse(_("Thiếu danh sách giá trị «values»."), "malformed_report")
    return report, signature


def _authorise(user, sender_id: str) -> Agency:
    agency = Agency.objects.select_related("unit").filter(agency_id=sender_id.upper()).first()
    if agency is None:
        raise NotFound(
            _("Không có cơ quan gửi %(agency)s.") % {"agency": sender_id}, code="unknown_sender"
        )
    profile = profile_of(user)
    if (
        profile is None
        or profile.agency_id != agency.pk
        or not SENDER_ROLES.intersection(profile.roles)
    ):
        raise PermissionDenied(
            _("Chỉ lãnh đạo hoặc quản trị của cơ quan gửi được nộp báo cáo của cơ quan đó."),
            code="not_sender_officer",
        )
    return agency


def _period_checks(code: str, now: dt.datetime) -> Period:
    period = period_parse(code)
    if not period.is_nd09:
        raise _refuse(
            _("Báo cáo định kỳ dùng kỳ theo Nghị định 09/2019 (ví dụ ND09-2026-Q1)."),
            "not_a_report_period",
            {"period": [code]},
        )
    if period.end >= timezone.localtime(now).date():
        raise _refuse(
            _("Kỳ báo cáo %(period)s chưa kết thúc (chốt số liệu ngày %(end)s).")
            % {"period": period.code, "end": period.end.strftime("%d/%m/%Y")},
            "period_in_future",
            {"period": [code]},
        )
    return period


class _RowRefused(Exception):
    """One value of a report refused: its message and error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _validate_values(
    report: dict, period: Period, province: AdministrativeUnit
) -> list[tuple[str, str, Decimal | None]]:
    """The report's values, checked row by row and against the rules, or ValidationFailed."""
    versions = ind.versions_on(period.end)
    tree = unit_tree_ids(province)
    units_ok: dict[str, bool] = {}
    errors: dict[str, list[str]] = {}
    clean: dict[tuple[str, str], Decimal | None] = {}
    first_code = None
    for i, row in enumerate(report["values"]):
        try:
            code, unit, number = _check_row(row, period, versions, tree, units_ok, clean)
        except _RowRefused as refusal:
            errors.setdefault(f"values[{i}]", []).append(refusal.message)
            first_code = first_code or refusal.code
            continue
        clean[(code, unit)] = number
    for message, code in _rule_failures(clean):
        errors.setdefault("values", []).append(message)
        first_code = first_code or code
    if errors:
        count = sum(len(v) for v in errors.values())
        raise ValidationFailed(
            ngettext(
                "Báo cáo bị từ chối: %(count)s lỗi dữ liệu.",
                "Báo cáo bị từ chối: %(count)s lỗi dữ liệu.",
                count,
            )
            % {"count": count},
            code=first_code or "invalid_value",
            fields=errors,
        )
    return [(code, unit, value) for (code, unit), value in clean.items()]


def _check_row(
    row, period: Period, versions: dict, tree, units_ok: dict[str, bool], clean: dict
) -> tuple[str, str, Decimal | None]:
    """One value row as (indicator, unit, number), or _RowRefused with the first problem."""
    if not isinstance(row, dict):
        raise _RowRefused(_("Mỗi giá trị là một đối tượng."), "malformed_report")
    code, unit, value = row.get("indicator"), row.get("unit"), row.get("value")
    version = versions.get(code) if isinstance(code, str) else None
    if version is None:
        raise _RowRefused(
            _("Chỉ tiêu «%(code)s» không có trong danh mục hoặc không có hiệu lực trong kỳ.")
            % {"code": code},
            "unknown_indicator",
        )
    if row.get("period") != period.code:
        raise _RowRefused(
            _("Kỳ của giá trị phải là %(period)s.") % {"period": period.code},
            "period_mismatch",
        )
    if not isinstance(unit, str):
        raise _RowRefused(_("Thiếu đơn vị."), "malformed_report")
    if not _unit_in_authority(unit, period, tree, units_ok):
        raise _RowRefused(
            _("Đơn vị «%(unit)s» không thuộc thẩm quyền của cơ quan gửi.") % {"unit": unit},
            "unit_outside_authority",
        )
    if (code, unit) in clean:
        raise _RowRefused(
            _("Giá trị của «%(code)s» cho «%(unit)s» bị lặp.") % {"code": code, "unit": unit},
            "duplicate_value",
        )
    return code, unit, _check_number(value, version)


def _unit_in_authority(unit: str, period: Period, tree, units_ok: dict[str, bool]) -> bool:
    """Whether the unit code names a unit inside the sender's tree (memoised in `units_ok`)."""
    if unit not in units_ok:
        try:
            scope = scope_parse(unit, on=period.end)
        except NotFound:
            units_ok[unit] = False
        else:
            node = scope.agency.unit if scope.kind == "agency" else scope.unit
            units_ok[unit] = node is not None and node.pk in tree
    return units_ok[unit]


def _check_number(value, version) -> Decimal | None:
    """The value as a Decimal fit for the indicator's unit of measure (None stays None)."""
    if value is None:
        return None
    try:
        number = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _RowRefused(
            _("Giá trị phải là số viết dạng chuỗi, hoặc null khi không có số liệu."),
            "invalid_value",
        )
    if version.unit_of_measure == PERCENT and not Decimal(0) <= number <= Decimal(100):
        raise _RowRefused(_("Tỷ lệ phải nằm trong khoảng 0–100."), "invalid_value")
    if version.unit_of_measure in COUNT_UNITS and (
        number < 0 or number != number.to_integral_value()
    ):
        raise _RowRefused(_("Số lượng phải là số nguyên không âm."), "invalid_value")
    return number


def _rule_failures(clean: dict[tuple[str, str], Decimal | None]) -> list[tuple[str, str]]:
    """The (message, code) of each cross-indicator rule the clean values break, in order."""
    failures = []
    for rule in ind.validation_rules():
        small, big = rule["lte"]
        for (code, unit), value in clean.items():
            if code != small or value is None:
                continue
            other = clean.get((big, unit))
            if other is not None and value > other:
                failures.append(
                    (f"{unit}: {rule['message']} ({value} > {other})", f"rule_{rule['code']}")
                )
    return failures


def report_receive(
    *, user, document: dict, channel: str = "api", at: dt.datetime | None = None
) -> ReportSubmission:
    """Central side: accept a signed periodic report or refuse it with a precise reason. A refusal
    changes nothing; an accepted correction becomes the current version, the earlier ones stay."""
    at = at or timezone.now()
    report, signature = _shape(document)
    sender = _authorise(user, report["sender"])
    period = _period_checks(report["period"], at)
    cert = signing.verify(report, signature, agency_id=sender.agency_id, at=at)
    scope = scope_parse(report["unit"], on=period.end)
    if (
        scope.kind != UnitLevel.PROVINCE
        or sender.unit_id is None
        or scope.unit.pk not in unit_tree_ids(sender.unit)
        or (sender.unit.level != UnitLevel.PROVINCE)
    ):
        raise PermissionDenied(
            _("Cơ quan %(agency)s không có thẩm quyền báo cáo cho «%(unit)s».")
            % {"agency": sender.agency_id, "unit": report["unit"]},
            code="unit_outside_authority",
        )
    values = _validate_values(report, period, scope.unit)
    digest = signing.sha256_hex(report)
    with transaction.atomic():
        row, _created = Report.objects.get_or_create(unit=scope.unit, period=period.code)
        row = (
            Report.objects.select_for_update(of=("self",)).select_related("current").get(pk=row.pk)
        )
        if row.current is not None and row.current.payload_sha256 == digest:
            return row.current  # the same report sent twice: nothing new
        seq = (row.current.seq if row.current else 0) + 1
        submission = ReportSubmission.objects.create(
            report=row,
            seq=seq,
            sender_agency=sender,
            submitted_by=user,
            received_at=at,
            channel=channel,
            payload=report,
            payload_sha256=digest,
            signature=signature["value"],
            certificate=signature["certificate"],
            signer=signing.signer_name(cert),
        )
        ReportValue.objects.bulk_create(
            ReportValue(submission=submission, indicator=c, unit=u, period=period.code, value=v)
            for c, u, v in values
        )
        row.current = submission
        if row.first_received_at is None:
            row.first_received_at = at
        row.save(update_fields=["current", "first_received_at"])
        audit_record(
            event="report.received" if seq == 1 else "report.corrected",
            object_type="report",
            object_id=f"{scope.key}/{period.code}",
            actor=user,
            at=at,
            new_object=seq == 1,
            changes={"seq": seq, "sha256": digest, "values": len(values), "channel": channel},
        )
    return submission
