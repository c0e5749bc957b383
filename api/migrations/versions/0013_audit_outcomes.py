"""read model: lot-audit outcomes projected from indexed VehicleAudited events

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:40:00

The table is filled from the events already stored, so an upgraded database answers the audit
checklist at once (`ledger.audit_outcomes.fill`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ledger.audit_outcomes import fill

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rm_audit_outcome",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("audit_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("vin_hash", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("outcome", sa.Integer(), nullable=False),
        sa.Column("evidence", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "audit_id", "vin_hash"),
    )
    fill(op.get_bind())


def downgrade() -> None:
    op.drop_table("rm_audit_outcome")
