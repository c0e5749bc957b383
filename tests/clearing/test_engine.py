"""The clearing engine on the real contracts: cycles, gridlock, failures, resumption, the worker."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from clearing.engine import ClearingEngine
from clearing.models import ClearingCycle
from ledger.settlement import ClaimKind, ClaimStatus, claim_end_to_end_id
from tests.ledger import test_settlement_world as shared
from tests.ledger.test_settlement_world import (
    BANK,
    COLLECTOR,
    DEALER,
    DEALER_B,
    DISPUTE_WINDOW,
    LENDER,
    LENDER_B,
    TRADERS,
    UNLIMITED,
    World,
    advance,
    block_time,
    member_id,
    ref,
)

pytestmark = pytest.mark.anvil  # time travel and automine control

# The shared world's fixtures.
built_world, senders, world = shared.built_world, shared.senders, shared.world

# A multilateral set: (creditor, debtor, amount in cents).
MIXED = [
    (LENDER, DEALER, 400_00),
    (LENDER_B, DEALER, 300_00),
    (LENDER, DEALER_B, 200_00),
    (COLLECTOR, LENDER, 50_00),
    (DEALER, LENDER_B, 120_00),
    (LENDER_B, DEALER_B, 80_00),
]


def clearing_engine(world: World, engine: Engine, **options) -> ClearingEngine:
    """An engine signing as the world's operator (account 0, an OPERATOR member)."""
    return ClearingEngine(
        engine=engine,
        clearing=world.clearing,
        token=world.token,
        consortium=world.council,
        **{"receipt_timeout": 10, **options},
    )


def balances(world: World) -> dict[int, int]:
    return {i: world.token.balance_of(world.address(i)) for i in TRADERS}


def stored_cycles(engine: Engine) -> list[ClearingCycle]:
    with Session(engine) as session:
        return list(session.exec(select(ClearingCycle).order_by(ClearingCycle.id)).all())


def assert_settled_once(world: World, ids, before: dict[int, int]) -> None:
    """Every claim of `ids` is settled and balances moved by exactly their net positions."""
    plan = world.plan(ids)
    positions = {p.member: p.amount for p in plan.positions}
    after = balances(world)
    for index in TRADERS:
        assert after[index] - before[index] == positions.get(member_id(index), 0), index
    assert [world.clearing.status_of(i) for i in ids] == [ClaimStatus.SETTLED] * len(ids)


class Steps(list[str]):
    """A `step` callback that records the steps, optionally acting the first time one comes."""

    def __init__(self, at: str | None = None, action=None) -> None:
        super().__init__()
        self.at, self.action = at, action

    def __call__(self, name: str) -> None:
        self.append(name)
        if name == self.at and self.action is not None:
            action, self.action = self.action, None
            action()


class Crash(Exception):
    """Stands for the process dying at a step (the subprocess version is test_engine_crash)."""


def crash() -> None:
    raise Crash


# -- settling ---------------------------------------------------------------------------------


def test_a_cycle_settles_final_claims_with_the_net_transfers(world, fresh_chain, engine):
    ids = world.final_claims(MIXED)
    plan = world.plan(ids)
    before = balances(world)
    steps = Steps()

    cycle = clearing_engine(world, engine, step=steps).run_cycle()

    assert cycle is not None and cycle.status == "settled"
    assert steps == ["prepared", "signed", "broadcast", "settled"]
    assert_settled_once(world, ids, before)
    # Payers: dealer -580, dealer B -280; receivers: lender 550, lender B 260, collector 50.
    assert (cycle.gross, cycle.net, cycle.claim_count, cycle.transfer_count) == (
        str(plan.gross),
        "86000",
        6,
        4,
    )
    assert cycle.plan_hash == plan.plan_hash.hex()
    assert hashlib.sha256(cycle.plan_json.encode()).hexdigest() == cycle.plan_hash
    assert cycle.plan_json.encode() == plan.canonical_json()
    assert cycle.claim_id_list() == list(ids) and cycle.deferred_claim_id_list() == []
    assert cycle.transfers() == [
        {"from": t.payer, "to": t.payee, "amount": t.amount} for t in plan.transfers
    ]
    address = {p.member: world.council.member(p.member).address for p in plan.positions}
    assert cycle.members() == [
        {"member": p.member, "address": address[p.member], "position": p.amount}
        for p in plan.positions
    ]
    first = cycle.claims()[0]
    assert first == {
        "id": ids[0],
        "creditor": member_id(LENDER),
        "debtor": member_id(DEALER),
        "amount": 400_00,
        "kind": "payoff",
        "reference": ref("claim 0").hex(),
        "due_date": 0,
    }
    assert (cycle.trigger, cycle.triggered_by) == ("schedule", None)
    assert cycle.sender_address == world.address(0) and cycle.attempts == 1
    assert cycle.clearing_address == world.clearing.address
    assert cycle.chain_id == fresh_chain.chain_id
    on_chain = world.clearing.cycle(1)
    assert on_chain is not None and on_chain.plan_hash == plan.plan_hash
    receipt = fresh_chain.receipt(cycle.tx_hash)
    assert receipt is not None and world.clearing.cycle_settled_in(receipt) == 1
    assert cycle.cycle_id == 1 and cycle.block_number == on_chain.block_number
    assert cycle.block_hash == "0x" + bytes(receipt["blockHash"]).hex()
    assert int(cycle.block_time.timestamp()) == block_time(fresh_chain, cycle.block_number)
    assert cycle.settled_at is not None and cycle.error is None

    assert clearing_engine(world, engine).run_cycle() is None, "nothing is left to settle"
    assert world.clearing.cycle_count() == 1 and len(stored_cycles(engine)) == 1


