"""The citizen's "Hồ sơ của tôi": own dossiers, their detail, supplements and results."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chinhquyen.dossiers.models import DossierFile
from chinhquyen.dossiers.services import dossier_act, dossier_file_add, dossier_submit
from chinhquyen.workdays.text import deadline_text
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def submit(world, user=None):
    return dossier_submit(
        user=user or world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


def test_the_list_shows_the_citizens_dossiers_with_the_next_step(world):
    waiting = submit(world)
    accepted = dossier_act(user=world.counter_a, code=submit(world).code, action="accept")
    submit(world, world.citizen2)
    response = client_for(world.citizen).get("/ho-so-cua-toi/")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["items"]) == 2
    assert waiting.code in html and accepted.code in html
    assert "Chờ cán bộ tiếp nhận" in html
    assert f"Đang giải quyết, hẹn trả kết quả {deadline_text(accepted.due_at)}" in html


def test_the_list_costs_the_same_few_queries_with_fifty_dossiers(
    world, django_assert_max_num_queries
):
    for _ in range(50):
        submit(world)
    client = client_for(world.citizen)
    with django_assert_max_num_queries(10):
        response = client.get("/ho-so-cua-toi/")
    assert len(response.context["items"]) == 20
    with django_assert_max_num_queries(10):
        response = client.get("/ho-so-cua-toi/?trang=3")
    assert len(response.context["items"]) == 10


def test_the_list_and_detail_ask_to_sign_in(world):
    assert Client().get("/ho-so-cua-toi/").status_code == 302


def test_another_citizen_gets_not_found_for_a_dossier_that_is_not_theirs(world):
    dossier = submit(world)
    other = client_for(world.citizen2)
    assert other.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 404
    assert other.get(f"/ho-so-cua-toi/{dossier.code}/da-nop/").status_code == 404
    record = dossier_file_add(
        user=world.citizen, code=dossier.code, document_code="to-khai", name="a.pdf", content=PDF
    )
    assert other.get(f"/ho-so-cua-toi/{dossier.code}/tep/{record.pk}/").status_code == 404


def test_the_detail_shows_the_timeline_files_and_printable_forms(world):
    dossier = submit(world)
    dossier_file_add(
        user=world.citizen, code=dossier.code, document_code="to-khai", name="tk.pdf", content=PDF
    )
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    html = client_for(world.citizen).get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Tiếp nhận" in html and "Đã tiếp nhận" in html
    assert "tk.pdf" in html
    assert f'href="/api/v1/forms/{dossier.code}/01.pdf"' in html


def test_a_supplement_round_trip_returns_the_dossier_to_its_previous_state(world):
    dossier = submit(world)
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    dossier_act(
        user=world.counter_a,
        code=dossier.code,
        action="request_supplement",
        comment="Bổ sung bản sao căn cước.",
    )
    client = client_for(world.citizen)
    url = f"/ho-so-cua-toi/{dossier.code}/"
    html = client.get(url).content.decode()
    assert "Nộp bổ sung hồ sơ" in html and "Bổ sung bản sao căn cước." in html
    assert "Cần bổ sung hồ sơ" in html

    response = client.post(
        url + "bo-sung/",
        {"file-cccd": SimpleUploadedFile("cccd.pdf", PDF), "comment": "Đã bổ sung."},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "accepted"
    added = DossierFile.objects.get(document_code="cccd")
    assert added.event.action == "submit_supplement"
    assert "Đã nộp bổ sung hồ sơ." in client.get(response["Location"]).content.decode()


def test_a_bad_supplement_file_changes_nothing(world):
    dossier = submit(world)
    dossier_act(
        user=world.counter_a, code=dossier.code, action="request_supplement", comment="Thiếu."
    )
    response = client_for(world.citizen).post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {"file-cccd": SimpleUploadedFile("cccd.pdf", b"GIF89a...")},
    )
    assert response.status_code == 200
    assert "Chỉ nhận PDF, JPEG hoặc PNG" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == "supplement_requested"
    assert not DossierFile.objects.exists()


def test_the_result_is_downloaded_through_an_access_checked_view(world):
    dossier = submit(world)
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    result = dossier_file_add(
        user=world.counter_a, code=dossier.code, document_code="result", name="kq.pdf", content=PDF
    )
    client = client_for(world.citizen)
    link = f"/ho-so-cua-toi/{dossier.code}/tep/{result.pk}/"
    # A result being prepared is the officers' business until the result is issued.
    assert f'href="{link}"' not in client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert client.get(link).status_code == 404
    for user, action, params in (
        (world.leader_a, "assign", {"assignee": world.handler_a.username}),
        (world.leader_a, "approve", {}),
        (world.handler_a, "finish", {}),
    ):
        dossier_act(user=user, code=dossier.code, action=action, params=params)
    html = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert f'href="{link}"' in html
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    assert Client().get(link).status_code == 302
