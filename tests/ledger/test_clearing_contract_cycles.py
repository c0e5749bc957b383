"""Clearing cycles and off-chain settlement: net plans checked on chain, all or nothing, once."""

from __future__ import annotations

import pytest
from eth_account import Account

from clearing.netting import net_plan, resolve_gridlock
from ledger.consortium import Role
from ledger.errors import NonceConsumed
from ledger.settlement import (
    ClaimKind,
    ClaimStatus,
    Cycle,
    CycleMember,
    CycleTransfer,
    claim_end_to_end_id,
    deploy_clearing,
    end_to_end_id_bytes,
)
from ledger.transactions import Sender
from tests.ledger import test_settlement_world as shared
from tests.ledger.test_settlement_world import (
    BANK,
    COLLECTOR,
    DEALER,
    DEALER_B,
    DISPUTE_WINDOW,
    LENDER,
    LENDER_B,
    START_BALANCE,
    STRANGER,
    TRADERS,
    UNLIMITED,
    advance,
    block_time,
    emitted,
    member_id,
    netting_claims,
    ref,
    reverts,
)

pytestmark = pytest.mark.anvil  # anvil_setBalance and time travel

# The shared world's fixtures.
built_world, senders, world = shared.built_world, shared.senders, shared.world

ZERO = bytes(32)
BLOCK_GAS_LIMIT = 30_000_000
GAS_PER_CLAIM_GOAL = 12_000

# A multilateral set: (creditor, debtor, amount in cents).
MIXED = [
    (LENDER, DEALER, 400_00),
    (LENDER_B, DEALER, 300_00),
    (LENDER, DEALER_B, 200_00),
    (COLLECTOR, LENDER, 50_00),
    (DEALER, LENDER_B, 120_00),
    (LENDER_B, DEALER_B, 80_00),
]


def balances(world) -> dict[int, int]:
    return {i: world.token.balance_of(world.address(i)) for i in TRADERS}


def statuses(world, claim_ids) -> list[ClaimStatus]:
    return [world.clearing.status_of(i) for i in claim_ids]


# -- settling ---------------------------------------------------------------------------------


def test_a_cycle_settles_final_claims_moving_only_net_amounts(world, fresh_chain):
    ids = world.final_claims(MIXED)
    plan = world.plan(ids)
    before = balances(world)
    settled = world.settle(ids, by=LENDER)

    assert settled.cycle_id == 1
    positions = {p.member: p.amount for p in plan.positions}
    for index, balance in balances(world).items():
        assert balance - before[index] == positions.get(member_id(index), 0)
    assert statuses(world, ids) == [ClaimStatus.SETTLED] * len(ids)
    gross = sum(amount for _, _, amount in MIXED)
    # Payers: dealer -580, dealer B -280; receivers: lender 550, lender B 260, collector 50.
    assert (plan.gross, plan.net, len(plan.transfers)) == (gross, 860_00, 4)
    assert world.clearing.cycle(1) == Cycle(
        id=1,
        plan_hash=plan.plan_hash,
        block_number=settled.sent.block_number,
        timestamp=block_time(fresh_chain, settled.sent.block_number),
        claim_count=len(ids),
        transfer_count=4,
        gross=gross,
        net=860_00,
    )
    assert world.clearing.cycle(2) is None
    assert world.clearing.cycle_id_of(plan.plan_hash) == 1 and world.clearing.cycle_count() == 1
    assert emitted(world.clearing.contract, settled.sent) == [
        (
            "CycleSettled",
            {
                "cycleId": 1,
                "planHash": plan.plan_hash,
                "by": world.address(LENDER),
                "gross": gross,
                "net": 860_00,
                "transferCount": 4,
                "claimIds": list(ids),
            },
        )
    ]
    moved = [
        (args["from"], args["to"], args["value"])
        for name, args in emitted(world.token.contract, settled.sent)
        if name == "Transfer"
    ]
    address_of = {member_id(i): world.address(i) for i in TRADERS}
    assert moved == [(address_of[t.payer], address_of[t.payee], t.amount) for t in plan.transfers]


