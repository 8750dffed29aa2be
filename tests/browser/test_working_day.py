"""Một ngày làm việc — a working day, through the real pages only.

A citizen applies online on a phone; the counter accepts; the leader assigns; the handler drafts
the result and submits it to the leader ("Trình lãnh đạo"); the leader selects three results in
the inbox and signs them in one batch, confirming with the second factor of their remote
signing service (the provider's phone app, a simulator in its own process); whoever keeps the
seal applies it to the three at once; the citizen downloads the one official result and the
public validator says it is valid, with the Decree 30 format met.

Every page visited is photographed at 1366 and 390 px (``var/screenshots/working-day/``), must
not scroll sideways at 390 px, and axe must report no serious or critical violation. The clicks
of the leader from the inbox to the signed results are counted (docs/workspace.md).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from chinhquyen.dossiers.models import Dossier, SignedAs
from chinhquyen.dossiers.results import result_current
from chinhquyen.dossiers.services import dossier_act, dossier_file_add, dossier_submit
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.testing.fixtures import REMOTE_LEADER
from chinhquyen.signatures.validation import validate_pdf
from conftest import VALID_FORM
from tests.browser.conftest import DESKTOP, SCREENSHOT_DIR
from tests.browser.test_story import act

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
SHOTS = SCREENSHOT_DIR / "working-day"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Walk:
    """Looks at every page a person reaches: axe, no sideways scrolling at 390 px, and a
    screenshot at both widths."""

    def __init__(self, axe_check):
        self.axe_check = axe_check
        self.n = 0
        self.problems: list[str] = []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def look(self, page: Page, name: str) -> None:
        self.n += 1
        here = page.viewport_size
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if width == 390 and scroll > 390:
                self.problems.append(f"{name}: {scroll} px wide at 390 px")
            for violation in self.axe_check(page):
                self.problems.append(f"{name} at {width} px: axe {violation}")
            page.screenshot(path=str(SHOTS / f"{self.n:02d}-{name}-{width}.png"), full_page=True)
        page.set_viewport_size(here)


@pytest.fixture
def agency_seal(world, settings, tmp_path, remote_identity):
    """The agency's seal on a key the agency holds (a key file here; a token or HSM in
    production) and its clerk's role: the one-stop counter keeps the seal, as in most communes."""
    from chinhquyen.signatures import services

    settings.SIGNATURES_KEY_DIR = str(tmp_path / "keys")
    settings.SIGNATURES_KEY_PASSPHRASE = "khoa-thu-nghiem"
    settings.SIGNATURES_DEFAULT_LEVEL = "B-B"
    settings.MEDIA_ROOT = tmp_path / "media"
    ca = services.ca_init(name="CA của tỉnh (thử nghiệm)")
    return services.identity_issue(
        ca=ca,
        label="con-dau-phuong-a",
        kind="agency",
        agency=world.agency_a,
        common_name=world.agency_a.name,
        image_png=samples.red_seal_png(),
    )


@pytest.fixture
def electronic_result(world):
    procedure = world.procedure
    procedure.electronic_result = True
    procedure.save()
    leader = world.leader_a.profile
    leader.position = "CHỦ TỊCH"
    leader.full_name = "Phạm Thị Dung"
    leader.save()
    return procedure


def waiting_for_the_leader(world, n: int) -> list[str]:
    """Other dossiers of the day, already drafted and submitted to the leader."""
    codes = []
    for i in range(n):
        d = dossier_submit(
            user=world.citizen2,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
        )
        dossier_act(user=world.counter_a, code=d.code, action="accept")
        dossier_act(
            user=world.leader_a,
            code=d.code,
            action="assign",
            params={"assignee": world.handler_a.username},
        )
        dossier_file_add(
            user=world.handler_a,
            code=d.code,
            document_code="result",
            name=f"giay-chung-nhan-{i + 1}.pdf",
            content=samples.decision_pdf(name="Phạm Thị Dung"),
        )
        dossier_act(user=world.handler_a, code=d.code, action="submit_for_approval")
        codes.append(d.code)
    return codes


