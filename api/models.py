"""Tables owned by `api`: API keys and the nonces of signed requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from ledger.models import utcnow


class ApiKeyBase(SQLModel):
    key_id: str = Field(max_length=32, unique=True, index=True)
    member_id: int = Field(index=True, sa_type=BigInteger)
    label: str = Field(default="", max_length=200)


class ApiKey(ApiKeyBase, table=True):
    """An API key of one member. Only a hash of the secret is stored."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class ApiKeyPublic(ApiKeyBase):
    """What a member may see of its keys: never the secret or its hash."""

    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class RequestNonce(SQLModel, table=True):
    """A signed request's nonce, kept until it expires so the request cannot be replayed."""

    __tablename__ = "request_nonce"
    __table_args__ = (UniqueConstraint("signer", "nonce"),)

    id: int | None = Field(default=None, primary_key=True)
    signer: str = Field(max_length=42)
    nonce: str = Field(max_length=100)
    expires_at: datetime = Field(index=True)