def test_a_claim_never_settles_twice(world):
    ids = world.final_claims(MIXED[:3])
    plan = world.plan(ids)
    members, transfers = world.cycle_args(plan)
    world.clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
    before = balances(world)
    with reverts("ClearingPlanAlreadySettled", planHash=plan.plan_hash, cycleId=1):
        world.clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
    with reverts("ClearingClaimAlreadySettled", claimId=ids[0]):
        world.clearing.settle_cycle(ref("another hash"), plan.claim_ids, members, transfers)
    (fresh,) = world.final_claims([(LENDER, DEALER, 10_00)])
    with reverts("ClearingClaimAlreadySettled", claimId=ids[1]):
        world.settle([fresh, ids[1]])
    # The same claim twice in one cycle.
    single = world.plan([fresh])
    members, transfers = world.cycle_args(single)
    doubled = [CycleMember(address=m.address, position=2 * m.position) for m in members]
    (t,) = transfers
    twice = [CycleTransfer(from_index=t.from_index, to_index=t.to_index, amount=2 * t.amount)]
    with reverts("ClearingClaimAlreadySettled", claimId=fresh):
        world.clearing.settle_cycle(ref("twice"), [fresh, fresh], doubled, twice)
    with reverts("ClearingClaimAlreadySettled", claimId=ids[2]):
        world.clearing_as(DEALER).settle_off_chain(ids[2])
    assert balances(world) == before
    assert world.clearing.status_of(fresh) is ClaimStatus.FINAL


def test_only_final_and_due_claims_settle(world, fresh_chain):
    (final,) = world.final_claims([(LENDER, DEALER, 100_00)])
    filed = world.clearing_as(LENDER).file_claim(
        world.address(DEALER), 1_00, ClaimKind.PAYOFF, ref("filed")
    )
    disputed = world.file_confirmed(LENDER, DEALER, 3_00, label="disputed")
    world.clearing_as(DEALER).dispute(disputed, ref("dispute evidence"))
    withdrawn = world.file_confirmed(LENDER, DEALER, 4_00, label="withdrawn")
    world.clearing_as(LENDER).withdraw_claim(withdrawn)
    due_date = block_time(fresh_chain) + 30 * 86_400
    not_due = world.file_confirmed(LENDER, DEALER, 5_00, label="later", due_date=due_date)
    advance(fresh_chain, DISPUTE_WINDOW + 1)
    confirmed = world.file_confirmed(LENDER, DEALER, 2_00, label="still in its window")
    cases = [
        (filed, ClaimStatus.FILED),
        (confirmed, ClaimStatus.CONFIRMED),
        (disputed, ClaimStatus.DISPUTED),
        (withdrawn, ClaimStatus.WITHDRAWN),
        (999, ClaimStatus.NONE),
    ]
    for claim_id, status in cases:
        with reverts("ClearingClaimNotFinal", claimId=claim_id, status=status):
            world.clearing.settle_cycle(
                ref("plan"), [final, claim_id], *world.cycle_args(world.plan([final]))
            )
    assert world.clearing.status_of(not_due) is ClaimStatus.FINAL
    with reverts("ClearingClaimNotDue", claimId=not_due, dueDate=due_date):
        world.settle([final, not_due])
    # The dispute blocks settlement until it is resolved in the claim's favour.
    world.clearing.resolve_dispute(disputed, upheld=True, decision=ref("decision"))
    world.settle([final, disputed])
    assert statuses(world, [final, disputed]) == [ClaimStatus.SETTLED] * 2
    advance(fresh_chain, 30 * 86_400)
    world.settle([not_due])


