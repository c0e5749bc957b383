"""read model: consortium members projected from the indexed Consortium events

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:20:00

The table is filled from the events already stored, so an upgraded database authenticates
from it at once (`ledger.member_index.fill`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ledger.member_index import fill

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rm_member",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=42), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("joined_at_block", sa.BigInteger(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("changed_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "member_id"),
    )
    op.create_index("ix_rm_member_address", "rm_member", ["address"])
    fill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_rm_member_address", table_name="rm_member")
    op.drop_table("rm_member")
