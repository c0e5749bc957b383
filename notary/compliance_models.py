"""Tables owned by `notary` for collection compliance: recorded contacts and their violations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text
from sqlmodel import Field, SQLModel

from ledger.models import utcnow


class CollectionContact(SQLModel, table=True):
    """One collection contact, checked against a rule set and anchored as evidence.

    Personal data never lands here: the debtor is a salted commitment, the transcript is in the
    encrypted blob store (as the evidence document) and only its digest is kept. `local_date`
    and `local_hour` are the contact's debtor-local day (``YYYY-MM-DD``) and hour (0-23), the
    terms the rules count in, kept so the statistics need no time-zone arithmetic in SQL.
    """

    __tablename__ = "collection_contact"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, index=True)
    collector_id: int = Field(sa_type=BigInteger, index=True)
    collector_address: str = Field(max_length=42)
    debtor_commitment: str = Field(max_length=64, index=True)
    case_commitment: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=40)
    contact_time: datetime = Field(index=True)
    time_zone: str = Field(max_length=64)
    local_date: str = Field(max_length=10, index=True)
    local_hour: int
    transcript_digest: str | None = Field(default=None, max_length=64)
    evidence_id: str = Field(max_length=40, unique=True)
    rules_version: str = Field(max_length=40)
    rules_digest: str = Field(max_length=64)
    violation_count: int = 0
    recorded_at: datetime = Field(default_factory=utcnow)


class ComplianceViolation(SQLModel, table=True):
    """A rule one contact broke (see `notary.compliance.Violation`), as it was found when the
    contact was recorded, under rule set `rules_version`."""

    __tablename__ = "compliance_violation"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="collection_contact.id", index=True)
    rule: str = Field(max_length=40, index=True)
    rules_version: str = Field(max_length=40)
    detail: str = Field(sa_type=Text)
    collector_id: int = Field(sa_type=BigInteger, index=True)
    debtor_commitment: str = Field(max_length=64)
    contact_time: datetime = Field(index=True)
    local_date: str = Field(max_length=10, index=True)
    span_start: int | None = None
    span_end: int | None = None
    matched: str | None = Field(default=None, max_length=400)
    phrase_id: str | None = Field(default=None, max_length=80)
    recorded_at: datetime = Field(default_factory=utcnow)
