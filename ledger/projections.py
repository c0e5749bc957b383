"""What the event-sourced read models share: picking their events from the indexed rows, and
replaying the stored events (the migration that makes a table, a rebuild after a rollback).

Light on purpose (SQLAlchemy only, no web3): the claims read model is read by a CLI command
that must start fast (`clearing.claim_index`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, select

from ledger.models import IndexedEvent

REPLAY_PAGE = 5000
"""Events read per query while replaying: bounded memory for any history."""

Event = tuple[str, int, Any]
"""(event name, block number, decoded args), as a projection step takes them."""

Step = Callable[[Connection, int, Sequence[Event]], None]
"""A projection step: apply events of one chain, in chain order, to the table."""


class EventProjection:
    """A read model of `table` kept from the events `names` of watched contract `contract`
    by `step` (`ledger.indexer.Projection`): applied in the indexer's transaction, replayed
    from the stored events on rebuild, dropped on reset."""

    def __init__(self, table: Table, contract: str, names: Sequence[str], step: Step) -> None:
        self.table, self.contract, self.names, self.step = table, contract, tuple(names), step

    def apply(self, conn: Connection, chain_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Project this model's events among the indexed `rows`, in `conn`'s transaction."""
        events = [
            (str(row["event"]), int(row["block_number"]), json.loads(row["args_json"]))
            for row in rows
            if row["contract"] == self.contract and row["event"] in self.names
        ]
        if events:
            self.step(conn, chain_id, events)

    def rebuild(self, conn: Connection, chain_id: int) -> int:
        """Forget what it holds for `chain_id` and project every stored event again."""
        self.forget(conn, chain_id)
        return replay(conn, self.contract, self.names, self.step, chain_id)

    def forget(self, conn: Connection, chain_id: int) -> None:
        """Drop what it holds for `chain_id` (the indexer's `reset`)."""
        conn.execute(delete(self.table).where(self.table.c.chain_id == chain_id))


def replay(
    conn: Connection, contract: str, names: Sequence[str], step: Step, chain_id: int | None
) -> int:
    """Run `step` on every stored event `names` of `contract` (of `chain_id`, or of every
    chain), a page at a time in chain order; returns how many."""
    table = IndexedEvent.__table__  # type: ignore[attr-defined]
    done, after = 0, 0
    while True:
        query = select(
            table.c.id, table.c.chain_id, table.c.event, table.c.block_number, table.c.args_json
        ).where(table.c.contract == contract, table.c.event.in_(names), table.c.id > after)
        if chain_id is not None:
            query = query.where(table.c.chain_id == chain_id)
        page = conn.execute(query.order_by(table.c.id).limit(REPLAY_PAGE)).all()
        if not page:
            return done
        by_chain: dict[int, list[Event]] = {}
        for event in page:
            by_chain.setdefault(int(event.chain_id), []).append(
                (str(event.event), int(event.block_number), json.loads(event.args_json))
            )
        for chain, events in by_chain.items():
            step(conn, chain, events)
        done += len(page)
        after = int(page[-1].id)
