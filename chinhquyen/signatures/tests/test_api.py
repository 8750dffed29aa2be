"""The JSON API, the verification page and the ``verify`` / ``pki`` commands."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from chinhquyen.signatures import services, signing
from chinhquyen.signatures.models import CertificateAuthority, SigningIdentity
from chinhquyen.signatures.testing import samples

VALIDATE = "/api/v1/signatures/validate"
SIGN = "/api/v1/signatures/sign"


def upload(data: bytes, name: str = "van-ban.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def fully_signed(world, identities, decision, box):
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    return services.document_sign(user=world.counter_a, data=personal, mode="agency").content


def test_validate_returns_the_report_without_login(fully_signed):
    resp = Client().post(VALIDATE, {"file": upload(fully_signed)})

    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["indication"] == "TOTAL_PASSED"
    assert body["personal_valid"] and body["agency_valid"] and body["decree30_ok"]
    assert [s["kind"] for s in body["signatures"]] == ["personal", "agency"]
    assert body["signatures"][0]["signer"]["common_name"] == "Lãnh Đạo A"
    assert body["signatures"][1]["covers_whole_file"] is True


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"plain text, not a PDF", "not_pdf"),
        (b"%PDF-1.7\n\x00\x01 broken", "pdf_unreadable"),
        (b"", "not_pdf"),
    ],
)
def test_validate_refuses_unreadable_files_with_422_on_file(trusted_loopback, data, code):
    resp = Client().post(VALIDATE, {"file": upload(data)})

    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    body = resp.json()
    assert body["code"] == code and body["fields"]["file"]


def test_validate_without_a_file_is_422_on_file(trusted_loopback):
    resp = Client().post(VALIDATE, {})
    assert resp.status_code == 422
    assert "file" in resp.json()["fields"]


def test_validate_refuses_files_over_the_limit(trusted_loopback, sig_settings, decision):
    sig_settings.SIGNATURES_MAX_UPLOAD_BYTES = 1000
    resp = Client().post(VALIDATE, {"file": upload(decision)})
    assert resp.status_code == 422
    assert resp.json()["code"] == "file_too_large"


def test_sign_api_signs_personally_then_as_agency(world, identities, api, decision, box):
    leader, counter = api(world.leader_a), api(world.counter_a)

    refused = counter.upload(SIGN, {"file": upload(decision), "mode": "agency"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "personal_signature_required"

    resp = leader.upload(
        SIGN,
        {"file": upload(decision), "mode": "personal", "page": "1", "box": ",".join(map(str, box))},
    )
    assert resp.status_code == 200, resp.content
    assert resp["Content-Type"] == "application/pdf"
    assert resp["X-Signature-Field"] == "ChuKyCaNhan1"

    sealed = counter.upload(SIGN, {"file": upload(resp.content), "mode": "agency"})
    assert sealed.status_code == 200, sealed.content
    body = Client().post(VALIDATE, {"file": upload(sealed.content)}).json()
    assert body["decree30_ok"]


def test_sign_api_needs_login_and_a_valid_box(world, identities, api, decision):
    assert Client().post(SIGN, {"file": upload(decision)}).status_code == 401
    resp = api(world.leader_a).upload(SIGN, {"file": upload(decision), "box": "1,2,3"})
    assert resp.status_code == 422 and resp.json()["fields"]["box"]


def test_a_person_without_a_certificate_cannot_sign(world, identities, api, decision, box):
    resp = api(world.handler_a).upload(
        SIGN, {"file": upload(decision), "mode": "personal", "box": ",".join(map(str, box))}
    )
    assert resp.status_code == 404
    assert resp.json()["code"] == "no_personal_identity"


def test_verification_page_shows_the_verdict_in_vietnamese(fully_signed):
    client = Client()
    page = client.get("/chu-ky-so/kiem-tra/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode() and "Kiểm tra chữ ký số" in page.content.decode()

    resp = client.post("/chu-ky-so/kiem-tra/", {"file": upload(fully_signed)})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "Tất cả 2 chữ ký số của tài liệu hợp lệ." in html
    assert "Đúng thể thức chữ ký số theo Nghị định 30/2020." in html
    assert "Chữ ký cá nhân" in html and "Chữ ký cơ quan" in html and "Lãnh Đạo A" in html


def test_verification_page_explains_a_bad_upload(trusted_loopback):
    resp = Client().post("/chu-ky-so/kiem-tra/", {"file": upload(b"not a pdf", "a.txt")})
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "Hãy chọn một tệp PDF." in html and 'aria-invalid="true"' in html


def test_verify_command_prints_text_and_json(fully_signed, tmp_path, capsys):
    path = tmp_path / "signed.pdf"
    path.write_bytes(fully_signed)

    call_command("verify", str(path))
    text = capsys.readouterr().out
    assert "Kết luận: Hợp lệ (TOTAL_PASSED)" in text
    assert "Thể thức Nghị định 30: ĐẠT" in text

    call_command("verify", str(path), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["decree30_ok"] is True


def test_verify_command_exits_non_zero_on_a_bad_signature(trusted_loopback, tmp_path, decision):
    path = tmp_path / "unsigned.pdf"
    path.write_bytes(decision)
    with pytest.raises(SystemExit) as exc:
        call_command("verify", str(path))
    assert exc.value.code == 1


def test_pki_commands_create_a_ca_and_issue_certificates_that_sign(
    world, sig_settings, tmp_path, capsys
):
    seal = tmp_path / "seal.png"
    seal.write_bytes(samples.red_seal_png())
    sig = tmp_path / "sig.png"
    sig.write_bytes(samples.blue_signature_png())

    call_command("pki", "init-ca", "--name", "CQ Dev Root")
    call_command(
        "pki",
        "issue-agency",
        "--ca",
        "CQ Dev Root",
        "--agency",
        world.agency_a.agency_id,
        "--label",
        "dau-a",
        "--identifier",
        "MNS:1234567",
        "--image",
        str(seal),
    )
    call_command(
        "pki",
        "issue-personal",
        "--ca",
        "CQ Dev Root",
        "--agency",
        world.agency_a.agency_id,
        "--user",
        world.leader_a.username,
        "--name",
        "Nguyễn Văn Lãnh",
        "--label",
        "lanh-dao-a",
        "--identifier",
        "031090000111",
        "--title",
        "Chủ tịch",
        "--image",
        str(sig),
    )
    call_command("pki", "list")
    listing = capsys.readouterr().out
    assert "CQ Dev Root" in listing and "dau-a" in listing and "lanh-dao-a" in listing

    ca = CertificateAuthority.objects.get(name="CQ Dev Root")
    assert ca.can_issue and (tmp_path / "keys" / ca.key_path).read_bytes().startswith(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
    )
    person = SigningIdentity.objects.get(label="lanh-dao-a")
    assert "CCCD:031090000111" in person.subject

    decision, box = samples.decision_pdf(), samples.decision_box().as_tuple()
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    sealed = services.document_sign(user=world.counter_a, data=personal, mode="agency").content
    from chinhquyen.signatures.validation import validate_pdf

    report = validate_pdf(sealed)
    assert report.personal_valid and report.agency_valid and report.decree30_ok
    assert report.signatures[0].signer.common_name == "Nguyễn Văn Lãnh"


def test_pki_import_p12_command_and_wrong_password(
    world, sig_settings, loopback_pki, tmp_path, monkeypatch
):
    from django.core.management.base import CommandError

    from .conftest import p12_of

    path = tmp_path / "vnpt.p12"
    path.write_bytes(p12_of(loopback_pki.identity("personal_b"), loopback_pki.root_cert_pem, "mk"))
    monkeypatch.setenv("P12_PASS", "wrong")
    args = [
        "pki",
        "import-p12",
        str(path),
        "--password-env",
        "P12_PASS",
        "--kind",
        "personal",
        "--agency",
        world.agency_b.agency_id,
        "--user",
        world.leader_b.username,
        "--label",
        "lanh-dao-b",
    ]
    with pytest.raises(CommandError, match="sai mật khẩu"):
        call_command(*args)
    monkeypatch.setenv("P12_PASS", "mk")
    call_command(*args)
    ident = SigningIdentity.objects.get(label="lanh-dao-b")
    assert ident.kind == "personal" and ident.chain_pem.startswith("-----BEGIN CERTIFICATE")


def test_signing_helpers_refuse_a_page_out_of_range(loopback_pki, decision, box):
    from chinhquyen.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        signing.sign_personal(
            decision,
            signer=loopback_pki.signer("personal"),
            image_png=samples.blue_signature_png(),
            page_ix=3,
            box=box,
        )


def test_sign_api_answers_through_a_strict_wsgi_server(world, identities, api, decision, box):
    """A WSGI server takes only plain ``str`` header values (wsgiref's validator, like gunicorn
    under ``make run``): the field name pyHanko hands back must not leak in as its subclass."""
    import io
    from wsgiref.validate import validator

    from django.core.signals import request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    token = api(world.leader_a).headers["Authorization"]
    body = encode_multipart(
        BOUNDARY,
        {"file": upload(decision), "mode": "personal", "page": "1", "box": ",".join(map(str, box))},
    )
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": SIGN,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_AUTHORIZATION": token,
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)
        return lambda chunk: None

    # As Django's own test client does: a request would otherwise close this test's connection
    # (request_started → close_old_connections), which holds the test's transaction.
    request_started.disconnect(close_old_connections)
    try:
        result = validator(get_wsgi_application())(environ, start_response)
        content = b"".join(result)
        result.close()
    finally:
        request_started.connect(close_old_connections)
    assert seen["status"].startswith("200"), content[:300]
    assert seen["headers"]["X-Signature-Field"] == "ChuKyCaNhan1"
    assert type(seen["headers"]["X-Signature-Field"]) is str
