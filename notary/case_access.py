"""Case access for borrowers: links and access codes that open one case, without membership.

A member issues a link for one case: a random token (`TOKEN_BYTES`, shown once inside the
link) and a short numeric access code (`CODE_DIGITS`, shown once, given to the borrower by
another channel). Only hashes are stored: the token's SHA-256 (it has 256 bits, so a fast
hash is enough) and the code's HMAC-SHA256 under a key derived from the service's master key
and bound to the link (a short code needs a secret key, not only a hash, and the rate limits
below). The case is named by its case reference commitment, as evidence is, so no borrower
name, phone or ID is stored for this.

Opening a link answers `AccessRefused` with one message for an unknown token, a wrong code
and a locked link, after the same work (one look-up, one HMAC, one constant-time compare).
A link that the right code opens but that expired or was revoked says so (only someone holding
both secrets learns it). Every attempt against a known link is logged (`CaseAccess`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from ledger.models import utcnow
from notary.errors import NotaryError

TOKEN_BYTES = 32
"""Random bytes in a link token: 256 bits, far past the 128 an online guesser could not
exhaust, and enough that its plain SHA-256 is a safe stored form."""

CODE_DIGITS = 8
"""Digits of the access code: short enough to read out over the phone; the per-link attempt
limit keeps a guesser's chance at `MAX_FAILED_ATTEMPTS` in 10**8."""

MAX_FAILED_ATTEMPTS = 5
"""Wrong codes a link takes before it locks for good (the member issues a new one)."""

ADDRESS_WINDOW = 900
"""Seconds over which attempts per client address are counted."""

MAX_ADDRESS_ATTEMPTS = 20
"""Attempts (right or wrong, known link or not) one address may make per `ADDRESS_WINDOW`:
a borrower needs one or two; a scanner of tokens needs millions."""

DEFAULT_LIFETIME = timedelta(days=14)
"""How long a link lasts unless the issuer says otherwise."""

MAX_LIFETIME = timedelta(days=90)
"""Longest a link may last: a collection stage rarely outlasts it, and a leaked link dies."""

SESSION_LIFETIME = 3600
"""Seconds a borrower's session lasts before the code is asked again (capped by the link's
expiry)."""

_CODE_CONTEXT = b"autoledger/case-access/code/v1"
_ADDRESS_CONTEXT = b"autoledger/case-access/address/v1"


# ------------------------------------------------------------------ errors


class CaseAccessError(NotaryError):
    """Base of the case access errors."""


class AccessRefused(CaseAccessError):
    """Unknown link, wrong code or locked link: one answer for all, so it reveals nothing."""


class AccessEnded(CaseAccessError):
    """The right code for a link that expired or was revoked."""


