"""The officer workspace pages, with the fixed personas of the root conftest."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
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
    assert (
        'data-count="overdue"><a href="?xem=tat-ca&amp;deadline=overdue">Quá hạn: <strong>1</strong>'
        in html
    )


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
    return {e.code for e in response.context["panel"].entries}


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
    assert '<td data-label="Thao tác">Nộp hồ sơ</td>' in html  # the submission, named in words


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
        f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "refuse", "confirm": "1"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Cần ghi rõ lý do không tiếp nhận." in html
    # The confirmation stays on screen, the reason field marked, to be filled in and confirmed.
    assert 'id="confirm-comment" name="comment" rows="4" aria-invalid="true"' in html
    assert Dossier.objects.get(pk=d.pk).state == "submitted"


# --- destructive actions are confirmed ----------------------------------------------------------

DESTRUCTIVE = [
    # persona, state, action, the state it leads to, a sentence of the consequence
    ("counter_a", "submitted", "refuse", "refused", "Mẫu 03"),
    ("counter_a", "accepted", "request_supplement", "supplement_requested", "Mẫu 02"),
    ("leader_a", "in_process", "stop", "stopped", "Mẫu 05"),
    ("counter_a", "accepted", "withdraw", "withdrawn", "đã đề nghị"),
]


@pytest.mark.parametrize(("persona", "state", "action", "to_state", "note"), DESTRUCTIVE)
def test_a_destructive_action_asks_for_confirmation_before_anything_changes(
    world, persona, state, action, to_state, note
):
    d = _at_state(world, state)
    client = login(getattr(world, persona))
    path = f"/can-bo/ho-so/{d.code}/thao-tac/"
    post = {"action": action, "comment": "Lý do ghi rõ ràng"}

    asked = client.post(path, post)

    assert asked.status_code == 200
    assert asked.templates[0].name == "workspace/confirm.html"
    html = asked.content.decode()
    assert "Khi xác nhận:" in html and note in html
    if to_state == "supplement_requested":
        assert "Thời hạn giải quyết tạm dừng trong khi chờ người nộp." in html
    else:
        assert "Hồ sơ kết thúc tại đây; không thể hoàn tác thao tác này." in html
    assert 'name="confirm" value="1"' in html
    assert "Lý do ghi rõ ràng</textarea>" in html  # the reason typed comes along
    after = Dossier.objects.get(pk=d.pk)
    assert (after.state, after.history_length) == (state, d.history_length)

    confirmed = client.post(path, {**post, "confirm": "1"})

    assert confirmed.status_code == 302
    assert Dossier.objects.get(pk=d.pk).state == to_state


def test_confirmation_keeps_the_parameters_of_the_action(world):
    d = _at_state(world, "submitted")
    html = (
        login(world.counter_a)
        .post(f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "refuse", "comment": "Sai nơi nộp"})
        .content.decode()
    )
    assert 'name="action" value="refuse"' in html
    assert "Hồ sơ chuyển sang trạng thái “Không tiếp nhận”." in html
    assert f'href="/can-bo/ho-so/{d.code}/"' in html  # back, nothing done


def test_a_destructive_action_no_longer_available_is_refused_without_confirmation(world):
    d = _at_state(world, "in_process")  # refuse belongs to a new dossier only
    response = login(world.counter_a).post(
        f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "refuse", "comment": "Muộn"}
    )
    assert response.status_code == 409
    assert "Thao tác này không còn thực hiện được trên hồ sơ." in response.content.decode()
    assert Dossier.objects.get(pk=d.pk).state == "in_process"


def test_the_panel_leads_with_one_action_and_sets_destructive_ones_apart(world):
    d = _at_state(world, "in_process")
    response = login(world.leader_a).get(f"/can-bo/ho-so/{d.code}/")
    panel = response.context["panel"]

    assert [e.code for e in panel.primary] == ["approve"]
    assert {e.code for e in panel.more} == {"assign", "forward", "request_payment", "extend"}
    assert [e.code for e in panel.danger] == ["stop"]
    html = response.content.decode()
    # Folded, named by their summaries; the destructive ones in their own group, confirmed.
    assert '<summary id="act-forward-h">Chuyển liên thông / lấy ý kiến</summary>' in html
    danger = html[html.index('id="danger-h"') :]
    assert 'data-confirm="ws-consequence-stop"' in danger
    assert "Dừng xử lý…</button>" in danger
    assert html.index('id="thao-tac"') < html.index('id="applicant-h"')  # after the summary


def test_a_failed_folded_action_opens_again_with_its_error(world):
    d = _at_state(world, "in_process")
    response = login(world.leader_a).post(
        f"/can-bo/ho-so/{d.code}/thao-tac/",
        {"action": "extend", "comment": "Xin lỗi", "days": "abc"},
    )
    assert response.status_code == 422
    assert '<details class="ws-action" id="act-extend-d" open>' in response.content.decode()


# --- the officer layout -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/can-bo/", "/can-bo/thong-ke/", "/can-bo/tiep-nhan/", "/phan-anh/can-bo/", "/lien-thong/"],
)
def test_the_officer_header_says_who_is_signed_in_with_one_sign_out(world, path):
    profile = world.counter_a.profile
    profile.full_name = "Trần Thị Bình"
    profile.save()

    html = login(world.counter_a).get(path).content.decode()

    header = html[html.index('<header class="ws-header">') : html.index("</header>")]
    assert "Trần Thị Bình" in header and "Cán bộ một cửa" in header
    assert world.agency_a.name in header
    assert html.count("Đăng xuất") == 1
    assert "Hồ sơ của tôi" not in html  # no citizen menu
    assert 'href="/lien-thong/"' in header
    assert html.count('aria-current="page"') >= 1


def test_the_workspace_navigation_follows_the_roles(world):
    handler = login(world.handler_a).get("/can-bo/").content.decode()
    leader = login(world.leader_a).get("/can-bo/").content.decode()
    assert 'href="/can-bo/tiep-nhan/"' not in handler and 'href="/can-bo/tiep-nhan/"' not in leader
    assert 'href="/can-bo/danh-gia-can-bo/"' in leader
    assert 'href="/can-bo/danh-gia-can-bo/"' not in handler
    assert 'href="/can-bo/may-danh-gia/"' in leader


def test_the_history_names_people_by_full_name_and_role(world):
    d = _at_state(world, "in_process")
    for user, name in (
        (world.counter_a, "Trần Thị Bình"),
        (world.leader_a, "Phạm Thị Dung"),
        (world.handler_a, "Lê Văn Cường"),
    ):
        user.profile.full_name = name
        user.profile.save()

    html = login(world.handler_a).get(f"/can-bo/ho-so/{d.code}/").content.decode()

    history = html[html.index('id="history-h"') :]
    assert '<span class="ws-person">Trần Thị Bình</span>' in history
    assert "Cán bộ một cửa" in history and "Lãnh đạo phê duyệt" in history
    assert "Phân công xử lý: Lê Văn Cường" in history
    assert ">motcua<" not in history and ">lanhdao<" not in history
    assert ">chuyenvien<" not in history


def test_dates_read_day_month_year_with_a_24_hour_clock(world):
    d = _at_state(world, "accepted")
    Dossier.objects.filter(pk=d.pk).update(
        submitted_at=dt.datetime(2026, 3, 5, 14, 7, tzinfo=dt.UTC),  # 21:07 in Vietnam
    )
    html = login(world.counter_a).get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert "05/03/2026 21:07" in html
    assert "15/01/2026" in html  # the e-form's date of birth (VALID_FORM)
    assert "2026-01-15" not in html


def test_dossier_codes_do_not_wrap(world):
    d = submit(world)
    inbox = login(world.counter_a).get("/can-bo/").content.decode()
    assert '<td data-label="Mã hồ sơ" class="ws-cell-code"><a class="code"' in inbox
    css = (Path(__file__).parents[1] / "static/workspace/workspace.css").read_text()
    assert ".ws-main .code { white-space: nowrap; word-break: normal;" in css
    assert d.code in inbox


def test_the_inbox_list_sits_in_a_form_ready_for_actions_on_several_dossiers(world):
    submit(world)
    html = login(world.counter_a).get("/can-bo/").content.decode()
    form = html[html.index('<form method="post" action="/can-bo/" id="inbox-form"') :]
    assert form.index('<table class="ws-table ws-stack ws-inbox">') < form.index("</form>")


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
    """The intake form as the browser sends it: the e-form's fields by their JSON paths."""
    return {
        "token": token,
        "procedure": "1.000001",
        "channel": "1",
        "applicant_name": "Phạm Văn Quầy",
        "applicant_id_number": "031090001111",
        "applicant_phone": "0912000111",
        "applicant_email": "quay@example.vn",
        "applicant_address": "1 Đường Thử",
        "ho_ten": "Phạm Bé",
        "ngay_sinh": "2026-01-15",
        "gioi_tinh": "nu",
        "thanh_vien[0].ten": "Phạm Mẹ",
        "received-to-khai": "1",
        "comment": "",
        "decision": decision,
        "file-to-khai": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
        **extra,
    }


