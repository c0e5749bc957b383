"""Clearing services behind the claim, cycle and settlement routes and the CLI: references, who
sees which claim and cycle, payoff claims on sales, overdue curtailment claims, lien releases
after settlement, reports and pacs.008 payment instructions.

What is automatic (nothing here changes the contracts):

- A dealer's sale report through `file_sale_payoffs` (``POST /v1/lines/{id}/payoff-claims``)
  files each sold vehicle's payoff claim from the line's lender on the dealer, with the VIN hash
  (the floor plan's lien key) as reference, and confirms it with the dealer's own transaction
  in the same request. The lender's and the dealer's keys must be held by this service (demo
  members); without the lender's, nothing is filed; without the dealer's, the claim stays
  filed and the dealer confirms it with its EIP-712 signature.
- After a cycle settles, wherever it ran (the worker, the API, the CLI), `release_settled_liens`
  releases the lien of every payoff claim it settled, signed by the lender (`on_engine_step`).
- `file_overdue_curtailments` (``autoledger clearing file-overdue``, or
  ``POST /v1/claims/overdue-curtailments``) files one curtailment claim per overdue schedule
  step, idempotently: its reference commits to the lien and the step (`curtailment_reference`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from clearing.claim_index import claims as indexed_claims
from clearing.engine import ClearingEngine, Outlook
from clearing.instructions import Party, PaymentInstruction, pacs008
from clearing.models import ClearingCycle, CycleStatus
from clearing.reports import cycle_end_to_end_id, cycle_report
from ledger.consortium import Member, Principal, Role
from ledger.errors import Conflict, Forbidden, NotFound, TransactionReverted, Unprocessable
from ledger.financing import BPS
from ledger.floorplan import BATCH_SIZE, Line, Vehicle, VehicleStatus
from ledger.inventory import Runtime as FinancingRuntime
from ledger.inventory import chain_now, floor_plan_index, hex32
from ledger.logs import iter_events
from ledger.settlement import (
    Claim,
    ClaimKind,
    ClaimStatus,
    ClearingClient,
    SettlementTokenClient,
    claim_end_to_end_id,
)
from ledger.transactions import Sender, Sent

log = logging.getLogger("autoledger.clearing")

CLAIM_READERS_OF_ALL = frozenset({Role.REGULATOR, Role.OPERATOR, Role.GOVERNOR})
"""Who sees every claim: regulators read everything, governance resolves disputes between any
members. Everyone else sees the claims it is creditor or debtor of."""

CYCLE_READERS_OF_ALL = CLAIM_READERS_OF_ALL | {Role.SETTLEMENT_BANK}
"""Who sees every cycle in full, and every member's balance: the claim readers, and settlement
banks (they pay and confirm transfers for any member that settles off chain). Everyone else
sees the cycles it took part in (or triggered), reduced to its own claims and transfers."""

KIND_NAMES = {kind: kind.name.lower() for kind in ClaimKind}
"""How claim kinds are named in the API: payoff, curtailment, interest, fee, collection_fee,
other."""

STATE_NAMES = {status: status.name.lower() for status in ClaimStatus if status}
"""How claim states are named in the API: filed, confirmed, final, disputed, settled,
withdrawn, rejected."""

FILERS = {
    ClaimKind.PAYOFF: Role.LENDER,
    ClaimKind.CURTAILMENT: Role.LENDER,
    ClaimKind.INTEREST: Role.LENDER,
    ClaimKind.FEE: Role.LENDER,
    ClaimKind.COLLECTION_FEE: Role.COLLECTOR,
}
"""The role that files each kind through the API (the contract's rule; `other` claims are not
offered)."""

CURTAILMENT_REFERENCE_LABEL = b"autoledger/curtailment-claim/v1"
"""Domain label of `curtailment_reference`."""


class Runtime(FinancingRuntime, Protocol):
    """What the clearing services use of a started service (`api.runtime.Runtime` is one): the
    financing parts, and the clearing contracts, engine and database."""

    @property
    def engine(self) -> Engine: ...

    @property
    def clearing_client(self) -> ClearingClient: ...

    @property
    def token(self) -> SettlementTokenClient: ...

    @property
    def clearing_engine(self) -> ClearingEngine: ...

    def sender_for(self, address: str) -> Sender: ...


_CLAIM_E2E = re.compile(r"CLM-([1-9][0-9]{0,27})")
_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}")


# -- references ---------------------------------------------------------------------------------


def reference_bytes(text: str, what: str = "reference") -> bytes:
    """A 32-byte on-chain reference from ``0x`` + 64 hex digits (taken as is) or from text of
    at most 32 bytes in UTF-8 (left-aligned, zero padded: a bank's own reference, say).

    Raises `Unprocessable` for empty or longer text, and for all-zero bytes (the contracts
    refuse a zero reference).
    """
    if _HEX32.fullmatch(text):
        raw = bytes.fromhex(text[2:])
    else:
        encoded = text.encode()
        if not 1 <= len(encoded) <= 32:
            raise Unprocessable(
                f"{what} must be 0x + 64 hex digits or 1..32 bytes of text, got {text!r}"
            )
        raw = encoded.ljust(32, b"\0")
    if not any(raw):
        raise Unprocessable(f"{what} must not be zero")
    return raw


def curtailment_reference(vin_hash: bytes, disbursed_at: int, step: int) -> bytes:
    """The reference of the curtailment claim for schedule step `step` (from 1) of the lien on
    `vin_hash` disbursed at `disbursed_at`: SHA-256 of a domain label, the VIN hash, the
    disbursement time (8 bytes) and the step (2 bytes). One claim per lien and step, so filing
    again finds it; a later lien on the same VIN has another disbursement time."""
    return hashlib.sha256(
        CURTAILMENT_REFERENCE_LABEL
        + bytes(vin_hash)
        + disbursed_at.to_bytes(8, "big")
        + step.to_bytes(2, "big")
    ).digest()


# -- claims -------------------------------------------------------------------------------------


def sees_all_claims(principal: Principal) -> bool:
    """Whether `principal` may read every member's claims."""
    return bool(principal.roles & CLAIM_READERS_OF_ALL)


def sees_all_cycles(principal: Principal) -> bool:
    """Whether `principal` may read every cycle in full and every member's balance."""
    return bool(principal.roles & CYCLE_READERS_OF_ALL)


def read_claim(clearing: ClearingClient, claim_id: int) -> Claim | None:
    """Claim `claim_id`, or None if it was never filed."""
    try:
        return clearing.claim(claim_id)
    except TransactionReverted as exc:
        if exc.error == "ClearingUnknownClaim":
            return None
        raise


def visible_claim(runtime: Runtime, principal: Principal, claim_id: int) -> Claim:
    """Claim `claim_id` if the caller is its creditor or debtor or reads every claim; 404
    otherwise, as if it did not exist."""
    claim = read_claim(runtime.clearing_client, claim_id)
    if claim is None or not (
        sees_all_claims(principal) or principal.member_id in (claim.creditor_id, claim.debtor_id)
    ):
        raise NotFound(f"no claim {claim_id}")
    return claim


def debtor_claim(runtime: Runtime, principal: Principal, claim_id: int) -> Claim:
    """Claim `claim_id` if the caller is its debtor (404 if it may not see it, 409 otherwise)."""
    claim = visible_claim(runtime, principal, claim_id)
    if claim.debtor_id != principal.member_id:
        raise Conflict(f"only the debtor of claim {claim_id} (member {claim.debtor_id}) does this")
    return claim


def dispute_as_debtor(
    runtime: Runtime, principal: Principal, claim_id: int, evidence: bytes
) -> Claim:
    """Dispute claim `claim_id` as its debtor, citing `evidence` (an evidence item's leaf hash
    or a 32-byte reference): 404 if the caller may not see it, 409 if it is not the debtor;
    the contract's refusals (window closed, not disputable now) raise `TransactionReverted`.
    The claim as it is after the dispute."""
    debtor_claim(runtime, principal, claim_id)
    clearing = runtime.clearing_client.as_sender(runtime.sender_for(principal.address))
    clearing.dispute(claim_id, evidence)
    return visible_claim(runtime, principal, claim_id)


def withdraw_dispute_as_debtor(runtime: Runtime, principal: Principal, claim_id: int) -> Claim:
    """Withdraw the caller's dispute of claim `claim_id` (its debtor): the claim stands and is
    final at once. 404 if the caller may not see it, 409 if it is not the debtor; the
    contract's refusal (not disputed) raises `TransactionReverted`. The claim as it is after."""
    debtor_claim(runtime, principal, claim_id)
    clearing = runtime.clearing_client.as_sender(runtime.sender_for(principal.address))
    clearing.withdraw_dispute(claim_id)
    return visible_claim(runtime, principal, claim_id)


def withdraw_as_creditor(runtime: Runtime, principal: Principal, claim_id: int) -> Claim:
    """Withdraw claim `claim_id` as its creditor (any time before it settles): 404 if the
    caller may not see it, 409 if it is not the creditor; the contract's refusals (settled,
    already withdrawn) raise `TransactionReverted`. The claim as it is after."""
    creditor_claim(runtime, principal, claim_id)
    clearing = runtime.clearing_client.as_sender(runtime.sender_for(principal.address))
    clearing.withdraw_claim(claim_id)
    return visible_claim(runtime, principal, claim_id)


def creditor_claim(runtime: Runtime, principal: Principal, claim_id: int) -> Claim:
    """Claim `claim_id` if the caller is its creditor (404 if it may not see it, 409 otherwise)."""
    claim = visible_claim(runtime, principal, claim_id)
    if claim.creditor_id != principal.member_id:
        raise Conflict(
            f"only the creditor of claim {claim_id} (member {claim.creditor_id}) does this"
        )
    return claim


def claims_of(
    runtime: Runtime,
    *,
    member_id: int | None,
    states: Collection[ClaimStatus] = (),
    kinds: Collection[ClaimKind] = (),
    as_party: str | None = None,
) -> list[Claim]:
    """Every claim (member `member_id`'s as creditor or debtor, or, with None, everyone's) in
    one of `states` and `kinds` (any when empty), ascending id.

    `as_party` (``creditor`` or ``debtor``) keeps only the claims where the member is that
    party. One query on the claims read model (`clearing.claim_index`), brought up to the
    chain's latest block first, with the status as of that block's time.
    """
    block = runtime.fresh_block()
    return indexed_claims(
        runtime.engine,
        runtime.chain.chain_id,
        now=runtime.block_time(block),
        member_id=member_id,
        as_party=as_party if member_id is not None else None,
        kinds=kinds,
        states=states,
    )


def member_of(runtime: Runtime, member_id: int, what: str = "member") -> Member:
    """Member `member_id`; `Unprocessable` naming `what` if there is none."""
    try:
        return runtime.consortium.member(member_id)
    except TransactionReverted as exc:
        raise Unprocessable(f"no {what} {member_id}") from exc


def file_claim(
    runtime: Runtime,
    principal: Principal,
    *,
    debtor_id: int,
    amount: int,
    kind: ClaimKind,
    reference: bytes,
    due_date: int = 0,
) -> Claim:
    """File a claim of the caller on member `debtor_id`, signed with the caller's key.

    Raises `Forbidden` unless the caller holds the role that files `kind` (`FILERS`),
    `Unprocessable` for an unknown debtor, `Conflict` when this service lacks the caller's
    key; the contract's reverts (the debtor inactive, the caller itself...) propagate.
    """
    role = FILERS.get(kind)
    if role is None or role not in principal.roles:
        filer = role.value if role is not None else "no member through the API"
        raise Forbidden(f"{KIND_NAMES[kind]} claims are filed by {filer} members")
    debtor = member_of(runtime, debtor_id, "debtor member")
    clearing = runtime.clearing_client.as_sender(runtime.sender_for(principal.address))
    claim_id = clearing.file_claim(debtor.address, amount, kind, reference, due_date=due_date)
    return runtime.clearing_client.claim(claim_id)


def claim_filed_at(runtime: Runtime, claim_id: int) -> int:
    """Block time at which claim `claim_id` was filed (from its ``ClaimFiled`` log)."""
    clearing = runtime.clearing_client
    logs = iter_events(
        runtime.chain,
        clearing.contract.events.ClaimFiled(),
        argument_filters={"claimId": claim_id},
        from_block=runtime.contracts["Clearing"].block_number,
    )
    first = next(logs, None)
    if first is None:
        raise Conflict(f"claim {claim_id} has no ClaimFiled log on this node")
    block = runtime.chain.rpc(runtime.chain.w3.eth.get_block, first["blockNumber"])
    return int(block["timestamp"])


# -- payoff claims on sales ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PayoffFiling:
    """What happened to one sold vehicle's payoff claim: `outcome` is ``confirmed`` (filed and
    confirmed by the dealer), ``filed`` (waiting for the dealer's confirmation), ``existing``
    (a claim for this lien was filed before; it is the one shown) or ``not_filed``; `note`
    says why when it is not ``confirmed``."""

    vin_hash: bytes
    claim_id: int | None
    amount: int
    outcome: str
    note: str | None = None


def file_sale_payoffs(
    runtime: Runtime, *, line: Line, vehicles: Sequence[Vehicle]
) -> tuple[Sent | None, list[PayoffFiling]]:
    """Report `vehicles` of `line` sold (those not reported yet) as its dealer, then file each
    one's payoff claim from the lender, confirmed by the dealer.

    The claim's amount is the contract's payoff (principal, interest to now, fee) at the block
    time of the request; interest accruing after it is not claimed (the lien release records
    the contract's own figure). Its reference is the VIN hash. A vehicle that already has a
    payoff claim for its current lien (not withdrawn or rejected) gets none again. Every
    vehicle must be under an active lien on `line`. Returns the sale report's transaction
    (None when every vehicle was reported before) and one `PayoffFiling` per vehicle.
    """
    lender = runtime.consortium.member(line.lender_id)
    dealer = runtime.consortium.member(line.dealer_id)
    unsold = [v.vin_hash for v in vehicles if v.status is VehicleStatus.FINANCED]
    sale = None
    if unsold:  # the dealer reports with its own key: 409 when this service lacks it
        dealer_floorplan = runtime.floorplan.as_sender(runtime.sender_for(dealer.address))
        sale = dealer_floorplan.report_sale(unsold)
    now = chain_now(runtime.chain)
    existing = _payoff_claims(runtime, lender.id, dealer.id)
    lender_clearing = _acting_clearing(runtime, lender.address)
    dealer_clearing = _acting_clearing(runtime, dealer.address)
    done = []
    for vehicle in vehicles:
        earlier = existing.get(bytes(vehicle.vin_hash), [])
        current = [
            c for c in earlier if claim_filed_at(runtime, c.id) >= vehicle.disbursed_at
        ]  # a claim filed before this lien was disbursed is about an earlier one
        if current:
            claim = current[-1]
            done.append(
                PayoffFiling(
                    vin_hash=vehicle.vin_hash,
                    claim_id=claim.id,
                    amount=claim.amount,
                    outcome="existing",
                    note=f"claim {claim.id} for this lien is {STATE_NAMES[claim.status]}",
                )
            )
            continue
        amount = runtime.floorplan.payoff(vehicle.vin_hash, now).total
        if lender_clearing is None:
            done.append(
                PayoffFiling(
                    vin_hash=vehicle.vin_hash,
                    claim_id=None,
                    amount=amount,
                    outcome="not_filed",
                    note=f"this service does not hold the key of the lender ({lender.name}):"
                    " it files the payoff claim itself",
                )
            )
            continue
        claim_id = lender_clearing.file_claim(
            dealer.address, amount, ClaimKind.PAYOFF, bytes(vehicle.vin_hash)
        )
        if dealer_clearing is None:
            done.append(
                PayoffFiling(
                    vin_hash=vehicle.vin_hash,
                    claim_id=claim_id,
                    amount=amount,
                    outcome="filed",
                    note="this service does not hold the dealer's key: confirm it with your"
                    f" signature (GET /v1/claims/{claim_id}/confirmation)",
                )
            )
            continue
        dealer_clearing.confirm(claim_id)
        done.append(
            PayoffFiling(
                vin_hash=vehicle.vin_hash, claim_id=claim_id, amount=amount, outcome="confirmed"
            )
        )
    return sale, done


def _acting_clearing(runtime: Runtime, address: str) -> ClearingClient | None:
    """The Clearing signing as `address`, or None when this service lacks its key."""
    try:
        return runtime.clearing_client.as_sender(runtime.sender_for(address))
    except Conflict:
        return None


def _payoff_claims(runtime: Runtime, lender_id: int, dealer_id: int) -> dict[bytes, list[Claim]]:
    """Payoff claims of `lender_id` on `dealer_id` still standing (not withdrawn or rejected),
    by reference, ascending id."""
    found: dict[bytes, list[Claim]] = {}
    for claim in claims_of(runtime, member_id=lender_id, kinds=[ClaimKind.PAYOFF]):
        if claim.debtor_id == dealer_id and claim.status not in (
            ClaimStatus.WITHDRAWN,
            ClaimStatus.REJECTED,
        ):
            found.setdefault(claim.reference, []).append(claim)
    return found


# -- overdue curtailments -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CurtailmentFiling:
    """A curtailment claim filed (`claim_id`) for step `step` (from 1) of the lien on
    `vin_hash`, or not filed (`claim_id` None, `note` says why)."""

    line_id: int
    vin_hash: bytes
    step: int
    amount: int
    claim_id: int | None
    note: str | None = None


def overdue_steps(
    *, advance: int, steps_bps: Sequence[int], steps_due: int, paid: int
) -> list[tuple[int, int]]:
    """(step from 1, unpaid amount) of each schedule step due and not covered by principal
    `paid` so far: payments cover the earliest steps first. Each step's amount is
    ``advance * bps // 10_000``, the contract's rounding."""
    unpaid = []
    before = 0
    for index, bps in enumerate(steps_bps[:steps_due]):
        amount = advance * bps // BPS
        owed = min(max(before + amount - paid, 0), amount)
        if owed > 0:
            unpaid.append((index + 1, owed))
        before += amount
    return unpaid


def file_overdue_curtailments(
    runtime: Runtime, *, lender_id: int | None = None
) -> list[CurtailmentFiling]:
    """File a curtailment claim from the lender on the dealer for every overdue, unpaid step of
    every unsold vehicle under an active lien (on `lender_id`'s lines, or every line).

    Idempotent: a step whose reference (`curtailment_reference`) some claim of the lender
    already carries, in any state, is skipped, so running it again files nothing new; a claim
    the lender withdrew is not filed again. Claims are signed by the lender; a line whose
    lender's key this service lacks is reported (`claim_id` None) and skipped.
    """
    index = floor_plan_index(runtime)
    lines = index.lines(lender_id=lender_id)
    if not lines:
        return []
    filed_refs = {
        (c.creditor_id, c.reference)
        for c in claims_of(runtime, member_id=lender_id, kinds=[ClaimKind.CURTAILMENT])
    }
    members: dict[int, Member] = {}
    done: list[CurtailmentFiling] = []
    for line in lines:
        due = []
        for indexed in index.line_vehicles(line.id, active_only=True):
            vehicle = indexed.vehicle
            if vehicle.status is not VehicleStatus.FINANCED:
                continue
            status = indexed.curtailments(index.now)
            for step, amount in overdue_steps(
                advance=vehicle.advance,
                steps_bps=[bps for _, bps in indexed.terms.steps],
                steps_due=status.steps_due,
                paid=status.paid,
            ):
                reference = curtailment_reference(vehicle.vin_hash, vehicle.disbursed_at, step)
                if (line.lender_id, reference) not in filed_refs:
                    due.append((vehicle, step, amount, reference))
        if not due:
            continue
        for member_id in (line.lender_id, line.dealer_id):
            if member_id not in members:
                members[member_id] = runtime.consortium.member(member_id)
        lender, dealer = members[line.lender_id], members[line.dealer_id]
        try:
            clearing = runtime.clearing_client.as_sender(runtime.sender_for(lender.address))
        except Conflict:
            note = f"this service does not hold the key of the lender ({lender.name})"
            done.extend(
                CurtailmentFiling(
                    line_id=line.id, vin_hash=v.vin_hash, step=s, amount=a, claim_id=None, note=note
                )
                for v, s, a, _ in due
            )
            continue
        for vehicle, step, amount, reference in due:
            claim_id = clearing.file_claim(dealer.address, amount, ClaimKind.CURTAILMENT, reference)
            filed_refs.add((line.lender_id, reference))
            done.append(
                CurtailmentFiling(
                    line_id=line.id,
                    vin_hash=vehicle.vin_hash,
                    step=step,
                    amount=amount,
                    claim_id=claim_id,
                )
            )
    return done


# -- after a cycle settles ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LienRelease:
    """The lien a settled payoff claim was about: `released` says whether it is released now;
    `note` says why not (or that it was released before)."""

    claim_id: int
    vin_hash: bytes
    released: bool
    note: str | None = None


def release_settled_liens(runtime: Runtime, cycle: ClearingCycle) -> list[LienRelease]:
    """Release the liens of the payoff claims settled cycle `cycle`, signed by each lender.

    A payoff claim's reference is taken as a VIN hash (one naming no financed vehicle is left
    alone, unreported); its lien is released when it is still
    active, on a line of the claim's creditor (lender) and debtor (dealer), and was disbursed
    no later than the claim was filed (a later lien on the same VIN is left alone). Safe to
    run again: a released lien is reported as such. A lender whose key this service lacks is
    reported; it records the payoff itself (``POST /v1/lines/{id}/releases``).
    """
    if cycle.status != CycleStatus.SETTLED:
        return []
    payoffs = [c for c in cycle.claims() if c["kind"] == KIND_NAMES[ClaimKind.PAYOFF]]
    results: list[LienRelease] = []
    by_lender: dict[int, list[tuple[int, bytes]]] = {}
    client = runtime.floorplan
    for claim in payoffs:
        claim_id, vin_hash = int(claim["id"]), bytes.fromhex(claim["reference"])
        vehicle = client.vehicle(vin_hash)
        if vehicle is None:
            continue  # its reference names no lien (filed by hand with another reference)
        line = client.line(vehicle.line_id)
        if (line.lender_id, line.dealer_id) != (claim["creditor"], claim["debtor"]):
            note = "the vehicle's lien is not between the claim's parties"
            results.append(_not_released(claim_id, vin_hash, note))
            continue
        if vehicle.disbursed_at > claim_filed_at(runtime, claim_id):
            note = "the vehicle's current lien is later than the claim"
            results.append(_not_released(claim_id, vin_hash, note))
            continue
        if not vehicle.status.pledged:  # released already (by the engine's hook, say)
            results.append(LienRelease(claim_id=claim_id, vin_hash=vin_hash, released=True))
            continue
        by_lender.setdefault(line.lender_id, []).append((claim_id, vin_hash))
    for lender_id, liens in by_lender.items():
        results.extend(_release(runtime, lender_id, liens))
    return sorted(results, key=lambda r: r.claim_id)


def _release(runtime: Runtime, lender_id: int, liens: list[tuple[int, bytes]]) -> list[LienRelease]:
    lender = runtime.consortium.member(lender_id)
    try:
        client = runtime.floorplan.as_sender(runtime.sender_for(lender.address))
    except Conflict:
        note = f"this service does not hold the key of the lender ({lender.name})"
        return [_not_released(c, v, note) for c, v in liens]
    results = []
    for start in range(0, len(liens), BATCH_SIZE):
        batch = liens[start : start + BATCH_SIZE]
        try:
            client.release([v for _, v in batch])
        except TransactionReverted as exc:
            if len(batch) == 1:
                results.append(_not_released(*batch[0], str(exc)))
                continue
        else:
            results.extend(LienRelease(claim_id=c, vin_hash=v, released=True) for c, v in batch)
            continue
        for claim_id, vin_hash in batch:  # one bad lien fails the batch: release the others
            try:
                client.release([vin_hash])
            except TransactionReverted as exc:
                results.append(_not_released(claim_id, vin_hash, str(exc)))
            else:
                results.append(LienRelease(claim_id=claim_id, vin_hash=vin_hash, released=True))
    return results


def _not_released(claim_id: int, vin_hash: bytes, note: str) -> LienRelease:
    return LienRelease(claim_id=claim_id, vin_hash=vin_hash, released=False, note=note)


def latest_settled_cycle(runtime: Runtime) -> ClearingCycle | None:
    """The cycle settled last (by the time it was recorded settled)."""
    with Session(runtime.engine) as session:
        return session.exec(
            select(ClearingCycle)
            .where(ClearingCycle.status == CycleStatus.SETTLED.value)
            .order_by(col(ClearingCycle.settled_at).desc(), col(ClearingCycle.id).desc())
        ).first()


def on_engine_step(runtime: Runtime, step: str) -> None:
    """The clearing engine's `step` callback: when a cycle has just settled, release the liens
    its payoff claims paid. Errors are logged, never raised into the engine (the cycle is
    settled and recorded either way; the lender can release a lien by hand)."""
    if step != CycleStatus.SETTLED.value:
        return
    try:
        cycle = latest_settled_cycle(runtime)
        if cycle is None:
            return
        for result in release_settled_liens(runtime, cycle):
            if not result.released:
                log.warning(
                    "cycle %s: lien %s of payoff claim %s not released: %s",
                    cycle.id,
                    hex32(result.vin_hash),
                    result.claim_id,
                    result.note,
                )
    except Exception:  # the engine must go on: log and leave the lien to the lender
        log.exception("releasing the liens of a settled cycle failed")


# -- cycles and reports -------------------------------------------------------------------------


def load_cycle(runtime: Runtime, cycle_pk: int) -> ClearingCycle | None:
    """Cycle record `cycle_pk`, or None."""
    with Session(runtime.engine) as session:
        return session.get(ClearingCycle, cycle_pk)


def list_cycles(runtime: Runtime, *, status: str | None = None) -> list[ClearingCycle]:
    """Every cycle record (with `status`, if given), newest first."""
    query = select(ClearingCycle)
    if status is not None:
        query = query.where(ClearingCycle.status == status)
    with Session(runtime.engine) as session:
        return list(session.exec(query.order_by(col(ClearingCycle.id).desc())).all())


def cycle_parties(cycle: ClearingCycle) -> set[int]:
    """Members that took part in `cycle` (a party to a claim or transfer, or its trigger)."""
    parties = {int(m["member"]) for m in cycle.members()}
    for claim in cycle.claims():
        parties |= {int(claim["creditor"]), int(claim["debtor"])}
    if cycle.triggered_by is not None:
        parties.add(cycle.triggered_by)
    return parties


def visible_cycle(runtime: Runtime, principal: Principal, cycle_pk: int) -> ClearingCycle:
    """Cycle `cycle_pk` if the caller reads every cycle or took part in it; 404 otherwise."""
    cycle = load_cycle(runtime, cycle_pk)
    if cycle is None or not (
        sees_all_cycles(principal) or principal.member_id in cycle_parties(cycle)
    ):
        raise NotFound(f"no cycle {cycle_pk}")
    return cycle


def cycle_document(
    runtime: Runtime,
    cycle: ClearingCycle,
    *,
    member_id: int | None = None,
    off_chain_members: Collection[int] = (),
) -> dict[str, Any]:
    """The reconciliation report of `cycle` (`clearing.reports.cycle_report`), with the
    settlement banks' recorded confirmations for `off_chain_members`' transfers.

    With `member_id`, it is that member's view: the cycle's totals, and only the claims,
    position, transfers, instructions and deferred claims it is a party to (``scope`` says
    which view it is).
    """
    report = cycle_report(
        cycle,
        off_chain_members=off_chain_members,
        confirmations=runtime.token.off_chain_settlement,
    )
    if member_id is None:
        return {**report, "scope": "all"}
    deferred = []
    for claim_id in report["deferred_claim_ids"]:
        claim = read_claim(runtime.clearing_client, claim_id)
        if claim is not None and member_id in (claim.creditor_id, claim.debtor_id):
            deferred.append(claim_id)
    return {
        **report,
        "scope": f"member {member_id}",
        "claims": [c for c in report["claims"] if member_id in (c["debtor"], c["creditor"])],
        "positions": [p for p in report["positions"] if p["member"] == member_id],
        "transfers": [t for t in report["transfers"] if member_id in (t["debtor"], t["creditor"])],
        "instructions": [
            i for i in report["instructions"] if member_id in (i["debtor"], i["creditor"])
        ],
        "deferred_claim_ids": deferred,
    }


def visible_cycles(
    runtime: Runtime, principal: Principal, *, status: str | None = None
) -> list[ClearingCycle]:
    """The cycles `principal` took part in (every cycle if it reads them all), with `status`
    if given, newest first."""
    cycles = list_cycles(runtime, status=status)
    if sees_all_cycles(principal):
        return cycles
    return [c for c in cycles if principal.member_id in cycle_parties(c)]


def report_for(
    runtime: Runtime,
    principal: Principal,
    cycle: ClearingCycle,
    *,
    off_chain_members: Collection[int] = (),
) -> dict[str, Any]:
    """`cycle_document` as `principal` may read it: in full if it reads every cycle, else its
    own view."""
    return cycle_document(
        runtime,
        cycle,
        member_id=None if sees_all_cycles(principal) else principal.member_id,
        off_chain_members=off_chain_members,
    )


def run_cycle_now(
    runtime: Runtime, member_id: int, *, sees_all: bool = False
) -> tuple[ClearingCycle, list[LienRelease]]:
    """Run a clearing cycle now, triggered by member `member_id`, over every final, due claim,
    then release the liens its payoff claims settled. Raises `Conflict` when nothing can
    settle, listing why each of the member's open claims (everyone's with `sees_all`) waits
    (its ``waiting`` member, as `waiting_document` gives each)."""
    cycle = runtime.clearing_engine.trigger(member_id)
    if cycle is None:
        outlook = next_cycle(runtime, None if sees_all else member_id)
        raise Conflict(nothing_to_settle(outlook), waiting=waiting_documents(outlook))
    return cycle, release_settled_liens(runtime, cycle)


def next_cycle(runtime: Runtime, member_id: int | None) -> Outlook:
    """What the next cycle would settle and why every other open claim waits, reduced to the
    claims member `member_id` is a party to (None: every claim)."""
    outlook = runtime.clearing_engine.outlook()
    if member_id is None:
        return outlook
    return Outlook(
        now=outlook.now,
        settling=outlook.settling,
        waiting=tuple(
            w for w in outlook.waiting if member_id in (w.claim.creditor_id, w.claim.debtor_id)
        ),
    )


def nothing_to_settle(outlook: Outlook) -> str:
    """The message of a cycle that found nothing to settle: each waiting claim and why."""
    if not outlook.waiting:
        return "nothing to settle: no open claim"
    reasons = "; ".join(f"claim {w.claim.id}: {w.describe()}" for w in outlook.waiting)
    return f"nothing to settle: {reasons}"


def waiting_documents(outlook: Outlook) -> list[dict[str, Any]]:
    """The waiting claims as JSON objects (amounts in token units, times in chain seconds)."""
    return [
        {
            "claim_id": w.claim.id,
            "kind": KIND_NAMES[w.claim.kind],
            "state": STATE_NAMES[w.claim.status],
            "creditor_id": w.claim.creditor_id,
            "debtor_id": w.claim.debtor_id,
            "amount": w.claim.amount,
            "reason": w.reason.value,
            "until": w.until,
            "payer_id": w.payer_id,
            "short_by": w.short_by,
            "balance": w.funds.balance if w.funds is not None else None,
            "allowance": w.funds.allowance if w.funds is not None else None,
            "detail": w.describe(),
        }
        for w in outlook.waiting
    ]


# -- payment instructions -----------------------------------------------------------------------


def cycle_instructions(
    runtime: Runtime,
    cycle: ClearingCycle,
    *,
    payer_id: int | None,
    accounts: Mapping[int, Party],
) -> bytes:
    """The pacs.008 XML paying `cycle`'s net transfers (those `payer_id` pays, or all of them
    with None), end-to-end id ``CYC-<chain cycle id>-<n>`` as the report names them.

    `accounts` gives each party's account holder name, IBAN and BIC (this service stores no
    member bank data). Dated at the cycle's block time, so the same request gives the same
    bytes. Raises `Conflict` for a cycle that did not settle or with no such transfer,
    `Unprocessable` naming a party without an account; `InstructionError` for a bad IBAN/BIC.
    """
    if cycle.status != CycleStatus.SETTLED or cycle.cycle_id is None or cycle.block_time is None:
        raise Conflict(f"cycle {cycle.id} is {cycle.status}: only settled cycles are paid")
    instructions = []
    for number, transfer in enumerate(cycle.transfers(), start=1):
        payer, payee = int(transfer["from"]), int(transfer["to"])
        if payer_id is not None and payer != payer_id:
            continue
        instructions.append(
            PaymentInstruction(
                end_to_end_id=cycle_end_to_end_id(cycle.cycle_id, number),
                amount=int(transfer["amount"]),
                debtor=_account(accounts, payer),
                creditor=_account(accounts, payee),
                remittance=f"AutoLedger clearing cycle {cycle.cycle_id} transfer {number}",
            )
        )
    if not instructions:
        whose = "no transfer" if payer_id is None else f"no transfer paid by member {payer_id}"
        raise Conflict(f"cycle {cycle.id} has {whose}")
    created = _aware(cycle.block_time)
    suffix = "" if payer_id is None else f"-M{payer_id}"
    return pacs008(
        message_id=f"AL-CYC-{cycle.cycle_id}{suffix}",
        created_at=created,
        settlement_date=created.date(),
        currency=runtime.token.currency(),
        decimals=runtime.token.decimals(),
        instructions=instructions,
    )


def claim_instruction(runtime: Runtime, claim: Claim, *, accounts: Mapping[int, Party]) -> bytes:
    """The pacs.008 XML paying `claim` off chain, end-to-end id ``CLM-<claim id>``: once a
    settlement bank records that payment, the claim settles off chain. Dated now (chain time).

    Raises `Conflict` for a claim already settled, withdrawn or rejected, `Unprocessable`
    naming a party without an account.
    """
    if claim.status in (ClaimStatus.SETTLED, ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED):
        raise Conflict(f"claim {claim.id} is {STATE_NAMES[claim.status]}: nothing to pay")
    created = datetime.fromtimestamp(chain_now(runtime.chain), UTC)
    end_to_end_id = claim_end_to_end_id(claim.id)
    return pacs008(
        message_id=f"AL-{end_to_end_id}",
        created_at=created,
        settlement_date=created.date(),
        currency=runtime.token.currency(),
        decimals=runtime.token.decimals(),
        instructions=[
            PaymentInstruction(
                end_to_end_id=end_to_end_id,
                amount=claim.amount,
                debtor=_account(accounts, claim.debtor_id),
                creditor=_account(accounts, claim.creditor_id),
                remittance=f"AutoLedger {KIND_NAMES[claim.kind]} claim {claim.id}",
            )
        ],
    )


def _account(accounts: Mapping[int, Party], member_id: int) -> Party:
    try:
        return accounts[member_id]
    except KeyError:
        raise Unprocessable(f"accounts: give the account of member {member_id}") from None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- settlement banks ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OffChainPayment:
    """A recorded off-chain payment, and the claim it settled (if its end-to-end id names a
    claim, ``CLM-<id>``)."""

    sent: Sent
    settled_claim_id: int | None
    note: str | None = None


def claim_of_end_to_end_id(end_to_end_id: str) -> int | None:
    """The claim id a ``CLM-<id>`` end-to-end id names, else None."""
    match = _CLAIM_E2E.fullmatch(end_to_end_id)
    return int(match.group(1)) if match else None


def record_off_chain_payment(
    runtime: Runtime,
    bank: Principal,
    *,
    end_to_end_id: str,
    debtor_id: int,
    creditor_id: int,
    amount: int,
    bank_reference: bytes,
) -> OffChainPayment:
    """Record, as settlement bank `bank`, that it paid `amount` from `debtor_id` to
    `creditor_id` off chain under `end_to_end_id`.

    For ``CLM-<id>`` the payment must match the claim (parties, amount: else `Unprocessable`),
    which must be final (else `Conflict`: a claim not yet final could still be settled by a
    cycle, paying it twice); it is then settled off chain in the same request. Other ids (a
    cycle transfer's ``CYC-<cycle>-<n>``) are recorded for reconciliation only.
    """
    claim_id = claim_of_end_to_end_id(end_to_end_id)
    if claim_id is not None:
        claim = read_claim(runtime.clearing_client, claim_id)
        if claim is None:
            raise Unprocessable(f"{end_to_end_id} names claim {claim_id}, which does not exist")
        if (claim.debtor_id, claim.creditor_id, claim.amount) != (debtor_id, creditor_id, amount):
            raise Unprocessable(
                f"{end_to_end_id}: the payment does not match claim {claim_id} (debtor, creditor"
                " and amount must be the claim's)"
            )
        if claim.status is not ClaimStatus.FINAL:
            raise Conflict(
                f"claim {claim_id} is {STATE_NAMES[claim.status]}: record its payment once it is"
                " final, so that it settles off chain at once rather than in a cycle too"
            )
    debtor = member_of(runtime, debtor_id, "debtor member")
    creditor = member_of(runtime, creditor_id, "creditor member")
    sender = runtime.sender_for(bank.address)
    sent = runtime.token.as_sender(sender).record_off_chain_settlement(
        end_to_end_id, debtor.address, creditor.address, amount, bank_reference
    )
    if claim_id is None:
        return OffChainPayment(sent=sent, settled_claim_id=None)
    try:
        runtime.clearing_client.as_sender(sender).settle_off_chain(claim_id)
    except TransactionReverted as exc:
        note = f"recorded, but claim {claim_id} did not settle off chain: {exc}"
        return OffChainPayment(sent=sent, settled_claim_id=None, note=note)
    return OffChainPayment(sent=sent, settled_claim_id=claim_id)


def names_of(runtime: Runtime, member_ids: Iterable[int]) -> dict[int, str]:
    """The names of members `member_ids`, each read once."""
    return {i: runtime.consortium.member(i).name for i in set(member_ids)}
