"""Query views over the indexed events: timelines of a vehicle, a case and a member, exposure per
lender and per dealer, and open alerts.

Every view reads the database only (the indexer's mirror of the chain), so it is as fresh as
the index: each answer says through which block (`indexed_through`). Who sees what: members
holding one of `VIEW_ALL` (regulators, legal teams) see everything; a lender or dealer sees
what concerns its own credit lines, another member's objects look absent (404) or empty.

Amounts and ids in event arguments follow the indexer's encoding (`ledger.indexer.StoredEvent`):
``uint256`` values are decimal strings; the views turn the figures they compute into ints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from ledger.chain import checksum
from ledger.consortium import Principal, Role
from ledger.errors import NotFound
from ledger.indexer import MAX_PAGE, StoredEvent, arg_condition, events
from ledger.models import IndexedEvent
from ledger.read_models import ALERT_EVENTS, FloorPlanIndex, FloorPlanLineRow, FloorPlanVehicleRow
from notary.models import AnchorBatch, EvidenceItem

VIEW_ALL = frozenset({Role.REGULATOR, Role.LEGAL})
"""Roles that see every member's lines, vehicles, cases and timelines in the views."""

FLOOR_PLAN = "FloorPlan"
LOT_AUDIT = "LotAudit"
REGISTRY = "EvidenceRegistry"
CONSORTIUM = "Consortium"
CLEARING = "Clearing"

MEMBER_ID_ARGS = (
    "lenderId",
    "dealerId",
    "openerId",
    "notaryId",
    "byMemberId",
    "creditorId",
    "debtorId",
    "memberId",
    "bankId",
)
"""Event arguments that hold a consortium member id: a member's timeline matches them too."""


_EVENTS = IndexedEvent.__table__  # type: ignore[attr-defined]


def sees_everything(principal: Principal) -> bool:
    """Whether `principal` sees every member's data in the views."""
    return bool(principal.roles & VIEW_ALL)


def _int(value: Any) -> int:
    """An indexed integer argument (a JSON number, or a decimal string above 48 bits)."""
    return int(value)


def stream_events(
    engine: Engine,
    *,
    chain_id: int,
    contract: str | None = None,
    names: Sequence[str] | None = None,
    conditions: Sequence[ColumnElement[bool]] = (),
    from_block: int | None = None,
    to_block: int | None = None,
) -> Iterator[StoredEvent]:
    """Every stored event matching, in chain order, read in pages (no `MAX_PAGE` cap)."""
    where: list[ColumnElement[bool]] = [_EVENTS.c.chain_id == chain_id, *conditions]
    if contract is not None:
        where.append(_EVENTS.c.contract == contract)
    if names is not None:
        where.append(_EVENTS.c.event.in_(list(names)))
    if from_block is not None:
        where.append(_EVENTS.c.block_number >= from_block)
    if to_block is not None:
        where.append(_EVENTS.c.block_number <= to_block)
    after: tuple[int, int] | None = None
    while True:
        page_where = list(where)
        if after is not None:
            page_where.append(
                or_(
                    _EVENTS.c.block_number > after[0],
                    (_EVENTS.c.block_number == after[0]) & (_EVENTS.c.log_index > after[1]),
                )
            )
        query = (
            select(_EVENTS)
            .where(*page_where)
            .order_by(_EVENTS.c.block_number, _EVENTS.c.log_index)
            .limit(MAX_PAGE)
        )
        with engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        for row in rows:
            yield StoredEvent.from_row(row)
        if len(rows) < MAX_PAGE:
            return
        last = rows[-1]
        after = (int(last["block_number"]), int(last["log_index"]))


def _all(engine: Engine, **filters: Any) -> list[StoredEvent]:
    """Every result of `ledger.indexer.events` with `filters`, over as many pages as it takes."""
    found: list[StoredEvent] = []
    while True:
        page = events(engine, offset=len(found), limit=MAX_PAGE, **filters)
        found.extend(page)
        if len(page) < MAX_PAGE:
            return found


# -- members and lines --------------------------------------------------------------------------


