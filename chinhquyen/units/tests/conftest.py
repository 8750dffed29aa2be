"""Administrative units are loaded once per test session (a few seconds), outside the per-test
transactions, so every test sees them and none can leave them changed."""

from __future__ import annotations

import pytest

from chinhquyen.units.models import AdministrativeUnit
from chinhquyen.units.services import units_load


@pytest.fixture(scope="session")
def units_loaded(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return units_load()


@pytest.fixture
def units(units_loaded, db) -> dict:
    # A transactional test elsewhere may have flushed the database; load again if so.
    if not AdministrativeUnit.objects.exists():
        units_load()
    return units_loaded


@pytest.fixture
def actor(db, django_user_model):
    return django_user_model.objects.create_user(username="quantri", password="x")
