"""The lender's whole job in a real browser, on the real chain: open a line and change its
terms, advance on one vehicle and see it on the line, import a CSV file with a bad row (its
row and reason shown, the good rows advanced), release a lien; a form sent twice acts once;
bad input is shown next to its field, in the reader's language, and stores nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from api.pages.financing import amount
from tests.api.test_inventory import DAY, TERMS, VALUE, advance, car, make_vin, open_line
from tests.pages.conftest import shot, sign_in

CSV_HEADER = "vin,certificate,engine,value,make,model,colour,stock\n"


def _row(n: int, vin: str | None = None) -> str:
    c = car(n)
    fields = [vin or c["vin"], c["certificate"], c["engine"], str(c["value"])]
    return ",".join([*fields, "FAW-VW", "Sagitar", "white", f"S-{n}"]) + "\n"


def _lines(client, caller) -> list[dict]:
    answer = client.get("/v1/lines", headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _vehicles(client, caller, line: int) -> list[dict]:
    answer = client.get(f"/v1/lines/{line}/vehicles?include_released=true", headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _audits(client, caller, line: int) -> int:
    """How many lot audits line `line` has (the line page's audit table, by the API's rule)."""
    count, audit = 0, 1
    while client.get(f"/v1/audits/{audit}", headers=caller.headers).status_code == 200:
        count += client.get(f"/v1/audits/{audit}", headers=caller.headers).json()["line_id"] == line
        audit += 1
    return count


def _fields(page: Page, action: str) -> dict[str, str]:
    """The text fields of the page's form posting to `action`, as the browser would send."""
    return page.evaluate(
        """(action) => Object.fromEntries(
            new FormData(document.querySelector(`form[action="${action}"]`)))""",
        action,
    )


