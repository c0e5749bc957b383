"""Receipts for anchored items, signed by the notary, built from what the database holds."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notary.merkle import LogTree, MerkleTree
from notary.models import AnchorBatch, EvidenceItem, ItemStatus
from notary.receipts import Anchor, Receipt, ReceiptSigner
from notary.records import EvidenceRecord, format_timestamp

TREE_CACHE = 64
"""Batches whose Merkle trees stay in memory: receipts of one batch are usually asked for
together, and a batch's items and root never change (even when it is anchored again)."""


@dataclass(frozen=True, kw_only=True)
class ItemReceipt:
    """An item's status and, once anchored, its signed receipt."""

    public_id: str
    status: str
    receipt: Receipt | None


class ReceiptIssuer:
    """Builds and signs receipts; `notary_key` is the private key that signs them."""

    def __init__(self, *, engine: Engine, notary_key: bytes, chain_id: int, contract: str) -> None:
        self.engine = engine
        self._signer = ReceiptSigner(notary_key)
        self.chain_id = chain_id
        self.contract = contract
        self._trees: OrderedDict[int, LogTree | MerkleTree] = OrderedDict()
        self._anchors: OrderedDict[tuple[str, str], Anchor] = OrderedDict()
        self._lock = threading.Lock()

    def for_item(self, item: EvidenceItem) -> ItemReceipt:
        """The receipt of `item` (None while it is pending or its batch is not anchored)."""
        if item.status == ItemStatus.PENDING or item.batch_id is None:
            return ItemReceipt(public_id=item.public_id, status=item.status, receipt=None)
        batch = self._batch(item.batch_id)
        assert item.leaf_index is not None and batch.tx_hash is not None
        assert batch.block_number is not None and batch.block_hash is not None
        assert batch.block_time is not None
        tree = self._tree(batch)
        receipt = Receipt(
            record=EvidenceRecord.from_json(item.record_json),
            leaf_index=item.leaf_index,
            tree_size=batch.tree_size,
            audit_path=tuple(h.hex() for h in tree.inclusion_proof(item.leaf_index)),  # type: ignore[misc]
            root=batch.root,  # type: ignore[arg-type]
            anchor=self._anchor(batch),
        )
        return ItemReceipt(
            public_id=item.public_id, status=item.status, receipt=self._signer.sign(receipt)
        )

    def _batch(self, batch_id: int) -> AnchorBatch:
        """The batch as stored now (read each time: a final batch whose block left the chain
        is anchored again, in another transaction and block, and its receipts follow)."""
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get_one(AnchorBatch, batch_id)

    def _anchor(self, batch: AnchorBatch) -> Anchor:
        """The receipts' anchor of `batch`, built once per anchoring of it."""
        assert batch.tx_hash is not None and batch.block_number is not None
        assert batch.block_hash is not None and batch.block_time is not None
        key = (batch.tx_hash, batch.block_hash)
        with self._lock:
            anchor = self._anchors.get(key)
        if anchor is None:
            anchor = Anchor(
                chain_id=self.chain_id,
                contract=self.contract,  # type: ignore[arg-type]
                tx_hash=batch.tx_hash,
                block_number=batch.block_number,
                block_hash=batch.block_hash,
                block_time=format_timestamp(batch.block_time),
            )
            with self._lock:
                self._anchors[key] = anchor
                while len(self._anchors) > TREE_CACHE:
                    self._anchors.popitem(last=False)
        return anchor

    def _tree(self, batch: AnchorBatch) -> LogTree | MerkleTree:
        assert batch.id is not None
        with self._lock:
            tree = self._trees.get(batch.id)
            if tree is not None:
                self._trees.move_to_end(batch.id)
                return tree
        with Session(self.engine) as session:
            leaves = session.exec(
                select(EvidenceItem.record_json)
                .where(EvidenceItem.batch_id == batch.id)
                .order_by(col(EvidenceItem.leaf_index))
            ).all()
        tree = batch_tree(batch, [leaf.encode() for leaf in leaves])
        if tree.root.hex() != batch.root:
            raise RuntimeError(f"batch {batch.id}: stored items no longer give root {batch.root}")
        with self._lock:
            self._trees[batch.id] = tree
            while len(self._trees) > TREE_CACHE:
                self._trees.popitem(last=False)
        return tree


def batch_tree(batch: AnchorBatch, leaves: Sequence[bytes]) -> LogTree | MerkleTree:
    """The tree `batch`'s receipts are cut from, given its items' leaves in order: the
    notary's evidence log up to the batch, or for a batch from before evidence logs (no
    `log_start`) a tree of its own items."""
    if batch.log_start is None:
        return MerkleTree(leaves)
    before = [bytes.fromhex(h) for h in json.loads(batch.frontier_before or "[]")]
    return LogTree(before, batch.log_start, leaves)