def member_names(engine: Engine, chain_id: int) -> dict[int, str]:
    """Member id → organization name, from the Consortium's `MemberAdmitted` events."""
    return {
        _int(e.args["id"]): str(e.args["name"])
        for e in stream_events(
            engine, chain_id=chain_id, contract=CONSORTIUM, names=["MemberAdmitted"]
        )
    }


def member_addresses(engine: Engine, chain_id: int, member_id: int) -> list[str] | None:
    """Every address member `member_id` has held (admission, then key rotations), oldest
    first; None when no such member was admitted."""
    found: list[str] = []
    for e in stream_events(
        engine,
        chain_id=chain_id,
        contract=CONSORTIUM,
        names=["MemberAdmitted", "MemberKeyRotated"],
    ):
        if _int(e.args["id"]) != member_id:
            continue
        for key in ("account", "newAccount"):
            address = e.args.get(key)
            if isinstance(address, str) and address not in found:
                found.append(address)
    return found or None


def visible_member_addresses(
    engine: Engine, chain_id: int, member_id: int, principal: Principal
) -> list[str]:
    """The addresses of member `member_id` for its timeline, if `principal` may read it (its
    own, or anyone's with `VIEW_ALL`); raises `NotFound` otherwise, or for no such member."""
    if member_id != principal.member_id and not sees_everything(principal):
        raise NotFound(f"no member {member_id}")
    addresses = member_addresses(engine, chain_id, member_id)
    if addresses is None:
        if member_id != principal.member_id:
            raise NotFound(f"no member {member_id}")
        addresses = [principal.address]  # admitted before the index began
    return addresses


@dataclass
class LineBook:
    """A credit line as its FloorPlan events leave it: parties, limit, principal outstanding,
    active liens, and status (``open``, ``frozen``, ``closed``)."""

    id: int
    lender_id: int
    dealer_id: int
    limit: int
    outstanding: int = 0
    active_liens: int = 0
    status: str = "open"

    def concerns(self, member_id: int) -> bool:
        """Whether `member_id` is the line's lender or dealer."""
        return member_id in (self.lender_id, self.dealer_id)


def line_books(engine: Engine, chain_id: int) -> dict[int, LineBook]:
    """Every credit line, from the floor-plan read models (`ledger.read_models`): one query
    whatever the chain's history (this replayed every FloorPlan event on each request, so the
    regulator's exposure page grew with the history: 224 ms at 10,000 vehicles)."""
    index = FloorPlanIndex(engine, chain_id, block=0, now=0)  # lines do not depend on the time
    return {
        line.id: LineBook(
            id=line.id,
            lender_id=line.lender_id,
            dealer_id=line.dealer_id,
            limit=line.limit,
            outstanding=line.outstanding,
            active_liens=line.active_liens,
            status=line.status.name.lower(),
        )
        for line in index.lines()
    }


def visible_lines(books: dict[int, LineBook], principal: Principal) -> dict[int, LineBook]:
    """The lines `principal` may see: all with `VIEW_ALL`, else those it is a party to."""
    if sees_everything(principal):
        return dict(books)
    return {i: b for i, b in books.items() if b.concerns(principal.member_id)}


# -- exposure -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Exposure:
    """What one lender has outstanding to its dealers, or one dealer owes its lenders."""

    member_id: int
    name: str
    lines: int
    limit: int
    outstanding: int
    active_liens: int


def exposure(
    lines: Iterable[LineBook], names: dict[int, str]
) -> tuple[list[Exposure], list[Exposure]]:
    """(per lender, per dealer) totals over `lines`, each by member id."""
    lines = list(lines)

    def totals(party: Callable[[LineBook], int]) -> list[Exposure]:
        groups: dict[int, list[LineBook]] = {}
        for line in lines:
            groups.setdefault(party(line), []).append(line)
        return [
            Exposure(
                member_id=member_id,
                name=names.get(member_id, ""),
                lines=len(group),
                limit=sum(b.limit for b in group if b.status != "closed"),
                outstanding=sum(b.outstanding for b in group),
                active_liens=sum(b.active_liens for b in group),
            )
            for member_id, group in sorted(groups.items())
        ]

    return totals(lambda b: b.lender_id), totals(lambda b: b.dealer_id)


