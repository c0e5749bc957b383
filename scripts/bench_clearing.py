"""Settle one clearing cycle of N final claims among M members on a fresh anvil; print its figures.

Default: 1,000 claims among 20 members (goals: at most 19 transfers, at most 12,000 gas per
claim). `--worst-case` measures the largest cycle the contract allows instead: its claim cap
among its member cap, every receiver paid into an empty balance, which must stay under half of
the 30,000,000 block gas limit.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from clearing.netting import NettingClaim, net_plan
from ledger.chain import Chain
from ledger.compiler import Artifacts, compile_contracts
from ledger.consortium import ConsortiumClient, Role, deploy_consortium
from ledger.keys import dev_account
from ledger.node import EmbeddedNode, find_anvil
from ledger.reverts import ErrorDecoder
from ledger.settlement import (
    ClaimKind,
    ClaimStatus,
    CycleMember,
    CycleTransfer,
    deploy_clearing,
    deploy_settlement_token,
)
from ledger.transactions import Sender

ROOT = Path(__file__).resolve().parents[1]
BLOCK_GAS_LIMIT = 30_000_000
DISPUTE_WINDOW = 3600
FILE_BATCH = 200
"""Claims filed per creator transaction (about 60,000 gas each: well inside a block)."""
KINDS = [ClaimKind.PAYOFF, ClaimKind.CURTAILMENT, ClaimKind.INTEREST, ClaimKind.FEE]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, help="default 1,000 (worst case: the cap)")
    parser.add_argument("--members", type=int, help="default 20 (worst case: the cap)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--worst-case",
        action="store_true",
        help="the contract's claim and member caps, receivers starting from empty balances",
    )
    args = parser.parse_args()
    artifacts = compile_contracts(
        ROOT / "contracts",
        node_modules=ROOT / "node_modules",
        cache_dir=ROOT / "var" / "test-build",
        extra_sources=[ROOT / "tests" / "contracts"],
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedNode(
            anvil=find_anvil(ROOT / "node_modules"), log_file=Path(tmp) / "anvil.log"
        ) as node,
    ):
        run(Chain(node.url), artifacts, args)


def run(chain: Chain, artifacts: Artifacts, args: argparse.Namespace) -> None:
    errors = ErrorDecoder(artifacts.all_abis())
    operator = Sender(chain, dev_account(0), errors=errors)
    bank_sender = Sender(chain, dev_account(1), errors=errors)
    council = deploy_consortium(operator, artifacts, [operator.address], ["Operator"], 1)
    _admit(council, bank_sender.address, "Settlement Bank", [Role.SETTLEMENT_BANK])
    token = deploy_settlement_token(
        operator, artifacts, council.address, name="Bench Euro", symbol="BEUR", currency="EUR"
    )
    clearing = deploy_clearing(
        operator, artifacts, council.address, token.address, dispute_window=DISPUTE_WINDOW
    )
    creator_address, _ = operator.deploy(artifacts["ClearingTestCreator"], [clearing.address])
    creator = operator.contract(creator_address, artifacts["ClearingTestCreator"].abi)
    clearing.set_creator(creator_address, True)

    claims_wanted = args.claims or (clearing.max_claims_per_cycle() if args.worst_case else 1_000)
    member_count = args.members or (clearing.max_members_per_cycle() if args.worst_case else 20)
    keys = [_member_key(i) for i in range(member_count)]
    for i, key in enumerate(keys):
        chain.w3.provider.make_request("anvil_setBalance", [key.address, hex(10**20)])  # type: ignore[arg-type]
        _admit(council, key.address, f"Member {i + 1}", [Role.LENDER, Role.DEALER])

    rng = random.Random(args.seed)
    specs = _claims(rng, claims_wanted, member_count, worst_case=args.worst_case)
    owed = [0] * member_count
    for _, debtor, amount in specs:
        owed[debtor] += amount
    bank = token.as_sender(bank_sender)
    for i, key in enumerate(keys):
        if owed[i]:
            bank.mint(key.address, owed[i], hashlib.sha256(f"deposit {i}".encode()).digest())
            member = Sender(chain, key, errors=errors)
            token.as_sender(member).approve(clearing.address, owed[i])

    started = time.perf_counter()
    for batch, start in enumerate(range(0, len(specs), FILE_BATCH)):
        chunk = specs[start : start + FILE_BATCH]
        operator.transact(
            creator.functions.fileMany(
                [keys[c].address for c, _, _ in chunk],
                [keys[d].address for _, d, _ in chunk],
                [a for _, _, a in chunk],
                int(KINDS[batch % len(KINDS)]),
                hashlib.sha256(f"batch {batch}".encode()).digest(),
            )
        )
    filing = time.perf_counter() - started
    chain.w3.provider.make_request("evm_increaseTime", [DISPUTE_WINDOW + 1])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    # The cycle, as the clearing engine runs it: read the final claims, net them, settle.
    started = time.perf_counter()
    claims = clearing.claims()
    read_done = time.perf_counter()
    plan = net_plan(
        NettingClaim(id=c.id, creditor=c.creditor_id, debtor=c.debtor_id, amount=c.amount)
        for c in claims
        if c.status is ClaimStatus.FINAL
    )
    plan_done = time.perf_counter()
    address_of = {p.member: council.member(p.member).address for p in plan.positions}
    index = plan.member_index()
    members = [CycleMember(address=address_of[p.member], position=p.amount) for p in plan.positions]
    transfers = [
        CycleTransfer(from_index=index[t.payer], to_index=index[t.payee], amount=t.amount)
        for t in plan.transfers
    ]
    settle_started = time.perf_counter()
    settled = clearing.settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)
    finished = time.perf_counter()

    gas = int(settled.sent.receipt["gasUsed"])
    settled_all = all(c.status is ClaimStatus.SETTLED for c in clearing.claims())
    # Member index i has member id i + 3 (after the operator and the bank); it started with
    # exactly what it owes and must end with that plus its net position.
    balances_ok = all(
        token.balance_of(address_of[p.member]) == owed[p.member - 3] + p.amount
        for p in plan.positions
    )
    nonzero = sum(1 for p in plan.positions if p.amount)
    per_claim = gas / len(plan.claim_ids)
    mode = "worst case (caps)" if args.worst_case else "default"
    print(
        f"cycle:            {len(plan.claim_ids)} final claims among {len(members)} members"
        f" [{mode}]"
    )
    print(f"transfers:        {len(plan.transfers)} (goal <= {max(nonzero - 1, 0)} = members - 1)")
    print(f"gas:              {gas:,} total, {per_claim:,.0f} per claim (goal <= 12,000)")
    print(
        f"block gas share:  {gas / BLOCK_GAS_LIMIT:.1%} of {BLOCK_GAS_LIMIT:,}"
        f" (cap keeps the largest cycle under 50%)"
    )
    print(f"gross / net:      {plan.gross:,} / {plan.net:,} = {plan.gross / plan.net:.1f}x")
    print(
        f"wall time:        {finished - started:.2f} s for the cycle (read claims"
        f" {read_done - started:.2f} s, net {(plan_done - read_done) * 1000:.0f} ms, settle"
        f" transaction {finished - settle_started:.2f} s); filing took {filing:.2f} s"
    )
    print(f"plan hash:        {plan.plan_hash.hex()}")
    print(f"all settled:      {settled_all}; balances moved by net positions: {balances_ok}")


def _admit(council: ConsortiumClient, address: str, name: str, roles: list[Role]) -> None:
    council.execute(council.propose_admit(address, name, roles))


def _member_key(index: int) -> LocalAccount:
    account: LocalAccount = Account.from_key(
        hashlib.sha256(f"bench clearing member {index}".encode()).digest()
    )
    return account


def _claims(
    rng: random.Random, count: int, members: int, *, worst_case: bool
) -> list[tuple[int, int, int]]:
    """(creditor, debtor, amount in cents) by member index.

    Default: any member may owe any other. Worst case: the first half only pay and the second
    half only receive (from empty balances), with amounts that give greedy netting no exact
    matches, so it needs members - 1 transfers.
    """
    specs = []
    half = members // 2
    for i in range(count):
        if worst_case:
            debtor = i % half
            creditor = half + rng.randrange(members - half)
        else:
            creditor, debtor = rng.sample(range(members), 2)
        specs.append((creditor, debtor, rng.randrange(100_00, 50_000_00)))
    return specs


if __name__ == "__main__":
    main()
