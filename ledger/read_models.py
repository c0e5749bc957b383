"""Floor-plan read models: lines, terms, vehicles and their liens, and recorded alerts, projected
from the indexed FloorPlan events.

Why. The pages and `/v1` reads of financing used to re-read every FloorPlan log from the node and
make one ``eth_call`` per vehicle on each request, so their cost grew with the whole chain's
history. These tables hold the same facts, kept current by the indexer (`ledger.indexer`): one
projection step per event, applied in the database transaction that stores the events, so the
read models are always exactly the events up to the indexer's cursor. A reorg rollback rebuilds
them from the events that remain, in the rollback's transaction; `rebuild` does the same on
demand (``autoledger index rebuild``).

What is projected is what the contract's views return (`FloorPlan.vehicle`, `line`, `terms`),
computed from the events alone, with the contract's own rules: a lien's terms are its line's at
disbursement, interest accrues per period closed by each curtailment payment, a release or a
transfer clears the lien's progress, registration and transfer offer. Two figures depend on the
time and are derived when read, from a block time the caller gives: the effective status (a sold
vehicle past its payoff deadline reads SOLD_OUT_OF_TRUST) and payoffs and curtailments due.
`oversight.audit` compares every projected row with the contract's views (a drift is a
discrepancy).

Amounts can exceed 64 bits (a line limit is a uint96), so the state of each row is a JSON object
(`state_json`, integers exact); the columns beside it are what queries filter and order on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Index, Text, delete, insert, select
from sqlmodel import Field, SQLModel

from ledger.financing import Curtailments as CurtailmentsDue
from ledger.financing import CurtailmentStep, LineTerms, Payoff, curtailments, interest
from ledger.floorplan import FloorPlanClient, Line, LineId, LineStatus, Vehicle, VehicleStatus
from ledger.models import IndexedEvent
from ledger.vin import VinHash

log = logging.getLogger("autoledger.indexer")

FLOOR_PLAN = "FloorPlan"
"""The watched contract name (`ledger.indexer.WatchedContract.name`) whose events are projected."""

ALERT_EVENTS = {
    "VehicleSoldOutOfTrust": "sold_out_of_trust",
    "SoldOutOfTrustAlert": "missing_in_audit",
    "CurtailmentOverdue": "curtailment_overdue",
    "VehicleUnconfirmed": "unconfirmed",
    "CertificateMismatch": "certificate_mismatch",
    "LineFrozen": "line_frozen_by_audit",
}
"""Alert kinds and the events that record them."""

REBUILD_PAGE = 5000
"""Events read per query while rebuilding: bounded memory for any history."""


# -- tables ---------------------------------------------------------------------------------------

_NOT_SERIAL = {"autoincrement": False}


class FloorPlanTermsRow(SQLModel, table=True):
    """Terms `terms_id` of a line (`TermsSet`), as the contract's `terms(termsId)` returns them."""

    __tablename__ = "rm_floor_plan_terms"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    terms_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    line_id: int = Field(sa_type=BigInteger)
    state_json: str = Field(sa_type=Text)


class FloorPlanLineRow(SQLModel, table=True):
    """Credit line `line_id`, as the contract's `line(lineId)` returns it."""

    __tablename__ = "rm_floor_plan_line"
    __table_args__ = (
        Index("ix_rm_floor_plan_line_lender", "chain_id", "lender_id"),
        Index("ix_rm_floor_plan_line_dealer", "chain_id", "dealer_id"),
    )

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    line_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    lender_id: int = Field(sa_type=BigInteger)
    dealer_id: int = Field(sa_type=BigInteger)
    state_json: str = Field(sa_type=Text)


class FloorPlanVehicleRow(SQLModel, table=True):
    """A vehicle and its current (or last) lien. `since_block`/`since_log` is the position of
    the event that put it on line `line_id`: listings of a line are in that order."""

    __tablename__ = "rm_floor_plan_vehicle"
    __table_args__ = (
        Index("ix_rm_floor_plan_vehicle_line", "chain_id", "line_id", "since_block", "since_log"),
    )

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    vin_hash: str = Field(max_length=66, primary_key=True)
    line_id: int = Field(sa_type=BigInteger)
    status: int
    since_block: int = Field(sa_type=BigInteger)
    since_log: int
    offer_line_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    state_json: str = Field(sa_type=Text)