# -- timelines ----------------------------------------------------------------------------------


def vehicle_events(engine: Engine, chain_id: int, vin_hash: bytes) -> list[StoredEvent]:
    """Every FloorPlan and LotAudit event of the vehicle with `vin_hash`, in chain order."""
    key = {"vinHash": "0x" + bytes(vin_hash).hex()}
    found = _all(engine, chain_id=chain_id, contract=FLOOR_PLAN, args=key)
    found += _all(engine, chain_id=chain_id, contract=LOT_AUDIT, args=key)
    return sorted(found, key=lambda e: (e.block_number, e.log_index))


def audit_lines(engine: Engine, chain_id: int) -> dict[int, int]:
    """Lot audit id → the line it audits, from `AuditOpened` events."""
    return {
        _int(e.args["auditId"]): _int(e.args["lineId"])
        for e in stream_events(engine, chain_id=chain_id, contract=LOT_AUDIT, names=["AuditOpened"])
    }


def lines_of(events_: Sequence[StoredEvent], audits: dict[int, int]) -> list[set[int]]:
    """The line(s) each of a vehicle's `events_` concerns.

    An event names its line, or both lines of a transfer, or (a lot audit result) its audit's
    line; the others (certificate mismatch, registration) concern the line of the lien in force.
    """
    current: int | None = None
    found: list[set[int]] = []
    for e in events_:
        a = e.args
        lines: set[int] = set()
        if "lineId" in a:
            lines = {_int(a["lineId"])}
        elif "fromLineId" in a:
            lines = {_int(a["fromLineId"]), _int(a["toLineId"])} - {0}
        elif "auditId" in a and _int(a["auditId"]) in audits:
            lines = {audits[_int(a["auditId"])]}
        elif current is not None:
            lines = {current}
        if e.event == "VehicleFinanced":
            current = _int(a["lineId"])
        elif e.event == "LienTransferred":
            current = _int(a["toLineId"])
        found.append(lines)
    return found


def vehicle_timeline(
    engine: Engine, chain_id: int, vin_hash: bytes, principal: Principal
) -> list[StoredEvent]:
    """The vehicle's lien events `principal` may see (all of them with `VIEW_ALL`; else those
    on lines it is lender or dealer of)."""
    found = vehicle_events(engine, chain_id, vin_hash)
    if sees_everything(principal):
        return found
    books = line_books(engine, chain_id)
    mine = {i for i, b in books.items() if b.concerns(principal.member_id)}
    audits = audit_lines(engine, chain_id)
    return [e for e, lines in zip(found, lines_of(found, audits), strict=True) if lines & mine]


@dataclass(frozen=True, kw_only=True)
class TimelineEntry:
    """One entry of a case timeline: an evidence item's submission (`kind` ``evidence``), or a
    chain event about items of the case (`kind` ``event``); `evidence_ids` names the items."""

    kind: str
    name: str
    at: datetime
    evidence_ids: tuple[str, ...]
    block_number: int | None = None
    tx_hash: str | None = None
    log_index: int | None = None
    contract: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    order: datetime | None = field(default=None, repr=False, compare=False)


def case_items(
    engine: Engine, case_commitment: str, principal: Principal, *, sees_all: bool
) -> list[EvidenceItem]:
    """The evidence items of the case `principal` may see, oldest first."""
    query = sqlmodel_select(EvidenceItem).where(EvidenceItem.case_commitment == case_commitment)
    if not sees_all:
        query = query.where(EvidenceItem.submitter_id == principal.member_id)
    with Session(engine) as session:
        return list(session.exec(query.order_by(col(EvidenceItem.id))).all())


CASE_QUERY_VALUES = 500
"""Items of a case looked up in one query of the indexed events (well under SQLite's limit of
bound parameters)."""


