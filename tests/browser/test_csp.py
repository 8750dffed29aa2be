"""The Content-Security-Policy blocks nothing of ours: pages that script, style and chart load
without a single violation in Chromium's console (what the policy refuses is reported there),
and the officer's account page works with it on."""

from __future__ import annotations

import pytest

from chinhquyen.dossiers.services import Applicant, dossier_submit
from conftest import VALID_FORM

from .conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_our_pages_break_no_rule_of_the_policy(world, live_server, new_context, sign_in):
    dossier = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        applicant=Applicant(name="Nguyễn Văn A"),
    )
    anonymous = new_context(viewport=DESKTOP).new_page()
    violations = _watch(anonymous)
    for path in ["/", "/tra-cuu/", "/phan-anh/gui/", "/bao-cao/", "/api/v1/docs"]:
        response = anonymous.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        anonymous.wait_for_load_state("networkidle")
    anonymous.locator(".opblock").first.wait_for()  # Swagger UI ran under the policy

    citizen = sign_in(world.citizen, "/ho-so-cua-toi/", viewport=DESKTOP)
    violations += _watch(citizen)
    for path in ["/ho-so-cua-toi/", f"/ho-so-cua-toi/{dossier.code}/", "/nop-ho-so/1.000001/"]:
        citizen.goto(live_server.url + path)
        citizen.wait_for_load_state("networkidle")

    officer = sign_in(world.counter_a, "/can-bo/", viewport=DESKTOP)
    violations += _watch(officer)
    for path in ["/can-bo/", f"/can-bo/ho-so/{dossier.code}/", "/can-bo/thong-ke/", "/tai-khoan/"]:
        officer.goto(live_server.url + path)
        officer.wait_for_load_state("networkidle")
    assert violations == []


def test_a_citizen_revokes_an_api_key_from_the_account_page(world, sign_in):
    from conftest import Api

    api, other = Api(world.citizen), Api(world.citizen)
    page = sign_in(world.citizen, "/tai-khoan/", viewport=DESKTOP)
    table = page.get_by_test_id("api-tokens")
    assert table.locator("tbody tr").count() == 2
    page.get_by_role("button", name="Thu hồi tất cả").click()
    page.wait_for_url("**/tai-khoan/")
    assert "Đã thu hồi 2 khoá API." in page.locator("main").inner_text()
    assert api.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 401
