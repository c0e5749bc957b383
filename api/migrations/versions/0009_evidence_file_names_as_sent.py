"""evidence file names: the safe form in file_name, the original escaped beside it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:05:00

`file_name` now holds the normalized name (`notary.file_names.safe_file_name`); the name as
the submitter sent it, when different, is kept escaped in `file_name_as_sent`. Rows from
before keep NULL there (their names are normalized when shown).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_item") as batch:
        batch.add_column(
            sa.Column(
                "file_name_as_sent", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_item") as batch:
        batch.drop_column("file_name_as_sent")
