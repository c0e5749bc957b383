"""Tables owned by `ledger`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger
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
