from __future__ import annotations

import json

import pytest

from chinhquyen.catalogue.models import Field
from chinhquyen.catalogue.services import catalogue_import

from . import factories


@pytest.fixture
def fields(db) -> dict[str, Field]:
    return {f["code"]: Field.objects.create(**f) for f in factories.FIELDS}


@pytest.fixture
def load_json(db):
    """Import a document through the real service; fails the test if the import reports errors."""

    def load(doc: dict, **kwargs):
        report = catalogue_import(
            file_name="catalogue.json",
            content=json.dumps(doc, ensure_ascii=False).encode(),
            **kwargs,
        )
        assert report.ok, [str(e) for e in report.errors]
        return report

    return load


@pytest.fixture
def agencies(db):
    from chinhquyen.units.services import agency_create

    return {
        "xa_a": agency_create(
            agency_id="000.01.31.H26", name="UBND phường Thử Nghiệm A", kind="ubnd_xa"
        ),
        "xa_b": agency_create(
            agency_id="000.02.31.H26", name="UBND xã Thử Nghiệm B", kind="ubnd_xa"
        ),
        "xa_closed": agency_create(
            agency_id="000.03.31.H26", name="UBND xã Đã Sáp Nhập", kind="ubnd_xa", is_active=False
        ),
        "so": agency_create(agency_id="000.00.10.H26", name="Sở Xây dựng", kind="so"),
    }
