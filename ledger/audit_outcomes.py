"""Lot-audit outcomes as a read model: each vehicle's recorded result per audit, projected from
the indexed `LotAudit.VehicleAudited` events.

Why. The lender's audit page asked the contract `outcomeOf(audit, vehicle)` once per vehicle of
the line: 1.1 s for 150 vehicles, seconds for 1,000 (`scripts/bench-pages`). The contract writes
an outcome only where it emits `VehicleAudited`, so the events say the same, and one bounded
query on this table answers the whole checklist. Kept like the floor-plan read models
(`ledger.read_models`): applied in the indexer's transaction, rebuilt after a rollback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, delete, insert, select
from sqlmodel import Field, SQLModel

from ledger.floorplan import Outcome
from ledger.models import IndexedEvent
from ledger.vin import VinHash

LOT_AUDIT = "LotAudit"
"""The watched contract name (`ledger.indexer.WatchedContract.name`) of the lot audits."""

AUDITED = "VehicleAudited"

REBUILD_PAGE = 5000
"""Events read per query while rebuilding: bounded memory for any history."""

_NOT_SERIAL = {"autoincrement": False}


class AuditOutcomeRow(SQLModel, table=True):
    """The outcome recorded for one vehicle in one audit, and where it was recorded."""

    __tablename__ = "rm_audit_outcome"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    audit_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    vin_hash: str = Field(max_length=66, primary_key=True)
    outcome: int
    evidence: str = Field(max_length=66)
    block_number: int = Field(sa_type=BigInteger)


_TABLE = AuditOutcomeRow.__table__  # type: ignore[attr-defined]


def outcome_row(chain_id: int, block_number: int, args: Mapping[str, Any]) -> dict[str, Any]:
    """The row a `VehicleAudited` event's decoded `args` make."""
    return {
        "chain_id": chain_id,
        "audit_id": int(args["auditId"]),
        "vin_hash": str(args["vinHash"]).lower(),
        "outcome": int(args["outcome"]),
        "evidence": str(args["evidence"]).lower(),
        "block_number": block_number,
    }


class AuditOutcomeProjection:
    """The indexer's projection step for `VehicleAudited` (`ledger.indexer.Projection`)."""

    def apply(self, conn: Connection, chain_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Project the `VehicleAudited` events among the indexed `rows`, in `conn`'s
        transaction: one insert. The contract records one outcome per vehicle and audit
        (`LotAuditAlreadyRecorded`), and a rollback rebuilds the table, so no row is replaced."""
        found = [
            outcome_row(chain_id, int(row["block_number"]), json.loads(row["args_json"]))
            for row in rows
            if row["contract"] == LOT_AUDIT and row["event"] == AUDITED
        ]
        if found:
            conn.execute(insert(_TABLE), found)

    def rebuild(self, conn: Connection, chain_id: int) -> int:
        """Forget the outcomes of `chain_id` and project every stored `VehicleAudited` again."""
        self.forget(conn, chain_id)
        return fill(conn, chain_id)

    def forget(self, conn: Connection, chain_id: int) -> None:
        """Drop the outcomes of `chain_id` (the indexer's `reset`)."""
        conn.execute(delete(_TABLE).where(_TABLE.c.chain_id == chain_id))


def fill(conn: Connection, chain_id: int | None = None) -> int:
    """Insert the row of every stored `VehicleAudited` event (of `chain_id`, or of every chain:
    the migration that made the table fills it so); returns how many."""
    events = IndexedEvent.__table__  # type: ignore[attr-defined]
    done, after = 0, 0
    while True:
        query = select(events.c.id, events.c.chain_id, events.c.block_number, events.c.args_json)
        query = query.where(
            events.c.contract == LOT_AUDIT, events.c.event == AUDITED, events.c.id > after
        )
        if chain_id is not None:
            query = query.where(events.c.chain_id == chain_id)
        page = conn.execute(query.order_by(events.c.id).limit(REBUILD_PAGE)).all()
        if not page:
            return done
        latest: dict[tuple[int, int, str], dict[str, Any]] = {}
        for event in page:
            row = outcome_row(
                int(event.chain_id), int(event.block_number), json.loads(event.args_json)
            )
            latest[(row["chain_id"], row["audit_id"], row["vin_hash"])] = row
        conn.execute(insert(_TABLE), list(latest.values()))
        done += len(page)
        after = int(page[-1].id)


def audit_outcomes(engine: Engine, chain_id: int, audit_id: int) -> dict[VinHash, Outcome]:
    """Every outcome recorded in audit `audit_id` so far, by VIN hash (absent: none yet)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(_TABLE.c.vin_hash, _TABLE.c.outcome).where(
                _TABLE.c.chain_id == chain_id, _TABLE.c.audit_id == audit_id
            )
        ).all()
    return {VinHash(bytes.fromhex(str(r.vin_hash)[2:])): Outcome(int(r.outcome)) for r in rows}
