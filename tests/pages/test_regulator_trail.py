"""The regulator's audit pages in a real browser, on the session chain: the trail of a vehicle,
a case and a member; the audit verification, clean and after tampering; rule breaches with
their SVG charts and data tables; the signed export bundle; and who may open them."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from api.pages import audit_trail, i18n_oversight
from api.pages.audit_trail import CSV_COLUMNS, TRAIL_KINDS
from api.pages.charts import bar_chart
from api.pages.i18n import CATALOGS
from ledger.vin import InvalidVin, normalize_vin
from notary.compliance import RULES
from oversight.audit import verify_bundle
from tests.api.test_audit import _contact
from tests.api.test_inventory import ADVANCE, advance, car, make_vin, open_line
from tests.pages.conftest import shot, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""The pages' time zone in the tests (the `time_zone` setting's default)."""

PAGES = ("/oversight/trail", "/oversight/verification", "/oversight/breaches", "/oversight/exports")


@pytest.fixture
def activity(client, runtime, demo, evidence):
    """Evidence (the `evidence` fixture), a financed and sold vehicle, and collection contacts
    in March 2026 (Shanghai time) with four breaches: one out of hours, one over the daily
    limit, two forbidden phrases."""
    lender, dealer, collector = demo["lender"], demo["dealer"], demo["collector"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1)).status_code == 201
    sold = client.post(
        f"/v1/lines/{line}/sales", json={"vehicles": [make_vin(1)]}, headers=dealer.headers
    )
    assert sold.status_code == 200, sold.text
    for at in ("22:30", "09:00", "10:00", "11:00"):
        made = _contact(client, collector, f"2026-03-02T{at}:00+08:00")
        assert made.status_code == 201, made.text
    worded = _contact(
        client,
        collector,
        "2026-03-03T10:00:00+08:00",
        document_digest=None,
        transcript="Pay today or we will tell your employer, 老赖.",
    )
    assert worded.status_code == 201, worded.text
    runtime.anchorer.anchor_all()
    runtime.indexer.run_once()
    return line


def _alert(page: Page, pattern: str) -> None:
    """The error summary says `pattern` and holds the focus (it is announced at once)."""
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(pattern))
    expect(alert).to_be_focused()


