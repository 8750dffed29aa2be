"""Writes for administrative units and agencies.

Units are reference data: they change only through ``units_load`` (see ``loader.py``). Agencies
change through ``agency_create`` / ``agency_update``, which validate and write an audit record
in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from django.db import IntegrityError, transaction

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import NotFound, ValidationFailed

from .loader import load_all
from .models import AGENCY_ID_RE, AdministrativeUnit, Agency, AgencyKind, Generation, UnitLevel

AUDIT_OBJECT_TYPE = "agency"


class AgencyEvent:
    """Audit event names written by this module."""

    CREATED = "agency.created"
    UPDATED = "agency.updated"


CONTACT_FIELDS = ("email", "phone", "address")


# --- units ----------------------------------------------------------------------------------


def units_load(stdout: TextIO | None = None) -> dict[str, Any]:
    """Load or refresh every administrative unit (current and, when available, pre-2025).

    Idempotent: a second run writes nothing. Returns counts, warnings and the time taken; a
    missing pre-2025 data folder is a warning, not an error.
    """
    return load_all(stdout=stdout).as_dict()


# --- agencies: validation ---------------------------------------------------------------------

_UNSET: Any = object()


def _normalise_agency_id(value: str) -> str:
    return (value or "").strip().upper()


def _fail(field: str, message: str, *, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _resolve_parent(parent: Agency | str | None) -> Agency | None:
    if parent is None or isinstance(parent, Agency):
        return parent
    try:
        return Agency.objects.get(agency_id=_normalise_agency_id(parent))
    except Agency.DoesNotExist:
        raise _fail(
            "parent",
            f"Không tìm thấy cơ quan cấp trên có mã định danh {parent}.",
            code="parent_not_found",
        ) from None


def agency_validate(
    *,
    agency: Agency | None,
    agency_id: str,
    name: str,
    kind: str,
    parent: Agency | None,
    unit: AdministrativeUnit | None,
    is_active: bool,
) -> None:
    """Check the values an agency would have after a create (``agency=None``) or an update.

    Raises ``ValidationFailed`` naming the field. Shared by the services and the admin form.
    """
    if not AGENCY_ID_RE.match(agency_id):
        raise _fail(
            "agency_id",
            f"Mã định danh cơ quan «{agency_id}» không đúng định dạng QCVN 102:2016 "
            "V1V2V3.Z1Z2.Y1Y2.MX1X2 (ví dụ 000.00.00.H41).",
            code="invalid_agency_id",
        )
    taken = Agency.objects.filter(agency_id=agency_id)
    if agency is not None:
        taken = taken.exclude(pk=agency.pk)
    other = taken.only("name").first()
    if other is not None:
        raise _fail(
            "agency_id",
            f"Mã định danh cơ quan {agency_id} đã được dùng cho «{other.name}».",
            code="agency_id_taken",
        )
    if not (name or "").strip():
        raise _fail("name", "Tên cơ quan không được để trống.", code="required")
    if kind not in AgencyKind.values:
        raise _fail("kind", f"Loại cơ quan «{kind}» không hợp lệ.", code="invalid_kind")
    if parent is not None and agency is not None:
        # Walk up from the proposed parent: meeting the agency itself means a cycle.
        seen: set[int] = set()
        node: Agency | None = parent
        while node is not None and node.pk not in seen:
            if node.pk == agency.pk:
                message = (
                    "Cơ quan không thể là cơ quan cấp trên của chính nó."
                    if parent.pk == agency.pk
                    else f"Cơ quan cấp trên «{parent.name}» đang trực thuộc cơ quan này."
                )
                raise _fail("parent", message, code="parent_cycle")
            seen.add(node.pk)
            node = node.parent
    if unit is not None and is_active and unit.generation != Generation.CURRENT:
        raise _fail(
            "unit",
            f"Đơn vị hành chính «{unit.name}» không còn hiệu lực (đã sắp xếp từ 01/7/2025); "
            "cơ quan đang hoạt động phải gắn với đơn vị hành chính hiện hành.",
            code="unit_not_current",
        )


def _snapshot(agency: Agency) -> dict[str, Any]:
    return {
        "agency_id": agency.agency_id,
        "name": agency.name,
        "kind": agency.kind,
        "parent": agency.parent.agency_id if agency.parent_id else None,
        "unit": f"{agency.unit.generation}/{agency.unit.level}/{agency.unit.code}"
        if agency.unit_id
        else None,
        "email": agency.email,
        "phone": agency.phone,
        "address": agency.address,
        "is_active": agency.is_active,
    }


def _save(agency: Agency) -> None:
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        # A concurrent writer took the id between the check and the insert.
        raise _fail(
            "agency_id",
            f"Mã định danh cơ quan {agency.agency_id} đã được dùng cho cơ quan khác.",
            code="agency_id_taken",
        ) from None


# --- agencies: writes -------------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    agency_id: str,
    name: str,
    kind: str,
    parent: Agency | str | None = None,
    unit: AdministrativeUnit | None = None,
    actor=None,
    is_active: bool = True,
    **contact: str,
) -> Agency:
    """Create an agency. ``contact`` takes ``email``, ``phone`` and ``address``."""
    unknown = contact.keys() - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"agency_create() got unexpected fields: {', '.join(sorted(unknown))}")
    agency_id = _normalise_agency_id(agency_id)
    name = (name or "").strip()
    parent = _resolve_parent(parent)
    agency_validate(
        agency=None,
        agency_id=agency_id,
        name=name,
        kind=kind,
        parent=parent,
        unit=unit,
        is_active=is_active,
    )
    agency = Agency(
        agency_id=agency_id,
        name=name,
        kind=kind,
        parent=parent,
        unit=unit,
        is_active=is_active,
        **{key: (value or "").strip() for key, value in contact.items()},
    )
    _save(agency)
    audit_record(
        event=AgencyEvent.CREATED,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=agency.agency_id,
        chain=f"{AUDIT_OBJECT_TYPE}:{agency.pk}",
        actor=actor,
        changes={key: [None, value] for key, value in _snapshot(agency).items()},
    )
    return agency


@transaction.atomic
def agency_update(
    *,
    agency: Agency | str,
    actor=None,
    agency_id: str = _UNSET,
    name: str = _UNSET,
    kind: str = _UNSET,
    parent: Agency | str | None = _UNSET,
    unit: AdministrativeUnit | None = _UNSET,
    email: str = _UNSET,
    phone: str = _UNSET,
    address: str = _UNSET,
    is_active: bool = _UNSET,
) -> Agency:
    """Change the given fields of an agency; fields not passed keep their value.

    The audit chain of an agency is keyed by its primary key (``agency:<pk>``), so it survives a
    change of agency id; each record's ``object_id`` is the agency id at the time.
    """
    pk = agency.pk if isinstance(agency, Agency) else None
    query = Agency.objects.select_for_update(of=("self",)).select_related("parent", "unit")
    try:
        locked = (
            query.get(pk=pk)
            if pk is not None
            else query.get(agency_id=_normalise_agency_id(agency))
        )
    except Agency.DoesNotExist:
        raise NotFound(f"Không tìm thấy cơ quan có mã định danh {agency}.") from None
    before = _snapshot(locked)

    if agency_id is not _UNSET:
        locked.agency_id = _normalise_agency_id(agency_id)
    if name is not _UNSET:
        locked.name = (name or "").strip()
    if kind is not _UNSET:
        locked.kind = kind
    if parent is not _UNSET:
        locked.parent = _resolve_parent(parent)
    if unit is not _UNSET:
        locked.unit = unit
    for key, value in (("email", email), ("phone", phone), ("address", address)):
        if value is not _UNSET:
            setattr(locked, key, (value or "").strip())
    if is_active is not _UNSET:
        locked.is_active = bool(is_active)

    agency_validate(
        agency=locked,
        agency_id=locked.agency_id,
        name=locked.name,
        kind=locked.kind,
        parent=locked.parent,
        unit=locked.unit,
        is_active=locked.is_active,
    )
    after = _snapshot(locked)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if not changes:
        return locked
    _save(locked)
    audit_record(
        event=AgencyEvent.UPDATED,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=locked.agency_id,
        chain=f"{AUDIT_OBJECT_TYPE}:{locked.pk}",
        actor=actor,
        changes=changes,
    )
    if isinstance(agency, Agency):
        agency.refresh_from_db()
    return locked


@transaction.atomic
def agency_seal_roles_set(*, agency: Agency, roles: Iterable[str], actor=None) -> Agency:
    """Who applies the agency's seal (ký số của cơ quan): officer roles only, at least one."""
    from chinhquyen.accounts.models import OFFICER_ROLES

    wanted = sorted(set(roles))
    unknown = [r for r in wanted if r not in OFFICER_ROLES]
    if not wanted or unknown:
        raise ValidationFailed(
            "Chọn ít nhất một vai trò cán bộ giữ con dấu.",
            code="seal_roles_invalid",
            fields={"seal_roles": [f"Không hợp lệ: {', '.join(unknown)}." if unknown else
                                   "Chọn ít nhất một vai trò."]},
        )  # fmt: skip
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    before = sorted(locked.seal_roles)
    if before == wanted:
        return locked
    locked.seal_roles = wanted
    locked.save(update_fields=["seal_roles"])
    audit_record(
        event=AgencyEvent.UPDATED,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=locked.agency_id,
        chain=f"{AUDIT_OBJECT_TYPE}:{locked.pk}",
        actor=actor,
        changes={"seal_roles": [before, wanted]},
    )
    return locked


