"""Reporting fixtures: two provinces with communes (the world's agencies A and B are communes of
province 26), a provincial service centre per province with its officers, a scenario of dossiers
in the Decree 09 month ND09-2026-03, and a small PKI made with `cryptography`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from conftest import PASSWORD, VALID_FORM, procedure_data

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = "ND09-2026-03"  # 15/02/2026 – 14/03/2026


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


@dataclass
class Geo:
    p1: Any
    p2: Any
    c1: Any
    c2: Any
    c3: Any
    hcc1: Any
    hcc2: Any
    lead1: Any
    admin1: Any
    handler1: Any
    lead2: Any


@pytest.fixture
def geo(world) -> Geo:
    from chinhquyen.accounts.services import user_create
    from chinhquyen.units.models import AdministrativeUnit, Agency
    from chinhquyen.units.services import agency_create

    def unit(level, code, name, parent=None):
        return AdministrativeUnit.objects.create(
            generation="2025",
            level=level,
            code=code,
            name=name,
            codename=name.lower(),
            division_type=level,
            parent=parent,
            valid_from=dt.date(2025, 7, 1),
            source="test",
        )

    p1 = unit("province", "26", "Tỉnh Thử Nghiệm")
    p2 = unit("province", "27", "Tỉnh Bên Cạnh")
    c1 = unit("commune", "09001", "Phường Thử Nghiệm A", p1)
    c2 = unit("commune", "09002", "Xã Thử Nghiệm B", p1)
    c3 = unit(
        "commune", "99100", "Xã Bên Cạnh", p2
    )  # no real unit has it (the units tests load them all)
    Agency.objects.filter(pk=world.agency_a.pk).update(unit=c1)
    Agency.objects.filter(pk=world.agency_b.pk).update(unit=c2)
    world.agency_a.refresh_from_db()
    world.agency_b.refresh_from_db()
    hcc1 = agency_create(
        agency_id="000.00.00.H26", name="Trung tâm PVHCC tỉnh Thử Nghiệm", kind="ttpvhcc", unit=p1
    )
    hcc2 = agency_create(
        agency_id="000.00.00.H27", name="Trung tâm PVHCC tỉnh Bên Cạnh", kind="ttpvhcc", unit=p2
    )

    def make(username, roles, agency):
        return user_create(
            username=username, password=PASSWORD, full_name=username, roles=roles, agency=agency
        )

    return Geo(
        p1,
        p2,
        c1,
        c2,
        c3,
        hcc1,
        hcc2,
        lead1=make("lanhdaotinh", ["leader"], hcc1),
        admin1=make("quantritinh", ["agency_admin"], hcc1),
        handler1=make("chuyenvientinh", ["handler"], hcc1),
        lead2=make("lanhdaotinh2", ["leader"], hcc2),
    )


def _catalogue(world):
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save

    for code, mode in (("1.000002", "none"), ("1.000003", "partial")):
        procedure_save(data=procedure_data(code, online_mode=mode))
        procedure_link_agencies(
            procedure=Procedure.objects.get(code=code), agencies=[world.agency_a]
        )


def _submit(world, *, agency, when, procedure="1.000001", counter=False):
    from chinhquyen.dossiers.models import Channel
    from chinhquyen.dossiers.services import Applicant, dossier_submit

    if counter:
        return dossier_submit(
            user=world.counter_a,
            procedure_code=procedure,
            agency_id=agency.agency_id,
            form_data=VALID_FORM,
            channel=Channel.COUNTER,
            applicant=Applicant(name="Trần Văn Quầy"),
            at=when,
        )
    return dossier_submit(
        user=world.citizen,
        procedure_code=procedure,
        agency_id=agency.agency_id,
        form_data=VALID_FORM,
        at=when,
    )


def finish(world, dossier, *, accepted, finished, returned=True):
    from chinhquyen.dossiers.services import dossier_act

    steps = [(world.counter_a, "accept", {}, accepted)] if accepted else []
    steps += [
        (world.leader_a, "assign", {"assignee": "chuyenvien"}, accepted or finished),
        (world.leader_a, "approve", {}, finished),
        (world.handler_a, "finish", {}, finished),
    ]
    if returned:
        steps.append((world.counter_a, "return_result", {}, finished))
    for user, action, params, when in steps:
        dossier = dossier_act(user=user, code=dossier.code, action=action, params=params, at=when)
    return dossier


@dataclass
class Scenario:
    on_time: Any
    late: Any


@pytest.fixture
def scenario(world, geo) -> Scenario:
    """Agency A: 3 online dossiers of 1.000001 and 1 at the counter of 1.000002 (75 % online),
    one finished on time and evaluated 12 points, one finished late; agency B: 1 online dossier.
    Province 26: 4 of 5 online (80 %)."""
    from chinhquyen.dossiers.evaluation import INDICATORS
    from chinhquyen.dossiers.services import dossier_evaluate

    _catalogue(world)
    a, b = world.agency_a, world.agency_b
    online = [_submit(world, agency=a, when=at(2026, 3, 2, 9)) for _ in range(3)]
    _submit(world, agency=a, when=at(2026, 3, 2, 10), procedure="1.000002", counter=True)
    _submit(world, agency=b, when=at(2026, 3, 3, 9))
    on_time = finish(world, online[0], accepted=at(2026, 3, 2, 10), finished=at(2026, 3, 4, 10))
    late = finish(world, online[1], accepted=at(2026, 3, 2, 10), finished=at(2026, 3, 13, 16))
    dossier_evaluate(
        user=world.citizen,
        code=on_time.code,
        scores={i["no"]: 2 for i in INDICATORS},
        at=at(2026, 3, 5, 9),
    )
    return Scenario(on_time=on_time, late=late)


# --- PKI ----------------------------------------------------------------------------------------


@dataclass
class Credentials:
    key_pem: bytes
    cert_pem: bytes


@dataclass
class Pki:
    root_pem: bytes
    p1: Credentials  # UID 000.00.00.H26
    p2: Credentials  # UID 000.00.00.H27
    rogue: Credentials  # UID 000.00.00.H26, issued by an untrusted root
    forged: Credentials  # UID 000.00.00.H26, issued with province 27's end-entity key
    forged_chain: list[bytes]  # province 27's (trusted, non-CA) certificate
    intermediate: Credentials  # UID 000.00.00.H26, issued by a trusted intermediate CA
    intermediate_chain: list[bytes]


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert(subject, issuer, public_key, signing_key, *, ca: bool):
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signing_key, hashes.SHA256())
    )


def _name(cn: str, uid: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attrs)


@pytest.fixture(scope="session")
def pki_material() -> Pki:
    def ca(cn):
        key = _key()
        return key, _cert(_name(cn), _name(cn), key.public_key(), key, ca=True)

    root_key, root = ca("CA Thử nghiệm Chính phủ")
    rogue_key, rogue_root = ca("CA Giả mạo")

    def leaf(uid, issuer_key, issuer):
        key = _key()
        cert = _cert(
            _name(f"Cơ quan {uid}", uid), issuer.subject, key.public_key(), issuer_key, ca=False
        )
        return Credentials(_pem(key), cert.public_bytes(serialization.Encoding.PEM))

    p2 = leaf("000.00.00.H27", root_key, root)
    p2_key = serialization.load_pem_private_key(p2.key_pem, password=None)
    p2_cert = x509.load_pem_x509_certificate(p2.cert_pem)
    sub_key = _key()
    sub = _cert(_name("CA trung gian"), root.subject, sub_key.public_key(), root_key, ca=True)
    return Pki(
        root_pem=root.public_bytes(serialization.Encoding.PEM),
        p1=leaf("000.00.00.H26", root_key, root),
        p2=p2,
        rogue=leaf("000.00.00.H26", rogue_key, rogue_root),
        forged=leaf("000.00.00.H26", p2_key, p2_cert),
        forged_chain=[p2.cert_pem],
        intermediate=leaf("000.00.00.H26", sub_key, sub),
        intermediate_chain=[sub.public_bytes(serialization.Encoding.PEM)],
    )


@pytest.fixture
def pki(pki_material, settings) -> Pki:
    settings.REPORTING_TRUST_ROOTS = [pki_material.root_pem.decode()]
    return pki_material
