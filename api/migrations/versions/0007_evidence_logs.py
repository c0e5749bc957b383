"""evidence logs: each batch extends its notary's log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:30:00

A batch's root is now the root of the notary's whole evidence log after it. Batches anchored
before keep NULL here: each was a tree of its own items (leaf indexes from 0).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("anchor_batch") as batch:
        batch.add_column(sa.Column("log_start", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("frontier_before", sa.Text(), nullable=True))
        batch.add_column(sa.Column("frontier_after", sa.Text(), nullable=True))
        batch.create_index("ix_anchor_batch_log_start", ["log_start"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("anchor_batch") as batch:
        batch.drop_index("ix_anchor_batch_log_start")
        batch.drop_column("frontier_after")
        batch.drop_column("frontier_before")
        batch.drop_column("log_start")
