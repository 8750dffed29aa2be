"""Every named page on a 390 px phone.

The patterns are read from the URL resolver (the portal, workspace, reporting, feedback,
consultations, signatures and exchange URL confs), never listed by hand: each must have a way
to be visited in ``VISITS`` — the persona who would open it (the citizen for "Hồ sơ của tôi",
an officer for the workspace, nobody for the public pages) and, for a pattern with parameters,
real objects built through the services on the demo data (``demo_load``) — or an exclusion in
``EXCLUDED`` with its reason. A new pattern with neither fails the test, and so does a stale
entry.

Each page must answer without a server error and be no wider than the screen
(``document.documentElement.scrollWidth`` ≤ 390): nothing may scroll sideways. Files (the XLSX
and PDF exports, downloads) are fetched with the same cookies and must answer a file. Each page
is photographed to ``var/screenshots/every-page/``; axe runs on the public and citizen pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.cache import caches
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.django_db(transaction=True)

NAMESPACES = (
    "accounts",
    "portal",
    "workspace",
    "reporting",
    "feedback",
    "consultations",
    "signatures",
    "exchange",
)
PHONE_390 = {"width": 390, "height": 844}
SHOTS = SCREENSHOT_DIR / "every-page"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
# Namespaces whose pages are checked with axe here (the officers' pages are being rebuilt and
# have their own tests).
AXE_NAMESPACES = ("accounts", "portal", "reporting", "signatures", "consultations", "feedback")
# Not checked with axe, and why.
AXE_SKIP = {
    # The counter's shared kiosk returns to its start screen by itself (a meta refresh, which
    # axe always flags): a device at the counter, not a page a person keeps open.
    "portal:kiosk_thanks",
}
OFFICER_PAGES = {
    "feedback:inbox",
    "feedback:officer_detail",
    "consultations:new",
    "consultations:manage",
    "consultations:usefulness",
}


@dataclass
class Demo:
    """The demo's objects the parameterised pages are shown for."""

    # The demo's dossiers in its order: new, accepted, assigned, supplement, done (signed and
    # sealed), then three drafts waiting for the leader's signature.
    dossiers: list[str]
    file_id: int
    batch: int  # the leader's signing of one of the drafts
    official: str  # the SHA-256 of the done dossier's official (sealed) result
    consultation: int
    feedback: str
    attachment: int
    province: str  # the demo agencies' province (two-level units)
    agency_key: str
    register_line: int  # a document received over the axis, as the EdXML102 library built it


@dataclass
class Visit:
    persona: str | None  # a demo username, "kiosk" (a switched-on kiosk), None: nobody
    kwargs: Callable[[Demo], dict] = lambda d: {}
    query: str = ""
    download: bool = False  # a file: fetched, not shown

    def label(self) -> str:
        return self.persona or "anonymous"


def visit(persona, kwargs=None, query="", download=False) -> Visit:
    return Visit(persona, kwargs or (lambda d: {}), query, download)


CITIZEN, COUNTER, HANDLER, LEADER, ADMIN, KIOSK = (
    "congdan",
    "motcua",
    "chuyenvien",
    "lanhdao",
    "admin",
    "kiosk",
)
SCENARIO = "?period=2019&indicator=edoc.signed_share"

