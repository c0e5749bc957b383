"""API keys: random secrets shown once, stored only as SHA-256 hashes, one member each."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.errors import NotFound
from api.models import ApiKey, ApiKeyPublic
from ledger.models import utcnow

PREFIX = "al_"
"""Every AutoLedger API key starts with this, so leaked keys are easy to scan for."""

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key, to keep reads from writing."""


KNOWN_KEY_TTL = 2.0
"""Seconds a looked-up key is trusted without asking the database again. A key revoked in this
process is forgotten at once; one revoked by another process (the CLI, another replica) stops
working within this many seconds."""

_known: dict[str, tuple[str, int, float]] = {}
"""Token hash -> (key id, member id, monotonic time it was checked)."""
_known_lock = threading.Lock()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(engine: Engine, *, member_id: int, label: str = "") -> tuple[ApiKeyPublic, str]:
    """Make a key for member `member_id`; returns its public record and the secret token.

    The token (``al_<key id>_<secret>``) is returned once and never stored.
    """
    key_id = secrets.token_hex(8)
    token = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(key_id=key_id, member_id=member_id, label=label, secret_hash=_hash(token))
    with Session(engine) as session:
        session.add(row)
        session.commit()
        session.refresh(row)
        return ApiKeyPublic.model_validate(row, from_attributes=True), token


def list_api_keys(engine: Engine, *, member_id: int | None = None) -> list[ApiKeyPublic]:
    """Keys of `member_id` (all members when None), oldest first, without secrets."""
    with Session(engine) as session:
        query = select(ApiKey).order_by(col(ApiKey.id))
        if member_id is not None:
            query = query.where(ApiKey.member_id == member_id)
        return [ApiKeyPublic.model_validate(r, from_attributes=True) for r in session.exec(query)]


def revoke_api_key(engine: Engine, key_id: str, *, member_id: int | None = None) -> ApiKeyPublic:
    """Revoke key `key_id` (only among `member_id`'s keys when given).

    Raises `NotFound` for an unknown key or another member's; revoking twice is harmless.
    """
    with Session(engine) as session:
        query = select(ApiKey).where(ApiKey.key_id == key_id)
        if member_id is not None:
            query = query.where(ApiKey.member_id == member_id)
        row = session.exec(query).first()
        if row is None:
            raise NotFound(f"no API key {key_id!r}")
        _forget(row.key_id)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(row)
            session.commit()
            session.refresh(row)
        return ApiKeyPublic.model_validate(row, from_attributes=True)


def member_of_token(engine: Engine, token: str) -> int | None:
    """The member id a valid, unrevoked `token` belongs to, else None (a known key is looked
    up again after `KNOWN_KEY_TTL` seconds)."""
    if not token.startswith(PREFIX) or token.count("_") < 2:
        return None
    hashed = _hash(token)
    known = _known.get(hashed)
    if known is not None and time.monotonic() - known[2] <= KNOWN_KEY_TTL:
        return known[1]
    key_id = token[len(PREFIX) :].split("_", 1)[0]
    with Session(engine) as session:
        row = session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()
        if row is None or row.revoked_at is not None:
            _forget(key_id)
            return None
        if not hmac.compare_digest(row.secret_hash, hashed):
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            row.last_used_at = now
            session.add(row)
            session.commit()
        with _known_lock:
            _known[hashed] = (key_id, row.member_id, time.monotonic())
        return row.member_id


def _forget(key_id: str) -> None:
    """Drop `key_id` from the looked-up keys (it was revoked)."""
    with _known_lock:
        for hashed in [h for h, (k, _, _) in _known.items() if k == key_id]:
            del _known[hashed]
