"""pytest fixtures for a real PKI on loopback (CA, CRL, OCSP, RFC 3161 TSA) and a simulated
remote signing provider.

Registered for the whole suite by the root conftest (`pytest_plugins`).

``loopback_pki`` (session scope) yields a started
:class:`chinhquyen.signatures.testing.loopback.LoopbackPKI`; the CA services run in a child
process on 127.0.0.1 and stop at the end of the session. See that module for its API.

``signing_simulator`` (session scope) yields a started
:class:`chinhquyen.signatures.testing.remote.RemoteSigningSimulator` (a child process too);
``remote_identity`` registers leader A of the ``world`` personas there and points the settings
at it; ``remote_seal_identity`` does the same for agency A's seal.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def loopback_pki(tmp_path_factory):
    from chinhquyen.signatures.testing.loopback import LoopbackPKI

    pki = LoopbackPKI(workdir=tmp_path_factory.mktemp("loopback-pki"))
    with pki:
        yield pki


@pytest.fixture(scope="session")
def signing_simulator(loopback_pki, tmp_path_factory):
    """A remote signing provider simulator (``testing/remote.py``) in a child process on
    loopback, issuing its users' certificates under the loopback root. Shared by the session:
    ``remote_identity`` resets its transactions and knobs for each test."""
    from chinhquyen.signatures.testing.remote import RemoteSigningSimulator

    sim = RemoteSigningSimulator(
        ca_cert_pem=loopback_pki.root_cert_pem,
        ca_key_pem=loopback_pki.root_key_pem,
        workdir=tmp_path_factory.mktemp("remote-signing"),
    )
    with sim:
        yield sim


REMOTE_LEADER = "lanhdao-a"  # leader A's account at the simulated provider
REMOTE_SEAL = "con-dau-a"  # agency A's seal account at the simulated provider


def remote_settings(settings, sim) -> None:
    """Point the remote signing settings at the simulator ``sim``."""
    settings.SIGNATURES_REMOTE_URL = sim.url
    settings.SIGNATURES_REMOTE_CLIENT_ID = sim.client_id
    settings.SIGNATURES_REMOTE_CLIENT_SECRET = sim.client_secret
    settings.SIGNATURES_REMOTE_TIMEOUT = 5


@pytest.fixture
def remote_identity(db, world, settings, loopback_pki, signing_simulator):
    """Leader A's personal identity at the simulated provider (``storage = "remote"``),
    registered through ``services.identity_register_remote``; the loopback root is trusted and
    the simulator's transactions and knobs are reset. Confirm in the "app" with
    ``signing_simulator.confirm(REMOTE_LEADER, tx)`` or ``configure(auto_confirm_after=0)``."""
    from chinhquyen.signatures import services
    from chinhquyen.signatures.testing import samples

    signing_simulator.reset()
    remote_settings(settings, signing_simulator)
    services.ca_trust(name="Loopback Root", certificate_pem=loopback_pki.root_cert_pem.decode())
    signing_simulator.enrol(
        REMOTE_LEADER,
        common_name="Lãnh Đạo A",
        identifier="031090000011",
        organisation=world.agency_a.name,
        title="Chủ tịch",
    )
    return services.identity_register_remote(
        remote_user_id=REMOTE_LEADER,
        label="lanhdao-a-tu-xa",
        kind="personal",
        agency=world.agency_a,
        user=world.leader_a,
        image_png=samples.blue_signature_png(),
    )


@pytest.fixture
def remote_seal_identity(db, world, remote_identity, signing_simulator):
    """Agency A's seal at the simulated provider (an organisation certificate)."""
    from chinhquyen.signatures import services
    from chinhquyen.signatures.testing import samples

    signing_simulator.enrol(
        REMOTE_SEAL,
        common_name=world.agency_a.name,
        kind="agency",
        identifier="MST:0100000011",
        organisation=world.agency_a.name,
    )
    return services.identity_register_remote(
        remote_user_id=REMOTE_SEAL,
        label="con-dau-a-tu-xa",
        kind="agency",
        agency=world.agency_a,
        image_png=samples.red_seal_png(),
    )
