"""A clearing that says why: each claim not settling and its reason, in the API (409 and
`GET /v1/cycles/next`) and the command line (`clearing run`; the lender page is in
tests/pages/test_clearing_why.py); and the dev commands that move the chain's clock and confirm
as the dealer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from tests.api import test_inventory_cli
from tests.api.conftest import Caller
from tests.api.test_clearing_api import UNLIMITED, confirm, filed, past_dispute_window
from tests.api.test_inventory import advance, car, open_line

runner = CliRunner()
cli_env = test_inventory_cli.cli_env


def _waiting(client: TestClient, caller: Caller) -> dict[int, dict]:
    answer = client.get("/v1/cycles/next", headers=caller.headers)
    assert answer.status_code == 200, answer.text
    return {w["claim_id"]: w for w in answer.json()["waiting"]}


def _refused(client: TestClient, caller: Caller) -> dict:
    answer = client.post("/v1/cycles", headers=caller.headers)
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return dict(answer.json())


@pytest.mark.anvil  # moves the chain's clock past the dispute window
def test_each_waiting_claim_says_why_until_it_settles(
    cli_env: Path, client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, lender2, dealer, bank = (demo[n] for n in ("lender", "lender2", "dealer", "bank"))
    claim = filed(client, lender, dealer, 400_00)
    later = filed(client, lender, dealer, 10_00, due_date=2**39)
    hidden = filed(client, lender2, demo["dealer2"], 5_00)  # not the lender's claim

    problem = _refused(client, lender)
    assert "awaiting the confirmation of its debtor" in problem["detail"]
    reasons = {w["claim_id"]: w["reason"] for w in problem["waiting"]}
    assert reasons == {claim: "awaiting_confirmation", later: "awaiting_confirmation"}

    shown = confirm(client, dealer, claim)
    waiting = _waiting(client, lender)
    assert hidden not in waiting
    assert waiting[claim]["reason"] == "dispute_window"
    assert waiting[claim]["until"] == shown["dispute_ends_at"]
    assert waiting[claim]["detail"].startswith("dispute window ends at ")
    ran = runner.invoke(app, ["clearing", "run"])
    assert ran.exit_code == 0, ran.output
    assert f"waiting\tclaim {claim}\tdispute_window\tdispute window ends at " in ran.stdout
    assert f"waiting\tclaim {hidden}\tawaiting_confirmation" in ran.stdout  # the operator's view

    confirm(client, dealer, later)
    past_dispute_window(runtime)
    waiting = _waiting(client, lender)
    assert waiting[later]["reason"] == "not_due" and waiting[later]["until"] == 2**39
    short = waiting[claim]
    assert short["reason"] == "payer_short"
    assert (short["payer_id"], short["short_by"]) == (dealer.member.id, 400_00)
    assert (short["balance"], short["allowance"]) == (0, 0)
    assert "balance too low" in short["detail"]

    minted = client.post(
        "/v1/settlement/mints",
        json={"member_id": dealer.member.id, "amount": 400_00, "reference": "DEP-1"},
        headers=bank.headers,
    )
    assert minted.status_code == 200, minted.text
    problem = _refused(client, lender)
    missing = next(w for w in problem["waiting"] if w["claim_id"] == claim)
    assert missing["balance"] == 400_00 and missing["allowance"] == 0
    assert "allowance to the Clearing missing" in missing["detail"]

    approved = client.post(
        "/v1/settlement/allowances", json={"amount": UNLIMITED}, headers=dealer.headers
    )
    assert approved.status_code == 200, approved.text
    assert _waiting(client, lender)[later]["reason"] == "not_due"
    settled = client.post("/v1/cycles", headers=lender.headers)
    assert settled.status_code == 201, settled.text
    assert settled.json()["cycle"]["claim_ids"] == [claim]
    assert claim not in _waiting(client, lender)


@pytest.mark.anvil  # evm_increaseTime is anvil's
def test_advance_time_moves_the_dev_chain_and_refuses_bad_durations(
    cli_env: Path, runtime: Runtime
):
    before = int(runtime.chain.w3.eth.get_block("latest")["timestamp"])
    moved = runner.invoke(app, ["dev", "advance-time", "1d12h"])
    assert moved.exit_code == 0, moved.output
    after = int(runtime.chain.w3.eth.get_block("latest")["timestamp"])
    assert after - before >= 36 * 3600
    assert f"chain time {after} (" in moved.stdout
    bad = runner.invoke(app, ["dev", "advance-time", "3 days"])
    assert bad.exit_code == 2 and "not a duration such as 3d" in bad.output
    assert int(runtime.chain.w3.eth.get_block("latest")["timestamp"]) == after


def test_advance_time_is_refused_outside_dev_mode(cli_env: Path, tmp_path: Path, monkeypatch):
    keystore = tmp_path / "operator.json"
    keystore.write_text(json.dumps(Account.encrypt("0x" + "11" * 32, "pw", iterations=2)))
    for name, value in {
        "AUTOLEDGER_DEV": "0",
        "AUTOLEDGER_KEYSTORE": str(keystore),
        "AUTOLEDGER_KEYSTORE_PASSWORD": "pw",
        "AUTOLEDGER_MASTER_KEY": "22" * 32,
    }.items():
        monkeypatch.setenv(name, value)
    refused = runner.invoke(app, ["dev", "advance-time", "3d"])
    assert refused.exit_code == 2
    assert "not in dev mode" in refused.output


def test_inventory_confirm_signs_with_the_held_dealer_key(
    cli_env: Path, client: TestClient, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(31), car(32)).status_code == 201
    wrong = runner.invoke(
        app, ["inventory", "confirm", "--line", str(line), "--as", str(lender.member.id)]
    )
    assert wrong.exit_code == 1 and "is not the dealer of line" in wrong.output
    done = runner.invoke(
        app, ["inventory", "confirm", "--line", str(line), "--as", str(dealer.member.id)]
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.count("confirmed\t0x") == 2
    vehicles = client.get(f"/v1/lines/{line}/vehicles", headers=dealer.headers).json()
    assert all(v["confirmed"] for v in vehicles)
    again = runner.invoke(
        app, ["inventory", "confirm", "--line", str(line), "--as", str(dealer.member.id)]
    )
    assert again.exit_code == 1 and "awaits your confirmation" in again.output
    bad = runner.invoke(
        app, ["inventory", "confirm", "--line", str(line), "--as", "4", "--vin", "NOT-A-VIN"]
    )
    assert bad.exit_code == 2 and "--vin" in bad.output
