"""Consortium members as a read model: each member's current address, name, status and roles,
projected from the indexed `Consortium` events.

Why. Authentication asked the contract for the caller's member record and roles (two calls to
the node per member and block), and every page that names members asked for each one. The
contract emits an event for each change of a member (`MemberAdmitted`, `MemberSuspended`,
`MemberReinstated`, `MemberRemoved`, `MemberRoleGranted`, `MemberRoleRevoked`,
`MemberKeyRotated`), so the events say the same. `IndexedMembers` answers from this table once
the index has reached the chain's head (`api.members.MemberCache` asks it once per block), so a
suspension or a key rotation takes effect at the next block, as before, with no chain call
on the hot path but the head the index is brought to. Kept like the floor-plan read models
(`ledger.read_models`): applied in the indexer's transaction, rebuilt after a rollback,
checked against the contract by `audit verify` (`member_drift`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Text, insert, select, update
from sqlmodel import Field, SQLModel

from ledger.chain import checksum
from ledger.consortium import ConsortiumClient, Member, MemberId, MemberStatus
from ledger.errors import TransactionReverted
from ledger.membership import Role
from ledger.projections import EventProjection, replay
from ledger.read_models import Drift

CONSORTIUM = "Consortium"
"""The watched contract name (`ledger.indexer.WatchedContract.name`) of the consortium."""

EVENTS = (
    "MemberAdmitted",
    "MemberSuspended",
    "MemberReinstated",
    "MemberRemoved",
    "MemberRoleGranted",
    "MemberRoleRevoked",
    "MemberKeyRotated",
)
"""The events that change a member: the contract emits one for every change."""

_NOT_SERIAL = {"autoincrement": False}


class MemberRow(SQLModel, table=True):
    """One member as its events left it: `address` its current key (lowercase hex), `roles`
    a JSON list of role names in `Role` order (the contract's `knownRoles()` order)."""

    __tablename__ = "rm_member"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    member_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    address: str = Field(max_length=42, index=True)
    name: str = Field(sa_type=Text)
    status: int
    joined_at_block: int = Field(sa_type=BigInteger)
    roles: str = Field(sa_type=Text)
    changed_block: int = Field(sa_type=BigInteger)


_TABLE = MemberRow.__table__  # type: ignore[attr-defined]
_ROLE_BY_ID = {"0x" + role.id.hex(): role for role in Role}
_ORDER = {role: n for n, role in enumerate(Role)}


def _in_order(roles: set[Role]) -> str:
    return json.dumps([r.value for r in sorted(roles, key=_ORDER.__getitem__)])


def project(conn: Connection, chain_id: int, events: Sequence[tuple[str, int, Any]]) -> None:
    """Apply `events` ((name, block number, decoded args), in chain order) to the table: the
    members they name are read once, changed in memory, then inserted or updated."""
    touched = {int(args["id"]) for _, _, args in events}
    rows: dict[int, dict[str, Any]] = {}
    for start in range(0, len(touched), 500):
        chunk = sorted(touched)[start : start + 500]
        query = select(_TABLE).where(_TABLE.c.chain_id == chain_id, _TABLE.c.member_id.in_(chunk))
        rows.update({int(r["member_id"]): dict(r) for r in conn.execute(query).mappings()})
    stored = set(rows)
    roles = {
        member_id: {Role(r) for r in json.loads(row["roles"])} for member_id, row in rows.items()
    }
    for name, block, args in events:
        member_id = int(args["id"])
        if name == "MemberAdmitted":
            rows[member_id] = {
                "chain_id": chain_id,
                "member_id": member_id,
                "address": str(args["account"]).lower(),
                "name": str(args["name"]),
                "status": int(MemberStatus.ACTIVE),
                "joined_at_block": block,
            }
            roles[member_id] = set()
        row = rows.get(member_id)
        if row is None:
            continue  # a member admitted before the index began: nothing to change
        row["changed_block"] = block
        if name == "MemberSuspended":
            row["status"] = int(MemberStatus.SUSPENDED)
        elif name == "MemberReinstated":
            row["status"] = int(MemberStatus.ACTIVE)
        elif name == "MemberRemoved":
            row["status"] = int(MemberStatus.REMOVED)
        elif name == "MemberKeyRotated":
            row["address"] = str(args["newAccount"]).lower()
        elif name in ("MemberRoleGranted", "MemberRoleRevoked"):
            role = _ROLE_BY_ID.get(str(args["role"]).lower())
            if role is not None:  # a role this service does not know is not shown, as before
                if name == "MemberRoleGranted":
                    roles[member_id].add(role)
                else:
                    roles[member_id].discard(role)
    for member_id, row in rows.items():
        row["roles"] = _in_order(roles[member_id])
    new = [row for member_id, row in rows.items() if member_id not in stored]
    if new:
        conn.execute(insert(_TABLE), new)
    for member_id in stored:
        row = rows[member_id]
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.chain_id == chain_id, _TABLE.c.member_id == member_id)
            .values({k: v for k, v in row.items() if k not in ("chain_id", "member_id")})
        )


