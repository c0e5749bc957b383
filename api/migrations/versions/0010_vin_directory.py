"""vin directory: the VIN, certificate and engine numbers and description behind each hash

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:30:00

The chain keys liens by hashes only; the service keeps the identifiers in clear, per line, for
the line's parties and regulators (ledger.vin_directory).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vin_directory",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("vin_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("vin", sqlmodel.sql.sqltypes.AutoString(length=17), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("engine", sa.Text(), nullable=False),
        sa.Column("make", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("colour", sa.Text(), nullable=False),
        sa.Column("stock_number", sa.Text(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "line_id", "vin_hash"),
    )
    op.create_index("ix_vin_directory_vin", "vin_directory", ["chain_id", "vin"])


def downgrade() -> None:
    op.drop_index("ix_vin_directory_vin", table_name="vin_directory")
    op.drop_table("vin_directory")
