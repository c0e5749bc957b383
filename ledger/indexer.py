"""The event indexer: every log of the watched contracts mirrored into the database, reorg-safe."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple, Protocol
from typing import cast as cast_

from eth_abi.decoding import ContextFramesBytesIO, TupleDecoder
from eth_abi.exceptions import DecodingError
from eth_abi.registry import registry as abi_registry
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic
from sqlalchemy import Connection, Engine, String, cast, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint

from ledger.chain import Address, Chain, checksum
from ledger.compiler import Artifacts
from ledger.errors import ChainUnavailable, LedgerError
from ledger.logs import DEFAULT_CHUNK
from ledger.models import (
    Deployment,
    IndexedBlock,
    IndexedContract,
    IndexedEvent,
    IndexerCursor,
    utcnow,
)

log = logging.getLogger("autoledger.indexer")

RECENT_BLOCKS = 128
"""Least number of recent heights whose stored blocks are kept for finding a common ancestor.

The window is ``max(RECENT_BLOCKS, 2 * finality_depth)``: by definition a reorg replaces at most
`finality_depth` blocks, and twice that leaves room for a depth setting that is a little off.
128 is the floor because chains with finality depth 0 (QBFT) can still reorg when
misconfigured, and stored blocks are cheap: only blocks with logs and range ends are stored.
Below the window the newest stored block is kept as well, so a walk back always has an anchor.
"""

HEADER_BATCH = 100
"""Block headers asked for in one JSON-RPC batch; nodes cap batches (Besu and geth at 1,000+)."""

MAX_UNSETTLED = 20
"""Consecutive steps that found the chain moving under them before `run_once` gives up."""

DEFAULT_INTERVAL = 1.0
"""Seconds `run` waits between polls of the chain once caught up."""

MAX_PAGE = 1000
"""Most events one `events` call returns: it serves pages of a view, not exports."""

UNDECODED = "<undecoded>"
"""Event name stored for a log that no event of its contract's ABI decodes."""

_JS_SAFE_BITS = 48
"""Integer types up to this width are JSON numbers; wider ones are decimal strings."""

_ARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class IndexerError(LedgerError):
    """The indexer cannot go on; the message says at which block and why.

    Subclasses: `ReorgTooDeep` (no stored block is canonical any more) and `NodeRefused`
    (the node answered a request with an error). `ChainUnavailable` is raised as it is.
    """


class ReorgTooDeep(IndexerError):
    """None of the stored recent blocks is canonical: the reorg is deeper than the window, or
    the node now serves another chain. Needs an operator: check the node, then `reset`."""


class NodeRefused(IndexerError):
    """The node answered a JSON-RPC request with an error (after shrinking a log range to a
    single block, for ``eth_getLogs``)."""


