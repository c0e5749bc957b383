"""The clearing engine: final claims → a net plan → one `settleCycle` transaction, exactly once.

Crash safety comes from the order of durable steps, each committed before the next starts (the
same outbox pattern as `notary.anchoring`):

1. *prepared*: the plan is stored — its claims, members (with the addresses they had then),
   transfers and its hash. The plan hash is unique in the table and, on chain, the `Clearing`
   contract settles a plan hash at most once (``ClearingPlanAlreadySettled``) and a claim at
   most once (``ClearingClaimAlreadySettled``).
2. *signed*: the signed transaction's bytes, hash and nonce are stored (the outbox).
3. broadcast; *settled* once its receipt is final (the chain's finality depth), with the
   contract's cycle id, block and time.

A process killed anywhere resumes its unfinished cycle before planning a new one: it looks the
stored transaction up on chain, re-broadcasts the very same bytes, or recognizes the plan as
settled with `ClearingClient.cycle_id_of` (then finds the transaction from the ``CycleSettled``
log). When the stored transaction can never be mined (another transaction took its nonce and
the plan is not settled), the plan is signed again. A plan the contract refuses — a claim was
disputed, withdrawn or settled off chain since planning, a payer's funds went, a member's key
changed — is marked *failed*: nothing of it settled, and the next cycle plans again from what
the chain says then. So no claim and no net amount can ever move twice.

Several engines may share one database (service replicas): every status change is a
compare-and-set on the row, and two engines planning the same claims produce the same plan
hash, which the table accepts once.

The gridlock pass (on by default, ``gridlock=False`` turns it off): when a net payer's balance
or allowance to the `Clearing` falls short, `clearing.netting.resolve_gridlock` defers the
fewest claims needed for the rest to settle; the deferred claims are recorded with the cycle
and wait for the next one. With the pass off, such a plan is recorded as failed, naming the
short payers, and nothing is sent.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update
from web3.exceptions import BlockNotFound
from web3.types import TxReceipt

from clearing.errors import ClearingError
from clearing.models import ClearingCycle, CycleStatus, CycleTrigger
from clearing.netting import NetPlan, NettingClaim, net_plan, resolve_gridlock
from ledger.chain import RECEIPT_TIMEOUT, Address, Chain, TxHash
from ledger.consortium import ConsortiumClient
from ledger.errors import NonceConsumed, TransactionDropped, TransactionReverted, TransactionTimeout
from ledger.models import utcnow
from ledger.settlement import (
    Claim,
    ClaimStatus,
    ClearingClient,
    CycleId,
    CycleMember,
    CycleTransfer,
    SettlementTokenClient,
)
from ledger.transactions import SignedTx

log = logging.getLogger("autoledger.clearing")

DEFAULT_MAX_CLAIMS = 2_000
"""Claims per cycle unless told otherwise: the contract's own cap (`MAX_CLAIMS_PER_CYCLE`),
sized so the largest cycle stays under half of a 30 M gas block. The engine never exceeds the
contract's cap; chains with a smaller block gas limit should pass a smaller `max_claims`."""

DEFAULT_INTERVAL = 60.0
"""Seconds between scheduled cycles: claims become final a dispute window (days) after
confirmation, so a minute adds nothing noticeable to their wait."""

MAX_ATTEMPTS = 5
"""Transactions signed for one plan before it is given up as failed. A plan is signed again
only when another transaction took its nonce; five such losses in a row mean something else
uses the key and needs a person's attention."""

_TERMINAL = {ClaimStatus.SETTLED, ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED}
_UNFINISHED = (CycleStatus.PREPARED, CycleStatus.SIGNED)


class CycleStateConflict(ClearingError):
    """The database and the chain disagree about a plan (e.g. the database records it settled
    while the chain shows its claims unsettled: a reorg past the finality depth, or a database
    kept across a chain reset). `.plan_hash` names it."""

    def __init__(self, plan_hash: str, message: str) -> None:
        self.plan_hash = plan_hash
        super().__init__(f"plan {plan_hash}: {message}")


