"""Administrative units are loaded once for this package's tests (a few seconds; loading them in
every test would cost minutes), inside a transaction that is rolled back when the package's last
test is done: every test here sees them, none can leave them changed (each test's own transaction
is a savepoint inside it), and no other package's tests see them (reporting's count provinces).

Tests in this package must not be transactional (``transactional_db``, ``live_server``): they
would run inside that transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from chinhquyen.units.models import AdministrativeUnit
from chinhquyen.units.services import units_load


@pytest.fixture(scope="package")
def units_loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            report = units_load()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield report
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def units(units_loaded, db) -> dict:
    # Cheap insurance: the units are in the package's transaction unless something removed them.
    if not AdministrativeUnit.objects.exists():
        units_load()
    return units_loaded


@pytest.fixture
def actor(db, django_user_model):
    return django_user_model.objects.create_user(username="quantri", password="x")
