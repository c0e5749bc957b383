"""Collection contacts: each is checked against the collection rules, stored with its
violations, and anchored as an evidence record that names the rule set it was checked under.

The rule set is `notary/rules/collection-rules-v1.json` (packaged), unless the service's data
directory holds a ``collection-rules.json``, which then replaces it: rules are data, so a
deployment changes them without a release (with a new `version`, so records stay telling).

The evidence record of a contact carries, in its metadata, ``rules_version`` and
``rules_sha256`` (the rule set used), ``subject_commitment`` (the debtor's commitment: the
record's metadata keys may not name the debtor), ``time_zone`` and ``compliance_flags`` (the
rules broken, comma-separated, or ``none``). The document is the transcript (stored
encrypted, as ``text/plain``) when one is given, else the digest of the recording or message
the collector keeps.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from notary.compliance import Contact, RuleSet, check_contact, local_time
from notary.compliance_models import CollectionContact, ComplianceViolation
from notary.intake import Accepted, Intake, Submission, SubmissionError, Submitter
from notary.models import EvidenceItem
from notary.records import commit

RULES_FILE = "collection-rules-v1.json"
"""The packaged default rule set, in `notary/rules/`."""

LOCAL_RULES = "collection-rules.json"
"""A rule set in the service's data directory that replaces the packaged one."""

MAX_TRANSCRIPT_BYTES = 1 << 20
"""Bytes of transcript one contact may carry: hours of conversation as text."""

_DEBTOR_SALT_LABEL = b"autoledger debtor commitment salt v1"


def packaged_rules() -> RuleSet:
    """The default rule set shipped with the service."""
    return _packaged()


@lru_cache(maxsize=1)
def _packaged() -> RuleSet:
    text = resources.files("notary").joinpath("rules", RULES_FILE).read_bytes()
    return RuleSet.from_json(text)


def load_rules(var_dir: Path) -> RuleSet:
    """The rule set in force: ``var_dir/collection-rules.json`` if present, else the packaged
    one. Raises `notary.compliance.ComplianceError` for an invalid local file."""
    local = var_dir / LOCAL_RULES
    if local.is_file():
        return RuleSet.from_json(local.read_bytes())
    return packaged_rules()


def debtor_commitment(case_salt: bytes, reference: str) -> str:
    """The service's commitment to a debtor reference (trimmed), under a salt of its own
    derived from the case salt, so debtor and case commitments never coincide."""
    salt = hmac.new(case_salt, _DEBTOR_SALT_LABEL, hashlib.sha256).digest()
    return commit(reference.strip(), salt)


@dataclass(frozen=True, kw_only=True)
class ContactIn:
    """A contact as a collector reports it.

    Exactly one of `debtor_reference` (committed by the service) and `debtor_commitment`;
    exactly one of `case_reference` and `case_commitment`; at least one of `transcript` and
    `document_digest` (the recording or message kept by the collector). `time_zone` is the
    debtor's (default: the rule set's).
    """

    contact_time: datetime
    channel: str
    evidence_type: str = "message_log"
    time_zone: str | None = None
    debtor_reference: str | None = None
    debtor_commitment: str | None = None
    case_reference: str | None = None
    case_commitment: str | None = None
    transcript: str | None = None
    document_digest: str | None = None
    media_type: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """A recorded contact, its violations, and whether this call recorded it."""

    contact: CollectionContact
    violations: list[ComplianceViolation]
    created: bool