def test_the_intake_form_is_drawn_from_the_procedures_json_schema(world):
    html = login(world.counter_a).get("/can-bo/tiep-nhan/?procedure=1.000001").content.decode()
    # The e-form's fields: text, date, choices and the repeating group, by their JSON paths.
    assert 'name="ho_ten"' in html and 'type="date" id="f-ngay_sinh"' in html
    assert 'name="gioi_tinh" id="f-gioi_tinh" value="nam"' in html
    assert 'name="_add" value="thanh_vien"' in html
    # The applicant, the checklist and a scan per document.
    assert 'name="applicant_name"' in html
    assert 'name="received-to-khai"' in html and 'name="file-to-khai"' in html
    assert "Bản quét: Căn cước" in html
    assert 'name="token"' in html
    assert "JSON" not in html


def test_counter_intake_creates_one_accepted_dossier_with_its_files_even_if_posted_twice(world):
    client = login(world.counter_a)
    token = uuid.uuid4().hex

    first = client.post("/can-bo/tiep-nhan/", _intake_post(world, token))
    second = client.post("/can-bo/tiep-nhan/", _intake_post(world, token))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    d = Dossier.objects.get()
    assert (d.state, d.channel, d.applicant_name) == ("accepted", 1, "Phạm Văn Quầy")
    assert d.applicant_id is None
    assert d.form_data == {
        "ho_ten": "Phạm Bé",
        "ngay_sinh": "2026-01-15",
        "gioi_tinh": "nu",
        "thanh_vien": [{"ten": "Phạm Mẹ"}],
    }
    assert list(DossierFile.objects.values_list("dossier_id", "document_code")) == [
        (d.pk, "to-khai")
    ]


