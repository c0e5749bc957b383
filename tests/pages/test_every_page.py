"""Every page, as each role reaches it, in a real browser at a desktop width (1366 px) and a
phone's (390 px): no page is wider than the viewport (tables scroll in their own box), and
axe-core finds no accessibility violation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.api.test_audit import _contact
from tests.api.test_inventory import advance, car, open_line
from tests.pages.conftest import shot, sign_in
from tests.pages.test_dealer import _hash
from tests.pages.test_lender import _audit_missing

WIDTHS = (1366, 390)
"""A laptop's width and an iPhone 12–15's CSS width."""

AXE = Axe()
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    # experimental in axe-core, so off by default; the testers ran it
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}


@dataclass(frozen=True)
class Round:
    """The pages one role opens."""

    role: str
    paths: tuple[str, ...]


def _rounds(line: int, audits: tuple[int, int], recording: str, imported: str) -> list[Round]:
    audit, running = audits
    vehicle = _hash(2)
    return [
        Round("lender", ("/", "/members", "/lender", "/cases", f"/lender/lines/{line}",
                         f"/lender/audits/{audit}", f"/lender/audits/{running}",
                         f"/lender/vehicles/{vehicle}",
                         "/lender/lines/new", f"/lender/lines/{line}/terms",
                         f"/lender/lines/{line}/advances/new", imported,
                         "/lender/clearing", "/evidence", "/no/such/page")),
        Round("dealer", ("/dealer", f"/dealer/lines/{line}", f"/dealer/vehicles/{vehicle}")),
        Round("regulator", ("/oversight", "/oversight/trail?kind=member&q=Huaxia+Auto+Finance",
                            "/oversight/verification", "/oversight/breaches",
                            "/oversight/exposure", "/oversight/alerts", "/oversight/exports")),
        Round("legal", ("/evidence?case=CASE-2026-001", f"/evidence/{recording}")),
        Round("collector", ("/collections", "/cases", "/cases?case=CASE-2026-001")),
    ]  # fmt: skip


ENGLISH_ALLOWED = frozenset(
    {"Merkle", "English", "Chromium", "Firefox",
     # command-line words, shown as the command is typed
     "autoledger", "apikey", "create", "verify", "verified", "audit", "export", "stamp"}
)  # fmt: skip
"""Latin words a Chinese page may show: proper names and the words of commands to type.
Acronyms (all capitals), CamelCase names (AutoLedger, EvidenceRegistry), tokens with digits,
dots, slashes or underscores (file names, media types, versions) and short hex runs are data
and never counted."""

_VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  // data, not UI text: codes and hashes, VINs, names of members, anything marked English
  copy.querySelectorAll('code, pre, .vin, [translate="no"], [lang="en"], .who, script, style')
    .forEach((e) => e.remove());
  return copy.innerText;
}"""

_TOKEN = re.compile(r"[A-Za-z0-9_./:@-]+")
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")


def untranslated(page: Page, names: set[str]) -> list[str]:
    """English words on a Chinese page outside data (codes, VINs, member names, the time
    zone's name)."""
    text = page.evaluate(_VISIBLE_TEXT)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    words = set()
    for token in _TOKEN.findall(text):
        token = token.strip(".:-/")
        if not _WORD.fullmatch(token) or len(token) < 3 or token in ENGLISH_ALLOWED:
            continue
        if token.isupper() or re.search(r"[a-z][A-Z]", token):
            continue  # an acronym or a CamelCase name
        if re.fullmatch(r"[a-f]+", token) and len(token) <= 8:
            continue  # a hex fragment between digits
        words.add(token)
    return sorted(words)


