import pytest
from django.test import Client

from chinhquyen.feedback import services
from chinhquyen.feedback.models import Feedback
from conftest import PASSWORD

from .conftest import PDF

pytestmark = pytest.mark.django_db


def form(**kw):
    data = {
        "kind": "thu-tuc",
        "procedure_code": "1.000001",
        "description": "Thủ tục cần quá nhiều bản sao.",
        "sender_name": "Trần Thị Mơ",
        "sender_phone": "0987654321",
        "form_token": "tok-1",
    }
    data.update(kw)
    return data


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_an_anonymous_visitor_sends_feedback_with_a_file_and_gets_a_private_link(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    page = client.get("/phan-anh/gui/")
    assert page.status_code == 200 and 'name="form_token"' in page.content.decode()
    resp = client.post(
        "/phan-anh/gui/",
        form(attachments=[SimpleUploadedFile("anh.pdf", PDF, "application/pdf")]),
    )
    feedback = Feedback.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/phan-anh/da-gui/{feedback.code}/"
    assert feedback.attachments.count() == 1 and feedback.sender_name == "Trần Thị Mơ"
    done = client.get(resp["Location"]).content.decode()
    assert feedback.code in done and "?t=" in done
    again = client.get(resp["Location"]).content.decode()
    assert "?t=" not in again  # the private link is shown once


def test_a_double_submit_of_the_form_makes_one_feedback(world):
    client = Client()
    first = client.post("/phan-anh/gui/", form())
    second = client.post("/phan-anh/gui/", form())
    assert Feedback.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_errors_come_back_in_vietnamese_next_to_their_field(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = Client().post(
        "/phan-anh/gui/",
        form(description="", procedure_code="9.9"),
    )
    html = resp.content.decode()
    assert resp.status_code == 422
    assert 'id="error-summary"' in html and "Nội dung phản ánh, kiến nghị" in html
    assert 'aria-invalid="true"' in html and "f-description-error" in html
    resp = Client().post(
        "/phan-anh/gui/",
        form(attachments=[SimpleUploadedFile("x.pdf", b"MZ not pdf", "application/pdf")]),
    )
    assert resp.status_code == 422
    assert "Chỉ nhận PDF, JPEG hoặc PNG" in resp.content.decode()
    assert Feedback.objects.count() == 0


def test_the_officer_inbox_shows_only_the_agency_and_filters_overdue(world):
    import datetime as dt

    from django.utils import timezone

    old, _ = services.feedback_submit(
        kind="thu-tuc",
        procedure_code="1.000001",
        description="Cũ",
        at=timezone.now() - dt.timedelta(days=30),
    )
    new, _ = services.feedback_submit(kind="thu-tuc", procedure_code="1.000001", description="Mới")
    to_b, _ = services.feedback_submit(
        kind="co-quan", agency_id=world.agency_b.agency_id, description="B"
    )
    client = login(world.counter_a)
    html = client.get("/phan-anh/can-bo/").content.decode()
    assert old.code in html and new.code in html and to_b.code not in html
    assert "badge-late" in html
    overdue = client.get("/phan-anh/can-bo/?qua-han=1").content.decode()
    assert old.code in overdue and new.code not in overdue
    assert client.get(f"/phan-anh/can-bo/{to_b.code}/").status_code == 404
    assert login(world.citizen).get("/phan-anh/can-bo/").status_code == 403
    assert Client().get("/phan-anh/can-bo/").status_code == 302


def test_officer_actions_from_the_page_down_to_the_public_answer_and_votes(world):
    feedback, _ = services.feedback_submit(
        kind="thu-tuc",
        procedure_code="1.000001",
        description="Gọi tôi số 0987654321.",
        sender_name="Trần Thị Mơ",
    )
    code = feedback.code
    leader = login(world.leader_a)
    assert leader.post(f"/phan-anh/can-bo/{code}/accept/").status_code == 302
    bad = leader.post(f"/phan-anh/can-bo/{code}/answer/", {"text": ""})
    assert bad.status_code == 422 and "Vui lòng nhập nội dung trả lời." in bad.content.decode()
    leader.post(f"/phan-anh/can-bo/{code}/answer/", {"text": "Chào chị Trần Thị Mơ, đã sửa."})
    page = leader.get(f"/phan-anh/can-bo/{code}/").content.decode()
    assert "[họ tên]" in page  # the redacted preview to review
    leader.post(f"/phan-anh/can-bo/{code}/publish/", {"public_answer": "Chị Mơ ơi, đã sửa."})
    public = Client()
    html = public.get(f"/phan-anh/{code}/").content.decode()
    assert "0987654321" not in html and "Trần Thị Mơ" not in html
    assert "đã sửa" in html
    assert code in public.get("/phan-anh/").content.decode()
    public.post(f"/phan-anh/{code}/danh-gia/", {"huu-ich": "1"})
    public.post(f"/phan-anh/{code}/danh-gia/", {"huu-ich": "1"})
    other = Client()
    other.get(f"/phan-anh/{code}/")  # the page gives the reader's device its cookie
    other.post(f"/phan-anh/{code}/danh-gia/", {"huu-ich": "0"})
    html = public.get(f"/phan-anh/{code}/").content.decode()
    assert 'data-testid="useful">(1)' in html and 'data-testid="not-useful">(1)' in html


def test_a_sender_adds_information_through_the_private_link(world):
    feedback, token = services.feedback_submit(
        kind="thu-tuc", procedure_code="1.000001", description="x", anonymous=True
    )
    services.feedback_request_info(user=world.counter_a, code=feedback.code, question="Ở đâu?")
    client = Client()
    assert client.get(f"/phan-anh/theo-doi/{feedback.code}/").status_code == 404
    assert client.get(f"/phan-anh/theo-doi/{feedback.code}/?t={token}").status_code == 200
    resp = client.post(f"/phan-anh/theo-doi/{feedback.code}/", {"t": token, "text": "Phường A."})
    assert resp.status_code == 302
    feedback.refresh_from_db()
    assert feedback.state == "received" and feedback.info_reply == "Phường A."


def test_attachments_are_for_the_agencys_officers_only(world):
    feedback, _ = services.feedback_submit(
        kind="thu-tuc", procedure_code="1.000001", description="x", attachments=[("a.pdf", PDF)]
    )
    pk = feedback.attachments.get().pk
    url = f"/phan-anh/can-bo/{feedback.code}/tep/{pk}/"
    resp = login(world.counter_a).get(url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    assert login(world.counter_b).get(url).status_code == 404


def test_a_logged_in_sender_finds_their_feedback_and_nobody_else_does(world):
    client = login(world.citizen)
    resp = client.post("/phan-anh/gui/", form(form_token="tok-mine"))
    code = Feedback.objects.get().code
    assert f"/phan-anh/theo-doi/{code}/" in client.get(resp["Location"]).content.decode()
    assert code in client.get("/phan-anh/cua-toi/").content.decode()
    assert client.get(f"/phan-anh/theo-doi/{code}/").status_code == 200
    assert code not in login(world.citizen2).get("/phan-anh/cua-toi/").content.decode()
    assert login(world.citizen2).get(f"/phan-anh/theo-doi/{code}/").status_code == 404


def test_lists_run_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(5):
        feedback, _ = services.feedback_submit(
            kind="thu-tuc", procedure_code="1.000001", description=f"Số {i}"
        )
        services.feedback_accept(user=world.leader_a, code=feedback.code)
        services.feedback_answer(user=world.leader_a, code=feedback.code, answer="Đã xử lý.")
        services.feedback_publish(user=world.leader_a, code=feedback.code)
    public = Client()
    with django_assert_max_num_queries(4):
        assert public.get("/phan-anh/").status_code == 200
    officer = login(world.counter_a)
    with django_assert_max_num_queries(8):
        assert officer.get("/phan-anh/can-bo/").status_code == 200
    with django_assert_max_num_queries(4):
        assert public.get("/open311/v2/requests.json").status_code == 200
