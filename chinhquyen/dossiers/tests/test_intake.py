"""Dossiers that arrive with files (``dossiers.intake``): checked at once, then all or nothing."""

from __future__ import annotations

import pytest

from chinhquyen.core.errors import PermissionDenied, ValidationFailed
from chinhquyen.dossiers.intake import (
    Upload,
    dossier_submit_with_files,
    dossier_supplement_with_files,
)
from chinhquyen.dossiers.models import Channel, Dossier, DossierFile
from chinhquyen.dossiers.services import Applicant, dossier_act
from conftest import VALID_FORM

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def online(world, uploads, **kw):
    return dossier_submit_with_files(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        uploads=uploads,
        **kw,
    )


def at_counter(world, uploads, **kw):
    return dossier_submit_with_files(
        user=world.counter_a,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        uploads=uploads,
        channel=Channel.COUNTER,
        applicant=Applicant(name="Trần Văn Quầy"),
        require_documents=False,
        **kw,
    )


def test_an_online_dossier_is_submitted_with_its_files(world):
    dossier = online(
        world, {"to-khai": Upload("to-khai.pdf", PDF), "cccd": Upload("cccd.png", PNG)}
    )
    assert dossier.state == "submitted"
    assert sorted(dossier.files.values_list("document_code", "content_type")) == [
        ("cccd", "image/png"),
        ("to-khai", "application/pdf"),
    ]


def test_every_file_problem_is_reported_at_once_and_nothing_is_written(world):
    with pytest.raises(ValidationFailed) as caught:
        online(world, {"cccd": Upload("cccd.gif", b"GIF89a..."), "la": Upload("x.pdf", PDF)})
    assert caught.value.code == "files_invalid"
    assert caught.value.fields == {
        "files.to-khai": ["Bắt buộc tải lên giấy tờ này."],
        "files.cccd": ["Chỉ nhận PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp)."],
        "files.la": ["Giấy tờ này không thuộc thủ tục."],
    }
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()


def test_an_oversized_file_is_refused_by_its_size(world, settings):
    settings.UPLOAD_MAX_BYTES = 20
    with pytest.raises(ValidationFailed) as caught:
        online(world, {"to-khai": Upload("to-khai.pdf", PDF)})
    assert caught.value.fields["files.to-khai"] == [f"Tối đa {20 / (1024 * 1024):g} MB."]
    assert not Dossier.objects.exists()


def test_form_errors_leave_no_dossier_and_no_file_row(world):
    with pytest.raises(ValidationFailed) as caught:
        dossier_submit_with_files(
            user=world.citizen,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data={"ho_ten": ""},
            uploads={"to-khai": Upload("to-khai.pdf", PDF)},
        )
    assert "form_data.ngay_sinh" in caught.value.fields
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()


def test_at_the_counter_the_decision_is_taken_in_the_same_transaction(world):
    dossier = at_counter(world, {"to-khai": Upload("tk.pdf", PDF)}, decision="accept")
    assert (dossier.state, dossier.channel, dossier.applicant_id) == ("accepted", 1, None)
    assert dossier.due_at is not None
    assert dossier.files.count() == 1


def test_a_refused_decision_undoes_the_dossier_and_its_files(world):
    with pytest.raises(ValidationFailed) as caught:
        at_counter(world, {"to-khai": Upload("tk.pdf", PDF)}, decision="refuse")  # no reason
    assert caught.value.code == "comment_required"
    assert not Dossier.objects.exists() and not DossierFile.objects.exists()


def test_at_the_counter_scans_are_checked_but_not_required(world):
    dossier = at_counter(world, {}, decision="request_supplement", comment="Thiếu tờ khai.")
    assert dossier.state == "supplement_requested" and not dossier.files.exists()
    with pytest.raises(ValidationFailed):
        at_counter(world, {"to-khai": Upload("tk.pdf", b"not a pdf")}, decision="accept")


def test_an_officer_cannot_submit_online_even_with_valid_files(world):
    with pytest.raises(PermissionDenied):
        dossier_submit_with_files(
            user=world.counter_a,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
            uploads={"to-khai": Upload("tk.pdf", PDF)},
        )
    assert not DossierFile.objects.exists()


def _waiting_for_supplement(world) -> Dossier:
    dossier = online(world, {"to-khai": Upload("to-khai.pdf", PDF)})
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    return dossier_act(
        user=world.counter_a, code=dossier.code, action="request_supplement", comment="Thiếu CCCD."
    )


def test_a_supplement_attaches_the_files_to_the_event_and_restarts_the_clock(world):
    dossier = _waiting_for_supplement(world)

    dossier = dossier_supplement_with_files(
        user=world.citizen, code=dossier.code, uploads={"cccd": Upload("cccd.pdf", PDF)}
    )

    assert dossier.state == "accepted" and dossier.paused_at is None
    event = dossier.events.get(action="submit_supplement")
    assert event.data["clock"] == "restarted"
    assert list(event.files.values_list("document_code", flat=True)) == ["cccd"]


def test_a_supplement_needs_a_file_and_a_bad_one_changes_nothing(world):
    dossier = _waiting_for_supplement(world)
    with pytest.raises(ValidationFailed) as none:
        dossier_supplement_with_files(user=world.citizen, code=dossier.code, uploads={})
    with pytest.raises(ValidationFailed) as bad:
        dossier_supplement_with_files(
            user=world.citizen, code=dossier.code, uploads={"cccd": Upload("a.pdf", b"%PDF-cut")}
        )
    assert none.value.code == "files_missing"
    assert bad.value.fields == {"files.cccd": ["Tệp PDF bị cắt hoặc hỏng."]}
    dossier.refresh_from_db()
    assert dossier.state == "supplement_requested"
    assert dossier.files.count() == 1  # the application's own file only


# 183 letters of Vietnamese: 261 bytes in UTF-8, past a file system's 255 bytes per name.
LONG_NAME = "Giấy chứng nhận quyền sử dụng đất " * 5 + "bản chính.pdf"


def test_a_file_name_longer_than_a_file_system_allows_is_kept_and_stored_safely(world):
    assert len(LONG_NAME.encode()) > 255
    dossier = online(world, {"to-khai": Upload(LONG_NAME, PDF), "cccd": Upload("cccd.png", PNG)})
    record = dossier.files.get(document_code="to-khai")
    assert record.name == LONG_NAME  # shown and downloaded under the person's own name
    stored = record.file.name.rsplit("/", 1)[1]
    assert len(stored.encode()) <= 80 and stored.isascii() and stored.endswith(".pdf")
    assert record.file.storage.exists(record.file.name)
    with record.file.open("rb") as handle:
        assert handle.read() == PDF


def test_a_file_name_past_the_column_keeps_its_extension(world):
    name = "ả" * 300 + ".png"
    dossier = online(world, {"to-khai": Upload("a.pdf", PDF), "cccd": Upload(name, PNG)})
    record = dossier.files.get(document_code="cccd")
    assert len(record.name) == 255 and record.name.endswith("ả.png")
    assert record.file.name.endswith(".png")