def record_contact(
    *, engine: Engine, intake: Intake, rules: RuleSet, submitter: Submitter, contact: ContactIn
) -> Recorded:
    """Check `contact` against `rules`, submit its evidence, store it and its violations.

    Idempotent as the intake is: the same contact (same evidence record but for the time of
    submission, or the same `idempotency_key`) answers the first recording. Counting contacts
    per day and week sees the contacts already recorded; two contacts of one debtor recorded
    at the same instant may each miss the other. Raises `SubmissionError` (422) for a
    malformed contact, `ComplianceError` for a bad time zone or time.
    """
    if (contact.debtor_reference is None) == (contact.debtor_commitment is None):
        raise SubmissionError("give exactly one of debtor_reference and debtor_commitment")
    if (contact.case_reference is None) == (contact.case_commitment is None):
        raise SubmissionError("give exactly one of case_reference and case_commitment")
    if contact.transcript is None and contact.document_digest is None:
        raise SubmissionError("give a transcript, a document_digest, or both")
    if contact.transcript is not None and len(contact.transcript.encode()) > MAX_TRANSCRIPT_BYTES:
        raise SubmissionError(f"transcript: more than {MAX_TRANSCRIPT_BYTES} bytes")
    debtor = contact.debtor_commitment or debtor_commitment(
        intake.case_salt, contact.debtor_reference or ""
    )
    zone = contact.time_zone or rules.default_time_zone
    checked = Contact(
        at=contact.contact_time,
        time_zone=zone,
        debtor=debtor,
        collector=str(submitter.member_id),
        channel=contact.channel,
        transcript=contact.transcript,
    )
    local = local_time(checked)
    earlier = _already_recorded(engine, submitter, contact, debtor)
    if earlier is not None:
        return earlier
    with Session(engine) as session:
        others = session.exec(
            select(CollectionContact.contact_time).where(
                CollectionContact.debtor_commitment == debtor,
                col(CollectionContact.contact_time) >= contact.contact_time - timedelta(days=9),
                col(CollectionContact.contact_time) <= contact.contact_time + timedelta(days=2),
            )
        ).all()
    found = check_contact(rules, checked, [_utc(t) for t in others])
    flags = sorted({v.rule for v in found})
    metadata = {
        "rules_version": rules.version,
        "rules_sha256": rules.digest,
        "subject_commitment": debtor,
        "time_zone": zone,
        "compliance_flags": ",".join(flags) or "none",
    }
    transcript_digest = None
    submission = Submission(
        evidence_type=contact.evidence_type,
        media_type="text/plain"
        if contact.transcript is not None
        else (contact.media_type or "application/octet-stream"),
        case_reference=contact.case_reference,
        case_commitment=contact.case_commitment,
        contact_time=contact.contact_time,
        channel=contact.channel,
        metadata=metadata
        | (
            {"recording_digest": contact.document_digest}
            if contact.transcript and contact.document_digest
            else {}
        ),
        idempotency_key=contact.idempotency_key,
    )
    accepted: Accepted
    if contact.transcript is not None:
        data = contact.transcript.encode("utf-8")
        transcript_digest = hashlib.sha256(data).hexdigest()
        accepted = intake.submit_file(submitter, io.BytesIO(data), submission)
    else:
        assert contact.document_digest is not None
        accepted = intake.submit_digest(
            submitter, contact.document_digest.removeprefix("0x").lower(), submission
        )
    with Session(engine, expire_on_commit=False) as session:
        known = session.exec(
            select(CollectionContact).where(CollectionContact.evidence_id == accepted.public_id)
        ).first()
        if known is not None:
            violations = session.exec(
                select(ComplianceViolation)
                .where(ComplianceViolation.contact_id == known.id)
                .order_by(col(ComplianceViolation.id))
            ).all()
            return Recorded(contact=known, violations=list(violations), created=False)
        stored = CollectionContact(
            public_id="ct_" + accepted.public_id.removeprefix("ev_"),
            collector_id=submitter.member_id,
            collector_address=submitter.address,
            debtor_commitment=debtor,
            case_commitment=_case_commitment(intake, contact),
            channel=contact.channel,
            contact_time=contact.contact_time.astimezone(UTC),
            time_zone=zone,
            local_date=local.date().isoformat(),
            local_hour=local.hour,
            transcript_digest=transcript_digest,
            evidence_id=accepted.public_id,
            rules_version=rules.version,
            rules_digest=rules.digest,
            violation_count=len(found),
        )
        session.add(stored)
        session.flush()
        assert stored.id is not None
        rows = [
            ComplianceViolation(
                contact_id=stored.id,
                rule=v.rule,
                rules_version=rules.version,
                detail=v.detail,
                collector_id=submitter.member_id,
                debtor_commitment=debtor,
                contact_time=stored.contact_time,
                local_date=stored.local_date,
                span_start=v.span[0] if v.span else None,
                span_end=v.span[1] if v.span else None,
                matched=v.matched[:400] if v.matched else None,
                phrase_id=v.phrase_id,
            )
            for v in found
        ]
        session.add_all(rows)
        session.commit()
    return Recorded(contact=stored, violations=rows, created=True)


def _already_recorded(
    engine: Engine, submitter: Submitter, contact: ContactIn, debtor: str
) -> Recorded | None:
    """The contact as first recorded, when this one repeats it: same idempotency key, or the
    same collector, debtor, time and channel."""
    with Session(engine, expire_on_commit=False) as session:
        query = select(CollectionContact).where(
            CollectionContact.collector_id == submitter.member_id
        )
        if contact.idempotency_key is not None:
            evidence = session.exec(
                select(EvidenceItem.public_id).where(
                    EvidenceItem.submitter_id == submitter.member_id,
                    EvidenceItem.idempotency_key == contact.idempotency_key,
                )
            ).first()
            if evidence is None:
                return None
            query = query.where(CollectionContact.evidence_id == evidence)
        else:
            query = query.where(
                CollectionContact.debtor_commitment == debtor,
                CollectionContact.contact_time == _utc(contact.contact_time),
                CollectionContact.channel == contact.channel,
            )
        known = session.exec(query).first()
        if known is None:
            return None
        violations = session.exec(
            select(ComplianceViolation)
            .where(ComplianceViolation.contact_id == known.id)
            .order_by(col(ComplianceViolation.id))
        ).all()
    return Recorded(contact=known, violations=list(violations), created=False)