VISITS: dict[str, list[Visit]] = {
    # The citizen portal, signed in as the citizen; the kiosk as a switched-on device.
    "portal:home": [visit(CITIZEN), visit(None, query="?q=giay+phep")],
    "portal:procedure": [visit(CITIZEN, lambda d: {"code": "1.001193"})],
    # The search box's suggestions: JSON for the home page's script, fetched, not shown.
    "portal:suggest": [visit(None, query="?q=khai+sinh", download=True)],
    "portal:lookup": [visit(CITIZEN)],
    "portal:lookup_result": [visit(None, lambda d: {"code": d.dossiers[1]})],
    "portal:scores": [visit(None)],
    "portal:kiosk": [visit(KIOSK), visit(None)],
    "portal:kiosk_thanks": [visit(KIOSK)],
    "portal:kiosk_evaluate": [visit(KIOSK, lambda d: {"code": d.dossiers[4]})],
    "portal:apply": [visit(CITIZEN, lambda d: {"code": "1.001193"})],
    "portal:my_dossiers": [visit(CITIZEN)],
    "portal:my_dossier": [visit(CITIZEN, lambda d, i=i: {"code": d.dossiers[i]}) for i in range(5)],
    "portal:my_dossier_submitted": [visit(CITIZEN, lambda d: {"code": d.dossiers[0]})],
    "portal:my_dossier_withdraw": [visit(CITIZEN, lambda d: {"code": d.dossiers[0]})],
    "portal:my_dossier_file": [
        visit(CITIZEN, lambda d: {"code": d.dossiers[0], "file_id": d.file_id}, download=True)
    ],
    # The officer workspace.
    "workspace:inbox": [visit(COUNTER), visit(LEADER)],
    "workspace:dossier": [
        visit(COUNTER, lambda d: {"code": d.dossiers[0]}),
        visit(HANDLER, lambda d: {"code": d.dossiers[2]}),
        visit(LEADER, lambda d: {"code": d.dossiers[4]}),
    ],
    "workspace:file": [
        visit(COUNTER, lambda d: {"code": d.dossiers[0], "file_id": d.file_id}, download=True)
    ],
    "workspace:intake": [visit(COUNTER)],
    "workspace:dashboard": [visit(LEADER)],
    "workspace:kiosk_enable": [visit(COUNTER)],
    "workspace:staff_scores": [visit(LEADER)],
    "workspace:sign_batch": [visit(LEADER, lambda d: {"batch_id": d.batch})],
    # The reporting centre: public, and for the officers and the system admin their extras.
    "reporting:dashboard": [visit(None), visit(None, query=SCENARIO), visit(ADMIN)],
    "reporting:dashboard_xlsx": [visit(None, query=SCENARIO, download=True)],
    "reporting:dashboard_pdf": [visit(None, query=SCENARIO, download=True)],
    "reporting:province": [
        visit(None, lambda d: {"code": d.province}),
        visit(None, lambda d: {"code": "26"}, query=SCENARIO),  # Vĩnh Phúc, 2019
        visit(ADMIN, lambda d: {"code": d.province}),
    ],
    "reporting:province_export": [
        visit(None, lambda d: {"code": "26", "kind": "xlsx"}, query=SCENARIO, download=True),
        visit(None, lambda d: {"code": "26", "kind": "pdf"}, query=SCENARIO, download=True),
    ],
    "reporting:unit": [
        visit(None, lambda d: {"key": "nation"}, query=SCENARIO),
        visit(LEADER, lambda d: {"key": d.agency_key}),
        visit(None, lambda d: {"key": f"province:{d.province}"}),
    ],
    "reporting:unit_export": [
        visit(None, lambda d: {"key": "nation", "kind": "pdf"}, query=SCENARIO, download=True),
        visit(None, lambda d: {"key": "nation", "kind": "xlsx"}, query=SCENARIO, download=True),
    ],
    "reporting:transparency": [visit(None), visit(None, query="?period=2026-13")],
    "reporting:transparency_export": [
        visit(None, lambda d: {"kind": "xlsx"}, download=True),
        visit(None, lambda d: {"kind": "pdf"}, download=True),
    ],
    # Feedback: the public pages, the sender's, the officers'.
    "feedback:list": [visit(None)],
    "feedback:send": [visit(None), visit(CITIZEN)],
    "feedback:sent": [visit(CITIZEN, lambda d: {"code": d.feedback})],
    "feedback:mine": [visit(CITIZEN)],
    "feedback:track": [visit(CITIZEN, lambda d: {"code": d.feedback})],
    "feedback:inbox": [visit(COUNTER)],
    "feedback:officer_detail": [visit(COUNTER, lambda d: {"code": d.feedback})],
    "feedback:attachment": [
        visit(COUNTER, lambda d: {"code": d.feedback, "pk": d.attachment}, download=True)
    ],
    "feedback:detail": [visit(None, lambda d: {"code": d.feedback})],
    "feedback:communes": [visit(None, lambda d: {"province": d.province}, download=True)],
    # Consultations.
    "consultations:list": [visit(None)],
    "consultations:detail": [
        visit(None, lambda d: {"pk": d.consultation}),
        visit(CITIZEN, lambda d: {"pk": d.consultation}),
    ],
    "consultations:new": [visit(LEADER)],
    "consultations:manage": [visit(LEADER, lambda d: {"pk": d.consultation})],
    "consultations:usefulness": [visit(LEADER)],
    # Signatures: the verification page (its report is checked below, after an upload).
    "signatures:verify": [visit(None)],
    "signatures:verify_result": [visit(CITIZEN, lambda d: {"sha256": d.official})],
    # The exchange registers.
    "exchange:registers": [visit(COUNTER), visit(COUNTER, query="?so=out")],
    "exchange:entry": [visit(COUNTER, lambda d: {"entry_id": d.register_line})],
    "exchange:attachment": [
        visit(COUNTER, lambda d: {"entry_id": d.register_line, "index": 1}, download=True)
    ],
    # The account page: password and API keys.
    "accounts:account": [visit(CITIZEN), visit(COUNTER)],
}