class MemberProjection(EventProjection):
    """The indexer's projection step for the member events (`ledger.indexer.Projection`)."""

    def __init__(self) -> None:
        super().__init__(_TABLE, CONSORTIUM, EVENTS, project)


def fill(conn: Connection, chain_id: int | None = None) -> int:
    """Project every stored member event (of `chain_id`, or of every chain: the migration
    that made the table fills it so); returns how many."""
    return replay(conn, CONSORTIUM, EVENTS, project, chain_id)


def _member(row: Any) -> Member:
    return Member(
        id=MemberId(int(row.member_id)),
        address=checksum(str(row.address)),
        name=str(row.name),
        status=MemberStatus(int(row.status)),
        joined_at_block=int(row.joined_at_block),
        roles=tuple(Role(r) for r in json.loads(row.roles)),
    )


class IndexedMembers:
    """`ConsortiumClient.member` and `members` answered from the read model, after
    `catch_up()` has brought the index to the chain's head (it indexes only when behind).

    Raises `TransactionReverted` as the contract's views revert: ``ConsortiumNotMember`` for
    an address that is no member's current address (retired keys included),
    ``ConsortiumUnknownMember`` for an unknown id."""

    def __init__(self, engine: Engine, chain_id: int, catch_up: Callable[[], None]) -> None:
        self.engine = engine
        self.chain_id = chain_id
        self.catch_up = catch_up

    def member(self, address_or_id: str | int) -> Member:
        """The member with this current address or member id, as of the chain's head."""
        self.catch_up()
        query = select(_TABLE).where(_TABLE.c.chain_id == self.chain_id)
        if isinstance(address_or_id, int):
            query = query.where(_TABLE.c.member_id == address_or_id)
        else:
            query = query.where(_TABLE.c.address == address_or_id.lower())
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is not None:
            return _member(row)
        if isinstance(address_or_id, int):
            raise TransactionReverted("ConsortiumUnknownMember", {"id": address_or_id})
        raise TransactionReverted("ConsortiumNotMember", {"account": checksum(address_or_id)})

    def members(self) -> list[Member]:
        """Every member ever admitted (any status), by id, as of the chain's head."""
        self.catch_up()
        query = select(_TABLE).where(_TABLE.c.chain_id == self.chain_id)
        with self.engine.connect() as conn:
            return [_member(r) for r in conn.execute(query.order_by(_TABLE.c.member_id))]


def member_drift(engine: Engine, client: ConsortiumClient, *, block: int) -> list[Drift]:
    """Every member whose read-model row differs from the contract's views at `block`, and
    every member only one of them has; empty when they agree."""
    chain = client.sender.chain
    functions = client.contract.functions
    ours = {m.id: m for m in IndexedMembers(engine, chain.chain_id, lambda: None).members()}
    problems: list[Drift] = []
    count = int(chain.rpc(functions.memberCount().call, block_identifier=block))
    for member_id in range(1, count + 1):
        fields = chain.rpc(functions.member(member_id).call, block_identifier=block)
        roles = chain.rpc(functions.rolesOf(checksum(fields[1])).call, block_identifier=block)
        on_chain = Member.from_call(fields, roles)
        mine = ours.pop(on_chain.id, None)
        if mine != on_chain:
            problems.append(Drift(where=f"member {member_id}", chain=on_chain, read_model=mine))
    problems += [Drift(where=f"member {i}", chain=None, read_model=ours[i]) for i in sorted(ours)]
    return problems
