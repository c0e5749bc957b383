"""The members read model (`ledger.member_index`): authentication and member lists read the
mirror of the Consortium events, not the contract; every change (admission, role grants and
revocations, suspension, reinstatement, removal, key rotation) is there by the next request;
`audit verify` names a row that drifted, and a rebuild repairs it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.runtime import Runtime
from ledger.consortium import ConsortiumClient
from ledger.keys import dev_account
from oversight.audit import Auditor
from tests.api.conftest import Caller


def _no_chain_reads(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("a member was read from the contract")


def govern(client: TestClient, operator: Caller, **proposal: Any) -> None:
    created = client.post("/v1/proposals", json=proposal, headers=operator.headers)
    assert created.status_code == 201, created.text
    executed = client.post(
        f"/v1/proposals/{created.json()['id']}/execution", headers=operator.headers
    )
    assert executed.status_code == 200 and executed.json()["executed"] is True, executed.text


def test_members_and_authentication_come_from_the_mirror_and_follow_every_change(
    client: TestClient, runtime: Runtime, demo: dict[str, Caller], monkeypatch: pytest.MonkeyPatch
):
    operator, dealer, lender = demo["operator"], demo["dealer"], demo["lender"]
    newcomer = dev_account(8).address
    govern(client, operator, kind="admit", address=newcomer, name="Newcomer Leasing", roles=[])
    govern(client, operator, kind="grant_role", address=newcomer, role="LENDER")
    govern(client, operator, kind="grant_role", address=newcomer, role="AUDITOR")
    govern(client, operator, kind="revoke_role", address=newcomer, role="AUDITOR")
    govern(client, operator, kind="suspend", address=dealer.member.address)
    chain_members = runtime.consortium.members()

    # From here on the contract's member views fail: everything below reads the mirror.
    monkeypatch.setattr(ConsortiumClient, "member", _no_chain_reads)
    monkeypatch.setattr(ConsortiumClient, "members", _no_chain_reads)
    listed = client.get("/v1/members", headers=lender.headers)
    assert listed.status_code == 200, listed.text
    assert [(m["id"], m["address"], m["status"], m["roles"]) for m in listed.json()] == [
        (m.id, m.address, m.status.name.lower(), [r.value for r in m.roles]) for m in chain_members
    ]
    joined = next(m for m in listed.json() if m["address"] == newcomer)
    assert joined["name"] == "Newcomer Leasing" and joined["roles"] == ["LENDER"]
    refused = client.get("/v1/me", headers=dealer.headers)
    assert refused.status_code == 403 and "suspended" in refused.json()["detail"]
    assert client.get("/v1/me", headers=lender.headers).json()["id"] == lender.member.id

    monkeypatch.undo()  # governance itself checks the proposals on chain
    govern(client, operator, kind="reinstate", address=dealer.member.address)
    new_key = runtime.keyring.create()
    runtime.consortium.as_sender(runtime.sender_for(lender.member.address)).rotate_key(
        new_key.address
    )
    monkeypatch.setattr(ConsortiumClient, "member", _no_chain_reads)
    monkeypatch.setattr(ConsortiumClient, "members", _no_chain_reads)
    assert client.get("/v1/me", headers=dealer.headers).status_code == 200
    me = client.get("/v1/me", headers=lender.headers).json()
    assert me["id"] == lender.member.id and me["address"] == new_key.address
    with pytest.raises(Exception, match="ConsortiumNotMember"):
        runtime.members.member(lender.member.address)  # the retired key is no member's
    monkeypatch.undo()

    govern(client, operator, kind="remove", address=newcomer)
    removed = next(m for m in runtime.members.all() if m.address == newcomer)
    assert removed.status.name == "REMOVED" and removed.roles == ()
    assert Auditor.of(runtime).verify().ok


def test_audit_names_a_drifted_member_row_and_a_rebuild_repairs_it(
    runtime: Runtime, demo: dict[str, Caller]
):
    auditor = Auditor.of(runtime)
    runtime.fresh_block()
    assert auditor.verify().ok
    dealer = demo["dealer"].member
    with runtime.engine.begin() as conn:
        conn.execute(
            text('UPDATE rm_member SET roles = \'["DEALER", "REGULATOR"]\' WHERE member_id = :m'),
            {"m": dealer.id},
        )
    report = auditor.verify()
    assert [(d.check, d.kind, d.where) for d in report.discrepancies] == [
        ("read_models", "drift", f"member {dealer.id}")
    ]
    assert "REGULATOR" in report.discrepancies[0].found
    assert "REGULATOR" not in report.discrepancies[0].expected
    assert runtime.indexer.rebuild() > 0
    assert auditor.verify().ok
