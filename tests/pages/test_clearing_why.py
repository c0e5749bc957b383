"""The lender clearing page says why nothing settles: each waiting claim and its reason."""

from __future__ import annotations

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from api.runtime import Runtime
from clearing.service import list_cycles
from tests.api.conftest import Caller
from tests.api.test_clearing_api import confirm, filed
from tests.pages.conftest import shot, sign_in


def test_nothing_to_settle_lists_each_claim_and_its_reason(
    page: Page, server: str, client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    waiting = filed(client, lender, dealer, 12_00)
    confirmed = filed(client, lender, dealer, 30_00)
    confirm(client, dealer, confirmed)
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/clearing")
    page.get_by_role("button", name="Run a clearing cycle now").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing to settle")
    reasons = page.locator("#waiting li")
    expect(reasons).to_have_count(2)
    expect(reasons.nth(0)).to_have_text(
        f"Claim {waiting}: awaiting the confirmation of its debtor (member {dealer.member.id})."
    )
    expect(reasons.nth(1)).to_contain_text(f"Claim {confirmed}: the dispute window ends at ")
    expect(reasons.nth(1)).to_contain_text(" UTC.")
    assert list_cycles(runtime) == []
    shot(page, "lender-clearing-why")