class AccessRateLimited(CaseAccessError):
    """Too many attempts from one client address; `retry_after` seconds until the next."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LinkNotFound(CaseAccessError):
    """No link with that id for the caller."""


class LinkInputError(CaseAccessError):
    """A link request is malformed (the message names the field)."""


# ------------------------------------------------------------------ tables


class AccessOutcome(StrEnum):
    """What one logged access did."""

    OPENED = "opened"
    UNKNOWN_LINK = "unknown_link"
    WRONG_CODE = "wrong_code"
    LOCKED = "locked"
    ENDED = "ended"
    VIEWED = "viewed"
    REPORTED = "reported"
    PROPOSED = "proposed"
    AGREED = "agreed"
    DECLINED = "declined"


class CaseLink(SQLModel, table=True):
    """One case access link: hashes of its token and code, its case, expiry and revocation."""

    __tablename__ = "case_link"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, index=True)
    case_commitment: str = Field(max_length=64, index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    code_hash: str = Field(max_length=64)
    issued_by: int = Field(sa_type=BigInteger, index=True)
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: int | None = Field(default=None, sa_type=BigInteger)
    failed_attempts: int = 0


class CaseAccess(SQLModel, table=True):
    """One logged attempt or use of a link; the client address only as a keyed hash. An
    attempt with an unknown token has no link (logging it too keeps its cost that of a wrong
    code, and shows the regulator scans)."""

    __tablename__ = "case_access"

    id: int | None = Field(default=None, primary_key=True)
    link_id: int | None = Field(default=None, foreign_key="case_link.id", index=True)
    case_commitment: str | None = Field(default=None, max_length=64, index=True)
    outcome: str = Field(max_length=20)
    client: str = Field(max_length=16, description="keyed hash of the client address")
    detail: str | None = Field(default=None, max_length=200)
    at: datetime = Field(default_factory=utcnow, index=True)


# ------------------------------------------------------------------ issuing


class Issued:
    """A new link: the row, and the token and code in clear (shown once, never stored)."""

    def __init__(self, *, link: CaseLink, token: str, code: str) -> None:
        self.link = link
        self.token = token
        self.code = code


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class CaseAccessDesk:
    """Issues, lists, revokes and opens case links; `master_key` keys the code hashes."""

    def __init__(self, *, engine: Engine, master_key: bytes) -> None:
        self.engine = engine
        self._code_key = hmac.new(master_key, _CODE_CONTEXT, hashlib.sha256).digest()
        self._address_key = hmac.new(master_key, _ADDRESS_CONTEXT, hashlib.sha256).digest()
        self._dummy_hash = self._code_hash("0" * 64, "0" * CODE_DIGITS)
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def issue(
        self, *, case_commitment: str, issued_by: int, lifetime: timedelta = DEFAULT_LIFETIME
    ) -> Issued:
        """A new link for the case `case_commitment`, issued by member `issued_by`. Raises
        `LinkInputError` for a lifetime outside one hour .. `MAX_LIFETIME`."""
        if not timedelta(hours=1) <= lifetime <= MAX_LIFETIME:
            raise LinkInputError(
                f"lifetime: between 1 hour and {MAX_LIFETIME.days} days, got {lifetime}"
            )
        token = secrets.token_urlsafe(TOKEN_BYTES)
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        link = CaseLink(
            public_id="cl_" + secrets.token_hex(8),
            case_commitment=case_commitment,
            token_hash=token_hash,
            code_hash=self._code_hash(token_hash, code),
            issued_by=issued_by,
            expires_at=datetime.now(UTC) + lifetime,
        )
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(link)
            session.commit()
        return Issued(link=link, token=token, code=code)

    def links(self, case_commitment: str) -> list[CaseLink]:
        """The case's links, newest first."""
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(CaseLink)
                    .where(CaseLink.case_commitment == case_commitment)
                    .order_by(col(CaseLink.id).desc())
                ).all()
            )

    def link(self, public_id: str) -> CaseLink:
        """The link `public_id`; raises `LinkNotFound`."""
        with Session(self.engine) as session:
            found = session.exec(select(CaseLink).where(CaseLink.public_id == public_id)).first()
        if found is None:
            raise LinkNotFound(f"no case link {public_id!r}")
        return found

    def revoke(self, public_id: str, *, revoked_by: int) -> CaseLink:
        """Revoke link `public_id` (idempotent: the first revocation stands)."""
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.exec(select(CaseLink).where(CaseLink.public_id == public_id)).first()
            if found is None:
                raise LinkNotFound(f"no case link {public_id!r}")
            if found.revoked_at is None:
                found.revoked_at = datetime.now(UTC)
                found.revoked_by = revoked_by
                session.add(found)
                session.commit()
            return found

    def log(self, link_id: int) -> list[CaseAccess]:
        """Every logged access through link `link_id`, newest first."""
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(CaseAccess)
                    .where(CaseAccess.link_id == link_id)
                    .order_by(col(CaseAccess.id).desc())
                ).all()
            )

    def case_log(self, case_commitment: str) -> list[CaseAccess]:
        """Every logged access to the case, newest first."""
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(CaseAccess)
                    .where(CaseAccess.case_commitment == case_commitment)
                    .order_by(col(CaseAccess.id).desc())
                ).all()
            )

    # -------------------------------------------------------------- opening

    def open(self, *, token: str, code: str, client: str) -> CaseLink:
        """The link `token` opens with `code`, for the client at address `client`.

        Raises `AccessRateLimited` past `MAX_ADDRESS_ATTEMPTS` per address, `AccessRefused`
        for an unknown token, a wrong code or a locked link (same message, same work), and
        `AccessEnded` for the right code of an expired or revoked link.
        """
        self._count(client)
        token_hash = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        with Session(self.engine, expire_on_commit=False) as session:
            link = session.exec(select(CaseLink).where(CaseLink.token_hash == token_hash)).first()
            expected = link.code_hash if link is not None else self._dummy_hash
            given = self._code_hash(token_hash, code.strip()[:32])
            matches = hmac.compare_digest(expected, given)
            if link is None:
                self._record(session, None, AccessOutcome.UNKNOWN_LINK, client)
                raise AccessRefused("this link and code do not open a case")
            if link.failed_attempts >= MAX_FAILED_ATTEMPTS:
                self._record(session, link, AccessOutcome.LOCKED, client)
                raise AccessRefused("this link and code do not open a case")
            if not matches:
                link.failed_attempts += 1
                session.add(link)
                self._record(session, link, AccessOutcome.WRONG_CODE, client)
                raise AccessRefused("this link and code do not open a case")
            if link.revoked_at is not None or _aware(link.expires_at) <= datetime.now(UTC):
                self._record(session, link, AccessOutcome.ENDED, client)
                raise AccessEnded(f"link {link.public_id} has expired or was revoked")
            self._record(session, link, AccessOutcome.OPENED, client)
            return link

    def current(self, public_id: str) -> CaseLink | None:
        """The link `public_id` while it still opens its case (not expired, not revoked)."""
        with Session(self.engine) as session:
            link = session.exec(select(CaseLink).where(CaseLink.public_id == public_id)).first()
        if link is None or link.revoked_at is not None:
            return None
        if _aware(link.expires_at) <= datetime.now(UTC):
            return None
        return link

    def note(
        self, link: CaseLink, outcome: AccessOutcome, *, client: str, detail: str | None = None
    ) -> None:
        """Log a use of an open link (a view, a report)."""
        with Session(self.engine) as session:
            self._record(session, link, outcome, client, detail=detail)

    def _record(
        self,
        session: Session,
        link: CaseLink | None,
        outcome: AccessOutcome,
        client: str,
        *,
        detail: str | None = None,
    ) -> None:
        session.add(
            CaseAccess(
                link_id=None if link is None else link.id,
                case_commitment=None if link is None else link.case_commitment,
                outcome=outcome,
                client=self.client_hash(client),
                detail=detail,
            )
        )
        session.commit()

    def client_hash(self, client: str) -> str:
        """The logged form of a client address: a keyed hash, so the log links attempts from
        one address without holding the address."""
        return hmac.new(self._address_key, client.encode(), hashlib.sha256).hexdigest()[:16]

    def _count(self, client: str) -> None:
        """Count an attempt from `client`; raise `AccessRateLimited` past the limit. Kept in
        this process's memory: each replica limits on its own (documented in docs/borrower.md)."""
        now = time.monotonic()
        with self._lock:
            seen = self._attempts.setdefault(client, deque())
            while seen and seen[0] <= now - ADDRESS_WINDOW:
                seen.popleft()
            if len(seen) >= MAX_ADDRESS_ATTEMPTS:
                retry = int(seen[0] + ADDRESS_WINDOW - now) + 1
                raise AccessRateLimited(
                    f"too many attempts from this address; try again in {retry} s",
                    retry_after=retry,
                )
            seen.append(now)

    def _code_hash(self, token_hash: str, code: str) -> str:
        return hmac.new(
            self._code_key,
            token_hash.encode() + b"\x00" + code.encode("utf-8", "replace"),
            hashlib.sha256,
        ).hexdigest()