def test_nothing_to_settle_gives_none(world, fresh_chain, engine):
    clearing = clearing_engine(world, engine)
    assert clearing.run_cycle() is None
    assert clearing.plan_next() is None
    # Filed but unconfirmed, confirmed but within the window, final but not yet due, withdrawn.
    world.clearing_as(LENDER).file_claim(world.address(DEALER), 10_00, ClaimKind.FEE, ref("f"))
    world.file_confirmed(LENDER, DEALER, 20_00, label="fresh")
    later = block_time(fresh_chain) + 10 * DISPUTE_WINDOW
    world.file_confirmed(LENDER, DEALER, 30_00, label="not due", due_date=later)
    gone = world.file_confirmed(LENDER, DEALER, 40_00, label="withdrawn")
    world.clearing_as(LENDER).withdraw_claim(gone)
    assert clearing.run_cycle() is None
    advance(fresh_chain, DISPUTE_WINDOW + 1)
    cycle = clearing.run_cycle()
    assert cycle is not None and cycle.claim_id_list() == [2], "only the confirmed, due claim"
    assert clearing.run_cycle() is None
    assert world.clearing.cycle_count() == 1 and len(stored_cycles(engine)) == 1


def test_trigger_records_the_member_who_asked(world, engine):
    ids = world.final_claims(MIXED[:2])
    cycle = clearing_engine(world, engine).trigger(member_id(LENDER))
    assert cycle is not None and cycle.status == "settled"
    assert (cycle.trigger, cycle.triggered_by) == ("member", member_id(LENDER))
    assert cycle.claim_id_list() == ids
    assert clearing_engine(world, engine).trigger(member_id(LENDER)) is None


def test_cycles_are_capped_and_the_rest_settle_next(world, engine):
    ids = world.final_claims(MIXED[:3])
    before = balances(world)
    clearing = clearing_engine(world, engine, max_claims=2)
    first = clearing.run_cycle()
    second = clearing.run_cycle()
    assert first is not None and second is not None
    assert (first.claim_id_list(), second.claim_id_list()) == (ids[:2], ids[2:])
    assert (first.cycle_id, second.cycle_id) == (1, 2)
    assert clearing.run_cycle() is None
    assert_settled_once(world, ids, before)
    with pytest.raises(ValueError, match="max_claims"):
        clearing_engine(world, engine, max_claims=0)


# -- gridlock ---------------------------------------------------------------------------------