def _case_commitment(intake: Intake, contact: ContactIn) -> str:
    if contact.case_commitment is not None:
        return contact.case_commitment
    return intake.case_commitment(contact.case_reference or "")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Window:
    """Which contacts or violations to read: `collector_id` None for every collector; times
    without a zone are UTC; `end` is exclusive."""

    collector_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of_days(cls, *, collector_id: int | None, first: date | None, last: date | None) -> Window:
        """The window of UTC days `first` to `last`, both included (None: unbounded)."""
        return cls(
            collector_id=collector_id,
            start=datetime.combine(first, time(), UTC) if first else None,
            end=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        )


def list_violations(
    engine: Engine, window: Window, *, rule: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[ComplianceViolation], int]:
    """Violations in `window` (of `rule`, if given), newest contact first: a page and the total."""
    query = select(ComplianceViolation)
    if window.collector_id is not None:
        query = query.where(ComplianceViolation.collector_id == window.collector_id)
    if window.start is not None:
        query = query.where(col(ComplianceViolation.contact_time) >= _utc(window.start))
    if window.end is not None:
        query = query.where(col(ComplianceViolation.contact_time) < _utc(window.end))
    if rule is not None:
        query = query.where(ComplianceViolation.rule == rule)
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(
                col(ComplianceViolation.contact_time).desc(), col(ComplianceViolation.id)
            )
            .offset(offset)
            .limit(limit)
        ).all()
    return list(rows), int(total)


def list_contacts(
    engine: Engine, window: Window, *, offset: int = 0, limit: int = 50
) -> tuple[list[CollectionContact], int]:
    """Contacts in `window`, newest first: a page and the total."""
    query = select(CollectionContact)
    if window.collector_id is not None:
        query = query.where(CollectionContact.collector_id == window.collector_id)
    if window.start is not None:
        query = query.where(col(CollectionContact.contact_time) >= _utc(window.start))
    if window.end is not None:
        query = query.where(col(CollectionContact.contact_time) < _utc(window.end))
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(
            query.order_by(col(CollectionContact.contact_time).desc(), col(CollectionContact.id))
            .offset(offset)
            .limit(limit)
        ).all()
    return list(rows), int(total)


def summary(engine: Engine, window: Window) -> dict[str, Any]:
    """Counts in `window`: violations per debtor-local day and rule, contacts per debtor-local
    hour of day (0-23, every hour listed), and totals."""
    violations = select(
        ComplianceViolation.local_date, ComplianceViolation.rule, func.count()
    ).group_by(col(ComplianceViolation.local_date), col(ComplianceViolation.rule))
    hours = select(CollectionContact.local_hour, func.count()).group_by(
        col(CollectionContact.local_hour)
    )
    if window.collector_id is not None:
        violations = violations.where(ComplianceViolation.collector_id == window.collector_id)
        hours = hours.where(CollectionContact.collector_id == window.collector_id)
    if window.start is not None:
        violations = violations.where(col(ComplianceViolation.contact_time) >= _utc(window.start))
        hours = hours.where(col(CollectionContact.contact_time) >= _utc(window.start))
    if window.end is not None:
        violations = violations.where(col(ComplianceViolation.contact_time) < _utc(window.end))
        hours = hours.where(col(CollectionContact.contact_time) < _utc(window.end))
    with Session(engine) as session:
        per_day = sorted(session.exec(violations).all())
        by_hour = dict(session.exec(hours).all())
    per_rule: dict[str, int] = {}
    for _, rule, count in per_day:
        per_rule[rule] = per_rule.get(rule, 0) + count
    return {
        "violations_per_day": [
            {"date": date.fromisoformat(day).isoformat(), "rule": rule, "count": count}
            for day, rule, count in per_day
        ],
        "contacts_by_hour": [{"hour": h, "count": int(by_hour.get(h, 0))} for h in range(24)],
        "totals": {
            "contacts": sum(int(c) for c in by_hour.values()),
            "violations": sum(per_rule.values()),
            "by_rule": per_rule,
        },
    }
