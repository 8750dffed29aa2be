"""The officer workspace pages, with the fixed personas of the root conftest."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from chinhquyen.dossiers.models import Dossier, DossierFile
from chinhquyen.dossiers.services import Applicant, dossier_act, dossier_submit
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def submit(world, *, agency=None, name="Nguyễn Văn A") -> Dossier:
    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=(agency or world.agency_a).agency_id,
        form_data={**VALID_FORM, "ho_ten": name},
        applicant=Applicant(name=name),
    )


def accepted(world, **kw) -> Dossier:
    d = submit(world, **kw)
    return dossier_act(user=world.counter_a, code=d.code, action="accept")


def in_process(world, **kw) -> Dossier:
    d = accepted(world, **kw)
    return dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )


# --- access -------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page(world):
    response = Client().get("/can-bo/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


@pytest.mark.parametrize(
    "path", ["/can-bo/", "/can-bo/tiep-nhan/", "/can-bo/thong-ke/", "/can-bo/ho-so/X/"]
)
def test_a_citizen_gets_a_403_page_in_vietnamese(world, path):
    response = login(world.citizen).get(path)
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_another_agencys_dossier_is_not_found(world):
    d = submit(world)
    assert login(world.counter_b).get(f"/can-bo/ho-so/{d.code}/").status_code == 404
    response = login(world.counter_b).post(
        f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "accept"}
    )
    assert response.status_code == 404
    assert Dossier.objects.get(pk=d.pk).state == "submitted"


def test_only_counter_officers_open_the_intake_page(world):
    assert login(world.handler_a).get("/can-bo/tiep-nhan/").status_code == 403
    assert login(world.counter_a).get("/can-bo/tiep-nhan/").status_code == 200


# --- inbox --------------------------------------------------------------------------------------


def test_the_inbox_shows_the_agencys_dossiers_and_those_forwarded_to_it(world):
    own = submit(world, name="Người A")
    other = submit(world, agency=world.agency_b, name="Người B")
    forwarded = submit(world, agency=world.agency_b, name="Người C")
    dossier_act(user=world.counter_b, code=forwarded.code, action="accept")
    dossier_act(
        user=world.leader_b,
        code=forwarded.code,
        action="assign",
        params={"assignee": "chuyenvien2"},
    )
    dossier_act(
        user=world.handler_b,
        code=forwarded.code,
        action="forward",
        params={"agency": world.agency_a.agency_id, "days": 2},
    )

    html = login(world.handler_a).get("/can-bo/?xem=tat-ca").content.decode()

    assert own.code in html
    assert forwarded.code in html
    assert other.code not in html


def test_the_inbox_puts_open_dossiers_first_the_most_urgent_first(world):
    later = accepted(world, name="Hạn xa")
    sooner = accepted(world, name="Hạn gần")
    new = submit(world, name="Chưa tiếp nhận")
    Dossier.objects.filter(pk=later.pk).update(due_at=timezone.now() + dt.timedelta(days=20))
    Dossier.objects.filter(pk=sooner.pk).update(due_at=timezone.now() - dt.timedelta(days=1))

    html = login(world.leader_a).get("/can-bo/?xem=tat-ca").content.decode()

    assert html.index(sooner.code) < html.index(later.code) < html.index(new.code)


def test_the_deadline_state_is_shown_in_colour_and_in_words(world):
    on_time, overdue, paused = accepted(world), accepted(world), accepted(world)
    now = timezone.now()
    Dossier.objects.filter(pk=on_time.pk).update(due_at=now + dt.timedelta(days=20))
    Dossier.objects.filter(pk=overdue.pk).update(due_at=now - dt.timedelta(days=1))
    Dossier.objects.filter(pk=paused.pk).update(paused_at=now)

    html = login(world.leader_a).get("/can-bo/?xem=tat-ca").content.decode()

    assert 'class="badge badge-ok" data-deadline="on_time">Trong hạn<' in html
    assert 'class="badge badge-late" data-deadline="overdue">Quá hạn<' in html
    assert 'class="badge badge-paused" data-deadline="paused">Tạm dừng<' in html
    assert 'data-count="overdue">Quá hạn: <strong>1</strong>' in html


def test_the_inbox_filters_by_state_deadline_procedure_and_search(world):
    new = submit(world, name="Trần Thị Lọc")
    acc = accepted(world, name="Lê Văn Khác")
    Dossier.objects.filter(pk=acc.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client = login(world.leader_a)

    def codes(query: str) -> set[str]:
        html = client.get(f"/can-bo/?xem=tat-ca&{query}").content.decode()
        return {c for c in (new.code, acc.code) if c in html}

    assert codes("state=submitted") == {new.code}
    assert codes("deadline=overdue") == {acc.code}
    assert codes("deadline=on_time") == set()
    assert codes("procedure=1.000001") == {new.code, acc.code}
    assert codes(urlencode({"q": "Thị Lọc"})) == {new.code}
    assert codes(f"q={acc.code}") == {acc.code}


def test_the_default_inbox_holds_what_each_role_may_act_on(world):
    new = submit(world)
    mine = in_process(world)

    counter = login(world.counter_a).get("/can-bo/").content.decode()
    handler = login(world.handler_a).get("/can-bo/").content.decode()
    handler_b = login(world.handler_b).get("/can-bo/").content.decode()

    assert new.code in counter and mine.code not in counter
    assert mine.code in handler and new.code not in handler
    assert mine.code not in handler_b


def test_the_inbox_pages_by_25(world):
    for _ in range(27):
        submit(world)
    client = login(world.counter_a)
    first = client.get("/can-bo/")
    assert first.context["page"].paginator.count == 27
    assert len(first.context["rows"]) == 25
    assert len(client.get("/can-bo/?trang=2").context["rows"]) == 2


def test_the_inbox_runs_a_bounded_number_of_queries_over_10000_dossiers(
    world, django_assert_max_num_queries
):
    template = accepted(world)
    Dossier.objects.filter(pk=template.pk).update(due_at=timezone.now() + dt.timedelta(days=9))
    template.refresh_from_db()
    base = {
        f.attname: getattr(template, f.attname)
        for f in Dossier._meta.concrete_fields
        if f.attname not in ("id", "code")
    }
    states = ["submitted", "accepted", "in_process", "done"]
    clones = [
        Dossier(
            **{
                **base,
                "state": states[i % 4],
                "due_at": template.due_at + dt.timedelta(hours=i % 500),
            },
            code=f"{template.code}-{i:05d}",
        )
        for i in range(9_999)
    ]
    Dossier.objects.bulk_create(clones, batch_size=2000)
    assert Dossier.objects.filter(agency=world.agency_a).count() == 10_000
    client = login(world.counter_a)

    for path in ("/can-bo/", "/can-bo/?xem=tat-ca&deadline=on_time&q=H26", "/can-bo/?trang=40"):
        with django_assert_max_num_queries(20):
            response = client.get(path)
        assert response.status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/can-bo/thong-ke/").status_code == 200


# --- the dossier page ---------------------------------------------------------------------------


def _action_codes(response) -> set[str]:
    return {f["spec"].code for f in response.context["action_forms"]}


def test_the_dossier_page_offers_only_the_actions_allowed_to_the_persona(world):
    d = submit(world)
    path = f"/can-bo/ho-so/{d.code}/"

    counter = login(world.counter_a).get(path)
    handler = login(world.handler_a).get(path)

    assert {"accept", "refuse", "request_supplement"} <= _action_codes(counter)
    # The standard workflow lets a handler ask for a supplement, never accept or refuse.
    assert not {"accept", "refuse"} & _action_codes(handler)
    assert 'name="action" value="accept"' not in handler.content.decode()
    assert not _action_codes(login(world.leader_a).get(path)) & {"accept", "refuse"}
    html = counter.content.decode()
    assert "Nguyễn Văn A" in html and "Họ và tên" in html  # form data with the schema's titles
    assert f"/api/v1/forms/{d.code}/06.pdf" in html


def test_posting_an_action_moves_the_dossier_and_says_so(world):
    d = submit(world)
    client = login(world.counter_a)

    response = client.post(
        f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "accept", "comment": "Đủ hồ sơ"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/ho-so/{d.code}/"
    assert Dossier.objects.get(pk=d.pk).state == "accepted"
    html = client.get(response["Location"]).content.decode()
    assert "Trạng thái hồ sơ: Đã tiếp nhận" in html
    assert "Đủ hồ sơ" in html  # in the timeline


def test_assigning_picks_a_handler_of_the_agency(world):
    d = accepted(world)
    client = login(world.leader_a)
    page = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert '<option value="chuyenvien">' in page and "chuyenvien2" not in page

    client.post(f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "assign", "assignee": "chuyenvien"})

    assert Dossier.objects.get(pk=d.pk).assignee == world.handler_a


def test_an_invalid_action_shows_the_error_and_keeps_what_was_typed(world):
    d = accepted(world)

    response = login(world.leader_a).post(
        f"/can-bo/ho-so/{d.code}/thao-tac/",
        {"action": "extend", "comment": "Xin lỗi vì chậm trễ", "days": "abc"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Số ngày không hợp lệ." in html
    assert "Xin lỗi vì chậm trễ</textarea>" in html
    assert 'value="abc"' in html
    assert Dossier.objects.get(pk=d.pk).extension_count == 0


def test_a_refusal_without_a_reason_is_refused_with_a_message(world):
    d = submit(world)
    response = login(world.counter_a).post(
        f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "refuse"}
    )
    assert response.status_code == 422
    assert "Cần ghi rõ lý do không tiếp nhận." in response.content.decode()


def test_files_download_only_for_those_who_see_the_dossier(world):
    d = submit(world)
    from chinhquyen.dossiers.services import dossier_file_add

    record = dossier_file_add(
        user=world.citizen, code=d.code, document_code="to-khai", name="to-khai.pdf", content=PDF
    )
    path = f"/can-bo/ho-so/{d.code}/tep/{record.pk}/"

    response = login(world.counter_a).get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert login(world.counter_b).get(path).status_code == 404


# --- counter intake -----------------------------------------------------------------------------


def _intake_post(world, token: str, decision: str = "accept", **extra):
    return {
        "token": token,
        "procedure": "1.000001",
        "channel": "1",
        "applicant_name": "Phạm Văn Quầy",
        "applicant_id_number": "031090001111",
        "applicant_phone": "0912000111",
        "applicant_email": "quay@example.vn",
        "applicant_address": "1 Đường Thử",
        "form_data": '{"ho_ten": "Phạm Bé", "ngay_sinh": "2026-01-15"}',
        "comment": "",
        "decision": decision,
        "doc_to-khai": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
        **extra,
    }


def test_the_intake_form_lists_the_required_documents(world):
    html = login(world.counter_a).get("/can-bo/tiep-nhan/?procedure=1.000001").content.decode()
    assert "Tờ khai (bắt buộc)" in html and "Căn cước (nếu có)" in html
    assert 'name="token"' in html


def test_counter_intake_creates_one_accepted_dossier_with_its_files_even_if_posted_twice(world):
    client = login(world.counter_a)
    token = uuid.uuid4().hex

    first = client.post("/can-bo/tiep-nhan/", _intake_post(world, token))
    second = client.post("/can-bo/tiep-nhan/", _intake_post(world, token))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    d = Dossier.objects.get()
    assert (d.state, d.channel, d.applicant_name) == ("accepted", 1, "Phạm Văn Quầy")
    assert d.applicant_id is None and d.form_data["ho_ten"] == "Phạm Bé"
    assert list(DossierFile.objects.values_list("dossier_id", "document_code")) == [
        (d.pk, "to-khai")
    ]


def test_a_failed_intake_leaves_nothing_behind_and_keeps_the_input(world):
    client = login(world.counter_a)

    response = client.post(
        "/can-bo/tiep-nhan/", _intake_post(world, uuid.uuid4().hex, decision="refuse")
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Cần ghi rõ lý do không tiếp nhận." in html
    assert 'value="Phạm Văn Quầy"' in html
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()


def test_intake_checks_the_id_number_and_the_json(world):
    response = login(world.counter_a).post(
        "/can-bo/tiep-nhan/",
        _intake_post(world, uuid.uuid4().hex, applicant_id_number="123", form_data="{oops"),
    )
    html = response.content.decode()
    assert "Số CCCD gồm đúng 12 chữ số." in html
    assert "không phải JSON hợp lệ" in html
    assert not Dossier.objects.exists()


def test_a_supplement_request_at_intake_leaves_the_dossier_waiting(world):
    response = login(world.counter_a).post(
        "/can-bo/tiep-nhan/",
        _intake_post(
            world, uuid.uuid4().hex, decision="request_supplement", comment="Thiếu bản sao CCCD"
        ),
    )
    assert response.status_code == 302
    assert Dossier.objects.get().state == "supplement_requested"


# --- dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_counts_match_the_agencys_dossiers(world):
    submit(world)  # not received: counts nowhere
    accepted(world)
    late = accepted(world)
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    done = in_process(world)
    dossier_act(user=world.leader_a, code=done.code, action="approve")
    dossier_act(user=world.handler_a, code=done.code, action="finish")
    accepted(world, agency=world.agency_a)  # another one of A, in process
    other = submit(world, agency=world.agency_b)
    dossier_act(user=world.counter_b, code=other.code, action="accept")  # agency B: not counted

    response = login(world.leader_a).get("/can-bo/thong-ke/")

    n = response.context["numbers"]
    assert (n.received, n.in_process, n.overdue_open) == (4, 3, 1)
    assert (n.done, n.done_on_time, n.done_late) == (1, 1, 0)
    assert 'data-stat="received">4<' in response.content.decode()