def test_the_plan_must_match_the_claims(world):
    ids = world.final_claims(MIXED)
    plan = world.plan(ids)
    members, transfers = world.cycle_args(plan)
    before = balances(world)
    settle = world.clearing.settle_cycle
    h = plan.plan_hash

    def with_position(i, position):
        return [
            CycleMember(address=m.address, position=position if j == i else m.position)
            for j, m in enumerate(members)
        ]

    # Positions that do not sum to zero.
    shifted = with_position(0, members[0].position + 1)
    with reverts("ClearingPositionsUnbalanced", sum=1):
        settle(h, ids, shifted, transfers)
    # Balanced positions that are not the claims' (moving 1 cent between two members).
    swapped = [
        CycleMember(address=m.address, position=m.position + (1 if j == 0 else -1 if j == 1 else 0))
        for j, m in enumerate(members)
    ]
    first = plan.positions[0]
    with reverts(
        "ClearingPositionMismatch",
        memberId=first.member,
        actual=first.amount,
        planned=first.amount + 1,
    ):
        settle(h, ids, swapped, transfers)
    # A party missing from the list: the highest member id, or one below it.
    last = plan.positions[-1]
    assert last.amount != 0
    claim_of_last = next(
        c.id for c in world.clearing.claims() if last.member in (c.creditor_id, c.debtor_id)
    )
    moved = with_position(0, members[0].position + last.amount)[:-1]
    with reverts("ClearingMemberNotInPlan", claimId=claim_of_last, memberId=last.member):
        settle(h, ids, moved, [])
    inner = next(i for i, p in enumerate(plan.positions[:-1]) if p.amount != 0)
    dropped = plan.positions[inner]
    without = [m for j, m in enumerate(members) if j != inner]
    with reverts("ClearingPositionsUnbalanced", sum=-dropped.amount):
        settle(h, ids, without, [])
    compensated = with_position(len(members) - 1, last.amount + dropped.amount)
    compensated = [m for j, m in enumerate(compensated) if j != inner]
    with reverts(
        "ClearingPositionMismatch",
        memberId=plan.positions[-1].member,
        actual=last.amount,
        planned=last.amount + dropped.amount,
    ):
        settle(h, ids, compensated, [])
    # Transfers: too many, the wrong way round, out of range, nothing, or not all of it.
    extra = [*transfers, transfers[0]]
    payers_and_receivers = sum(1 for p in plan.positions if p.amount)
    with reverts("ClearingTooManyTransfers", transfers=len(extra), max=payers_and_receivers - 1):
        settle(h, ids, members, extra)
    t0 = transfers[0]
    for bad in (
        CycleTransfer(from_index=t0.to_index, to_index=t0.from_index, amount=t0.amount),
        CycleTransfer(from_index=len(members), to_index=t0.to_index, amount=t0.amount),
        CycleTransfer(from_index=t0.from_index, to_index=t0.to_index, amount=0),
        CycleTransfer(from_index=t0.from_index, to_index=t0.to_index, amount=10**30),
    ):
        with reverts("ClearingInvalidTransfer", index=0):
            settle(h, ids, members, [bad, *transfers[1:]])
    short = [
        CycleTransfer(from_index=t0.from_index, to_index=t0.to_index, amount=t0.amount - 1),
        *transfers[1:],
    ]
    # The first member in list order that is left with something unmoved is named.
    first = min(t0.from_index, t0.to_index)
    sign = -1 if first == t0.from_index else 1
    with reverts("ClearingTransfersMismatch", memberId=plan.members[first], remaining=sign):
        settle(h, ids, members, short)
    with reverts(
        "ClearingTransfersMismatch", memberId=plan.members[first], remaining=sign * t0.amount
    ):
        settle(h, ids, members, transfers[1:])
    # Nothing happened; the right plan still settles.
    assert balances(world) == before
    assert statuses(world, ids) == [ClaimStatus.FINAL] * len(ids)
    settle(h, ids, members, transfers)


def test_the_member_list_and_cycle_size_are_checked(world):
    ids = world.final_claims(MIXED[:2])
    plan = world.plan(ids)
    members, transfers = world.cycle_args(plan)
    settle = world.clearing.settle_cycle
    with reverts("ClearingZeroHash"):
        settle(ZERO, ids, members, transfers)
    with reverts("ClearingEmptyCycle"):
        settle(plan.plan_hash, [], members, transfers)
    with reverts("ClearingCycleTooLarge", claims=2_001, members=3, max=2_000, maxMembers=64):
        settle(plan.plan_hash, list(range(1, 2_002)), members, transfers)
    crowd = [CycleMember(address=world.address(0), position=0)] * 65
    with reverts("ClearingCycleTooLarge", claims=2, members=65, max=2_000, maxMembers=64):
        settle(plan.plan_hash, ids, crowd, [])
    reversed_members = members[::-1]
    with reverts("ClearingMembersNotAscending", index=1):
        settle(plan.plan_hash, ids, reversed_members, transfers)
    with reverts("ClearingMembersNotAscending", index=1):
        settle(plan.plan_hash, ids, [members[0], members[0], *members[1:]], transfers)
    stranger = CycleMember(address=world.address(STRANGER), position=0)
    with reverts("ClearingUnknownMember", index=3, account=world.address(STRANGER)):
        settle(plan.plan_hash, ids, [*members, stranger], transfers)
    # Members with a zero position may be listed; the transfer indexes then shift.
    idle = CycleMember(address=world.address(0), position=0)
    shifted = [
        CycleTransfer(from_index=t.from_index + 1, to_index=t.to_index + 1, amount=t.amount)
        for t in transfers
    ]
    world.clearing.settle_cycle(plan.plan_hash, ids, [idle, *members], shifted)