class FloorPlanAlertRow(SQLModel, table=True):
    """An alert recorded by a FloorPlan event (see `ALERT_EVENTS`), where it was logged."""

    __tablename__ = "rm_floor_plan_alert"
    __table_args__ = (
        Index("ix_rm_floor_plan_alert_line", "chain_id", "line_id", "block_number", "log_index"),
    )

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    block_number: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    log_index: int = Field(primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    kind: str = Field(max_length=40)
    line_id: int | None = Field(default=None, sa_type=BigInteger)
    vin_hash: str | None = Field(default=None, max_length=66)
    tx_hash: str = Field(max_length=66)
    at: int = Field(sa_type=BigInteger)
    details_json: str = Field(sa_type=Text)


_TERMS = FloorPlanTermsRow.__table__  # type: ignore[attr-defined]
_LINES = FloorPlanLineRow.__table__  # type: ignore[attr-defined]
_VEHICLES = FloorPlanVehicleRow.__table__  # type: ignore[attr-defined]
_ALERTS = FloorPlanAlertRow.__table__  # type: ignore[attr-defined]
TABLES = (_TERMS, _LINES, _VEHICLES, _ALERTS)
"""Every read-model table (all keyed by chain id first)."""


# -- projected state ----------------------------------------------------------------------------


@dataclass(kw_only=True)
class TermsState:
    """Terms as `TermsSet` logged them."""

    terms_id: int
    line_id: int
    advance_rate_bps: int
    interest_rate_bps: int
    payoff_window: int
    confirm_window: int
    fee_per_vehicle: int
    steps: list[tuple[int, int]]

    def terms(self) -> LineTerms:
        """As `ledger.financing.LineTerms` (built once: the curtailments of every vehicle on a
        line are computed from it)."""
        built = self.__dict__.get("_built")
        if built is None:
            built = self.__dict__["_built"] = self._build()
        return built

    def _build(self) -> LineTerms:
        return LineTerms(
            advance_rate_bps=self.advance_rate_bps,
            interest_rate_bps=self.interest_rate_bps,
            payoff_window=self.payoff_window,
            confirm_window=self.confirm_window,
            fee_per_vehicle=self.fee_per_vehicle,
            curtailments=tuple(CurtailmentStep(day=d, bps=b) for d, b in self.steps),
        )


@dataclass(kw_only=True)
class LineState:
    """A line and its book (outstanding principal and active liens)."""

    line_id: int
    lender_id: int
    dealer_id: int
    terms_id: int
    status: int
    limit: int
    outstanding: int = 0
    active_liens: int = 0

    def line(self) -> Line:
        """As `ledger.floorplan.Line`."""
        return Line(
            id=LineId(self.line_id),
            lender_id=self.lender_id,  # type: ignore[arg-type]
            dealer_id=self.dealer_id,  # type: ignore[arg-type]
            terms_id=self.terms_id,  # type: ignore[arg-type]
            status=LineStatus(self.status),
            limit=self.limit,
            outstanding=self.outstanding,
            active_liens=self.active_liens,
        )


@dataclass(kw_only=True)
class VehicleState:
    """A vehicle's lien as the contract stores it (`Lien`, `LienProgress` and the side slots)."""

    vin_hash: str
    status: int
    line_id: int
    terms_id: int
    advance: int
    disbursed_at: int
    principal_paid: int = 0
    interest_accrued: int = 0
    accrued_to: int = 0
    sold_at: int = 0
    confirmed: bool = False
    flagged_unconfirmed: bool = False
    missing: bool = False
    curtailments_flagged: int = 0
    registration: str | None = None
    transfer_offer_line_id: int = 0
    since_block: int = 0
    since_log: int = 0

    @property
    def pledged(self) -> bool:
        """Whether the lien is active."""
        return self.status >= VehicleStatus.FINANCED

    def vehicle(self, terms: TermsState, now: int) -> Vehicle:
        """As `ledger.floorplan.Vehicle` at block time `now` (the contract's `vehicle` view)."""
        status = VehicleStatus(self.status)
        payoff_due_at = self.sold_at + terms.payoff_window if self.sold_at else None
        if status is VehicleStatus.SOLD and payoff_due_at is not None and now > payoff_due_at:
            status = VehicleStatus.SOLD_OUT_OF_TRUST
        return Vehicle(
            vin_hash=VinHash(bytes.fromhex(self.vin_hash[2:])),
            status=status,
            line_id=LineId(self.line_id),
            terms_id=self.terms_id,  # type: ignore[arg-type]
            advance=self.advance,
            principal=self.advance - self.principal_paid if self.pledged else 0,
            disbursed_at=self.disbursed_at,
            confirm_by=self.disbursed_at + terms.confirm_window,
            sold_at=self.sold_at or None,
            payoff_due_at=payoff_due_at,
            confirmed=self.confirmed,
            flagged_unconfirmed=self.flagged_unconfirmed,
            missing=self.missing,
            curtailments_flagged=self.curtailments_flagged,
            registration=bytes.fromhex(self.registration[2:]) if self.registration else None,
            transfer_offer_line_id=(
                LineId(self.transfer_offer_line_id) if self.transfer_offer_line_id else None
            ),
        )

    def payoff(self, terms: TermsState, at: int) -> Payoff:
        """The contract's `payoff(vinHash, at)` of the active lien (`_payoff`)."""
        start = self.accrued_to or self.disbursed_at
        principal = self.advance - self.principal_paid
        accrued = self.interest_accrued + interest(principal, terms.interest_rate_bps, at - start)
        return Payoff(principal=principal, interest=accrued, fee=terms.fee_per_vehicle)

    def curtailments(self, terms: TermsState, at: int) -> CurtailmentsDue:
        """The contract's `curtailments(vinHash, at)` of the active lien."""
        return curtailments(
            advance=self.advance,
            schedule=terms.terms().curtailments,
            disbursed_at=self.disbursed_at,
            at=at,
            paid=self.principal_paid,
        )

    def _end(self) -> None:
        """What `_endLien` clears: the progress, the registration and the transfer offer."""
        self.principal_paid = self.interest_accrued = self.accrued_to = self.sold_at = 0
        self.registration = None
        self.transfer_offer_line_id = 0


@dataclass(kw_only=True)
class AlertState:
    """A recorded alert."""

    kind: str
    line_id: int | None
    vin_hash: str | None
    block_number: int
    log_index: int
    tx_hash: str
    at: int
    details: dict[str, Any]


@dataclass(kw_only=True)
class FloorPlanState:
    """The part of the projected state one step touches (or all of it, while rebuilding)."""

    terms: dict[int, TermsState] = field(default_factory=dict)
    lines: dict[int, LineState] = field(default_factory=dict)
    vehicles: dict[str, VehicleState] = field(default_factory=dict)
    alerts: list[AlertState] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ProjectedEvent:
    """What a projection step needs of an indexed event."""

    block_number: int
    log_index: int
    tx_hash: str
    at: int
    event: str
    args: Mapping[str, Any]


def _int(value: Any) -> int:
    """An integer argument: JSON number, or decimal string for types wider than 48 bits."""
    return int(value)


def _timestamp(moment: datetime) -> int:
    """Block time as a Unix timestamp (SQLite returns naive UTC datetimes)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _plain(args: Mapping[str, Any]) -> dict[str, Any]:
    """Alert details as `ledger.inventory` shows them: integers as integers, hex as hex."""
    return {k: int(v) if isinstance(v, str) and v.isdigit() else v for k, v in args.items()}


def apply(state: FloorPlanState, event: ProjectedEvent) -> None:
    """Apply one FloorPlan event to `state` (its rows must be loaded), as the contract did."""
    name, args, at = event.event, event.args, event.at
    kind = ALERT_EVENTS.get(name)
    if kind is not None and not (name == "LineFrozen" and not _int(args["auditId"])):
        details = _plain({k: v for k, v in args.items() if k not in ("vinHash", "lineId")})
        line = args.get("lineId")
        state.alerts.append(
            AlertState(
                kind=kind,
                line_id=None if line is None else _int(line),
                vin_hash=args.get("vinHash"),
                block_number=event.block_number,
                log_index=event.log_index,
                tx_hash=event.tx_hash,
                at=at,
                details=details,
            )
        )
    if name == "TermsSet":
        t = args["terms"]
        state.terms[_int(args["termsId"])] = TermsState(
            terms_id=_int(args["termsId"]),
            line_id=_int(args["lineId"]),
            advance_rate_bps=_int(t["advanceRateBps"]),
            interest_rate_bps=_int(t["interestRateBps"]),
            payoff_window=_int(t["payoffWindow"]),
            confirm_window=_int(t["confirmWindow"]),
            fee_per_vehicle=_int(t["feePerVehicle"]),
            steps=[(_int(s["day"]), _int(s["bps"])) for s in t["curtailments"]],
        )
        return
    if name == "LineOpened":
        state.lines[_int(args["lineId"])] = LineState(
            line_id=_int(args["lineId"]),
            lender_id=_int(args["lenderId"]),
            dealer_id=_int(args["dealerId"]),
            terms_id=_int(args["termsId"]),
            status=LineStatus.OPEN,
            limit=_int(args["limit"]),
        )
        return
    if name in ("LineChanged", "LineFrozen", "LineUnfrozen", "LineClosed"):
        line_state = state.lines[_int(args["lineId"])]
        if name == "LineChanged":
            line_state.limit, line_state.terms_id = _int(args["limit"]), _int(args["termsId"])
        else:
            line_state.status = {
                "LineFrozen": LineStatus.FROZEN,
                "LineUnfrozen": LineStatus.OPEN,
                "LineClosed": LineStatus.CLOSED,
            }[name]
        return
    vin = args.get("vinHash")
    if vin is None:
        return
    if name == "VehicleFinanced":
        line_state = state.lines[_int(args["lineId"])]
        amount = _int(args["advance"])
        known = state.vehicles.get(vin)
        vehicle = VehicleState(
            vin_hash=vin,
            status=VehicleStatus.FINANCED,
            line_id=line_state.line_id,
            terms_id=line_state.terms_id,
            advance=amount,
            disbursed_at=at,
            since_block=event.block_number,
            since_log=event.log_index,
        )
        if known is not None and known.line_id == vehicle.line_id:
            vehicle.since_block, vehicle.since_log = known.since_block, known.since_log
        state.vehicles[vin] = vehicle
        line_state.outstanding += amount
        line_state.active_liens += 1
        for alert in state.alerts:
            # CertificateMismatch names no line: it is the line the same transaction financed
            # the vehicle on (logged just before VehicleFinanced).
            if alert.line_id is None and alert.vin_hash == vin and alert.tx_hash == event.tx_hash:
                alert.line_id = line_state.line_id
        return
    vehicle_state = state.vehicles.get(vin)
    if vehicle_state is None:
        return  # CertificateMismatch before its vehicle's first VehicleFinanced
    v = vehicle_state
    if name == "RegistrationRecorded":
        registration = str(args["registration"])
        v.registration = None if int(registration, 16) == 0 else registration
    elif name == "VehicleConfirmed":
        v.confirmed = True
    elif name == "VehicleUnconfirmed":
        v.flagged_unconfirmed = True
    elif name == "VehicleSold":
        v.status, v.sold_at = VehicleStatus.SOLD, at
    elif name == "VehicleSoldOutOfTrust":
        v.status = VehicleStatus.SOLD_OUT_OF_TRUST
    elif name == "SoldOutOfTrustAlert":
        v.missing = True
    elif name == "VehicleRepossessed":
        v.status = VehicleStatus.REPOSSESSED
    elif name == "TransferOffered":
        v.transfer_offer_line_id = _int(args["toLineId"])
    elif name == "CurtailmentPaid":
        terms = state.terms[v.terms_id]
        due = v.payoff(terms, at)
        amount = _int(args["amount"])
        v.principal_paid += amount
        v.interest_accrued, v.accrued_to = due.interest, at
        state.lines[v.line_id].outstanding -= amount
    elif name == "CurtailmentOverdue":
        v.curtailments_flagged = v.curtailments(state.terms[v.terms_id], at).steps_due
    elif name == "LienReleased":
        line_state = state.lines[v.line_id]
        line_state.outstanding -= _int(args["principal"])
        line_state.active_liens -= 1
        v.status = VehicleStatus.RELEASED
        v._end()
    elif name == "LienTransferred":
        source, target = state.lines[_int(args["fromLineId"])], state.lines[_int(args["toLineId"])]
        principal = _int(args["principal"])
        amount = principal + _int(args["interest"]) + _int(args["fee"])
        source.outstanding -= principal
        source.active_liens -= 1
        target.outstanding += amount
        target.active_liens += 1
        v._end()
        v.status, v.line_id, v.terms_id = VehicleStatus.FINANCED, target.line_id, target.terms_id
        v.advance, v.disbursed_at = amount, at
        v.confirmed = v.flagged_unconfirmed = v.missing = False
        v.curtailments_flagged = 0
        v.since_block, v.since_log = event.block_number, event.log_index


# -- storage ------------------------------------------------------------------------------------


def _line_ids(event: ProjectedEvent) -> set[int]:
    return {_int(event.args[k]) for k in ("lineId", "fromLineId", "toLineId") if k in event.args}


def _load(conn: Connection, chain_id: int, events: Sequence[ProjectedEvent]) -> FloorPlanState:
    """The stored rows `events` touch: their vehicles, lines and those lines' terms."""
    state = FloorPlanState()
    vins = {str(e.args["vinHash"]) for e in events if "vinHash" in e.args}
    lines = set().union(*(_line_ids(e) for e in events)) if events else set()
    for chunk in _chunks(sorted(vins)):
        for row in conn.execute(
            select(_VEHICLES.c.state_json).where(
                _VEHICLES.c.chain_id == chain_id, _VEHICLES.c.vin_hash.in_(chunk)
            )
        ):
            vehicle = VehicleState(**json.loads(row[0]))
            state.vehicles[vehicle.vin_hash] = vehicle
            lines.add(vehicle.line_id)
    for chunk in _chunks(sorted(lines)):
        for row in conn.execute(
            select(_LINES.c.state_json).where(
                _LINES.c.chain_id == chain_id, _LINES.c.line_id.in_(chunk)
            )
        ):
            line = LineState(**json.loads(row[0]))
            state.lines[line.line_id] = line
    terms_ids = {line.terms_id for line in state.lines.values()}
    terms_ids |= {v.terms_id for v in state.vehicles.values()}
    for chunk in _chunks(sorted(terms_ids)):
        for row in conn.execute(
            select(_TERMS.c.state_json).where(
                _TERMS.c.chain_id == chain_id, _TERMS.c.terms_id.in_(chunk)
            )
        ):
            terms = _terms_state(json.loads(row[0]))
            state.terms[terms.terms_id] = terms
    return state


def _terms_state(data: dict[str, Any]) -> TermsState:
    data["steps"] = [tuple(step) for step in data["steps"]]
    return TermsState(**data)


def _store(conn: Connection, chain_id: int, state: FloorPlanState) -> None:
    """Write `state`'s rows over the stored ones (delete, then insert: portable upsert)."""
    for table, key, rows in (
        (_TERMS, _TERMS.c.terms_id, [_terms_row(chain_id, t) for t in state.terms.values()]),
        (_LINES, _LINES.c.line_id, [_line_row(chain_id, li) for li in state.lines.values()]),
        (
            _VEHICLES,
            _VEHICLES.c.vin_hash,
            [_vehicle_row(chain_id, v) for v in state.vehicles.values()],
        ),
    ):
        keys = [row[key.name] for row in rows]
        for chunk in _chunks(keys):
            conn.execute(delete(table).where(table.c.chain_id == chain_id, key.in_(chunk)))
        for chunk in _chunks(rows):
            conn.execute(insert(table), chunk)
    if state.alerts:
        conn.execute(insert(_ALERTS), [_alert_row(chain_id, a) for a in state.alerts])


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for at in range(0, len(items), size):
        yield items[at : at + size]


def _terms_row(chain_id: int, t: TermsState) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "terms_id": t.terms_id,
        "line_id": t.line_id,
        "state_json": json.dumps(asdict(t)),
    }


