"""The error pages on a 390 px phone: readable, no sideways scrolling, no serious axe finding."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_404_page_fits_a_phone_and_passes_axe(live_server, new_context, axe_check):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    response = page.goto(
        f"{live_server.url}/mot-dia-chi-rat-dai-khong-co-tren-cong/ma-ho-so-000.01.90.H26-261207-0001/"
    )
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_check(page) == []