def test_only_operators_and_lenders_settle_cycles(world):
    ids = world.final_claims(MIXED[:2])
    for index in (DEALER, COLLECTOR, BANK):
        with reverts("ConsortiumMissingRole", account=world.address(index), role=Role.LENDER.id):
            world.settle(ids, by=index)
    with reverts("ConsortiumMemberNotActive", account=world.address(STRANGER)):
        world.settle(ids, by=STRANGER)
    world.council.execute(world.council.propose_suspend(world.address(LENDER_B)))
    with reverts("ConsortiumMemberNotActive", account=world.address(LENDER_B)):
        world.settle(ids, by=LENDER_B)
    world.settle(ids, by=1)  # a governor holding OPERATOR


# -- insufficient funds and the gridlock pass -------------------------------------------------


def test_a_payer_short_of_funds_settles_nothing_and_gridlock_defers_the_fewest(world):
    ids = world.final_claims(
        [
            (LENDER, DEALER, 400_00),
            (LENDER_B, DEALER, 300_00),
            (LENDER, DEALER_B, 200_00),
            (COLLECTOR, LENDER, 50_00),
        ]
    )
    dealer = world.token_as(DEALER)
    dealer.transfer(world.address(DEALER_B), START_BALANCE - 350_00)  # the dealer keeps 350
    before = balances(world)
    # The dealer owes 700 net; the first transfer (largest payer to largest receiver) is 550.
    with reverts(
        "ERC20InsufficientBalance", sender=world.address(DEALER), balance=350_00, needed=550_00
    ):
        world.settle(ids)
    assert balances(world) == before
    assert statuses(world, ids) == [ClaimStatus.FINAL] * 4
    assert world.clearing.cycle_count() == 0

    claims = netting_claims(world.clearing.claim(i) for i in ids)
    clearing = world.clearing.address
    available = {
        member_id(i): min(
            world.token.balance_of(world.address(i)),
            world.token.allowance(world.address(i), clearing),
        )
        for i in TRADERS
    }
    resolution = resolve_gridlock(claims, available)
    assert resolution.optimal
    assert [c.id for c in resolution.deferred] == [ids[0]]  # 400 alone brings 700 down to 300
    world.settle([c.id for c in resolution.settle])
    assert statuses(world, ids) == [ClaimStatus.FINAL] + [ClaimStatus.SETTLED] * 3
    assert world.token.balance_of(world.address(DEALER)) == 50_00


def test_a_payer_short_of_allowance_settles_nothing(world):
    ids = world.final_claims(MIXED[:3])
    world.token_as(DEALER).approve(world.clearing.address, 100)
    plan = world.plan(ids)
    first = plan.transfers[0]
    assert first.payer == member_id(DEALER)
    with reverts(
        "ERC20InsufficientAllowance",
        spender=world.clearing.address,
        allowance=100,
        needed=first.amount,
    ):
        world.settle(ids)
    assert statuses(world, ids) == [ClaimStatus.FINAL] * 3
    world.token_as(DEALER).approve(world.clearing.address, UNLIMITED)
    world.settle(ids)


# -- hostile tokens ---------------------------------------------------------------------------


def _clearing_with(world, token_name):
    """A Clearing on a test token, with a creator contract and two final claims."""
    operator, artifacts = world.senders[0], world.artifacts
    token_address, _ = operator.deploy(artifacts[token_name])
    token = operator.contract(token_address, artifacts[token_name].abi)
    clearing = deploy_clearing(
        operator, artifacts, world.council.address, token_address, dispute_window=DISPUTE_WINDOW
    )
    creator_address, _ = operator.deploy(artifacts["ClearingTestCreator"], [clearing.address])
    clearing.set_creator(creator_address, True)
    creator = operator.contract(creator_address, artifacts["ClearingTestCreator"].abi)
    for amount in (100, 40):
        operator.transact(
            creator.functions.file(
                world.address(LENDER), world.address(DEALER), amount, 0, ref(f"lien {amount}"), 0
            )
        )
    advance(world.chain, DISPUTE_WINDOW + 1)
    plan = net_plan(netting_claims(clearing.claims()))
    members, transfers = world.cycle_args(plan)
    return token, clearing, plan, members, transfers


def test_a_token_that_returns_false_settles_nothing(world):
    token, clearing, plan, members, transfers = _clearing_with(world, "ClearingTestFalseToken")
    with reverts("SafeERC20FailedOperation", token=token.address):
        clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
    assert [c.status for c in clearing.claims()] == [ClaimStatus.FINAL] * 2
    assert clearing.cycle_count() == 0


