"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
``live_server``.

Chromium is the distribution's (``/usr/bin/chromium``, installed by ``scripts/bootstrap.sh``),
never Playwright's own download: that one cannot be fetched where the project is built. If the
browser is missing or cannot start, every browser test *fails* with the reason: a skipped
browser test would let a broken portal pass CI.

``live_server`` serves from another thread and the test's data must be committed for it to see
it, so these tests run on a transactional database and build their data through the real
services. Set ``CHROMIUM_PATH`` to use another Chromium build.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in containers and CI
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--disable-background-networking",  # no traffic beyond the live server
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}  # the portal's main target
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
# Every page gets a little slack beyond Playwright's 30 s default on a loaded CI machine, but a
# hung page must still fail the test rather than the whole run.
TIMEOUT_MS = 15_000

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
HERE = Path(__file__).resolve().parent
HOW_TO_INSTALL = (
    "Install it with `bash scripts/bootstrap.sh` (as root: apt-get install chromium), "
    "or point CHROMIUM_PATH at a Chromium binary. Do not run `playwright install`."
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Playwright's sync API keeps an asyncio loop on the test thread, which Django's ORM takes
    for an async context and refuses (SynchronousOnlyOperation). Nothing runs concurrently: the
    test thread waits on the browser while the live server's thread answers it. So the ORM is
    allowed beside it for the whole of each browser test, database set-up and flush included,
    and only there: the variable must not reach other tests (``check --deploy`` rejects it).
    pytest calls this hook for every test of the run, whatever the conftest, hence the check."""
    if HERE not in item.path.parents:
        return (yield)
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        return (yield)
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Iterator[Browser]:
    # After the test database exists: its creation must not run beside Playwright's loop.
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}. {HOW_TO_INSTALL}", pytrace=False)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            pytest.fail(
                f"Chromium at {CHROMIUM} could not start: {exc}\n{HOW_TO_INSTALL}", pytrace=False
            )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make a fresh browser context (its own cookies): ``new_context(viewport=PHONE)``.

    The browser asks for Vietnamese, as a citizen's phone would; LocaleMiddleware would
    otherwise follow Chromium's en-US default.
    """
    made: list[BrowserContext] = []

    def make(*, viewport: dict[str, int] = PHONE, locale: str = "vi-VN") -> BrowserContext:
        phone = viewport["width"] < 600
        context = browser.new_context(
            viewport=viewport,
            locale=locale,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=2 if phone else 1,
        )
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def phone(new_context) -> Page:
    """A page on a 360×740 phone viewport."""
    return new_context(viewport=PHONE).new_page()


@pytest.fixture
def desktop(new_context) -> Page:
    """A page on a 1280×800 desktop viewport."""
    return new_context(viewport=DESKTOP).new_page()


@pytest.fixture
def axe_check() -> Callable[[Page], list[dict]]:
    """Run axe-core on the page; returns its serious and critical violations (expect none).

    axe-core comes bundled with the ``axe-playwright-python`` package (a dev dependency), so no
    network is needed.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page: Page) -> list[dict]:
        results = axe.run(page)
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def sign_in(live_server, new_context) -> Callable[..., Page]:
    """A page of ``user``, signed in through the login form, on ``path``:
    ``sign_in(world.counter_a, "/can-bo/", viewport=DESKTOP)``. Each call is a browser context
    of its own, so several personas can work side by side in one test."""
    from conftest import PASSWORD

    def make(user, path: str = "/", *, viewport: dict[str, int] = PHONE) -> Page:
        page = new_context(viewport=viewport).new_page()
        page.goto(f"{live_server.url}/dang-nhap/?next={path}")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(live_server.url + path)
        return page

    return make
