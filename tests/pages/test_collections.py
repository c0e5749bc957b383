"""The collection agency's page (its own contacts and their rule breaches, in the reader's
language, each contact linked to its evidence) and the regulator's exposure and alert pages,
in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from api.pages.financing import amount
from tests.api.test_audit import _contact
from tests.api.test_inventory import ADVANCE, advance, car, make_vin, open_line
from tests.pages.conftest import shot, sign_in
from tests.pages.test_lender import _audit_missing


def _contacts(client, demo) -> None:
    collector = demo["collector"]
    assert _contact(client, collector, "2026-03-02T22:30:00+08:00").status_code == 201
    assert _contact(client, collector, "2026-03-02T09:00:00+08:00").status_code == 201
    other = _contact(client, demo["lender"], "2026-03-02T23:00:00+08:00")  # not a collector's
    assert other.status_code in (201, 403)


def test_collector_reads_its_contacts_and_breaches(page: Page, server, client, demo):
    _contacts(client, demo)
    sign_in(page, server, demo["collector"])
    page.get_by_role("navigation").get_by_role("link", name="Collections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collections")
    contacts = page.locator("table.contacts tbody tr")
    expect(contacts).to_have_count(2)
    expect(page.locator("table.contacts caption")).to_have_text("2 contacts")
    breaches = page.locator("table.breaches tbody tr")
    expect(breaches).to_have_count(1)
    expect(breaches.first).to_contain_text("Contact hours")
    expect(breaches.first.locator("td.detail")).to_contain_text(
        "is outside the allowed hours 08:00–21:00"
    )
    late = contacts.filter(has_text="hour 22")
    expect(late).to_contain_text("phone")
    late.get_by_role("link", name="Open").click()
    expect(page).to_have_url(re.compile(r"/evidence/ev_[0-9a-f]+$"))
    shot(page, "collections-01-evidence")


@pytest.mark.zh
def test_collector_page_in_chinese(page: Page, server, client, demo):
    _contacts(client, demo)
    sign_in(page, server, demo["collector"])
    page.goto(f"{server}/collections")
    expect(page.get_by_role("heading", level=1)).to_have_text("催收")
    detail = page.locator("table.breaches td.detail").first
    expect(detail).to_contain_text("不在允许的时段 08:00–21:00 内")
    expect(detail).not_to_have_attribute("lang", "en")
    expect(page.locator("table.contacts tbody tr").first).to_contain_text("电话")
    shot(page, "collections-02-zh")


def test_only_collectors_open_the_collections_page(page: Page, server, demo):
    sign_in(page, server, demo["dealer"])
    answer = page.goto(f"{server}/collections")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("navigation").get_by_role("link", name="Collections")).to_have_count(0)


def test_regulator_reads_exposure_and_alerts(page: Page, server, client, runtime, demo):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1), car(2), car(3)).status_code == 201
    _audit_missing(client, lender, line, missing=2, found=3)
    runtime.indexer.run_once()

    sign_in(page, server, demo["regulator"])
    page.goto(f"{server}/oversight")
    page.get_by_role("navigation", name="Oversight pages").get_by_role(
        "link", name="Exposure"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exposure")
    huaxia = page.locator("table.exposure-lenders tbody tr").filter(has_text="Huaxia Auto Finance")
    expect(huaxia.locator("td").nth(2)).to_have_text(amount(3 * ADVANCE))
    expect(page.locator("table.exposure-dealers tbody tr")).to_contain_text("Sunrise Motors")

    page.get_by_role("navigation", name="Oversight pages").get_by_role(
        "link", name="Alerts"
    ).click()
    rows = page.locator("table.alerts tbody tr")
    missing = rows.filter(has_text="Missing in an audit")
    expect(missing).to_have_count(1)
    expect(missing).to_contain_text(make_vin(2))
    expect(missing).to_contain_text("Huaxia Auto Finance → Sunrise Motors")
    page.get_by_label("Kind").select_option("line_frozen_by_audit")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"kind=line_frozen_by_audit"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Line frozen by an audit")
    shot(page, "oversight-alerts")