@dataclass
class PostOnly:
    """A pattern that is not a page: it answers a GET with 405 (checked, signed in as
    ``persona`` so that the access check lets the request through to the method check). Its
    page is the one it belongs to, visited above."""

    reason: str
    persona: str | None
    kwargs: Callable[[Demo], dict]


EXCLUDED: dict[str, PostOnly] = {
    "workspace:dossier_action": PostOnly(
        "POST only: the actions of the dossier page", COUNTER, lambda d: {"code": d.dossiers[0]}
    ),
    "workspace:sign_start": PostOnly(
        "POST only: the sign buttons of the dossier page and the inbox", LEADER, lambda d: {}
    ),
    "workspace:result_upload": PostOnly(
        "POST only: the result upload of the dossier page",
        COUNTER,
        lambda d: {"code": d.dossiers[2]},
    ),
    "portal:my_dossier_supplement": PostOnly(
        "POST only: the supplement form of the citizen's dossier page",
        CITIZEN,
        lambda d: {"code": d.dossiers[3]},
    ),
    "portal:my_dossier_evaluate": PostOnly(
        "POST only: the evaluation form of the citizen's dossier page",
        CITIZEN,
        lambda d: {"code": d.dossiers[4]},
    ),
    "feedback:act": PostOnly(
        "POST only: the officer's actions on a feedback",
        COUNTER,
        lambda d: {"code": d.feedback, "action": "accept"},
    ),
    "feedback:vote": PostOnly(
        "POST only: the useful / not useful vote on a published answer",
        None,
        lambda d: {"code": d.feedback},
    ),
    "accounts:password_change": PostOnly(
        "POST only: the password form of the account page", CITIZEN, lambda d: {}
    ),
    "accounts:token_revoke": PostOnly(
        "POST only: a revoke button of the account page", CITIZEN, lambda d: {"token_id": 1}
    ),
    "accounts:tokens_revoke_all": PostOnly(
        "POST only: the revoke-all button of the account page", CITIZEN, lambda d: {}
    ),
    "exchange:answer": PostOnly(
        "POST only: the status answer to a register line", COUNTER, lambda d: {"entry_id": 1}
    ),
}


def named_patterns() -> set[str]:
    """namespace:name of every named pattern of ``NAMESPACES``, from the resolver."""
    found: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace in NAMESPACES:
                found.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return found


def test_every_named_pattern_has_a_visit_or_a_reason():
    """Runs without a browser: a new page cannot slip past the phone check unnoticed."""
    patterns = named_patterns()
    assert {p.split(":")[0] for p in patterns} == set(NAMESPACES)
    missing = sorted(patterns - VISITS.keys() - EXCLUDED.keys())
    assert not missing, f"no visit nor exclusion for {missing}: add one to VISITS or EXCLUDED"
    stale = sorted((VISITS.keys() | EXCLUDED.keys()) - patterns)
    assert not stale, f"no such patterns any more: {stale}"
    assert not VISITS.keys() & EXCLUDED.keys()


# --- the demo's objects ------------------------------------------------------------------------