def test_lender_opens_changes_advances_and_releases(page: Page, server, client, demo):
    lender, dealer = demo["lender"], demo["dealer"]
    sign_in(page, server, lender)
    page.goto(server + "/lender")
    page.get_by_role("link", name="Open a credit line for a dealer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a credit line")

    # Each field says its unit in words.
    expect(page.get_by_label("Limit, in CNY")).to_be_visible()
    expect(page.locator("#f-interest_rate-hint")).to_contain_text("0 to 655.35")
    page.get_by_label("Dealer").select_option(label="Sunrise Motors")
    page.get_by_label("Limit, in CNY").fill("1,000,000.00")
    page.get_by_label("Advance rate, per cent of the vehicle's value").fill("80")
    page.get_by_label("Interest, per cent a year").fill("6.5")
    page.get_by_label("Fee per vehicle, in CNY").fill("50.00")
    page.get_by_label("Days to confirm receipt").fill("3")
    page.get_by_label("Days to pay off after a sale").fill("7")
    page.get_by_label("Step 1: day").fill("90")
    page.get_by_label("Step 1: per cent of the advance").fill("10")
    page.get_by_role("button", name="Open the line").click()

    page.wait_for_url(re.compile(r"/lender/lines/\d+\?done=opened$"))
    line = int(re.search(r"/lender/lines/(\d+)", page.url).group(1))
    expect(page.get_by_role("status")).to_have_text(f"Line {line} is open.")
    (opened,) = _lines(client, lender)
    assert opened["id"] == line and opened["dealer_id"] == dealer.member.id
    assert opened["limit"] == 100_000_000
    assert opened["terms"] == {
        "advance_rate_bps": 8_000,
        "interest_rate_bps": 650,
        "payoff_window_seconds": 7 * DAY,
        "confirm_window_seconds": 3 * DAY,
        "fee_per_vehicle": 5_000,
        "curtailments": [{"day": 90, "bps": 1_000}],
    }
    page.reload()  # the answer is a GET: reloading opens no second line
    expect(page.get_by_role("status")).to_have_text(f"Line {line} is open.")
    assert len(_lines(client, lender)) == 1

    # Change the terms: the form shows the current ones.
    page.get_by_role("link", name="Change the limit and terms").click()
    expect(page.get_by_label("Limit, in CNY")).to_have_value("1000000.00")
    expect(page.get_by_label("Step 1: day")).to_have_value("90")
    page.get_by_label("Limit, in CNY").fill("2000000")
    page.get_by_label("Advance rate, per cent of the vehicle's value").fill("75")
    page.get_by_role("button", name="Save the new limit and terms").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=changed$"))
    expect(page.get_by_role("status")).to_contain_text("apply from now on")
    changed = client.get(f"/v1/lines/{line}", headers=lender.headers).json()
    assert changed["limit"] == 200_000_000
    assert changed["terms"]["advance_rate_bps"] == 7_500
    assert changed["terms"]["interest_rate_bps"] == 650
    assert changed["terms"]["curtailments"] == [{"day": 90, "bps": 1_000}]

    # Advance on one vehicle: it shows on the line by its VIN and description.
    page.get_by_role("link", name="Advance on vehicles or import a CSV file").click()
    vehicle = car(1)
    page.get_by_label("VIN", exact=True).fill(vehicle["vin"])
    page.get_by_label("Certificate of conformity").fill(vehicle["certificate"])
    page.get_by_label("Engine number").fill(vehicle["engine"])
    page.get_by_label("Value, in CNY").fill("250000.00")
    page.get_by_label("Make").fill("FAW-VW")
    page.get_by_label("Model").fill("Sagitar")
    page.get_by_label("Stock number").fill("S-001")
    page.get_by_role("button", name="Advance on this vehicle").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=advanced"))
    advanced = 25_000_000 * 7_500 // 10_000
    expect(page.get_by_role("status")).to_have_text(
        f"Advanced {amount(advanced)} on {vehicle['vin']}."
    )
    row = page.locator("table.obligations tbody tr").filter(has_text=vehicle["vin"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("FAW-VW Sagitar")
    expect(row.locator("td").nth(2)).to_have_text(amount(advanced))
    (financed,) = _vehicles(client, lender, line)
    assert financed["status"] == "financed" and financed["advance"] == advanced
    shot(page, "lender-line-advanced")

    # Release it from the line page.
    page.get_by_label("VIN or VIN hash", exact=True).fill(vehicle["vin"])
    page.get_by_role("button", name="Record the payoff and release").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=released"))
    expect(page.get_by_role("status")).to_contain_text(f"The lien on {vehicle['vin']} is released")
    (released,) = _vehicles(client, lender, line)
    assert released["status"] == "released"
    expect(page.locator("table.obligations tbody tr")).to_have_count(0)


def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(page: Page, server, client, demo):
    lender, dealer = demo["lender"], demo["dealer"]
    sign_in(page, server, lender)
    page.goto(server + "/lender/lines/new")
    page.get_by_label("Limit, in CNY").fill("a lot")
    page.get_by_label("Advance rate, per cent of the vehicle's value").fill("120")
    page.get_by_label("Interest, per cent a year").fill("6.5")
    page.get_by_label("Days to pay off after a sale").fill("7")
    page.get_by_label("Step 1: day").fill("90")
    page.get_by_label("Step 2: day").fill("60")
    page.get_by_label("Step 1: per cent of the advance").fill("10")
    page.get_by_label("Step 2: per cent of the advance").fill("10")
    page.get_by_role("button", name="Open the line").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#f-dealer-error")).to_have_text("Choose the dealer from the list.")
    expect(page.locator("#f-limit-error")).to_contain_text("Write an amount in CNY")
    expect(page.locator("#f-advance_rate-error")).to_have_text("Give a per cent from 0.01 to 100.")
    expect(page.locator("#f-confirm_days-error")).to_have_text("Fill this in.")
    expect(page.get_by_label("Advance rate, per cent of the vehicle's value")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Interest, per cent a year")).to_have_value("6.5")  # kept
    assert _lines(client, lender) == []

    # Fields right, steps out of order: the contract's rule, said in words.
    page.get_by_label("Dealer").select_option(label="Sunrise Motors")
    page.get_by_label("Limit, in CNY").fill("1000000")
    page.get_by_label("Advance rate, per cent of the vehicle's value").fill("80")
    page.get_by_label("Days to confirm receipt").fill("3")
    page.get_by_role("button", name="Open the line").click()
    expect(page.locator("#f-step_day_1-error")).to_contain_text("must rise from step to step")
    assert _lines(client, lender) == []

    line = open_line(client, lender, dealer)
    page.goto(f"{server}/lender/lines/{line}/advances/new")
    bad = make_vin(1)[:8] + ("0" if make_vin(1)[8] != "0" else "1") + make_vin(1)[9:]
    page.get_by_label("VIN", exact=True).fill(bad)
    page.get_by_label("Value, in CNY").fill("12.345")
    page.get_by_role("button", name="Advance on this vehicle").click()
    expect(page.locator("#f-vin-error")).to_contain_text("This is not a valid VIN")
    expect(page.locator("#f-vin-error")).to_contain_text("check digit")
    expect(page.locator("#f-certificate-error")).to_have_text("Fill this in.")
    expect(page.locator("#f-value-error")).to_contain_text("at most two after the point")
    assert _vehicles(client, lender, line) == []

    # A release of a vehicle not on the line says so next to the field.
    page.goto(f"{server}/lender/lines/{line}")
    page.get_by_label("VIN or VIN hash", exact=True).fill(make_vin(5))
    page.get_by_role("button", name="Record the payoff and release").click()
    expect(page.locator("#f-release-error")).to_have_text(
        f"No vehicle {make_vin(5)} is under a lien on this line."
    )


@pytest.mark.zh
def test_errors_are_in_the_readers_language(page: Page, server, client, demo):
    lender = demo["lender"]
    line = open_line(client, lender, demo["dealer"])
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line}/terms")
    page.get_by_label("年利率（百分比）").fill("六")
    page.get_by_role("button", name="保存新额度与条款").click()
    expect(page.locator("#f-interest_rate-error")).to_have_text(
        "请用数字填写百分比，小数点后最多两位。"
    )
    shown = client.get(f"/v1/lines/{line}", headers=lender.headers).json()
    assert shown["terms"] == TERMS


def test_csv_import_advances_the_good_rows_and_shows_the_bad_rows_reason(
    page: Page, server, client, demo, tmp_path: Path
):
    lender = demo["lender"]
    line = open_line(client, lender, demo["dealer"])
    bad_vin = "LFV2A21K0N3OOOOO1"  # letter O where digits go
    good = tmp_path / "stock.csv"
    good.write_text(CSV_HEADER + _row(1) + _row(2) + _row(3, vin=bad_vin) + _row(4))
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line}/advances/new")
    page.get_by_label("CSV file", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Import and advance").click()
    page.wait_for_url(re.compile(r"/lender/imports/[\w-]+$"))
    status = page.get_by_role("status")
    expect(status).to_contain_text("Only part was advanced")  # the page reloads until done
    expect(page.locator("dd.advanced")).to_have_text("3")
    expect(page.locator("dd.rejected")).to_have_text("1")
    rows = page.locator("table.rejections tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("th")).to_have_text("4")  # the header is row 1
    expect(rows).to_contain_text(bad_vin)
    expect(rows).to_contain_text("invalid VIN")
    hashes = {v["vin_hash"] for v in _vehicles(client, lender, line)}
    assert len(hashes) == 3
    assert all(v["advance"] == VALUE * 9_000 // 10_000 for v in _vehicles(client, lender, line))
    shot(page, "lender-import-partly")

    # The same file again: every row is pledged already, so nothing is done, and it says so.
    page.goto(f"{server}/lender/lines/{line}/advances/new")
    page.get_by_label("CSV file", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Import and advance").click()
    expect(page.get_by_role("status")).to_contain_text("Nothing was advanced")
    expect(page.locator("table.rejections tbody tr")).to_have_count(4)
    expect(page.locator("table.rejections tbody tr").first).to_contain_text(
        "already under an active lien"
    )
    assert len(_vehicles(client, lender, line)) == 3

    # A file without the required columns is refused before anything is sent.
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("vin,value\n" + make_vin(9) + ",100\n")
    page.goto(f"{server}/lender/lines/{line}/advances/new")
    page.get_by_label("CSV file", exact=True).set_input_files(str(wrong))
    page.get_by_role("button", name="Import and advance").click()
    expect(page.locator("#f-file-error")).to_contain_text("missing column(s) certificate, engine")
    assert len(_vehicles(client, lender, line)) == 3


def test_a_form_sent_twice_acts_once(page: Page, context: BrowserContext, server, client, demo):
    lender = demo["lender"]
    line = open_line(client, lender, demo["dealer"])
    sign_in(page, server, lender)

    # Two advances of the same form at once (a double click): one advance, and both land
    # on its result rather than one on "already pledged".
    page.goto(f"{server}/lender/lines/{line}/advances/new")
    vehicle = car(1)
    page.get_by_label("VIN", exact=True).fill(vehicle["vin"])
    page.get_by_label("Certificate of conformity").fill(vehicle["certificate"])
    page.get_by_label("Engine number").fill(vehicle["engine"])
    page.get_by_label("Value, in CNY").fill("250000.00")
    answers = page.evaluate(
        """async () => {
            const form = document.querySelector('form[action$="/advances"]');
            const send = () => fetch(form.action, {method: "POST", body: new FormData(form)});
            const both = await Promise.all([send(), send()]);
            return both.map((r) => [r.status, r.url]);
        }"""
    )
    assert [status for status, _ in answers] == [200, 200], answers
    assert answers[0][1] == answers[1][1] and "done=advanced" in answers[0][1], answers
    assert len(_vehicles(client, lender, line)) == 1

    # Another VIN with the certificate already under that lien: refused next to that field.
    page.goto(f"{server}/lender/lines/{line}/advances/new")
    page.get_by_label("VIN", exact=True).fill(make_vin(2))
    page.get_by_label("Certificate of conformity").fill(vehicle["certificate"])
    page.get_by_label("Engine number").fill(car(2)["engine"])
    page.get_by_label("Value, in CNY").fill("250000.00")
    page.get_by_role("button", name="Advance on this vehicle").click()
    expect(page.locator("#f-certificate-error")).to_have_text(
        "This is already under an active lien; nothing was advanced."
    )
    expect(page.locator("#f-vin-error")).to_have_count(0)
    assert len(_vehicles(client, lender, line)) == 1

    # The open-line form sent again later (from the history): the chain would open a second
    # line, the form's key does not let it.
    page.goto(server + "/lender/lines/new")
    page.get_by_label("Dealer").select_option(label="Golden Wheel Auto Mall")
    page.get_by_label("Limit, in CNY").fill("500000")
    page.get_by_label("Advance rate, per cent of the vehicle's value").fill("80")
    page.get_by_label("Interest, per cent a year").fill("6")
    page.get_by_label("Days to confirm receipt").fill("3")
    page.get_by_label("Days to pay off after a sale").fill("7")
    fields = _fields(page, "/lender/lines")
    assert fields["form_key"]
    page.get_by_role("button", name="Open the line").click()
    page.wait_for_url(re.compile(r"/lender/lines/\d+\?done=opened$"))
    first = page.url.removeprefix(server)
    again = context.request.post(server + "/lender/lines", form=fields, max_redirects=0)
    assert again.status == 303 and again.headers["location"] == first
    assert len(_lines(client, lender)) == 2  # the API's line and this one, once

    # A new form (a new key) does open another line: the key stops repeats, not new work.
    page.goto(server + "/lender/lines/new")
    fresh = fields | {"form_key": _fields(page, "/lender/lines")["form_key"]}
    assert fresh["form_key"] != fields["form_key"]
    other = context.request.post(server + "/lender/lines", form=fresh, max_redirects=0)
    assert other.status == 303 and other.headers["location"] != first
    assert len(_lines(client, lender)) == 3


def test_lender_runs_a_sampled_lot_audit_end_to_end(page: Page, server, client, runtime, demo):
    lender = demo["lender"]
    line = open_line(client, lender, demo["dealer"])
    assert advance(client, lender, line, *(car(n) for n in range(1, 6))).status_code == 201
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line}")

    # A wrong sample is refused next to its field, and no audit is opened.
    page.get_by_label("Sample, per cent of the financed vehicles").fill("150")
    page.get_by_role("button", name="Open the audit").click()
    expect(page.locator("#f-sample-error")).to_have_text("Give a per cent from 0.01 to 100.")
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "open"
    assert _audits(client, lender, line) == 0

    page.get_by_label("Sample, per cent of the financed vehicles").fill("99.99")
    page.get_by_role("button", name="Open the audit").click()
    page.wait_for_url(re.compile(r"/lender/audits/\d+\?done=opened$"))
    audit = int(re.search(r"/lender/audits/(\d+)", page.url).group(1))
    expect(page.get_by_role("status")).to_have_text(f"Lot audit {audit} is open.")

    # Too early: the block after the draw block is not mined; the page says so.
    page.get_by_role("button", name="Reveal the draw").click()
    expect(page.locator("#f-reveal-error")).to_contain_text("The draw is not ready")
    runtime.chain.w3.provider.make_request("anvil_mine", ["0x2"])  # type: ignore[arg-type]
    page.get_by_role("button", name="Reveal the draw").click()
    page.wait_for_url(re.compile(rf"/lender/audits/{audit}\?done=revealed$"))
    rows = page.locator("table.audit-checklist tbody tr")
    drawn = rows.count()
    assert drawn >= 4  # 99.99 % of 5 vehicles

    # Outcomes need the evidence digest; then one missing, the rest found.
    first = rows.nth(0)
    missing_hash = first.get_attribute("data-vin-hash")
    first.get_by_role("combobox").select_option("missing")
    page.get_by_role("button", name="Record the outcomes").click()
    expect(page.locator("#f-evidence-error")).to_contain_text("64 hexadecimal digits")
    assert client.get(f"/v1/audits/{audit}", headers=lender.headers).json()["missing"] == 0
    rows.nth(0).get_by_role("combobox").select_option("missing")
    for n in range(1, drawn):
        rows.nth(n).get_by_role("combobox").select_option("found")
    page.get_by_label("Evidence digest (SHA-256)").fill("ab" * 32)
    page.get_by_role("button", name="Record the outcomes").click()
    page.wait_for_url(re.compile(rf"/lender/audits/{audit}\?done=recorded&count={drawn}$"))
    expect(page.get_by_role("status")).to_have_text(f"{drawn} outcomes recorded.")
    outcomes = rows.locator("td:nth-child(2)")  # the recorded outcome, beside the choice
    expect(outcomes.filter(has_text="missing")).to_have_count(1)
    expect(outcomes.filter(has_text="found")).to_have_count(drawn - 1)
    shown = client.get(f"/v1/audits/{audit}", headers=lender.headers).json()
    assert (shown["missing"], shown["found"]) == (1, drawn - 1)
    checked = {c["vin_hash"]: c["outcome"] for c in shown["to_check"]}
    assert checked[missing_hash] == "missing"

    page.get_by_role("button", name="Close the audit").click()
    page.wait_for_url(re.compile(rf"/lender/audits/{audit}\?done=closed$"))
    assert client.get(f"/v1/audits/{audit}", headers=lender.headers).json()["status"] == "closed"
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "frozen"
    expect(page.get_by_role("button", name="Record the outcomes")).to_have_count(0)


def test_lender_records_a_curtailment_payment(page: Page, server, client, demo):
    lender = demo["lender"]
    line = open_line(client, lender, demo["dealer"])
    assert advance(client, lender, line, car(1)).status_code == 201
    principal = VALUE * 9_000 // 10_000
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line}")
    page.get_by_label("VIN or VIN hash of the vehicle paid on").fill(make_vin(1))
    page.get_by_label("Amount paid, in CNY").fill(f"{principal // 100 + 1}")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#f-paid-error")).to_have_text(
        "The payment must be more than 0 and at most the principal outstanding,"
        f" {amount(principal)}."
    )
    (vehicle,) = _vehicles(client, lender, line)
    assert vehicle["principal"] == principal

    page.get_by_label("Amount paid, in CNY").fill("18,000.00")
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=curtailment"))
    expect(page.get_by_role("status")).to_have_text(
        f"Curtailment payment of {amount(1_800_000)} on {make_vin(1)} recorded."
    )
    (vehicle,) = _vehicles(client, lender, line)
    assert vehicle["principal"] == principal - 1_800_000


def test_lender_disputes_a_claim_on_it(page: Page, server, client, demo):
    lender, other = demo["lender"], demo["lender2"]
    filed = client.post(
        "/v1/claims",
        json={"debtor_id": lender.member.id, "amount": 1_500_00, "kind": "fee",
              "reference": "INV-2026-0042"},
        headers=other.headers,
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    claim = filed.json()["id"]
    sign_in(page, server, lender)
    page.goto(server + "/lender/clearing")
    page.get_by_label("Claim", exact=True).select_option(str(claim))
    page.get_by_label("Evidence", exact=True).fill("ev_nope")
    page.get_by_role("button", name="Dispute the claim").click()
    expect(page.locator("#f-evidence-error")).to_have_text(
        "No evidence item ev_nope that you may read."
    )
    assert client.get(f"/v1/claims/{claim}", headers=lender.headers).json()["state"] != "disputed"

    page.get_by_label("Evidence", exact=True).fill("0x" + "ab" * 32)
    page.get_by_role("button", name="Dispute the claim").click()
    page.wait_for_url(re.compile(rf"/lender/clearing\?disputed={claim}$"))
    expect(page.get_by_role("status")).to_contain_text(f"Claim {claim} is disputed")
    shown = client.get(f"/v1/claims/{claim}", headers=lender.headers).json()
    assert shown["state"] == "disputed" and shown["dispute_evidence"] == "0x" + "ab" * 32
    expect(page.locator(f'tr[data-claim="{claim}"]')).to_contain_text("disputed")
    expect(page.get_by_role("button", name="Dispute the claim")).to_have_count(0)


def test_lender_refinances_a_vehicle_with_another_lender(
    page: Page, context: BrowserContext, server, client, demo
):
    lender, lender2, dealer = demo["lender"], demo["lender2"], demo["dealer"]
    line_a = open_line(client, lender, dealer)
    line_b = open_line(client, lender2, dealer)
    assert advance(client, lender, line_a, car(1)).status_code == 201
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line_a}")

    # The line's own number is refused next to its field; nothing is offered.
    page.get_by_label("VIN or VIN hash of the vehicle to refinance").fill(make_vin(1))
    page.get_by_label("Receiving line number").fill(str(line_a))
    page.get_by_role("button", name="Offer the lien").click()
    expect(page.locator("#f-to_line-error")).to_have_text(
        "That is not another line of this line's dealer."
    )
    (vehicle,) = _vehicles(client, lender, line_a)
    assert vehicle["transfer_offer_line_id"] in (0, None)

    page.get_by_label("Receiving line number").fill(str(line_b))
    page.get_by_role("button", name="Offer the lien").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line_a}\?done=offered"))
    expect(page.get_by_role("status")).to_contain_text(
        f"The lien on {make_vin(1)} is offered to line {line_b}"
    )
    (vehicle,) = _vehicles(client, lender, line_a)
    assert vehicle["transfer_offer_line_id"] == line_b

    # The receiving lender sees the offer with its payoff, and what the dealer still has to do.
    incoming = client.get(f"/v1/lines/{line_b}/transfer-offers", headers=lender2.headers).json()
    (offer,) = incoming
    context.clear_cookies()
    sign_in(page, server, lender2)
    page.goto(f"{server}/lender/lines/{line_b}")
    row = page.locator(f'tr[data-vin-hash="{offer["vin_hash"]}"]')
    expect(row).to_contain_text(str(line_a))
    expect(page.locator("#incoming-heading + p")).to_contain_text(
        "The dealer then still has to confirm receipt"
    )
    fields = _fields(page, f"/lender/lines/{line_b}/transfer-acceptances")
    row.get_by_role("button", name="Accept and pay off").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line_b}\?done=accepted"))
    expect(page.get_by_role("status")).to_contain_text("is now on this line")
    expect(page.get_by_text("No lien is offered to this line.")).to_be_visible()
    (moved,) = _vehicles(client, lender2, line_b)
    assert moved["line_id"] == line_b and moved["advance"] >= offer["payoff"]["principal"]
    first = page.url.removeprefix(server)

    # A reload is a GET, and the same form sent again acts once: one lien, one advance.
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("is now on this line")
    again = context.request.post(
        f"{server}/lender/lines/{line_b}/transfer-acceptances", form=fields, max_redirects=0
    )
    assert again.status == 303 and again.headers["location"] == first
    line = client.get(f"/v1/lines/{line_b}", headers=lender2.headers).json()
    assert line["active_liens"] == 1 and line["outstanding"] == moved["advance"]
    assert client.get(f"/v1/lines/{line_a}", headers=lender.headers).json()["active_liens"] == 0

    # A new form for a lien no longer offered: refused in words, nothing advanced.
    stale = fields | {"form_key": "k" * 24}
    refused = context.request.post(
        f"{server}/lender/lines/{line_b}/transfer-acceptances", form=stale, max_redirects=0
    )
    assert refused.status == 400
    assert "no longer offered to this line" in refused.text()


