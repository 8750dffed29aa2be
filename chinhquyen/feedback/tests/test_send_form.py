"""The sending form locates feedback by choosing (province → commune, the street in words, or
the device's position) and names the procedure by choosing it by name — never by typing
coordinates or codes; and it works without JavaScript, the server offering the choices."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chinhquyen.feedback import services
from chinhquyen.feedback.models import Feedback
from chinhquyen.units.services import agency_update

pytestmark = pytest.mark.django_db

URL = "/phan-anh/gui/"


def form(**kw):
    data = {
        "kind": "thu-tuc",
        "procedure_code": "1.000001",
        "description": "Vỉa hè trước nhà văn hóa bị sụt, người đi bộ phải xuống lòng đường.",
        "sender_name": "Trần Thị Mơ",
        "form_token": "tok-send",
        "_action": "send",
    }
    data.update(kw)
    return data


def test_the_form_asks_for_places_and_procedures_in_words_not_codes_or_coordinates(world, units):
    html = Client().get(URL).content.decode()
    assert "Vĩ độ" not in html and "Kinh độ" not in html and "Mã thủ tục" not in html
    assert '<input type="hidden" name="lat"' in html and '<input type="hidden" name="long"' in html
    assert '<label for="f-province">Tỉnh, thành phố</label>' in html
    assert '<option value="31">Thành phố Hải Phòng</option>' in html
    assert '<label for="f-commune">Xã, phường, đặc khu</label>' in html
    assert '<label for="f-procedure_q">Tên thủ tục</label>' in html
    # "Dùng vị trí của tôi" needs the script: hidden until it runs, with a status to speak in.
    assert '<button type="button" class="secondary" id="use-location" hidden>' in html
    assert 'id="location-status" role="status"' in html
    assert "Bạn chưa cho phép trình duyệt chia sẻ vị trí" in html  # the refusal, in Vietnamese
    assert "/static/feedback/send.js" in html


def test_without_javascript_choosing_a_province_brings_back_its_communes_and_sends_nothing(
    world, units
):
    typed = form(province="31", address_string="Trước số 12 phố Lê Lợi", _action="province")
    response = Client().post(URL, typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="10525">Phường Hải Dương</option>' in html
    assert "Phường Ba Đình" not in html  # another province's
    assert "Các xã, phường, đặc khu của Thành phố Hải Phòng." in html
    assert 'value="Trước số 12 phố Lê Lợi"' in html and "Vỉa hè trước nhà văn hóa" in html
    assert "error-summary" not in html
    assert not Feedback.objects.exists()


def test_feedback_located_by_commune_and_street(world, units):
    response = Client().post(
        URL, form(province="31", commune="10525", address_string="Trước số 12 phố Lê Lợi")
    )
    assert response.status_code == 302, response.content.decode()
    feedback = Feedback.objects.get()
    assert feedback.unit == units.hai_duong
    assert feedback.address_string == (
        "Trước số 12 phố Lê Lợi, Phường Hải Dương, Thành phố Hải Phòng"
    )
    assert feedback.lat is None


def test_a_commune_of_another_province_is_refused_next_to_the_field(world, units):
    response = Client().post(URL, form(province="31", commune="00004"))
    html = response.content.decode()
    assert response.status_code == 422
    assert '<a href="#f-commune">Xã, phường, đặc khu: Chọn xã, phường trong danh sách' in html
    assert not Feedback.objects.exists()


def test_the_devices_position_comes_in_the_hidden_fields(world, units):
    response = Client().post(URL, form(lat="20.940312", long="106.330101"))
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (str(feedback.lat), str(feedback.long)) == ("20.940312", "106.330101")


def test_half_a_position_is_refused_and_the_form_says_where(world, units):
    response = Client().post(URL, form(lat="20.940312", long=""))
    html = response.content.decode()
    assert response.status_code == 422
    assert '<a href="#f-location">Vị trí: Cần cả vĩ độ và kinh độ.</a>' in html
    assert not Feedback.objects.exists()


def test_after_coming_back_the_form_says_a_position_is_kept(world, units):
    html = (
        Client()
        .post(URL, form(lat="20.940312", long="106.330101", _action="province"))
        .content.decode()
    )
    assert "Đã ghi vị trí từ thiết bị của bạn." in html
    assert 'name="lat" value="20.940312"' in html
    assert '<button type="button" class="secondary small" id="clear-location">' in html


def test_a_procedure_is_found_by_its_name_and_chosen(world, units):
    client = Client()
    found = client.post(
        URL, form(procedure_code="", procedure_q="thu nghiem khai sinh", _action="procedure")
    ).content.decode()
    assert "Có 1 thủ tục phù hợp, hãy chọn bên dưới." in found
    assert (
        '<label><input type="radio" name="procedure_code" value="1.000001"> '
        "Thủ tục thử nghiệm đăng ký khai sinh</label>" in found
    )
    assert not Feedback.objects.exists()
    sent = client.post(URL, form(procedure_code="1.000001", procedure_q="thu nghiem khai sinh"))
    assert sent.status_code == 302
    assert Feedback.objects.get().procedure == world.procedure


def test_words_that_match_one_procedure_are_enough(world, units):
    response = Client().post(URL, form(procedure_code="", procedure_q="đăng ký khai sinh"))
    assert response.status_code == 302
    assert Feedback.objects.get().procedure == world.procedure


def test_words_that_match_none_are_refused_with_a_hint(world, units):
    response = Client().post(URL, form(procedure_code="", procedure_q="cấp phép bay"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Không tìm thấy thủ tục có tên như vậy; hãy thử từ khác." in html
    assert 'id="f-procedure_q"' in html and 'aria-invalid="true"' in html


def test_a_link_from_a_procedures_page_arrives_with_it_chosen(world, units):
    html = Client().get(URL + "?loai=thu-tuc&thu-tuc=1.000001").content.decode()
    assert "Đã chọn: <strong>Thủ tục thử nghiệm đăng ký khai sinh</strong>" in html
    assert '<input type="hidden" name="procedure_code" value="1.000001">' in html
    changed = Client().post(URL, form(_action="procedure_clear")).content.decode()
    assert '<label for="f-procedure_q">Tên thủ tục</label>' in changed
    assert 'name="procedure_code" value="1.000001"' not in changed


def test_the_senders_phone_is_kept_in_national_form(world, units):
    assert Client().post(URL, form(sender_phone="+84 987.654.321")).status_code == 302
    assert Feedback.objects.get().sender_phone == "0987654321"


def test_a_phone_that_is_no_number_is_refused_next_to_its_field(world, units):
    html = Client().post(URL, form(sender_phone="0987")).content.decode()
    assert re.search(
        r'<p class="error" id="f-sender_phone-error">Số điện thoại gồm 10 chữ số, bắt đầu bằng 0, '
        r"ví dụ 0912 345 678",
        html,
    )
    assert not Feedback.objects.exists()


def test_the_communes_of_a_province_for_the_script(world, units):
    response = Client().get("/phan-anh/gui/xa-phuong/31/")
    assert response.status_code == 200
    assert response.json() == {
        "province": "31",
        "communes": [["10510", "Phường Thành Đông"], ["10525", "Phường Hải Dương"]],
    }
    assert Client().get("/phan-anh/gui/xa-phuong/99/").status_code == 404


def test_feedback_about_a_procedure_goes_to_the_agency_of_the_commune_chosen(world, units):
    agency_update(agency=world.agency_b, unit=units.hai_duong)
    response = Client().post(URL, form(province="31", commune="10525"))
    assert response.status_code == 302
    assert Feedback.objects.get().agency == world.agency_b  # not A, the first by agency id


def test_the_public_page_shows_the_commune_and_only_an_approximate_position(world, units):
    feedback, _ = services.feedback_submit(
        kind="thu-tuc",
        procedure_code="1.000001",
        description="Vỉa hè bị sụt.",
        commune_code="10525",
        address_string="Số 5 ngõ 3 Lê Lợi",
        lat="20.940312",
        long="106.330101",
    )
    services.feedback_accept(user=world.counter_a, code=feedback.code)
    services.feedback_answer(user=world.leader_a, code=feedback.code, answer="Đã sửa.")
    services.feedback_publish(user=world.leader_a, code=feedback.code)
    html = Client().get(f"/phan-anh/{feedback.code}/").content.decode()
    assert "Phường Hải Dương, Thành phố Hải Phòng" in html
    assert "gần vị trí 20.940, 106.330" in html
    assert "20.940312" not in html and "106.330101" not in html
    assert "Lê Lợi" not in html  # the street may be the sender's home: never published


def test_the_api_takes_the_commune_and_normalises_the_phone(world, units, api):
    resp = api().post(
        "/api/v1/feedback/",
        {
            "kind": "thu-tuc",
            "procedure_code": "1.000001",
            "description": "Đèn tín hiệu hỏng.",
            "commune_code": "10510",
            "sender_phone": "+84 912 345 678",
        },
    )
    assert resp.status_code == 201, resp.content
    feedback = Feedback.objects.get(code=resp.json()["code"])
    assert feedback.unit == units.thanh_dong and feedback.sender_phone == "0912345678"

    refused = api().post(
        "/api/v1/feedback/",
        {"kind": "thu-tuc", "procedure_code": "1.000001", "description": "x", "sender_phone": "9"},
    )
    assert refused.status_code == 422
    assert "ví dụ 0912 345 678" in refused.json()["fields"]["sender_phone"][0]
    unknown = api().post(
        "/api/v1/feedback/",
        {"kind": "thu-tuc", "procedure_code": "1.000001", "description": "x", "commune_code": "1"},
    )
    assert unknown.status_code == 422 and "commune" in unknown.json()["fields"]
