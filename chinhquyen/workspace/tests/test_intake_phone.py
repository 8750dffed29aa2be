"""The counter's intake form reads the applicant's phone with the shared normaliser
(``core.phone``), like every other form."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chinhquyen.dossiers.models import Dossier
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def intake(world, phone: str):
    client = Client()
    assert client.login(username=world.counter_a.username, password=PASSWORD)
    return client.post(
        "/can-bo/tiep-nhan/",
        {
            "token": uuid.uuid4().hex,
            "procedure": "1.000001",
            "channel": "1",
            "applicant_name": "Phạm Văn Quầy",
            "applicant_phone": phone,
            "ho_ten": "Phạm Bé",
            "ngay_sinh": "2026-01-15",
            "received-to-khai": "1",
            "decision": "accept",
            "file-to-khai": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
        },
    )


def test_the_applicants_phone_is_stored_in_national_form(world):
    assert intake(world, "+84 912.345.678").status_code == 302
    assert Dossier.objects.get().applicant_phone == "0912345678"


def test_a_phone_that_is_not_a_number_is_refused_next_to_the_field(world):
    response = intake(world, "0912 345")
    html = response.content.decode()
    assert "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0, ví dụ 0912 345 678" in html
    assert not Dossier.objects.exists()
