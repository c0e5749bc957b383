"""Evidence reads shared by the API routes, the web pages, the certificate and the CLI: who sees
which items, search, and counts by status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from ledger.consortium import Principal, Role
from ledger.errors import NotFound
from notary.intake import Intake
from notary.models import EvidenceItem

SUBMITTERS = (Role.COLLECTOR, Role.LENDER, Role.AUDITOR, Role.NOTARY)
"""Who may submit evidence: collection agencies, lenders and auditors (lot audit photos)."""

READERS = (*SUBMITTERS, Role.LEGAL, Role.REGULATOR)
"""Who may read evidence: submitters (their own items), legal teams and regulators (all)."""

READERS_OF_ALL = frozenset({Role.LEGAL, Role.REGULATOR, Role.NOTARY})
"""Who sees every member's evidence; everyone else sees only what it submitted."""


def sees_all(principal: Principal) -> bool:
    """Whether `principal` may read every member's evidence."""
    return bool(principal.roles & READERS_OF_ALL)


@dataclass(frozen=True, kw_only=True)
class EvidenceFilter:
    """Search criteria; None means any. `case` is a case reference in clear (committed with
    the service's case salt before matching); times without a zone are UTC; `submitted_to`
    is exclusive."""

    case: str | None = None
    evidence_type: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    submitter: int | None = None
    status: str | None = None


def _query(
    intake: Intake, principal: Principal, filters: EvidenceFilter
) -> SelectOfScalar[EvidenceItem]:
    query = select(EvidenceItem)
    if not sees_all(principal):
        query = query.where(EvidenceItem.submitter_id == principal.member_id)
    if filters.case is not None:
        query = query.where(EvidenceItem.case_commitment == intake.case_commitment(filters.case))
    if filters.evidence_type is not None:
        query = query.where(EvidenceItem.evidence_type == filters.evidence_type)
    if filters.submitted_from is not None:
        query = query.where(col(EvidenceItem.submitted_at) >= _utc(filters.submitted_from))
    if filters.submitted_to is not None:
        query = query.where(col(EvidenceItem.submitted_at) < _utc(filters.submitted_to))
    if filters.submitter is not None:
        query = query.where(EvidenceItem.submitter_id == filters.submitter)
    if filters.status is not None:
        query = query.where(EvidenceItem.status == filters.status)
    return query


def search_evidence(
    engine: Engine,
    intake: Intake,
    principal: Principal,
    filters: EvidenceFilter,
    *,
    offset: int = 0,
    limit: int = 50,
    before_id: int | None = None,
) -> tuple[list[EvidenceItem], int]:
    """The items `principal` may see that match `filters`, newest first: one page of them
    (`limit` after skipping `offset`, or, by cursor, the `limit` next older than item id
    `before_id`) and the total count of matches."""
    query = _query(intake, principal, filters)
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        if before_id is not None:
            query = query.where(col(EvidenceItem.id) < before_id)
        else:
            query = query.offset(offset)
        rows = session.exec(query.order_by(col(EvidenceItem.id).desc()).limit(limit)).all()
    return list(rows), total


def visible_item(engine: Engine, principal: Principal, public_id: str) -> EvidenceItem:
    """Item `public_id` if `principal` may see it; raises `NotFound` otherwise, so another
    member's item looks absent."""
    with Session(engine) as session:
        item = session.exec(select(EvidenceItem).where(EvidenceItem.public_id == public_id)).first()
    if item is None or not (sees_all(principal) or item.submitter_id == principal.member_id):
        raise NotFound(f"no evidence item {public_id!r}")
    return item


def case_evidence(
    engine: Engine, intake: Intake, principal: Principal | None, case: str
) -> tuple[str, list[EvidenceItem]]:
    """The commitment of case reference `case` (as the search commits it) and the items of
    that case `principal` may see, oldest first. `principal` None is the operator's command
    line, which reads the database directly: every item."""
    commitment = intake.case_commitment(case)
    query = select(EvidenceItem).where(EvidenceItem.case_commitment == commitment)
    if principal is not None and not sees_all(principal):
        query = query.where(EvidenceItem.submitter_id == principal.member_id)
    with Session(engine) as session:
        return commitment, list(session.exec(query.order_by(col(EvidenceItem.id))).all())


def status_counts(engine: Engine, principal: Principal) -> dict[tuple[int, str], int]:
    """How many items `principal` may see, per (submitter member id, status)."""
    query = select(EvidenceItem.submitter_id, EvidenceItem.status, func.count()).group_by(
        col(EvidenceItem.submitter_id), col(EvidenceItem.status)
    )
    if not sees_all(principal):
        query = query.where(EvidenceItem.submitter_id == principal.member_id)
    with Session(engine) as session:
        return {(member, status): count for member, status, count in session.exec(query)}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def own_evidence(engine: Engine, member_id: int, public_id: str) -> EvidenceItem:
    """Evidence item `public_id` if member `member_id` submitted it; `NotFound` otherwise (an
    item of another member looks absent)."""
    with Session(engine) as session:
        item = session.exec(select(EvidenceItem).where(EvidenceItem.public_id == public_id)).first()
    if item is None or item.submitter_id != member_id:
        raise NotFound(f"no evidence item {public_id!r} of yours")
    return item


def dispute_evidence(engine: Engine, principal: Principal, public_id: str) -> bytes:
    """The leaf hash of evidence item `public_id`, which `principal` must be allowed to read
    (its own, or any for legal teams and regulators); `NotFound` otherwise."""
    return bytes.fromhex(visible_item(engine, principal, public_id).leaf_hash)
