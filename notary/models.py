"""Tables owned by `notary`: evidence items and the batches that anchor them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ledger.models import utcnow


class ItemStatus(StrEnum):
    """pending → anchored → final (after the finality depth)."""

    PENDING = "pending"
    ANCHORED = "anchored"
    FINAL = "final"


class BatchStatus(StrEnum):
    """prepared (items assigned) → signed (transaction stored) → anchored → final."""

    PREPARED = "prepared"
    SIGNED = "signed"
    ANCHORED = "anchored"
    FINAL = "final"


class EvidenceItem(SQLModel, table=True):
    """One submitted document (or digest) and the record the notary attests for it."""

    __tablename__ = "evidence_item"
    __table_args__ = (
        UniqueConstraint("submitter_id", "idempotency_key"),
        UniqueConstraint("submitter_id", "fingerprint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, index=True)
    submitter_id: int = Field(index=True, sa_type=BigInteger)
    submitter_address: str = Field(max_length=42)
    idempotency_key: str | None = Field(default=None, max_length=200)
    fingerprint: str = Field(max_length=64, description="hash of the submission sans time")
    record_json: str = Field(sa_type=Text, description="canonical JCS bytes of the record")
    leaf_hash: str = Field(max_length=64, index=True)
    document_digest: str = Field(max_length=64, index=True)
    evidence_type: str = Field(max_length=40, index=True)
    case_commitment: str = Field(max_length=64, index=True)
    contact_time: datetime | None = Field(default=None, index=True)
    channel: str | None = Field(default=None, max_length=40)
    device_id: str | None = Field(default=None, max_length=100, index=True)
    device_seq: int | None = Field(default=None, sa_type=BigInteger)
    media_type: str = Field(max_length=100)
    size: int | None = Field(default=None, sa_type=BigInteger)
    file_name: str | None = Field(
        default=None, max_length=300, description="safe form (`notary.file_names`)"
    )
    file_name_as_sent: str | None = Field(
        default=None, max_length=1000, description="the name as sent, escaped, when it differs"
    )
    stored: bool = Field(default=False, description="the encrypted file is in the blob store")
    status: str = Field(default=ItemStatus.PENDING, max_length=10, index=True)
    batch_id: int | None = Field(default=None, foreign_key="anchor_batch.id", index=True)
    leaf_index: int | None = None
    submitted_at: datetime = Field(default_factory=utcnow, index=True)
    forgotten_at: datetime | None = None
    superseded_by: str | None = Field(default=None, max_length=40)
    supersede_reason: int | None = None


class AnchorBatch(SQLModel, table=True):
    """A batch of items appended to the notary's evidence log, and the transaction that
    anchors the log's root after it (the outbox).

    The log is one RFC 6962 tree over every item this notary batched, in batch order: the
    batch holds leaves `log_start` .. `log_start` + `size` - 1, `root` is the log's root once
    it holds `tree_size` leaves, and `frontier_before` / `frontier_after` (JSON lists of hex
    hashes, see `notary.merkle.LogTree`) are all a batch needs of the leaves before it. Rows
    from before evidence logs have no `log_start`: their root is a tree of their own items.
    """

    __tablename__ = "anchor_batch"

    id: int | None = Field(default=None, primary_key=True)
    sequence: int = Field(sa_type=BigInteger, index=True)
    notary_address: str = Field(max_length=42)
    root: str = Field(max_length=64, unique=True)
    size: int
    log_start: int | None = Field(
        default=None,
        sa_type=BigInteger,
        index=True,
        unique=True,  # two batchers can never extend the log from the same point
    )
    frontier_before: str | None = Field(default=None, sa_type=Text)
    frontier_after: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default=BatchStatus.PREPARED, max_length=10, index=True)
    recent_block_number: int | None = Field(default=None, sa_type=BigInteger)
    recent_block_hash: str | None = Field(default=None, max_length=66)
    tx_hash: str | None = Field(default=None, max_length=66)
    raw_tx: str | None = Field(default=None, sa_type=Text)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    block_hash: str | None = Field(default=None, max_length=66)
    block_time: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    anchored_at: datetime | None = None
    final_at: datetime | None = None

    @property
    def tree_size(self) -> int:
        """Leaves in the log once this batch is appended (its receipts' `tree_size`)."""
        return (self.log_start or 0) + self.size

    @property
    def first_leaf(self) -> int:
        """Log position of the batch's first item."""
        return self.log_start or 0
