"""The lender's pages in a real browser, on the real chain: exposure per dealer, alerts (missing
in an audit, sold out of trust, overdue curtailments), audits, claims, running a clearing cycle
(refused while nothing can settle, with the reason focused), the reconciliation report and its
CSV; another lender's line is absent; dealers do not open lender pages; CSRF."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect

from api.pages.financing import amount
from clearing.service import list_cycles
from tests.api.test_clearing_api import fund, pass_time
from tests.api.test_inventory import ADVANCE, DAY, advance, car, make_vin, open_line
from tests.pages.conftest import shot, sign_in
from tests.pages.test_dealer import _hash


def _sell(client, dealer, line: int, n: int) -> int:
    """The dealer reports vehicle `n` sold; the payoff claim filed and confirmed, its id."""
    sold = client.post(
        f"/v1/lines/{line}/payoff-claims", json={"vehicles": [make_vin(n)]}, headers=dealer.headers
    )
    assert sold.status_code == 200, sold.text
    (claim,) = sold.json()["claims"]
    assert claim["outcome"] == "confirmed"
    return int(claim["claim_id"])


def _audit_missing(client, lender, line: int, missing: int, found: int) -> int:
    """A check-all lot audit of `line` finding vehicle `missing` missing and `found` there;
    its id."""
    opened = client.post(
        f"/v1/lines/{line}/audits",
        json={"sample_bps": 10_000, "freeze_on_missing": True},
        headers=lender.headers,
    )
    assert opened.status_code == 201, opened.text
    audit = opened.json()["id"]
    findings = [
        {"vehicle": make_vin(missing), "outcome": "missing", "evidence": "ab" * 32},
        {"vehicle": make_vin(found), "outcome": "found", "evidence": "cd" * 32},
    ]
    recorded = client.post(
        f"/v1/audits/{audit}/findings", json={"findings": findings}, headers=lender.headers
    )
    assert recorded.status_code == 200, recorded.text
    assert client.post(f"/v1/audits/{audit}/close", headers=lender.headers).status_code == 200
    return int(audit)


def test_lender_sees_exposure_alerts_audits_and_runs_a_clearing_cycle(
    page: Page, server, client, runtime, demo, tmp_path
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1), car(2), car(3)).status_code == 201
    other = open_line(client, lender, demo["dealer2"], limit=10**9)
    claim_id = _sell(client, dealer, line, 1)
    _audit_missing(client, lender, line, missing=2, found=3)

    # Home and navigation lead a lender to its pages.
    sign_in(page, server, lender)
    expect(page.get_by_role("link", name="Lending").first).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="Financing")).to_have_count(0)
    page.get_by_role("navigation").get_by_role("link", name="Lending").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lending")

    # Exposure per dealer: both dealers, the outstanding principal of three advances.
    exposure = page.locator("table.exposure tbody tr")
    expect(exposure).to_have_count(2)
    sunrise = exposure.filter(has_text="Sunrise Motors")
    expect(sunrise.locator("td").nth(2)).to_have_text(amount(3 * ADVANCE))
    expect(exposure.filter(has_text="Golden Wheel Auto Mall").locator("td").nth(2)).to_have_text(
        amount(0)
    )
    expect(page.locator("table.lines tbody tr")).to_have_count(2)

    # The audit's findings are recorded alerts; the line is frozen.
    alerts = page.locator("table.alerts tbody tr")
    expect(alerts.filter(has_text="Missing in an audit")).to_contain_text(_hash(2)[:10])
    expect(alerts.filter(has_text="Line frozen by an audit")).to_have_count(1)
    expect(alerts.filter(has_text="Sold out of trust")).to_have_count(0)
    shot(page, "lender-01-home")

    page.get_by_role("link", name=f"Line {line}").first.click()
    expect(page).to_have_url(f"{server}/lender/lines/{line}")
    expect(page.locator("dl.facts")).to_contain_text("frozen")
    audits = page.locator("table.audits tbody tr")
    expect(audits).to_have_count(1)
    expect(audits.locator("td")).to_have_text(
        ["Huaxia Auto Finance", "every vehicle", "closed", "1", "1", "0"]
    )
    expect(page.locator(f'tr[data-vin-hash="{_hash(1)}"]')).to_contain_text("sold, payoff due")
    audits.get_by_role("link", name=re.compile(r"^Lot audit \d+$")).click()
    checked = page.locator("table.audit-checklist tbody tr")
    expect(checked).to_have_count(2)  # vehicles 2 and 3; vehicle 1 was sold before
    expect(page.locator(f'tr[data-vin-hash="{_hash(2)}"]')).to_contain_text("missing")
    expect(page.locator(f'tr[data-vin-hash="{_hash(3)}"]')).to_contain_text("found")
    shot(page, "lender-02-audit")
    page.go_back()
    unconfirmed = page.locator(f'tr[data-vin-hash="{_hash(3)}"]').locator("td").nth(1)
    expect(unconfirmed).to_have_text("no")  # the dealer has not confirmed receipt
    shot(page, "lender-03-line")

    # The confirmed payoff claim cannot settle before its dispute window ends: the reason is
    # given at the top, focused, and nothing is run.
    page.goto(f"{server}/lender/clearing")
    claims = page.locator("table.claims tbody tr")
    expect(claims.filter(has_text="payoff")).to_contain_text("confirmed")
    expect(page.locator(f'tr[data-claim="{claim_id}"]')).to_contain_text("Sunrise Motors")
    page.get_by_role("button", name="Run a clearing cycle now").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("Nothing to settle")
    assert list_cycles(runtime) == []
    expect(page).to_have_url(re.compile(r"/lender/clearing\?refused="))  # a GET: reloadable
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("Nothing to settle")
    assert list_cycles(runtime) == []
    shot(page, "lender-04-nothing-to-settle")

    # Six days on: past the dispute window and the payoff window; the payoff is still unpaid.
    pass_time(runtime, 6 * DAY)
    page.goto(f"{server}/lender")
    sold = page.locator("table.alerts tbody tr").filter(has_text="Sold out of trust")
    expect(sold).to_contain_text("not yet recorded")
    expect(sold).to_contain_text(_hash(1)[:10])

    # CSRF: a POST without the token runs nothing.
    refused = page.request.post(f"{server}/lender/clearing/cycles", form={})
    assert refused.status == 403 and list_cycles(runtime) == []

    # The dealer funds the payoff; the lender runs a cycle with the keyboard.
    fund(client, demo, "dealer", runtime.clearing_client.claim(claim_id).amount)
    page.get_by_role("link", name="Claims and clearing cycles →").click()
    page.get_by_role("button", name="Run a clearing cycle now").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/lender/clearing/cycles/\d+$"))
    (cycle,) = list_cycles(runtime)
    assert cycle.status == "settled" and cycle.claim_id_list() == [claim_id]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Clearing cycle {cycle.id}")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("settled")
    expect(facts).to_contain_text("a member")
    expect(facts).to_contain_text(cycle.tx_hash)
    expect(page.locator("table.report-claims tbody tr")).to_have_count(1)
    expect(page.locator("table.report-claims tbody tr")).to_contain_text("payoff")
    expect(page.locator("table.transfers tbody tr")).to_contain_text("Sunrise Motors")
    shot(page, "lender-05-cycle")

    # The reconciliation report as CSV: the cycle's claim and its transfer.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the reconciliation report (CSV)").click()
    assert download.value.suggested_filename == f"cycle-{cycle.id}.csv"
    saved = tmp_path / "cycle.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert rows and {r["cycle_id"] for r in rows} == {str(cycle.cycle_id)}
    assert str(claim_id) in {r.get("claim_id") for r in rows}

    # The settled payoff released vehicle 1's lien; 55 days on, vehicle 3's first curtailment
    # (10 % at day 60) is overdue.
    pass_time(runtime, 55 * DAY)
    page.goto(f"{server}/lender/lines/{line}")
    expect(page.locator(f'tr[data-vin-hash="{_hash(1)}"]')).to_have_count(0)
    row = page.locator(f'tr[data-vin-hash="{_hash(3)}"]')
    expect(row.locator("td").nth(7)).to_have_text(amount(ADVANCE // 10))  # overdue
    overdue = page.locator("table.alerts tbody tr").filter(has_text="Curtailment overdue")
    expect(overdue.filter(has_text=_hash(3)[:10])).to_have_count(1)
    shot(page, "lender-06-curtailment-overdue")

    # The charges of a vehicle on the lender's line, explained.
    row.get_by_role("link").click()
    expect(page.locator("#payoff-match")).to_have_text(
        "The recomputed payoff matches the contract's."
    )
    page.goto(f"{server}/lender/lines/{other}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Credit line {other}")


def test_lender_pages_show_only_the_lenders_own(page: Page, server, client, runtime, demo):
    line = open_line(client, demo["lender"], demo["dealer"])
    assert advance(client, demo["lender"], line, car(1)).status_code == 201
    foreign = open_line(client, demo["lender2"], demo["dealer"])
    assert advance(client, demo["lender2"], foreign, car(40)).status_code == 201
    foreign_audit = client.post(
        f"/v1/lines/{foreign}/audits", json={"sample_bps": 10_000}, headers=demo["lender2"].headers
    )
    assert foreign_audit.status_code == 201, foreign_audit.text
    request = page.request

    sign_in(page, server, demo["lender"])
    page.goto(f"{server}/lender/lines/{foreign}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nothing your organisation may see")
    expect(alert).to_be_focused()
    assert request.get(f"{server}/lender/lines/{foreign}").status == 404
    assert request.get(f"{server}/lender/vehicles/{_hash(40)}").status == 404
    assert request.get(f"{server}/lender/vehicles/{_hash(1)}").status == 200
    assert request.get(f"{server}/lender/clearing/cycles/1").status == 404
    assert request.get(f"{server}/lender/clearing/cycles/1/report.csv").status == 404
    assert request.get(f"{server}/lender/audits/{foreign_audit.json()['id']}").status == 404
    page.goto(f"{server}/lender")
    expect(page.locator("table.lines tbody tr")).to_have_count(1)
    expect(page.locator("table.exposure tbody tr")).to_have_count(1)
    shot(page, "lender-07-foreign-line")

    # Dealers do not open lender pages, not even their own line's.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, demo["dealer"])
    page.goto(f"{server}/lender/lines/{line}")
    expect(page.get_by_role("alert")).to_contain_text("roles do not open this page")
    for path in ("/lender", "/lender/clearing", f"/lender/vehicles/{_hash(1)}"):
        assert request.get(f"{server}{path}").status == 403, path
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    forbidden = request.post(f"{server}/lender/clearing/cycles", form={"csrf_token": token})
    assert forbidden.status == 403 and list_cycles(runtime) == []
