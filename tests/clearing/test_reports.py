"""Reconciliation reports: pinned JSON and CSV of a known cycle, and reports of real cycles."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from clearing.models import ClearingCycle
from clearing.reports import CSV_COLUMNS, cycle_end_to_end_id, cycle_report, report_csv
from ledger.settlement import OffChainSettlement
from tests.clearing.test_engine import MIXED, clearing_engine
from tests.ledger import test_settlement_world as shared
from tests.ledger.test_settlement_world import BANK, DEALER, member_id, ref

# A module-wide world that fresh_chain's evm_snapshot undoes after each test: anvil only.
pytestmark = pytest.mark.anvil

# The shared world's fixtures.
built_world, senders, world = shared.built_world, shared.senders, shared.world

A, B, C = (
    "0x00000000000000000000000000000000000000aA",
    "0x00000000000000000000000000000000000000bB",
    "0x00000000000000000000000000000000000000cC",
)


def known_cycle() -> ClearingCycle:
    """A settled cycle of two claims among three members, written by hand."""
    return ClearingCycle(
        id=7,
        plan_hash="ab" * 32,
        status="settled",
        trigger="member",
        triggered_by=4,
        chain_id=31337,
        clearing_address="0x" + "11" * 20,
        sender_address="0x" + "22" * 20,
        plan_json="{}",
        claim_ids="[3,5]",
        claims_json=json.dumps(
            [
                {
                    "id": 3,
                    "creditor": 4,
                    "debtor": 6,
                    "amount": "70000",
                    "kind": "payoff",
                    "reference": "01" * 32,
                    "due_date": 0,
                },
                {
                    "id": 5,
                    "creditor": 6,
                    "debtor": 5,
                    "amount": "30000000000000000000000",
                    "kind": "other",
                    "reference": "02" * 32,
                    "due_date": 1_700_000_000,
                },
            ]
        ),  # fmt: skip
        members_json=json.dumps(
            [
                {"member": 4, "address": A, "position": "70000"},
                {"member": 5, "address": B, "position": "-30000000000000000000000"},
                {"member": 6, "address": C, "position": "29999999999999999930000"},
            ]
        ),
        transfers_json=json.dumps(
            [
                {"from": 5, "to": 6, "amount": "29999999999999999930000"},
                {"from": 5, "to": 4, "amount": "70000"},
            ]
        ),
        deferred_claim_ids="[4]",
        claim_count=2,
        transfer_count=2,
        gross="30000000000000000070000",
        net="30000000000000000000000",
        attempts=1,
        tx_hash="0x" + "cd" * 32,
        cycle_id=2,
        block_number=120,
        block_hash="0x" + "ef" * 32,
        block_time=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        created_at=datetime(2026, 11, 2, 9, 29, 58, 250000, tzinfo=UTC),
        settled_at=datetime(2026, 11, 2, 9, 30, 1, tzinfo=UTC),
    )


KNOWN_CSV = (
    "record,cycle_id,plan_hash,status,tx_hash,block_number,block_time,gross,net,claim_id,kind,"
    "reference,debtor,creditor,amount,end_to_end_id,bank_id,bank_reference,recorded_at,confirmed\r\n"
    f"cycle,2,{'ab' * 32},settled,0x{'cd' * 32},120,2026-11-02T09:30:00Z,"
    "30000000000000000070000,30000000000000000000000,,,,,,,,,,,\r\n"
    f"claim,2,{'ab' * 32},settled,0x{'cd' * 32},120,2026-11-02T09:30:00Z,,,3,payoff,{'01' * 32},"
    "6,4,70000,,,,,\r\n"
    f"claim,2,{'ab' * 32},settled,0x{'cd' * 32},120,2026-11-02T09:30:00Z,,,5,other,{'02' * 32},"
    "5,6,30000000000000000000000,,,,,\r\n"
    f"transfer,2,{'ab' * 32},settled,0x{'cd' * 32},120,2026-11-02T09:30:00Z,,,,,,"
    f"5,6,29999999999999999930000,CYC-2-1,9,{'0f' * 32},2026-11-02T10:00:00Z,true\r\n"
    f"transfer,2,{'ab' * 32},settled,0x{'cd' * 32},120,2026-11-02T09:30:00Z,,,,,,"
    "5,4,70000,CYC-2-2,,,,\r\n"
    f"deferred,2,{'ab' * 32},settled,0x{'cd' * 32},120,2026-11-02T09:30:00Z,,,4,,,,,,,,,,\r\n"
)


def bank_record(end_to_end_id: str) -> OffChainSettlement | None:
    """Member 9's bank recorded the first transfer only."""
    if end_to_end_id != "CYC-2-1":
        return None
    return OffChainSettlement(
        end_to_end_id=end_to_end_id,
        bank_id=9,
        debtor_id=5,
        creditor_id=6,
        recorded_at=int(datetime(2026, 11, 2, 10, 0, tzinfo=UTC).timestamp()),
        amount=29999999999999999930000,
        bank_reference=bytes.fromhex("0f" * 32),
    )


