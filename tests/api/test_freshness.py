"""Reads come from the read models, current to the chain's head: a write (through the API or
straight to the chain) is in the next response, and every response names its block."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.freshness import BLOCK_HEADER
from api.runtime import Runtime
from ledger.vin import vin_hash
from tests.api.conftest import Caller
from tests.api.test_inventory import advance, car, make_vin, open_line


def test_a_write_is_in_the_next_read_and_each_response_names_its_block(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    done = advance(client, lender, line, car(1), car(2))
    assert done.status_code == 201, done.text
    written = done.json()["block_number"]

    # No indexer step was run by hand: the read brings the read models up to the head.
    listed = client.get(f"/v1/lines/{line}/vehicles", headers=dealer.headers)
    assert listed.status_code == 200, listed.text
    assert [v["vin_hash"] for v in listed.json()] == [
        "0x" + vin_hash(make_vin(n)).hex() for n in (1, 2)
    ]
    assert int(listed.headers[BLOCK_HEADER]) >= written

    # A sale reported straight to the chain, not through this service, is seen as well.
    as_dealer = runtime.floorplan.as_sender(runtime.sender_for(dealer.member.address))
    sold = as_dealer.report_sale([vin_hash(make_vin(1))])
    owed = client.get(f"/v1/lines/{line}/obligations", headers=lender.headers)
    assert owed.status_code == 200, owed.text
    statuses = {v["vin_hash"]: v["status"] for v in owed.json()["vehicles"]}
    assert statuses["0x" + vin_hash(make_vin(1)).hex()] == "sold"
    assert int(owed.headers[BLOCK_HEADER]) >= sold.block_number
    # The figures are the contract's own at that block.
    for shown in owed.json()["vehicles"]:
        on_chain = runtime.floorplan.payoff(
            bytes.fromhex(shown["vin_hash"][2:]), owed.json()["as_of"]
        )
        assert shown["payoff"]["total"] == on_chain.total

    # Errors and public routes say their block too.
    missing = client.get("/v1/lines/999/vehicles", headers=lender.headers)
    assert missing.status_code == 404
    assert int(missing.headers[BLOCK_HEADER]) >= sold.block_number
    assert BLOCK_HEADER in client.get("/v1/health").headers