def case_timeline(
    engine: Engine, chain_id: int, items: Sequence[EvidenceItem]
) -> list[TimelineEntry]:
    """The submissions of `items` and the EvidenceRegistry events about them (their batches'
    anchoring, a digest anchored alone, supersession, forgetting), in time order."""
    entries = [
        TimelineEntry(
            kind="evidence",
            name="submitted",
            at=item.submitted_at,
            evidence_ids=(item.public_id,),
            args={
                "evidence_type": item.evidence_type,
                "document_digest": item.document_digest,
                "leaf_hash": item.leaf_hash,
                "status": item.status,
                "channel": item.channel,
                "contact_time": item.contact_time.isoformat() if item.contact_time else None,
            },
        )
        for item in items
    ]
    by_leaf = {"0x" + item.leaf_hash: item.public_id for item in items}
    by_digest: dict[str, list[str]] = {}
    for item in items:
        by_digest.setdefault("0x" + item.document_digest, []).append(item.public_id)
    batch_ids = {item.batch_id for item in items if item.batch_id is not None}
    with Session(engine) as session:
        batches = session.exec(
            sqlmodel_select(AnchorBatch).where(col(AnchorBatch.id).in_(batch_ids))
        ).all()
    by_root = {
        "0x" + b.root: tuple(i.public_id for i in items if i.batch_id == b.id) for b in batches
    }
    found: dict[tuple[int, str, int], tuple[StoredEvent, tuple[str, ...]]] = {}
    wanted: list[tuple[str, str, dict[str, tuple[str, ...]]]] = [
        ("BatchAnchored", "root", by_root),
        ("DigestAnchored", "digest", {k: tuple(v) for k, v in by_digest.items()}),
        ("ItemSuperseded", "item", {k: (v,) for k, v in by_leaf.items()}),
        ("ItemSuperseded", "replacement", {k: (v,) for k, v in by_leaf.items()}),
        ("PersonalDataForgotten", "item", {k: (v,) for k, v in by_leaf.items()}),
    ]
    for name, argument, keys in wanted:
        values = sorted(keys)
        # one query per event and up to CASE_QUERY_VALUES items (it was one per item: 100
        # queries for a 20-item case, each scanning the event's rows)
        for start in range(0, len(values), CASE_QUERY_VALUES):
            chunk = values[start : start + CASE_QUERY_VALUES]
            for e in _all(
                engine, chain_id=chain_id, contract=REGISTRY, event=name, args={argument: chunk}
            ):
                ids = keys.get(str(e.args[argument]).lower(), ())
                key = (e.block_number, e.block_hash, e.log_index)
                known = found.get(key, (e, ()))[1]
                found[key] = (e, known + tuple(i for i in ids if i not in known))
    # The chain's clock and the service's may disagree. Events keep their chain order, and
    # none sorts before the submission of an item it is about; otherwise time decides.
    submitted = {item.public_id: _utc(item.submitted_at) for item in items}
    floor = datetime.min.replace(tzinfo=UTC)
    for key in sorted(found):
        e, ids = found[key]
        floor = max([floor, _utc(e.block_time), *(submitted[i] for i in ids)])
        entries.append(
            TimelineEntry(
                kind="event",
                name=e.event,
                at=e.block_time,
                evidence_ids=ids,
                block_number=e.block_number,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                contract=e.contract,
                args=e.args,
                order=floor,
            )
        )
    entries.sort(key=lambda t: (t.order or _utc(t.at), t.kind == "event"))
    return entries


LINE_ID_ARGS = ("lineId", "fromLineId", "toLineId")
"""Event arguments that name a credit line: a line's lender and dealer are concerned."""


def _arg_patterns(name: str, value: int) -> list[str]:
    """``args_json`` LIKE patterns of argument `name` holding `value` (a JSON number, or a
    decimal string above 48 bits: `ledger.indexer.StoredEvent`)."""
    return [f'%"{name}":"{value}"%', f'%"{name}":{value},%', f'%"{name}":{value}}}%']