def test_gridlock_defers_the_short_debtors_claims_until_it_is_funded(world, engine):
    ids = world.final_claims(
        [(LENDER, DEALER, 400_00), (LENDER_B, DEALER_B, 300_00), (COLLECTOR, LENDER, 50_00)]
    )
    world.token_as(DEALER_B).approve(world.clearing.address, 100_00)  # short of 300.00
    before = balances(world)
    clearing = clearing_engine(world, engine)
    proposal = clearing.plan_next()
    assert proposal is not None
    assert proposal.shortfalls == {member_id(DEALER_B): 200_00}
    assert proposal.deferred == (ids[1],) and proposal.gridlock_optimal

    first = clearing.run_cycle()
    assert first is not None and first.status == "settled"
    assert first.claim_id_list() == [ids[0], ids[2]]
    assert first.deferred_claim_id_list() == [ids[1]]
    assert world.clearing.status_of(ids[1]) is ClaimStatus.FINAL
    assert clearing.run_cycle() is None, "the deferred claim still cannot settle"

    world.token_as(DEALER_B).approve(world.clearing.address, UNLIMITED)
    second = clearing.run_cycle()
    assert second is not None and second.status == "settled"
    assert second.claim_id_list() == [ids[1]] and second.cycle_id == 2
    assert_settled_once(world, ids, before)


def test_without_the_gridlock_pass_a_short_payer_settles_nothing(world, fresh_chain, engine):
    ids = world.final_claims(MIXED[:3])
    world.token_as(DEALER_B).approve(world.clearing.address, 0)
    before = balances(world)
    clearing = clearing_engine(world, engine, gridlock=False)

    failed = clearing.run_cycle()
    assert failed is not None and failed.status == "failed" and failed.tx_hash is None
    assert f"{member_id(DEALER_B)}: 20000" in failed.error
    assert world.clearing.cycle_count() == 0 and balances(world) == before
    again = clearing.run_cycle()
    assert again is not None and again.id == failed.id, "the same plan is one row"

    world.token_as(DEALER_B).approve(world.clearing.address, UNLIMITED)
    settled = clearing.run_cycle()
    assert settled is not None and settled.status == "settled" and settled.id == failed.id
    assert settled.error is None and settled.failed_at is None
    assert_settled_once(world, ids, before)
    assert len(stored_cycles(engine)) == 1


# -- claims that change under a plan ----------------------------------------------------------


def test_a_claim_withdrawn_before_signing_fails_the_cycle_and_is_left_out(world, engine):
    ids = world.final_claims(MIXED[:3])
    before = balances(world)
    withdraw = Steps(at="prepared", action=lambda: world.clearing_as(LENDER).withdraw_claim(ids[0]))
    clearing = clearing_engine(world, engine, step=withdraw)

    failed = clearing.run_cycle()
    assert failed is not None and failed.status == "failed"
    assert withdraw == ["prepared", "failed"]
    assert "ClearingClaimNotFinal" in failed.error and f"claimId={ids[0]}" in failed.error
    assert failed.tx_hash is None and world.clearing.cycle_count() == 0

    settled = clearing.run_cycle()
    assert settled is not None and settled.status == "settled"
    assert settled.claim_id_list() == ids[1:]
    assert world.clearing.status_of(ids[0]) is ClaimStatus.WITHDRAWN
    assert_settled_once(world, ids[1:], before)
    assert [c.status for c in stored_cycles(engine)] == ["failed", "settled"]


def test_a_claim_settled_off_chain_after_signing_fails_the_sent_cycle(world, fresh_chain, engine):
    ids = world.final_claims(MIXED[:3])
    before = balances(world)

    def settle_off_chain() -> None:
        world.token_as(BANK).record_off_chain_settlement(
            claim_end_to_end_id(ids[1]),
            world.address(DEALER),
            world.address(LENDER_B),
            300_00,
            ref("bank payment"),
        )
        world.clearing_as(DEALER).settle_off_chain(ids[1])

    steps = Steps(at="signed", action=settle_off_chain)
    clearing = clearing_engine(world, engine, step=steps)

    failed = clearing.run_cycle()
    assert failed is not None and failed.status == "failed"
    assert steps == ["prepared", "signed", "broadcast", "failed"]
    assert "ClearingClaimAlreadySettled" in failed.error
    receipt = fresh_chain.receipt(failed.tx_hash)
    assert receipt is not None and receipt["status"] == 0, "the sent transaction reverted"
    assert world.clearing.cycle_count() == 0

    settled = clearing.run_cycle()
    assert settled is not None and settled.claim_id_list() == [ids[0], ids[2]]
    assert_settled_once(world, [ids[0], ids[2]], before)


# -- resuming ---------------------------------------------------------------------------------


