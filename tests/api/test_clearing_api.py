"""Claims and clearing through the API: filing, confirming (transaction and EIP-712 signature),
disputes, triggered cycles with netted transfers, reports, collectors' fee claims citing their
evidence, the settlement bank's token and off-chain payments, the sale → payoff claim → lien
release path, overdue curtailment claims, and who sees what."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.testclient import TestClient

from api.apikeys import create_api_key
from api.runtime import Runtime
from clearing.reports import CSV_COLUMNS
from ledger.consortium import Role
from ledger.floorplan import sign_typed_data
from ledger.plan import DEFAULT_DISPUTE_WINDOW
from ledger.signatures import SECP256K1_N
from tests.api.conftest import Caller
from tests.api.test_inventory import ADVANCE, DAY, advance, car, make_vin, open_line

REF = "0x" + "ab" * 32
EVIDENCE = "0x" + "cd" * 32
UNLIMITED = 2**256 - 1
IBANS = {  # valid test IBANs (mod-97)
    "lender": "DE89370400440532013000",
    "lender2": "GB29NWBK60161331926819",
    "dealer": "FR1420041010050500013M02606",
}


def pass_time(runtime: Runtime, seconds: int) -> None:
    provider = runtime.chain.w3.provider
    provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def past_dispute_window(runtime: Runtime) -> None:
    pass_time(runtime, DEFAULT_DISPUTE_WINDOW + 1)


def file(client: TestClient, creditor: Caller, debtor: Caller, amount: int, **fields: Any) -> Any:
    body = {"debtor_id": debtor.member.id, "amount": amount, "kind": "fee"} | fields
    if not {"reference", "evidence_id", "vehicle"} & fields.keys():
        body["reference"] = REF
    return client.post("/v1/claims", json=body, headers=creditor.headers)


def filed(client: TestClient, creditor: Caller, debtor: Caller, amount: int, **fields: Any) -> int:
    response = file(client, creditor, debtor, amount, **fields)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def confirm(client: TestClient, debtor: Caller, claim_id: int) -> dict[str, Any]:
    response = client.post(f"/v1/claims/{claim_id}/confirmation", headers=debtor.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def fund(client: TestClient, demo: dict[str, Caller], name: str, amount: int) -> None:
    """The bank mints `amount` to member `name` against a deposit; it approves the Clearing."""
    minted = client.post(
        "/v1/settlement/mints",
        json={"member_id": demo[name].member.id, "amount": amount, "reference": f"DEP-{name}"},
        headers=demo["bank"].headers,
    )
    assert minted.status_code == 200, minted.text
    approved = client.post(
        "/v1/settlement/allowances", json={"amount": UNLIMITED}, headers=demo[name].headers
    )
    assert approved.status_code == 200, approved.text


def balance(client: TestClient, caller: Caller) -> int:
    rows = client.get("/v1/settlement/balances", headers=caller.headers).json()["balances"]
    assert [r["member_id"] for r in rows] == [caller.member.id]
    return int(rows[0]["balance"])


def states(client: TestClient, caller: Caller, *ids: int) -> list[str]:
    return [client.get(f"/v1/claims/{i}", headers=caller.headers).json()["state"] for i in ids]


def test_claims_confirmed_by_transaction_and_signature_settle_netted_in_a_triggered_cycle(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, lender2, dealer, regulator = (
        demo[n] for n in ("lender", "lender2", "dealer", "regulator")
    )
    payoff = filed(client, lender, dealer, 400_00, kind="payoff", reference=REF)
    interest = filed(client, lender, dealer, 50_00, kind="interest", reference="INV-2024-0001")
    fee = filed(client, lender2, lender, 100_00)
    other = filed(client, lender2, dealer, 30_00)
    shown = client.get(f"/v1/claims/{interest}", headers=dealer.headers).json()
    assert shown["state"] == "filed" and shown["kind"] == "interest"
    assert (
        shown["creditor_name"] == "Huaxia Auto Finance" and shown["debtor_name"] == "Sunrise Motors"
    )
    assert shown["reference"] == "0x" + b"INV-2024-0001".ljust(32, b"\0").hex()
    assert shown["end_to_end_id"] == f"CLM-{interest}"

    # The dealer confirms one claim by its own transaction ...
    assert confirm(client, dealer, payoff)["state"] == "confirmed"
    # ... and one with its EIP-712 signature, which the operator relays and the contract checks.
    typed = client.get(f"/v1/claims/{interest}/confirmation", headers=dealer.headers)
    assert typed.status_code == 200, typed.text
    typed_data = typed.json()
    assert typed_data["primaryType"] == "ConfirmClaim"
    assert typed_data["domain"]["verifyingContract"] == runtime.clearing_client.address
    assert typed_data["message"]["claimId"] == interest
    deadline = typed_data["message"]["deadline"]
    forged = (
        "0x"
        + sign_typed_data(typed_data, runtime.keyring.get(demo["dealer2"].member.address)).hex()
    )
    refused = client.post(
        f"/v1/claims/{interest}/confirmation",
        json={"deadline": deadline, "signature": forged},
        headers=dealer.headers,
    )
    assert refused.status_code == 409 and refused.json()["error"] == "ClearingInvalidSignature"
    raw = sign_typed_data(typed_data, runtime.keyring.get(dealer.member.address))
    # A high s (the malleable twin of the same signature) is refused before it reaches the chain.
    high_s = raw[:32] + (SECP256K1_N - int.from_bytes(raw[32:64], "big")).to_bytes(32, "big")
    malleable = client.post(
        f"/v1/claims/{interest}/confirmation",
        json={"deadline": deadline, "signature": "0x" + (high_s + bytes([55 - raw[64]])).hex()},
        headers=dealer.headers,
    )
    assert malleable.status_code == 422 and "high s" in malleable.json()["detail"]
    # v 0/1, as some hardware wallets return it, is the same signature: written as 27/28.
    signature = "0x" + (raw[:64] + bytes([raw[64] - 27])).hex()
    signed = client.post(
        f"/v1/claims/{interest}/confirmation",
        json={"deadline": deadline, "signature": signature},
        headers=dealer.headers,
    )
    assert signed.status_code == 200 and signed.json()["state"] == "confirmed", signed.text
    replayed = client.post(
        f"/v1/claims/{interest}/confirmation",
        json={"deadline": deadline, "signature": signature},
        headers=dealer.headers,
    )
    assert replayed.status_code == 409 and replayed.json()["error"] == "ClearingUnexpectedStatus"
    # Only the debtor confirms: the creditor sees the claim but may not.
    not_debtor = client.post(f"/v1/claims/{payoff}/confirmation", headers=lender.headers)
    assert not_debtor.status_code == 409 and "only the debtor" in not_debtor.json()["detail"]
    confirm(client, lender, fee)
    confirm(client, dealer, other)

    # Within the dispute window nothing is final: a trigger has nothing to settle.
    early = client.post("/v1/cycles", headers=lender.headers)
    assert early.status_code == 409 and "nothing to settle" in early.json()["detail"]
    past_dispute_window(runtime)
    assert states(client, regulator, payoff, interest, fee, other) == ["final"] * 4
    final = client.get("/v1/claims?state=final&role=debtor", headers=dealer.headers).json()
    assert [c["id"] for c in final] == [payoff, interest, other]

    fund(client, demo, "dealer", 1_000_00)
    fund(client, demo, "lender", 100_00)
    triggered = client.post("/v1/cycles", headers=lender.headers)
    assert triggered.status_code == 201, triggered.text
    cycle = triggered.json()["cycle"]
    assert cycle["status"] == "settled" and cycle["chain_cycle_id"] == 1
    assert cycle["trigger"] == "member" and cycle["triggered_by"] == lender.member.id
    assert cycle["claim_ids"] == [payoff, interest, fee, other]
    # Positions: lender +450 - 100 = +350, lender2 +130, dealer -480: two transfers.
    assert (cycle["gross"], cycle["net"], cycle["transfer_count"]) == (580_00, 480_00, 2)
    assert triggered.json()["lien_releases"] == []
    assert balance(client, dealer) == 1_000_00 - 480_00
    assert balance(client, lender) == 100_00 + 350_00
    assert balance(client, lender2) == 130_00
    assert states(client, regulator, payoff, interest, fee, other) == ["settled"] * 4
    again = client.post("/v1/cycles", headers=lender.headers)
    assert again.status_code == 409  # a claim never settles twice

    # The lender's report shows its own claims and transfer; the regulator's, everything.
    mine = client.get(f"/v1/cycles/{cycle['id']}/report", headers=lender.headers)
    assert mine.status_code == 200, mine.text
    report = mine.json()
    assert report["scope"] == f"member {lender.member.id}"
    assert [c["id"] for c in report["claims"]] == [payoff, interest, fee]
    assert [(p["member"], p["position"]) for p in report["positions"]] == [
        (lender.member.id, "35000")
    ]
    assert [(t["debtor"], t["creditor"], t["amount"]) for t in report["transfers"]] == [
        (dealer.member.id, lender.member.id, "35000")
    ]
    assert (report["gross"], report["net"]) == ("58000", "48000")
    assert report["cycle"]["tx_hash"] == cycle["tx_hash"]
    full = client.get(f"/v1/cycles/{cycle['id']}/report", headers=regulator.headers).json()
    assert full["scope"] == "all" and len(full["claims"]) == 4 and len(full["transfers"]) == 2
    as_csv = client.get(f"/v1/cycles/{cycle['id']}/report?format=csv", headers=regulator.headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["record"] for r in rows] == ["cycle"] + ["claim"] * 4 + ["transfer"] * 2
    assert rows[0]["gross"] == "58000" and rows[0]["tx_hash"] == cycle["tx_hash"]

    # The dealer's pacs.008 instruction for what it pays in the cycle, from the accounts given.
    accounts = [
        {"member_id": demo[n].member.id, "name": demo[n].member.name, "iban": IBANS[n], "bic": bic}
        for n, bic in (("lender", "COBADEFFXXX"), ("lender2", "NWBKGB2L"), ("dealer", "BNPAFRPP"))
    ]
    xml = client.post(
        f"/v1/cycles/{cycle['id']}/payment-instructions",
        json={"accounts": accounts},
        headers=dealer.headers,
    )
    assert xml.status_code == 200, xml.text
    assert xml.headers["content-type"].startswith("application/xml")
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"}
    root = ET.fromstring(xml.content)
    ids = [e.text for e in root.iterfind(".//p:EndToEndId", ns)]
    assert ids == ["CYC-1-1", "CYC-1-2"]
    assert root.find(".//p:TtlIntrBkSttlmAmt", ns).text == "480.00"  # type: ignore[union-attr]
    missing = client.post(
        f"/v1/cycles/{cycle['id']}/payment-instructions",
        json={"accounts": accounts[:1]},
        headers=dealer.headers,
    )
    assert missing.status_code == 422 and "member" in missing.json()["detail"]
    nothing = client.post(
        f"/v1/cycles/{cycle['id']}/payment-instructions",
        json={"accounts": accounts},
        headers=lender.headers,
    )
    assert nothing.status_code == 409  # the lender pays nothing in this cycle

    # The dealer settles through its bank: the bank records paying transfer 1 off chain, and
    # the report, asked for the dealer as an off-chain member, shows the confirmation.
    first = full["transfers"][0]
    recorded = client.post(
        "/v1/settlement/off-chain-payments",
        json={
            "end_to_end_id": "CYC-1-1",
            "debtor_id": first["debtor"],
            "creditor_id": first["creditor"],
            "amount": int(first["amount"]),
            "bank_reference": "0x" + "ef" * 32,
        },
        headers=demo["bank"].headers,
    )
    assert recorded.status_code == 201 and recorded.json()["settled_claim_id"] is None
    off_chain = client.get(
        f"/v1/cycles/{cycle['id']}/report?off_chain_member={dealer.member.id}",
        headers=regulator.headers,
    ).json()
    assert [i["end_to_end_id"] for i in off_chain["instructions"]] == ["CYC-1-1", "CYC-1-2"]
    confirmation = off_chain["transfers"][0]["confirmation"]
    assert confirmation["matches"] is True and confirmation["bank_reference"] == "ef" * 32
    assert off_chain["transfers"][1]["confirmation"] is None

    # Who sees the cycle: its parties and the regulator; another dealer, nothing.
    outsider = demo["dealer3"]
    assert client.get("/v1/cycles", headers=outsider.headers).json() == []
    for path in (f"/v1/cycles/{cycle['id']}", f"/v1/cycles/{cycle['id']}/report"):
        assert client.get(path, headers=outsider.headers).status_code == 404
    listed = client.get("/v1/cycles?status=settled", headers=regulator.headers).json()
    assert [c["id"] for c in listed] == [cycle["id"]]


def test_a_dispute_blocks_settlement_until_it_ends(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer, operator = demo["lender"], demo["dealer"], demo["operator"]
    kept, disputed, withdrawn = (filed(client, lender, dealer, n * 100_00) for n in (1, 2, 3))
    for claim_id in (kept, disputed, withdrawn):
        confirm(client, dealer, claim_id)
    # Another dealer cannot even see the claim; the debtor disputes it citing evidence.
    assert (
        client.post(
            f"/v1/claims/{disputed}/dispute",
            json={"evidence": EVIDENCE},
            headers=demo["dealer2"].headers,
        ).status_code
        == 404
    )
    for claim_id in (disputed, withdrawn):
        response = client.post(
            f"/v1/claims/{claim_id}/dispute", json={"evidence": EVIDENCE}, headers=dealer.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "disputed"
        assert response.json()["dispute_evidence"] == EVIDENCE
    unseen = client.post(
        f"/v1/claims/{disputed}/dispute", json={"evidence_id": "ev_nope"}, headers=dealer.headers
    )
    assert unseen.status_code == 404
    back = client.delete(f"/v1/claims/{withdrawn}/dispute", headers=dealer.headers)
    assert back.status_code == 200 and back.json()["state"] == "final"

    past_dispute_window(runtime)
    fund(client, demo, "dealer", 1_000_00)
    cycle = client.post("/v1/cycles", headers=lender.headers).json()["cycle"]
    assert cycle["status"] == "settled" and cycle["claim_ids"] == [kept, withdrawn]
    assert states(client, lender, kept, disputed, withdrawn) == ["settled", "disputed", "settled"]
    assert client.post("/v1/cycles", headers=lender.headers).status_code == 409

    # Governance decides: a party may not (the lender lacks the role), the operator may.
    party = client.post(
        f"/v1/claims/{disputed}/resolution",
        json={"upheld": True, "decision": "DECISION-7"},
        headers=lender.headers,
    )
    assert party.status_code == 403
    upheld = client.post(
        f"/v1/claims/{disputed}/resolution",
        json={"upheld": True, "decision": "DECISION-7"},
        headers=operator.headers,
    )
    assert upheld.status_code == 200 and upheld.json()["state"] == "final", upheld.text
    later = client.post("/v1/cycles", headers=lender.headers).json()["cycle"]
    assert later["claim_ids"] == [disputed] and later["status"] == "settled"
    assert balance(client, dealer) == 1_000_00 - 600_00


def test_collectors_file_fee_claims_citing_their_own_evidence(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    collector, lender = demo["collector"], demo["lender"]
    # A second collection agency, with its own key held here.
    account = runtime.keyring.create()
    consortium = runtime.consortium
    consortium.execute(
        consortium.propose_admit(account.address, "Second Collections", (Role.COLLECTOR,))
    )
    other = Caller(
        consortium.member(account.address),
        create_api_key(runtime.engine, member_id=consortium.member(account.address).id)[1],
    )

    def submit(caller: Caller, digest: str) -> str:
        response = client.post(
            "/v1/evidence/digests",
            json={
                "document_digest": digest,
                "evidence_type": "call_recording",
                "case_reference": "CASE-2024-17",
            },
            headers=caller.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    mine, theirs = submit(collector, "11" * 32), submit(other, "22" * 32)
    leaf = client.get(f"/v1/evidence/{mine}", headers=collector.headers).json()["leaf_hash"]

    foreign = file(client, collector, lender, 80_00, kind="collection_fee", evidence_id=theirs)
    assert foreign.status_code == 404 and theirs in foreign.json()["detail"]
    no_evidence = file(client, collector, lender, 80_00, kind="collection_fee", reference=REF)
    assert no_evidence.status_code == 422 and "evidence_id" in no_evidence.json()["detail"]
    not_a_lender = file(client, collector, lender, 80_00, kind="payoff")
    assert not_a_lender.status_code == 403 and "LENDER" in not_a_lender.json()["detail"]
    not_a_collector = file(
        client, lender, demo["dealer"], 80_00, kind="collection_fee", evidence_id=mine
    )
    assert not_a_collector.status_code == 404  # the lender did not submit that item

    created = file(client, collector, lender, 80_00, kind="collection_fee", evidence_id=mine)
    assert created.status_code == 201, created.text
    claim = created.json()
    assert claim["kind"] == "collection_fee" and claim["reference"] == "0x" + leaf
    assert claim["creditor_id"] == collector.member.id and claim["debtor_id"] == lender.member.id
    # The other collector, and the regulator's write attempts.
    assert client.get(f"/v1/claims/{claim['id']}", headers=other.headers).status_code == 404
    assert client.get("/v1/claims", headers=other.headers).json() == []
    regulator = demo["regulator"]
    assert client.get(f"/v1/claims/{claim['id']}", headers=regulator.headers).status_code == 200
    assert file(client, regulator, lender, 1, kind="fee").status_code == 403
    assert client.post("/v1/cycles", headers=regulator.headers).status_code == 403


def test_settlement_bank_mints_burns_and_settles_a_claim_paid_off_chain(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    bank, lender, lender2, dealer = (demo[n] for n in ("bank", "lender", "lender2", "dealer"))
    claim_id = filed(client, lender, dealer, 250_00)
    payment = {
        "end_to_end_id": f"CLM-{claim_id}",
        "debtor_id": dealer.member.id,
        "creditor_id": lender.member.id,
        "amount": 250_00,
        "bank_reference": "BANKREF-0001",
    }
    early = client.post("/v1/settlement/off-chain-payments", json=payment, headers=bank.headers)
    assert early.status_code == 409 and "once it is final" in early.json()["detail"]
    confirm(client, dealer, claim_id)
    past_dispute_window(runtime)

    accounts = [
        {
            "member_id": lender.member.id,
            "name": "Huaxia",
            "iban": IBANS["lender"],
            "bic": "COBADEFF",
        },
        {
            "member_id": dealer.member.id,
            "name": "Sunrise",
            "iban": IBANS["dealer"],
            "bic": "BNPAFRPP",
        },
    ]
    xml = client.post(
        f"/v1/claims/{claim_id}/payment-instruction",
        json={"accounts": accounts},
        headers=dealer.headers,
    )
    assert xml.status_code == 200, xml.text
    assert f"<EndToEndId>CLM-{claim_id}</EndToEndId>" in xml.text and ">250.00<" in xml.text
    bad_iban = [accounts[0], accounts[1] | {"iban": "FR1420041010050500013M02607"}]
    refused = client.post(
        f"/v1/claims/{claim_id}/payment-instruction",
        json={"accounts": bad_iban},
        headers=dealer.headers,
    )
    assert refused.status_code == 422 and "IBAN" in refused.json()["detail"]

    wrong = client.post(
        "/v1/settlement/off-chain-payments", json=payment | {"amount": 1}, headers=bank.headers
    )
    assert wrong.status_code == 422
    paid = client.post("/v1/settlement/off-chain-payments", json=payment, headers=bank.headers)
    assert paid.status_code == 201, paid.text
    assert paid.json()["settled_claim_id"] == claim_id
    assert states(client, lender, claim_id) == ["settled"]
    twice = client.post("/v1/settlement/off-chain-payments", json=payment, headers=bank.headers)
    assert twice.status_code == 409

    # Tokens: minted against a deposit, burned against a withdrawal the member consented to.
    fund(client, demo, "lender2", 500_00)
    burn = {"member_id": lender2.member.id, "amount": 200_00, "reference": "WDL-0001"}
    no_consent = client.post("/v1/settlement/burns", json=burn, headers=bank.headers)
    assert no_consent.status_code == 409
    assert no_consent.json()["error"] == "ERC20InsufficientAllowance"
    consent = client.post(
        "/v1/settlement/allowances",
        json={"amount": 200_00, "bank_id": bank.member.id},
        headers=lender2.headers,
    )
    assert consent.status_code == 200, consent.text
    burned = client.post("/v1/settlement/burns", json=burn, headers=bank.headers)
    assert burned.status_code == 200, burned.text
    assert balance(client, lender2) == 300_00
    everyone = client.get("/v1/settlement/balances", headers=bank.headers).json()
    assert everyone["currency"] == "CNY" and everyone["decimals"] == 2
    assert {r["member_id"]: r["balance"] for r in everyone["balances"]}[lender2.member.id] == 300_00
    assert client.post("/v1/settlement/mints", json=burn, headers=lender.headers).status_code == 403


def test_a_sale_files_the_confirmed_payoff_claim_and_settling_it_releases_the_lien(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1), car(2)).status_code == 201
    for caller, status in ((demo["dealer2"], 404), (lender, 403)):
        response = client.post(
            f"/v1/lines/{line}/payoff-claims",
            json={"vehicles": [make_vin(1)]},
            headers=caller.headers,
        )
        assert response.status_code == status, response.text

    sold = client.post(
        f"/v1/lines/{line}/payoff-claims", json={"vehicles": [make_vin(1)]}, headers=dealer.headers
    )
    assert sold.status_code == 200, sold.text
    body = sold.json()
    assert body["sale_tx_hash"] is not None
    (payoff,) = body["claims"]
    assert payoff["outcome"] == "confirmed" and payoff["vin"] == make_vin(1)
    vehicle = client.get(f"/v1/vehicles/{make_vin(1)}", headers=dealer.headers).json()
    assert vehicle["status"] == "sold"
    claim = client.get(f"/v1/claims/{payoff['claim_id']}", headers=lender.headers).json()
    assert (claim["kind"], claim["state"], claim["reference"]) == (
        "payoff",
        "confirmed",
        payoff["vin_hash"],
    )
    assert claim["amount"] == payoff["amount"] > ADVANCE  # principal, interest so far, fee
    again = client.post(
        f"/v1/lines/{line}/payoff-claims", json={"vehicles": [make_vin(1)]}, headers=dealer.headers
    ).json()
    assert again["sale_tx_hash"] is None
    assert [(c["outcome"], c["claim_id"]) for c in again["claims"]] == [
        ("existing", payoff["claim_id"])
    ]

    past_dispute_window(runtime)
    fund(client, demo, "dealer", payoff["amount"])
    # The scheduled worker's round (what `serve` runs every `clearing_interval` seconds): the
    # cycle settles the payoff claim and the lender's lien is released right after.
    cycle = runtime.clearing_engine.run_cycle()
    assert cycle is not None and cycle.status == "settled", cycle
    assert cycle.claim_id_list() == [payoff["claim_id"]] and cycle.trigger == "schedule"
    lien = client.get(f"/v1/vehicles/{make_vin(1)}/lien", headers=dealer.headers).json()
    assert lien["pledged"] is False
    assert balance(client, dealer) == 0
    assert client.get(f"/v1/lines/{line}", headers=lender.headers).json()["active_liens"] == 1

    # 61 days after disbursement, vehicle 2's first curtailment (10% at day 60) is overdue.
    pass_time(runtime, 58 * DAY)
    overdue = client.post("/v1/claims/overdue-curtailments", headers=lender.headers)
    assert overdue.status_code == 200, overdue.text
    (curtailment,) = overdue.json()
    assert (curtailment["line_id"], curtailment["step"], curtailment["amount"]) == (
        line,
        1,
        ADVANCE // 10,
    )
    filed_claim = client.get(f"/v1/claims/{curtailment['claim_id']}", headers=dealer.headers).json()
    assert (filed_claim["kind"], filed_claim["state"]) == ("curtailment", "filed")
    assert client.post("/v1/claims/overdue-curtailments", headers=lender.headers).json() == []
    assert (
        client.post("/v1/claims/overdue-curtailments", headers=demo["lender2"].headers).json() == []
    )


def test_each_lender_sees_only_its_own_claims(client: TestClient, demo: dict[str, Caller]):
    lender, lender2, dealer, regulator = (
        demo[n] for n in ("lender", "lender2", "dealer", "regulator")
    )
    first = filed(client, lender, dealer, 10_00)
    second = filed(client, lender2, dealer, 20_00)
    assert [c["id"] for c in client.get("/v1/claims", headers=lender.headers).json()] == [first]
    assert [c["id"] for c in client.get("/v1/claims", headers=lender2.headers).json()] == [second]
    assert [c["id"] for c in client.get("/v1/claims", headers=dealer.headers).json()] == [
        first,
        second,
    ]
    assert [c["id"] for c in client.get("/v1/claims", headers=regulator.headers).json()] == [
        first,
        second,
    ]
    for path in (f"/v1/claims/{second}", f"/v1/claims/{second}/confirmation", "/v1/claims/999"):
        assert client.get(path, headers=lender.headers).status_code == 404, path
    withdrawn = client.post(f"/v1/claims/{second}/withdrawal", headers=lender.headers)
    assert withdrawn.status_code == 404
    own = client.post(f"/v1/claims/{first}/withdrawal", headers=lender.headers)
    assert own.status_code == 200 and own.json()["state"] == "withdrawn"
    assert (
        client.post(f"/v1/claims/{first}/confirmation", headers=regulator.headers).status_code
        == 403
    )
    unknown = file(client, lender, dealer, 1, debtor_id=999)
    assert unknown.status_code == 422 and "no debtor member 999" in unknown.json()["detail"]
    themselves = file(client, lender, lender, 1)
    assert themselves.status_code == 409 and themselves.json()["error"] == "ClearingSelfClaim"