def build_demo(settings, tmp_path: Path) -> Demo:
    """The demo (``demo_load``: units, catalogue, accounts, dossiers in five states, the open
    consultation, the signing identities, the 2019 scenario), then what it lacks, through the
    services: a citizen's file, a published feedback with an attachment."""
    from django.contrib.auth import get_user_model

    from chinhquyen.consultations.models import Consultation
    from chinhquyen.demo.services import demo_load
    from chinhquyen.dossiers.models import Dossier
    from chinhquyen.dossiers.services import dossier_file_add, workflow_install_standard
    from chinhquyen.feedback import services as feedback
    from chinhquyen.feedback.models import FeedbackKind
    from chinhquyen.reporting.indicators import indicators_load

    settings.SIGNATURES_KEY_DIR = str(tmp_path / "keys")
    settings.SIGNATURES_KEY_PASSPHRASE = "khoa-demo-thu-nghiem"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Transactional tests flush the rows the migrations seed: the workflow and the indicators.
    workflow_install_standard()
    indicators_load()
    caches["reporting"].clear()  # a table of its own, which the flush leaves as it was
    loaded = demo_load()
    users = {u.username: u for u in get_user_model().objects.all()}
    codes = loaded["dossiers"]
    assert len(codes) == 8, codes
    first = Dossier.objects.select_related("procedure_version", "agency__unit").get(code=codes[0])
    slot = first.procedure_version.documents.first()
    added = dossier_file_add(
        user=users[CITIZEN], code=codes[0], document_code=slot.code, name="to-khai.pdf", content=PDF
    )
    sent, _token = feedback.feedback_submit(
        user=users[CITIZEN],
        kind=FeedbackKind.AGENCY,
        agency_id=first.agency.agency_id,
        title="Bộ phận một cửa đóng cửa sớm vào chiều thứ Sáu",
        description=(
            "Chiều thứ Sáu 04/12/2026 tôi đến nộp hồ sơ lúc 16:30 nhưng bộ phận một cửa đã "
            "đóng; đường dẫn https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh"
            ".html?ma_thu_tuc=1.001193&co_quan=000.01.90.H26 cũng không mở được."
        ),
        attachments=[("anh-cua-dong.png", PNG)],
    )
    feedback.feedback_accept(user=users[COUNTER], code=sent.code)
    feedback.feedback_answer(
        user=users[HANDLER],
        code=sent.code,
        answer="Bộ phận một cửa làm việc đến 17:00; chúng tôi đã nhắc nhở cán bộ trực.",
    )
    feedback.feedback_publish(user=users[LEADER], code=sent.code)
    unit = first.agency.unit
    while unit.parent_id is not None:
        unit = unit.parent
    from chinhquyen.dossiers.results import result_official
    from chinhquyen.signatures.batches import signing_batch_start

    batch = signing_batch_start(user=users[LEADER], codes=[codes[5]], purpose="approve")
    assert batch.items.get().state == "done", batch.items.get().message
    official = result_official(dossier=Dossier.objects.get(code=codes[4]))
    assert official is not None, "the demo's done dossier has its sealed result"
    register_line = _received_document(settings, tmp_path, users[COUNTER])
    return Demo(
        dossiers=codes,
        file_id=added.pk,
        batch=batch.pk,
        official=official.sha256,
        consultation=Consultation.objects.get().pk,
        feedback=sent.code,
        attachment=sent.attachments.get().pk,
        province=unit.code,
        agency_key=f"agency:{first.agency.agency_id}",
        register_line=register_line,
    )


def _received_document(settings, tmp_path: Path, officer) -> int:
    """The counter's agency as an exchange node receives the message the government's EdXML102
    library built (zipped attachments), through the node's receive service."""
    from chinhquyen.exchange import services as exchange
    from chinhquyen.exchange.management.commands.exchange import make_keys
    from chinhquyen.exchange.models import RegisterEntry

    key, cert = tmp_path / "node.key.pem", tmp_path / "node.cert.pem"
    make_keys(key_path=key, cert_path=cert, common_name="Nút thử")
    settings.EXCHANGE_KEY_FILE, settings.EXCHANGE_CERT_FILE = str(key), str(cert)
    agency = officer.profile.agency
    exchange.node_identity_set(
        agency_id=agency.agency_id, name=agency.name, hub_url="http://hub.invalid", token="t"
    )
    fixture = Path(__file__).parents[2] / "chinhquyen/exchange/tests/library"
    payload = (fixture / "edxml102_all_fields.edxml").read_bytes()
    assert exchange.inbox_receive(
        message_id="demo-edxml102", sender="000.01.31.H26", payload=payload
    )
    return RegisterEntry.objects.get(message_id="demo-edxml102").pk


# --- visiting ----------------------------------------------------------------------------------


@dataclass
class Found:
    failures: list[str] = field(default_factory=list)
    overflowing: dict[str, int] = field(default_factory=dict)
    axe: dict[str, list] = field(default_factory=dict)
    seen: int = 0


class People:
    """One browser context per persona, signed in once through the login form."""

    def __init__(self, live_server, new_context):
        self.url = live_server.url
        self.new_context = new_context
        self.pages: dict[str | None, Page] = {}

    def page(self, persona: str | None) -> Page:
        if persona not in self.pages:
            context: BrowserContext = self.new_context(viewport=PHONE_390)
            page = context.new_page()
            if persona == KIOSK:
                from chinhquyen.pages.common import KIOSK_COOKIE as COOKIE
                from chinhquyen.pages.common import kiosk_cookie_value
                from chinhquyen.units.models import Agency

                agency = Agency.objects.get(agency_id="000.01.90.H26")
                context.add_cookies(
                    [{"name": COOKIE, "value": kiosk_cookie_value(agency.pk), "url": self.url}]
                )
            elif persona is not None:
                from chinhquyen.demo.services import DEMO_PASSWORD

                page.goto(f"{self.url}/dang-nhap/?next=/")
                page.locator("#id_username").fill(persona)
                page.locator("#id_password").fill(DEMO_PASSWORD)
                page.locator("main form button[type=submit]").click()
                page.wait_for_url(f"{self.url}/")
            self.pages[persona] = page
        return self.pages[persona]