def test_trail_of_a_vehicle_a_case_and_a_member(
    page: Page, server, client, demo, evidence, activity
):
    regulator = demo["regulator"]
    sign_in(page, server, regulator)
    page.goto(f"{server}/oversight")
    page.get_by_role("navigation", name="Oversight pages").get_by_role(
        "link", name="Audit trail"
    ).click()
    expect(page).to_have_url(f"{server}/oversight/trail")
    expect(page.get_by_role("heading", name="Audit trail", level=1)).to_be_visible()

    # A vehicle, by VIN in lower case: the same events as the API's timeline, in order.
    page.get_by_label("Trail of").select_option("vehicle")
    page.get_by_label("VIN, case reference or member").fill(make_vin(1).lower())
    page.get_by_role("button", name="Show the trail").click()
    api = client.get(f"/v1/views/vehicles/{make_vin(1)}/timeline", headers=regulator.headers).json()
    expected = [e["event"] for e in api["items"]]
    assert expected[:2] == ["VehicleFinanced", "VehicleSold"]
    expect(page.get_by_role("heading", name=f"Trail of {make_vin(1)}")).to_be_visible()
    rows = page.locator("table.trail tbody tr")
    expect(rows).to_have_count(len(expected))
    for index, name in enumerate(expected):
        expect(rows.nth(index)).to_have_attribute("data-kind", f"FloorPlan.{name}")
    # Each event is a sentence: parties by name, the advance in yuan, the VIN, the payoff
    # deadline in Shanghai time with its UTC time on hover.
    vin = make_vin(1)
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text(
        f"Huaxia Auto Finance advanced 225,000.00 CNY on {vin} to Sunrise Motors (line {activity})"
    )
    due = datetime.fromtimestamp(int(api["items"][1]["args"]["payoffDueAt"]), UTC)
    local = due.astimezone(SHANGHAI)
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text(
        f"Sunrise Motors reported {vin} sold; payoff to Huaxia Auto Finance due"
        f" {local.day} {local:%b %Y %H:%M}"
    )
    expect(rows.nth(1).get_by_role("rowheader").locator("time")).to_have_attribute(
        "title", due.strftime("%Y-%m-%d %H:%M:%S UTC")
    )
    expect(rows.nth(1).get_by_role("rowheader")).not_to_contain_text("payoffDueAt")
    # The raw event is one click away: contract, name, block, transaction, log, arguments.
    first = api["items"][0]
    raw = rows.first.locator("details")
    expect(raw.get_by_text(first["tx_hash"])).not_to_be_visible()
    raw.locator("summary").click()
    expect(raw.get_by_text(first["tx_hash"])).to_be_visible()
    expect(raw).to_contain_text(f"Block{first['block_number']}")
    expect(raw).to_contain_text(f"Log index{first['log_index']}")
    expect(raw).to_contain_text(f"advance{ADVANCE}")
    shot(page, "trail-01-vehicle")

    # A VIN that is valid but was never financed, and one that is no VIN at all.
    page.get_by_label("VIN, case reference or member").fill(make_vin(99))
    page.get_by_role("button", name="Show the trail").click()
    _alert(page, f"No lien event of vehicle {make_vin(99)}")
    expect(page.locator("table.trail")).to_have_count(0)
    page.get_by_label("VIN, case reference or member").fill("LFV2A21K")
    page.get_by_role("button", name="Show the trail").click()
    _alert(page, "a VIN has 17 characters")
    field = page.get_by_label("VIN, case reference or member")
    expect(field).to_have_attribute("aria-invalid", "true")
    shot(page, "trail-02-bad-vin")
    answer = page.request.get(f"{server}/oversight/trail?kind=vehicle&q=LFV2A21K")
    assert answer.status == 400
    unknown = page.request.get(f"{server}/oversight/trail?kind=vehicle&q={make_vin(99)}")
    assert unknown.status == 404

    # A case: every item's submission and the anchoring of its two batches (the `activity`
    # fixture anchored the photo), with links to the items.
    page.get_by_label("Trail of").select_option("case")
    field.fill("CASE-2026-001")
    page.get_by_role("button", name="Show the trail").click()
    trail = page.locator("table.trail")
    for item in (evidence.recording, evidence.agreement, evidence.pending):
        expect(trail.get_by_role("link", name=item).first).to_be_visible()
    anchored = trail.locator("tr[data-kind='EvidenceRegistry.BatchAnchored']")
    expect(anchored).to_have_count(2)
    expect(anchored.first.get_by_role("rowheader")).to_contain_text(
        re.compile(r"anchored evidence batch \d+ \(\d+ items\)")
    )
    submitted = trail.locator("tr[data-kind='Evidence.submitted']")
    expect(submitted).to_have_count(3)
    expect(submitted.get_by_role("rowheader").first).to_contain_text("submitted")
    expect(trail).not_to_contain_text(evidence.other_case)
    commitment = runtime_commitment(client, regulator, evidence.recording)
    expect(page.locator(".trail-note")).to_contain_text(commitment)
    certificate = page.get_by_role("link", name="Download the certificate of the whole case")
    expect(certificate).to_have_attribute("href", "/cases/certificate.pdf?case=CASE-2026-001")
    # a case certificate renders every item with embedded fonts: seconds on a loaded machine
    with page.expect_download(timeout=60_000) as info:
        certificate.click()
    assert info.value.suggested_filename == "case-CASE-2026-001.certificate.pdf"
    page.get_by_label("VIN, case reference or member").fill("CASE-NOBODY-HAS")
    page.get_by_role("button", name="Show the trail").click()
    _alert(page, "No evidence of case “CASE-NOBODY-HAS”")

    # A member, by name: its admission and the line it opened.
    page.get_by_label("Trail of").select_option("member")
    page.get_by_label("VIN, case reference or member").fill("Huaxia Auto Finance")
    page.get_by_role("button", name="Show the trail").click()
    expect(
        page.get_by_role("heading", name=re.compile("Trail of Huaxia Auto Finance"))
    ).to_be_visible()
    trail = page.locator("table.trail")
    admitted = trail.locator("tr[data-kind='Consortium.MemberAdmitted']")
    expect(admitted.get_by_role("rowheader")).to_have_text(
        f"Huaxia Auto Finance joined the consortium as member #{demo['lender'].member.id}"
    )
    expect(trail.locator("tr[data-kind='FloorPlan.LineOpened']")).to_have_count(1)
    # The lender's trail holds its advance (the event names only the line) and the sale.
    expect(trail.locator("tr[data-kind='FloorPlan.VehicleFinanced']")).to_have_count(1)
    expect(trail.locator("tr[data-kind='FloorPlan.VehicleSold']")).to_have_count(1)
    # Sentences name members, never their addresses (those stay in the raw event).
    address = demo["lender"].member.address
    expect(trail.get_by_role("rowheader").filter(has_text=address)).to_have_count(0)
    expect(
        trail.get_by_role("rowheader").filter(has_text="Huaxia Auto Finance").first
    ).to_be_visible()
    shot(page, "trail-03-member")
    page.get_by_label("VIN, case reference or member").fill("Nobody Bank")
    page.get_by_role("button", name="Show the trail").click()
    _alert(page, "There is no member “Nobody Bank”")

    # In Chinese, the same error.
    page.get_by_role("button", name="中文").click()
    _alert(page, "没有成员“Nobody Bank”")