# --- demo data --------------------------------------------------------------------------------

DEMO_PROVINCE_CODE = "31"  # Thành phố Hải Phòng since 1/7/2025 (absorbed Hải Dương)
DEMO_LEVEL1 = "H26"  # illustrative; see agencies_seed_demo
# (role, agency id, name, kind); parent is the provincial People's Committee.
DEMO_PROVINCE_AGENCIES = (
    (
        "centre",
        f"000.00.01.{DEMO_LEVEL1}",
        "Trung tâm Phục vụ hành chính công thành phố Hải Phòng",
        AgencyKind.SERVICE_CENTRE,
    ),
    (
        "justice",
        f"000.00.02.{DEMO_LEVEL1}",
        "Sở Tư pháp thành phố Hải Phòng",
        AgencyKind.DEPARTMENT,
    ),
    (
        "construction",
        f"000.00.03.{DEMO_LEVEL1}",
        "Sở Xây dựng thành phố Hải Phòng",
        AgencyKind.DEPARTMENT,
    ),
    (
        "finance",
        f"000.00.04.{DEMO_LEVEL1}",
        "Sở Tài chính thành phố Hải Phòng",
        AgencyKind.DEPARTMENT,
    ),
    (
        "agri_env",
        f"000.00.05.{DEMO_LEVEL1}",
        "Sở Nông nghiệp và Môi trường thành phố Hải Phòng",
        AgencyKind.DEPARTMENT,
    ),
)
# (role, agency id, GSO code of the commune in the 2025 list)
DEMO_COMMUNE_AGENCIES = (
    ("commune_a", f"000.01.90.{DEMO_LEVEL1}", "10525"),  # Phường Hải Dương (former Hải Dương city)
    ("commune_b", f"000.02.90.{DEMO_LEVEL1}", "10813"),  # Xã Thanh Hà (former Thanh Hà district)
)


