"""Shared world for the SettlementToken and Clearing contract tests (no tests of its own).

One consortium with lenders, dealers, a collector and a settlement bank; a EUR settlement token
with every trading member funded and the Clearing approved; a Clearing with a one-day dispute
window and a test creator contract on its allow-list. It is built once per test module (inside
its own chain snapshot, reverted when the module ends) and every test runs in a `fresh_chain`
snapshot of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_utils import event_abi_to_log_topic
from web3.contract import Contract

from clearing.netting import NetPlan, NettingClaim, net_plan
from ledger.chain import Address, Chain
from ledger.compiler import Artifacts
from ledger.consortium import ConsortiumClient, Role, deploy_consortium
from ledger.errors import TransactionReverted
from ledger.keys import dev_account
from ledger.nonces import resync_all
from ledger.reverts import ErrorDecoder
from ledger.settlement import (
    Claim,
    ClaimId,
    ClaimKind,
    ClearingClient,
    CycleMember,
    CycleTransfer,
    SettledCycle,
    SettlementTokenClient,
    deploy_clearing,
    deploy_settlement_token,
)
from ledger.transactions import Sender, Sent

# A module-wide world that fresh_chain's evm_snapshot undoes after each test: anvil only.
pytestmark = pytest.mark.anvil

# Dev accounts: 0, 1, 2 govern (GOVERNOR + OPERATOR, quorum 1); the others are admitted in this
# order, so member id = account index + 1; 9 is never a member.
LENDER, LENDER_B, DEALER, COLLECTOR, BANK, DEALER_B, STRANGER = 3, 4, 5, 6, 7, 8, 9
TRADERS = (LENDER, LENDER_B, DEALER, COLLECTOR, DEALER_B)
"""Members funded with tokens that approved the Clearing for everything."""

ADMISSIONS = [
    (LENDER, "Alpha Auto Credit", [Role.LENDER]),
    (LENDER_B, "Beta Motor Finance", [Role.LENDER]),
    (DEALER, "Main Street Motors", [Role.DEALER]),
    (COLLECTOR, "Collections Ltd", [Role.COLLECTOR]),
    (BANK, "Harbour Settlement Bank", [Role.SETTLEMENT_BANK]),
    (DEALER_B, "Riverside Cars", [Role.DEALER]),
]

DISPUTE_WINDOW = 86_400
START_BALANCE = 1_000_000_00  # EUR 1,000,000.00 in cents
UNLIMITED = 2**256 - 1


def ref(label: str) -> bytes:
    """A deterministic 32-byte reference (lien, evidence item, bank reference...)."""
    return hashlib.sha256(label.encode()).digest()


def member_id(index: int) -> int:
    """The member id of dev account `index` in this world."""
    return index + 1


@contextmanager
def reverts(error: str, **arguments: Any) -> Iterator[None]:
    """Expect the block to revert with custom error `error` and exactly these `arguments`."""
    with pytest.raises(TransactionReverted) as caught:
        yield
    assert (caught.value.error, caught.value.arguments) == (error, arguments)


def emitted(contract: Contract, sent: Sent) -> list[tuple[str, dict[str, Any]]]:
    """`contract`'s events in `sent`, in log order, as (name, arguments)."""
    by_topic = {
        event_abi_to_log_topic(item): item["name"]
        for item in contract.abi
        if item["type"] == "event"
    }
    found = []
    for log in sent.receipt["logs"]:
        if log["address"] != contract.address:
            continue
        name = by_topic[bytes(log["topics"][0])]
        found.append((name, dict(getattr(contract.events, name)().process_log(log)["args"])))
    return found


def advance(chain: Chain, seconds: int) -> None:
    """Move the chain's clock forward by `seconds` and mine a block (test-only RPC)."""
    chain.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def next_block_at(chain: Chain, timestamp: int) -> None:
    """Make the next block's timestamp exactly `timestamp` (test-only RPC)."""
    chain.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]


def block_time(chain: Chain, block: int | str = "latest") -> int:
    return int(chain.w3.eth.get_block(block)["timestamp"])