def _line_row(chain_id: int, line: LineState) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "line_id": line.line_id,
        "lender_id": line.lender_id,
        "dealer_id": line.dealer_id,
        "state_json": json.dumps(asdict(line)),
    }


def _vehicle_row(chain_id: int, v: VehicleState) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "vin_hash": v.vin_hash,
        "line_id": v.line_id,
        "status": v.status,
        "since_block": v.since_block,
        "since_log": v.since_log,
        "offer_line_id": v.transfer_offer_line_id or None,
        "state_json": json.dumps(asdict(v)),
    }


def _alert_row(chain_id: int, a: AlertState) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "block_number": a.block_number,
        "log_index": a.log_index,
        "kind": a.kind,
        "line_id": a.line_id,
        "vin_hash": a.vin_hash,
        "tx_hash": a.tx_hash,
        "at": a.at,
        "details_json": json.dumps(a.details),
    }


# -- the projection the indexer runs -----------------------------------------------------------


class FloorPlanProjection:
    """The indexer's projection step for FloorPlan events (`ledger.indexer.Projection`)."""

    def apply(self, conn: Connection, chain_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Project the FloorPlan events among the indexed `rows` (in chain order), in the
        transaction `conn` that stores them."""
        events = [_projected(row) for row in rows if row["contract"] == FLOOR_PLAN]
        if not events:
            return
        state = _load(conn, chain_id, events)
        try:
            for event in events:
                apply(state, event)
        except KeyError as exc:
            # A line or terms record the events need is not projected: the read models were
            # created after these events were indexed (an upgraded database). The rows of this
            # step are stored already, so a rebuild projects everything, them included.
            log.warning("read models lack %s on chain %s: rebuilding them", exc, chain_id)
            self.rebuild(conn, chain_id)
            return
        _store(conn, chain_id, state)

    def rebuild(self, conn: Connection, chain_id: int) -> int:
        """Forget the read models of `chain_id` and project every stored FloorPlan event again,
        in `conn`'s transaction; returns how many events that projected."""
        table = IndexedEvent.__table__  # type: ignore[attr-defined]
        for model in TABLES:
            conn.execute(delete(model).where(model.c.chain_id == chain_id))
        state = FloorPlanState()
        done, last = 0, (-1, -1)
        while True:
            page = conn.execute(
                select(
                    table.c.block_number,
                    table.c.log_index,
                    table.c.tx_hash,
                    table.c.block_time,
                    table.c.event,
                    table.c.args_json,
                )
                .where(
                    table.c.chain_id == chain_id,
                    table.c.contract == FLOOR_PLAN,
                    (table.c.block_number > last[0])
                    | ((table.c.block_number == last[0]) & (table.c.log_index > last[1])),
                )
                .order_by(table.c.block_number, table.c.log_index)
                .limit(REBUILD_PAGE)
            ).all()
            if not page:
                break
            for row in page:
                apply(
                    state,
                    ProjectedEvent(
                        block_number=int(row.block_number),
                        log_index=int(row.log_index),
                        tx_hash=str(row.tx_hash),
                        at=_timestamp(row.block_time),
                        event=str(row.event),
                        args=json.loads(row.args_json),
                    ),
                )
            done += len(page)
            last = (int(page[-1].block_number), int(page[-1].log_index))
        _store(conn, chain_id, state)
        return done

    def is_missing(self, conn: Connection, chain_id: int) -> bool:
        """Whether FloorPlan events are indexed but no line is projected: read models created
        after the events (a database upgraded to them), to be rebuilt once."""
        table = IndexedEvent.__table__  # type: ignore[attr-defined]
        has_events = conn.execute(
            select(table.c.id)
            .where(table.c.chain_id == chain_id, table.c.contract == FLOOR_PLAN)
            .limit(1)
        ).first()
        has_lines = conn.execute(
            select(_LINES.c.line_id).where(_LINES.c.chain_id == chain_id).limit(1)
        ).first()
        return has_events is not None and has_lines is None

    def forget(self, conn: Connection, chain_id: int) -> None:
        """Drop the read models of `chain_id` (the indexer's `reset`)."""
        for model in TABLES:
            conn.execute(delete(model).where(model.c.chain_id == chain_id))


def _projected(row: Mapping[str, Any]) -> ProjectedEvent:
    return ProjectedEvent(
        block_number=int(row["block_number"]),
        log_index=int(row["log_index"]),
        tx_hash=str(row["tx_hash"]),
        at=_timestamp(row["block_time"]),
        event=str(row["event"]),
        args=json.loads(row["args_json"]),
    )


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IndexedVehicle:
    """A projected vehicle: the contract's view of it at `now`, and its lien's figures."""

    state: VehicleState
    terms: TermsState
    vehicle: Vehicle

    def payoff(self, at: int) -> Payoff:
        """The contract's payoff at `at`."""
        return self.state.payoff(self.terms, at)

    def curtailments(self, at: int) -> CurtailmentsDue:
        """The contract's curtailments at `at`."""
        return self.state.curtailments(self.terms, at)


class FloorPlanIndex:
    """Bounded reads of the floor-plan read models of `chain_id` as of block `block`, whose time
    `now` the time-dependent figures are taken at (effective status, payoffs, curtailments).

    Every method is one or two indexed queries whose cost grows with what it returns, never
    with the chain's history."""

    def __init__(self, engine: Engine, chain_id: int, *, block: int, now: int) -> None:
        self.engine = engine
        self.chain_id = chain_id
        self.block = block
        self.now = now
        self._terms: dict[int, TermsState] = {}
        self._vehicles: dict[tuple[int, bool], list[IndexedVehicle]] = {}

    def lines(self, *, lender_id: int | None = None, dealer_id: int | None = None) -> list[Line]:
        """Every line (of `lender_id` / `dealer_id` when given), ascending id."""
        query = select(_LINES.c.state_json).where(_LINES.c.chain_id == self.chain_id)
        if lender_id is not None:
            query = query.where(_LINES.c.lender_id == lender_id)
        if dealer_id is not None:
            query = query.where(_LINES.c.dealer_id == dealer_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(_LINES.c.line_id)).all()
        return [LineState(**json.loads(row[0])).line() for row in rows]

    def line(self, line_id: int) -> Line | None:
        """Line `line_id`, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_LINES.c.state_json).where(
                    _LINES.c.chain_id == self.chain_id, _LINES.c.line_id == line_id
                )
            ).first()
        return None if row is None else LineState(**json.loads(row[0])).line()

    def terms(self, terms_id: int) -> TermsState | None:
        """Terms `terms_id`, or None."""
        return self._load_terms({terms_id}).get(terms_id)

    def vehicle(self, vin_hash: bytes) -> IndexedVehicle | None:
        """Vehicle `vin_hash`, or None when it was never financed."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_VEHICLES.c.state_json).where(
                    _VEHICLES.c.chain_id == self.chain_id,
                    _VEHICLES.c.vin_hash == "0x" + bytes(vin_hash).hex(),
                )
            ).first()
        return None if row is None else self._indexed([VehicleState(**json.loads(row[0]))])[0]

    def line_vehicles(self, line_id: int, *, active_only: bool) -> list[IndexedVehicle]:
        """The vehicles whose current (or last) lien is on line `line_id`, in the order they
        came onto it; only those under an active lien when `active_only`. Read once per index
        (a page shows a line's vehicles, obligations and alerts from one read)."""
        key = (line_id, active_only)
        found = self._vehicles.get(key)
        if found is None:
            found = self._vehicles[key] = self._line_vehicles(line_id, active_only=active_only)
        return found

    def _line_vehicles(self, line_id: int, *, active_only: bool) -> list[IndexedVehicle]:
        query = select(_VEHICLES.c.state_json).where(
            _VEHICLES.c.chain_id == self.chain_id, _VEHICLES.c.line_id == line_id
        )
        if active_only:
            query = query.where(_VEHICLES.c.status >= int(VehicleStatus.FINANCED))
        query = query.order_by(_VEHICLES.c.since_block, _VEHICLES.c.since_log)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return self._indexed([VehicleState(**json.loads(row[0])) for row in rows])

    def offered_to(self, line_id: int) -> list[IndexedVehicle]:
        """The vehicles whose lien is offered for transfer to line `line_id`."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_VEHICLES.c.state_json)
                .where(_VEHICLES.c.chain_id == self.chain_id, _VEHICLES.c.offer_line_id == line_id)
                .order_by(_VEHICLES.c.since_block, _VEHICLES.c.since_log)
            ).all()
        return self._indexed([VehicleState(**json.loads(row[0])) for row in rows])

    def alerts(self, line_ids: Iterable[int], *, unlined: bool) -> list[AlertState]:
        """Recorded alerts on `line_ids` (and those naming no line when `unlined`), oldest first."""
        ids = sorted(set(line_ids))
        condition = _ALERTS.c.line_id.in_(ids)
        if unlined:
            condition = condition | _ALERTS.c.line_id.is_(None)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_ALERTS)
                .where(_ALERTS.c.chain_id == self.chain_id, condition)
                .order_by(_ALERTS.c.block_number, _ALERTS.c.log_index)
            ).mappings()
            return [
                AlertState(
                    kind=row["kind"],
                    line_id=row["line_id"],
                    vin_hash=row["vin_hash"],
                    block_number=row["block_number"],
                    log_index=row["log_index"],
                    tx_hash=row["tx_hash"],
                    at=row["at"],
                    details=json.loads(row["details_json"]),
                )
                for row in rows
            ]

    def all_vehicles(self, *, after: str = "", limit: int = 1000) -> list[IndexedVehicle]:
        """Every projected vehicle, in VIN-hash order after `after`, one page (audit verify)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_VEHICLES.c.state_json)
                .where(_VEHICLES.c.chain_id == self.chain_id, _VEHICLES.c.vin_hash > after)
                .order_by(_VEHICLES.c.vin_hash)
                .limit(limit)
            ).all()
        return self._indexed([VehicleState(**json.loads(row[0])) for row in rows])

    def all_terms(self) -> list[TermsState]:
        """Every projected terms record (audit verify)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_TERMS.c.state_json).where(_TERMS.c.chain_id == self.chain_id)
            ).all()
        return [_terms_state(json.loads(row[0])) for row in rows]

    def _indexed(self, states: Sequence[VehicleState]) -> list[IndexedVehicle]:
        terms = self._load_terms({s.terms_id for s in states})
        return [
            IndexedVehicle(
                state=s, terms=terms[s.terms_id], vehicle=s.vehicle(terms[s.terms_id], self.now)
            )
            for s in states
        ]

    def _load_terms(self, ids: set[int]) -> dict[int, TermsState]:
        missing = sorted(ids - set(self._terms))
        if missing:
            with self.engine.connect() as conn:
                for chunk in _chunks(missing):
                    for row in conn.execute(
                        select(_TERMS.c.state_json).where(
                            _TERMS.c.chain_id == self.chain_id, _TERMS.c.terms_id.in_(chunk)
                        )
                    ):
                        terms = _terms_state(json.loads(row[0]))
                        self._terms[terms.terms_id] = terms
        return {i: self._terms[i] for i in ids if i in self._terms}


# -- checking against the chain -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Drift:
    """A read-model row that differs from the contract's view: `where`, and both values."""

    where: str
    chain: Any
    read_model: Any

    def __str__(self) -> str:
        return f"{self.where}: read model {self.read_model}, chain {self.chain}"