def test_trail_filters_by_kind_and_day_and_downloads_as_csv(
    page: Page, server, client, demo, activity, monkeypatch
):
    regulator = demo["regulator"]
    sign_in(page, server, regulator)
    lender = demo["lender"].member
    api = client.get(
        f"/v1/views/members/{lender.id}/timeline", params={"limit": 100}, headers=regulator.headers
    ).json()
    advanced = [e for e in api["items"] if e["event"] == "VehicleFinanced"]
    assert len(advanced) == 1 and api["total"] > 3
    day = datetime.fromisoformat(advanced[0]["block_time"].replace("Z", "+00:00")).astimezone(UTC)
    page.goto(f"{server}/oversight/trail?kind=member&q=Huaxia+Auto+Finance")
    rows = page.locator("table.trail tbody tr")
    expect(rows).to_have_count(api["total"])

    # One kind of event, on the day it happened: the advance only.
    page.get_by_label("Event kind").select_option("FloorPlan.VehicleFinanced")
    page.get_by_label("From (day, UTC)").fill(day.date().isoformat())
    page.get_by_label("To (day, UTC, included)").fill(day.date().isoformat())
    page.get_by_role("button", name="Show the trail").click()
    expect(page).to_have_url(re.compile(r"event=FloorPlan\.VehicleFinanced"))
    expect(rows).to_have_count(1)
    expect(page.get_by_text("1 entry matches the filters")).to_be_visible()
    sentence = f"Huaxia Auto Finance advanced 225,000.00 CNY on {make_vin(1)} to Sunrise Motors"
    expect(rows.first.get_by_role("rowheader")).to_contain_text(sentence)
    shot(page, "trail-09-filtered")

    # The CSV holds the filtered trail: UTC time, raw units, and the sentence.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download this trail as CSV").click()
    download = info.value
    assert download.suggested_filename == "trail-member-Huaxia-Auto-Finance.csv"
    table = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert tuple(table[0]) == CSV_COLUMNS
    assert len(table) == 2
    row = dict(zip(CSV_COLUMNS, table[1], strict=True))
    assert (row["contract"], row["event"]) == ("FloorPlan", "VehicleFinanced")
    assert row["tx_hash"] == advanced[0]["tx_hash"]
    assert row["time_utc"] == day.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(row["args"])["advance"] == str(ADVANCE)
    assert row["sentence"].startswith(sentence)

    # The day before holds none of it; the whole trail downloads without filters.
    before = (day - timedelta(days=1)).date().isoformat()
    page.get_by_label("From (day, UTC)").fill(before)
    page.get_by_label("To (day, UTC, included)").fill(before)
    page.get_by_role("button", name="Show the trail").click()
    expect(rows).to_have_count(0)
    expect(page.get_by_text("0 entries match the filters")).to_be_visible()
    everything = page.request.get(f"{server}/oversight/trail.csv?kind=member&q={lender.id}")
    assert everything.status == 200
    assert everything.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(everything.text())))
    assert len(lines) == api["total"] + 1
    assert [r[2] for r in lines[1:]] == [e["event"] for e in api["items"]]

    # In Chinese, the same advance in Chinese words.
    page.get_by_label("From (day, UTC)").fill("")
    page.get_by_label("To (day, UTC, included)").fill("")
    page.get_by_role("button", name="Show the trail").click()
    page.get_by_role("button", name="中文").click()
    expect(rows.first.get_by_role("rowheader")).to_have_text(
        f"Huaxia Auto Finance就车辆 {make_vin(1)} 向Sunrise Motors放款 225,000.00 CNY"
        f"（额度 {activity}）"
    )
    page.get_by_role("button", name="English").click()

    # A bad day or event kind is a 400 naming the field, with the focus on the alert.
    page.goto(f"{server}/oversight/trail?kind=member&q=Huaxia+Auto+Finance&from=2026-13-01")
    _alert(page, "Enter a day like 2026-11-30")
    expect(page.get_by_label("From (day, UTC)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("table.trail")).to_have_count(0)
    bad = page.request.get(f"{server}/oversight/trail?kind=member&q=1&to=2026-02-30")
    assert bad.status == 400 and "Enter a day like 2026-11-30" in bad.text()
    reversed_ = page.request.get(
        f"{server}/oversight/trail?kind=member&q=1&from=2026-03-02&to=2026-03-01"
    )
    assert reversed_.status == 400 and "The last day is before the first day" in reversed_.text()
    page.goto(f"{server}/oversight/trail?kind=member&q=1&event=FloorPlan.Nothing")
    _alert(page, "Choose an event kind from the list")
    refused = page.request.get(f"{server}/oversight/trail.csv?kind=member&q=1&event=Nope")
    assert refused.status == 400 and refused.headers["content-type"].startswith("text/html")

    # Paging keeps the filters: one entry a page, the lender's two role grants.
    monkeypatch.setattr(audit_trail, "TRAIL_LIMIT", 1)
    page.goto(
        f"{server}/oversight/trail?kind=member&q=Huaxia+Auto+Finance"
        f"&event=Consortium.MemberRoleGranted&from={day.date()}&to={day.date()}"
    )
    expect(page.get_by_text("Entries 1 to 1 of 2.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("rowheader")).to_have_text(
        "Huaxia Auto Finance was granted the role Lender"
    )
    page.locator("#trail-next").click()
    expect(page).to_have_url(re.compile(r"event=Consortium\.MemberRoleGranted.*&start=1$"))
    expect(page.get_by_text("Entries 2 to 2 of 2.")).to_be_visible()
    expect(rows.first.get_by_role("rowheader")).to_have_text(
        "Huaxia Auto Finance was granted the role Auditor"
    )
    expect(page.get_by_label("Event kind")).to_have_value("Consortium.MemberRoleGranted")
    expect(page.get_by_label("From (day, UTC)")).to_have_value(day.date().isoformat())
    page.locator("#trail-previous").click()
    expect(page.get_by_text("Entries 1 to 1 of 2.")).to_be_visible()


def runtime_commitment(client, caller, public_id: str) -> str:
    return client.get(f"/v1/evidence/{public_id}", headers=caller.headers).json()["case_commitment"]


def test_verification_passes_then_names_a_deleted_event(
    page: Page, server, runtime, demo, activity
):
    sign_in(page, server, demo["regulator"])
    page.goto(f"{server}/oversight/verification")
    expect(page.get_by_text("has not been run since the service started")).to_be_visible()

    page.get_by_role("button", name="Run the verification now").click()
    expect(page).to_have_url(f"{server}/oversight/verification")
    expect(page.locator("#audit-outcome")).to_have_text(
        re.compile("All checks passed: the database matches the chain.")
    )
    ran = page.locator("#audit-ran-at").inner_text()
    ran_at = datetime.strptime(ran.replace("UTC", ""), "%Y-%m-%d %H:%M:%S %z")  # Asia/Shanghai
    assert ran.endswith(" UTC+08:00")
    assert abs((datetime.now(UTC) - ran_at).total_seconds()) < 120
    expect(page.locator("table.discrepancies")).to_have_count(0)
    checkpoint = page.locator("#audit-checkpoint").inner_text()
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", checkpoint), checkpoint
    shot(page, "trail-04-verification-passed")

    # The checkpoint it showed is accepted; a malformed one is refused in the alert.
    page.get_by_label(re.compile("Checkpoint from an earlier report")).fill(checkpoint)
    page.get_by_role("button", name="Run the verification now").click()
    expect(page.locator("#audit-outcome")).to_contain_text("All checks passed")
    expect(page.locator(".facts")).to_contain_text(f"Checkpoint checked{checkpoint}")
    page.get_by_label(re.compile("Checkpoint from an earlier report")).fill("12:not-a-root")
    page.get_by_role("button", name="Run the verification now").click()
    _alert(page, "Enter the checkpoint as SIZE:ROOT")

    # Delete the stored LineOpened event: the next run names it.
    with runtime.engine.begin() as conn:
        row = conn.execute(
            text("SELECT id, block_number FROM indexed_event WHERE event = 'LineOpened'")
        ).one()
        conn.execute(text("DELETE FROM indexed_event WHERE id = :id"), {"id": row.id})
    page.get_by_label(re.compile("Checkpoint from an earlier report")).fill("")
    page.get_by_role("button", name="Run the verification now").click()
    outcome = page.locator("#audit-outcome")
    expect(outcome).to_have_text(re.compile("1 discrepancy found"))
    expect(outcome).to_have_attribute("role", "alert")
    expect(outcome).to_be_focused()
    table = page.locator("table.discrepancies")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("event_missing")
    expect(table.locator("tbody tr")).to_contain_text(
        f"FloorPlan.LineOpened in block {row.block_number}"
    )
    expect(table.locator("tbody tr")).to_contain_text("no stored event")
    shot(page, "trail-05-verification-failed")


def test_breaches_are_charted_with_their_figures(page: Page, server, client, demo, activity):
    regulator = demo["regulator"]
    sign_in(page, server, regulator)
    page.goto(f"{server}/oversight/breaches")
    page.get_by_label("From (day, UTC)").fill("2026-03-01")
    page.get_by_label("To (day, UTC, included)").fill("2026-03-31")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"/oversight/breaches\?from=2026-03-01&to=2026-03-31$"))
    summary = client.get(
        "/v1/compliance/summary",
        params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=regulator.headers,
    ).json()
    assert summary["totals"]["violations"] == 4 and summary["totals"]["contacts"] == 5
    expect(page.locator(".figure[data-total='violations']")).to_have_text("4")
    expect(page.locator(".figure[data-total='contacts']")).to_have_text("5")
    expect(page.locator(".figure[data-rule='forbidden_wording']")).to_have_text("2")

    # Per day: a bar for each day of March, the figures on the breach days, a table beside.
    per_day = page.get_by_role("img", name=re.compile("Rule breaches per day"))
    expect(per_day).to_have_count(1)
    expect(per_day.locator("title").first).to_have_text(
        "Rule breaches per day (debtor's local day)"
    )
    expect(per_day.locator("rect.bar")).to_have_count(31)
    expect(per_day.locator("rect[data-label='2026-03-02']")).to_have_attribute("data-value", "2")
    expect(per_day.locator("rect[data-label='2026-03-03']")).to_have_attribute("data-value", "2")
    expect(per_day.locator("rect[data-label='2026-03-04']")).to_have_attribute("data-value", "0")
    expect(per_day.locator("rect[data-label='2026-03-02'] title")).to_have_text(
        "Day 2026-03-02: 2 breaches"
    )
    heights = {
        label: float(per_day.locator(f"rect[data-label='{label}']").get_attribute("height") or 0)
        for label in ("2026-03-02", "2026-03-04")
    }
    assert heights["2026-03-02"] > 0 and heights["2026-03-04"] == 0
    table = page.locator("#table-per-day")
    expect(table.locator("tbody tr")).to_have_count(2)
    first = table.locator("tbody tr").first
    expect(first.get_by_role("rowheader")).to_have_text("2026-03-02")
    expect(first.locator("td").last).to_have_text("2")

    # By hour: 24 bars, the out-of-hours ones marked; 22:00 held one contact.
    hours = page.get_by_role("img", name=re.compile("Contacts by hour"))
    expect(hours.locator("rect.bar")).to_have_count(24)
    expected_hours = {h["hour"]: h["count"] for h in summary["contacts_by_hour"]}
    for hour in (9, 10, 22, 3):
        bar = hours.locator(f"rect[data-label='{hour:02d}']")
        expect(bar).to_have_attribute("data-value", str(expected_hours[hour]))
    expect(hours.locator("rect[data-label='22']")).to_have_class(re.compile(r"\bmarked\b"))
    expect(hours.locator("rect[data-label='10']")).not_to_have_class(re.compile(r"\bmarked\b"))
    row = page.locator("#table-hours tbody tr").nth(22)
    expect(row).to_contain_text("22:00")
    expect(row.locator("td").first).to_have_text("1")
    expect(row).to_contain_text("outside")

    # The list: every breach, newest contact first, with the matched wording.
    listing = page.locator("table.breaches tbody tr")
    expect(listing).to_have_count(4)
    expect(listing.first).to_contain_text("Forbidden wording")
    expect(page.locator("table.breaches")).to_contain_text("“tell your employer”")
    expect(page.locator("table.breaches")).to_contain_text("Steadfast Collections")
    shot(page, "trail-06-breaches")

    # In Chinese: the chart's accessible name and the table follow the language.
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="违规情况", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("每日违规次数"))).to_have_count(1)
    expect(page.locator("#table-hours tbody tr").nth(22)).to_contain_text("时段外")
    shot(page, "trail-06-breaches-zh")
    page.get_by_role("button", name="English").click()

    # A malformed day is named in the alert, with the focus on it.
    page.goto(f"{server}/oversight/breaches?from=2026-13-01&to=2026-03-31")
    _alert(page, "Enter a day like 2026-11-30")
    expect(page.get_by_label("From (day, UTC)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("img")).to_have_count(0)
    page.goto(f"{server}/oversight/breaches?from=2026-03-31&to=2026-03-01")
    _alert(page, "The last day is before the first day")


def test_export_downloads_a_bundle_that_verifies(
    page: Page, server, runtime, demo, activity, tmp_path: Path
):
    sign_in(page, server, demo["regulator"])
    page.goto(f"{server}/oversight/exports")
    today = datetime.now(UTC).date().isoformat()
    expect(page.get_by_label("To (day, UTC, included)")).to_have_value(today)
    page.get_by_label("From (day, UTC)").fill(today)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the bundle").click()
    download = info.value
    assert download.suggested_filename == f"autoledger-audit-{today}-{today}.zip"
    bundle = tmp_path / download.suggested_filename
    download.save_as(bundle)
    report = verify_bundle(
        bundle,
        rpc_url=runtime.chain.urls[-1],
        trust=runtime.trust_root(),
        expected_signer=runtime.operator.address,
    )
    assert report.verified, report.checks
    assert "events on chain" in [c.name for c in report.checks]
    shot(page, "trail-07-exports")

    page.get_by_label("From (day, UTC)").fill(today)
    page.get_by_label("To (day, UTC, included)").fill("2000-01-01")
    page.get_by_role("button", name="Download the bundle").click()
    _alert(page, "The last day is before the first day")
    page.get_by_label("From (day, UTC)").fill("")
    page.get_by_role("button", name="Download the bundle").click()
    _alert(page, "Enter a day.")
    expect(page.get_by_label("From (day, UTC)")).to_have_attribute("aria-invalid", "true")
    # The browser's date field sends only real days; the form still names a bad one.
    token = page.locator("form.search input[name='csrf_token']").input_value()
    bad = page.request.post(
        f"{server}/oversight/exports", form={"csrf_token": token, "from": "2026-02-30", "to": today}
    )
    assert bad.status == 400 and "Enter a day like 2026-11-30" in bad.text()
    assert bad.headers["content-type"].startswith("text/html")
    shot(page, "trail-08-export-error")


def test_only_regulators_open_the_audit_pages_and_forms_need_their_token(
    page: Page, server, demo, context
):
    for name in ("dealer", "lender"):
        sign_in(page, server, demo[name])
        expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Oversight")
        for path in PAGES:
            answer = page.goto(f"{server}{path}")
            assert answer is not None and answer.status == 403, (name, path)
            _alert(page, "roles do not open this page")
        refused = page.request.post(f"{server}/oversight/exports", form={"from": "2026-03-01"})
        assert refused.status == 403
        page.get_by_role("button", name="Sign out").click()

    # Signed out: sent to sign in, and back afterwards.
    page.goto(f"{server}/oversight/breaches")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/oversight/breaches$"))

    # A regulator's session without the form's token: refused, nothing runs.
    sign_in(page, server, demo["regulator"])
    for path in ("/oversight/verification", "/oversight/exports"):
        forged = page.request.post(
            f"{server}{path}", form={"from": "2026-03-01", "to": "2026-03-02"}
        )
        assert forged.status == 403 and "form was not accepted" in forged.text(), path
        wrong = page.request.post(
            f"{server}{path}",
            form={"csrf_token": "x" * 43, "from": "2026-03-01", "to": "2026-03-02"},
        )
        assert wrong.status == 403, path
    page.goto(f"{server}/oversight/verification")
    expect(page.get_by_text("has not been run since the service started")).to_be_visible()


def test_every_string_the_audit_pages_build_from_values_exists():
    keys = {f"trail.kinds.{k}" for k in TRAIL_KINDS} | {
        f"trail.error.empty_{k}" for k in TRAIL_KINDS
    }
    keys |= {
        f"trail.error.vin_{p}"
        for p in ("length", "forbidden_letter", "bad_character", "check_digit")
    }
    keys |= {f"rule.{r}" for r in RULES}
    keys |= {f"ovnav.{n}" for n in ("trail", "verification", "breaches", "exports")}
    keys |= {f"ovtools.{n}" for n in ("trail", "verification", "breaches", "exports")}
    keys |= {"casecert.error.pending", "casecert.error.too_large"}
    for language, catalog in CATALOGS.items():
        assert not keys - set(catalog), (language, sorted(keys - set(catalog)))
    assert set(i18n_oversight.EN) - {k for k in i18n_oversight.EN if k.endswith(".one")} == set(
        i18n_oversight.ZH
    )
    # The VIN problems named are the ones the VIN parser reports.
    problems = set()
    for wrong in ("LFV2A21K", "LFV2A21K0N30000I1", "LFV2A21K0N30000-1", "LFV2A21K1N3000001"):
        with pytest.raises(InvalidVin) as caught:
            normalize_vin(wrong)
        problems.add(caught.value.problem)
    assert problems == {"length", "forbidden_letter", "bad_character", "check_digit"}


def test_bar_geometry_is_proportional_and_marks_what_it_is_told():
    chart = bar_chart([("a", 0), ("b", 3), ("c", 6)], marked=frozenset({"c"}))
    a, b, c = chart.bars
    assert a.height == 0 and a.y == chart.bottom
    assert c.height == pytest.approx(2 * b.height) and b.y + b.height == pytest.approx(chart.bottom)
    assert c.marked and not b.marked and chart.total == 9
    assert [t.value for t in chart.ticks] == [0, 2, 4, 6, 8]  # the axis tops out at 8
    assert a.x < b.x < c.x and b.x - a.x == pytest.approx(c.x - b.x)
    crowded = bar_chart([(str(n), n) for n in range(60)], max_labels=12)
    assert sum(bar.show_label for bar in crowded.bars) == 12
    empty = bar_chart([("x", 0)])
    assert [t.value for t in empty.ticks] == [0] and empty.bars[0].height == 0


def test_a_trail_filter_keeps_its_days_whole_in_utc_and_one_kind():
    day = datetime(2026, 3, 1).date()
    narrow = audit_trail.TrailFilter(kind="FloorPlan.VehicleSold", first=day, last=day)

    def entry(at: datetime, name: str = "VehicleSold") -> audit_trail.TrailEntry:
        return audit_trail.TrailEntry(
            at=at, name=name, contract="FloorPlan", block_number=1, tx_hash="0x", log_index=0,
            args={},
        )  # fmt: skip

    assert narrow.keeps(entry(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)))
    assert narrow.keeps(entry(datetime(2026, 3, 1, 23, 59, 59)))  # naive is UTC
    assert not narrow.keeps(entry(datetime(2026, 3, 2, 0, 0, tzinfo=UTC)))
    # 07:59 on 1 March in Shanghai is still 28 February in UTC
    assert not narrow.keeps(entry(datetime(2026, 3, 1, 7, 59, tzinfo=SHANGHAI)))
    assert not narrow.keeps(entry(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "VehicleFinanced"))
    assert not audit_trail.TrailFilter().active and narrow.active
    assert "Evidence.submitted" in audit_trail.EVENT_KINDS
    assert "FloorPlan.VehicleFinanced" in audit_trail.EVENT_KINDS
