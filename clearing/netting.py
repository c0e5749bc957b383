"""Multilateral netting of claims into a deterministic net plan; pure (no web3, no database).

A claim says that `debtor` owes `creditor` an `amount`. Over a set of claims each member has a
net position: what it receives minus what it pays. Positions always sum to zero. A net plan
settles the claims by moving only positions: at most N - 1 transfers for N members with a
non-zero position, each from a net payer to a net receiver.

Everything is an integer (token units, member ids, claim ids): no floats anywhere. The plan is
deterministic, and its canonical JSON (and so its SHA-256 `plan_hash`) depends only on the set of
claims, not on their order; the `Clearing` contract records the hash with the cycle.

The gridlock pass (`resolve_gridlock`) picks, given what each net payer can actually pay (balance
and allowance), the fewest claims to defer so that the rest settle.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clearing.errors import DuplicateClaim, InvalidClaim, NettingError

PLAN_VERSION = 1
"""Version of the canonical plan JSON; part of the hashed bytes, bumped on any format change."""

MAX_JSON_INTEGER = 2**53 - 1
"""Ids are written as JSON numbers, which RFC 8785 readers hold as IEEE doubles: exact only up to
2**53 - 1. Amounts and positions are written as decimal strings and have no such limit."""

DEFAULT_SEARCH_BUDGET = 20_000
"""Nodes the gridlock search may visit before it settles for the best set found. At 1,000
claims and 20 members the search takes well under a second at this budget, and small gridlocks
(a few short payers) are solved exactly far below it."""


@dataclass(frozen=True, kw_only=True)
class NettingClaim:
    """A final claim to net: `debtor` owes `creditor` `amount` token units (> 0).

    `creditor` and `debtor` are consortium member ids (distinct, >= 1), `id` the claim id.
    """

    id: int
    creditor: int
    debtor: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class Position:
    """Member `member`'s net position: > 0 it receives `amount`, < 0 it pays `-amount`."""

    member: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class Transfer:
    """A net transfer of `amount` (> 0) from member `payer` to member `payee`."""

    payer: int
    payee: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class NetPlan:
    """How a set of claims settles: the members' net positions and the transfers that move them.

    `claim_ids` ascend; `positions` list every party of the claims, zero positions included, in
    ascending member id; `transfers` are in the order the greedy match made them.
    """

    claim_ids: tuple[int, ...]
    positions: tuple[Position, ...]
    transfers: tuple[Transfer, ...]
    gross: int

    @property
    def net(self) -> int:
        """Sum of the transfers: the value that actually moves."""
        return sum(t.amount for t in self.transfers)

    @property
    def members(self) -> tuple[int, ...]:
        """The member ids of `positions`, ascending."""
        return tuple(p.member for p in self.positions)

    def member_index(self) -> dict[int, int]:
        """Index of each member id in `positions` (how the contract's transfers refer to them)."""
        return {p.member: i for i, p in enumerate(self.positions)}

    def canonical_json(self) -> bytes:
        """The plan as canonical JSON (RFC 8785: sorted keys, no spaces, UTF-8).

        Ids are JSON numbers, amounts decimal strings; `version` is `PLAN_VERSION`.
        """
        document = {
            "version": PLAN_VERSION,
            "claims": list(self.claim_ids),
            "gross": str(self.gross),
            "net": str(self.net),
            "positions": [{"member": p.member, "position": str(p.amount)} for p in self.positions],
            "transfers": [
                {"from": t.payer, "to": t.payee, "amount": str(t.amount)} for t in self.transfers
            ],
        }
        return _canonical(document)

    @property
    def plan_hash(self) -> bytes:
        """SHA-256 of `canonical_json`: 32 bytes, passed to `Clearing.settleCycle`."""
        return hashlib.sha256(self.canonical_json()).digest()


@dataclass(frozen=True, kw_only=True)
class GridlockResolution:
    """The outcome of `resolve_gridlock`.

    `settle` can all settle together given the payers' funds; `deferred` wait for a later cycle.
    Both are in ascending claim id. `optimal` is True when the search proved that no smaller set
    of deferred claims works (always, unless the search budget ran out first).
    """

    settle: tuple[NettingClaim, ...]
    deferred: tuple[NettingClaim, ...]
    optimal: bool


def net_positions(claims: Iterable[NettingClaim]) -> dict[int, int]:
    """Every party's net position over `claims`, by ascending member id (zeros included).

    Raises `InvalidClaim` or `DuplicateClaim` for claims netting cannot take.
    """
    positions: dict[int, int] = {}
    for claim in _validated(claims):
        positions[claim.creditor] = positions.get(claim.creditor, 0) + claim.amount
        positions[claim.debtor] = positions.get(claim.debtor, 0) - claim.amount
    return dict(sorted(positions.items()))