def drift(index: FloorPlanIndex, client: FloorPlanClient) -> list[Drift]:
    """Every difference between the read models and the contract's own views at block
    `index.block` (lines, terms, each projected vehicle, and each active lien's payoff and
    curtailments at that block's time); empty when they agree.

    Reads the chain at that block (state a full node keeps for recent blocks). A vehicle the
    events never name cannot be missing here: the events themselves are checked against the
    chain's logs by the audit."""
    block, now = index.block, index.now
    functions = client.contract.functions

    def call(function: Any) -> Any:
        return client.sender.chain.rpc(function.call, block_identifier=block)

    problems: list[Drift] = []
    projected: dict[int, Line] = {line.id: line for line in index.lines()}
    for line_id in range(1, int(call(functions.lineCount())) + 1):
        on_chain = Line.from_call(line_id, call(functions.line(line_id)))
        mine = projected.pop(line_id, None)
        if mine != on_chain:
            problems.append(Drift(where=f"line {line_id}", chain=on_chain, read_model=mine))
    problems += [
        Drift(where=f"line {i}", chain=None, read_model=projected[i]) for i in sorted(projected)
    ]
    for terms in index.all_terms():
        line_id, fields = call(functions.terms(terms.terms_id))
        rate, interest_bps, payoff_window, confirm_window, fee, steps = fields
        chain_terms = (
            int(line_id),
            int(rate),
            int(interest_bps),
            int(payoff_window),
            int(confirm_window),
            int(fee),
            [(int(d), int(b)) for d, b in steps],
        )
        ours = (
            terms.line_id,
            terms.advance_rate_bps,
            terms.interest_rate_bps,
            terms.payoff_window,
            terms.confirm_window,
            terms.fee_per_vehicle,
            [tuple(s) for s in terms.steps],
        )
        if ours != chain_terms:
            problems.append(
                Drift(where=f"terms {terms.terms_id}", chain=chain_terms, read_model=ours)
            )
    after = ""
    while True:
        page = index.all_vehicles(after=after)
        if not page:
            break
        for indexed in page:
            vin = bytes(indexed.vehicle.vin_hash)
            label = "0x" + vin.hex()
            on_chain_vehicle = Vehicle.from_call(vin, call(functions.vehicle(vin)))
            if indexed.vehicle != on_chain_vehicle:
                problems.append(
                    Drift(
                        where=f"vehicle {label}", chain=on_chain_vehicle, read_model=indexed.vehicle
                    )
                )
                continue
            if not indexed.vehicle.status.pledged:
                continue
            principal, interest_, fee = call(functions.payoffAmount(vin, now))
            chain_payoff = Payoff(principal=int(principal), interest=int(interest_), fee=int(fee))
            if indexed.payoff(now) != chain_payoff:
                problems.append(
                    Drift(
                        where=f"vehicle {label} payoff",
                        chain=chain_payoff,
                        read_model=indexed.payoff(now),
                    )
                )
            due, steps_due, paid, next_due_at = call(functions.curtailmentStatus(vin, now))
            chain_due = CurtailmentsDue(
                due=int(due),
                steps_due=int(steps_due),
                paid=int(paid),
                next_due_at=int(next_due_at) or None,
            )
            if indexed.curtailments(now) != chain_due:
                problems.append(
                    Drift(
                        where=f"vehicle {label} curtailments",
                        chain=chain_due,
                        read_model=indexed.curtailments(now),
                    )
                )
        after = "0x" + bytes(page[-1].vehicle.vin_hash).hex()
    return problems
