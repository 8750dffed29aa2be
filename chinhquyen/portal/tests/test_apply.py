"""Applying online through the portal's pages: draft, errors per field, review, one dossier."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chinhquyen.dossiers.models import Dossier, DossierFile
from chinhquyen.portal.models import ApplicationDraft
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/nop-ho-so/1.000001/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FILLED = {
    "agency": "000.01.31.H26",
    "ho_ten": "Nguyễn Văn Bé",
    "ngay_sinh": "2026-01-15",
    "so_cccd": "031090001234",
    "gioi_tinh": "nam",
}


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def pdf(name="to-khai.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def review(client, fields=None):
    response = client.post(URL, {**(fields or FILLED), "_action": "review"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kiểm tra lại hồ sơ" in html, html
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    payload = response.context["payload"]
    return {"_action": "submit", "token": token, "agency": FILLED["agency"], "payload": payload}


def test_the_procedure_page_offers_online_application_with_the_agency_choice(world):
    html = Client().get("/thu-tuc/1.000001/").content.decode()
    assert 'action="/nop-ho-so/1.000001/"' in html
    assert "Nộp trực tuyến" in html
    assert f'<option value="{world.agency_b.agency_id}">' in html


def test_applying_asks_to_sign_in_first(world):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=/nop-ho-so/1.000001/")


def test_an_officer_cannot_apply_online(world):
    assert client_for(world.counter_a).get(URL).status_code == 403


def test_the_form_is_drawn_from_the_procedure_versions_schema(world):
    html = client_for(world.citizen).get(URL + "?agency=000.02.31.H26").content.decode()
    assert '<input type="text" id="f-ho_ten" name="ho_ten"' in html
    assert '<input type="date" id="f-ngay_sinh"' in html
    assert '<option value="000.02.31.H26" selected>' in html
    assert 'name="_add" value="thanh_vien"' in html


def test_a_saved_draft_is_restored_when_the_page_is_opened_again(world):
    client = client_for(world.citizen)
    response = client.post(URL, {**FILLED, "ho_ten": "Bé Nháp", "_action": "save"})
    assert response.status_code == 302
    draft = ApplicationDraft.objects.get(user=world.citizen, procedure_code="1.000001")
    assert draft.data["ho_ten"] == "Bé Nháp"
    assert draft.agency_id == "000.01.31.H26"

    html = client.get(URL).content.decode()
    assert 'name="ho_ten" value="Bé Nháp"' in html
    assert "Đã khôi phục bản nháp" in html
    assert Dossier.objects.count() == 0


def test_a_draft_is_saved_even_when_it_is_incomplete(world):
    client = client_for(world.citizen)
    client.post(URL, {"so_cccd": "12", "_action": "save"})
    assert ApplicationDraft.objects.get(user=world.citizen).data == {"so_cccd": "12"}


def test_errors_are_shown_per_field_with_a_summary_and_nothing_typed_is_lost(world):
    client = client_for(world.citizen)
    response = client.post(
        URL,
        {
            "agency": "",
            "ho_ten": "Bé",
            "ngay_sinh": "",
            "so_cccd": "12ab",
            "thanh_vien[0].ten": "An",
            "thanh_vien[1].ten": "",
            "thanh_vien.__n": "2",
            "_action": "review",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Có thông tin chưa hợp lệ" in html
    assert '<a href="#f-agency">Nơi nộp hồ sơ: Chọn nơi nộp hồ sơ.</a>' in html
    assert '<a href="#f-ngay_sinh">Ngày sinh: Bắt buộc nhập.</a>' in html
    assert (
        '<p class="error" id="f-so_cccd-error">Cần đúng 12 chữ số, không có chữ cái hay dấu cách.</p>'
        in html
    )
    assert '<a href="#f-thanh_vien-1--ten">Thành viên 2 › Tên: Bắt buộc nhập.</a>' in html
    # Kept as typed.
    assert 'name="ho_ten" value="Bé"' in html
    assert 'name="so_cccd" value="12ab"' in html
    assert 'name="thanh_vien[0].ten" value="An"' in html
    assert Dossier.objects.count() == 0


def test_the_add_and_remove_buttons_rerender_the_group_with_the_values_kept(world):
    client = client_for(world.citizen)
    html = client.post(
        URL, {**FILLED, "thanh_vien[0].ten": "An", "thanh_vien.__n": "1", "_add": "thanh_vien"}
    ).content.decode()
    assert 'name="thanh_vien[0].ten" value="An"' in html
    assert 'name="thanh_vien[1].ten" value=""' in html
    assert 'name="ho_ten" value="Nguyễn Văn Bé"' in html
    assert "Có thông tin chưa hợp lệ" not in html

    html = client.post(
        URL,
        {
            **FILLED,
            "thanh_vien[0].ten": "An",
            "thanh_vien[1].ten": "Bình",
            "_remove": "thanh_vien[0]",
        },
    ).content.decode()
    assert 'name="thanh_vien[0].ten" value="Bình"' in html
    assert "thanh_vien[1].ten" not in html


def test_the_review_shows_what_was_entered_and_asks_for_the_documents(world):
    client = client_for(world.citizen)
    response = client.post(URL, {**FILLED, "_action": "review"})
    html = response.content.decode()
    assert "Nguyễn Văn Bé" in html and "15/01/2026" in html and ">Nam<" in html
    assert 'type="file" id="f-file-to-khai" name="file-to-khai"' in html
    assert "UBND phường Thử Nghiệm A" in html
    assert Dossier.objects.count() == 0


def test_submitting_creates_one_dossier_even_when_the_final_post_is_repeated(world):
    client = client_for(world.citizen)
    client.post(URL, {**FILLED, "_action": "save"})
    form = review(client)

    first = client.post(URL, {**form, "file-to-khai": pdf(), "file-cccd": pdf("cccd.pdf")})
    second = client.post(URL, {**form, "file-to-khai": pdf(), "file-cccd": pdf("cccd.pdf")})

    dossier = Dossier.objects.get()
    assert dossier.applicant == world.citizen
    assert dossier.channel == 2
    assert dossier.form_data == {k: v for k, v in FILLED.items() if k != "agency"}
    assert sorted(DossierFile.objects.values_list("document_code", flat=True)) == [
        "cccd",
        "to-khai",
    ]
    done = f"/ho-so-cua-toi/{dossier.code}/da-nop/"
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == done
    assert not ApplicationDraft.objects.exists()

    html = client.get(done).content.decode()
    assert dossier.code in html
    assert f'href="/tra-cuu/{dossier.code}"' in html
    assert 'href="/ho-so-cua-toi/"' in html


def test_a_file_of_the_wrong_type_is_refused_in_vietnamese_and_no_dossier_is_created(world):
    client = client_for(world.citizen)
    form = review(client)
    fake = SimpleUploadedFile(
        "to-khai.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client.post(URL, {**form, "file-to-khai": fake})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chỉ nhận PDF, JPEG hoặc PNG" in html
    assert '<a href="#f-file-to-khai">' in html
    assert Dossier.objects.count() == 0
    assert DossierFile.objects.count() == 0
    # The data is still there for another try with the same token.
    assert json.loads(response.context["payload"])["ho_ten"] == "Nguyễn Văn Bé"
    response = client.post(URL, {**form, "file-to-khai": pdf()})
    assert response.status_code == 302
    assert Dossier.objects.count() == 1


def test_a_required_document_missing_is_asked_for(world):
    client = client_for(world.citizen)
    form = review(client)
    html = client.post(URL, form).content.decode()
    assert "Bắt buộc tải lên giấy tờ này." in html
    assert Dossier.objects.count() == 0


def test_a_procedure_not_offered_online_has_no_form(world):
    from chinhquyen.catalogue.services import procedure_save
    from conftest import procedure_data

    procedure_save(data=procedure_data("1.000002", online_mode="none"))
    html = client_for(world.citizen).get("/nop-ho-so/1.000002/").content.decode()
    assert "chưa nhận hồ sơ trực tuyến" in html
    assert "Nộp trực tuyến" not in Client().get("/thu-tuc/1.000002/").content.decode()


def test_a_form_posted_after_the_session_expired_comes_back_filled_in_after_signing_in(world):
    client = client_for(world.citizen)
    client.get(URL)
    client.logout()  # the session expired while the citizen was typing
    response = client.post(
        URL, {"agency": "000.01.31.H26", "ho_ten": "Bé Hết Phiên", "_action": "review"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")
    assert Dossier.objects.count() == 0
    login = client.post(
        response["Location"], {"username": world.citizen.username, "password": PASSWORD}
    )
    assert login["Location"] == f"{URL}?khoi_phuc=1"
    html = client.get(login["Location"]).content.decode()
    assert "Phiên đăng nhập đã hết hạn" in html
    assert 'value="Bé Hết Phiên"' in html
    assert re.search(r'<option value="000.01.31.H26"[^>]*selected', html)
    # once restored, the page is back to normal
    assert "Bé Hết Phiên" not in client.get(URL).content.decode()