def member_lines(engine: Engine, chain_id: int, member_id: int) -> list[int]:
    """The lines member `member_id` is the lender or dealer of, from the floor plan's read
    model (`ledger.read_models.FloorPlanLineRow`)."""
    table = FloorPlanLineRow.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.line_id)
        .where(
            table.c.chain_id == chain_id,
            or_(table.c.lender_id == member_id, table.c.dealer_id == member_id),
        )
        .order_by(table.c.line_id)
    )
    with engine.connect() as conn:
        return [int(row.line_id) for row in conn.execute(query)]


def member_claims(engine: Engine, chain_id: int, member_id: int) -> list[int]:
    """The clearing claims member `member_id` is the creditor or debtor of (`ClaimFiled`)."""
    patterns = _arg_patterns("creditorId", member_id) + _arg_patterns("debtorId", member_id)
    return [
        _int(e.args["claimId"])
        for e in stream_events(
            engine,
            chain_id=chain_id,
            contract=CLEARING,
            names=["ClaimFiled"],
            conditions=[or_(*(_EVENTS.c.args_json.like(p) for p in patterns))],
        )
    ]


VEHICLE_ONLY_EVENTS = ("CertificateMismatch", "RegistrationRecorded")
"""FloorPlan events that name only a vehicle: they concern the line of its lien."""


def _vehicle_only(
    chain_id: int, lines: Sequence[int], line_patterns: Sequence[str]
) -> ColumnElement[bool]:
    """A vehicle-only event of one of `lines`: in the same transaction as an event of the line
    (a mismatch or registration of an advance, a registration ended by a release), or about a
    vehicle whose lien (in force, or the last one) is on the line, per the read model (a
    registration recorded later)."""
    same = _EVENTS.alias("same_transaction")
    line_events = select(same.c.tx_hash).where(
        same.c.chain_id == chain_id,
        same.c.contract == FLOOR_PLAN,
        or_(*(same.c.args_json.like(p) for p in line_patterns)),
    )
    vehicles = FloorPlanVehicleRow.__table__  # type: ignore[attr-defined]
    on_line = (
        select(vehicles.c.vin_hash)
        .where(
            vehicles.c.chain_id == chain_id,
            vehicles.c.line_id.in_(list(lines)),
            _EVENTS.c.args_json.like(literal('%"vinHash":"') + vehicles.c.vin_hash + literal('"%')),
        )
        .exists()
    )
    condition: ColumnElement[bool] = (
        (_EVENTS.c.contract == FLOOR_PLAN)
        & _EVENTS.c.event.in_(VEHICLE_ONLY_EVENTS)
        & or_(_EVENTS.c.tx_hash.in_(line_events), on_line)
    )
    return condition


def member_concerns(
    engine: Engine, chain_id: int, member_id: int, addresses: Sequence[str]
) -> ColumnElement[bool]:
    """The condition on stored events that concern member `member_id`: one of its
    `addresses` or its id in an argument (`MEMBER_ID_ARGS`); an event of a line it is the
    lender or dealer of (an advance names only its line), of a lot audit of such a line, or
    of a clearing claim it is the creditor or debtor of."""
    patterns = [f'%"{checksum(a)}"%' for a in addresses]
    for name in MEMBER_ID_ARGS:
        patterns += _arg_patterns(name, member_id)
    lines = member_lines(engine, chain_id, member_id)
    line_patterns = [
        p for line in lines for name in LINE_ID_ARGS for p in _arg_patterns(name, line)
    ]
    patterns += line_patterns
    mine = set(lines)
    audits = [audit for audit, line in audit_lines(engine, chain_id).items() if line in mine]
    audit_patterns = [p for audit in audits for p in _arg_patterns("auditId", audit)]
    claim_patterns = [
        p
        for claim in member_claims(engine, chain_id, member_id)
        for p in _arg_patterns("claimId", claim)
    ]
    concerns = [_EVENTS.c.args_json.like(p) for p in patterns]
    if audit_patterns:
        concerns.append(
            (_EVENTS.c.contract == LOT_AUDIT)
            & or_(*(_EVENTS.c.args_json.like(p) for p in audit_patterns))
        )
    if claim_patterns:
        concerns.append(
            (_EVENTS.c.contract == CLEARING)
            & or_(*(_EVENTS.c.args_json.like(p) for p in claim_patterns))
        )
    if lines:
        concerns.append(_vehicle_only(chain_id, lines, line_patterns))
    return or_(*concerns)