def shot_name(name: str, n: int, v: Visit) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", f"{name.replace(':', '-')}-{n}-{v.label()}".lower())


def check_page(page: Page, url: str, label: str, shot: str, found: Found, *, axe_check=None):
    response = page.goto(url)
    status = response.status if response is not None else 0
    found.seen += 1
    if status >= 500 or status == 0:
        found.failures.append(f"{label}: answered {status}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE_390["width"]:
        found.overflowing[label] = width
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    if axe_check is not None:
        violations = axe_check(page)
        if violations:
            found.axe[label] = violations


def check_download(page: Page, url: str, label: str, found: Found) -> None:
    response = page.context.request.get(url)
    found.seen += 1
    kind = response.headers.get("content-type", "")
    if response.status >= 400 or kind.startswith("text/html"):
        found.failures.append(f"{label}: a file was expected, got {response.status} {kind}")


def check_signature_report(page: Page, base: str, demo_users, tmp_path: Path, found: Found):
    """The verification report of a document signed by the leader and sealed at the counter:
    the signatures' cards must not push the page sideways either."""
    from chinhquyen.signatures.services import document_sign
    from chinhquyen.signatures.testing import samples

    def sign() -> bytes:
        # pyHanko runs its own asyncio loop, which cannot start on this thread beside
        # Playwright's: the signing runs on a thread of its own (with its own connection).
        from django.db import connection

        try:
            box = samples.decision_box().as_tuple()
            signed = document_sign(
                user=demo_users[LEADER],
                data=samples.decision_pdf(),
                mode="personal",
                level="B-B",
                page=1,
                box=box,
            ).content
            return document_sign(
                user=demo_users[COUNTER], data=signed, mode="agency", level="B-B"
            ).content
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        sealed = pool.submit(sign).result()
    pdf = tmp_path / "quyet-dinh-da-ky.pdf"
    pdf.write_bytes(sealed)
    page.goto(f"{base}/chu-ky-so/kiem-tra/")
    page.locator('input[type="file"]').set_input_files(str(pdf))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    found.seen += 1
    assert page.locator("article.signature").count() == 2, "one card per signature"
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE_390["width"]:
        found.overflowing["signatures:verify (report)"] = width
    page.screenshot(path=str(SHOTS / "signatures-verify-report.png"), full_page=True)


def test_every_page_fits_a_390_px_phone(live_server, new_context, axe_check, settings, tmp_path):
    from django.contrib.auth import get_user_model

    SHOTS.mkdir(parents=True, exist_ok=True)

    # The demo signs its results (pyHanko runs an asyncio loop of its own, which cannot start
    # on this thread beside Playwright's): built on a thread of its own, with its own connection.
    def build() -> Demo:
        from django.db import connection

        try:
            return build_demo(settings, tmp_path)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        demo = pool.submit(build).result()
    people = People(live_server, new_context)
    found = Found()
    for name in sorted(named_patterns()):
        if name in EXCLUDED:
            post_only = EXCLUDED[name]
            url = live_server.url + reverse(name, kwargs=post_only.kwargs(demo))
            response = people.page(post_only.persona).context.request.get(url)
            if response.status != 405:
                found.failures.append(
                    f"{name}: excluded ({post_only.reason}) but answers a GET with "
                    f"{response.status}"
                )
            continue
        for n, v in enumerate(VISITS[name]):
            url = live_server.url + reverse(name, kwargs=v.kwargs(demo)) + v.query
            label = f"{name} [{v.label()}] {url.removeprefix(live_server.url)}"
            page = people.page(v.persona)
            if v.download:
                check_download(page, url, label, found)
                continue
            wants_axe = (
                name.split(":")[0] in AXE_NAMESPACES
                and name not in OFFICER_PAGES
                and name not in AXE_SKIP
            )
            check_page(
                page,
                url,
                label,
                shot_name(name, n, v),
                found,
                axe_check=axe_check if wants_axe else None,
            )
    users = {u.username: u for u in get_user_model().objects.all()}
    check_signature_report(people.page(None), live_server.url, users, tmp_path, found)

    report = [*found.failures]
    report += [f"{label}: {width} px wide at 390 px" for label, width in found.overflowing.items()]
    report += [f"{label}: axe {violations}" for label, violations in found.axe.items()]
    assert not report, "\n".join(report)
    assert found.seen >= sum(len(v) for v in VISITS.values())
