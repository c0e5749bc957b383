"""Claims as a read model: each claim's parties, amount and stored state, projected from the
indexed `Clearing` events.

Why. Every claim list (`GET /v1/claims`, the clearing pages, `autoledger clearing claims`)
asked the contract for every claim ever filed, 500 per `eth_call`: the cost grew with the
whole history of the chain, not with the member's claims. The contract emits an event for each
change of a claim's stored state, so the events say the same, and one bounded query on this
table answers a list. Kept like the floor-plan read models (`ledger.read_models`): applied in
the indexer's transaction, rebuilt after a rollback, checked by `audit verify`.

One state is not stored but reported by time, as the contract reports it (`_statusOf`): a
Confirmed claim is Final once the chain's time is past its dispute window. `claims` takes that
time (the block the read models reflect) and says Final where the contract would.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlmodel import Field, SQLModel

from ledger.claims import Claim, ClaimId, ClaimKind, ClaimStatus
from ledger.membership import MemberId
from ledger.projections import EventProjection, replay

if TYPE_CHECKING:  # the contract's client needs web3: `claims` alone starts without it
    from ledger.read_models import Drift
    from ledger.settlement import ClearingClient

CLEARING = "Clearing"
"""The watched contract name (`ledger.indexer.WatchedContract.name`) of the clearing house."""

EVENTS = (
    "ClaimFiled",
    "ClaimConfirmed",
    "ClaimDisputed",
    "DisputeResolved",
    "ClaimWithdrawn",
    "ClaimSettledOffChain",
    "CycleSettled",
)
"""The events that change a claim's stored state: the contract emits one for every change."""

_IN_CHUNK = 500
"""Claim ids per ``IN (...)`` when reading the rows a step changes."""

_NOT_SERIAL = {"autoincrement": False}
_ZERO32 = "0x" + "00" * 32


class ClaimRow(SQLModel, table=True):
    """One claim as its events left it (`status` as stored: never Final by time alone).

    `amount` is a decimal string (up to 2**96 units). `dispute_ends_at` is 0 until confirmed,
    `dispute_evidence` None until disputed; `filed_block` and `changed_block` say where.
    """

    __tablename__ = "rm_claim"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    claim_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    creditor_id: int = Field(sa_type=BigInteger, index=True)
    debtor_id: int = Field(sa_type=BigInteger, index=True)
    amount: str = Field(max_length=40)
    kind: int
    status: int
    due_date: int = Field(sa_type=BigInteger)
    dispute_ends_at: int = Field(sa_type=BigInteger)
    reference: str = Field(max_length=66)
    dispute_evidence: str | None = Field(default=None, max_length=66)
    filed_block: int = Field(sa_type=BigInteger)
    changed_block: int = Field(sa_type=BigInteger)


_TABLE = ClaimRow.__table__  # type: ignore[attr-defined]
_CHANGING = ("status", "dispute_ends_at", "dispute_evidence", "changed_block")
"""The columns an event after the filing can change."""


def _filed(chain_id: int, block: int, args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "claim_id": int(args["claimId"]),
        "creditor_id": int(args["creditorId"]),
        "debtor_id": int(args["debtorId"]),
        "amount": str(int(args["amount"])),
        "kind": int(args["kind"]),
        "status": int(ClaimStatus.FILED),
        "due_date": int(args["dueDate"]),
        "dispute_ends_at": 0,
        "reference": str(args["ref"]).lower(),
        "dispute_evidence": None,
        "filed_block": block,
        "changed_block": block,
    }


def _changes(event: str, args: Mapping[str, Any]) -> Iterable[tuple[int, dict[str, Any]]]:
    """(claim id, the columns it sets) for each claim a non-filing event changes."""
    if event == "ClaimConfirmed":
        yield (
            int(args["claimId"]),
            {
                "status": int(ClaimStatus.CONFIRMED),
                "dispute_ends_at": int(args["disputeEndsAt"]),
            },
        )
    elif event == "ClaimDisputed":
        yield (
            int(args["claimId"]),
            {
                "status": int(ClaimStatus.DISPUTED),
                "dispute_evidence": str(args["evidence"]).lower(),
            },
        )
    elif event == "DisputeResolved":
        upheld = bool(args["upheld"])
        status = ClaimStatus.FINAL if upheld else ClaimStatus.REJECTED
        yield int(args["claimId"]), {"status": int(status)}
    elif event == "ClaimWithdrawn":
        yield int(args["claimId"]), {"status": int(ClaimStatus.WITHDRAWN)}
    elif event == "ClaimSettledOffChain":
        yield int(args["claimId"]), {"status": int(ClaimStatus.SETTLED)}
    elif event == "CycleSettled":
        for claim_id in args["claimIds"]:
            yield int(claim_id), {"status": int(ClaimStatus.SETTLED)}


