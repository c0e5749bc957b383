"""The dealer's pages in a real browser, on the real chain: confirm received vehicles (signed
here with the dealer's key, and signed "in a wallet" then pasted), report a sale, see what is
owed and every charge explained; errors at the field and in a focused alert; who may open what;
CSRF."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from api.pages import financing, i18n_financing
from api.pages.financing import amount
from api.pages.i18n import CATALOGS
from clearing.models import CycleStatus, CycleTrigger
from clearing.service import KIND_NAMES, STATE_NAMES
from ledger.floorplan import AuditStatus, LineStatus, Outcome, VehicleStatus, sign_typed_data
from ledger.inventory import ALERT_EVENTS, hex32
from ledger.vin import vin_hash
from tests.api.test_inventory import ADVANCE, advance, car, make_vin, open_line
from tests.pages.conftest import shot, sign_in


def _financed(client, demo, lender="lender", dealer="dealer", first=1, count=3) -> int:
    """A line of `lender` for `dealer` with `count` vehicles advanced on; its id."""
    line = open_line(client, demo[lender], demo[dealer])
    cars = [car(n) for n in range(first, first + count)]
    assert advance(client, demo[lender], line, *cars).status_code == 201
    return line


def _hash(n: int) -> str:
    return hex32(vin_hash(make_vin(n)))


def test_dealer_confirms_reports_a_sale_and_reads_its_charges(
    page: Page, server, client, runtime, demo
):
    line = _financed(client, demo)
    floorplan = runtime.floorplan

    # Home and navigation lead a dealer to its financing pages, not to the lender's.
    sign_in(page, server, demo["dealer"])
    expect(page.get_by_role("link", name="Floor-plan financing")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="Lending")).to_have_count(0)
    page.get_by_role("navigation").get_by_role("link", name="Financing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Floor-plan financing")
    row = page.locator("table.lines tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Huaxia Auto Finance")
    expect(row.locator("td").last).to_have_text("3")  # awaiting confirmation
    shot(page, "dealer-01-lines")

    # The checklist: nothing ticked is an error at the top (focused) and at the list.
    row.get_by_role("link", name=f"Line {line}").click()
    expect(page).to_have_url(f"{server}/dealer/lines/{line}")
    boxes = page.locator("#f-confirm .check:not(.select-all) input[type=checkbox]")
    expect(boxes).to_have_count(3)
    # Vehicles by VIN (the VIN directory), the on-chain hash beside; deadlines not passed yet.
    expect(page.get_by_label(re.compile(f"^Vehicle {make_vin(2)} — advance"))).to_have_count(1)
    expect(page.locator("#f-confirm .check").nth(2)).to_contain_text(_hash(2)[:10])
    expect(page.locator("#f-confirm .badge", has_text="due")).to_have_count(3)
    # Select all ticks every vehicle, and clears them again.
    select_all = page.get_by_label("Select all 3 vehicles")
    select_all.check()
    for n in range(3):
        expect(boxes.nth(n)).to_be_checked()
    select_all.uncheck()
    for n in range(3):
        expect(boxes.nth(n)).not_to_be_checked()
    expect(page.get_by_text("This service holds your organisation's key")).to_be_visible()
    page.get_by_role("button", name="Confirm and sign").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("Tick at least one vehicle you received.")
    expect(page.locator("#f-confirm")).to_have_attribute("aria-invalid", "true")
    shot(page, "dealer-02-nothing-ticked")

    # Keyboard only: tick vehicles 1 and 2 with Space, then Enter on "Confirm and sign".
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()
    page.get_by_role("button", name="Confirm and sign").focus()
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_have_text("Confirmed 2 vehicles on chain.")
    expect(status).to_be_focused()
    assert [floorplan.vehicle(vin_hash(make_vin(n))).confirmed for n in (1, 2, 3)] == [
        True,
        True,
        False,
    ]
    expect(boxes).to_have_count(1)
    shot(page, "dealer-03-confirmed")

    # The wallet path: the typed data to sign, and a pasted signature the contract checks.
    boxes.check()
    page.get_by_role("button", name="Get the typed data to sign in a wallet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the receipt confirmation")
    typed = json.loads(page.locator("#typed-data").inner_text())
    assert typed["primaryType"] == "ConfirmReceipt"
    assert typed["domain"]["verifyingContract"] == floorplan.address
    assert typed["message"]["vinHashes"] == [_hash(3)] and typed["message"]["lineId"] == line
    field = page.get_by_label("Signature", exact=True)
    submit = page.get_by_role("button", name="Submit the signed confirmation")

    field.fill("0x1234")
    submit.click()
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("#f-signature-error")).to_have_text(
        "A signature is 0x followed by 130 hexadecimal digits (65 bytes)."
    )
    expect(page.get_by_label("Signature", exact=True)).to_have_attribute("aria-invalid", "true")

    # Another dealer's signature of the same data: the operator relays it, the chain refuses.
    forged = sign_typed_data(typed, runtime.keyring.get(demo["dealer2"].member.address))
    page.get_by_label("Signature", exact=True).fill("0x" + forged.hex())
    page.get_by_role("button", name="Submit the signed confirmation").click()
    expect(page.get_by_role("alert")).to_contain_text("The contract refused the signature")
    assert floorplan.vehicle(vin_hash(make_vin(3))).confirmed is False
    shot(page, "dealer-04-forged-signature")

    own = sign_typed_data(typed, runtime.keyring.get(demo["dealer"].member.address))
    page.get_by_label("Signature", exact=True).fill("0x" + own.hex())
    page.get_by_role("button", name="Submit the signed confirmation").click()
    expect(page.get_by_role("status")).to_have_text("Confirmed 1 vehicle on chain.")
    assert floorplan.vehicle(vin_hash(make_vin(3))).confirmed is True
    expect(page.get_by_text("Nothing awaits your confirmation on this line.")).to_be_visible()

    # Report a sale: a bad VIN and a VIN not on the line are errors at the field.
    vin = page.get_by_label("VIN of the vehicle sold")
    bad = make_vin(1)[:8] + ("0" if make_vin(1)[8] != "0" else "1") + make_vin(1)[9:]
    vin.fill(bad)
    page.get_by_role("button", name="Report the sale").click()
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("#f-vin-error")).to_contain_text("This is not a valid VIN")
    expect(page.get_by_label("VIN of the vehicle sold")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("VIN of the vehicle sold")).to_have_value(bad)
    shot(page, "dealer-05-bad-vin")
    page.get_by_label("VIN of the vehicle sold").fill(make_vin(99))
    page.get_by_role("button", name="Report the sale").click()
    expect(page.locator("#f-vin-error")).to_have_text(
        f"No vehicle {make_vin(99)} is under a lien on this line."
    )

    page.get_by_label("VIN of the vehicle sold").fill(make_vin(1).lower())
    page.get_by_role("button", name="Report the sale").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Sale reported; the lender's payoff claim \d+ is filed and confirmed\.")
    )
    assert floorplan.vehicle(vin_hash(make_vin(1))).status is VehicleStatus.SOLD
    claim_id = int(re.search(r"claim (\d+)", page.get_by_role("status").inner_text())[1])
    claim = runtime.clearing_client.claim(claim_id)
    assert claim.debtor_id == demo["dealer"].member.id and claim.amount > ADVANCE

    # Reported again (by its hash this time): no second claim, the first one is named.
    page.get_by_label("VIN of the vehicle sold").fill(_hash(1))
    page.get_by_role("button", name="Report the sale").click()
    expect(page.get_by_role("status")).to_have_text(
        f"This sale was reported before; the lender's payoff claim for it is claim {claim_id}."
    )
    assert len(runtime.clearing_client.claims()) == 1

    # What is owed: each vehicle's payoff, the sold one due, totals over the line.
    owed = page.locator("table.obligations tbody tr")
    expect(owed).to_have_count(3)
    sold = page.locator(f'tr[data-vin-hash="{_hash(1)}"]')
    expect(sold).to_contain_text("sold, payoff due")
    expect(page.locator(f'tr[data-vin-hash="{_hash(2)}"]')).to_contain_text("financed")
    expect(sold.locator("td").nth(1)).to_have_text("yes")  # receipt confirmed
    expect(sold.locator("td").nth(2)).to_have_text(amount(ADVANCE))  # principal
    shot(page, "dealer-06-owed")

    # Every charge explained, beside the contract's figure.
    page.get_by_role("link", name=make_vin(2)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Charges of vehicle")
    expect(page.locator("#payoff-match")).to_have_text(
        "The recomputed payoff matches the contract's."
    )
    expect(page.locator("table.schedule tbody tr")).to_have_count(2)  # days 60 and 90
    expect(page.locator("table.schedule tbody tr").first).to_contain_text(amount(ADVANCE // 10))
    expect(page.locator("table.periods tbody tr")).to_have_count(1)  # no payment yet
    expect(page.get_by_text("principal * rate_bps * seconds // (10000 * 31536000)")).to_be_visible()
    payoff = page.locator("table.payoff tbody tr")
    expect(payoff.nth(0)).to_contain_text(amount(ADVANCE))
    expect(payoff.nth(2)).to_contain_text(amount(5_000))  # the fee per vehicle
    shot(page, "dealer-07-charges")


def test_dealer_pages_are_the_dealers_own_and_posts_need_the_csrf_token(
    page: Page, server, client, runtime, demo
):
    line = _financed(client, demo, count=1)
    other = _financed(client, demo, lender="lender2", dealer="dealer2", first=50, count=1)
    request = page.request

    # Another dealer's line and vehicle do not exist for this dealer; lender pages are closed.
    sign_in(page, server, demo["dealer"])
    page.goto(f"{server}/dealer/lines/{other}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nothing your organisation may see")
    expect(alert).to_be_focused()
    assert request.get(f"{server}/dealer/lines/{other}").status == 404
    assert request.get(f"{server}/dealer/lines/999").status == 404
    assert request.get(f"{server}/dealer/vehicles/{_hash(50)}").status == 404
    assert request.get(f"{server}/dealer/vehicles/not-a-hash").status == 404
    assert request.get(f"{server}/dealer/vehicles/{_hash(1)}").status == 200
    page.goto(f"{server}/lender")
    expect(page.get_by_role("alert")).to_contain_text("roles do not open this page")
    assert request.get(f"{server}/lender/lines/{line}").status == 403
    shot(page, "dealer-08-other-line")

    # A POST without the session's CSRF token changes nothing.
    box = f"confirm_{_hash(1)}"
    refused = request.post(f"{server}/dealer/lines/{line}/confirmations", form={box: "yes"})
    assert refused.status == 403 and "form was not accepted" in refused.text()
    wrong = request.post(
        f"{server}/dealer/lines/{line}/sales", form={"vin": make_vin(1), "csrf_token": "x" * 43}
    )
    assert wrong.status == 403
    vehicle = runtime.floorplan.vehicle(vin_hash(make_vin(1)))
    assert vehicle.confirmed is False and vehicle.status is VehicleStatus.FINANCED

    # Posting to another dealer's line with a good token is a 404, and nothing happens there.
    page.goto(f"{server}/dealer/lines/{line}")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    across = request.post(
        f"{server}/dealer/lines/{other}/sales", form={"vin": make_vin(50), "csrf_token": token}
    )
    assert across.status == 404
    assert runtime.floorplan.vehicle(vin_hash(make_vin(50))).status is VehicleStatus.FINANCED

    # A lender does not open dealer pages; signed out, they lead to the sign-in page.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server}/dealer")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/dealer$"))
    sign_in(page, server, demo["lender"])
    assert request.get(f"{server}/dealer").status == 403
    assert request.get(f"{server}/dealer/lines/{line}").status == 403


@pytest.mark.zh
def test_dealer_pages_in_chinese(page: Page, server, client, demo):
    line = _financed(client, demo, count=1)
    sign_in(page, server, demo["dealer"])
    page.get_by_role("navigation").get_by_role("link", name="融资").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("库存融资")
    page.get_by_role("link", name=f"额度 {line}").click()
    expect(page.get_by_role("group", name="已收到的车辆")).to_be_visible()
    page.get_by_role("button", name="确认并签名").click()
    expect(page.get_by_role("alert")).to_contain_text("请至少勾选一辆已收到的车辆。")
    page.get_by_label("全选（共 1 辆）").check()
    page.get_by_role("button", name="确认并签名").click()
    expect(page.get_by_role("status")).to_have_text("已在链上确认 1 辆车。")
    page.get_by_role("link", name=make_vin(1)).click()
    expect(page.locator("dl.facts").first).to_contain_text("合格证编号")
    expect(page.locator("#payoff-match")).to_have_text("重算的结清金额与合约一致。")
    shot(page, "dealer-09-zh-charges")


def test_without_the_dealers_key_the_page_asks_for_a_wallet_signature(
    page: Page, server, client, runtime, demo, monkeypatch
):
    # A keyring without the dealer's key: what a production service looks like to a dealer
    # that keeps its key in its own wallet.
    monkeypatch.setattr("api.pages.financing.held_key", lambda _runtime, _address: None)
    line = _financed(client, demo, count=1)
    sign_in(page, server, demo["dealer"])
    page.goto(f"{server}/dealer/lines/{line}")
    expect(page.get_by_text("This service does not hold your organisation's key")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm and sign")).to_have_count(0)
    page.get_by_label("Select the 1 vehicle").check()
    page.get_by_role("button", name="Get the typed data to sign in a wallet").click()
    typed = json.loads(page.locator("#typed-data").inner_text())
    page.get_by_role("button", name="Submit the signed confirmation").click()
    expect(page.locator("#f-signature-error")).to_have_text("Paste the signature your wallet made.")
    expect(page.get_by_role("alert")).to_be_focused()
    assert runtime.floorplan.vehicle(vin_hash(make_vin(1))).confirmed is False
    signature = sign_typed_data(typed, runtime.keyring.get(demo["dealer"].member.address))
    page.get_by_label("Signature", exact=True).fill("0x" + signature.hex())
    page.get_by_role("button", name="Submit the signed confirmation").click()
    expect(page.get_by_role("status")).to_have_text("Confirmed 1 vehicle on chain.")
    assert runtime.floorplan.vehicle(vin_hash(make_vin(1))).confirmed is True
    shot(page, "dealer-10-wallet-confirmed")


def test_the_financing_catalog_holds_every_key_the_pages_build():
    """Keys the dealer and lender templates build from values, and those `financing.py` names,
    are in both catalogs (the shared check reads only literal keys in templates)."""
    built = {f"vehicle_status.{s.name.lower()}" for s in VehicleStatus}
    built |= {f"line_status.{s.name.lower()}" for s in LineStatus}
    built |= {f"audit_status.{s.name.lower()}" for s in AuditStatus}
    built |= {f"outcome.{s.name.lower()}" for s in Outcome}
    built |= {f"alert.{kind}" for kind in ALERT_EVENTS.values()}
    built |= {f"claim_kind.{name}" for name in KIND_NAMES.values()}
    built |= {f"claim_state.{name}" for name in STATE_NAMES.values()} | {"claim_state.none"}
    built |= {f"cycle_status.{s.value}" for s in CycleStatus}
    built |= {f"cycle_trigger.{s.value}" for s in CycleTrigger}
    source = (Path(financing.__file__)).read_text()
    built |= set(re.findall(r'"((?:dealer|lender|financing)\.[a-z_.]+)"', source))
    for catalog in CATALOGS.values():
        assert not built - catalog.keys(), sorted(built - catalog.keys())
    assert i18n_financing.EN.keys() == i18n_financing.ZH.keys()
