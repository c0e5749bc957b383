"""The legal team's path in a real browser: sign in with the keyboard, search by case, open an
item, check the file in the browser (match, then a tampered copy: mismatch), download the
receipt and the certificate, sign out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from notary.receipts import verify_receipt
from notary.trust import TrustRoot
from tests.pages.conftest import RECORDING, shot


def test_legal_path(page: Page, server, demo, evidence, verify_url, tmp_path):
    legal = demo["legal"]

    # Signed out, every page leads to the sign-in page and back.
    page.goto(f"{server}/evidence")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/evidence$"))
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()

    # Keyboard only: the first Tab reaches the skip link, further Tabs the API key field.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-api_key":
            break
    field = page.get_by_label("API key")
    expect(field).to_be_focused()
    page.keyboard.type("al_0000_not-a-key")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("unknown or has been revoked")
    expect(alert).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    shot(page, "legal-01-sign-in-error")
    field.focus()
    page.keyboard.type(legal.token)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/evidence")

    # Home lists what a legal team can do; no oversight for them.
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Welcome, Lex & Partners Legal")).to_be_visible()
    expect(page.get_by_role("link", name="Oversight")).to_have_count(0)
    shot(page, "legal-02-home")

    # Search by case: two anchored items and one pending, not the other case's.
    page.get_by_role("navigation").get_by_role("link", name="Evidence").click()
    page.get_by_label("Case reference").fill("CASE-2026-001")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="3 items found")).to_be_visible()
    results = page.locator("table.data tbody tr")
    expect(results).to_have_count(3)
    expect(page.get_by_role("link", name=evidence.other_case)).to_have_count(0)
    expect(results.filter(has_text=evidence.pending)).to_contain_text("Pending")
    expect(results.filter(has_text=evidence.recording)).to_contain_text("Final")
    shot(page, "legal-03-search")

    # A bad date is reported at the top, focused, and at the field.
    page.goto(f"{server}/evidence?case=CASE-2026-001&from=2026-11-31")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("#f-from-error")).to_have_text("Enter a date like 2026-11-30.")

    # The item: record, anchoring, proof checks against the chain.
    page.goto(f"{server}/evidence?case=CASE-2026-001")
    page.get_by_role("link", name=evidence.recording).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(evidence.recording)
    expect(page.get_by_text("call-0001.wav")).to_be_visible()
    checks = page.locator("table.checks tbody tr")
    expect(checks).to_have_count(9)
    expect(checks.locator(".badge.ok")).to_have_count(8)  # all but the document's, run below
    expect(checks.locator(".badge.failed")).to_have_count(0)
    registry = page.locator("#trust-registry").inner_text().strip()
    expect(checks.filter(has_text="Pinned registry")).to_contain_text(registry)
    expect(page.locator("#verify-command")).to_contain_text(f"--registry {registry}")
    expect(page.get_by_role("heading", name="Trust root")).to_be_visible()

    # Pick the file: hashed in the browser, it matches.
    page.get_by_label("Choose a file to check").set_input_files(
        files=[{"name": "call-0001.wav", "mimeType": "audio/wav", "buffer": RECORDING}]
    )
    result = page.locator("#verify-result")
    expect(result).to_have_attribute("data-result", "match")
    expect(result).to_contain_text("Match")
    expect(result).to_contain_text(f"Anchor checked against the EvidenceRegistry: {registry}")
    expect(result).to_contain_text("Notary (signer of the receipt")
    expect(result).to_be_focused()
    shot(page, "legal-04-match")

    # Drop a copy with one byte changed: mismatch.
    tampered = bytearray(RECORDING)
    tampered[100] ^= 1
    transfer = page.evaluate_handle(
        """(bytes) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], "call-0001-edited.wav"));
            return transfer;
        }""",
        list(tampered),
    )
    page.dispatch_event("#verify-zone", "drop", {"dataTransfer": transfer})
    expect(result).to_have_attribute("data-result", "mismatch")
    expect(result).to_contain_text("Mismatch")
    expect(result).to_contain_text("call-0001-edited.wav")
    shot(page, "legal-05-mismatch")

    # Downloads: the trust file, public; the receipt verifies with the file against it; the
    # certificate names the item.
    with page.expect_download() as trust_download:
        page.get_by_role("link", name="Download the trust file (consortium.json)").click()
    assert trust_download.value.suggested_filename == "consortium.json"
    trust_path = tmp_path / "consortium.json"
    trust_download.value.save_as(trust_path)
    assert TrustRoot.from_json(trust_path.read_text()).registry == registry
    with page.expect_download() as receipt_download:
        page.get_by_role("link", name="Download the receipt (JSON)").click()
    assert receipt_download.value.suggested_filename == f"{evidence.recording}.receipt.json"
    receipt_path = tmp_path / "receipt.json"
    receipt_download.value.save_as(receipt_path)
    report = verify_receipt(
        receipt_path.read_text(),
        document=RECORDING,
        rpc_url=verify_url,
        trust=TrustRoot.from_json(trust_path.read_text()),
    )
    assert report.verified and report.skipped == ()
    signer = report["signature"].detail.removeprefix("signed by ")
    expect(result).to_contain_text(signer)
    with page.expect_download() as certificate_download:
        page.get_by_role("link", name=re.compile("Download the certificate")).click()
    pdf_path = tmp_path / "certificate.pdf"
    certificate_download.value.save_as(pdf_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert evidence.recording in text and "call-0001.wav" in text and "存证证书" in text

    # A pending item has no downloads yet.
    page.goto(f"{server}/evidence/{evidence.pending}")
    expect(page.get_by_text("Available once the item is anchored.")).to_be_visible()
    expect(page.get_by_role("link", name="Download the receipt (JSON)")).to_have_count(0)

    # Sign out: the session is over, pages lead to the sign-in page again.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto(f"{server}/evidence/{evidence.recording}")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
