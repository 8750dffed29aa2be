"""Process-level tests of the documented deployment (deploy/): gunicorn with
deploy/gunicorn.conf.py and the production profile, nginx from deploy/nginx/, a PostgreSQL
cluster of their own. Nothing here uses the test database or the machine's services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .processes import Cluster, cluster, migrate, server_env


@pytest.fixture(scope="session")
def migrated_cluster() -> Iterator[Cluster]:
    """A throw-away PostgreSQL cluster on a free port with the project's schema (about 30 s)."""
    with cluster() as c:
        c.createdb()
        migrate(server_env(c.url()))
        yield c
