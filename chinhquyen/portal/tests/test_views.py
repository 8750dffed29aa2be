"""The citizen portal's pages through Django's test client: contents, bad input, query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.catalogue.models import Field, Procedure
from chinhquyen.catalogue.selectors import procedures_search
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.dossiers.services import dossier_act, dossier_submit
from chinhquyen.dossiers.workflow import workflow_spec
from conftest import VALID_FORM, procedure_data

pytestmark = pytest.mark.django_db

PERMIT = "1.013225"


@pytest.fixture
def permit(world):
    Field.objects.get_or_create(code="xay-dung", defaults={"name": "Hoạt động xây dựng"})
    procedure_save(
        data=procedure_data(
            PERMIT,
            name="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            field="xay-dung",
            online_mode="partial",
            processing_time=15,
            fees=[
                {"name": "Lệ phí cấp phép", "amount": 75000, "note": ""},
                {"name": "Phí thẩm định", "amount": 25000, "note": "nếu có"},
            ],
            documents=[
                {
                    "code": "don",
                    "name": "Đơn đề nghị cấp giấy phép xây dựng",
                    "originals": 1,
                    "copies": 0,
                    "is_required": True,
                    "template_name": "Mẫu số 01",
                    "template_url": "https://example.vn/mau-01.docx",
                },
                {
                    "code": "ban-ve",
                    "name": "Bản vẽ thiết kế",
                    "originals": 0,
                    "copies": 2,
                    "is_required": True,
                    "template_name": "",
                    "template_url": "",
                },
            ],
        )
    )
    procedure = Procedure.objects.get(code=PERMIT)
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure


def many_procedures(n: int) -> None:
    for i in range(n):
        procedure_save(data=procedure_data(f"9.{i:06d}", name=f"Thủ tục số {i} đăng ký"))


def test_home_lists_procedures_with_their_badges_and_agency_counts(client: Client, permit):
    html = client.get("/").content.decode()
    assert 'lang="vi"' in html
    assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in html and PERMIT in html
    assert "Một phần" in html and "Toàn trình" in html
    assert "15 ngày làm việc" in html
    assert "2 cơ quan" in html and "1 cơ quan" in html


def test_search_ignores_diacritics_and_case(client: Client, permit):
    resp = client.get("/", {"q": "GIAY PHEP xay dung"})
    html = resp.content.decode()
    assert f"/thu-tuc/{PERMIT}/" in html and "/thu-tuc/1.000001/" not in html
    assert 'value="GIAY PHEP xay dung"' in html


def test_filters_narrow_the_results_and_unknown_values_are_ignored(client: Client, permit):
    by_field = client.get("/", {"field": "xay-dung"}).content.decode()
    assert f"/thu-tuc/{PERMIT}/" in by_field and "/thu-tuc/1.000001/" not in by_field
    by_mode = client.get("/", {"online_mode": "full"}).content.decode()
    assert "/thu-tuc/1.000001/" in by_mode and f"/thu-tuc/{PERMIT}/" not in by_mode
    by_agency = client.get("/", {"agency": "000.02.31.H26"}).content.decode()
    assert "/thu-tuc/1.000001/" in by_agency and f"/thu-tuc/{PERMIT}/" not in by_agency
    junk = client.get("/", {"field": "khong-co", "online_mode": "x", "agency": "?"})
    assert junk.status_code == 200 and f"/thu-tuc/{PERMIT}/" in junk.content.decode()


def test_an_empty_search_says_so_and_offers_the_whole_list(client: Client, permit):
    html = client.get("/", {"q": "zzxq qwxy"}).content.decode()
    assert "Không tìm thấy thủ tục nào." in html and 'href="/"' in html


@pytest.mark.parametrize("page", ["0", "-3", "abc", "999", "1.5", ""])
def test_bad_page_numbers_show_the_first_page(client: Client, world, page):
    many_procedures(25)
    html = client.get("/", {"page": page}).content.decode()
    assert "Trang 1 / 2" in html and "/thu-tuc/1.000001/" in html


def test_the_second_page_keeps_the_search_in_its_links(client: Client, world):
    many_procedures(25)
    html = client.get("/", {"q": "dang ky", "page": "2"}).content.decode()
    assert "Trang 2 / 2" in html and 'href="?q=dang+ky"' in html


def test_an_over_long_query_is_cut_not_refused(client: Client, permit):
    resp = client.get("/", {"q": "giay phep xay dung " + "x" * 5000})
    assert resp.status_code == 200
    assert 'value="giay phep xay dung ' + "x" * 181 + '"' in resp.content.decode()


def test_the_home_page_reads_a_bounded_number_of_queries(
    client: Client, world, django_assert_max_num_queries
):
    many_procedures(60)
    for procedure in Procedure.objects.all():
        procedure_link_agencies(procedure=procedure, agencies=[world.agency_a, world.agency_b])
    procedures_search(q="dang ky").count()  # the process's index, built once per change
    # The page's reads, and one write: the search's counter (catalogue/searchlog.py).
    with django_assert_max_num_queries(8):
        assert client.get("/", {"q": "dang ky", "agency": "000.01.31.H26"}).status_code == 200


def test_the_procedure_page_shows_the_seven_components_fees_and_agencies(client: Client, permit):
    html = client.get(f"/thu-tuc/{PERMIT}/").content.decode()
    for part in (
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",  # name
        "Trình tự thực hiện",
        "Bước 1: Nộp hồ sơ.",
        "Cách thức thực hiện",
        "Thành phần hồ sơ",
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Thời hạn giải quyết",
        "15 ngày làm việc",
        "Đối tượng thực hiện",
        "Cơ quan thực hiện",
        "UBND cấp xã",
        "Lệ phí cấp phép",
        "100.000",  # the total, grouped the Vietnamese way
        "Giấy khai sinh",  # result type
        "Luật Hộ tịch số 60/2014/QH13",
        "1/QĐ-TEST",
        "Nơi tiếp nhận hồ sơ",
        "UBND phường Thử Nghiệm A",
    ):
        assert part in html, part
    assert 'href="https://example.vn/mau-01.docx"' in html
    assert "Tải mẫu: Mẫu số 01" in html
    # Partly online: the page offers to apply online at a receiving agency.
    assert f'action="/nop-ho-so/{PERMIT}/"' in html


def test_the_procedure_page_reads_a_bounded_number_of_queries(
    client: Client, permit, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        assert client.get(f"/thu-tuc/{PERMIT}/").status_code == 200


def test_an_unknown_procedure_is_a_404_in_vietnamese(client: Client, world):
    resp = client.get("/thu-tuc/9.999999/")
    assert resp.status_code == 404
    assert "Không tìm thấy thủ tục hành chính có mã 9.999999." in resp.content.decode()
    assert client.get("/thu-tuc/" + "9" * 500 + "/").status_code == 404


def test_an_unknown_address_gets_the_portal_404_page(client: Client, db):
    resp = client.get("/khong-co-trang-nay/")
    assert resp.status_code == 404 and "Không tìm thấy trang" in resp.content.decode()


@pytest.fixture
def dossier(world):
    submitted = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    return dossier_act(user=world.counter_a, code=submitted.code, action="accept")


def test_the_lookup_form_leads_to_the_address_of_the_receipts_qr(client: Client, dossier):
    resp = client.get("/tra-cuu/", {"ma": f"  {dossier.code} "})
    assert resp.status_code == 302 and resp["Location"] == f"/tra-cuu/{dossier.code}"


@pytest.mark.parametrize(
    "pasted",
    [
        "https://dichvucong.example.vn/tra-cuu/{code}",
        "https://dichvucong.example.vn/tra-cuu/{code}/",
        " http://127.0.0.1:8000/tra-cuu/{code}/ ",
        "dichvucong.example.vn/tra-cuu/{code}",
        "/tra-cuu/{code}/",
        "https://dichvucong.example.vn/tra-cuu/?ma={code}",
    ],
)
def test_a_pasted_qr_address_leads_to_its_dossier(client: Client, dossier, pasted):
    resp = client.get("/tra-cuu/", {"ma": pasted.format(code=dossier.code)})
    assert resp.status_code == 302 and resp["Location"] == f"/tra-cuu/{dossier.code}"


@pytest.mark.parametrize("pasted", ["https://dichvucong.example.vn/tra-cuu/", "/", "//"])
def test_an_address_without_a_code_asks_for_the_code(client: Client, db, pasted):
    resp = client.get("/tra-cuu/", {"ma": pasted})
    assert resp.status_code == 200 and "Vui lòng nhập mã hồ sơ." in resp.content.decode()


def test_an_empty_lookup_asks_for_the_code(client: Client, db):
    html = client.get("/tra-cuu/", {"ma": "  "}).content.decode()
    assert "Vui lòng nhập mã hồ sơ." in html and 'aria-invalid="true"' in html


@pytest.mark.parametrize("suffix", ["", "/"])
def test_the_lookup_shows_progress_and_no_personal_data(client: Client, world, dossier, suffix):
    resp = client.get(f"/tra-cuu/{dossier.code}{suffix}")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "Đã tiếp nhận" in html and 'aria-current="step"' in html
    assert "UBND phường Thử Nghiệm A" in html and "Trong hạn" in html
    for personal in (
        world.citizen.profile.full_name,
        world.citizen.username,
        "031090001234",
        "0912345678",
        world.citizen.email,
        VALID_FORM["ho_ten"],
    ):
        assert personal and personal not in html, personal


def test_an_unknown_dossier_code_is_a_404_in_vietnamese(client: Client, db):
    resp = client.get("/tra-cuu/000.01.31.H26-260101-9999")
    assert resp.status_code == 404
    assert "Không tìm thấy hồ sơ có mã 000.01.31.H26-260101-9999." in resp.content.decode()


def test_the_lookup_reads_a_bounded_number_of_queries(
    client: Client, dossier, django_assert_max_num_queries
):
    workflow_spec(dossier.workflow_id)  # the in-process workflow snapshot, as in production
    with django_assert_max_num_queries(3):
        assert client.get(f"/tra-cuu/{dossier.code}").status_code == 200


def test_english_is_one_switch_away_and_stays(client: Client, permit):
    resp = client.post("/i18n/setlang/", {"language": "en", "next": f"/thu-tuc/{PERMIT}/"})
    assert resp.status_code == 302 and resp["Location"] == f"/thu-tuc/{PERMIT}/"
    html = client.get(f"/thu-tuc/{PERMIT}/").content.decode()
    assert 'lang="en"' in html and "Required documents" in html and "Tiếng Việt" in html
    assert "Partly online" in html and "15 working days" in html


def test_suggestions_follow_the_search_ranking_and_record_no_search(client: Client, permit):
    from chinhquyen.catalogue.models import SearchQueryStat
    from chinhquyen.catalogue.selectors import procedures_search

    answer = client.get("/goi-y/", {"q": "giay phep xay"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["q"] == "giay phep xay"
    assert body["suggestions"][0] == {
        "code": PERMIT,
        "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "url": f"/thu-tuc/{PERMIT}/",
    }
    ranked = [v.procedure.code for v in procedures_search(q="giay phep xay")[:6]]
    assert [s["code"] for s in body["suggestions"]] == ranked  # the results page's order
    assert client.get("/goi-y/", {"q": " g "}).json()["suggestions"] == []  # too short to ask
    assert client.get("/goi-y/").json() == {"q": "", "suggestions": []}
    assert len(client.get("/goi-y/", {"q": "x" * 5000}).json()["q"]) == 200
    assert not SearchQueryStat.objects.exists()  # suggestions are not searches
    assert client.post("/goi-y/", {"q": "giay"}).status_code == 405


def test_the_results_say_what_the_query_was_also_searched_as_and_why(client: Client, world):
    from chinhquyen.catalogue.services import catalogue_import
    from chinhquyen.demo.services import CATALOGUE_FILE

    report = catalogue_import(file_name="demo.json", content=CATALOGUE_FILE.read_bytes())
    assert report.ok

    html = client.get("/", {"q": "cong chung ban sao"}).content.decode()
    assert "(tìm cả: <strong>chứng thực</strong>)" in html
    assert "tổ chức hành nghề công chứng" in html  # the legal difference, explained
    assert html.index("tìm cả") < html.index("/thu-tuc/2.000815/")

    typo = client.get("/", {"q": "khai snh"}).content.decode()
    assert 'Có phải bạn muốn tìm: <a href="?q=khai%20sinh">khai sinh</a>' in typo
    plain = client.get("/", {"q": "khai sinh"}).content.decode()
    assert "tìm cả" not in plain and "Có phải bạn muốn tìm" not in plain
