"""The verification page in plain Vietnamese: the verdict, who signed, who issued the
certificate, when, whether the document changed after, the Decree 30 format explained — and the
ETSI terms only inside "Thông tin kỹ thuật"."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chinhquyen.signatures import services
from chinhquyen.signatures.models import CertificateAuthority
from chinhquyen.signatures.testing import samples

URL = "/chu-ky-so/kiem-tra/"
ETSI_TERMS = (
    "TOTAL_PASSED",
    "TOTAL_FAILED",
    "INDETERMINATE",
    "NO_CERTIFICATE_CHAIN_FOUND",
    "SIG_CONSTRAINTS_FAILURE",
    "ChuKyCaNhan1",
    "ChuKyCoQuan1",
    "ENTIRE_FILE",
    "ENTIRE_REVISION",
    "PAdES",
    "Common Name",
    "Organization",
)


@pytest.fixture
def fully_signed(world, identities, decision, box):
    personal = services.document_sign(
        user=world.leader_a, data=decision, mode="personal", box=box
    ).content
    return services.document_sign(user=world.counter_a, data=personal, mode="agency").content


def verify(data: bytes) -> tuple[str, str]:
    """The page's answer: the part for everyone, and the technical details."""
    response = Client().post(URL, {"file": SimpleUploadedFile("van-ban.pdf", data)})
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    main = html[html.index('id="verdict"') :]
    start = main.index('<details class="technical">')
    end = main.index("</details>") + len("</details>")
    return main[:start] + main[end:], main[start:end]


def test_a_valid_document_is_reported_in_plain_vietnamese(fully_signed):
    plain, technical = verify(fully_signed)
    assert '<strong class="verdict-text" data-testid="verdict">Chữ ký hợp lệ</strong>' in plain
    assert "Tất cả 2 chữ ký số của tài liệu hợp lệ." in plain
    for words in (
        "Chữ ký 1: Chữ ký cá nhân (người có thẩm quyền)",
        "Chữ ký 2: Chữ ký của cơ quan, tổ chức (con dấu)",
        "<dt>Người ký</dt><dd>Lãnh Đạo A",
        "<dt>Cơ quan cấp</dt>",
        "<dt>Thời điểm ký</dt>",
        "<dt>Dấu thời gian</dt>",
        "Tài liệu không bị sửa đổi sau khi ký",
        "Có hình ảnh chữ ký, ở trang 1",
        "Có hình ảnh con dấu, ở trang 1",
        "Đúng thể thức chữ ký số theo Nghị định 30/2020.",
        "Hình con dấu trùm khoảng 1/3 hình chữ ký về phía bên trái.",
    ):
        assert words in plain, words
    # The issuing authority by its name, not an X.500 dump.
    issuer = re.search(r"<dt>Cơ quan cấp</dt><dd>([^<]+)<", plain).group(1)
    assert issuer.strip() and ":" not in issuer
    # Times in the Vietnamese order: 14:05:12 ngày 07/12/2026.
    assert re.search(r"<dt>Thời điểm ký</dt><dd>\d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4}", plain)
    for term in ETSI_TERMS:
        assert term not in plain, term
    assert "Thông tin kỹ thuật (ETSI EN 319 102-1)" in technical
    for term in ("TOTAL_PASSED", "ChuKyCaNhan1", "ChuKyCoQuan1", "ENTIRE_FILE", "B-B"):
        assert term in technical, term


def test_a_document_changed_after_signing_is_not_valid_and_the_page_says_why(fully_signed):
    plain, technical = verify(fully_signed + b"%dong them sau khi ky\n")
    assert ">Chữ ký không hợp lệ</strong>" in plain
    assert "Tài liệu đã bị thêm hoặc sửa nội dung sau khi ký." in plain
    assert "Chưa đúng thể thức chữ ký số theo Nghị định 30/2020." in plain
    for term in ETSI_TERMS:
        assert term not in plain, term
    assert "TOTAL_FAILED" in technical and "SIG_CONSTRAINTS_FAILURE" in technical


def test_a_certificate_of_an_unknown_authority_cannot_be_judged(fully_signed):
    CertificateAuthority.objects.update(is_trusted=False)
    plain, technical = verify(fully_signed)
    assert ">Chưa xác định được</strong>" in plain
    assert "Chứng thư số không thuộc tổ chức cung cấp dịch vụ tin cậy nào." in plain
    assert "Chưa đủ căn cứ để kết luận chữ ký hợp lệ hay không." in plain
    assert "NO_CERTIFICATE_CHAIN_FOUND" not in plain and "NO_CERTIFICATE_CHAIN_FOUND" in technical


def test_an_unsigned_document_says_so(trusted_loopback):
    plain, _technical = verify(samples.decision_pdf())
    assert ">Tài liệu không có chữ ký số</strong>" in plain
    assert "Tệp PDF này không có chữ ký số nào để kiểm tra." in plain
    assert "Chưa đúng thể thức chữ ký số theo Nghị định 30/2020." in plain
