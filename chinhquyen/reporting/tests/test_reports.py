"""The reporting flow: a province builds and signs its periodic report, the centre verifies and
validates it, keeps every correction, and computes completeness and timeliness."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.reporting import signing, xlsx
from chinhquyen.reporting.models import Report, ReportSubmission, ReportValue
from chinhquyen.reporting.services import report_build, report_receive
from conftest import Api

from .conftest import PERIOD, at

pytestmark = pytest.mark.django_db


def signed(report, creds, chain=()):
    return {
        "report": report,
        "signature": signing.sign(
            report, key_pem=creds.key_pem, cert_pem=creds.cert_pem, chain_pem=list(chain)
        ),
    }


def value_of(report, indicator, unit):
    return next(
        v["value"] for v in report["values"] if v["indicator"] == indicator and v["unit"] == unit
    )


def set_value(report, indicator, unit, value):
    report = copy.deepcopy(report)
    for row in report["values"]:
        if row["indicator"] == indicator and row["unit"] == unit:
            row["value"] = value
            return report
    report["values"].append(
        {"indicator": indicator, "unit": unit, "period": report["period"], "value": value}
    )
    return report


@pytest.fixture
def built(geo, scenario):
    return report_build(sender=geo.hcc1, period=PERIOD)


def test_the_province_report_is_a_data_value_set_of_its_units(world, geo, built):
    units = {v["unit"] for v in built["values"]}
    assert units == {
        "province:26",
        "commune:09001",
        "commune:09002",
        f"agency:{world.agency_a.agency_id}",
        f"agency:{world.agency_b.agency_id}",
        "agency:000.00.00.H26",
    }
    assert {v["period"] for v in built["values"]} == {PERIOD}
    assert value_of(built, "online.dossiers_share", "province:26") == "80"
    assert value_of(built, "dossiers.submitted", "commune:09001") == "4"
    assert value_of(built, "edoc.sent", "province:26") is None


def test_the_build_endpoint_gives_json_and_xlsx_to_provincial_leaders_only(world, geo, scenario):
    api = Api(geo.lead1)
    assert api.get(f"/api/v1/reports/build?period={PERIOD}").json()["unit"] == "province:26"
    resp = api.get(f"/api/v1/reports/build?period={PERIOD}&format=xlsx")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    assert Api(geo.handler1).get(f"/api/v1/reports/build?period={PERIOD}").status_code == 403
    assert Api(world.citizen).get(f"/api/v1/reports/build?period={PERIOD}").status_code == 403


def test_an_accepted_report_is_current_with_its_history_and_audited(geo, pki, built):
    resp = Api(geo.lead1).post("/api/v1/reports", signed(built, pki.p1))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["status"], body["unit"], body["period"], body["seq"]) == (
        "accepted",
        "province:26",
        PERIOD,
        1,
    )
    report = Report.objects.get()
    assert report.current.values.count() == len(built["values"])
    assert (
        ReportValue.objects.get(
            submission=report.current, indicator="online.dossiers_share", unit="province:26"
        ).value
        == 80
    )
    assert AuditRecord.objects.filter(event="report.received").exists()


def test_a_correction_becomes_current_and_the_earlier_version_is_kept(geo, pki, built):
    api = Api(geo.lead1)
    assert api.post("/api/v1/reports", signed(built, pki.p1)).status_code == 201
    first_received = Report.objects.get().first_received_at
    corrected = set_value(built, "dossiers.submitted", "province:26", "6")
    assert api.post("/api/v1/reports", signed(corrected, pki.p1)).json()["seq"] == 2
    assert (
        api.post("/api/v1/reports", signed(corrected, pki.p1)).json()["seq"] == 2
    )  # same report twice
    detail = api.get(f"/api/v1/reports/province:26/{PERIOD}").json()
    assert [h["seq"] for h in detail["history"]] == [1, 2] and detail["current_seq"] == 2
    assert {(v["indicator"], v["unit"]): v["value"] for v in detail["values"]}[
        ("dossiers.submitted", "province:26")
    ] == 6
    assert (
        ReportSubmission.objects.get(seq=1)
        .values.get(indicator="dossiers.submitted", unit="province:26")
        .value
        == 5
    )
    assert Report.objects.get().first_received_at == first_received


def _refusal(api, document, expected=""):
    resp = api.post("/api/v1/reports", document)
    assert resp["Content-Type"] == "application/problem+json", expected
    return resp.status_code, resp.json()


def test_bad_reports_are_refused_with_a_precise_reason_and_the_accepted_one_stays(
    world, geo, pki, built
):
    api = Api(geo.lead1)
    assert api.post("/api/v1/reports", signed(built, pki.p1)).status_code == 201
    accepted = list(ReportValue.objects.values_list("indicator", "unit", "value"))
    future = {**built, "period": f"ND09-{timezone.localdate().year + 1}-01"}
    future["values"] = [{**v, "period": future["period"]} for v in built["values"]]
    tampered = signed(built, pki.p1)
    tampered["report"] = set_value(built, "dossiers.submitted", "province:26", "500")
    cases = [
        (
            signed(set_value(built, "no.such.indicator", "province:26", "1"), pki.p1),
            422,
            "unknown_indicator",
            f"values[{len(built['values'])}]",
        ),
        (
            signed(set_value(built, "dossiers.submitted", "commune:99100", "3"), pki.p1),
            422,
            "unit_outside_authority",
            None,
        ),
        (signed(future, pki.p1), 422, "period_in_future", "period"),
        (tampered, 422, "bad_signature", "signature"),
        (signed(built, pki.rogue), 422, "bad_signature", "signature"),
        (signed(built, pki.p2), 422, "bad_signature", "signature"),
        (
            signed(
                set_value(
                    set_value(built, "edoc.sent", "province:26", "10"),
                    "edoc.signed",
                    "province:26",
                    "11",
                ),
                pki.p1,
            ),
            422,
            "rule_signed_le_sent",
            "values",
        ),
        (
            signed(set_value(built, "dossiers.submitted_online", "province:26", "9"), pki.p1),
            422,
            "rule_online_le_total",
            "values",
        ),
        (
            signed(set_value(built, "online.dossiers_share", "province:26", "101"), pki.p1),
            422,
            "invalid_value",
            None,
        ),
        (
            signed(set_value(built, "dossiers.submitted", "province:26", "-1"), pki.p1),
            422,
            "invalid_value",
            None,
        ),
        (
            signed(set_value(built, "dossiers.submitted", "province:26", 5), pki.p1),
            422,
            "invalid_value",
            None,
        ),
        ({"report": built}, 422, "malformed_report", None),
    ]
    for document, status, code, field in cases:
        got_status, body = _refusal(api, document, code)
        assert (got_status, body["code"]) == (status, code), body
        if field:
            assert field in body["fields"], body
        assert body["title"]
    assert list(ReportValue.objects.values_list("indicator", "unit", "value")) == accepted
    assert Report.objects.get().current.seq == 1


def test_the_rule_message_names_the_unit_and_the_numbers(geo, pki, built):
    _status, body = _refusal(
        Api(geo.lead1),
        signed(set_value(built, "dossiers.submitted_online", "province:26", "9"), pki.p1),
    )
    assert body["fields"]["values"] == [
        "province:26: Số hồ sơ trực tuyến không được lớn hơn tổng số hồ sơ tiếp nhận. (9 > 5)"
    ]


# --- who may submit --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("lead1", 201, None),
        ("admin1", 201, None),
        ("handler1", 403, "not_sender_officer"),
        ("leader_a", 403, "not_sender_officer"),  # a commune's leader, not the province's
        ("lead2", 403, "not_sender_officer"),
        ("sysadmin", 403, "not_sender_officer"),
        ("citizen", 403, "not_sender_officer"),
        ("outsider", 403, "not_sender_officer"),
        (None, 401, "unauthenticated"),
    ],
)
def test_who_may_submit_the_report_of_province_26(world, geo, pki, built, persona, status, code):
    user = (getattr(geo, persona, None) or getattr(world, persona)) if persona else None
    resp = (Api(user) if user else Api()).post("/api/v1/reports", signed(built, pki.p1))
    assert resp.status_code == status
    if code:
        assert resp.json()["code"] == code


def test_a_province_cannot_report_for_another_province(geo, pki, built):
    foreign = {**built, "sender": "000.00.00.H27"}
    status, body = _refusal(Api(geo.lead2), signed(foreign, pki.p2))
    assert (status, body["code"]) == (403, "unit_outside_authority")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("lead1", 200), ("sysadmin", 200), ("lead2", 404), ("counter_a", 404), ("citizen", 404)],
)
def test_who_may_read_a_received_report(world, geo, pki, built, persona, status):
    report_receive(user=geo.lead1, document=signed(built, pki.p1))
    user = getattr(geo, persona, None) or getattr(world, persona)
    assert Api(user).get(f"/api/v1/reports/province:26/{PERIOD}").status_code == status


# --- XLSX by hand ----------------------------------------------------------------------------


def test_a_signed_xlsx_round_trips_to_the_same_signed_json(geo, pki, built):
    document = signed(built, pki.p1)
    content = xlsx.report_to_xlsx(document)
    assert xlsx.report_from_xlsx(content) == {
        **document,
        "signature": {**document["signature"], "chain": []},
    }
    upload = SimpleUploadedFile("bao-cao.xlsx", content)
    resp = Api(geo.lead1).upload("/api/v1/reports/xlsx", {"file": upload})
    assert resp.status_code == 201, resp.content
    assert ReportSubmission.objects.get().channel == "xlsx"


def test_a_file_that_is_not_a_workbook_is_refused(geo, pki):
    resp = Api(geo.lead1).upload(
        "/api/v1/reports/xlsx", {"file": SimpleUploadedFile("x.xlsx", b"not a zip")}
    )
    assert resp.status_code == 422 and resp.json()["code"] == "malformed_report"


def test_the_sign_command_writes_a_document_the_centre_accepts(geo, pki, built, tmp_path):
    from django.core.management import call_command

    (tmp_path / "r.json").write_text(json.dumps(built, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "k.pem").write_bytes(pki.p1.key_pem)
    (tmp_path / "c.pem").write_bytes(pki.p1.cert_pem)
    call_command(
        "reporting",
        "sign",
        str(tmp_path / "r.json"),
        key=str(tmp_path / "k.pem"),
        cert=str(tmp_path / "c.pem"),
        out=str(tmp_path / "s.json"),
    )
    document = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert report_receive(user=geo.lead1, document=document).seq == 1


# --- completeness and timeliness -------------------------------------------------------------


def test_completeness_is_computed_from_what_arrived(world, geo, pki, built):
    report_receive(user=geo.lead1, document=signed(built, pki.p1), at=at(2026, 3, 16, 9))
    body = Api(world.sysadmin).get(f"/api/v1/reports/completeness?period={PERIOD}").json()
    statuses = {r["unit"]["key"]: r["status"] for r in body["rows"]}
    assert statuses == {"province:26": "on_time", "province:27": "missing"}
    assert (body["expected"], body["received"], body["on_time"], body["late"], body["missing"]) == (
        2,
        1,
        1,
        0,
        1,
    )


def test_a_report_after_the_due_date_is_late_and_a_correction_does_not_change_that(
    world, geo, pki, built
):
    api = Api(geo.lead1)
    api.post("/api/v1/reports", signed(built, pki.p1))  # today: months after the cut-off
    api.post(
        "/api/v1/reports",
        signed(set_value(built, "dossiers.submitted", "province:26", "6"), pki.p1),
    )
    rows = Api(world.counter_a).get(f"/api/v1/reports/completeness?period={PERIOD}").json()["rows"]
    assert [(r["status"], r["corrections"]) for r in rows if r["unit"]["key"] == "province:26"] == [
        ("late", 1)
    ]


def test_reports_not_yet_due_are_pending(world, geo):
    period = f"ND09-{timezone.localdate().year + 1}-Q1"
    body = Api(world.sysadmin).get(f"/api/v1/reports/completeness?period={period}").json()
    assert body["pending"] == 2 and body["missing"] == 0


def test_completeness_is_asked_for_a_decree_09_period(world, geo):
    resp = Api(world.sysadmin).get("/api/v1/reports/completeness?period=2026-Q1")
    assert resp.status_code == 422 and resp.json()["code"] == "not_a_report_period"


def test_completeness_is_for_officers(world, geo):
    assert (
        Api(world.citizen).get(f"/api/v1/reports/completeness?period={PERIOD}").status_code == 403
    )
    assert Client().get(f"/api/v1/reports/completeness?period={PERIOD}").status_code == 401


# --- the central side reads what the provinces reported ---------------------------------------


def test_the_centre_ranks_and_answers_from_accepted_reports(world, geo, pki, built):
    from chinhquyen.reporting.models import DailyCounter

    report_receive(
        user=geo.lead1,
        document=signed(set_value(built, "online.dossiers_share", "province:26", "55.5"), pki.p1),
    )
    DailyCounter.objects.all().delete()  # the centre has no dossiers of its own
    rows = (
        Client().get(f"/api/v1/indicators/ranking?period={PERIOD}&source=reported").json()["rows"]
    )
    assert [(r["unit"]["key"], r["value"], r["meets_target"]) for r in rows] == [
        ("province:26", 55.5, False),
        ("province:27", None, None),
    ]
    assert rows[1]["no_data_reason"] == "Chưa nhận được báo cáo của đơn vị cho kỳ này."
    v = (
        Client()
        .get(f"/api/v1/indicators?unit=commune:09001&period={PERIOD}&source=reported")
        .json()
    )
    by_code = {r["indicator"]: r["value"] for r in v["values"]}
    assert v["source"] == "reported" and by_code["online.dossiers_share"] == 75
    query = f"period={PERIOD}&source=reported&indicator=online.dossiers_share"
    html = Client().get(f"/bao-cao/?{query}").content.decode()
    assert "0/1 tỉnh, thành phố đạt tiêu chí." in html


def test_an_unknown_source_is_a_problem(world, geo):
    resp = Client().get(f"/api/v1/indicators?unit=nation&period={PERIOD}&source=guess")
    assert resp.status_code == 422 and resp.json()["code"] == "unknown_source"


def test_a_certificate_issued_through_an_intermediate_ca_is_accepted(geo, pki, built):
    document = signed(built, pki.intermediate, pki.intermediate_chain)
    assert report_receive(user=geo.lead1, document=document).seq == 1


def test_an_agency_cannot_mint_a_certificate_in_another_agencys_name(geo, pki, built):
    status, body = _refusal(Api(geo.lead1), signed(built, pki.forged, pki.forged_chain))
    assert (status, body["code"]) == (422, "bad_signature")
    assert "tin cậy" in body["title"]
    assert not Report.objects.exists()