def test_a_postal_dossier_is_received_on_channel_3(world):
    response = login(world.counter_a).post(
        "/can-bo/tiep-nhan/", _intake_post(world, uuid.uuid4().hex, channel="3")
    )
    assert response.status_code == 302
    assert Dossier.objects.get().channel == 3


def test_a_failed_intake_leaves_nothing_behind_and_keeps_the_input(world):
    client = login(world.counter_a)

    response = client.post(
        "/can-bo/tiep-nhan/", _intake_post(world, uuid.uuid4().hex, decision="refuse")
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Cần ghi rõ lý do không tiếp nhận." in html
    assert 'href="#id_comment"' in html  # the summary leads to the field
    assert 'aria-describedby="id_comment_error"' in html
    assert 'value="Phạm Văn Quầy"' in html and 'value="Phạm Bé"' in html
    assert 'value="Phạm Mẹ"' in html
    assert 'id="f-received-to-khai" name="received-to-khai" value="1" checked' in html
    assert "vui lòng chọn lại bản quét" in html  # files are the one thing not kept
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()


def test_intake_checks_every_field_at_once_with_messages_linked_to_the_fields(world):
    response = login(world.counter_a).post(
        "/can-bo/tiep-nhan/",
        _intake_post(
            world,
            uuid.uuid4().hex,
            applicant_id_number="123",
            applicant_name="",
            ho_ten="",
            ngay_sinh="15/01/2026",
            **{"thanh_vien[0].ten": ""},
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Số CCCD gồm đúng 12 chữ số." in html
    assert "Bắt buộc nhập họ tên người nộp." in html
    assert 'href="#id_applicant_id_number"' in html
    assert 'aria-describedby="id_applicant_id_number_error"' in html
    # The e-form's own messages, next to their fields and in the summary.
    assert 'href="#f-ho_ten"' in html and 'id="f-ho_ten-error"' in html
    assert "Ngày không hợp lệ" in html and 'value="15/01/2026"' in html
    assert 'href="#f-thanh_vien-0--ten"' in html
    assert not Dossier.objects.exists()


def test_a_file_of_the_wrong_type_or_too_large_is_refused_in_vietnamese(world, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client = login(world.counter_a)
    wrong = client.post(
        "/can-bo/tiep-nhan/",
        _intake_post(
            world,
            uuid.uuid4().hex,
            **{"file-to-khai": SimpleUploadedFile("a.gif", b"GIF89a" + b"x" * 10)},
        ),
    )
    big = client.post(
        "/can-bo/tiep-nhan/",
        _intake_post(
            world,
            uuid.uuid4().hex,
            **{"file-to-khai": SimpleUploadedFile("a.pdf", PDF + b"x" * 200)},
        ),
    )
    assert wrong.status_code == big.status_code == 422
    assert "Chỉ nhận PDF, JPEG hoặc PNG" in wrong.content.decode()
    assert 'href="#f-file-to-khai"' in wrong.content.decode()
    assert "Tối đa" in big.content.decode()
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()


def test_accepting_needs_every_required_paper_checked(world):
    post = _intake_post(world, uuid.uuid4().hex)
    del post["received-to-khai"], post["file-to-khai"]
    response = login(world.counter_a).post("/can-bo/tiep-nhan/", post)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Chưa nhận giấy tờ bắt buộc này" in html and 'href="#f-received-to-khai"' in html
    assert not Dossier.objects.exists()


def test_adding_a_member_redraws_the_form_with_everything_kept(world):
    response = login(world.counter_a).post(
        "/can-bo/tiep-nhan/", {**_intake_post(world, uuid.uuid4().hex), "_add": "thanh_vien"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="thanh_vien[1].ten"' in html and 'value="Phạm Mẹ"' in html
    assert 'value="Phạm Văn Quầy"' in html
    assert "Số CCCD" in html and "errorlist" not in html and 'class="error"' not in html
    assert not Dossier.objects.exists()


def test_a_supplement_request_at_intake_lists_the_missing_papers(world):
    post = _intake_post(world, uuid.uuid4().hex, decision="request_supplement")
    del post["received-to-khai"], post["file-to-khai"]
    response = login(world.counter_a).post("/can-bo/tiep-nhan/", post)
    assert response.status_code == 302
    d = Dossier.objects.get()
    assert d.state == "supplement_requested"
    assert d.events.get(action="request_supplement").comment == "Cần bổ sung: Tờ khai."


def test_a_supplement_request_at_intake_keeps_the_officers_reason(world):
    response = login(world.counter_a).post(
        "/can-bo/tiep-nhan/",
        _intake_post(
            world, uuid.uuid4().hex, decision="request_supplement", comment="Thiếu bản sao CCCD"
        ),
    )
    assert response.status_code == 302
    d = Dossier.objects.get()
    assert d.state == "supplement_requested"
    assert d.events.get(action="request_supplement").comment == "Thiếu bản sao CCCD"


# --- the result file ----------------------------------------------------------------------------


def _at_state(world, state: str) -> Dossier:
    """A dossier of agency A brought to ``state`` through the real actions."""
    d = submit(world)
    steps = {
        "submitted": [],
        "supplement_requested": [(world.counter_a, "request_supplement", {}, "Thiếu.")],
        "accepted": [(world.counter_a, "accept", {}, "")],
        "in_process": [
            (world.counter_a, "accept", {}, ""),
            (world.leader_a, "assign", {"assignee": "chuyenvien"}, ""),
        ],
        "approved": [
            (world.counter_a, "accept", {}, ""),
            (world.leader_a, "assign", {"assignee": "chuyenvien"}, ""),
            (world.leader_a, "approve", {}, ""),
        ],
        "done": [
            (world.counter_a, "accept", {}, ""),
            (world.leader_a, "assign", {"assignee": "chuyenvien"}, ""),
            (world.leader_a, "approve", {}, ""),
            (world.handler_a, "finish", {}, ""),
        ],
        "returned": [
            (world.counter_a, "accept", {}, ""),
            (world.leader_a, "assign", {"assignee": "chuyenvien"}, ""),
            (world.leader_a, "approve", {}, ""),
            (world.handler_a, "finish", {}, ""),
            (world.counter_a, "return_result", {}, ""),
        ],
        "refused": [(world.counter_a, "refuse", {}, "Không thuộc thẩm quyền.")],
    }[state]
    for user, action, params, comment in steps:
        d = dossier_act(user=user, code=d.code, action=action, params=params, comment=comment)
    return d


RESULT_CASES = [
    # persona, state, the page offers the upload, the service takes the file
    ("counter_a", "done", True, True),
    ("handler_a", "in_process", True, True),
    ("leader_a", "approved", True, True),
    # Before acceptance, or while waiting for the applicant, there is no result to attach: the
    # page does not offer it (the service, which decides, would still take it).
    ("counter_a", "submitted", False, True),
    ("counter_a", "supplement_requested", False, True),
    ("leader_a", "accepted", False, True),
    ("counter_a", "returned", False, False),  # ended: nothing more is attached
    ("counter_a", "refused", False, False),
    ("counter_b", "done", False, False),  # another agency: not even visible
    ("handler_b", "in_process", False, False),
    ("sysadmin", "done", False, False),  # sees every dossier, belongs to no agency
]


@pytest.mark.parametrize(("persona", "state", "offered", "taken"), RESULT_CASES)
def test_who_may_upload_a_result_and_when(world, persona, state, offered, taken):
    d = _at_state(world, state)
    assert d.state == state
    client = login(getattr(world, persona))
    page = client.get(f"/can-bo/ho-so/{d.code}/")

    response = client.post(
        f"/can-bo/ho-so/{d.code}/ket-qua/",
        {"result_file": SimpleUploadedFile("ket-qua.pdf", PDF, "application/pdf")},
    )

    results = DossierFile.objects.filter(dossier=d, is_result=True)
    assert ('id="result-upload"' in page.content.decode()) is offered
    if taken:
        assert response.status_code == 302
        assert response["Location"] == f"/can-bo/ho-so/{d.code}/"
        assert [(r.name, r.document_code) for r in results] == [("ket-qua.pdf", "result")]
    else:
        assert page.status_code == 403 or 'id="result-upload"' not in page.content.decode()
        assert response.status_code in (403, 404, 409)
        assert not results.exists()


def test_a_result_forwarded_agencys_officer_sees_the_dossier_but_may_not_upload(world):
    d = _at_state(world, "in_process")
    dossier_act(
        user=world.handler_a,
        code=d.code,
        action="forward",
        params={"agency": world.agency_b.agency_id, "days": 2},
    )
    client = login(world.handler_b)
    page = client.get(f"/can-bo/ho-so/{d.code}/")
    assert page.status_code == 200 and 'id="result-upload"' not in page.content.decode()
    response = client.post(
        f"/can-bo/ho-so/{d.code}/ket-qua/", {"result_file": SimpleUploadedFile("k.pdf", PDF)}
    )
    assert response.status_code == 403
    assert "Bạn không được thêm tệp vào hồ sơ này." in response.content.decode()
    assert not DossierFile.objects.exists()


def test_a_bad_result_file_is_refused_with_a_message_linked_to_the_field(world, settings):
    d = _at_state(world, "done")
    client = login(world.counter_a)

    wrong = client.post(
        f"/can-bo/ho-so/{d.code}/ket-qua/",
        {"result_file": SimpleUploadedFile("kq.docx", b"PK\x03\x04 not a pdf")},
    )
    settings.UPLOAD_MAX_BYTES = 10
    big = client.post(
        f"/can-bo/ho-so/{d.code}/ket-qua/", {"result_file": SimpleUploadedFile("kq.pdf", PDF)}
    )
    missing = client.post(f"/can-bo/ho-so/{d.code}/ket-qua/", {})

    assert wrong.status_code == big.status_code == missing.status_code == 422
    html = wrong.content.decode()
    assert "Định dạng tệp không được chấp nhận." in html
    assert "Chỉ nhận PDF, JPEG hoặc PNG" in html
    assert 'aria-describedby="result-file-help result-file-error"' in html
    assert 'href="#result-file"' in html
    assert "Tệp quá lớn." in big.content.decode()
    assert "Chưa chọn tệp kết quả." in missing.content.decode()
    assert not DossierFile.objects.exists()


def test_the_uploaded_result_is_listed_for_the_officer_and_offered_to_the_citizen(world):
    d = _at_state(world, "done")
    login(world.counter_a).post(
        f"/can-bo/ho-so/{d.code}/ket-qua/", {"result_file": SimpleUploadedFile("gks.pdf", PDF)}
    )
    record = DossierFile.objects.get(is_result=True)
    officer_page = login(world.counter_a).get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert f'href="/can-bo/ho-so/{d.code}/tep/{record.pk}/">gks.pdf</a>' in officer_page
    citizen_page = login(world.citizen).get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    assert f"/ho-so-cua-toi/{d.code}/tep/{record.pk}/" in citizen_page
    assert "Tải kết quả: gks.pdf" in citizen_page


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