def member_timeline(
    engine: Engine,
    *,
    chain_id: int,
    member_id: int,
    addresses: Sequence[str],
    contract: str | None = None,
    event: str | None = None,
    from_block: int | None = None,
    to_block: int | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[StoredEvent], int]:
    """The events that concern the member (`member_concerns`), in chain order: one page and
    the total count; `since` and `before` bound the block time (`before` excluded)."""
    where: list[ColumnElement[bool]] = [
        _EVENTS.c.chain_id == chain_id,
        member_concerns(engine, chain_id, member_id, addresses),
    ]
    if contract is not None:
        where.append(_EVENTS.c.contract == contract)
    if event is not None:
        where.append(_EVENTS.c.event == event)
    if from_block is not None:
        where.append(_EVENTS.c.block_number >= from_block)
    if to_block is not None:
        where.append(_EVENTS.c.block_number <= to_block)
    if since is not None:
        where.append(_EVENTS.c.block_time >= _utc(since))
    if before is not None:
        where.append(_EVENTS.c.block_time < _utc(before))
    with engine.connect() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(_EVENTS).where(*where)).scalar_one()
        )
        rows = (
            conn.execute(
                select(_EVENTS)
                .where(*where)
                .order_by(_EVENTS.c.block_number, _EVENTS.c.log_index)
                .offset(offset)
                .limit(min(limit, MAX_PAGE))
            )
            .mappings()
            .all()
        )
    return [StoredEvent.from_row(r) for r in rows], total


def member_accounts(engine: Engine, chain_id: int) -> dict[str, int]:
    """Every address a member has held (admission, key rotations), lower case → member id."""
    found: dict[str, int] = {}
    for e in stream_events(
        engine,
        chain_id=chain_id,
        contract=CONSORTIUM,
        names=["MemberAdmitted", "MemberKeyRotated"],
    ):
        for key in ("account", "newAccount"):
            address = e.args.get(key)
            if isinstance(address, str):
                found[address.lower()] = _int(e.args["id"])
    return found


def line_parties(engine: Engine, chain_id: int) -> dict[int, tuple[int, int]]:
    """Every line's (lender, dealer), from the floor plan's read model."""
    table = FloorPlanLineRow.__table__  # type: ignore[attr-defined]
    query = select(table.c.line_id, table.c.lender_id, table.c.dealer_id).where(
        table.c.chain_id == chain_id
    )
    with engine.connect() as conn:
        return {int(r.line_id): (int(r.lender_id), int(r.dealer_id)) for r in conn.execute(query)}


# -- alerts -------------------------------------------------------------------------------------


@dataclass
class OpenAlert:
    """An alert raised by a FloorPlan event and not resolved since.

    Resolution: any alert on a vehicle ends when its lien on that line ends (released, or
    transferred to another line); ``unconfirmed`` also when the dealer confirms later;
    ``curtailment_overdue`` also once later payments bring the principal paid up to what was
    due; ``line_frozen_by_audit`` when the line is unfrozen or closed.
    """

    kind: str
    line_id: int | None
    vin_hash: str | None
    block_number: int
    block_time: datetime
    tx_hash: str
    log_index: int
    details: dict[str, Any]


_ALERT_STREAM = (*ALERT_EVENTS, "VehicleFinanced", "VehicleConfirmed", "CurtailmentPaid",
                 "LienReleased", "LienTransferred", "LineUnfrozen", "LineClosed")  # fmt: skip


_VEHICLE_ENDINGS = ("VehicleFinanced", "VehicleConfirmed", "CurtailmentPaid", "LienReleased",
                    "LienTransferred")  # fmt: skip
_LINE_ENDINGS = ("LineUnfrozen", "LineClosed")

OPEN_ALERT_KEYS = 5000
"""Vehicles (and lines) with alerts that `open_alerts` names in its query; past that many it
reads every event of the stream (the same answer, in time that grows with the history)."""


