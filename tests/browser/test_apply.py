"""A citizen applies online on a phone: sign in, find the procedure, fill, review, submit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chinhquyen.demo.services import CATALOGUE_FILE
from chinhquyen.dossiers.models import Dossier
from conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh (demo catalogue)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def birth_registration(world):
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import catalogue_import, procedure_link_agencies

    report = catalogue_import(file_name=CATALOGUE_FILE.name, content=CATALOGUE_FILE.read_bytes())
    assert report.ok, [str(e) for e in report.errors]
    procedure = Procedure.objects.get(code=BIRTH)
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure.current


def fill(page: Page, schema: dict, value, name: str = "") -> None:
    """Type ``value`` into the form field by field, the way a citizen would."""
    kind = schema.get("type")
    if kind == "object":
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                fill(page, sub, value[key], f"{name}.{key}" if name else key)
        return
    field = page.locator(f'[name="{name}"]')
    if "oneOf" in schema and len(schema["oneOf"]) <= 4:
        page.locator(f'[name="{name}"][value="{value}"]').check()
    elif "oneOf" in schema or "enum" in schema:
        field.select_option(str(value))
    elif kind == "boolean":
        if value:
            field.check()
    else:
        field.fill(str(value))


def test_a_citizen_applies_online_for_a_birth_registration_on_a_phone(
    live_server, birth_registration, world, phone: Page, axe_check, tmp_path, screenshot_dir
):
    pdf = tmp_path / "giay-to.pdf"
    pdf.write_bytes(PDF)
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="Đăng nhập").click()
    phone.get_by_label("Tên đăng nhập").fill(world.citizen.username)
    phone.get_by_label("Mật khẩu").fill(PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    expect(phone.get_by_role("link", name="Hồ sơ của tôi")).to_be_visible()

    phone.get_by_label("Tên hoặc mã thủ tục").fill("khai sinh")
    phone.get_by_role("button", name="Tìm kiếm").click()
    phone.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).click()
    phone.get_by_role("button", name="Nộp trực tuyến").click()
    expect(phone).to_have_url(re.compile(rf"/nop-ho-so/{BIRTH}/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")

    assert axe_check(phone) == []
    schema = birth_registration.form_schema
    fill(phone, schema, schema["examples"][0])
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(screenshot_dir / "apply-form-phone.png"), full_page=True)
    phone.get_by_role("button", name="Kiểm tra lại").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại hồ sơ")
    expect(phone.get_by_text("Nguyễn Minh Khang")).to_be_visible()
    phone.get_by_label(re.compile("^Tờ khai")).set_input_files(str(pdf))
    phone.get_by_label(re.compile("Giấy chứng sinh")).set_input_files(str(pdf))
    phone.get_by_role("button", name="Nộp hồ sơ").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    dossier = Dossier.objects.get()
    expect(phone.locator("#dossier-code")).to_have_text(dossier.code)
    assert dossier.files.count() == 2
    phone.screenshot(path=str(screenshot_dir / "apply-done-phone.png"), full_page=True)