def project(conn: Connection, chain_id: int, events: Sequence[tuple[str, int, Any]]) -> None:
    """Apply `events` ((name, block number, decoded args), in chain order) to the table: one
    insert for the claims filed among them, one batched update for the others they change."""
    filed: dict[int, dict[str, Any]] = {}
    changed: dict[int, dict[str, Any]] = {}
    for name, block, args in events:
        if name == "ClaimFiled":
            row = _filed(chain_id, block, args)
            filed[row["claim_id"]] = row
            continue
        for claim_id, columns in _changes(name, args):
            target = filed.get(claim_id)
            if target is None:
                target = changed.setdefault(claim_id, {})
            target.update(columns, changed_block=block)
    if filed:
        conn.execute(insert(_TABLE), list(filed.values()))
    if not changed:
        return
    current = _current(conn, chain_id, list(changed))
    rows = []
    for claim_id, columns in changed.items():
        stored = current.get(claim_id)
        if stored is None:
            continue  # a claim filed before the index began: nothing to change
        merged = {**stored, **columns}
        rows.append({f"v_{name}": merged[name] for name in _CHANGING} | {"b_claim": claim_id})
    if rows:
        statement = update(_TABLE).where(
            _TABLE.c.chain_id == chain_id, _TABLE.c.claim_id == bindparam("b_claim")
        )
        conn.execute(statement.values({name: bindparam(f"v_{name}") for name in _CHANGING}), rows)


def _current(conn: Connection, chain_id: int, claim_ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(claim_ids), _IN_CHUNK):
        chunk = claim_ids[start : start + _IN_CHUNK]
        query = select(_TABLE).where(_TABLE.c.chain_id == chain_id, _TABLE.c.claim_id.in_(chunk))
        for row in conn.execute(query).mappings():
            found[int(row["claim_id"])] = dict(row)
    return found


class ClaimProjection(EventProjection):
    """The indexer's projection step for the claim events (`ledger.indexer.Projection`)."""

    def __init__(self) -> None:
        super().__init__(_TABLE, CLEARING, EVENTS, project)


def fill(conn: Connection, chain_id: int | None = None) -> int:
    """Project every stored claim event (of `chain_id`, or of every chain: the migration
    that made the table fills it so); returns how many."""
    return replay(conn, CLEARING, EVENTS, project, chain_id)


def status_at(stored: ClaimStatus, dispute_ends_at: int, now: int) -> ClaimStatus:
    """The status the contract reports at chain time `now` for a claim stored as `stored`."""
    if stored is ClaimStatus.CONFIRMED and now > dispute_ends_at:
        return ClaimStatus.FINAL
    return stored


def _claim(row: Any, now: int) -> Claim:
    evidence = row.dispute_evidence
    return Claim(
        id=ClaimId(int(row.claim_id)),
        creditor_id=MemberId(int(row.creditor_id)),
        debtor_id=MemberId(int(row.debtor_id)),
        amount=int(row.amount),
        kind=ClaimKind(int(row.kind)),
        status=status_at(ClaimStatus(int(row.status)), int(row.dispute_ends_at), now),
        due_date=int(row.due_date),
        dispute_ends_at=int(row.dispute_ends_at) or None,
        reference=bytes.fromhex(str(row.reference)[2:]),
        dispute_evidence=(
            bytes.fromhex(str(evidence)[2:]) if evidence and evidence != _ZERO32 else None
        ),
    )


def claims(
    engine: Engine,
    chain_id: int,
    *,
    now: int,
    member_id: int | None = None,
    as_party: str | None = None,
    kinds: Collection[ClaimKind] = (),
    states: Collection[ClaimStatus] = (),
) -> list[Claim]:
    """The indexed claims (member `member_id`'s as creditor or debtor, only as `as_party`
    ``creditor``/``debtor`` when given; everyone's with None) of `kinds` in `states` (any when
    empty) with their status at chain time `now`, ascending id."""
    query = select(_TABLE).where(_TABLE.c.chain_id == chain_id)
    if member_id is not None:
        if as_party == "creditor":
            query = query.where(_TABLE.c.creditor_id == member_id)
        elif as_party == "debtor":
            query = query.where(_TABLE.c.debtor_id == member_id)
        else:
            query = query.where(
                or_(_TABLE.c.creditor_id == member_id, _TABLE.c.debtor_id == member_id)
            )
    if kinds:
        query = query.where(_TABLE.c.kind.in_([int(k) for k in kinds]))
    if states:
        stored = {int(s) for s in states}
        if ClaimStatus.FINAL in states:
            stored.add(int(ClaimStatus.CONFIRMED))  # final by time; sorted out below
        query = query.where(_TABLE.c.status.in_(sorted(stored)))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(_TABLE.c.claim_id)).all()
    found = [_claim(row, now) for row in rows]
    return [c for c in found if c.status in states] if states else found


def stored_claims(engine: Engine, chain_id: int) -> dict[int, dict[str, Any]]:
    """Every indexed claim row of `chain_id` by claim id (for `audit verify`)."""
    with engine.connect() as conn:
        query = select(_TABLE).where(_TABLE.c.chain_id == chain_id)
        return {int(r["claim_id"]): dict(r) for r in conn.execute(query).mappings()}


def claim_drift(engine: Engine, client: ClearingClient, *, block: int, now: int) -> list[Drift]:
    """Every claim whose read-model row differs from the contract's `claims` view at `block`
    (whose time is `now`), and every claim only one of them has; empty when they agree."""
    from ledger.read_models import Drift

    chain_id = client.sender.chain.chain_id
    ours = {c.id: c for c in claims(engine, chain_id, now=now)}
    problems: list[Drift] = []
    for on_chain in client.claims(block=block):
        mine = ours.pop(on_chain.id, None)
        if mine != on_chain:
            problems.append(Drift(where=f"claim {on_chain.id}", chain=on_chain, read_model=mine))
    problems += [
        Drift(where=f"claim {claim_id}", chain=None, read_model=ours[claim_id])
        for claim_id in sorted(ours)
    ]
    return problems