def open_alerts(engine: Engine, chain_id: int) -> list[OpenAlert]:
    """Every alert still open, oldest first (see `OpenAlert` for when one closes).

    Two queries: the alert events (alerts are few), then, from the first alert's block, only
    the events that can end one: those naming one of its vehicles or lines. Reading every
    advance, confirmation and payment of the history made the regulator's alert page grow
    with it (316 ms at 10,000 vehicles)."""
    raised = list(
        stream_events(engine, chain_id=chain_id, contract=FLOOR_PLAN, names=list(ALERT_EVENTS))
    )
    if not raised:
        return []
    vins = sorted({str(e.args["vinHash"]) for e in raised if e.args.get("vinHash")})
    lines = sorted({_int(e.args["lineId"]) for e in raised if "lineId" in e.args})
    conditions: list[ColumnElement[bool]] = []
    if len(vins) <= OPEN_ALERT_KEYS and len(lines) <= OPEN_ALERT_KEYS:
        dialect = engine.dialect.name
        conditions.append(
            or_(
                _EVENTS.c.event.in_(list(ALERT_EVENTS)),
                _EVENTS.c.event.in_(_VEHICLE_ENDINGS) & arg_condition(dialect, "vinHash", vins),
                _EVENTS.c.event.in_(_LINE_ENDINGS)
                & arg_condition(dialect, "lineId", [str(i) for i in lines]),
            )
        )
    stream = stream_events(
        engine,
        chain_id=chain_id,
        contract=FLOOR_PLAN,
        names=_ALERT_STREAM,
        conditions=conditions,
        from_block=raised[0].block_number,
    )
    return _still_open(stream)


def _still_open(stream: Iterable[StoredEvent]) -> list[OpenAlert]:
    alerts: list[OpenAlert] = []
    for e in stream:
        a = e.args
        vin: str | None = a.get("vinHash")
        if e.event == "VehicleFinanced":
            # The contract emits a certificate mismatch before the advance it belongs to.
            for x in alerts:
                if x.line_id is None and x.tx_hash == e.tx_hash and x.vin_hash == vin:
                    x.line_id = _int(a["lineId"])
            continue
        if e.event in ("LienReleased", "LienTransferred"):
            line = _int(a.get("lineId", a.get("fromLineId")))
            alerts = [x for x in alerts if not (x.vin_hash == vin and x.line_id == line)]
            continue
        if e.event == "VehicleConfirmed":
            line = _int(a["lineId"])
            alerts = [
                x
                for x in alerts
                if not (x.kind == "unconfirmed" and x.vin_hash == vin and x.line_id == line)
            ]
            continue
        if e.event == "CurtailmentPaid":
            line = _int(a["lineId"])
            for x in alerts:
                if x.kind == "curtailment_overdue" and x.vin_hash == vin and x.line_id == line:
                    x.details["paid"] = _int(x.details["paid"]) + _int(a["amount"])
            alerts = [
                x
                for x in alerts
                if not (
                    x.kind == "curtailment_overdue"
                    and x.vin_hash == vin
                    and x.line_id == line
                    and _int(x.details["paid"]) >= _int(x.details["due"])
                )
            ]
            continue
        if e.event in ("LineUnfrozen", "LineClosed"):
            line = _int(a["lineId"])
            alerts = [
                x for x in alerts if not (x.kind == "line_frozen_by_audit" and x.line_id == line)
            ]
            continue
        if e.event == "LineFrozen" and not _int(a["auditId"]):
            continue
        details = {k: v for k, v in a.items() if k not in ("vinHash", "lineId")}
        line_id = _int(a["lineId"]) if "lineId" in a else None
        if e.event == "CurtailmentOverdue":
            details = {"due": _int(a["due"]), "paid": _int(a["paid"])}
        alerts.append(
            OpenAlert(
                kind=ALERT_EVENTS[e.event],
                line_id=line_id,
                vin_hash=vin,
                block_number=e.block_number,
                block_time=e.block_time,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                details=details,
            )
        )
    return alerts


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
