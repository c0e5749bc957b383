"""The app served by uvicorn on a free localhost port, Debian's headless Chromium driven by
Playwright, demo members with API keys, and evidence to look at."""

from __future__ import annotations

import hashlib
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from api.app import create_app
from api.runtime import Runtime
from notary.intake import Submission, Submitter
from tests.api.conftest import Caller, client, demo  # noqa: F401  (fixtures used here)
from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium keeps calling home, which floods a closed network
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "pages"

# A page that waits on the chain (a confirmation signed and relayed, a clearing cycle run) can
# take more than Playwright's default 5 s on a loaded CI machine; the actions' own timeout
# (`context.set_default_timeout`) is 15 s, and the assertions wait as long.
expect.set_options(timeout=15_000)

RECORDING = b"RIFF" + bytes(range(256)) * 40 + b"collection call 2026-11-20 09:30"
"""The call recording the legal path verifies (the tampered copy differs in one byte)."""


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    """The app over the test's runtime, served by uvicorn in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not served.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh browser profile (English unless a test marks `zh`)."""
    locale = "zh-CN" if request.node.get_closest_marker("zh") else "en-US"
    context = browser.new_context(accept_downloads=True, locale=locale)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (test-artifacts/pages/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, base: str, caller: Caller) -> None:
    """Sign in through the form (mouse path; the keyboard path is tested on its own)."""
    page.goto(f"{base}/sign-in")
    page.get_by_label(re.compile("API key|API 密钥")).fill(caller.token)
    page.get_by_role("button", name=re.compile("^(Sign in|登录)$")).click()
    page.wait_for_url(re.compile(r"/$"))


@dataclass(frozen=True)
class Evidence:
    """What the `evidence` fixture made: ids by name, and the anchored recording."""

    recording: str
    agreement: str
    pending: str
    other_case: str
    lender_item: str


@pytest.fixture
def evidence(runtime: Runtime, demo: dict[str, Caller]) -> Evidence:  # noqa: F811
    """Evidence of case CASE-2026-001 (a recording and a digest-only agreement, anchored, and a
    pending photo), of another case, and a lender's own item."""
    intake = runtime.intake

    def submitter(name: str) -> Submitter:
        member = demo[name].member
        return Submitter(member_id=member.id, address=member.address)

    collector = submitter("collector")
    recording = intake.submit_file(
        collector,
        io.BytesIO(RECORDING),
        Submission(
            evidence_type="call_recording",
            media_type="audio/wav",
            case_reference="CASE-2026-001",
            channel="phone",
            file_name="call-0001.wav",
        ),
    )
    agreement = intake.submit_digest(
        collector,
        hashlib.sha256(b"signed repayment agreement").hexdigest(),
        Submission(
            evidence_type="signed_agreement",
            media_type="application/pdf",
            case_reference="CASE-2026-001",
        ),
        size=26,
    )
    other = intake.submit_file(
        collector,
        io.BytesIO(b"sms log of another case"),
        Submission(evidence_type="message_log", case_reference="CASE-2026-999"),
    )
    lender_item = intake.submit_file(
        submitter("lender"),
        io.BytesIO(b"lot audit photo"),
        Submission(evidence_type="audit_photo", case_reference="AUDIT-7", media_type="image/jpeg"),
    )
    runtime.anchorer.anchor_all()
    pending = intake.submit_file(
        collector,
        io.BytesIO(b"visit photo, not anchored yet"),
        Submission(
            evidence_type="visit_photo", case_reference="CASE-2026-001", media_type="image/jpeg"
        ),
    )
    return Evidence(
        recording=recording.public_id,
        agreement=agreement.public_id,
        pending=pending.public_id,
        other_case=other.public_id,
        lender_item=lender_item.public_id,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zh: the browser asks for Chinese (Accept-Language)")
