"""The lender's and the dealer's main path end to end through the API on the four-signer
network (CI's second part; deselected without AUTOLEDGER_TEST_RPC_URL): a line, an advance,
the dealer's signed confirmation, a sale with its payoff claim, the dispute window passing in
real time (no `evm_*`: this deployment's window is a few seconds), a member-triggered clearing
cycle that settles the claim and releases the lien, checked on another node than the
service's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.runtime import Runtime
from api.settings import Settings
from ledger.chain import Chain
from ledger.floorplan import sign_typed_data
from ledger.settlement import Claim, ClaimStatus
from tests.api.conftest import Caller, demo_callers
from tests.api.test_clearing_api import balance, fund
from tests.api.test_inventory import advance, car, make_vin, open_line
from tests.conftest import BUILD_CACHE, NODE_MODULES

WINDOW = 6
"""Seconds of the test deployment's dispute window (AUTOLEDGER_DISPUTE_WINDOW)."""

FINAL_TIMEOUT = 60.0
"""Seconds to wait for the chain's clock to pass the window (blocks come every 1-2 s)."""


@pytest.fixture
def short_window(fresh_chain: Chain, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        rpc_url=fresh_chain.url,
        finality_depth=fresh_chain.finality_depth,
        dev=True,
        var_dir=tmp_path,
        database_url=database_url,
        node_modules=NODE_MODULES,
        build_dir=BUILD_CACHE,
        dispute_window=WINDOW,
    )
    with Runtime.start(settings) as runtime:
        yield runtime


def claim_state(client: TestClient, caller: Caller, claim_id: int) -> str:
    response = client.get(f"/v1/claims/{claim_id}", headers=caller.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["state"])


def test_advance_confirmation_sale_and_clearing_cycle_on_the_chain_in_use(
    short_window: Runtime, verify_url: str
):
    runtime = short_window
    assert runtime.clearing_client.dispute_window() == WINDOW
    demo = demo_callers(runtime)
    lender, dealer = demo["lender"], demo["dealer"]
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        line = open_line(client, lender, dealer)
        advanced = advance(client, lender, line, car(1), car(2))
        assert advanced.status_code == 201, advanced.text

        typed = client.get(f"/v1/lines/{line}/confirmation", headers=dealer.headers).json()
        signature = sign_typed_data(typed, runtime.keyring.get(dealer.member.address))
        confirmed = client.post(
            f"/v1/lines/{line}/confirmations",
            json={"message": typed["message"], "signature": "0x" + signature.hex()},
            headers=dealer.headers,
        )
        assert confirmed.status_code == 200, confirmed.text
        vehicles = client.get(f"/v1/lines/{line}/vehicles", headers=lender.headers).json()
        assert [v["confirmed"] for v in vehicles] == [True, True], vehicles

        sold = client.post(
            f"/v1/lines/{line}/payoff-claims",
            json={"vehicles": [make_vin(1)]},
            headers=dealer.headers,
        )
        assert sold.status_code == 200, sold.text
        (payoff,) = sold.json()["claims"]
        assert payoff["outcome"] == "confirmed"
        claim_id, amount = payoff["claim_id"], payoff["amount"]

        # Inside the window the claim waits; a trigger has nothing to settle.
        early = client.post("/v1/cycles", headers=lender.headers)
        assert early.status_code == 409 and "nothing to settle" in early.json()["detail"]
        time.sleep(WINDOW + 1)
        fund(client, demo, "dealer", amount)  # two transactions: new blocks, the clock moves
        deadline = time.monotonic() + FINAL_TIMEOUT
        while claim_state(client, lender, claim_id) != "final":
            assert time.monotonic() < deadline, "the claim never became final"
            time.sleep(1)

        triggered = client.post("/v1/cycles", headers=lender.headers)
        assert triggered.status_code == 201, triggered.text
        cycle = triggered.json()["cycle"]
        assert cycle["status"] == "settled" and cycle["claim_ids"] == [claim_id], cycle
        assert claim_state(client, dealer, claim_id) == "settled"
        assert balance(client, dealer) == 0 and balance(client, lender) == amount
        lien = client.get(f"/v1/vehicles/{make_vin(1)}/lien", headers=dealer.headers).json()
        assert lien["pledged"] is False

    # Another node agrees: the claim is settled and the lien gone there too.
    other = Chain(verify_url, finality_depth=runtime.chain.finality_depth)
    clearing = other.w3.eth.contract(
        address=runtime.clearing_client.address, abi=runtime.clearing_client.contract.abi
    )
    deadline = time.monotonic() + FINAL_TIMEOUT
    while Claim.from_call(clearing.functions.claim(claim_id).call()).status != ClaimStatus.SETTLED:
        assert time.monotonic() < deadline, "the other node never saw the settlement"
        time.sleep(1)
