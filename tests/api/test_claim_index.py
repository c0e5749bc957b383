"""The claims read model (`clearing.claim_index`): every state a claim can reach, as the API
lists it, equals what the contract says; `audit verify` names a row that drifted, and a rebuild
from the events repairs it; a claim list reads no claim from the chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from api import cli
from api.runtime import Runtime
from clearing.service import STATE_NAMES
from ledger.settlement import ClearingClient
from oversight.audit import Auditor
from tests.api.conftest import Caller
from tests.api.test_clearing_api import EVIDENCE, confirm, filed, fund, past_dispute_window


def listed(client: TestClient, caller: Caller, **query: str) -> dict[int, str]:
    response = client.get("/v1/claims", params=query, headers=caller.headers)
    assert response.status_code == 200, response.text
    return {int(c["id"]): c["state"] for c in response.json()}


def on_chain(runtime: Runtime) -> dict[int, str]:
    return {c.id: STATE_NAMES[c.status] for c in runtime.clearing_client.claims()}


def test_every_claim_state_listed_from_the_read_model_as_the_contract_says(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller], monkeypatch: pytest.MonkeyPatch
):
    lender, lender2, dealer, operator = (
        demo[n] for n in ("lender", "lender2", "dealer", "operator")
    )
    settled, final, disputed, rejected, upheld, withdrawn, kept = (
        filed(client, lender, dealer, n * 10_00) for n in range(1, 8)
    )
    other = filed(client, lender2, lender, 5_00)
    for claim_id in (settled, final, disputed, rejected, upheld):
        confirm(client, dealer, claim_id)
    assert listed(client, dealer)[settled] == "confirmed"
    for claim_id in (disputed, rejected, upheld):
        response = client.post(
            f"/v1/claims/{claim_id}/dispute", json={"evidence": EVIDENCE}, headers=dealer.headers
        )
        assert response.status_code == 200, response.text
    for claim_id, verdict in ((rejected, False), (upheld, True)):
        response = client.post(
            f"/v1/claims/{claim_id}/resolution",
            json={"upheld": verdict, "decision": f"DECISION-{claim_id}"},
            headers=operator.headers,
        )
        assert response.status_code == 200, response.text
    assert client.post(f"/v1/claims/{withdrawn}/withdrawal", headers=lender.headers).is_success

    # Final by time alone (no event): the read model says so as the contract does.
    past_dispute_window(runtime)
    assert listed(client, dealer)[final] == "final"
    fund(client, demo, "dealer", 1_000_00)
    cycle = client.post("/v1/cycles", headers=lender.headers).json()["cycle"]
    assert cycle["status"] == "settled" and settled in cycle["claim_ids"]

    expected = {
        settled: "settled",
        final: "settled",  # final claims settle together in the cycle
        disputed: "disputed",
        rejected: "rejected",
        upheld: "settled",
        withdrawn: "withdrawn",
        kept: "filed",
    }
    # The lists no longer ask the contract for every claim: they answer with it broken.
    chain = on_chain(runtime)
    monkeypatch.setattr(ClearingClient, "claims", _no_chain_reads)
    assert listed(client, dealer) == expected
    assert {k: v for k, v in chain.items() if k in expected} == expected
    assert listed(client, demo["regulator"]) == chain  # everyone's, for a regulator
    assert listed(client, lender, role="creditor") == expected
    assert listed(client, lender, role="debtor") == {other: "filed"}
    assert listed(client, dealer, state="disputed") == {disputed: "disputed"}
    assert listed(client, dealer, state="filed") == {kept: "filed"}
    assert set(listed(client, dealer, kind="fee")) == set(expected)
    assert listed(client, dealer, kind="payoff") == {}


def _no_chain_reads(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("a claim list read the claims from the chain")


def test_audit_names_a_drifted_claim_row_and_a_rebuild_repairs_it(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    first = filed(client, lender, dealer, 20_00)
    second = filed(client, lender, dealer, 30_00)
    confirm(client, dealer, first)
    auditor = Auditor.of(runtime)
    assert listed(client, dealer) == {first: "confirmed", second: "filed"}
    assert auditor.verify().ok

    with runtime.engine.begin() as conn:
        conn.execute(
            text("UPDATE rm_claim SET amount = '1', status = 5 WHERE claim_id = :c"), {"c": first}
        )
        conn.execute(text("DELETE FROM rm_claim WHERE claim_id = :c"), {"c": second})
    report = auditor.verify()
    found = [(d.check, d.kind, d.where) for d in report.discrepancies]
    assert found == [
        ("read_models", "drift", f"claim {first}"),
        ("read_models", "drift", f"claim {second}"),
    ]
    assert "amount=1," in report.discrepancies[0].found
    assert "amount=2000," in report.discrepancies[0].expected
    assert report.discrepancies[1].found is None

    assert runtime.indexer.rebuild() > 0
    assert auditor.verify().ok
    assert listed(client, dealer) == {first: "confirmed", second: "filed"}


def test_the_cli_lists_claims_from_the_read_model_once_the_index_is_current(
    cli_env: Path,
    client: TestClient,
    runtime: Runtime,
    demo: dict[str, Caller],
    monkeypatch: pytest.MonkeyPatch,
):
    lender, dealer = demo["lender"], demo["dealer"]
    first = filed(client, lender, dealer, 20_00)
    runtime.fresh_block()  # the index reaches the head: the CLI starts no runtime ...
    runtime.chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    # ... nor when the blocks after the index hold no log of the Clearing contract

    def no_runtime(*_args: Any) -> Any:
        raise AssertionError("the CLI started a runtime")

    with monkeypatch.context() as patched:
        patched.setattr(cli, "_attached", no_runtime)
        listed = CliRunner().invoke(cli.app, ["clearing", "claims"])
    assert listed.exit_code == 0, listed.output
    assert [line.split("\t")[:3] for line in listed.stdout.splitlines()[1:]] == [
        [str(first), "fee", "filed"]
    ]

    # A claim filed since: the index is behind the head, so a runtime reads (and indexes).
    second = filed(client, lender, dealer, 30_00)
    confirm(client, dealer, second)
    behind = CliRunner().invoke(cli.app, ["clearing", "claims", "--state", "confirmed"])
    assert behind.exit_code == 0, behind.output
    assert [line.split("\t")[0] for line in behind.stdout.splitlines()[1:]] == [str(second)]