def test_a_known_cycle_gives_pinned_json_and_csv():
    report = cycle_report(known_cycle(), off_chain_members=[5], confirmations=bank_record)
    assert report["version"] == 1
    assert report["cycle"] == {
        "id": 7,
        "cycle_id": 2,
        "plan_hash": "ab" * 32,
        "status": "settled",
        "trigger": "member",
        "triggered_by": 4,
        "chain_id": 31337,
        "clearing": "0x" + "11" * 20,
        "sender": "0x" + "22" * 20,
        "tx_hash": "0x" + "cd" * 32,
        "block_number": 120,
        "block_hash": "0x" + "ef" * 32,
        "block_time": "2026-11-02T09:30:00Z",
        "created_at": "2026-11-02T09:29:58.250000Z",
        "settled_at": "2026-11-02T09:30:01Z",
        "failed_at": None,
        "error": None,
    }
    assert (report["gross"], report["net"]) == (
        "30000000000000000070000",
        "30000000000000000000000",
    )
    assert report["claims"][1] == {
        "id": 5,
        "debtor": 5,
        "creditor": 6,
        "amount": "30000000000000000000000",
        "kind": "other",
        "reference": "02" * 32,
        "due_date": 1_700_000_000,
    }
    assert report["positions"][1] == {
        "member": 5,
        "address": B,
        "position": "-30000000000000000000000",
    }
    confirmation = {
        "bank_id": 9,
        "bank_reference": "0f" * 32,
        "recorded_at": "2026-11-02T10:00:00Z",
        "debtor": 5,
        "creditor": 6,
        "amount": "29999999999999999930000",
        "matches": True,
    }
    assert report["transfers"] == [
        {
            "number": 1,
            "debtor": 5,
            "debtor_address": B,
            "creditor": 6,
            "creditor_address": C,
            "amount": "29999999999999999930000",
            "end_to_end_id": "CYC-2-1",
            "confirmation": confirmation,
        },
        {
            "number": 2,
            "debtor": 5,
            "debtor_address": B,
            "creditor": 4,
            "creditor_address": A,
            "amount": "70000",
            "end_to_end_id": "CYC-2-2",
            "confirmation": None,
        },
    ]
    assert report["instructions"] == [
        {
            "end_to_end_id": "CYC-2-1",
            "transfer": 1,
            "off_chain_members": [5],
            "debtor": 5,
            "creditor": 6,
            "amount": "29999999999999999930000",
            "confirmation": confirmation,
        },
        {
            "end_to_end_id": "CYC-2-2",
            "transfer": 2,
            "off_chain_members": [5],
            "debtor": 5,
            "creditor": 4,
            "amount": "70000",
            "confirmation": None,
        },
    ]
    assert report["deferred_claim_ids"] == [4]
    assert report_csv([report]) == KNOWN_CSV
    again = cycle_report(known_cycle(), off_chain_members=[5], confirmations=bank_record)
    assert json.dumps(again, sort_keys=True) == json.dumps(report, sort_keys=True)


