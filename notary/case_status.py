"""A collection case's stage and amount due, as its members set them, with their history.

Every change is a new `CaseStatus` row, never an update: the current status is the newest row
and the borrower, the members and the regulator see every earlier one. The amount due is kept
with how it was computed (principal, interest and fees, in the currency's smallest unit), and
the same row carries the limits a repayment plan must keep (`notary.repayment`): the most
instalments and the latest end date; the minimum total is the amount due.

The case is its case reference commitment, as for evidence and case links. Its members are the
members who submitted evidence about it or issued a link for it (`case_members`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from ledger.models import utcnow
from notary.case_access import CaseLink
from notary.errors import NotaryError
from notary.models import EvidenceItem

STAGES = ("reminder", "negotiation", "agreement", "repayment", "legal")
"""A collection case's stages, in their usual order."""

MAX_AMOUNT = 10**15
"""Largest amount part, in smallest units (10 trillion yuan): past any consumer debt, and
inside JSON's exact integers."""

MAX_NOTE = 500
"""Characters of the note on how the amount was computed."""

MAX_INSTALMENTS = 24
"""Most instalments a member may allow for a plan (two years of monthly payments)."""

MAX_PLAN_DAYS = 5 * 366
"""Latest end of a repayment plan, in days from the day the limits are set (five years)."""

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CaseStatusError(NotaryError):
    """Base of the case status errors."""


class StatusInputError(CaseStatusError):
    """A status is malformed; the message starts with the field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class CaseNotFound(CaseStatusError):
    """No case with that reference for the caller (one answer for unknown and not theirs)."""


class CaseStatus(SQLModel, table=True):
    """One setting of a case's stage and amount due (rows are only ever added)."""

    __tablename__ = "case_status"

    id: int | None = Field(default=None, primary_key=True)
    case_commitment: str = Field(max_length=64, index=True)
    stage: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    principal: int = Field(sa_type=BigInteger)
    interest: int = Field(sa_type=BigInteger)
    fees: int = Field(sa_type=BigInteger)
    note: str = Field(default="", max_length=MAX_NOTE)
    max_instalments: int | None = None
    latest_end: date | None = None
    set_by: int = Field(sa_type=BigInteger)
    set_at: datetime = Field(default_factory=utcnow)

    @property
    def amount_due(self) -> int:
        """Principal, interest and fees together (smallest units)."""
        return self.principal + self.interest + self.fees

    @property
    def plans_open(self) -> bool:
        """Whether the member set limits, so the borrower may propose a plan."""
        return self.max_instalments is not None and self.latest_end is not None


@dataclass(frozen=True, kw_only=True)
class StatusIn:
    """A new status as a member gives it (amounts in smallest units)."""

    stage: str
    currency: str
    principal: int
    interest: int
    fees: int
    note: str = ""
    max_instalments: int | None = None
    latest_end: date | None = None


def check_status(given: StatusIn, *, today: date | None = None) -> None:
    """Raise `StatusInputError` (naming the field) unless `given` is a valid status."""
    if given.stage not in STAGES:
        raise StatusInputError("stage", f"one of {', '.join(STAGES)}")
    if not _CURRENCY.fullmatch(given.currency):
        raise StatusInputError("currency", "an ISO 4217 code of three capital letters")
    for name in ("principal", "interest", "fees"):
        value = getattr(given, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
            raise StatusInputError(name, f"a whole number of smallest units, 0 .. {MAX_AMOUNT}")
    if len(given.note) > MAX_NOTE:
        raise StatusInputError("note", f"at most {MAX_NOTE} characters")
    if (given.max_instalments is None) != (given.latest_end is None):
        raise StatusInputError("max_instalments", "give it and latest_end together, or neither")
    if given.max_instalments is not None and not 1 <= given.max_instalments <= MAX_INSTALMENTS:
        raise StatusInputError("max_instalments", f"1 .. {MAX_INSTALMENTS}")
    today = today or datetime.now(UTC).date()
    if given.latest_end is not None and not (
        today < given.latest_end <= today + timedelta(days=MAX_PLAN_DAYS)
    ):
        raise StatusInputError("latest_end", f"after today, at most {MAX_PLAN_DAYS} days ahead")


def case_members(engine: Engine, case_commitment: str) -> set[int]:
    """The members of a case: those who submitted evidence about it or issued a link for it."""
    with Session(engine) as db:
        submitters = db.exec(
            select(EvidenceItem.submitter_id)
            .where(EvidenceItem.case_commitment == case_commitment)
            .distinct()
        ).all()
        issuers = db.exec(
            select(CaseLink.issued_by).where(CaseLink.case_commitment == case_commitment).distinct()
        ).all()
    return {int(m) for m in submitters} | {int(m) for m in issuers}


def require_submitter(engine: Engine, case_commitment: str, member_id: int) -> None:
    """Raise `CaseNotFound` unless `member_id` submitted evidence about the case: who may
    issue its links (and so become a member by them)."""
    with Session(engine) as db:
        found = db.exec(
            select(EvidenceItem.id).where(
                EvidenceItem.case_commitment == case_commitment,
                EvidenceItem.submitter_id == member_id,
            )
        ).first()
    if found is None:
        raise CaseNotFound("no case with that reference among yours")


def require_member(engine: Engine, case_commitment: str, member_id: int) -> None:
    """Raise `CaseNotFound` unless `member_id` is a member of the case."""
    if member_id not in case_members(engine, case_commitment):
        raise CaseNotFound("no case with that reference among yours")


def set_status(engine: Engine, case_commitment: str, given: StatusIn, *, set_by: int) -> CaseStatus:
    """Record `given` as the case's new status (the earlier ones stay)."""
    check_status(given)
    row = CaseStatus(
        case_commitment=case_commitment,
        stage=given.stage,
        currency=given.currency,
        principal=given.principal,
        interest=given.interest,
        fees=given.fees,
        note=given.note.strip(),
        max_instalments=given.max_instalments,
        latest_end=given.latest_end,
        set_by=set_by,
    )
    with Session(engine, expire_on_commit=False) as db:
        db.add(row)
        db.commit()
    return row


def status_history(engine: Engine, case_commitment: str) -> list[CaseStatus]:
    """Every status the case had, newest (the current one) first."""
    with Session(engine) as db:
        return list(
            db.exec(
                select(CaseStatus)
                .where(CaseStatus.case_commitment == case_commitment)
                .order_by(col(CaseStatus.id).desc())
            ).all()
        )


def current_status(engine: Engine, case_commitment: str) -> CaseStatus | None:
    """The case's newest status, or None before any was set."""
    with Session(engine) as db:
        return db.exec(
            select(CaseStatus)
            .where(CaseStatus.case_commitment == case_commitment)
            .order_by(col(CaseStatus.id).desc())
            .limit(1)
        ).first()
