"""Shapes of the reporting API's answers. The selectors build plain dicts; these describe them
member for member (``exclude_unset`` keeps the members a dict leaves out absent)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

Number = int | float


class PeriodOut(Schema):
    code: str
    kind: str
    start: str
    end: str
    label: str
    name: str
    short_label: str


class ScopeOut(Schema):
    key: str
    kind: str
    name: str
    generation: str | None = Field(
        None, description="Thế hệ của đơn vị hành chính (chỉ khi phạm vi là một đơn vị)"
    )


class ValueOut(Schema):
    indicator: str
    name: str
    group: str
    unit_of_measure: str
    value: Number | None
    no_data_reason: str | None
    target: Number | None
    meets_target: bool | None
    points: Number | None
    max_points: Number | None
    class_: str | None = Field(alias="class")


class IndicatorValuesOut(Schema):
    unit: ScopeOut
    period: PeriodOut
    source: str
    values: list[ValueOut]


class RankedUnitOut(Schema):
    key: str
    name: str


class RankedValueOut(ValueOut):
    unit: RankedUnitOut
    rank: int | None


class RankingOut(Schema):
    indicator: str
    name: str
    unit_of_measure: str
    period: PeriodOut
    source: str
    rows: list[RankedValueOut]
    nation: ValueOut | None = Field(None, description="Giá trị cả nước (chỉ khi tính từ dữ liệu)")


class LateDossierOut(Schema):
    code: str
    procedure: str
    procedure_name: str
    agency: str
    received_at: str | None
    due_at: str | None
    finished_at: str | None
    reason: str


class LateDossiersOut(Schema):
    unit: ScopeOut
    period: PeriodOut
    count: int
    dossiers: list[LateDossierOut]


class CompletenessRowOut(Schema):
    unit: RankedUnitOut
    status: str
    status_label: str
    received_at: str | None
    corrections: int


class CompletenessOut(Schema):
    period: PeriodOut
    due_at: str
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    pending: int
    rows: list[CompletenessRowOut]


class ReportValueOut(Schema):
    indicator: str
    unit: str
    period: str
    value: str | None


class ReportOut(Schema):
    format: str
    sender: str
    unit: str
    period: str
    generated_at: str
    values: list[ReportValueOut]


class ReportAcceptedOut(Schema):
    status: str
    unit: str
    period: str
    seq: int
    sha256: str
    received_at: str
    values: int


class CurrentValueOut(Schema):
    indicator: str
    unit: str
    value: float | None


class SubmissionOut(Schema):
    seq: int
    received_at: str
    sha256: str
    signer: str
    channel: str
    sender: str


class ReportDetailOut(Schema):
    unit: ScopeOut
    period: PeriodOut
    first_received_at: str
    current_seq: int
    values: list[CurrentValueOut]
    history: list[SubmissionOut]
