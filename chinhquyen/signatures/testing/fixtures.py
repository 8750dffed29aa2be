"""pytest fixtures for a real PKI on loopback (CA, CRL, OCSP, RFC 3161 TSA).

Registered for the whole suite by the root conftest (`pytest_plugins`).

``loopback_pki`` (session scope) yields a started
:class:`chinhquyen.signatures.testing.loopback.LoopbackPKI`; the CA services run in a child
process on 127.0.0.1 and stop at the end of the session. See that module for its API.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def loopback_pki(tmp_path_factory):
    from chinhquyen.signatures.testing.loopback import LoopbackPKI

    pki = LoopbackPKI(workdir=tmp_path_factory.mktemp("loopback-pki"))
    with pki:
        yield pki