class Projection(Protocol):
    """A read model kept by the indexer (`ledger.read_models.FloorPlanProjection` is one).

    Each method runs inside the indexer's own database transaction, so the read model moves
    with the events: `apply` gets the rows one step stores (in chain order), `rebuild` runs
    after a reorg rollback (and on demand) and must project every stored event again, `forget`
    runs on `Indexer.reset`.
    """

    def apply(self, conn: Connection, chain_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Project the events of `rows` (dicts of `IndexedEvent` columns)."""

    def rebuild(self, conn: Connection, chain_id: int) -> int:
        """Rebuild from the stored events; return how many it projected."""

    def forget(self, conn: Connection, chain_id: int) -> None:
        """Drop what it holds for `chain_id`."""


@dataclass(frozen=True, kw_only=True)
class WatchedContract:
    """A contract whose events are indexed: its `name`, `address`, `abi`, and the block its
    events start at (its deployment block; earlier logs at the address are ignored)."""

    name: str
    address: Address
    abi: Sequence[Mapping[str, Any]]
    from_block: int = 0


@dataclass(frozen=True, kw_only=True)
class IndexerStatus:
    """How far the index reaches on `chain_id`.

    `indexed_through` is the last block whose logs are all stored (None before the first step);
    `final_through` the last of those that is final (``latest - finality_depth``): events up to
    it cannot be rolled back any more; those above it may still be.
    """

    chain_id: int
    indexed_through: int | None
    indexed_hash: str | None
    latest: int
    final_through: int | None


@dataclass(frozen=True, kw_only=True)
class StoredEvent:
    """An indexed event as `events` returns it.

    `args` (stored as `IndexedEvent.args_json`) is a JSON object of the arguments in the
    event's ABI order, encoded by ABI type:

    - ``address``: EIP-55 checksummed string; ``bool``: true/false; ``string``: the string;
    - ``bytes`` and ``bytesN``: ``0x`` lowercase hex;
    - ``intN``/``uintN``: a JSON number when N <= 48, else a decimal string. The type decides,
      not the value, so a field always has one JSON type, and no value loses precision in a
      JavaScript client (doubles hold integers up to 2^53). Enums are uint8: numbers;
    - arrays: JSON arrays; structs: objects keyed by component name (``_i`` if unnamed);
    - an indexed argument of a non-value type (string, bytes, array, struct) is only a keccak
      hash on the chain: ``0x`` hex of its 32-byte topic.

    A log that no event of its contract's ABI decodes is kept as event `UNDECODED` with args
    ``{"topics": [...], "data": "0x..."}``, so the mirror stays complete.
    """

    chain_id: int
    block_number: int
    block_hash: str
    block_time: datetime
    tx_hash: str
    tx_index: int
    log_index: int
    contract: str
    address: str
    event: str
    args: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> StoredEvent:
        """The event of one `IndexedEvent` row, read as a mapping (a SQLAlchemy `RowMapping`)."""
        return cls(
            chain_id=row["chain_id"],
            block_number=row["block_number"],
            block_hash=row["block_hash"],
            block_time=row["block_time"],
            tx_hash=row["tx_hash"],
            tx_index=row["tx_index"],
            log_index=row["log_index"],
            contract=row["contract"],
            address=row["address"],
            event=row["event"],
            args=json.loads(row["args_json"]),
        )


class _Mark(NamedTuple):
    number: int
    hash: str


class _Header(NamedTuple):
    number: int
    hash: str
    parent_hash: str
    time: datetime


class _Unsettled(Exception):
    """The chain changed while a step read it: plan the step again."""


class _LostRace(Exception):
    """Another indexer moved the cursor first: plan the step again from the new cursor."""


class Indexer:
    """Mirrors every event of `contracts` on `chain` into `engine`'s database.

    `chunk` is the most blocks one ``eth_getLogs`` covers; when the node refuses a range (too
    many results, range too large) it is halved until the node accepts it, and grows back
    after each success. `window` overrides the kept window of recent heights (see
    `RECENT_BLOCKS`). Raises `ValueError` for two names at one address or a `chunk` below 1.

    How it reads. A cursor per chain id holds the number and hash of the last block whose logs
    are all stored. Each step takes the next range of blocks, reads the range end's header,
    then the logs of every watched contract in the range with one ``eth_getLogs``, then the
    headers of the blocks that have logs (one JSON-RPC batch). It stores the decoded events,
    those headers and the range end's header, and moves the cursor to the range end, all in
    one database transaction. Headers of blocks without logs are never fetched. Only standard
    JSON-RPC is used, sent raw: web3's result formatting costs more than the indexing itself.

    Why that is reorg-safe. Before each step the cursor's hash must still be the canonical hash
    at its height (``eth_getBlockByNumber``); a block hash commits to all its ancestors, so
    while it holds, every stored block below it is canonical too. Within a step, every log's
    block hash must equal the canonical header's hash at its height, and where two fetched
    headers are consecutive (always so when following the head block by block) the child's
    parent hash must be its parent's hash. A mismatch means the chain moved during the step:
    nothing is stored and the step is planned again. When the cursor is no longer canonical,
    the indexer walks the stored recent blocks downwards to the newest one that still is (the
    common ancestor or a block below it); in one transaction it deletes every event and block
    above that one and moves the cursor there, and the next steps read the new branch.

    The guarantee: whenever the cursor's hash is canonical, the stored events are exactly the
    watched contracts' logs of the canonical chain up to the cursor, each once (the unique key
    is block hash + log index), provided a reorg is not deeper than the kept window
    (`ReorgTooDeep` otherwise) and the node does not switch to another branch and back between
    two requests of one step; for that last case the audit re-checks events against the chain.

    Several indexers may share one database (service replicas): each step moves the cursor
    with a compare-and-set as its transaction's first write, so one wins and the others plan
    again from the new cursor. They must watch the same contracts. A contract added later
    whose first block is below the cursor is read back from there first (see
    `IndexedContract`); one no longer watched keeps its events.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        chain: Chain,
        contracts: Iterable[WatchedContract],
        chunk: int = DEFAULT_CHUNK,
        window: int | None = None,
        projections: Sequence[Projection] = (),
    ) -> None:
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {chunk}")
        self.engine = engine
        self.chain = chain
        self.chunk = chunk
        self.window = window if window is not None else max(RECENT_BLOCKS, 2 * chain.finality_depth)
        self.projections = list(projections)
        self.contracts: dict[str, WatchedContract] = {}
        for contract in contracts:
            key = contract.address.lower()
            known = self.contracts.get(key)
            if known is not None and known.name != contract.name:
                raise ValueError(
                    f"{contract.address} is given as both {known.name} and {contract.name}"
                )
            self.contracts[key] = WatchedContract(
                name=contract.name,
                address=checksum(contract.address),
                abi=contract.abi,
                from_block=max(contract.from_block, 0),
            )
        self._decoders = {key: _decoders_for(c.abi) for key, c in self.contracts.items()}
        self._span = chunk
        self._batching = True
        # One step at a time in this process (the worker and requests catching up); other
        # processes are serialized by the cursor's compare-and-set.
        self._lock = threading.RLock()

    @classmethod
    def from_deployments(
        cls,
        *,
        engine: Engine,
        chain: Chain,
        artifacts: Artifacts,
        chunk: int = DEFAULT_CHUNK,
        projections: Sequence[Projection] = (),
    ) -> Indexer:
        """An indexer of every contract recorded as deployed on `chain` (see `deployments`).

        Replaced deployments are watched too: they keep their history and can still emit.
        Each is decoded with the current ABI of its name; a contract whose name is no longer
        compiled is indexed with no ABI, so its logs are kept as `UNDECODED`.
        """
        with Session(engine) as session:
            records = session.exec(
                sqlmodel_select(Deployment).where(Deployment.chain_id == chain.chain_id)
            ).all()
        known = artifacts.contracts
        contracts = [
            WatchedContract(
                name=record.name,
                address=checksum(record.address),
                abi=known[record.name].abi if record.name in known else [],
                from_block=record.block_number,
            )
            for record in records
        ]
        return cls(
            engine=engine, chain=chain, contracts=contracts, chunk=chunk, projections=projections
        )

    # -- public operations ------------------------------------------------------------------

    def run_once(self, *, to_block: int | None = None) -> int:
        """Index up to the latest block (or `to_block`); return how many events were stored.

        Events read again after a reorg count again. Raises `ReorgTooDeep`, `NodeRefused`,
        `IndexerError` when the chain kept changing under `MAX_UNSETTLED` steps in a row, and
        `ChainUnavailable`.
        """
        if not self.contracts:
            return 0
        with self._lock:
            return self._run_once(to_block)

    def _run_once(self, to_block: int | None) -> int:
        stored = self._sync_contracts()
        latest = self.chain.latest_block
        target = latest() if to_block is None else min(to_block, latest())
        unsettled = 0
        while True:
            try:
                added = self._step(target)
            except _LostRace:
                continue
            except _Unsettled as exc:
                unsettled += 1
                if unsettled >= MAX_UNSETTLED:
                    raise IndexerError(
                        f"chain {self.chain.chain_id}: the chain changed under {unsettled}"
                        f" steps in a row ({exc}); is the node switching between branches?"
                    ) from exc
                time.sleep(self.chain.poll_interval)
                target = latest() if to_block is None else min(to_block, latest())
                continue
            if added is None:
                return stored
            unsettled = 0
            stored += added

    def run(self, stop: threading.Event, *, interval: float = DEFAULT_INTERVAL) -> None:
        """Call `run_once` every `interval` seconds until `stop` is set.

        A node that does not answer is logged and tried again; other errors end the loop.
        """
        while not stop.is_set():
            try:
                self.run_once()
            except ChainUnavailable as exc:
                log.warning("indexer: %s; retrying in %.1fs", exc, interval)
            stop.wait(interval)

    def status(self) -> IndexerStatus:
        """The cursor and the latest block of the chain (one request to the node)."""
        chain_id = self.chain.chain_id
        cursor = _read_cursor(self.engine, chain_id)
        latest = self.chain.latest_block()
        final = latest - self.chain.finality_depth
        return IndexerStatus(
            chain_id=chain_id,
            indexed_through=cursor.number if cursor else None,
            indexed_hash=cursor.hash if cursor else None,
            latest=latest,
            final_through=min(cursor.number, final) if cursor and final >= 0 else None,
        )

    def reset(self) -> None:
        """Forget everything indexed on this chain (events, blocks, cursor, contracts), in one
        transaction; the next `run_once` reads from the contracts' first blocks again."""
        chain_id = self.chain.chain_id
        with self.engine.begin() as conn:
            for table in (_EVENTS, _BLOCKS, _CONTRACTS, _CURSORS):
                conn.execute(delete(table).where(table.c.chain_id == chain_id))
            for projection in self.projections:
                projection.forget(conn, chain_id)

    def rebuild(self) -> int:
        """Rebuild every read model from the stored events, in one transaction that also holds
        the cursor (so no step runs in between); returns how many events were projected."""
        chain_id = self.chain.chain_id
        while True:
            cursor = _read_cursor(self.engine, chain_id)
            try:
                with self.engine.begin() as conn:
                    if cursor is not None:
                        _move_cursor(conn, chain_id, cursor, cursor)
                    return sum(p.rebuild(conn, chain_id) for p in self.projections)
            except _LostRace:
                continue

    # -- one step ---------------------------------------------------------------------------

    def _step(self, target: int) -> int | None:
        """Check the cursor, then read and store the next range; None when past `target`."""
        cursor = _read_cursor(self.engine, self.chain.chain_id)
        if cursor is not None:
            header = self._headers([cursor.number]).get(cursor.number)
            if header is None or header.hash != cursor.hash:
                self._roll_back(cursor)
                return 0
            start = cursor.number + 1
        else:
            start = min(c.from_block for c in self.contracts.values())
        if start > target:
            return None
        end = min(start + self._span - 1, target)
        # The end header is read first: if the chain moves after it, the logs or the next
        # step's cursor check sees it.
        end_header = self._headers([end]).get(end)
        if end_header is None:
            raise _Unsettled(f"block {end} is gone")
        try:
            logs = self._get_logs(start, end, list(self.contracts))
        except NodeRefused:
            if end == start:
                raise
            self._span = max(1, (end - start + 1) // 2)
            return 0
        headers = self._verified_headers(logs, start, end, end_header)
        previous = cursor
        for header in sorted(headers.values()):
            if previous and header.number == previous.number + 1:
                if header.parent_hash != previous.hash:
                    raise _Unsettled(f"block {header.number} does not follow {previous.hash}")
            previous = _Mark(header.number, header.hash)
        rows = self._rows(logs, headers)
        try:
            with self.engine.begin() as conn:
                _move_cursor(conn, self.chain.chain_id, cursor, _Mark(end, end_header.hash))
                if rows:
                    conn.execute(insert(_EVENTS), rows)
                    for projection in self.projections:
                        projection.apply(conn, self.chain.chain_id, rows)
                conn.execute(
                    insert(_BLOCKS),
                    [
                        {
                            "chain_id": self.chain.chain_id,
                            "number": h.number,
                            "hash": h.hash,
                            "parent_hash": h.parent_hash,
                        }
                        for h in headers.values()
                    ],
                )
                self._prune(conn, end)
        except IntegrityError as exc:
            raise _Unsettled(f"rows for blocks {start}-{end} already stored") from exc
        self._span = min(self.chunk, self._span * 2)
        return len(rows)

    def _verified_headers(
        self, logs: list[dict[str, Any]], start: int, end: int, end_header: _Header
    ) -> dict[int, _Header]:
        """Headers of the blocks with logs plus the end; each log's block must be canonical."""
        hashes: dict[int, str] = {}
        for entry in logs:
            number = int(entry["blockNumber"], 16)
            block_hash = entry["blockHash"].lower()
            if not start <= number <= end:
                raise _Unsettled(f"eth_getLogs({start}-{end}) returned a log of block {number}")
            if hashes.setdefault(number, block_hash) != block_hash:
                raise _Unsettled(f"logs of block {number} come from two blocks")
        headers = self._headers([n for n in hashes if n != end])
        headers[end] = end_header
        for number, block_hash in hashes.items():
            header = headers.get(number)
            if header is None or header.hash != block_hash:
                raise _Unsettled(f"block {number} {block_hash} left the chain while being read")
        return headers

    def _rows(self, logs: list[dict[str, Any]], headers: Mapping[int, _Header]) -> list[Any]:
        chain_id = self.chain.chain_id
        rows = []
        for entry in logs:
            key = entry["address"].lower()
            contract = self.contracts.get(key)
            number = int(entry["blockNumber"], 16)
            if contract is None or number < contract.from_block:
                continue
            topics = entry["topics"]
            decoder = self._decoders[key].get(topics[0].lower()) if topics else None
            name, args = (
                decoder.decode(topics, entry["data"]) if decoder else _raw(topics, entry["data"])
            )
            rows.append(
                {
                    "chain_id": chain_id,
                    "block_number": number,
                    "block_hash": entry["blockHash"].lower(),
                    "block_time": headers[number].time,
                    "tx_hash": entry["transactionHash"].lower(),
                    "tx_index": int(entry["transactionIndex"], 16),
                    "log_index": int(entry["logIndex"], 16),
                    "contract": contract.name,
                    "address": contract.address,
                    "event": name,
                    "args_json": json.dumps(args, separators=(",", ":"), ensure_ascii=False),
                }
            )
        return rows

    def _prune(self, conn: Connection, end: int) -> None:
        """Drop stored blocks below the window, keeping the newest of them as an anchor."""
        chain_id = self.chain.chain_id
        anchor = conn.execute(
            select(func.max(_BLOCKS.c.number)).where(
                _BLOCKS.c.chain_id == chain_id, _BLOCKS.c.number <= end - self.window
            )
        ).scalar()
        if anchor is not None:
            conn.execute(
                delete(_BLOCKS).where(_BLOCKS.c.chain_id == chain_id, _BLOCKS.c.number < anchor)
            )

    # -- reorgs -----------------------------------------------------------------------------

    def _roll_back(self, cursor: _Mark) -> None:
        """Move back to the newest stored block that is still canonical, deleting what is above
        it in one transaction. Raises `ReorgTooDeep` when none is."""
        chain_id = self.chain.chain_id
        with self.engine.connect() as conn:
            stored = [
                _Mark(int(row.number), str(row.hash))
                for row in conn.execute(
                    select(_BLOCKS.c.number, _BLOCKS.c.hash)
                    .where(_BLOCKS.c.chain_id == chain_id)
                    .order_by(_BLOCKS.c.number.desc())
                )
            ]
        ancestor = None
        for at in range(0, len(stored), 32):
            batch = stored[at : at + 32]
            canonical = self._headers([mark.number for mark in batch])
            ancestor = next(
                (m for m in batch if (h := canonical.get(m.number)) and h.hash == m.hash), None
            )
            if ancestor is not None:
                break
        if ancestor is None:
            lowest = stored[-1].number if stored else cursor.number
            raise ReorgTooDeep(
                f"chain {chain_id}: none of the {len(stored)} stored blocks from {lowest} to"
                f" {cursor.number} is canonical any more: a reorg deeper than the window of"
                f" {self.window} blocks, or the node serves another chain. Check the node URL,"
                " then re-index from scratch (Indexer.reset)."
            )
        with self.engine.begin() as conn:
            _move_cursor(conn, chain_id, cursor, ancestor)
            removed = conn.execute(
                delete(_EVENTS).where(
                    _EVENTS.c.chain_id == chain_id, _EVENTS.c.block_number > ancestor.number
                )
            ).rowcount
            conn.execute(
                delete(_BLOCKS).where(
                    _BLOCKS.c.chain_id == chain_id, _BLOCKS.c.number > ancestor.number
                )
            )
            # The read models cannot be rolled back event by event: rebuilt from what remains.
            for projection in self.projections:
                projection.rebuild(conn, chain_id)
        log.warning(
            "reorg on chain %s: block %s %s left the chain; rolled back to block %s %s,"
            " removing %s events",
            chain_id,
            cursor.number,
            cursor.hash,
            ancestor.number,
            ancestor.hash,
            removed,
        )

    # -- contracts added later ----------------------------------------------------------------

    def _sync_contracts(self) -> int:
        """Record the watched contracts; read back the logs of new ones below the cursor.

        Returns how many events that stored. Contracts no longer watched are forgotten (their
        events stay), so watching one again reads its history back.
        """
        chain_id = self.chain.chain_id
        with self.engine.connect() as conn:
            known = {
                str(a).lower()
                for (a,) in conn.execute(
                    select(_CONTRACTS.c.address).where(_CONTRACTS.c.chain_id == chain_id)
                )
            }
        gone = known - set(self.contracts)
        new = [c for key, c in self.contracts.items() if key not in known]
        if gone:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(_CONTRACTS).where(
                        _CONTRACTS.c.chain_id == chain_id,
                        func.lower(_CONTRACTS.c.address).in_(gone),
                    )
                )
        if not new:
            return 0
        cursor = _read_cursor(self.engine, chain_id)
        behind = [c for c in new if cursor is not None and c.from_block <= cursor.number]
        stored = 0
        if cursor is not None and behind:
            try:
                stored = self._backfill(behind, cursor)
            except _LostRace:
                # The cursor moved meanwhile: the steps read the new contracts from the new
                # cursor on, and the next run reads back the rest (duplicates are skipped).
                return stored
        rows = [
            {"chain_id": chain_id, "address": c.address, "name": c.name, "from_block": c.from_block}
            for c in new
        ]
        with self.engine.begin() as conn:
            _insert_ignore(conn, _CONTRACTS, rows)
        return stored

    def _backfill(self, contracts: list[WatchedContract], cursor: _Mark) -> int:
        """Read the logs of `contracts` from their first block up to the cursor."""
        addresses = [c.address.lower() for c in contracts]
        start = min(c.from_block for c in contracts)
        span = self.chunk
        stored = 0
        unsettled = 0
        log.info("indexer: reading back %s from block %s", [c.name for c in contracts], start)
        while start <= cursor.number:
            end = min(start + span - 1, cursor.number)
            try:
                logs = self._get_logs(start, end, addresses)
                hashes = {int(e["blockNumber"], 16): e["blockHash"].lower() for e in logs}
                headers = self._headers(sorted(hashes))
                if any(
                    (h := headers.get(n)) is None or h.hash != block_hash
                    for n, block_hash in hashes.items()
                ):
                    raise _Unsettled(f"blocks {start}-{end} changed while being read")
            except NodeRefused:
                if end == start:
                    raise
                span = max(1, (end - start + 1) // 2)
                continue
            except _Unsettled as exc:
                unsettled += 1
                if unsettled >= MAX_UNSETTLED:
                    raise IndexerError(f"chain {self.chain.chain_id}: {exc}") from exc
                continue
            rows = self._rows(logs, headers)
            with self.engine.begin() as conn:
                # The cursor must not have moved (a rollback) while these were read.
                _move_cursor(conn, self.chain.chain_id, cursor, cursor)
                if rows:
                    _insert_ignore(conn, _EVENTS, rows)
                    # Events below the cursor came in out of order: project all of them again.
                    for projection in self.projections:
                        projection.rebuild(conn, self.chain.chain_id)
            stored += len(rows)
            start = end + 1
            span = min(self.chunk, span * 2)
        return stored

    # -- JSON-RPC ---------------------------------------------------------------------------

    def _call(self, method: str, params: list[Any]) -> Any:
        """A raw JSON-RPC request: web3's result formatting costs more than the indexing."""
        provider = self.chain.w3.provider
        response = self.chain.rpc(provider.make_request, RPCEndpoint(method), params)
        if "error" in response:
            raise NodeRefused(f"{method}{params} refused by the node: {response['error']}")
        return response.get("result")

    def _get_logs(self, start: int, end: int, addresses: list[str]) -> list[dict[str, Any]]:
        logs: list[dict[str, Any]] = self._call(
            "eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end), "address": addresses}]
        )
        return logs

    def _headers(self, numbers: Sequence[int]) -> dict[int, _Header]:
        """Canonical headers at `numbers` (absent where the chain is shorter), batched."""
        found: dict[int, _Header] = {}
        for at in range(0, len(numbers), HEADER_BATCH):
            part = numbers[at : at + HEADER_BATCH]
            for raw in self._raw_headers(part):
                if raw is not None:
                    header = _Header(
                        number=int(raw["number"], 16),
                        hash=raw["hash"].lower(),
                        parent_hash=raw["parentHash"].lower(),
                        time=datetime.fromtimestamp(int(raw["timestamp"], 16), UTC),
                    )
                    found[header.number] = header
        return found

    def _raw_headers(self, numbers: Sequence[int]) -> list[Any]:
        requests = [(RPCEndpoint("eth_getBlockByNumber"), [hex(n), False]) for n in numbers]
        if len(requests) > 1 and self._batching:
            provider = cast_(JSONBaseProvider, self.chain.w3.provider)
            responses = self.chain.rpc(provider.make_batch_request, requests)
            if isinstance(responses, list) and len(responses) == len(requests):
                results = []
                for number, response in zip(numbers, responses, strict=True):
                    if "error" in response:
                        raise NodeRefused(f"header of block {number}: {response['error']}")
                    results.append(response.get("result"))
                return results
            log.warning("indexer: the node refuses JSON-RPC batches; asking one by one")
            self._batching = False
        return [self._call(method, params) for method, params in requests]


# -- decoding ---------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _checksummed(address: str) -> str:
    return str(checksum(address))


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _identity(value: Any) -> Any:
    return value


def _encoder(abi_input: Mapping[str, Any]) -> Callable[[Any], Any]:
    """The function turning a decoded value of `abi_input`'s type into its JSON form."""
    kind = str(abi_input["type"])
    if kind.endswith("]"):
        inner = _encoder({**abi_input, "type": kind[: kind.rindex("[")]})
        return lambda values: [inner(v) for v in values]
    if kind == "tuple":
        parts = [
            (str(c.get("name") or f"_{i}"), _encoder(c))
            for i, c in enumerate(abi_input["components"])
        ]
        return lambda value: {name: enc(v) for (name, enc), v in zip(parts, value, strict=True)}
    if kind == "address":
        return _checksummed
    if kind.startswith("bytes"):
        return _hex
    if kind.startswith(("uint", "int")):
        bits = int(kind.removeprefix("u").removeprefix("int") or 256)
        return _identity if bits <= _JS_SAFE_BITS else str
    if kind.startswith(("fixed", "ufixed")):
        return str
    return _identity  # bool, string


_HASHED = {"type": "bytes32", "indexed": True}
"""How an indexed argument of a non-value type is decoded: the 32-byte hash in its topic."""


def _is_value_type(kind: str) -> bool:
    """Solidity stores indexed arguments of any other type as the keccak hash of their value."""
    return "[" not in kind and not kind.startswith("tuple") and kind not in ("string", "bytes")


class _EventDecoder:
    """Decodes one event's logs with eth_abi's decoders (the ones web3 uses), built once.

    The fields are decoded one by one with the decoders eth_abi's `TupleDecoder` is made of,
    rather than by the tuple decoder itself: that one first decodes every static field a second
    time to check the dynamic fields' offsets, doubling the cost. A bad offset still fails the
    decode (by reading past the data), and the log is then kept raw.
    """

    def __init__(self, abi: Mapping[str, Any]) -> None:
        self.name = str(abi["name"])
        inputs = list(abi.get("inputs", []))
        self.names = [str(i.get("name") or f"_{n}") for n, i in enumerate(inputs)]
        # Solidity puts the keccak hash of an indexed non-value argument in its topic.
        as_decoded = [
            _HASHED | {"name": i.get("name")}
            if i.get("indexed") and not _is_value_type(str(i["type"]))
            else i
            for i in inputs
        ]
        self.encoders = [_encoder(i) for i in as_decoded]
        self.topic_fields = _fields(as_decoded, indexed=True)
        self.data_fields = _fields(as_decoded, indexed=False)

    def decode(self, topics: Sequence[str], data: str) -> tuple[str, dict[str, Any]]:
        """(event name, JSON-ready arguments), or `_raw` when the log does not fit the ABI."""
        if len(topics) != len(self.topic_fields) + 1:
            return _raw(topics, data)
        values: list[Any] = [None] * len(self.names)
        try:
            if self.topic_fields:
                words = b"".join(bytes.fromhex(t[2:]) for t in topics[1:])
                stream = ContextFramesBytesIO(words)  # type: ignore[no-untyped-call]
                for n, decoder in self.topic_fields:
                    values[n] = decoder(stream)
            if self.data_fields:
                stream = ContextFramesBytesIO(bytes.fromhex(data[2:]))  # type: ignore[no-untyped-call]
                for n, decoder in self.data_fields:
                    values[n] = decoder(stream)
            args = {
                name: encode(value)
                for name, encode, value in zip(self.names, self.encoders, values, strict=True)
            }
        except (DecodingError, ValueError, TypeError) as exc:
            log.warning("indexer: a %s log does not decode (%s); stored raw", self.name, exc)
            return _raw(topics, data)
        return self.name, args


def _fields(
    inputs: Sequence[Mapping[str, Any]], *, indexed: bool
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, eth_abi decoder) of the `indexed` (or the other) inputs, in order."""
    positions = [n for n, i in enumerate(inputs) if bool(i.get("indexed")) == indexed]
    types = [collapse_if_tuple(dict(inputs[n])) for n in positions]
    tuple_decoder: TupleDecoder = abi_registry.get_tuple_decoder(*types)
    return list(zip(positions, tuple_decoder.decoders or (), strict=True))


def _decoders_for(abi: Sequence[Mapping[str, Any]]) -> dict[str, _EventDecoder]:
    """topic0 (``0x`` hex) → decoder, for the non-anonymous events of `abi`."""
    return {
        _hex(event_abi_to_log_topic(item)): _EventDecoder(item)  # type: ignore[arg-type]
        for item in abi
        if item.get("type") == "event" and not item.get("anonymous")
    }


def _raw(topics: Sequence[str], data: str) -> tuple[str, dict[str, Any]]:
    return UNDECODED, {"topics": [t.lower() for t in topics], "data": data.lower()}


# -- database ---------------------------------------------------------------------------------

_EVENTS = IndexedEvent.__table__  # type: ignore[attr-defined]
_BLOCKS = IndexedBlock.__table__  # type: ignore[attr-defined]
_CURSORS = IndexerCursor.__table__  # type: ignore[attr-defined]
_CONTRACTS = IndexedContract.__table__  # type: ignore[attr-defined]


def _read_cursor(engine: Engine, chain_id: int) -> _Mark | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(_CURSORS.c.block_number, _CURSORS.c.block_hash).where(
                _CURSORS.c.chain_id == chain_id
            )
        ).first()
    return _Mark(int(row[0]), str(row[1])) if row else None


def _move_cursor(conn: Connection, chain_id: int, old: _Mark | None, new: _Mark) -> None:
    """Compare-and-set the cursor from `old` to `new` as the transaction's first write (which
    also serializes concurrent indexers); raises `_LostRace` when it is no longer `old`."""
    values = {"block_number": new.number, "block_hash": new.hash, "updated_at": utcnow()}
    if old is None:
        # A concurrent first insert fails on the primary key (IntegrityError): the caller
        # plans again.
        conn.execute(insert(_CURSORS).values(chain_id=chain_id, **values))
        return
    moved = conn.execute(
        update(_CURSORS)
        .where(
            _CURSORS.c.chain_id == chain_id,
            _CURSORS.c.block_number == old.number,
            _CURSORS.c.block_hash == old.hash,
        )
        .values(**values)
    ).rowcount
    if moved != 1:
        raise _LostRace


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert `rows`, skipping those whose key is already stored."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(postgresql.insert(table).on_conflict_do_nothing(), rows)
    elif dialect == "sqlite":
        conn.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
    else:
        raise IndexerError(f"unsupported database {dialect}: use SQLite or PostgreSQL")


# -- reading ----------------------------------------------------------------------------------


def indexed_through(engine: Engine, chain_id: int) -> int | None:
    """The last block of `chain_id` whose logs are all stored, or None before the first."""
    cursor = _read_cursor(engine, chain_id)
    return cursor.number if cursor else None


def events(
    engine: Engine,
    *,
    chain_id: int | None = None,
    contract: str | None = None,
    event: str | None = None,
    address: str | None = None,
    tx_hash: str | None = None,
    args: Mapping[str, Any] | None = None,
    from_block: int | None = None,
    to_block: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[StoredEvent]:
    """Stored events in chain order (block, then log index), filtered, one page.

    Every filter given must hold. `args` matches decoded arguments by equality: ints, bools,
    bytes (compared as ``0x`` hex), strings; an address may be given in any case; a list (or
    tuple, set) of such values matches any of them. Filters on
    `chain_id` + `contract` + `event` and on block ranges use indexes; `args` alone scans, so
    narrow it with those. `limit` is capped at `MAX_PAGE`. Raises `ValueError` for an
    argument name that is not an identifier or a negative `offset`/`limit`.
    """
    if offset < 0 or limit < 0:
        raise ValueError(f"offset and limit must be >= 0, got {offset} and {limit}")
    table = _EVENTS
    query = select(table)
    conditions: list[ColumnElement[bool]] = []
    if chain_id is not None:
        conditions.append(table.c.chain_id == chain_id)
    if contract is not None:
        conditions.append(table.c.contract == contract)
    if event is not None:
        conditions.append(table.c.event == event)
    if address is not None:
        conditions.append(table.c.address == checksum(address))
    if tx_hash is not None:
        conditions.append(table.c.tx_hash == tx_hash.lower())
    if from_block is not None:
        conditions.append(table.c.block_number >= from_block)
    if to_block is not None:
        conditions.append(table.c.block_number <= to_block)
    for name, value in (args or {}).items():
        conditions.append(arg_condition(engine.dialect.name, name, value))
    query = (
        query.where(*conditions)
        .order_by(table.c.chain_id, table.c.block_number, table.c.log_index)
        .offset(offset)
        .limit(min(limit, MAX_PAGE))
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [StoredEvent.from_row(row) for row in rows]


def arg_condition(dialect: str, name: str, value: Any) -> ColumnElement[bool]:
    """`args_json`'s member `name` equals `value`, compared as text (see the encoding)."""
    if not _ARG_NAME.match(name):
        raise ValueError(f"argument name {name!r} is not an identifier")
    column = col(IndexedEvent.args_json)
    if dialect == "postgresql":
        member: Any = cast(column, postgresql.JSONB)[name].astext
        boolean = ("true", "false")
    else:
        member = cast(func.json_extract(column, f'$."{name}"'), String)
        boolean = ("1", "0")
    if isinstance(value, list | tuple | set | frozenset):
        listed: ColumnElement[bool] = member.in_([_arg_text(v, boolean) for v in value])
        return listed
    condition: ColumnElement[bool] = member == _arg_text(value, boolean)
    return condition


def _arg_text(value: Any, boolean: tuple[str, str]) -> str:
    """`value` as `arg_condition` compares it: the text the encoding stores."""
    if isinstance(value, bool):
        return boolean[0] if value else boolean[1]
    if isinstance(value, bytes):
        return _hex(value)
    if isinstance(value, str) and _ADDRESS.match(value):
        return _checksummed(value.lower())
    return str(value)