def test_a_working_day_from_the_application_to_the_official_signed_result(
    live_server,
    world,
    electronic_result,
    remote_identity,
    agency_seal,
    signing_simulator,
    sign_in,
    new_context,
    axe_check,
    tmp_path,
):
    walk = Walk(axe_check)
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)
    draft = tmp_path / "giay-khai-sinh-du-thao.pdf"
    draft.write_bytes(samples.decision_pdf(name="Phạm Thị Dung"))

    # 1. The citizen applies online, on a phone.
    citizen = sign_in(world.citizen, "/", viewport=PHONE_390)
    citizen.get_by_label("Tên hoặc mã thủ tục").fill("dang ky khai sinh")
    citizen.get_by_role("button", name="Tìm kiếm").click()
    citizen.get_by_role("link", name="Thủ tục thử nghiệm đăng ký khai sinh").click()
    walk.look(citizen, "thu-tuc")
    citizen.get_by_label("Nơi nộp hồ sơ").select_option(label=world.agency_a.name)
    citizen.get_by_role("button", name="Nộp trực tuyến").click()
    citizen.get_by_label("Họ và tên").fill("Nguyễn Văn Bé")
    citizen.get_by_label("Ngày sinh").fill("2026-01-15")
    citizen.get_by_label("Số CCCD").fill("031090001234")
    citizen.get_by_label("Nam", exact=True).check()
    walk.look(citizen, "nop-ho-so")
    citizen.get_by_role("button", name="Kiểm tra lại").click()
    citizen.get_by_label(re.compile("^Tờ khai")).set_input_files(str(scan))
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    code = citizen.locator("#dossier-code").inner_text()
    walk.look(citizen, "da-nop")

    # 2. The counter accepts; 3. the leader assigns the handler.
    counter = sign_in(world.counter_a, "/can-bo/", viewport=DESKTOP)
    counter.get_by_role("link", name=code).click()
    walk.look(counter, "mot-cua-ho-so")
    act(counter, "accept", "Hồ sơ đầy đủ")
    leader = sign_in(world.leader_a, f"/can-bo/ho-so/{code}/", viewport=DESKTOP)
    act(leader, "assign", **{"Chuyên viên xử lý": world.handler_a.profile.full_name})

    # 4. The handler uploads the draft result and submits it to the leader.
    handler = sign_in(world.handler_a, f"/can-bo/ho-so/{code}/", viewport=DESKTOP)
    upload = handler.locator("#result-upload")
    upload.get_by_label("Tệp kết quả (bản điện tử)").set_input_files(str(draft))
    upload.get_by_role("button", name="Tải lên kết quả").click()
    expect(handler.get_by_role("status").first).to_contain_text("Đã tải lên tệp kết quả")
    walk.look(handler, "chuyen-vien-ho-so")
    act(handler, "submit_for_approval", "Kính trình lãnh đạo ký")
    expect(handler.get_by_test_id("state")).to_have_text("Chờ lãnh đạo phê duyệt")
    expect(handler.locator("#result-upload")).to_have_count(0)  # the draft is locked now

    # 5. The leader signs three results at once from the inbox, with the app's confirmation.
    others = waiting_for_the_leader(world, 2)
    clicks = 0
    leader.goto(f"{live_server.url}/can-bo/")
    walk.look(leader, "lanh-dao-hop-thu")
    for pick in (code, *others):
        leader.get_by_label(f"Chọn hồ sơ {pick}").check()
        clicks += 1
    leader.get_by_role("button", name="Ký số và phê duyệt các hồ sơ đã chọn").click()
    clicks += 1
    expect(leader.get_by_role("status").first).to_contain_text(
        "Đang chờ bạn xác nhận trên ứng dụng ký số"
    )
    walk.look(leader, "lanh-dao-cho-xac-nhan")
    # Nothing is signed before the person confirms.
    assert not Dossier.objects.filter(code=code, state="approved").exists()

    app = new_context(viewport=PHONE_390).new_page()  # the leader's phone
    app.goto(signing_simulator.app_url(REMOTE_LEADER))
    request = app.get_by_role("region", name=re.compile("Yêu cầu ký"))
    expect(request).to_contain_text("3 tài liệu")
    expect(request).to_contain_text(code)
    walk.look(app, "ung-dung-ky-so")
    request.get_by_role("button", name="Xác nhận").click()
    clicks += 1
    expect(app.get_by_role("main")).to_contain_text("Đã xác nhận")

    # The leader's page follows by itself.
    expect(leader.get_by_role("status").first).to_contain_text("Đã ký 3/3 hồ sơ.", timeout=20_000)
    walk.look(leader, "lanh-dao-da-ky")
    assert clicks == 5  # three checkboxes, the sign button, the app's confirmation
    for c in (code, *others):
        d = Dossier.objects.get(code=c)
        assert d.state == "approved"
        assert result_current(dossier=d).signed_as == SignedAs.PERSONAL

    # The leader's dashboard: the share of results signed this month (none issued yet).
    leader.goto(f"{live_server.url}/can-bo/thong-ke/")
    walk.look(leader, "lanh-dao-thong-ke")

    # 6. The counter keeps the seal: it seals and issues the three together.
    counter.goto(f"{live_server.url}/can-bo/")
    for pick in (code, *others):
        counter.get_by_label(f"Chọn hồ sơ {pick}").check()
    walk.look(counter, "mot-cua-dong-dau")
    counter.get_by_role("button", name="Đóng dấu, ban hành các hồ sơ đã chọn").click()
    expect(counter.get_by_role("status").first).to_contain_text("Đã đóng dấu 3/3 hồ sơ.")
    walk.look(counter, "mot-cua-da-dong-dau")
    assert Dossier.objects.get(code=code).state == "done"
    # A second seal is refused: the dossier has moved on, nothing is signed twice.
    counter.goto(f"{live_server.url}/can-bo/ho-so/{code}/")
    expect(counter.locator("#act-seal")).to_have_count(0)
    leader.goto(f"{live_server.url}/can-bo/thong-ke/")
    expect(leader.locator('[data-stat="results_signed_share"]')).to_have_text(
        "100,0 %"
    )  # Vietnamese decimal comma

    # 7. The citizen downloads the one official result and checks it with the public validator.
    citizen.get_by_role("link", name="Hồ sơ của tôi").first.click()
    citizen.locator(".result", has_text=code).get_by_role("link").click()
    walk.look(citizen, "ho-so-cua-toi")
    downloads = citizen.get_by_role("link", name=re.compile("^Tải kết quả"))
    expect(downloads).to_have_count(1)
    with citizen.expect_download() as download_info:
        downloads.click()
    signed = download_info.value.path().read_bytes()
    with ThreadPoolExecutor(max_workers=1) as pool:  # pyHanko's loop, off Playwright's thread
        report = pool.submit(validate_pdf, signed).result()
    assert report.personal_valid and report.agency_valid
    assert report.decree30_ok, report.decree30.message
    citizen.get_by_role("link", name="Kiểm tra chữ ký số").click()
    expect(citizen.get_by_role("main")).to_contain_text("Chữ ký hợp lệ")
    expect(citizen.get_by_role("main")).to_contain_text(code)
    walk.look(citizen, "kiem-tra-chu-ky")

    assert walk.problems == [], "\n".join(walk.problems)
