"""The batcher: pending items → appended to the notary's evidence log → one anchoring
transaction per batch, carrying the log's new root.

The log is one RFC 6962 tree over every item this notary batched, in order; a batch stores
the log's frontier before and after it (`notary.merkle.LogTree`), so appending costs
O(batch) whatever the log's size. Crash safety comes from the order of durable steps, each
committed before the next starts:

1. *prepared*: items are assigned to the batch (and so to no other batch) with their log
   positions; the root is fixed. The batch's `log_start` is unique, so two batchers can never
   extend the log from the same point.
2. *signed*: the signed transaction's bytes and hash are stored (the outbox).
3. broadcast; *anchored* once its receipt is seen; *final* after the finality depth.

A process killed anywhere resumes the one unfinished batch: it looks the stored transaction up
on chain, re-broadcasts the same bytes, or (when its nonce was taken or it reverted for a
stale block hash) signs it again. The contract refuses a log that does not grow and a batch
number out of sequence, so no item is ever anchored in two batches.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update
from web3.exceptions import BlockNotFound

from ledger.chain import Chain, TxHash
from ledger.errors import NonceConsumed, TransactionError, TransactionReverted
from ledger.evidence import BatchAnchor, EvidenceRegistryClient
from ledger.transactions import SignedTx
from notary.errors import NotaryError
from notary.merkle import LogTree
from notary.models import AnchorBatch, BatchStatus, EvidenceItem, ItemStatus

log = logging.getLogger("autoledger.anchoring")

DEFAULT_BATCH_SIZE = 10_000
"""Items per batch: the anchoring transaction costs about 45k gas whatever the size, so large
batches make it cheap per item (under 50 gas at 1,000). Batches anchor one after the other, one
a block, so this times the block rate is the ceiling of documents made final per second:
1,000 held bulk submissions to 949 docs/s on 1 s blocks (`scripts/bench-http`)."""

DEFAULT_INTERVAL = 2.0
"""Seconds an item may wait for a batch to fill before it is anchored anyway."""

RECEIPT_POLL = 0.05
"""Longest wait between receipt look-ups while a batch transaction is in flight; the first
look-ups come sooner (from 2 ms, doubling), since instant-finality chains mine at once."""

RECEIPT_TIMEOUT = 120.0
"""Seconds to wait for a batch transaction before re-broadcasting it."""

_RESIGN_ERRORS = {"EvidenceRegistryStaleBlockHash", "EvidenceRegistryBatchOutOfSequence"}
_RACE_ERRORS = _RESIGN_ERRORS | {
    "EvidenceRegistryAlreadyAnchored",
    "EvidenceRegistryLogNotExtended",
}


class _NotYet(Exception):
    """This batch cannot be signed yet: the log on chain has not reached its start (an earlier
    batch is still in flight), or the chain changed while it was being signed."""


class LogMismatch(NotaryError):
    """The notary's evidence log on chain is not the one this database extends: another
    service anchored for the same notary member, or the database lost batches. Anchoring
    stops rather than fork the log; the message gives both sizes."""


class Anchorer:
    """Moves pending items into batches and batches onto the chain, one batch at a time.

    `registry` must act as a NOTARY member. `step` is called after each durable step with
    its name (``prepared``, ``signed``, ``broadcast``, ``anchored``), for progress and for
    crash tests.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        registry: EvidenceRegistryClient,
        batch_size: int = DEFAULT_BATCH_SIZE,
        step: Callable[[str], None] = lambda _: None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.engine = engine
        self.registry = registry
        self.sender = registry.sender
        self.chain: Chain = registry.sender.chain
        self.batch_size = batch_size
        self.step = step
        self._member_id: int | None = None

    # -- one round ----------------------------------------------------------------------------

    def anchor_next(self) -> AnchorBatch | None:
        """Carry the unfinished batch, or a new one of pending items, until it is anchored.

        Returns the anchored batch, or None when nothing was pending.
        """
        deadline = time.monotonic() + RECEIPT_TIMEOUT
        while True:
            batch = self._unfinished() or self._prepare()
            if batch is None:
                return None
            try:
                while batch.status in (BatchStatus.PREPARED, BatchStatus.SIGNED):
                    if batch.status == BatchStatus.PREPARED:
                        batch = self._sign(batch)
                    else:
                        batch = self._send(batch)
                return batch
            except _NotYet as wait:
                # Another batcher on this database holds the batch before this one, or just
                # anchored this one, or the batch before it left the chain in a rollback (then
                # `finalize` reopens it): take the oldest unfinished batch again, shortly.
                if time.monotonic() > deadline:
                    log.warning("batch %s still waits: %s", batch.id, wait)
                    return None
                self.finalize()
                time.sleep(RECEIPT_POLL)

    def anchor_all(self) -> list[AnchorBatch]:
        """Anchor until nothing is pending; then finalize what is deep enough."""
        done = []
        while (batch := self.anchor_next()) is not None:
            done.append(batch)
        self.finalize()
        return done

    def pending(self) -> tuple[int, datetime | None]:
        """How many items wait for a batch, and when the oldest of them was submitted."""
        with Session(self.engine) as session:
            count, oldest = session.exec(
                select(func.count(), func.min(EvidenceItem.submitted_at)).where(
                    col(EvidenceItem.batch_id).is_(None)
                )
            ).one()
        return int(count), oldest

    def finalize(self) -> int:
        """Mark anchored batches final once `finality_depth` blocks follow their block (and the
        node's state holding it is durable), after `heal` has reopened what a rollback undid.

        A batch whose block was replaced by a reorg goes back to *signed*: its stored bytes
        are broadcast again. Returns how many batches became final.
        """
        self.heal()
        latest = self.chain.latest_block()
        depth = self.chain.finality_depth
        finalized = 0
        with Session(self.engine) as session:
            batches = session.exec(
                select(AnchorBatch)
                .where(AnchorBatch.status == BatchStatus.ANCHORED)
                .order_by(col(AnchorBatch.id))  # one lock order for every replica
            ).all()
            for batch in batches:
                assert batch.block_number is not None
                if batch.block_number + depth > latest:
                    continue
                if not self._canonical(batch):
                    log.warning(
                        "batch %s: block %s was replaced", batch.sequence, batch.block_number
                    )
                    self._move(session, batch, {"status": BatchStatus.SIGNED}, ItemStatus.PENDING)
                else:
                    self.sender.make_durable(batch.block_number)
                    finalized += self._move(
                        session,
                        batch,
                        {"status": BatchStatus.FINAL, "final_at": datetime.now(UTC)},
                        ItemStatus.FINAL,
                    )
            session.commit()
        return finalized

    def heal(self) -> int:
        """Reopen the final batches whose anchoring block left the canonical chain (a node
        reloaded an older state, a deep reorg): each goes back to *signed*, its items to
        *pending* (their receipts say not final until the batch is anchored again; they are
        issued anew from the new anchor), and its stored bytes are broadcast again, or signed
        again when their nonce or recent block is gone. Checks the newest final batch's block
        (one look-up) and walks down only when it left. Returns how many batches reopened."""
        reopened = 0
        with Session(self.engine) as session:
            batches = session.exec(
                select(AnchorBatch)
                .where(AnchorBatch.status == BatchStatus.FINAL)
                .order_by(col(AnchorBatch.block_number).desc())
            )
            for batch in batches:
                if self._canonical(batch):
                    break  # every block below a canonical block is canonical too
                log.warning(
                    "batch %s: its block %s left the chain; anchoring it again",
                    batch.sequence,
                    batch.block_number,
                )
                reopened += self._move(
                    session,
                    batch,
                    {"status": BatchStatus.SIGNED, "final_at": None},
                    ItemStatus.PENDING,
                )
            session.commit()
        return reopened

    def _canonical(self, batch: AnchorBatch) -> bool:
        """Whether the block `batch` was anchored in is still on the canonical chain."""
        if batch.block_number is None:
            return False
        try:
            block = self.chain.rpc(self.chain.w3.eth.get_block, batch.block_number)
        except BlockNotFound:
            return False
        return "0x" + bytes(block["hash"]).hex() == batch.block_hash

    # -- the worker ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, interval: float = DEFAULT_INTERVAL) -> None:
        """Anchor whenever `batch_size` items wait or the oldest waited `interval` seconds."""
        while not stop.is_set():
            try:
                count, oldest = self.pending()
                waited = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
                if (
                    self._unfinished() is not None
                    or count >= self.batch_size
                    or (count and waited >= interval)
                ):
                    self.anchor_next()
                    # under a steady stream the queue never drains: finalize as batches land
                    self.finalize()
                    continue
                self.finalize()
            except Exception:  # keep the worker alive; the next round retries
                log.exception("anchoring round failed")
                stop.wait(interval)
            stop.wait(min(interval, 0.2))

    # -- steps --------------------------------------------------------------------------------

    def _unfinished(self) -> AnchorBatch | None:
        with Session(self.engine) as session:
            return session.exec(
                select(AnchorBatch)
                .where(col(AnchorBatch.status).in_([BatchStatus.PREPARED, BatchStatus.SIGNED]))
                .order_by(col(AnchorBatch.id))
            ).first()

    def _prepare(self) -> AnchorBatch | None:
        with Session(self.engine) as session:
            items = session.exec(
                select(EvidenceItem.id, EvidenceItem.record_json)
                .where(col(EvidenceItem.batch_id).is_(None))
                .order_by(col(EvidenceItem.id))
                .limit(self.batch_size)
            ).all()
            if not items:
                return None
            last = session.exec(
                select(AnchorBatch)
                .where(col(AnchorBatch.log_start).is_not(None))
                .order_by(col(AnchorBatch.log_start).desc())
            ).first()
            start = last.tree_size if last is not None else 0
            before = json.loads(last.frontier_after or "[]") if last is not None else []
            log_tree = LogTree(
                [bytes.fromhex(h) for h in before],
                start,
                [record.encode() for _, record in items],
            )
            batch = AnchorBatch(
                sequence=0,  # taken from the contract when signing
                notary_address=self.sender.address,
                root=log_tree.root.hex(),
                size=len(items),
                log_start=start,
                frontier_before=json.dumps(before),
                frontier_after=json.dumps([h.hex() for h in log_tree.frontier]),
            )
            session.add(batch)
            try:
                session.flush()
            except IntegrityError:  # another batcher extended the log from here first
                session.rollback()
                log.info("another batcher extended the evidence log first; trying again")
                return None
            ids = [item_id for item_id, _ in items]
            # Claim the items only if still unclaimed: another anchoring process may be
            # preparing a batch from the same pending items at this moment.
            claimed = session.exec(
                update(EvidenceItem)
                .where(col(EvidenceItem.id).in_(ids), col(EvidenceItem.batch_id).is_(None))
                .values(batch_id=batch.id)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != len(ids):
                session.rollback()
                log.info("pending items were claimed by another batcher; trying again")
                return None
            table = EvidenceItem.__table__  # type: ignore[attr-defined]
            session.connection().execute(
                table.update()
                .where(table.c.id == bindparam("item_id"))
                .values(leaf_index=bindparam("leaf_index")),
                [{"item_id": item_id, "leaf_index": start + i} for i, item_id in enumerate(ids)],
            )
            session.commit()
            session.refresh(batch)
        self.step("prepared")
        return batch

    def _sign(self, batch: AnchorBatch) -> AnchorBatch:
        on_chain = self.registry.log_of(self._notary_id())
        landed = self._landed(batch, on_chain.size)
        if landed is not None:
            return self._record_anchor(batch, landed.block_number, landed.tx_hash)
        if on_chain.size < batch.first_leaf:
            raise _NotYet(f"the log on chain holds {on_chain.size} of its first {batch.first_leaf}")
        if on_chain.size > batch.first_leaf:  # and not by this batch (checked above)
            raise LogMismatch(
                f"the evidence log of notary {self.sender.address} holds {on_chain.size} leaves"
                f" on chain, but batch {batch.id} extends it from {batch.first_leaf}"
            )
        sequence = on_chain.last_sequence + 1
        recent_number, recent_hash = self.registry.recent_block()
        function = self.registry.contract.functions.anchorBatch(
            bytes.fromhex(batch.root), batch.tree_size, sequence, recent_number, recent_hash
        )
        try:
            signed = self.sender.sign(
                {"to": self.registry.address, "data": function._encode_transaction_data()},
                purpose="anchorBatch",
            )
        except TransactionReverted as exc:  # at gas estimation: the chain moved meanwhile
            if exc.error in _RACE_ERRORS:
                raise _NotYet(str(exc)) from exc
            raise
        with Session(self.engine, expire_on_commit=False) as session:
            # Compare and set: only one batcher's transaction becomes the batch's outbox entry.
            stored = session.exec(
                update(AnchorBatch)
                .where(
                    col(AnchorBatch.id) == batch.id,
                    col(AnchorBatch.status) == BatchStatus.PREPARED,
                )
                .values(
                    sequence=sequence,
                    recent_block_number=recent_number,
                    recent_block_hash="0x" + recent_hash.hex(),
                    tx_hash=signed.tx_hash,
                    raw_tx=signed.raw.hex(),
                    status=BatchStatus.SIGNED,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
            batch = session.get_one(AnchorBatch, batch.id)
        if not stored or batch.tx_hash != signed.tx_hash:
            # Another batcher signed this batch first. Send ours anyway, so that its nonce is
            # not left a gap that stalls every later transaction: it anchors the batch or
            # reverts, and either way the batch's record follows the chain.
            try:
                self.sender.broadcast(signed)
            except (NonceConsumed, TransactionError):
                pass
            raise _NotYet("another batcher signed it first")
        self.step("signed")
        return batch

    def _notary_id(self) -> int:
        if self._member_id is None:
            self._member_id = self.registry.member_id(self.sender.address)
        return self._member_id

    def _landed(self, batch: AnchorBatch, log_size: int | None = None) -> BatchAnchor | None:
        """The anchoring of `batch` if an earlier attempt landed (the log on chain holds it);
        `log_size` is the size of the log on chain when the caller has just read it."""
        if log_size is None:
            log_size = self.registry.log_of(self._notary_id()).size
        if log_size < batch.tree_size:
            return None
        # this copy may predate another batcher's signing: then search from the start
        return self.registry.find_batch(
            bytes.fromhex(batch.root), from_block=batch.recent_block_number or 0
        )

    def _send(self, batch: AnchorBatch) -> AnchorBatch:
        assert batch.tx_hash is not None and batch.raw_tx is not None
        tx_hash = TxHash(batch.tx_hash)
        receipt = self.chain.receipt(tx_hash)
        if receipt is None:
            signed = SignedTx(raw=bytes.fromhex(batch.raw_tx), tx_hash=tx_hash, nonce=-1)
            try:
                self.sender.broadcast(signed)
            except NonceConsumed:
                receipt = self.chain.receipt(tx_hash)
                if receipt is None:  # another transaction took the nonce: sign anew
                    return self._back_to_prepared(batch, "its nonce was taken")
            self.step("broadcast")
        deadline = time.monotonic() + RECEIPT_TIMEOUT
        pause = 0.002
        while receipt is None:
            if time.monotonic() > deadline:
                log.warning(
                    "batch %s: no receipt for %s yet; broadcasting again", batch.sequence, tx_hash
                )
                return batch
            time.sleep(pause)
            pause = min(pause * 2, RECEIPT_POLL)
            receipt = self.chain.receipt(tx_hash)
        if receipt["status"] != 1:
            failure = self.sender.explain_failure(tx_hash, receipt)
            name = failure.error if isinstance(failure, TransactionReverted) else ""
            landed = self._landed(batch)
            if landed is not None:  # an earlier attempt of this batch landed
                return self._record_anchor(batch, landed.block_number, landed.tx_hash)
            if name in _RESIGN_ERRORS or not isinstance(failure, TransactionReverted):
                return self._back_to_prepared(batch, str(failure))
            raise failure
        return self._record_anchor(batch, receipt["blockNumber"], tx_hash)

    def _record_anchor(self, batch: AnchorBatch, block_number: int, tx_hash: str) -> AnchorBatch:
        block = self.chain.rpc(self.chain.w3.eth.get_block, block_number)
        values = {
            "tx_hash": tx_hash,
            "block_number": block_number,
            "block_hash": "0x" + bytes(block["hash"]).hex(),
            "block_time": datetime.fromtimestamp(int(block["timestamp"]), UTC),
            "anchored_at": datetime.now(UTC),
            "status": BatchStatus.ANCHORED,
        }
        with Session(self.engine, expire_on_commit=False) as session:
            stored = session.get_one(AnchorBatch, batch.id)
            if stored.status in (BatchStatus.PREPARED, BatchStatus.SIGNED):
                self._move(session, stored, values, ItemStatus.ANCHORED)
            session.commit()
            # what the database holds now: another batcher may have recorded (and finalized)
            # the same landing first
            batch = session.get_one(AnchorBatch, batch.id, populate_existing=True)
        self.step("anchored")
        return batch

    def _back_to_prepared(self, batch: AnchorBatch, why: str) -> AnchorBatch:
        log.warning("batch of root %s is signed again: %s", batch.root, why)
        self.sender.nonces.resync()
        with Session(self.engine, expire_on_commit=False) as session:
            self._move(
                session, batch, {"status": BatchStatus.PREPARED, "tx_hash": None, "raw_tx": None}
            )
            session.commit()
            batch = session.get_one(AnchorBatch, batch.id, populate_existing=True)
        return batch

    @staticmethod
    def _move(
        session: Session,
        batch: AnchorBatch,
        values: dict[str, object],
        items: ItemStatus | None = None,
    ) -> int:
        """Compare and set: give `batch` the `values` (and its items the status `items`) only
        if its row still holds the status and transaction it was read with. Batchers of
        several replicas share the batches, and one may record, finalize or reopen a batch
        between another's read and write; the loser's write changes nothing (it would
        otherwise leave, say, a final batch with items marked anchored). Returns 1 if it
        moved, else 0."""
        table = AnchorBatch.__table__  # type: ignore[attr-defined]
        moved = (
            session.connection()
            .execute(
                table.update()
                .where(
                    table.c.id == batch.id,
                    table.c.status == batch.status,
                    table.c.tx_hash.is_(None)
                    if batch.tx_hash is None
                    else table.c.tx_hash == batch.tx_hash,
                )
                .values(**values)
            )
            .rowcount
        )
        if moved and items is not None:
            session.exec(
                update(EvidenceItem)
                .where(col(EvidenceItem.batch_id) == batch.id)
                .values(status=items.value)
                .execution_options(synchronize_session=False)
            )
        return int(moved)