def test_members_settling_on_chain_get_no_instructions():
    report = cycle_report(known_cycle())
    assert report["instructions"] == []
    assert {t["end_to_end_id"] for t in report["transfers"]} == {None}
    only_payee = cycle_report(known_cycle(), off_chain_members=[4])
    assert [i["end_to_end_id"] for i in only_payee["instructions"]] == ["CYC-2-2"]
    unsettled = known_cycle()
    unsettled.status, unsettled.cycle_id = "signed", None
    assert cycle_report(unsettled, off_chain_members=[5])["instructions"] == [], (
        "instructions are issued for settled cycles only"
    )


def test_end_to_end_ids_of_cycle_transfers():
    assert cycle_end_to_end_id(12, 3) == "CYC-12-3"
    with pytest.raises(ValueError, match="start at 1"):
        cycle_end_to_end_id(0, 1)


def test_the_report_of_a_settled_cycle_matches_it(world, engine):
    ids = world.final_claims(MIXED)
    plan = world.plan(ids)
    cycle = clearing_engine(world, engine).run_cycle()
    assert cycle is not None and cycle.cycle_id == 1
    dealer = member_id(DEALER)
    (paid, *_) = [n for n, t in enumerate(plan.transfers, start=1) if t.payer == dealer]
    transfer = plan.transfers[paid - 1]
    payee = next(i for i in range(10) if member_id(i) == transfer.payee)
    world.token_as(BANK).record_off_chain_settlement(
        f"CYC-1-{paid}",
        world.address(DEALER),
        world.address(payee),
        transfer.amount,
        ref("wire 1"),
    )

    with Session(engine) as session:  # as stored, not as the engine returned it
        stored = session.get_one(ClearingCycle, cycle.id)
    report = cycle_report(
        stored, off_chain_members=[dealer], confirmations=world.token.off_chain_settlement
    )

    assert report["cycle"]["tx_hash"] == cycle.tx_hash
    assert report["cycle"]["block_number"] == cycle.block_number
    assert (report["gross"], report["net"]) == (str(plan.gross), str(plan.net))
    assert [c["id"] for c in report["claims"]] == ids
    assert [(c["creditor"], c["debtor"], int(c["amount"])) for c in report["claims"]] == [
        (member_id(c), member_id(d), a) for c, d, a in MIXED
    ]
    assert {c["kind"] for c in report["claims"]} == {"payoff", "collection_fee", "other"}
    assert [(t["debtor"], t["creditor"], int(t["amount"])) for t in report["transfers"]] == [
        (t.payer, t.payee, t.amount) for t in plan.transfers
    ]
    instructions = {i["end_to_end_id"]: i for i in report["instructions"]}
    assert set(instructions) == {
        f"CYC-1-{n}" for n, t in enumerate(plan.transfers, start=1) if dealer in (t.payer, t.payee)
    }
    confirmed = instructions[f"CYC-1-{paid}"]["confirmation"]
    assert confirmed["matches"] is True and confirmed["bank_id"] == member_id(BANK)
    assert confirmed["bank_reference"] == ref("wire 1").hex()
    others = [i["confirmation"] for e, i in instructions.items() if e != f"CYC-1-{paid}"]
    assert others == [None] * len(others)

    text = report_csv([report])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["record"] for r in rows] == ["cycle"] + ["claim"] * 6 + ["transfer"] * 4
    assert {r["tx_hash"] for r in rows} == {cycle.tx_hash}
    assert sum(int(r["amount"]) for r in rows if r["record"] == "claim") == plan.gross
    assert sum(int(r["amount"]) for r in rows if r["record"] == "transfer") == plan.net
    assert [r["confirmed"] for r in rows if r["end_to_end_id"] == f"CYC-1-{paid}"] == ["true"]
    again = cycle_report(
        stored, off_chain_members=[dealer], confirmations=world.token.off_chain_settlement
    )
    assert report_csv([again]) == text, "deterministic"