@dataclass(frozen=True, kw_only=True)
class CyclePlan:
    """What the next cycle would settle, as read from the chain.

    `plan` nets `claims` (ascending id); it has no claims when the gridlock pass deferred them
    all. `addresses` maps each member of the plan to its current address. `shortfalls` maps each
    net payer that could not pay its position before the gridlock pass to the amount it lacked;
    `deferred` are the claims the pass held back (ascending id), `gridlock_optimal` whether the
    pass proved no smaller set of deferred claims works.
    """

    plan: NetPlan
    claims: tuple[Claim, ...]
    addresses: Mapping[int, Address]
    shortfalls: Mapping[int, int] = field(default_factory=dict)
    deferred: tuple[int, ...] = ()
    gridlock_optimal: bool = True


class ClearingEngine:
    """Settles final claims in clearing cycles, one cycle at a time, each exactly once.

    `clearing` must act as an active OPERATOR or LENDER member (the contract's rule for
    `settleCycle`); its key signs every cycle. `token` is read for the payers' balances and
    allowances, `consortium` for the members' current addresses. `max_claims` caps a cycle
    below the contract's own cap; `gridlock` turns the gridlock pass on (default) or off.
    `step` is called after each durable step with its name (``prepared``, ``signed``,
    ``broadcast``, ``settled``, ``failed``), for progress and for crash tests.
    `receipt_timeout` is how long one call waits for a cycle's transaction before leaving it in
    flight (still *signed*) for the next call.

    Thread-safe: `run_cycle`, `trigger` and `run` take a lock, so the API may trigger cycles
    while the worker thread runs.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        clearing: ClearingClient,
        token: SettlementTokenClient,
        consortium: ConsortiumClient,
        max_claims: int = DEFAULT_MAX_CLAIMS,
        gridlock: bool = True,
        step: Callable[[str], None] = lambda _: None,
        receipt_timeout: float = RECEIPT_TIMEOUT,
    ) -> None:
        if max_claims < 1:
            raise ValueError(f"max_claims must be >= 1, got {max_claims}")
        self.engine = engine
        self.clearing = clearing
        self.token = token
        self.consortium = consortium
        self.sender = clearing.sender
        self.chain: Chain = clearing.sender.chain
        self.max_claims = max_claims
        self.gridlock = gridlock
        self.step = step
        self.receipt_timeout = receipt_timeout
        self._lock = threading.Lock()
        self._caps: tuple[int, int] | None = None
        # Claims below this id are all settled, withdrawn or rejected: statuses that never
        # change again (short of a reorg past the finality depth), so scans start here.
        self._scan_from = 1

    # -- one cycle ----------------------------------------------------------------------------

    def run_cycle(self) -> ClearingCycle | None:
        """Carry the unfinished cycle, or plan and settle a new one (trigger ``schedule``).

        Returns the cycle it worked on: *settled*; *failed* (nothing of it settled; see its
        `error`); or still *signed* when its transaction was not final within
        `receipt_timeout` (the next call carries it on). None when nothing can settle now.
        Chain and database errors propagate; the stored state stays consistent and the next
        call resumes.
        """
        with self._lock:
            self.heal()
            unfinished = self._unfinished()
            if unfinished is not None:
                return self._carry(unfinished)
            return self._new_cycle(CycleTrigger.SCHEDULE, None)

    def trigger(self, member_id: int) -> ClearingCycle | None:
        """Run a cycle now on member `member_id`'s request, recorded as its trigger.

        Finishes any unfinished cycle first (returning it if it is still in flight), then plans
        a new one. Returns the new cycle as `run_cycle` does, or None when nothing can settle.
        Who may trigger is the caller's decision (the API lets lenders).
        """
        with self._lock:
            self.heal()
            unfinished = self._unfinished()
            if unfinished is not None:
                carried = self._carry(unfinished)
                if carried.status == CycleStatus.SIGNED:
                    return carried
            return self._new_cycle(CycleTrigger.MEMBER, member_id)

    def plan_next(self) -> CyclePlan | None:
        """What a new cycle would settle now, read from the chain; nothing is stored or sent.

        Takes the final, due, unsettled claims in id order up to the cycle caps (claims and
        members), nets them, and checks each net payer's balance and allowance to the Clearing;
        with the gridlock pass on, defers the fewest claims needed. None when no claim is final.
        """
        candidates = self._settleable()
        max_claims, max_members = self._cycle_caps()
        chosen: list[Claim] = []
        parties: set[int] = set()
        for claim in candidates:
            if len(chosen) == max_claims:
                break
            new = {claim.creditor_id, claim.debtor_id} - parties
            if len(parties) + len(new) > max_members:
                continue  # its parties do not fit in this cycle: it waits for the next
            chosen.append(claim)
            parties |= new
        if not chosen:
            return None
        plan = net_plan(_netting(chosen))
        addresses = {m: self.consortium.member(m).address for m in plan.members}
        payers = [p.member for p in plan.positions if p.amount < 0]
        available = self._available({m: addresses[m] for m in payers})
        shortfalls = {
            p.member: -p.amount - available[p.member]
            for p in plan.positions
            if p.amount < 0 and -p.amount > available[p.member]
        }
        deferred: tuple[int, ...] = ()
        optimal = True
        if shortfalls and self.gridlock:
            # Deferring a claim can turn its creditor into a payer: know what everyone can pay.
            others = {m: a for m, a in addresses.items() if m not in available}
            available.update(self._available(others))
            resolution = resolve_gridlock(_netting(chosen), available)
            keep = {c.id for c in resolution.settle}
            deferred = tuple(c.id for c in resolution.deferred)
            optimal = resolution.optimal
            chosen = [c for c in chosen if c.id in keep]
            plan = net_plan(_netting(chosen))
            addresses = {m: addresses[m] for m in plan.members}
        return CyclePlan(
            plan=plan,
            claims=tuple(chosen),
            addresses=addresses,
            shortfalls=shortfalls,
            deferred=deferred,
            gridlock_optimal=optimal,
        )

    def heal(self) -> int:
        """Reopen settled cycles whose block left the canonical chain (a node reloaded an
        older state, a deep reorg): each goes back to *signed*, so its stored transaction is
        broadcast again, or, when its nonce was taken, the plan is found settled or signed
        again (`_send`). Checks the newest settled cycle's block (one look-up) and walks down
        only when it left. Returns how many cycles reopened."""
        reopened = 0
        with Session(self.engine) as session:
            settled = session.exec(
                select(ClearingCycle)
                .where(
                    ClearingCycle.status == CycleStatus.SETTLED,
                    col(ClearingCycle.block_number).is_not(None),
                )
                .order_by(col(ClearingCycle.block_number).desc())
            ).all()
        for cycle in settled:
            assert cycle.id is not None and cycle.block_number is not None
            try:
                block = self.chain.rpc(self.chain.w3.eth.get_block, cycle.block_number)
                canonical = "0x" + bytes(block["hash"]).hex() == cycle.block_hash
            except BlockNotFound:
                canonical = False
            if canonical:
                break  # every block below a canonical block is canonical too
            log.warning(
                "cycle of plan %s: its block %s left the chain; settling it again",
                cycle.plan_hash,
                cycle.block_number,
            )
            if self._transition(
                cycle.id, (CycleStatus.SETTLED,), status=CycleStatus.SIGNED.value, settled_at=None
            ):
                reopened += 1
        return reopened

    # -- the worker ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, interval: float = DEFAULT_INTERVAL) -> None:
        """Run cycles every `interval` seconds until `stop` is set.

        After a cycle settles the next one starts at once (more claims may wait beyond the
        caps); after anything else the worker waits. Errors are logged and retried next round.
        """
        while not stop.is_set():
            try:
                cycle = self.run_cycle()
                if cycle is not None and cycle.status == CycleStatus.SETTLED:
                    continue
            except Exception:  # keep the worker alive; the next round resumes
                log.exception("clearing round failed")
            stop.wait(interval)

    # -- planning -----------------------------------------------------------------------------

    def _cycle_caps(self) -> tuple[int, int]:
        if self._caps is None:
            contract_claims = self.clearing.max_claims_per_cycle()
            self._caps = (
                min(self.max_claims, contract_claims),
                self.clearing.max_members_per_cycle(),
            )
        return self._caps

    def _settleable(self) -> list[Claim]:
        """Claims that are final, due and unsettled now, ascending id."""
        claims = self.clearing.claims(self._scan_from)
        block = self.chain.rpc(self.chain.w3.eth.get_block, "latest")
        now = int(block["timestamp"])
        open_ids = [c.id for c in claims if c.status not in _TERMINAL]
        if open_ids:
            self._scan_from = open_ids[0]
        elif claims:
            self._scan_from = claims[-1].id + 1
        return [c for c in claims if c.is_final and c.due_date <= now]

    def _available(self, addresses: Mapping[int, Address]) -> dict[int, int]:
        """What each member (id -> address) can pay now: the lesser of its balance and its
        allowance to the Clearing (the contract pulls net amounts with `transferFrom`)."""
        return {
            member_id: min(
                self.token.balance_of(address),
                self.token.allowance(address, self.clearing.address),
            )
            for member_id, address in addresses.items()
        }

    def _new_cycle(self, trigger: CycleTrigger, member_id: int | None) -> ClearingCycle | None:
        proposal = self.plan_next()
        if proposal is None:
            return None
        if not proposal.plan.claim_ids:
            log.warning(
                "no cycle: every final claim waits for funds (short: %s; deferred: %s)",
                _show_amounts(proposal.shortfalls),
                list(proposal.deferred),
            )
            return None
        failure = None
        if proposal.shortfalls and not self.gridlock:
            failure = "net payers lack balance or allowance (member: amount short): " + (
                _show_amounts(proposal.shortfalls)
            )
        cycle = self._store(proposal, trigger, member_id, failure)
        if cycle.status in _UNFINISHED:
            return self._carry(cycle)
        return cycle

    def _store(
        self,
        proposal: CyclePlan,
        trigger: CycleTrigger,
        member_id: int | None,
        failure: str | None,
    ) -> ClearingCycle:
        """Store the plan as a *prepared* cycle (or a *failed* one, with `failure`).

        A plan hash seen before is one row: a failed attempt of the same plan is reused; an
        unfinished one (another engine's) is returned to be carried on.
        """
        plan_hash = proposal.plan.plan_hash.hex()
        now = utcnow()
        values: dict[str, Any] = {
            **self._plan_columns(proposal),
            "trigger": trigger.value,
            "triggered_by": member_id,
            "status": (CycleStatus.FAILED if failure else CycleStatus.PREPARED).value,
            "error": failure,
            "created_at": now,
            "failed_at": now if failure else None,
        }
        with Session(self.engine) as session:
            existing = session.exec(
                select(ClearingCycle).where(ClearingCycle.plan_hash == plan_hash)
            ).first()
            if existing is None:
                cycle = ClearingCycle(plan_hash=plan_hash, **values)
                session.add(cycle)
                try:
                    session.commit()
                except IntegrityError:  # another engine stored the same plan just now
                    session.rollback()
                    existing = session.exec(
                        select(ClearingCycle).where(ClearingCycle.plan_hash == plan_hash)
                    ).one()
                else:
                    session.refresh(cycle)
                    self.step("failed" if failure else "prepared")
                    return cycle
        assert existing.id is not None
        if existing.status == CycleStatus.SETTLED:
            raise CycleStateConflict(
                plan_hash,
                f"recorded settled as cycle {existing.cycle_id}, yet its claims are final and"
                " unsettled on chain",
            )
        if existing.status == CycleStatus.FAILED:
            reset = {
                **values,
                "attempts": 0,
                "tx_hash": None,
                "raw_tx": None,
                "nonce": None,
                "signed_at": None,
                "block_number": None,
                "block_hash": None,
                "block_time": None,
            }
            if self._transition(existing.id, (CycleStatus.FAILED,), **reset):
                self.step("failed" if failure else "prepared")
        return self._load(existing.id)

    def _plan_columns(self, proposal: CyclePlan) -> dict[str, Any]:
        plan = proposal.plan
        claims = [
            {
                "id": int(c.id),
                "creditor": int(c.creditor_id),
                "debtor": int(c.debtor_id),
                "amount": str(c.amount),
                "kind": c.kind.name.lower(),
                "reference": c.reference.hex(),
                "due_date": c.due_date,
            }
            for c in proposal.claims
        ]
        members = [
            {"member": p.member, "address": proposal.addresses[p.member], "position": str(p.amount)}
            for p in plan.positions
        ]
        transfers = [
            {"from": t.payer, "to": t.payee, "amount": str(t.amount)} for t in plan.transfers
        ]
        return {
            "chain_id": self.chain.chain_id,
            "clearing_address": self.clearing.address,
            "sender_address": self.sender.address,
            "plan_json": plan.canonical_json().decode("utf-8"),
            "claim_ids": _json(list(plan.claim_ids)),
            "claims_json": _json(claims),
            "members_json": _json(members),
            "transfers_json": _json(transfers),
            "deferred_claim_ids": _json(list(proposal.deferred)),
            "claim_count": len(plan.claim_ids),
            "transfer_count": len(plan.transfers),
            "gross": str(plan.gross),
            "net": str(plan.net),
        }

    # -- carrying a cycle to the end ----------------------------------------------------------

    def _carry(self, cycle: ClearingCycle) -> ClearingCycle:
        # prepared → signed → settled, plus a few re-signings after lost nonces.
        for _ in range(2 * MAX_ATTEMPTS + 2):
            if cycle.status == CycleStatus.PREPARED:
                cycle = self._sign(cycle)
            elif cycle.status == CycleStatus.SIGNED:
                after = self._send(cycle)
                if after.status == CycleStatus.SIGNED:
                    return after  # still in flight: the next call carries it on
                cycle = after
            else:
                return cycle
        return cycle

    def _sign(self, cycle: ClearingCycle) -> ClearingCycle:
        assert cycle.id is not None
        plan_hash = bytes.fromhex(cycle.plan_hash)
        settled = self.clearing.cycle_id_of(plan_hash)
        if settled is not None:
            return self._adopt(cycle, settled)
        members = cycle.members()
        index = {m["member"]: i for i, m in enumerate(members)}
        tx = self.clearing.settle_cycle_tx(
            plan_hash,
            cycle.claim_id_list(),
            [CycleMember(address=m["address"], position=m["position"]) for m in members],
            [
                CycleTransfer(
                    from_index=index[t["from"]], to_index=index[t["to"]], amount=t["amount"]
                )
                for t in cycle.transfers()
            ],
        )
        try:
            # estimates first: a refused plan reverts here
            signed = self.sender.sign(tx, purpose="settleCycle")
        except TransactionReverted as exc:
            if exc.error == "ClearingPlanAlreadySettled":
                return self._adopt(cycle, CycleId(int(exc.arguments["cycleId"])))
            return self._fail(cycle, f"settleCycle refused at signing: {exc}")
        try:
            stored = self._transition(
                cycle.id,
                (CycleStatus.PREPARED,),
                status=CycleStatus.SIGNED.value,
                tx_hash=signed.tx_hash,
                raw_tx=signed.raw.hex(),
                nonce=signed.nonce,
                attempts=cycle.attempts + 1,
                signed_at=utcnow(),
            )
        except BaseException:
            self.sender.nonces.resync()  # the nonce was never used: do not leave a gap
            raise
        if not stored:  # another engine signed it first; ours is never sent
            self.sender.nonces.resync()
            return self._load(cycle.id)
        self.step("signed")
        return self._load(cycle.id)

    def _send(self, cycle: ClearingCycle) -> ClearingCycle:
        assert cycle.id is not None and cycle.tx_hash is not None and cycle.raw_tx is not None
        tx_hash = TxHash(cycle.tx_hash)
        plan_hash = bytes.fromhex(cycle.plan_hash)
        if self.chain.receipt(tx_hash) is None:
            signed = SignedTx(
                raw=bytes.fromhex(cycle.raw_tx),
                tx_hash=tx_hash,
                nonce=-1 if cycle.nonce is None else cycle.nonce,
            )
            try:
                self.sender.broadcast(signed)
            except NonceConsumed:
                if self.chain.receipt(tx_hash) is None:
                    settled = self.clearing.cycle_id_of(plan_hash)
                    if settled is not None:
                        return self._adopt(cycle, settled)
                    return self._back_to_prepared(cycle, "its nonce was taken")
            self.step("broadcast")
        try:
            receipt = self.chain.wait_for_receipt(tx_hash, timeout=self.receipt_timeout)
        except (TransactionTimeout, TransactionDropped) as exc:
            log.warning("cycle of plan %s still in flight: %s", cycle.plan_hash, exc)
            return cycle
        if receipt["status"] != 1:
            settled = self.clearing.cycle_id_of(plan_hash)
            if settled is not None:  # another engine's transaction settled this plan first
                return self._adopt(cycle, settled)
            failure = self.sender.explain_failure(tx_hash, receipt)
            return self._fail(cycle, f"settleCycle {tx_hash} failed: {failure}")
        cycle_id = self.clearing.cycle_settled_in(receipt)
        if cycle_id is None:
            return self._fail(cycle, f"settleCycle {tx_hash} emitted no CycleSettled event")
        return self._record(cycle, cycle_id, receipt)

    def _adopt(self, cycle: ClearingCycle, cycle_id: CycleId) -> ClearingCycle:
        """The plan is settled on chain (an earlier attempt landed): record that transaction."""
        on_chain = self.clearing.cycle(cycle_id)
        if on_chain is None:
            raise CycleStateConflict(cycle.plan_hash, f"cycle {cycle_id} is not on chain")
        logs = self.clearing.contract.events.CycleSettled().get_logs(
            from_block=on_chain.block_number,
            to_block=on_chain.block_number,
            argument_filters={"planHash": bytes.fromhex(cycle.plan_hash)},
        )
        if not logs:
            raise CycleStateConflict(
                cycle.plan_hash, f"cycle {cycle_id} is settled but its CycleSettled log is missing"
            )
        tx_hash = TxHash("0x" + bytes(logs[0]["transactionHash"]).hex())
        log.info(
            "plan %s was already settled as cycle %s by %s", cycle.plan_hash, cycle_id, tx_hash
        )
        receipt = self.chain.wait_for_receipt(tx_hash, timeout=self.receipt_timeout)
        return self._record(cycle, cycle_id, receipt)

    def _record(self, cycle: ClearingCycle, cycle_id: CycleId, receipt: TxReceipt) -> ClearingCycle:
        assert cycle.id is not None
        block = self.chain.rpc(self.chain.w3.eth.get_block, receipt["blockNumber"])
        self.sender.make_durable(int(receipt["blockNumber"]))
        recorded = self._transition(
            cycle.id,
            _UNFINISHED,
            status=CycleStatus.SETTLED.value,
            cycle_id=int(cycle_id),
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            block_hash="0x" + bytes(block["hash"]).hex(),
            block_time=datetime.fromtimestamp(int(block["timestamp"]), UTC),
            settled_at=utcnow(),
            error=None,
        )
        if recorded:
            self.step("settled")
        return self._load(cycle.id)

    def _fail(self, cycle: ClearingCycle, why: str) -> ClearingCycle:
        assert cycle.id is not None
        log.warning("cycle of plan %s failed: %s", cycle.plan_hash, why)
        if self._transition(
            cycle.id, _UNFINISHED, status=CycleStatus.FAILED.value, error=why, failed_at=utcnow()
        ):
            self.step("failed")
        return self._load(cycle.id)

    def _back_to_prepared(self, cycle: ClearingCycle, why: str) -> ClearingCycle:
        assert cycle.id is not None
        self.sender.nonces.resync()
        if cycle.attempts >= MAX_ATTEMPTS:
            return self._fail(cycle, f"gave up after {cycle.attempts} transactions: {why}")
        log.warning("cycle of plan %s is signed again: %s", cycle.plan_hash, why)
        self._transition(
            cycle.id,
            (CycleStatus.SIGNED,),
            status=CycleStatus.PREPARED.value,
            tx_hash=None,
            raw_tx=None,
            nonce=None,
            signed_at=None,
        )
        return self._load(cycle.id)

    # -- storage ------------------------------------------------------------------------------

    def _unfinished(self) -> ClearingCycle | None:
        with Session(self.engine) as session:
            return session.exec(
                select(ClearingCycle)
                .where(col(ClearingCycle.status).in_([s.value for s in _UNFINISHED]))
                .order_by(col(ClearingCycle.id))
            ).first()

    def _load(self, cycle_pk: int) -> ClearingCycle:
        with Session(self.engine) as session:
            return session.get_one(ClearingCycle, cycle_pk)

    def _transition(
        self, cycle_pk: int, from_statuses: Collection[CycleStatus], **values: Any
    ) -> bool:
        """Set `values` on cycle `cycle_pk` if its status is one of `from_statuses` (a
        compare-and-set, so two engines never both move a cycle on); whether it did."""
        with Session(self.engine) as session:
            result = session.exec(
                update(ClearingCycle)
                .where(
                    col(ClearingCycle.id) == cycle_pk,
                    col(ClearingCycle.status).in_([s.value for s in from_statuses]),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return bool(result.rowcount == 1)


def _netting(claims: Sequence[Claim]) -> list[NettingClaim]:
    return [
        NettingClaim(id=c.id, creditor=c.creditor_id, debtor=c.debtor_id, amount=c.amount)
        for c in claims
    ]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _show_amounts(amounts: Mapping[int, int]) -> str:
    return ", ".join(f"{member}: {amount}" for member, amount in sorted(amounts.items()))