def test_lender_freezes_unfreezes_and_closes_a_line(
    page: Page, context: BrowserContext, server, client, demo
):
    lender = demo["lender"]
    line = open_line(client, lender, demo["dealer"])
    assert advance(client, lender, line, car(1)).status_code == 201
    sign_in(page, server, lender)
    page.goto(f"{server}/lender/lines/{line}")
    expect(page.locator("#f-freeze-explain")).to_contain_text("stops every new advance")
    expect(page.locator("#f-close-explain")).to_contain_text("cannot be reopened")

    # Closing with a lien still active is refused in words; the line stays open.
    page.get_by_role("button", name="Close the line for good").click()
    expect(page.locator("#f-line_status-error")).to_have_text(
        "The line still has 1 active liens: release or transfer them first; the line stays as"
        " it was."
    )
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "open"

    page.goto(f"{server}/lender/lines/{line}")
    fields = _fields(page, f"/lender/lines/{line}/freeze")
    page.get_by_role("button", name="Freeze the line", exact=True).click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=frozen$"))
    expect(page.get_by_role("status")).to_have_text(
        f"Line {line} is frozen: it takes no new advance."
    )
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "frozen"
    expect(page.get_by_role("button", name="Freeze the line", exact=True)).to_have_count(0)

    # A reload is a GET; the freeze form sent again acts once (no "not open" refusal).
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("is frozen")
    first = page.url.removeprefix(server)
    again = context.request.post(
        f"{server}/lender/lines/{line}/freeze", form=fields, max_redirects=0
    )
    assert again.status == 303 and again.headers["location"] == first

    page.get_by_role("button", name="Unfreeze the line").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=unfrozen$"))
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "open"

    released = client.post(
        f"/v1/lines/{line}/releases", json={"vehicles": [make_vin(1)]}, headers=lender.headers
    )
    assert released.status_code == 200, released.text
    page.reload()
    page.get_by_role("button", name="Close the line for good").click()
    page.wait_for_url(re.compile(rf"/lender/lines/{line}\?done=closed$"))
    expect(page.get_by_role("status")).to_have_text(f"Line {line} is closed.")
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "closed"
    expect(page.get_by_text("This line is closed: nothing more can be done on it.")).to_be_visible()


