"""transaction journal: every signed transaction, stored before broadcast

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transaction_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("to", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("block_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("broadcasts", sa.Integer(), nullable=False),
        sa.Column("rollbacks", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("signed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("final_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_id", "sender", "nonce", name="uq_transaction_journal_nonce"),
        sa.UniqueConstraint("tx_hash"),
    )
    with op.batch_alter_table("transaction_journal") as batch:
        batch.create_index(
            "ix_transaction_journal_open", ["status", "chain_id", "sender", "nonce"], unique=False
        )
        batch.create_index(
            "ix_transaction_journal_block", ["chain_id", "block_number"], unique=False
        )
    op.create_table(
        "journal_rollback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("detected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("final_block", sa.BigInteger(), nullable=False),
        sa.Column("head_block", sa.BigInteger(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("entry_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("journal_rollback")
    with op.batch_alter_table("transaction_journal") as batch:
        batch.drop_index("ix_transaction_journal_block")
        batch.drop_index("ix_transaction_journal_open")
    op.drop_table("transaction_journal")
