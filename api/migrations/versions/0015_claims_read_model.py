"""read model: claims projected from the indexed Clearing events

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:10:00

The table is filled from the events already stored, so an upgraded database answers claim
lists at once (`clearing.claim_index.fill`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from clearing.claim_index import fill

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rm_claim",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("claim_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("creditor_id", sa.BigInteger(), nullable=False),
        sa.Column("debtor_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.BigInteger(), nullable=False),
        sa.Column("dispute_ends_at", sa.BigInteger(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("dispute_evidence", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
        sa.Column("filed_block", sa.BigInteger(), nullable=False),
        sa.Column("changed_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "claim_id"),
    )
    op.create_index("ix_rm_claim_creditor_id", "rm_claim", ["creditor_id"])
    op.create_index("ix_rm_claim_debtor_id", "rm_claim", ["debtor_id"])
    fill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_rm_claim_debtor_id", table_name="rm_claim")
    op.drop_index("ix_rm_claim_creditor_id", table_name="rm_claim")
    op.drop_table("rm_claim")
