"""Tables owned by `ledger`."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, in UTC (stored naive-free so SQLite and PostgreSQL agree)."""
    return datetime.now(UTC)


class DeploymentBase(SQLModel):
    chain_id: int = Field(index=True, sa_type=BigInteger)
    name: str = Field(max_length=100)
    address: str = Field(max_length=42)
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str = Field(max_length=66)
    tx_hash: str = Field(max_length=66)
    code_hash: str = Field(max_length=64, description="SHA-256 of the init code incl. arguments")
    compiler: str = Field(max_length=50)


class Deployment(DeploymentBase, table=True):
    """A contract deployed on a chain. Replaced deployments stay, with `active` false."""

    id: int | None = Field(default=None, primary_key=True)
    active: bool = Field(default=True, index=True)
    deployed_at: datetime = Field(default_factory=utcnow)


_NOT_SERIAL = {"autoincrement": False}
"""Integer primary keys that are given (chain id, block number), never generated."""


class IndexedEvent(SQLModel, table=True):
    """One log of a watched contract, decoded, as the indexer read it from the chain.

    A log is identified by the block it is in and its position there: `log_index` counts logs
    across the whole block (JSON-RPC `logIndex`), so (`chain_id`, `block_hash`, `log_index`) is
    unique, and is the node's own name for the log (the audit re-reads it by block hash).
    (`tx_hash`, `log_index`) would name a log only together with its block: a transaction
    mined again in a replacement block after a reorg can land at another log index. The
    indexer deletes orphaned rows by height when it rolls back, so a block's logs are stored
    once per block hash. `args_json` holds the arguments, encoded as `ledger.indexer`'s
    `StoredEvent` says.
    """

    __tablename__ = "indexed_event"
    __table_args__ = (
        UniqueConstraint("chain_id", "block_hash", "log_index", name="uq_indexed_event_log"),
        Index("ix_indexed_event_position", "chain_id", "block_number", "log_index"),
        Index("ix_indexed_event_contract_event", "chain_id", "contract", "event", "block_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(sa_type=BigInteger)
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str = Field(max_length=66)
    block_time: datetime
    tx_hash: str = Field(max_length=66, index=True)
    tx_index: int
    log_index: int
    contract: str = Field(max_length=100, description="the watched contract's name")
    address: str = Field(max_length=42, description="EIP-55 address of the emitting contract")
    event: str = Field(max_length=100, description="event name, or <undecoded>")
    args_json: str = Field(sa_type=Text, description="decoded arguments, a JSON object")


class IndexedBlock(SQLModel, table=True):
    """A recent block the indexer read (a block with logs, or the end of a range it covered).

    Only a window of recent heights is kept: enough to find the common ancestor after a reorg.
    """

    __tablename__ = "indexed_block"

    chain_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    number: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    hash: str = Field(max_length=66)
    parent_hash: str = Field(max_length=66)


class IndexerCursor(SQLModel, table=True):
    """How far the indexer got on one chain: every log of the watched contracts up to and
    including block `block_number` (whose hash was `block_hash`) is in `indexed_event`."""

    __tablename__ = "indexer_cursor"

    chain_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str = Field(max_length=66)
    updated_at: datetime = Field(default_factory=utcnow)


class IndexedContract(SQLModel, table=True):
    """A contract whose logs are indexed on one chain from `from_block` up to the cursor.

    A contract added to the indexer later with a `from_block` below the cursor is read back
    from there first, so a contract deployed while another indexer process ran loses nothing.
    """

    __tablename__ = "indexed_contract"

    chain_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    address: str = Field(max_length=42, primary_key=True)
    name: str = Field(max_length=100)
    from_block: int = Field(sa_type=BigInteger)


class JournalStatus(StrEnum):
    """Where a journaled transaction stands.

    *signed* (stored, maybe not yet broadcast) → *sent* → *mined* (in a block, not yet deep
    enough) → *final* (at the finality depth on the canonical chain, and durable on an
    embedded node). *reverted*: mined with status 0. *replaced*: its nonce was taken by
    another transaction, so these bytes can never be mined; a new entry (`replaced_by`)
    carries the same call when it could be signed again. *failed*: it could not be repaired
    (the call reverts now); `note` says why. A final entry whose block leaves the canonical
    chain goes back to *sent* and is broadcast again.
    """

    SIGNED = "signed"
    SENT = "sent"
    MINED = "mined"
    FINAL = "final"
    REVERTED = "reverted"
    REPLACED = "replaced"
    FAILED = "failed"


JOURNAL_OPEN = (JournalStatus.SIGNED, JournalStatus.SENT, JournalStatus.MINED)
"""Statuses the journal worker still carries towards final."""


class JournalEntry(SQLModel, table=True):
    """One transaction this service signed, stored before it was broadcast.

    (`chain_id`, `sender`, `nonce`) is unique: it is how replicas on one database never use a
    nonce twice (the second insert of a nonce fails, and its signer takes the next). The call
    (`to`, `data`, `value`) is kept beside the signed bytes so a transaction whose nonce was
    taken can be signed again.
    """

    __tablename__ = "transaction_journal"
    __table_args__ = (
        UniqueConstraint("chain_id", "sender", "nonce", name="uq_transaction_journal_nonce"),
        Index("ix_transaction_journal_open", "status", "chain_id", "sender", "nonce"),
        Index("ix_transaction_journal_block", "chain_id", "block_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(sa_type=BigInteger)
    sender: str = Field(max_length=42)
    nonce: int = Field(sa_type=BigInteger)
    tx_hash: str = Field(max_length=66, unique=True)
    raw_tx: str = Field(sa_type=Text, description="the signed transaction, hex")
    purpose: str = Field(max_length=100, description="the contract function, or deploy")
    to: str | None = Field(default=None, max_length=42)
    data: str = Field(sa_type=Text, description="call data, hex")
    value: str = Field(default="0", max_length=80, description="wei, decimal")
    status: str = Field(default=JournalStatus.SIGNED, max_length=10)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    block_hash: str | None = Field(default=None, max_length=66)
    broadcasts: int = Field(default=0, description="how often the bytes were sent to a node")
    rollbacks: int = Field(default=0, description="how often its final block left the chain")
    replaced_by: int | None = Field(default=None)
    note: str | None = Field(default=None, sa_type=Text)
    signed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, description="the last broadcast")
    final_at: datetime | None = None


class JournalRollback(SQLModel, table=True):
    """A rollback of the chain below a block the journal held final, and what it repaired.

    `reopened` entries were final in a block that left the canonical chain; `repaired` counts
    those final again since, `lost` those that could not be (their call reverts now).
    """

    __tablename__ = "journal_rollback"

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(sa_type=BigInteger)
    detected_at: datetime = Field(default_factory=utcnow)
    final_block: int = Field(sa_type=BigInteger, description="the newest block held final")
    head_block: int = Field(sa_type=BigInteger, description="the chain's head when detected")
    reopened: int = 0
    entry_ids: str = Field(default="[]", sa_type=Text, description="reopened entries, JSON")


class VinRecord(SQLModel, table=True):
    """What the chain does not hold of a vehicle financed on a line: its VIN in clear, its
    certificate of conformity and engine numbers, and a description from the lender's import.

    The chain keys a lien by the keccak hash of each identifier only; this row lets the line's
    parties (and regulators) read which car a hash is. One row per (`chain_id`, `line_id`,
    `vin_hash`): a VIN financed again on another line after its release gets a row there too,
    so who may read a row is exactly who may read that line.
    """

    __tablename__ = "vin_directory"
    __table_args__ = (Index("ix_vin_directory_vin", "chain_id", "vin"),)

    chain_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    line_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs=_NOT_SERIAL)
    vin_hash: str = Field(max_length=66, primary_key=True, description="0x-hex keccak of the VIN")
    vin: str = Field(max_length=17)
    # identifiers and description have no length the contract limits: text, as given
    certificate: str = Field(sa_type=Text, description="certificate of conformity number")
    engine: str = Field(sa_type=Text, description="engine number")
    make: str = Field(default="", sa_type=Text)
    model: str = Field(default="", sa_type=Text)
    colour: str = Field(default="", sa_type=Text)
    stock_number: str = Field(default="", sa_type=Text)
    recorded_at: datetime = Field(default_factory=utcnow)