def test_a_prepared_plan_settled_meanwhile_is_recognized_not_sent_again(world, engine):
    ids = world.final_claims(MIXED[:3])
    before = balances(world)
    with pytest.raises(Crash):
        clearing_engine(world, engine, step=Steps(at="prepared", action=crash)).run_cycle()
    other = world.settle(ids, by=LENDER)  # the same plan, sent by someone else

    steps = Steps()
    cycle = clearing_engine(world, engine, step=steps).run_cycle()
    assert cycle is not None and cycle.status == "settled" and steps == ["settled"]
    assert (cycle.tx_hash, cycle.cycle_id, cycle.attempts) == (other.sent.tx_hash, 1, 0)
    assert world.clearing.cycle_count() == 1
    assert_settled_once(world, ids, before)


def test_a_signed_cycle_whose_nonce_was_taken_is_signed_again(world, engine):
    ids = world.final_claims(MIXED[:3])
    before = balances(world)
    with pytest.raises(Crash):
        clearing_engine(world, engine, step=Steps(at="signed", action=crash)).run_cycle()
    (lost,) = stored_cycles(engine)
    # As after a restart: the key's next transaction takes the nonce the stored one carries.
    world.senders[0].nonces.resync()
    world.file_confirmed(LENDER, DEALER, 1_00, label="takes the nonce")

    steps = Steps()
    cycle = clearing_engine(world, engine, step=steps).run_cycle()
    assert cycle is not None and cycle.status == "settled"
    assert steps == ["signed", "broadcast", "settled"]
    assert cycle.attempts == 2 and cycle.tx_hash != lost.tx_hash and cycle.nonce == lost.nonce + 1
    assert world.clearing.cycle_count() == 1
    assert_settled_once(world, ids, before)


def test_a_cycle_in_flight_is_left_signed_and_carried_on_later(world, fresh_chain, engine):
    ids = world.final_claims(MIXED[:2])
    fresh_chain.w3.provider.make_request("evm_setAutomine", [False])
    try:
        cycle = clearing_engine(world, engine, receipt_timeout=0.2).run_cycle()
        assert cycle is not None and cycle.status == "signed"
        steps = Steps()
        resumed = clearing_engine(world, engine, receipt_timeout=0.2, step=steps).trigger(7)
        assert resumed is not None and resumed.status == "signed" and resumed.id == cycle.id
    finally:
        fresh_chain.w3.provider.make_request("evm_setAutomine", [True])
        fresh_chain.w3.provider.make_request("evm_mine", [])
    assert steps == ["broadcast"], "the same bytes went out again"
    done = clearing_engine(world, engine).run_cycle()
    assert done is not None and done.status == "settled" and done.tx_hash == cycle.tx_hash
    assert world.clearing.cycle_count() == 1
    assert [world.clearing.status_of(i) for i in ids] == [ClaimStatus.SETTLED] * 2


# -- the worker -------------------------------------------------------------------------------


def test_the_worker_settles_claims_as_they_become_final(world, engine):
    ids = world.final_claims(MIXED[:3])
    stop = threading.Event()
    clearing = clearing_engine(world, engine, max_claims=2)
    worker = threading.Thread(target=clearing.run, args=(stop, 0.05), daemon=True)
    worker.start()
    try:
        for _ in range(200):
            if [c.status for c in stored_cycles(engine)] == ["settled", "settled"]:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    cycles = stored_cycles(engine)
    assert [c.status for c in cycles] == ["settled", "settled"]
    assert [i for c in cycles for i in c.claim_id_list()] == ids
    assert json.loads(cycles[0].claim_ids) == ids[:2]


def test_a_settled_cycle_whose_block_left_the_chain_is_settled_again_once(
    world, fresh_chain, engine
):
    ids = world.final_claims(MIXED[:3])
    before = balances(world)
    provider = fresh_chain.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    clearing = clearing_engine(world, engine)
    settled = clearing.run_cycle()
    assert settled is not None and settled.status == "settled"
    provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    for _ in range(3):
        provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert world.clearing.cycle_count() == 0, "the settlement is gone from the chain"

    assert clearing.heal() == 1
    assert stored_cycles(engine)[0].status == "signed"
    again = clearing.run_cycle()

    assert again is not None and again.id == settled.id and again.status == "settled"
    assert again.tx_hash == settled.tx_hash, "the same signed bytes landed again"
    assert again.block_hash != settled.block_hash
    assert_settled_once(world, ids, before)
    assert world.clearing.cycle_count() == 1 and len(stored_cycles(engine)) == 1
    assert clearing.heal() == 0
