"""Floor-plan financing through the API: lines, advances, dealer-signed confirmations, sales and
payoffs, double pledges, VIN problems, lot audits, alerts, refinancing and who sees what."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.runtime import Runtime
from ledger.audit_outcomes import AuditOutcomeRow, fill
from ledger.floorplan import sign_typed_data
from ledger.vin import check_digit
from tests.api.conftest import Caller

DAY = 86_400
TERMS = {
    "advance_rate_bps": 9_000,
    "interest_rate_bps": 650,
    "payoff_window_seconds": 5 * DAY,
    "confirm_window_seconds": 3 * DAY,
    "fee_per_vehicle": 5_000,
    "curtailments": [{"day": 60, "bps": 1_000}, {"day": 90, "bps": 1_000}],
}
VALUE = 25_000_000  # 250,000.00 in fen
ADVANCE = VALUE * 9_000 // 10_000


def make_vin(n: int) -> str:
    """A valid synthetic VIN (FAW-VW WMI, 2022 model year) with serial `n`."""
    body = f"LFV2A21K0N3{n:06d}"
    return body[:8] + check_digit(body) + body[9:]


def car(n: int, **changes: Any) -> dict[str, Any]:
    """Vehicle `n` with its own certificate and engine numbers unless changed."""
    return {
        "vin": make_vin(n),
        "certificate": f"WDK{n:012d}",
        "engine": f"EA{n:08d}",
        "value": VALUE,
    } | changes


def open_line(client: TestClient, lender: Caller, dealer: Caller, limit: int = 10**12) -> int:
    response = client.post(
        "/v1/lines",
        json={"dealer_id": dealer.member.id, "limit": limit, "terms": TERMS},
        headers=lender.headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def advance(client: TestClient, lender: Caller, line: int, *cars: dict[str, Any]) -> Any:
    return client.post(
        f"/v1/lines/{line}/advances", json={"vehicles": list(cars)}, headers=lender.headers
    )


def test_lender_advances_and_the_dealer_confirms_with_its_own_signature(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    shown = client.get(f"/v1/lines/{line}", headers=dealer.headers).json()
    assert (
        shown["lender_name"] == "Huaxia Auto Finance" and shown["dealer_name"] == "Sunrise Motors"
    )
    assert shown["status"] == "open" and shown["terms"] == TERMS

    advanced = advance(client, lender, line, car(1), car(2), car(3))
    assert advanced.status_code == 201, advanced.text
    body = advanced.json()
    assert [v["advance"] for v in body["vehicles"]] == [ADVANCE] * 3
    assert body["line"]["outstanding"] == 3 * ADVANCE and body["line"]["active_liens"] == 3

    # The dealer fetches the typed data of every unconfirmed vehicle, signs it in its wallet.
    typed = client.get(f"/v1/lines/{line}/confirmation", headers=dealer.headers)
    assert typed.status_code == 200, typed.text
    typed_data = typed.json()
    assert typed_data["primaryType"] == "ConfirmReceipt"
    assert typed_data["domain"]["verifyingContract"] == runtime.floorplan.address
    assert typed_data["message"]["vinHashes"] == [v["vin_hash"] for v in body["vehicles"]]
    account = runtime.keyring.get(dealer.member.address)
    signature = "0x" + sign_typed_data(typed_data, account).hex()

    # A signature by anyone else is refused on chain, though the operator relays it.
    other = runtime.keyring.get(demo["dealer2"].member.address)
    forged = client.post(
        f"/v1/lines/{line}/confirmations",
        json={
            "message": typed_data["message"],
            "signature": "0x" + sign_typed_data(typed_data, other).hex(),
        },
        headers=dealer.headers,
    )
    assert forged.status_code == 409 and forged.json()["error"] == "FloorPlanInvalidSignature"

    confirmed = client.post(
        f"/v1/lines/{line}/confirmations",
        json={"message": typed_data["message"], "signature": signature},
        headers=dealer.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] == typed_data["message"]["vinHashes"]
    vehicles = client.get(f"/v1/lines/{line}/vehicles", headers=lender.headers).json()
    assert [v["confirmed"] for v in vehicles] == [True] * 3

    replayed = client.post(
        f"/v1/lines/{line}/confirmations",
        json={"message": typed_data["message"], "signature": signature},
        headers=dealer.headers,
    )
    assert replayed.status_code == 409 and replayed.json()["error"] == "FloorPlanInvalidNonce"
    nothing_left = client.get(f"/v1/lines/{line}/confirmation", headers=dealer.headers)
    assert nothing_left.status_code == 409


def test_double_pledge_is_409_naming_the_key_and_a_bad_vin_422_naming_the_problem(
    client: TestClient, demo: dict[str, Caller]
):
    lender, lender2, dealer = demo["lender"], demo["lender2"], demo["dealer"]
    line_a = open_line(client, lender, dealer)
    line_b = open_line(client, lender2, dealer)
    assert advance(client, lender, line_a, car(1)).status_code == 201

    for changed, key in [
        ({"vin": make_vin(1)}, "its VIN"),
        (
            {"certificate": "wdk-0000 0000 0001"},
            "certificate of conformity number 'WDK000000000001'",
        ),
        ({"engine": car(1)["engine"]}, "engine number"),
    ]:
        response = advance(client, lender2, line_b, car(7), car(2) | changed)
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert detail.startswith("vehicles[1] (VIN ") and key in detail, detail
        assert "already under an active lien" in detail and "Huaxia" not in detail
    assert client.get(f"/v1/lines/{line_b}", headers=lender2.headers).json()["active_liens"] == 0

    twice = advance(client, lender2, line_b, car(8), car(9, engine=car(8)["engine"]))
    assert twice.status_code == 422
    assert "vehicles[1] repeats the engine number of vehicles[0]" in twice.json()["detail"]

    # Any member may ask whether a VIN is pledged: yes or no, nothing more.
    for name in ("collector", "dealer2", "regulator", "lender2"):
        yes = client.get(f"/v1/vehicles/{make_vin(1).lower()}/lien", headers=demo[name].headers)
        assert yes.json() == {"vin": make_vin(1), "pledged": True}, yes.text
        no = client.get(f"/v1/vehicles/{make_vin(2)}/lien", headers=demo[name].headers)
        assert no.json() == {"vin": make_vin(2), "pledged": False}
    assert client.get(f"/v1/vehicles/{make_vin(1)}/lien").status_code == 401
    public = client.get(f"/v1/public/vehicles/{make_vin(1)}/lien")
    assert public.json() == {"vin": make_vin(1), "pledged": True}

    # A bad VIN or bad terms are refused before anything is sent, naming what is wrong.
    good = make_vin(1)
    wrong_digit = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    response = advance(client, lender, line_a, car(2), car(1, vin=wrong_digit))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["problem"] == "check_digit" and problem["position"] == 9
    assert problem["expected"] == good[8] and problem["vin"] == wrong_digit
    assert "check digit (position 9)" in problem["detail"]

    with_o = client.get(f"/v1/vehicles/{good[:12]}O{good[13:]}/lien", headers=dealer.headers)
    assert with_o.status_code == 422
    assert (with_o.json()["problem"], with_o.json()["position"]) == ("forbidden_letter", 13)
    short = advance(client, lender, line_a, car(1, vin="LFV2A21K0N3"))
    assert short.status_code == 422 and short.json()["problem"] == "length"
    assert "position" not in short.json()

    bad_terms = TERMS | {"curtailments": [{"day": 60, "bps": 6_000}, {"day": 90, "bps": 5_000}]}
    refused = client.post(
        "/v1/lines",
        json={"dealer_id": dealer.member.id, "limit": 1, "terms": bad_terms},
        headers=lender.headers,
    )
    assert refused.status_code == 422 and "curtailment step 1" in refused.json()["detail"]
    not_a_dealer = client.post(
        "/v1/lines",
        json={"dealer_id": demo["collector"].member.id, "limit": 1, "terms": TERMS},
        headers=lender.headers,
    )
    assert not_a_dealer.status_code == 422 and "is not a dealer" in not_a_dealer.json()["detail"]
    assert client.get(f"/v1/lines/{line_a}", headers=lender.headers).json()["active_liens"] == 1


def test_sale_then_payoff_then_release(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1), car(2)).status_code == 201
    paid = client.post(
        f"/v1/lines/{line}/curtailment-payments",
        json={"payments": [{"vehicle": make_vin(1), "amount": 1_000_000}]},
        headers=lender.headers,
    )
    assert paid.status_code == 200 and paid.json()["vehicles"][0]["principal"] == ADVANCE - 10**6

    sold = client.post(
        f"/v1/lines/{line}/sales", json={"vehicles": [make_vin(1)]}, headers=dealer.headers
    )
    assert sold.status_code == 200, sold.text
    vehicle = sold.json()["vehicles"][0]
    assert vehicle["status"] == "sold" and vehicle["payoff_due_at"] == vehicle["sold_at"] + 5 * DAY

    owed = client.get(f"/v1/lines/{line}/obligations", headers=dealer.headers).json()
    assert [v["status"] for v in owed["vehicles"]] == ["sold", "financed"]
    first = owed["vehicles"][0]
    assert first["payoff"]["principal"] == ADVANCE - 10**6 and first["payoff"]["fee"] == 5_000
    assert owed["total_payoff"] == sum(v["payoff"]["total"] for v in owed["vehicles"])

    at = owed["as_of"] + 30 * DAY
    explained = client.get(f"/v1/vehicles/{make_vin(1)}/charges?at={at}", headers=dealer.headers)
    assert explained.status_code == 200, explained.text
    charges = explained.json()
    assert charges["matches_contract"] is True and charges["vin"] == make_vin(1)
    assert charges["interest"]["rate_bps"] == 650
    assert charges["interest"]["formula"] == "principal * rate_bps * seconds // (10000 * 31536000)"
    periods = charges["interest"]["periods"]
    assert [p["principal"] for p in periods] == [ADVANCE, ADVANCE - 10**6]
    assert periods[0]["ended_by_payment"] == 10**6 and periods[-1]["to"] == at
    for p in periods:
        assert p["interest"] == p["principal"] * 650 * p["seconds"] // (10_000 * 365 * DAY)
    assert charges["interest"]["total"] == sum(p["interest"] for p in periods)
    assert charges["payoff"]["total"] == ADVANCE - 10**6 + charges["interest"]["total"] + 5_000

    released = client.post(
        f"/v1/lines/{line}/releases", json={"vehicles": [make_vin(1)]}, headers=lender.headers
    )
    assert released.status_code == 200, released.text
    payoff = released.json()["vehicles"][0]["payoff"]
    assert payoff["principal"] == ADVANCE - 10**6 and payoff["fee"] == 5_000
    lien = client.get(f"/v1/vehicles/{make_vin(1)}/lien", headers=dealer.headers).json()
    assert lien["pledged"] is False
    after = client.get(f"/v1/lines/{line}", headers=lender.headers).json()
    assert (after["outstanding"], after["active_liens"]) == (ADVANCE, 1)
    again = client.post(
        f"/v1/lines/{line}/releases", json={"vehicles": [make_vin(1)]}, headers=lender.headers
    )
    assert again.status_code == 404

    # 61 days on, vehicle 2 was never confirmed and its first curtailment is unpaid: alerts,
    # read from its state until someone flags them on chain.
    runtime.chain.w3.provider.make_request("evm_increaseTime", [61 * DAY])  # type: ignore[arg-type]
    runtime.chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    pending = client.get("/v1/alerts", headers=dealer.headers).json()
    assert [(a["kind"], a["vin_hash"], a["recorded"]) for a in pending] == [
        ("unconfirmed", owed["vehicles"][1]["vin_hash"], False),
        ("curtailment_overdue", owed["vehicles"][1]["vin_hash"], False),
    ]
    assert pending[1]["details"] == {"due": ADVANCE // 10, "paid": 0}


def test_each_member_sees_only_its_own_lines(client: TestClient, demo: dict[str, Caller]):
    lender, lender2, dealer, dealer2 = (demo[n] for n in ("lender", "lender2", "dealer", "dealer2"))
    regulator = demo["regulator"]
    line = open_line(client, lender, dealer)
    other = open_line(client, lender2, dealer2)
    assert advance(client, lender, line, car(1)).status_code == 201
    vin = make_vin(1)

    for caller, path in [
        (lender2, f"/v1/lines/{line}"),
        (lender2, f"/v1/lines/{line}/vehicles"),
        (lender2, f"/v1/lines/{line}/obligations"),
        (lender2, f"/v1/vehicles/{vin}"),
        (lender2, f"/v1/vehicles/{vin}/charges"),
        (dealer2, f"/v1/lines/{line}"),
        (dealer2, f"/v1/vehicles/{vin}"),
        (dealer, f"/v1/lines/{other}"),
        (lender, "/v1/lines/999"),
    ]:
        assert client.get(path, headers=caller.headers).status_code == 404, (caller, path)
    for caller, path, body in [
        (lender2, f"/v1/lines/{line}/advances", {"vehicles": [car(2)]}),
        (lender2, f"/v1/lines/{line}/freeze", None),
        (lender2, f"/v1/lines/{line}/releases", {"vehicles": [vin]}),
        (dealer2, f"/v1/lines/{line}/sales", {"vehicles": [vin]}),
        (dealer, f"/v1/lines/{line}/sales", {"vehicles": [make_vin(5)]}),
    ]:
        response = client.post(path, json=body, headers=caller.headers)
        assert response.status_code == 404, (path, response.text)

    assert [x["id"] for x in client.get("/v1/lines", headers=lender2.headers).json()] == [other]
    assert [x["id"] for x in client.get("/v1/lines", headers=dealer.headers).json()] == [line]
    assert [x["id"] for x in client.get("/v1/lines", headers=regulator.headers).json()] == [
        line,
        other,
    ]
    assert client.get(f"/v1/vehicles/{vin}", headers=regulator.headers).json()["advance"] == ADVANCE
    refused = client.post(f"/v1/lines/{line}/freeze", headers=regulator.headers)
    assert refused.status_code == 403
    refused = advance(client, regulator, line, car(3))
    assert refused.status_code == 403
    not_a_dealer = client.post(
        f"/v1/lines/{line}/sales", json={"vehicles": [vin]}, headers=lender.headers
    )
    assert not_a_dealer.status_code == 403
    mine = client.get("/v1/exposure", headers=lender.headers).json()
    assert [(e["dealer_name"], e["outstanding"]) for e in mine] == [("Sunrise Motors", ADVANCE)]
    everyone = client.get("/v1/exposure", headers=regulator.headers).json()
    assert [(e["lender_id"], e["outstanding"]) for e in everyone] == [
        (lender.member.id, ADVANCE),
        (lender2.member.id, 0),
    ]
    assert client.get("/v1/exposure", headers=dealer.headers).status_code == 403


def test_sampled_lot_audit_finds_a_vehicle_missing(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, *(car(n) for n in range(1, 6))).status_code == 201
    opened = client.post(
        f"/v1/lines/{line}/audits",
        json={"sample_bps": 9_999, "freeze_on_missing": True},
        headers=lender.headers,
    )
    assert opened.status_code == 201, opened.text
    audit = opened.json()
    assert audit["status"] == "committed" and audit["to_check"] is None
    too_early = client.post(f"/v1/audits/{audit['id']}/reveal", headers=lender.headers)
    assert too_early.status_code == 409 and too_early.json()["error"] == "LotAuditDrawNotReady"
    runtime.chain.w3.provider.make_request("anvil_mine", ["0x2"])  # type: ignore[arg-type]

    revealed = client.post(f"/v1/audits/{audit['id']}/reveal", headers=lender.headers)
    assert revealed.status_code == 200, revealed.text
    to_check = revealed.json()["to_check"]
    assert revealed.json()["status"] == "revealed" and len(to_check) >= 4
    assert {c["outcome"] for c in to_check} == {"none"}
    missing, *present = (c["vin_hash"] for c in to_check)
    findings = [{"vehicle": missing, "outcome": "missing", "evidence": "ab" * 32}] + [
        {"vehicle": h, "outcome": "found", "evidence": "cd" * 32} for h in present
    ]
    recorded = client.post(
        f"/v1/audits/{audit['id']}/findings", json={"findings": findings}, headers=lender.headers
    )
    assert recorded.status_code == 200, recorded.text
    assert (recorded.json()["missing"], recorded.json()["found"]) == (1, len(present))
    # The checklist's outcomes come from the audit-outcome read model (no eth_call a vehicle):
    # current right after the findings, the same after a rebuild and after the migration's fill.
    shown = {c["vin_hash"]: c["outcome"] for c in recorded.json()["to_check"]}
    assert {h: "found" for h in present}.items() <= shown.items()
    assert shown.get(missing, "missing") == "missing"
    runtime.indexer.rebuild()
    again = client.get(f"/v1/audits/{audit['id']}", headers=lender.headers).json()["to_check"]
    assert {c["vin_hash"]: c["outcome"] for c in again} == shown
    table = AuditOutcomeRow.__table__  # type: ignore[attr-defined]
    with runtime.engine.begin() as conn:
        conn.execute(table.delete())
        assert fill(conn) == len(findings)
    again = client.get(f"/v1/audits/{audit['id']}", headers=lender.headers).json()["to_check"]
    assert {c["vin_hash"]: c["outcome"] for c in again} == shown
    closed = client.post(f"/v1/audits/{audit['id']}/close", headers=lender.headers)
    assert closed.json()["status"] == "closed"

    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["status"] == "frozen"
    alerts = client.get("/v1/alerts?pending=false", headers=lender.headers).json()
    assert {(a["kind"], a["vin_hash"]) for a in alerts} == {
        ("missing_in_audit", missing),
        ("line_frozen_by_audit", None),
    }
    assert all(a["recorded"] and a["line_id"] == line for a in alerts)
    regulator = client.get("/v1/alerts?kind=missing_in_audit", headers=demo["regulator"].headers)
    assert [a["vin_hash"] for a in regulator.json()] == [missing]
    assert client.get("/v1/alerts", headers=demo["lender2"].headers).json() == []
    assert (
        client.get(f"/v1/audits/{audit['id']}", headers=demo["lender2"].headers).status_code == 404
    )
    frozen = advance(client, lender, line, car(9))
    assert frozen.status_code == 409 and frozen.json()["error"] == "FloorPlanInvalidLineStatus"


def test_refinancing_moves_a_lien_between_lenders_with_both_consents(
    client: TestClient, demo: dict[str, Caller]
):
    lender, lender2, dealer = demo["lender"], demo["lender2"], demo["dealer"]
    line_a = open_line(client, lender, dealer)
    line_b = open_line(client, lender2, dealer)
    assert advance(client, lender, line_a, car(1)).status_code == 201
    not_offered = client.post(
        f"/v1/lines/{line_b}/transfer-acceptances",
        json={"vehicles": [make_vin(1)]},
        headers=lender2.headers,
    )
    assert not_offered.status_code == 404
    offered = client.post(
        f"/v1/lines/{line_a}/transfer-offers",
        json={"vehicles": [make_vin(1)], "to_line_id": line_b},
        headers=lender.headers,
    )
    assert offered.status_code == 200, offered.text
    assert offered.json()["vehicles"][0]["transfer_offer_line_id"] == line_b
    incoming = client.get(f"/v1/lines/{line_b}/transfer-offers", headers=lender2.headers).json()
    assert [(o["from_line_id"], o["payoff"]["principal"]) for o in incoming] == [(line_a, ADVANCE)]
    assert (
        client.get(f"/v1/lines/{line_b}/transfer-offers", headers=lender.headers).status_code == 404
    )

    accepted = client.post(
        f"/v1/lines/{line_b}/transfer-acceptances",
        json={"vehicles": [incoming[0]["vin_hash"]]},
        headers=lender2.headers,
    )
    assert accepted.status_code == 200, accepted.text
    moved = accepted.json()["vehicles"][0]
    assert moved["line_id"] == line_b and moved["advance"] >= ADVANCE + 5_000
    assert client.get(f"/v1/lines/{line_a}", headers=lender.headers).json()["active_liens"] == 0
    assert client.get(f"/v1/vehicles/{make_vin(1)}", headers=lender.headers).status_code == 404
