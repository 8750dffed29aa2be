"""core/compiled.py: a query compiled once per connection, then only bound."""

from __future__ import annotations

import pytest
from django.db.models.sql.compiler import SQLCompiler

from chinhquyen.core.compiled import CompiledQuery
from chinhquyen.units.models import Agency

pytestmark = pytest.mark.django_db


def test_binds_each_argument_and_compiles_once(world, monkeypatch):
    query = CompiledQuery(
        lambda agency_id, name: Agency.objects.filter(agency_id=agency_id, name=name).values(
            "agency_id", "name", "unit__code"
        )[:1]
    )
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    a, b = world.agency_a, world.agency_b
    assert query.first(a.agency_id, a.name, model=Agency) == {
        "agency_id": a.agency_id,
        "name": a.name,
        "unit__code": a.unit.code if a.unit_id else None,
    }
    assert query.first(b.agency_id, b.name, model=Agency)["agency_id"] == b.agency_id
    assert query.first(a.agency_id, b.name, model=Agency) is None  # both arguments are bound
    assert compiled.count(Agency) == 1


def test_the_same_text_as_a_placeholder_is_still_bound(world):
    """A real argument equal to another argument's value must not confuse the binding."""
    query = CompiledQuery(
        lambda x, y: Agency.objects.filter(agency_id=x, name=y).values("agency_id")[:1]
    )
    a = world.agency_a
    assert query.first(a.agency_id, a.name, model=Agency) == {"agency_id": a.agency_id}
    assert query.first(a.name, a.agency_id, model=Agency) is None