@dataclass
class World:
    chain: Chain
    senders: list[Sender]
    artifacts: Artifacts
    council: ConsortiumClient
    token: SettlementTokenClient
    clearing: ClearingClient
    creator: Contract

    def address(self, index: int) -> Address:
        return self.senders[index].address

    def clearing_as(self, index: int) -> ClearingClient:
        return self.clearing.as_sender(self.senders[index])

    def token_as(self, index: int) -> SettlementTokenClient:
        return self.token.as_sender(self.senders[index])

    def file_confirmed(
        self,
        creditor: int,
        debtor: int,
        amount: int,
        *,
        kind: ClaimKind = ClaimKind.PAYOFF,
        label: str = "lien",
        due_date: int = 0,
    ) -> ClaimId:
        """File a confirmed claim through the test creator contract; return its id."""
        function = self.creator.functions.file(
            self.address(creditor), self.address(debtor), amount, int(kind), ref(label), due_date
        )
        sent = self.senders[0].transact(function)
        (claim_id,) = self.clearing.claims_filed_in(sent.receipt)
        return claim_id

    def final_claims(self, specs: Iterable[tuple[int, int, int]]) -> list[ClaimId]:
        """File (creditor, debtor, amount) claims confirmed, then let their window pass."""
        ids = [
            self.file_confirmed(c, d, a, kind=_kind_for(c), label=f"claim {i}")
            for i, (c, d, a) in enumerate(specs)
        ]
        advance(self.chain, DISPUTE_WINDOW + 1)
        return ids

    def plan(self, claim_ids: Sequence[int]) -> NetPlan:
        """The net plan of the claims with these ids, as read from the chain."""
        wanted = set(claim_ids)
        return net_plan(netting_claims(c for c in self.clearing.claims() if c.id in wanted))

    def cycle_args(self, plan: NetPlan) -> tuple[list[CycleMember], list[CycleTransfer]]:
        """The plan's members (current addresses) and transfers (by index), for `settle_cycle`."""
        members = [
            CycleMember(address=self.council.member(p.member).address, position=p.amount)
            for p in plan.positions
        ]
        index = plan.member_index()
        transfers = [
            CycleTransfer(from_index=index[t.payer], to_index=index[t.payee], amount=t.amount)
            for t in plan.transfers
        ]
        return members, transfers

    def settle(self, claim_ids: Sequence[int], *, by: int = 0) -> SettledCycle:
        """Net the claims and settle them in one cycle, sent by dev account `by`."""
        plan = self.plan(claim_ids)
        members, transfers = self.cycle_args(plan)
        return self.clearing_as(by).settle_cycle(plan.plan_hash, plan.claim_ids, members, transfers)


def netting_claims(claims: Iterable[Claim]) -> list[NettingClaim]:
    return [
        NettingClaim(id=c.id, creditor=c.creditor_id, debtor=c.debtor_id, amount=c.amount)
        for c in claims
    ]


def _kind_for(creditor: int) -> ClaimKind:
    """A kind the creditor's role may file."""
    if creditor in (LENDER, LENDER_B):
        return ClaimKind.PAYOFF
    if creditor == COLLECTOR:
        return ClaimKind.COLLECTION_FEE
    return ClaimKind.OTHER


@pytest.fixture(scope="session")
def senders(chain: Chain, errors: ErrorDecoder, operator: Sender) -> list[Sender]:
    """One sender per anvil dev account; index i signs with dev_account(i)."""
    return [operator, *(Sender(chain, dev_account(i), errors=errors) for i in range(1, 10))]


def build_world(chain: Chain, senders: list[Sender], artifacts: Artifacts) -> World:
    operator = senders[0]
    council = deploy_consortium(
        operator, artifacts, [s.address for s in senders[:3]], ["Alpha", "Beta", "Gamma"], 1
    )
    for index, name, roles in ADMISSIONS:
        council.execute(council.propose_admit(senders[index].address, name, roles))
    token = deploy_settlement_token(
        operator,
        artifacts,
        council.address,
        name="AutoLedger Euro Deposit",
        symbol="ALEUR",
        currency="EUR",
    )
    clearing = deploy_clearing(
        operator, artifacts, council.address, token.address, dispute_window=DISPUTE_WINDOW
    )
    creator_address, _ = operator.deploy(artifacts["ClearingTestCreator"], [clearing.address])
    creator = operator.contract(creator_address, artifacts["ClearingTestCreator"].abi)
    clearing.set_creator(creator_address, True)
    bank = token.as_sender(senders[BANK])
    for index in TRADERS:
        bank.mint(senders[index].address, START_BALANCE, ref(f"deposit {index}"))
        token.as_sender(senders[index]).approve(clearing.address, UNLIMITED)
    return World(
        chain=chain,
        senders=senders,
        artifacts=artifacts,
        council=council,
        token=token,
        clearing=clearing,
        creator=creator,
    )


@pytest.fixture(scope="module")
def built_world(chain: Chain, senders: list[Sender], artifacts: Artifacts) -> Iterator[World]:
    """The world, built once per module in a snapshot that is reverted after the module."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield build_world(chain, senders, artifacts)
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    resync_all()


@pytest.fixture
def world(built_world: World, fresh_chain: Chain) -> World:
    """The world, with every change the test makes reverted when it ends."""
    return built_world