def test_lender_withdraws_a_claim_it_filed(
    page: Page, context: BrowserContext, server, client, demo
):
    lender, other = demo["lender"], demo["lender2"]
    filed = client.post(
        "/v1/claims",
        json={"debtor_id": other.member.id, "amount": 2_500_00, "kind": "fee",
              "reference": "INV-2026-0077"},
        headers=lender.headers,
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    claim = filed.json()["id"]
    sign_in(page, server, lender)
    page.goto(server + "/lender/clearing")
    expect(page.locator("#f-withdraw-explain")).to_contain_text("ends it for good")
    page.get_by_label("Claim", exact=True).last.select_option(str(claim))
    fields = _fields(page, "/lender/clearing/withdrawals")
    page.get_by_role("button", name="Withdraw the claim").click()
    page.wait_for_url(re.compile(rf"/lender/clearing\?withdrawn={claim}$"))
    expect(page.get_by_role("status")).to_have_text(
        f"Claim {claim} is withdrawn: no cycle will settle it."
    )
    expect(page.locator(f'tr[data-claim="{claim}"]')).to_contain_text("withdrawn")
    assert client.get(f"/v1/claims/{claim}", headers=lender.headers).json()["state"] == "withdrawn"
    expect(page.get_by_role("button", name="Withdraw the claim")).to_have_count(0)

    # A reload is a GET; the same form sent again acts once and lands on the same page.
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("is withdrawn")
    first = page.url.removeprefix(server)
    again = context.request.post(
        server + "/lender/clearing/withdrawals", form=fields, max_redirects=0
    )
    assert again.status == 303 and again.headers["location"] == first

    # A new form for the claim already withdrawn, or for a claim on the lender: refused in
    # words next to the field, nothing changed.
    stale = context.request.post(
        server + "/lender/clearing/withdrawals",
        form=fields | {"form_key": "w" * 24},
        max_redirects=0,
    )
    assert stale.status == 409 and "settled or withdrawn already" in stale.text()
    on_lender = client.post(
        "/v1/claims",
        json={"debtor_id": lender.member.id, "amount": 1_00, "kind": "fee", "reference": "X-1"},
        headers=other.headers,
    )
    theirs = on_lender.json()["id"]
    refused = context.request.post(
        server + "/lender/clearing/withdrawals",
        form=fields | {"form_key": "v" * 24, "withdraw_claim": str(theirs)},
        max_redirects=0,
    )
    assert refused.status == 409 and "Choose a claim you filed" in refused.text()
    assert client.get(f"/v1/claims/{theirs}", headers=lender.headers).json()["state"] == "filed"


def test_lender_downloads_a_claims_payment_instruction(page: Page, server, client, demo):
    lender, other = demo["lender"], demo["lender2"]
    filed = client.post(
        "/v1/claims",
        json={"debtor_id": lender.member.id, "amount": 1_500_00, "kind": "fee",
              "reference": "INV-2026-0099"},
        headers=other.headers,
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    claim = filed.json()["id"]
    sign_in(page, server, lender)
    page.goto(server + "/lender/clearing")
    page.get_by_label("Claim to pay").select_option(str(claim))
    payer = page.get_by_role("group", name="Your account (payer)")
    payee = page.get_by_role("group", name="The creditor's account (payee)")
    payer.get_by_label("Account holder").fill("Huaxia Auto Finance")
    payer.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")  # a wrong check digit
    payer.get_by_label("BIC").fill("COBADEFFXXX")
    payee.get_by_label("Account holder").fill("Other Lender")
    payee.get_by_label("IBAN").fill("GB29 NWBK 6016 1331 9268 19")
    payee.get_by_label("BIC").fill("NWBKGB2L")
    page.get_by_role("button", name="Download the payment instruction").click()
    expect(page.locator("#f-payer_iban-error")).to_have_text(
        "This is not a valid IBAN (check its letters, digits and check digits)."
    )
    expect(page.locator("#f-payee_iban-error")).to_have_count(0)
    expect(page.get_by_label("Claim to pay")).to_have_value(str(claim))

    payer.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download the payment instruction").click()
    download = waiting.value
    assert download.suggested_filename == f"CLM-{claim}.xml"
    xml = Path(download.path()).read_text()
    assert f"<EndToEndId>CLM-{claim}</EndToEndId>" in xml
    assert "DE89370400440532013000" in xml and "GB29NWBK60161331926819" in xml
    # A download changes nothing: the claim is as it was.
    assert client.get(f"/v1/claims/{claim}", headers=lender.headers).json()["state"] == "filed"


def test_lender_withdraws_its_dispute(page: Page, context: BrowserContext, server, client, demo):
    lender, other = demo["lender"], demo["lender2"]
    filed = client.post(
        "/v1/claims",
        json={"debtor_id": lender.member.id, "amount": 900_00, "kind": "fee",
              "reference": "INV-2026-0101"},
        headers=other.headers,
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    claim = filed.json()["id"]
    disputed = client.post(
        f"/v1/claims/{claim}/dispute", json={"evidence": "0x" + "cd" * 32}, headers=lender.headers
    )
    assert disputed.status_code == 200, disputed.text
    sign_in(page, server, lender)
    page.goto(server + "/lender/clearing")
    expect(page.locator("#f-undispute-explain")).to_contain_text("final at once")
    page.get_by_label("Disputed claim").select_option(str(claim))
    fields = _fields(page, "/lender/clearing/dispute-withdrawals")
    page.get_by_role("button", name="Withdraw the dispute").click()
    page.wait_for_url(re.compile(rf"/lender/clearing\?undisputed={claim}$"))
    expect(page.get_by_role("status")).to_have_text(
        f"Your dispute of claim {claim} is withdrawn: the claim is final."
    )
    expect(page.locator(f'tr[data-claim="{claim}"]')).to_contain_text("final")
    assert client.get(f"/v1/claims/{claim}", headers=lender.headers).json()["state"] == "final"
    expect(page.get_by_role("button", name="Withdraw the dispute")).to_have_count(0)

    # A reload is a GET; the same form again acts once; a new form is refused in words.
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("is withdrawn")
    first = page.url.removeprefix(server)
    again = context.request.post(
        server + "/lender/clearing/dispute-withdrawals", form=fields, max_redirects=0
    )
    assert again.status == 303 and again.headers["location"] == first
    stale = context.request.post(
        server + "/lender/clearing/dispute-withdrawals",
        form=fields | {"form_key": "u" * 24},
        max_redirects=0,
    )
    assert stale.status == 409 and "no longer disputed" in stale.text()
    assert client.get(f"/v1/claims/{claim}", headers=lender.headers).json()["state"] == "final"