def test_a_token_that_re_enters_the_clearing_is_stopped(world):
    token, clearing, plan, members, transfers = _clearing_with(world, "ClearingTestReentrantToken")
    operator = world.senders[0]
    data = clearing.settle_cycle_tx(plan.plan_hash, plan.claim_ids, members, transfers)["data"]
    for reentry in (data, clearing.contract.functions.settleOffChain(1)._encode_transaction_data()):
        operator.transact(token.functions.setReentry(clearing.address, reentry))
        with reverts("ReentrancyGuardReentrantCall"):
            clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
        assert [c.status for c in clearing.claims()] == [ClaimStatus.FINAL] * 2
    # Without the re-entry the same token settles normally.
    operator.transact(token.functions.setReentry("0x" + "00" * 20, b""))
    operator.transact(token.functions.mint(world.address(DEALER), 140))
    dealer = Sender(world.chain, world.senders[DEALER].account, errors=operator.errors)
    dealer.transact(token.functions.approve(clearing.address, 140))
    clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
    assert token.functions.balanceOf(world.address(LENDER)).call() == 140


# -- key rotation -----------------------------------------------------------------------------


def test_a_cycle_moves_money_from_and_to_the_members_current_keys(world, fresh_chain):
    ids = world.final_claims([(LENDER, DEALER, 500_00)])
    new_key = Account.from_key(ref("dealer's rotated key"))
    fresh_chain.w3.provider.make_request("anvil_setBalance", [new_key.address, hex(10**18)])
    world.council.as_sender(world.senders[DEALER]).rotate_key(new_key.address)
    old = world.address(DEALER)
    world.token_as(DEALER).transfer(new_key.address, START_BALANCE)
    rotated = Sender(fresh_chain, new_key, errors=world.senders[0].errors)
    world.token.as_sender(rotated).approve(world.clearing.address, UNLIMITED)

    plan = world.plan(ids)
    members, transfers = world.cycle_args(plan)
    assert [m.address for m in members] == [world.address(LENDER), new_key.address]
    stale = [members[0], CycleMember(address=old, position=members[1].position)]
    with reverts("ClearingUnknownMember", index=1, account=old):
        world.clearing.settle_cycle(plan.plan_hash, plan.claim_ids, stale, transfers)
    world.clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
    assert world.token.balance_of(new_key.address) == START_BALANCE - 500_00
    assert world.token.balance_of(world.address(LENDER)) == START_BALANCE + 500_00


# -- off-chain settlement ---------------------------------------------------------------------


def test_a_claim_settles_off_chain_on_the_banks_record(world):
    (claim_id,) = world.final_claims([(LENDER, DEALER, 750_00)])
    bank, dealer = world.token_as(BANK), world.clearing_as(DEALER)
    e2e = claim_end_to_end_id(claim_id)
    with reverts(
        "ClearingNoOffChainSettlement", claimId=claim_id, endToEndId=end_to_end_id_bytes(e2e)
    ):
        dealer.settle_off_chain(claim_id)
    sent = bank.record_off_chain_settlement(
        e2e, world.address(DEALER), world.address(LENDER), 750_00, ref("SEPA 0042")
    )
    assert sent.receipt["status"] == 1
    before = balances(world)
    settled = dealer.settle_off_chain(claim_id)
    assert emitted(dealer.contract, settled) == [
        (
            "ClaimSettledOffChain",
            {
                "claimId": claim_id,
                "endToEndId": end_to_end_id_bytes(e2e),
                "bankId": member_id(BANK),
                "bankReference": ref("SEPA 0042"),
            },
        )
    ]
    assert dealer.status_of(claim_id) is ClaimStatus.SETTLED
    assert balances(world) == before
    with reverts("ClearingClaimAlreadySettled", claimId=claim_id):
        dealer.settle_off_chain(claim_id)
    with reverts("ClearingClaimAlreadySettled", claimId=claim_id):
        world.settle([claim_id])