def minimal_transfers(positions: Mapping[int, int]) -> tuple[Transfer, ...]:
    """Transfers that move exactly `positions` (member id -> net position), at most N - 1 of them.

    Greedy: the largest payer pays the largest receiver as much as both allow, until every
    position is moved; ties go to the smaller member id. Each step clears at least one member and
    the last clears two, so N members with a non-zero position need at most N - 1 transfers (the
    true minimum is NP-hard; this bound is what the contract checks). Raises `NettingError` if the
    positions do not sum to zero or are not integers.
    """
    for member, amount in positions.items():
        _require_int(member, "member id", claim_id=None)
        _require_int(amount, f"position of member {member}", claim_id=None)
    total = sum(positions.values())
    if total != 0:
        raise NettingError(f"positions must sum to zero, they sum to {total}")
    payers = [(amount, member) for member, amount in positions.items() if amount < 0]
    payees = [(-amount, member) for member, amount in positions.items() if amount > 0]
    heapq.heapify(payers)
    heapq.heapify(payees)
    transfers: list[Transfer] = []
    while payers:
        debt, payer = heapq.heappop(payers)
        credit, payee = heapq.heappop(payees)
        amount = min(-debt, -credit)
        transfers.append(Transfer(payer=payer, payee=payee, amount=amount))
        if -debt > amount:
            heapq.heappush(payers, (debt + amount, payer))
        if -credit > amount:
            heapq.heappush(payees, (credit + amount, payee))
    return tuple(transfers)


def net_plan(claims: Iterable[NettingClaim]) -> NetPlan:
    """The net plan settling `claims`: positions of every party and the greedy transfers.

    The same set of claims, in any order, gives an identical plan and `plan_hash`. An empty set
    gives an empty plan (which the contract refuses to settle). Raises `InvalidClaim` or
    `DuplicateClaim`.
    """
    ordered = _validated(claims)
    positions = net_positions(ordered)
    return NetPlan(
        claim_ids=tuple(c.id for c in ordered),
        positions=tuple(Position(member=m, amount=a) for m, a in positions.items()),
        transfers=minimal_transfers(positions),
        gross=sum(c.amount for c in ordered),
    )


def resolve_gridlock(
    claims: Iterable[NettingClaim],
    available: Mapping[int, int],
    *,
    budget: int = DEFAULT_SEARCH_BUDGET,
) -> GridlockResolution:
    """Defer the fewest claims so that the rest can settle in one cycle.

    `available` maps member ids to what each can pay now: the lesser of its token balance and
    its allowance to the Clearing (missing members: 0). A set settles when every net payer's
    payment is at most its available amount; receivers need nothing, since a net plan never
    makes a member both pay and receive.

    A greedy pass (repeatedly defer, for the payer with the largest shortfall, its smallest claim
    that covers the shortfall, else its largest claim) gives a first answer; a depth-first search
    that branches on the claims of one short payer at a time, with a lower bound per payer, then
    looks for a smaller one, visiting at most `budget` nodes. Deterministic: ties go to the
    smaller member id, then to deferring the newer (larger id) claim. Raises `InvalidClaim`,
    `DuplicateClaim`, or `NettingError` for a negative or non-integer available amount.
    """
    ordered = _validated(claims)
    funds: dict[int, int] = {}
    for member, amount in available.items():
        _require_int(member, "member id", claim_id=None)
        _require_int(amount, f"available amount of member {member}", claim_id=None)
        if amount < 0:
            raise NettingError(f"available amount of member {member} must be >= 0, got {amount}")
        funds[member] = amount
    search = _GridlockSearch(ordered, funds, budget)
    deferred_ids = search.run()
    return GridlockResolution(
        settle=tuple(c for c in ordered if c.id not in deferred_ids),
        deferred=tuple(c for c in ordered if c.id in deferred_ids),
        optimal=not search.exhausted,
    )


# -- machinery ------------------------------------------------------------------------------


