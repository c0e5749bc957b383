"""Vehicles by name on the financing pages: the VIN directory's VIN, description and numbers
shown with the on-chain hash beside, search by VIN on the vehicle lists, and a dealer's
confirmation deadline per vehicle (due, overdue, what a late confirmation means)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.api.test_clearing_api import pass_time
from tests.api.test_inventory import DAY, advance, car, make_vin, open_line
from tests.pages.conftest import shot, sign_in
from tests.pages.test_dealer import _hash


def test_lender_finds_a_vehicle_by_part_of_its_vin(page: Page, server, client, demo):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    described = car(1, make="FAW-VW", model="Sagitar", colour="white", stock_number="S-001")
    assert advance(client, lender, line, described, car(2), car(3)).status_code == 201
    other = open_line(client, demo["lender2"], demo["dealer2"])
    assert advance(client, demo["lender2"], other, car(9)).status_code == 201

    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line}")
    rows = page.locator("table.obligations tbody tr")
    expect(rows).to_have_count(3)
    first = page.locator(f'tr[data-vin-hash="{_hash(1)}"] th')
    expect(first.locator(".vin")).to_have_text(make_vin(1))
    expect(first).to_contain_text("FAW-VW Sagitar white · stock S-001")
    expect(first.locator("code.hex")).to_have_attribute("title", _hash(1))

    page.get_by_label("Find a vehicle").fill(make_vin(2)[-5:])
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(re.compile(rf"/lender/lines/{line}\?q="))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(make_vin(2))
    expect(page.get_by_role("status")).to_have_text(f"1 vehicle matches “{make_vin(2)[-5:]}”.")
    shot(page, "vehicles-01-search")

    # another lender's vehicle is not found here, nor named anywhere on this lender's pages
    page.goto(f"{server}/lender/lines/{line}?q={make_vin(9)}")
    expect(rows).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("0 vehicles match")
    page.get_by_role("link", name="Show all vehicles").click()
    expect(rows).to_have_count(3)

    # the charges page names the car with every identifier
    page.get_by_role("link", name=make_vin(1)).click()
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("WDK000000000001")
    expect(facts).to_contain_text("EA00000001")
    expect(facts).to_contain_text(_hash(1))


def test_dealer_sees_overdue_confirmations_and_may_still_confirm(
    page: Page, server, client, runtime, demo
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1)).status_code == 201
    pass_time(runtime, 3 * DAY + 60)  # past the 3-day confirmation window
    assert advance(client, lender, line, car(2)).status_code == 201

    sign_in(page, server, dealer)
    page.goto(f"{server}/dealer/lines/{line}")
    late = page.locator("#f-confirm .check.overdue")
    expect(late).to_have_count(1)
    expect(late).to_contain_text(make_vin(1))
    expect(late.locator(".badge")).to_have_text("overdue")
    expect(late).to_contain_text("The deadline (")
    expect(late).to_contain_text("You can still confirm")
    late_box = page.get_by_label(re.compile(f"^Vehicle {make_vin(1)}"))
    expect(late_box).to_have_attribute("aria-describedby", re.compile(r"^d-0x"))
    on_time = page.locator("#f-confirm .check:not(.overdue):not(.select-all)")
    expect(on_time.locator(".badge")).to_have_text("due")
    shot(page, "vehicles-02-overdue")

    late_box.check()
    page.get_by_role("button", name="Confirm and sign").click()
    expect(page.get_by_role("status")).to_have_text("Confirmed 1 vehicle on chain.")
    assert runtime.floorplan.vehicle(bytes.fromhex(_hash(1)[2:])).confirmed
