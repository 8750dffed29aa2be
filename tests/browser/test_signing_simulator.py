"""The remote signing provider's phone app (the simulator, a separate process): the leader sees
the batch the server sent, confirms one request and refuses another on a 390 px phone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from chinhquyen.signatures import services
from chinhquyen.signatures.providers import provider_for
from chinhquyen.signatures.testing import samples
from chinhquyen.signatures.testing.fixtures import REMOTE_LEADER
from chinhquyen.signatures.validation import validate_pdf

pytestmark = pytest.mark.django_db(transaction=True)
PHONE_390 = {"width": 390, "height": 844}


def test_the_leader_confirms_a_batch_and_refuses_a_request_in_the_app(
    world, remote_identity, signing_simulator, new_context, axe_check, screenshot_dir
):
    docs = {f"H26-000{i}": samples.decision_pdf(name=f"Người Nhận {i}") for i in range(1, 4)}
    prepared = {
        key: services.document_prepare(
            user=world.leader_a, data=pdf, mode="personal", position="Chủ tịch"
        )
        for key, pdf in docs.items()
    }
    page = new_context(viewport=PHONE_390).new_page()
    page.goto(signing_simulator.app_url(REMOTE_LEADER))
    expect(page.get_by_role("heading", level=2)).to_have_text("Yêu cầu ký đang chờ (0)")
    assert axe_check(page) == []

    # the server sends the requests while the app is open: it shows them by itself
    provider = provider_for(remote_identity)
    batch = provider.request(
        [(key, p.digest) for key, p in prepared.items()],
        description="Ký kết quả 3 hồ sơ: H26-0001, H26-0002, H26-0003",
    )
    other = provider.request(
        [("H26-0009", prepared["H26-0001"].digest)], description="Ký kết quả hồ sơ H26-0009"
    )

    expect(page.get_by_role("heading", level=2)).to_have_text("Yêu cầu ký đang chờ (2)")
    batch_card = page.get_by_role("region", name=f"Yêu cầu ký {batch.transaction_id}")
    expect(batch_card).to_contain_text("Ký kết quả 3 hồ sơ")
    expect(batch_card).to_contain_text("3 tài liệu")
    expect(batch_card).to_contain_text("Hết hạn lúc")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    assert axe_check(page) == []
    page.screenshot(path=str(screenshot_dir / "ky-so-tu-xa-ung-dung-390.png"), full_page=True)

    page.get_by_role("region", name=f"Yêu cầu ký {other.transaction_id}").get_by_role(
        "button", name="Từ chối"
    ).click()
    batch_card.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("Yêu cầu ký đang chờ (0)")
    expect(page.get_by_role("main")).to_contain_text("Đã xác nhận")
    expect(page.get_by_role("main")).to_contain_text("Đã từ chối")
    assert axe_check(page) == []

    assert provider.poll(other.transaction_id).state == "refused"
    answer = provider.poll(batch.transaction_id)
    assert answer.state == "confirmed"
    for key, p in prepared.items():
        signed = services.document_finish(
            user=world.leader_a, prepared=p, signature_value=answer.signatures[key]
        )
        # pyHanko's validator runs its own event loop: not on this thread, where Playwright's is
        with ThreadPoolExecutor(max_workers=1) as pool:
            report = pool.submit(validate_pdf, signed.content).result()
        assert report.personal_valid, key