class _GridlockSearch:
    """Greedy answer, then branch and bound for fewer deferred claims."""

    def __init__(self, claims: tuple[NettingClaim, ...], funds: dict[int, int], budget: int):
        self.funds = funds
        self.budget = budget
        self.nodes = 0
        self.exhausted = False
        self.positions = net_positions(claims)
        # A payer's claims, largest first (newer first among equals): the order both passes try.
        self.owed: dict[int, list[NettingClaim]] = {}
        for claim in sorted(claims, key=lambda c: (-c.amount, -c.id)):
            self.owed.setdefault(claim.debtor, []).append(claim)
        self.deferred: set[int] = set()
        self.best: frozenset[int] = frozenset()

    def run(self) -> frozenset[int]:
        self.best = self._greedy()
        if self.best:
            self._search()
        return self.best

    def _shortfall(self, member: int) -> int:
        return -self.positions[member] - self.funds.get(member, 0)

    def _most_short(self) -> int | None:
        """The payer with the largest shortfall (smallest id among equals), or None."""
        found: tuple[int, int] | None = None
        for member in self.positions:
            shortfall = self._shortfall(member)
            if shortfall > 0 and (found is None or shortfall > found[0]):
                found = (shortfall, member)
        return None if found is None else found[1]

    def _defer(self, claim: NettingClaim) -> None:
        self.deferred.add(claim.id)
        self.positions[claim.creditor] -= claim.amount
        self.positions[claim.debtor] += claim.amount

    def _restore(self, claim: NettingClaim) -> None:
        self.deferred.discard(claim.id)
        self.positions[claim.creditor] += claim.amount
        self.positions[claim.debtor] -= claim.amount

    def _greedy(self) -> frozenset[int]:
        taken: list[NettingClaim] = []
        while (member := self._most_short()) is not None:
            shortfall = self._shortfall(member)
            candidates = [c for c in self.owed[member] if c.id not in self.deferred]
            covering = [c for c in candidates if c.amount >= shortfall]
            # `candidates` run largest first, newer first among equals: the last covering claim is
            # the smallest that covers (the newest among equals), else take the largest.
            pick = covering[-1] if covering else candidates[0]
            self._defer(pick)
            taken.append(pick)
        found = frozenset(self.deferred)
        for claim in reversed(taken):
            self._restore(claim)
        return found

    def _lower_bound(self) -> int:
        """Claims that must still be deferred: per short payer, the fewest of its own claims
        whose amounts cover its shortfall (a claim helps only its own debtor)."""
        needed = 0
        for member in self.positions:
            shortfall = self._shortfall(member)
            if shortfall <= 0:
                continue
            for claim in self.owed[member]:
                if claim.id in self.deferred:
                    continue
                needed += 1
                shortfall -= claim.amount
                if shortfall <= 0:
                    break
        return needed

    def _search(self) -> None:
        self.nodes += 1
        if self.nodes > self.budget:
            self.exhausted = True
            return
        member = self._most_short()
        if member is None:
            if len(self.deferred) < len(self.best):
                self.best = frozenset(self.deferred)
            return
        if len(self.deferred) + self._lower_bound() >= len(self.best):
            return
        for claim in self.owed[member]:
            if claim.id in self.deferred:
                continue
            self._defer(claim)
            self._search()
            self._restore(claim)
            if self.exhausted:
                return


def _validated(claims: Iterable[NettingClaim]) -> tuple[NettingClaim, ...]:
    """`claims` sorted by id, after checking every value; raises `InvalidClaim`/`DuplicateClaim`."""
    items = list(claims)
    seen: set[int] = set()
    for claim in items:
        if not isinstance(claim, NettingClaim):
            raise InvalidClaim(claim, f"expected a NettingClaim, got {type(claim).__name__}")
        _require_int(claim.id, "id", claim_id=claim.id)
        _require_int(claim.creditor, "creditor", claim_id=claim.id)
        _require_int(claim.debtor, "debtor", claim_id=claim.id)
        _require_int(claim.amount, "amount", claim_id=claim.id)
        if not 0 <= claim.id <= MAX_JSON_INTEGER:
            raise InvalidClaim(claim.id, f"id must be 0..{MAX_JSON_INTEGER}")
        for role, member in (("creditor", claim.creditor), ("debtor", claim.debtor)):
            if not 1 <= member <= MAX_JSON_INTEGER:
                raise InvalidClaim(claim.id, f"{role} must be 1..{MAX_JSON_INTEGER}, got {member}")
        if claim.creditor == claim.debtor:
            raise InvalidClaim(claim.id, f"creditor and debtor are both member {claim.debtor}")
        if claim.amount <= 0:
            raise InvalidClaim(claim.id, f"amount must be > 0, got {claim.amount}")
        if claim.id in seen:
            raise DuplicateClaim(claim.id)
        seen.add(claim.id)
    return tuple(sorted(items, key=lambda c: c.id))


def _require_int(value: object, what: str, *, claim_id: object) -> None:
    """Reject anything but a plain int (bools and floats included)."""
    if type(value) is not int:
        message = f"{what} must be an int, got {type(value).__name__} {value!r}"
        if claim_id is None:
            raise NettingError(message)
        raise InvalidClaim(claim_id, message)


def _canonical(document: Any) -> bytes:
    """RFC 8785 canonical JSON of a document made of dicts, lists, str and small ints."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
