"""Public directory of agencies, mounted at /api/v1/agencies."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from chinhquyen.core.api import errors
from chinhquyen.core.errors import NotFound, ValidationFailed
from chinhquyen.core.pagination import PageNumber

from .models import Agency, AgencyKind
from .selectors import agencies_list, agency_get, unit_resolve

router = Router(tags=["agencies"])

PAGE_SIZE = 50


class UnitOut(Schema):
    code: str
    name: str


class AgencyOut(Schema):
    id: str
    name: str
    kind: str
    parent: str | None
    unit: UnitOut | None

    @staticmethod
    def resolve_id(obj: Agency) -> str:
        return obj.agency_id

    @staticmethod
    def resolve_parent(obj: Agency) -> str | None:
        return obj.parent.agency_id if obj.parent_id else None


class AgencyDetailOut(AgencyOut):
    kind_label: str
    email: str
    phone: str
    address: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Agency) -> str:
        return str(obj.get_kind_display())


class AgencyPage(Schema):
    items: list[AgencyOut]
    count: int


class AgencyFilters(Schema):
    q: str | None = None
    kind: AgencyKind | None = None
    unit: str | None = None  # GSO code of a unit in force; agencies attached to it directly
    page: PageNumber = 1


@router.get(
    "",
    response={200: AgencyPage, **errors(422)},
    summary="Danh sách cơ quan",
    url_name="agencies_list",
)
def list_agencies(request: HttpRequest, filters: Query[AgencyFilters]):
    """Active agencies, 50 per page, filtered by name or id (`q`), kind and unit code."""
    unit = None
    if filters.unit:
        try:
            unit = unit_resolve(code=filters.unit)
        except NotFound as exc:
            raise ValidationFailed(exc.message, fields={"unit": [exc.message]}) from None
    agencies = agencies_list(q=filters.q, kind=filters.kind, unit=unit)
    start = (filters.page - 1) * PAGE_SIZE
    return {"items": list(agencies[start : start + PAGE_SIZE]), "count": agencies.count()}


@router.get(
    "/{agency_id}",
    response={200: AgencyDetailOut, **errors(404)},
    summary="Thông tin cơ quan",
    url_name="agency_detail",
)
def get_agency(request: HttpRequest, agency_id: str):
    return agency_get(agency_id)