def test_off_chain_settlement_needs_a_matching_record_of_a_final_claim(world):
    wrong_amount, wrong_parties = world.final_claims(
        [(LENDER, DEALER, 100_00), (LENDER, DEALER, 200_00)]
    )
    bank = world.token_as(BANK)
    bank.record_off_chain_settlement(
        claim_end_to_end_id(wrong_amount),
        world.address(DEALER),
        world.address(LENDER),
        99_99,
        ref("bank 1"),
    )
    bank.record_off_chain_settlement(
        claim_end_to_end_id(wrong_parties),
        world.address(LENDER),
        world.address(DEALER),
        200_00,
        ref("bank 2"),
    )
    for claim_id in (wrong_amount, wrong_parties):
        with reverts(
            "ClearingNoOffChainSettlement",
            claimId=claim_id,
            endToEndId=end_to_end_id_bytes(claim_end_to_end_id(claim_id)),
        ):
            world.clearing.settle_off_chain(claim_id)
    pending = world.file_confirmed(LENDER, DEALER, 1_00, label="pending")
    with reverts("ClearingClaimNotFinal", claimId=pending, status=ClaimStatus.CONFIRMED):
        world.clearing.settle_off_chain(pending)
    with reverts("ConsortiumMemberNotActive", account=world.address(STRANGER)):
        world.clearing_as(STRANGER).settle_off_chain(wrong_amount)
    with reverts("ClearingUnknownClaim", claimId=99):
        world.clearing.settle_off_chain(99)


# -- gas --------------------------------------------------------------------------------------


def _file_many(world, count, members, amount_of):
    """File `count` confirmed claims among dev accounts `members`, 250 a transaction."""
    creditors, debtors, amounts = [], [], []
    for i in range(count):
        creditor = members[i % len(members)]
        debtor = members[(i * 7 + 1) % len(members)]
        if debtor == creditor:
            debtor = members[(members.index(creditor) + 1) % len(members)]
        creditors.append(world.address(creditor))
        debtors.append(world.address(debtor))
        amounts.append(amount_of(i))
    first = world.clearing.claim_count() + 1
    for start in range(0, count, 250):
        end = start + 250
        world.senders[0].transact(
            world.creator.functions.fileMany(
                creditors[start:end],
                debtors[start:end],
                amounts[start:end],
                int(ClaimKind.OTHER),
                ref(f"batch {start}"),
            )
        )
    advance(world.chain, DISPUTE_WINDOW + 1)
    return list(range(first, first + count))


def test_a_cycle_costs_less_than_12000_gas_per_claim(world):
    ids = _file_many(world, 300, list(TRADERS), lambda i: 1_00 + i)
    gas = int(world.settle(ids).sent.receipt["gasUsed"])
    assert gas / len(ids) < GAS_PER_CLAIM_GOAL


def test_the_largest_cycle_stays_under_half_the_block_gas_limit(world):
    cap = world.clearing.max_claims_per_cycle()
    ids = _file_many(world, cap, list(TRADERS), lambda i: 1 + i % 977)
    gas = int(world.settle(ids).sent.receipt["gasUsed"])
    assert gas < BLOCK_GAS_LIMIT // 2
    assert statuses(world, [ids[0], ids[-1]]) == [ClaimStatus.SETTLED] * 2


@pytest.mark.parametrize("amount", [1, 2**96 - 1])
def test_extreme_amounts_settle_exactly(world, amount):
    huge = world.file_confirmed(LENDER, DEALER_B, amount, label="huge")
    advance(world.chain, DISPUTE_WINDOW + 1)
    if amount > START_BALANCE:
        world.token_as(BANK).mint(world.address(DEALER_B), amount, ref("big deposit"))
    before = world.token.balance_of(world.address(LENDER))
    world.settle([huge])
    assert world.clearing.status_of(huge) is ClaimStatus.SETTLED
    assert world.token.balance_of(world.address(LENDER)) == before + amount


def test_a_signed_cycle_transaction_is_recognized_after_a_lost_receipt(world):
    # What an outbox does: sign first, store, broadcast; after a crash, recognize the cycle.
    ids = world.final_claims(MIXED[:3])
    plan = world.plan(ids)
    members, transfers = world.cycle_args(plan)
    tx = world.clearing.settle_cycle_tx(plan.plan_hash, plan.claim_ids, members, transfers)
    signed = world.senders[0].sign(tx)
    assert world.clearing.cycle_id_of(plan.plan_hash) is None
    world.senders[0].broadcast(signed)
    receipt = world.chain.wait_for_receipt(signed.tx_hash)
    with pytest.raises(NonceConsumed):  # once mined, the same bytes cannot be mined again
        world.senders[0].broadcast(signed)
    assert world.clearing.cycle_settled_in(receipt) == 1
    assert world.clearing.cycle_id_of(plan.plan_hash) == 1
    with reverts("ClearingPlanAlreadySettled", planHash=plan.plan_hash, cycleId=1):
        world.clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