def _current_unit(level: str, code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(generation=Generation.CURRENT, level=level, code=code)


@transaction.atomic
def agencies_seed_demo() -> dict[str, Agency]:
    """Create the demo agencies of the new Thành phố Hải Phòng; idempotent.

    Agency ids follow the QCVN 102:2016 structure V1V2V3.Z1Z2.Y1Y2.MX1X2, where MX1X2 is the
    level-1 agency (the province, letter H), Y1Y2 a level-2 body under it, Z1Z2 a level-3 body
    under that, V1V2V3 level 4. The numbers are **illustrative**: the official catalogue of agency
    ids is not available to us, so a real deployment must use the ids it was assigned.

    * ``000.00.00.H26`` Ủy ban nhân dân thành phố Hải Phòng (level 1);
    * ``000.00.NN.H26`` level-2 bodies of the city: 01 the public-administration service centre,
      02 Sở Tư pháp, 03 Sở Xây dựng, 04 Sở Tài chính, 05 Sở Nông nghiệp và Môi trường;
    * ``000.NN.90.H26`` commune People's Committees: Y1Y2 = 90 is a block that stands for "the
      communes of the province" (districts no longer exist), Z1Z2 numbers the communes
      (01 Phường Hải Dương, 02 Xã Thanh Hà). Blocks 91, 92 ... would hold communes 100+.

    Existing agencies (matched by id) are left as they are. Loads the administrative units first
    if they are missing. Returns the agencies by role: province, centre, justice, construction,
    finance, agri_env, commune_a, commune_b.
    """
    if not AdministrativeUnit.objects.filter(
        generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code=DEMO_PROVINCE_CODE
    ).exists():
        units_load()
    city = _current_unit(UnitLevel.PROVINCE, DEMO_PROVINCE_CODE)

    def ensure(agency_id: str, **values: Any) -> Agency:
        existing = Agency.objects.filter(agency_id=agency_id).first()
        return existing or agency_create(agency_id=agency_id, **values)

    result: dict[str, Agency] = {}
    province = ensure(
        f"000.00.00.{DEMO_LEVEL1}",
        name="Ủy ban nhân dân thành phố Hải Phòng",
        kind=AgencyKind.PROVINCE_PC,
        unit=city,
    )
    result["province"] = province
    for role, agency_id, name, kind in DEMO_PROVINCE_AGENCIES:
        result[role] = ensure(agency_id, name=name, kind=kind, parent=province, unit=city)
    for role, agency_id, ward_code in DEMO_COMMUNE_AGENCIES:
        ward = _current_unit(UnitLevel.COMMUNE, ward_code)
        result[role] = ensure(
            agency_id,
            name=f"Ủy ban nhân dân {ward.name[:1].lower()}{ward.name[1:]}",
            kind=AgencyKind.COMMUNE_PC,
            parent=province,
            unit=ward,
        )
    return result