def _check(page: Page, name: str, names: set[str] | None = None) -> list[str]:
    """What is wrong with the page shown: too wide at either width, axe violations, and (with
    `names`, on a Chinese page) English words outside data."""
    faults = []
    if names is not None:
        english = untranslated(page, names)
        if english:
            faults.append(f"{name}: untranslated {english}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            faults.append(f"{name} at {width} px is {wide} px wide")
    results = AXE.run(page, options=AXE_OPTIONS)
    for violation in results.response["violations"]:
        targets = [n["target"] for n in violation["nodes"]][:3]
        faults.append(f"{name}: axe {violation['id']} ({violation['impact']}) at {targets}")
    return faults


def test_no_page_is_wider_than_a_phone_and_axe_finds_nothing(
    browser: Browser, server, client, runtime, demo, evidence, tmp_path
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1), car(2), car(3)).status_code == 201
    audit = _audit_missing(client, lender, line, missing=2, found=3)
    running = client.post(  # a check-all audit still open: its page has the findings form
        f"/v1/lines/{line}/audits", json={"sample_bps": 10_000}, headers=lender.headers
    )
    assert running.status_code == 201, running.text
    on_lender = client.post(  # a claim on the lender: its clearing page has the dispute form
        "/v1/claims",
        json={"debtor_id": lender.member.id, "amount": 100_00, "kind": "fee", "reference": "INV-1"},
        headers=demo["lender2"].headers,
    )
    assert on_lender.status_code == 201, on_lender.text
    by_lender = client.post(  # a claim the lender filed: its clearing page has the withdraw form
        "/v1/claims",
        json={"debtor_id": demo["lender2"].member.id, "amount": 50_00, "kind": "fee",
              "reference": "INV-2"},
        headers=lender.headers,
    )  # fmt: skip
    assert by_lender.status_code == 201, by_lender.text
    to_undispute = client.post(  # a claim the lender disputed: the withdraw-dispute form
        "/v1/claims",
        json={"debtor_id": lender.member.id, "amount": 70_00, "kind": "fee", "reference": "INV-3"},
        headers=demo["lender2"].headers,
    )
    assert to_undispute.status_code == 201, to_undispute.text
    undispute = client.post(
        f"/v1/claims/{to_undispute.json()['id']}/dispute",
        json={"evidence": "0x" + "cd" * 32},
        headers=lender.headers,
    )
    assert undispute.status_code == 200, undispute.text
    other = open_line(client, demo["lender2"], dealer)  # a lien offered to the lender's line:
    assert advance(client, demo["lender2"], other, car(40)).status_code == 201  # its accept form
    offered = client.post(
        f"/v1/lines/{other}/transfer-offers",
        json={"vehicles": [car(40)["vin"]], "to_line_id": line},
        headers=demo["lender2"].headers,
    )
    assert offered.status_code == 200, offered.text
    assert _contact(client, demo["collector"], "2026-03-02T22:30:00+08:00").status_code == 201
    _case_of_collector(client, demo["collector"])
    imported = _import_with_a_bad_row(browser, server, demo["lender"], line, tmp_path)
    runtime.indexer.run_once()
    faults: list[str] = []
    for locale in ("en-US", "zh-CN"):
        faults += _visit_all(
            browser,
            server,
            demo,
            locale,
            line,
            (audit, running.json()["id"]),
            evidence.recording,
            imported,
        )
    assert faults == [], "\n".join(faults)


def _case_of_collector(client, collector) -> None:
    """CASE-2026-001 with a stage, an amount due and a link, for its page `/cases`."""
    status = {"case_reference": "CASE-2026-001", "stage": "negotiation", "currency": "CNY",
              "principal": 1_000_000, "interest": 20_000, "fees": 0, "note": "逾期"}  # fmt: skip
    answer = client.post("/v1/cases/status", json=status, headers=collector.headers)
    assert answer.status_code == 201, answer.text
    link = {"case_reference": "CASE-2026-001"}
    assert client.post("/v1/case-links", json=link, headers=collector.headers).status_code == 201


def _import_with_a_bad_row(browser: Browser, server, lender, line: int, folder) -> str:
    """The path of a finished CSV import on `line` with rejected rows (the bad VIN; the good row
    too while the audit keeps the line frozen)."""
    stock = folder / "stock.csv"
    good, bad = car(4), car(5, vin="LFV2A21K0N3OOOOO5")
    stock.write_text(
        "vin,certificate,engine,value\n"
        + "".join(
            f"{c['vin']},{c['certificate']},{c['engine']},{c['value']}\n" for c in (good, bad)
        )
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, server, lender)
        page.goto(f"{server}/lender/lines/{line}/advances/new")
        page.get_by_label("CSV file", exact=True).set_input_files(str(stock))
        page.get_by_role("button", name="Import and advance").click()
        expect(page.locator("table.rejections")).to_be_visible()
        expect(page.get_by_role("status")).not_to_contain_text("Still advancing")
        return page.url.removeprefix(server)
    finally:
        context.close()


def _visit_all(
    browser: Browser, server, demo, locale, line, audits, recording, imported
) -> list[str]:
    names = {caller.member.name for caller in demo.values()} | {"Asia/Shanghai"}
    faults: list[str] = []
    for round_ in _rounds(line, audits, recording, imported):
        context = browser.new_context(locale=locale)
        try:
            page = context.new_page()
            sign_in(page, server, demo[round_.role])
            for path in round_.paths:
                page.goto(server + path)
                faults += _check(page, f"{locale}{path}", names if locale == "zh-CN" else None)
        finally:
            context.close()
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(server + "/sign-in")
        faults += _check(page, f"{locale}/sign-in", names if locale == "zh-CN" else None)
        shot(page, f"sign-in-390-{locale}")
    finally:
        context.close()
    return faults
