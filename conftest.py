"""Fixed personas and helpers shared by every app's tests (STYLE.md §6).

Personas: a citizen, another citizen, officers of agency A (counter, handler, leader), officers
of agency B (counter, handler), a system admin, and an outsider with no role. Data is built
through the real services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

# A real PKI on loopback for the signature and exchange tests.
pytest_plugins = ["chinhquyen.signatures.testing.fixtures"]

PASSWORD = "test-pass-123"  # noqa: S105

SIMPLE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["ho_ten", "ngay_sinh"],
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "minLength": 1, "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "so_cccd": {"type": "string", "title": "Số CCCD", "pattern": "^\\d{12}$"},
        "gioi_tinh": {
            "type": "string",
            "title": "Giới tính",
            "oneOf": [{"const": "nam", "title": "Nam"}, {"const": "nu", "title": "Nữ"}],
        },
        "thanh_vien": {
            "type": "array",
            "title": "Thành viên",
            "items": {
                "type": "object",
                "required": ["ten"],
                "properties": {"ten": {"type": "string", "title": "Tên"}},
            },
        },
    },
}
VALID_FORM = {
    "ho_ten": "Nguyễn Văn Bé",
    "ngay_sinh": "2026-01-15",
    "so_cccd": "031090001234",
    "gioi_tinh": "nam",
}


def procedure_data(code: str = "1.000001", **overrides: Any) -> dict[str, Any]:
    data = {
        "code": code,
        "name": "Thủ tục thử nghiệm đăng ký khai sinh",
        "field": "ho-tich",
        "levels": ["commune"],
        "online_mode": "full",
        "legacy_level": 4,
        "steps": "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
        "method": "Trực tiếp; trực tuyến; bưu chính",
        "processing_time": 5,
        "time_unit": "days",
        "applicants": "Công dân Việt Nam",
        "implementing_agency": "UBND cấp xã",
        "fees": [{"name": "Lệ phí", "amount": 50000, "note": ""}],
        "result_type": "Giấy khai sinh",
        "legal_basis": ["Luật Hộ tịch số 60/2014/QH13"],
        "requirements": "",
        "decision_number": "1/QĐ-TEST",
        "decision_date": "2025-06-01",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "documents": [
            {
                "code": "to-khai",
                "name": "Tờ khai",
                "originals": 1,
                "copies": 0,
                "is_required": True,
                "template_name": "",
                "template_url": "",
            },
            {
                "code": "cccd",
                "name": "Căn cước",
                "originals": 0,
                "copies": 1,
                "is_required": False,
                "template_name": "",
                "template_url": "",
            },
        ],
        "form_schema": SIMPLE_FORM,
    }
    data.update(overrides)
    return data


@dataclass
class World:
    agency_a: Any
    agency_b: Any
    procedure: Any
    citizen: Any
    citizen2: Any
    counter_a: Any
    handler_a: Any
    leader_a: Any
    counter_b: Any
    handler_b: Any
    leader_b: Any
    sysadmin: Any
    outsider: Any


def _ensure_field():
    from chinhquyen.catalogue.models import Field

    Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})


@pytest.fixture
def world(db) -> World:
    from django.contrib.auth import get_user_model

    from chinhquyen.accounts.services import user_create
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
    from chinhquyen.dossiers.services import workflow_install_standard
    from chinhquyen.units.services import agency_create

    workflow_install_standard()  # transactional tests flush the migration-seeded rows

    agency_a = agency_create(
        agency_id="000.01.31.H26", name="UBND phường Thử Nghiệm A", kind="ubnd_xa"
    )
    agency_b = agency_create(agency_id="000.02.31.H26", name="UBND xã Thử Nghiệm B", kind="ubnd_xa")
    _ensure_field()
    procedure_save(data=procedure_data())
    procedure = Procedure.objects.get(code="1.000001")
    procedure_link_agencies(procedure=procedure, agencies=[agency_a, agency_b])

    def make(username: str, roles: list[str], agency=None, **extra):
        return user_create(
            username=username,
            password=PASSWORD,
            full_name=username.title(),
            roles=roles,
            agency=agency,
            email=f"{username}@example.vn",
            **extra,
        )

    outsider = get_user_model().objects.create_user(username="outsider", password=PASSWORD)
    return World(
        agency_a=agency_a,
        agency_b=agency_b,
        procedure=procedure,
        citizen=make("congdan", ["citizen"], id_number="031090001234", phone="0912345678"),
        citizen2=make("congdan2", ["citizen"], id_number="031090009999"),
        counter_a=make("motcua", ["counter"], agency_a),
        handler_a=make("chuyenvien", ["handler"], agency_a),
        leader_a=make("lanhdao", ["leader"], agency_a),
        counter_b=make("motcua2", ["counter"], agency_b),
        handler_b=make("chuyenvien2", ["handler"], agency_b),
        leader_b=make("lanhdao2", ["leader"], agency_b),
        sysadmin=make("admin", ["system_admin"], is_staff=True),
        outsider=outsider,
    )


class Api:
    """A test client speaking JSON with a bearer token, as an API consumer would."""

    def __init__(self, user=None, password: str = PASSWORD):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            resp = self.client.post(
                "/api/v1/auth/token",
                data=json.dumps({"username": user.username, "password": password}),
                content_type="application/json",
            )
            assert resp.status_code == 200, resp.content
            self.headers["Authorization"] = f"Bearer {resp.json()['token']}"

    def get(self, path: str, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.client.post(
            path,
            data=json.dumps(body or {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def upload(self, path: str, data: dict[str, Any]):
        return self.client.post(path, data=data, headers=self.headers)


@pytest.fixture
def api():
    return Api


@pytest.fixture(autouse=True)
def _fresh_process_caches(request):
    """In-process caches outlive a test's rolled-back transaction: start every test without them
    (every ``core.proccache.ProcessCache`` registers itself, docs/architecture.md)."""
    from django.core.cache import caches

    from chinhquyen.core.proccache import clear_all

    clears = [clear_all]
    # The reporting centre's answers live in a table of the test database: a test's rollback
    # removes its own, but a transactional test's flush does not — clear it around DB tests.
    if request.node.get_closest_marker("django_db") is not None:
        clears.append(caches["reporting"].clear)
    for clear in clears:
        clear()
    yield
    for clear in clears:
        clear()


@pytest.fixture(autouse=True)
def _vietnamese_between_tests():
    """Each test starts in the site's language: a request in English (the middleware activates
    the person's language for the thread) must not leave the next test speaking English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
