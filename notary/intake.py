"""Accepting evidence: store the file encrypted, build the record, queue it for anchoring."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from ledger.models import utcnow
from notary.blobs import BlobStore
from notary.digests import Sha256Digest, parse_digest
from notary.errors import NotaryError
from notary.file_names import escaped_file_name, safe_file_name
from notary.groupcommit import DEFAULT_WINDOW, GroupCommit
from notary.merkle import leaf_hash
from notary.models import EvidenceItem, ItemStatus
from notary.records import (
    Address,
    Commitment,
    EvidenceRecord,
    EvidenceType,
    canonical_bytes,
    canonicalize,
    commit,
    format_timestamp,
)

_TABLE = EvidenceItem.__table__  # type: ignore[attr-defined]

CHANNELS = frozenset({"phone", "sms", "app", "email", "visit", "letter", "other"})
"""How a collection contact happened."""


MAX_GROUP_ROWS = 5000
"""Most rows in one group commit: five bulk requests of 1,000, and few enough that the
group's look-up of known fingerprints stays within SQLite's bound-parameter limit."""


class SubmissionError(NotaryError):
    """A submission is malformed; the message names the field."""


@dataclass(frozen=True, kw_only=True)
class Submitter:
    """The consortium member submitting evidence."""

    member_id: int
    address: str


@dataclass(frozen=True, kw_only=True)
class Submission:
    """What a submitter says about a document besides its bytes.

    Give the case as `case_reference` (the service commits to it with its case salt, so the
    reference never leaves the service) or as a `case_commitment` made by the submitter.
    """

    evidence_type: str
    media_type: str = "application/octet-stream"
    case_reference: str | None = None
    case_commitment: str | None = None
    contact_time: datetime | None = None
    channel: str | None = None
    device_id: str | None = None
    device_seq: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None
    file_name: str | None = None
    """As the submitter gave it: the intake stores its safe form (`notary.file_names`)."""


@dataclass(frozen=True, kw_only=True)
class Accepted:
    """The answer to a submission: its id, and whether this call created it."""

    public_id: str
    status: str
    document_digest: str
    created: bool


class Intake:
    """Turns submissions into pending evidence items.

    Idempotent: the same `idempotency_key`, or the same document and metadata, from the same
    submitter returns the first submission's id. `case_salt` is the service's secret salt for
    case commitments (see `case_salt_from`).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        blobs: BlobStore,
        case_salt: bytes,
        group_window: float = DEFAULT_WINDOW,
    ) -> None:
        self.engine = engine
        self.blobs = blobs
        self.case_salt = case_salt
        self.group: GroupCommit[_Payload, list[Accepted]] = GroupCommit(
            self._flush, window=group_window, max_weight=MAX_GROUP_ROWS
        )
        """Concurrent submissions are committed together (see `notary.groupcommit`)."""

    def submit_file(
        self, submitter: Submitter, source: BinaryIO | Path, submission: Submission
    ) -> Accepted:
        """Store the document encrypted (streamed) and queue its record for anchoring."""
        known = self._by_idempotency_key(submitter, submission.idempotency_key)
        if known is not None:
            return known
        stored = self.blobs.put(source)
        return self._accept(submitter, submission, stored.digest, stored.size, stored=True)

    def submit_digest(
        self, submitter: Submitter, digest: str, submission: Submission, *, size: int | None = None
    ) -> Accepted:
        """Queue a record for a document that stays with the submitter (digest only)."""
        known = self._by_idempotency_key(submitter, submission.idempotency_key)
        if known is not None:
            return known
        return self._accept(submitter, submission, _parsed(digest), size, stored=False)

    def case_commitment(self, case_reference: str) -> str:
        """The commitment this service makes to `case_reference` (for search by case)."""
        return commit(case_reference, self.case_salt)

    def submit_files(
        self, submitter: Submitter, files: Sequence[tuple[BinaryIO | Path, Submission]]
    ) -> list[Accepted]:
        """Store many documents and queue them in one database transaction (bulk stamping).

        Same rules as `submit_file`; a bad submission raises before anything is queued.
        """
        stored = self.blobs.put_many([source for source, _ in files])
        entries = [
            _Entry(submission, blob.digest, blob.size, stored=True)
            for (_, submission), blob in zip(files, stored, strict=True)
        ]
        return self._accept_many(submitter, entries)

    def submit_each(
        self, submitter: Submitter, digests: Sequence[tuple[str, int | None, Submission]]
    ) -> list[Accepted | SubmissionError]:
        """Queue many digest-only submissions in one transaction, each judged alone: a bad
        one is refused (its place in the answer holds its `SubmissionError`), the others are
        queued."""
        entries: list[_Entry | SubmissionError] = []
        for digest, size, submission in digests:
            try:
                entries.append(_Entry(submission, _parsed(digest), size, stored=False))
            except SubmissionError as exc:
                entries.append(exc)
        return self._accept_each(submitter, entries)

    def submit_files_each(
        self, submitter: Submitter, files: Sequence[tuple[BinaryIO | Path, Submission]]
    ) -> list[Accepted | SubmissionError]:
        """Store many documents and queue them in one transaction, each judged alone (as
        `submit_each`)."""
        stored = self.blobs.put_many([source for source, _ in files])
        return self._accept_each(
            submitter,
            [
                _Entry(submission, blob.digest, blob.size, stored=True)
                for (_, submission), blob in zip(files, stored, strict=True)
            ],
        )

    def _accept_each(
        self, submitter: Submitter, entries: Sequence[_Entry | SubmissionError]
    ) -> list[Accepted | SubmissionError]:
        judged: list[dict[str, Any] | SubmissionError] = []
        for entry in entries:
            try:
                judged.append(
                    entry if isinstance(entry, SubmissionError) else self._row(submitter, entry)
                )
            except SubmissionError as exc:
                judged.append(exc)
        rows = [row for row in judged if not isinstance(row, SubmissionError)]
        accepted = iter(self.group.submit((submitter, rows), weight=len(rows)) if rows else [])
        return [row if isinstance(row, SubmissionError) else next(accepted) for row in judged]

    def submit_digests(
        self, submitter: Submitter, digests: Sequence[tuple[str, int | None, Submission]]
    ) -> list[Accepted]:
        """Queue many digest-only submissions in one database transaction."""
        entries = [
            _Entry(submission, _parsed(digest), size, stored=False)
            for digest, size, submission in digests
        ]
        return self._accept_many(submitter, entries)

    def _accept(
        self,
        submitter: Submitter,
        submission: Submission,
        digest: str,
        size: int | None,
        *,
        stored: bool,
    ) -> Accepted:
        (accepted,) = self._accept_many(submitter, [_Entry(submission, digest, size, stored)])
        return accepted

    def _accept_many(self, submitter: Submitter, entries: Sequence[_Entry]) -> list[Accepted]:
        rows = [self._row(submitter, entry) for entry in entries]
        return self.group.submit((submitter, rows), weight=len(rows))

    def _flush(self, payloads: Sequence[_Payload]) -> list[list[Accepted] | BaseException]:
        """Store the rows of a group of concurrent submissions in one transaction.

        When that transaction fails (a concurrent twin won a race, a bad row), each payload is
        stored again on its own, so one payload's error is only its own.
        """
        if len(payloads) == 1:
            return [_caught(self._store, payloads[0])]
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                answers, new = self._answers(session, payloads)
                if new:
                    session.connection().execute(insert(_TABLE), new)
                session.commit()
        except SQLAlchemyError:
            return [_caught(self._store, payload) for payload in payloads]
        return list(answers)

    def _store(self, payload: _Payload) -> list[Accepted]:
        """Store one submitter's rows in their own transaction (a group's fallback)."""
        submitter, rows = payload
        with Session(self.engine, expire_on_commit=False) as session:
            (answers,), new = self._answers(session, [payload])
            try:
                if new:
                    session.connection().execute(insert(_TABLE), new)
                session.commit()
            except IntegrityError:
                # A concurrent twin won a race: answer each from what is stored now.
                session.rollback()
                prior = self._known(session, submitter, rows)
                return [
                    _accepted(
                        prior.get(("key", row["idempotency_key"] or ""))
                        or prior[("fingerprint", row["fingerprint"])],
                        created=False,
                    )
                    for row in rows
                ]
        return answers

    def _answers(
        self, session: Session, payloads: Sequence[_Payload]
    ) -> tuple[list[list[Accepted]], list[dict[str, Any]]]:
        """Each payload's answers, and the rows to insert: a submission already stored (same
        idempotency key or fingerprint) or made twice in the group is answered with the first."""
        rows_of: dict[int, list[Mapping[str, Any]]] = {}
        submitters: dict[int, Submitter] = {}
        for submitter, rows in payloads:
            submitters[submitter.member_id] = submitter
            rows_of.setdefault(submitter.member_id, []).extend(rows)
        prior = {
            member_id: self._known(session, submitters[member_id], rows)
            for member_id, rows in rows_of.items()
        }
        new: dict[tuple[int, str], dict[str, Any]] = {}
        keyed: dict[tuple[int, str], dict[str, Any]] = {}
        answers: list[list[Accepted]] = []
        for submitter, rows in payloads:
            mine = prior[submitter.member_id]
            answered: list[Accepted] = []
            for row in rows:
                key = row["idempotency_key"]
                known = mine.get(("key", key or "")) or mine.get(
                    ("fingerprint", row["fingerprint"])
                )
                if known is not None:
                    answered.append(_accepted(known, created=False))
                    continue
                twin = keyed.get((submitter.member_id, key)) if key else None
                if twin is None:
                    twin = new.setdefault((submitter.member_id, row["fingerprint"]), row)
                if key and twin is row:
                    keyed[(submitter.member_id, key)] = row
                answered.append(_answer(twin, created=twin is row))
            answers.append(answered)
        # Core bulk insert: building ORM objects costs more than the insert.
        return answers, list(new.values())

    @staticmethod
    def _known(
        session: Session, submitter: Submitter, rows: Sequence[Mapping[str, Any]]
    ) -> dict[tuple[str, str], EvidenceItem]:
        """Stored items of `submitter` with the same idempotency key or fingerprint."""
        keys = [row["idempotency_key"] for row in rows if row["idempotency_key"]]
        fingerprints = [row["fingerprint"] for row in rows]
        found: dict[tuple[str, str], EvidenceItem] = {}
        mine = EvidenceItem.submitter_id == submitter.member_id
        for item in session.exec(
            select(EvidenceItem).where(mine, col(EvidenceItem.fingerprint).in_(fingerprints))
        ):
            found[("fingerprint", item.fingerprint)] = item
        if keys:
            for item in session.exec(
                select(EvidenceItem).where(mine, col(EvidenceItem.idempotency_key).in_(keys))
            ):
                found[("key", item.idempotency_key or "")] = item
        return found

    def _row(self, submitter: Submitter, entry: _Entry) -> dict[str, Any]:
        """The `evidence_item` row of a new submission (every column but the id)."""
        submission = entry.submission
        record = self._record(submitter, submission, entry.digest, entry.size)
        record_bytes = canonical_bytes(record)
        file_name = safe_file_name(submission.file_name)
        return {
            "public_id": "ev_" + secrets.token_hex(12),
            "submitter_id": submitter.member_id,
            "submitter_address": record.submitter,
            "idempotency_key": submission.idempotency_key,
            "fingerprint": _fingerprint(record),
            "record_json": record_bytes.decode(),
            "leaf_hash": leaf_hash(record_bytes).hex(),
            "document_digest": entry.digest,
            "evidence_type": record.evidence_type,
            "case_commitment": record.case_commitment,
            "contact_time": submission.contact_time,
            "channel": submission.channel,
            "device_id": submission.device_id,
            "device_seq": submission.device_seq,
            "media_type": record.media_type,
            "size": entry.size,
            "file_name": file_name,
            "file_name_as_sent": (
                escaped_file_name(submission.file_name)
                if file_name != submission.file_name
                else None
            ),
            "stored": entry.stored,
            "status": ItemStatus.PENDING.value,
            "batch_id": None,
            "leaf_index": None,
            "submitted_at": utcnow(),
            "forgotten_at": None,
            "superseded_by": None,
            "supersede_reason": None,
        }

    def _record(
        self, submitter: Submitter, submission: Submission, digest: str, size: int | None
    ) -> EvidenceRecord:
        if (submission.case_reference is None) == (submission.case_commitment is None):
            raise SubmissionError("give exactly one of case_reference and case_commitment")
        case = submission.case_commitment or self.case_commitment(submission.case_reference or "")
        if submission.channel is not None and submission.channel not in CHANNELS:
            raise SubmissionError(
                f"channel: {submission.channel!r} is not one of {', '.join(sorted(CHANNELS))}"
            )
        if submission.device_seq is not None and submission.device_id is None:
            raise SubmissionError("device_seq needs device_id")
        metadata = dict(submission.metadata)
        reserved = {"contact_time", "channel", "device_id", "device_seq"} & set(metadata)
        if reserved:
            raise SubmissionError(
                f"metadata: {', '.join(sorted(reserved))} are fields of their own"
            )
        if submission.contact_time is not None:
            metadata["contact_time"] = format_timestamp(submission.contact_time)
        if submission.channel is not None:
            metadata["channel"] = submission.channel
        if submission.device_id is not None:
            metadata["device_id"] = submission.device_id
        if submission.device_seq is not None:
            metadata["device_seq"] = str(submission.device_seq)
        try:
            return EvidenceRecord(
                # the record validates and normalizes each of these itself
                document_digest=cast(Sha256Digest, digest),
                evidence_type=cast(EvidenceType, submission.evidence_type),
                case_commitment=cast(Commitment, case),
                # lowercase is a stored spelling: no EIP-55 check (a keccak) per document
                submitter=cast(Address, submitter.address.lower()),
                submitted_at=format_timestamp(datetime.now(UTC)),
                media_type=submission.media_type,
                size=size,
                metadata=metadata,
            )
        except NotaryError as exc:
            raise SubmissionError(str(exc)) from exc

    def _by_idempotency_key(self, submitter: Submitter, key: str | None) -> Accepted | None:
        if key is None:
            return None
        with Session(self.engine) as session:
            known = session.exec(
                select(EvidenceItem).where(
                    EvidenceItem.submitter_id == submitter.member_id,
                    EvidenceItem.idempotency_key == key,
                )
            ).first()
            return _accepted(known, created=False) if known is not None else None


@dataclass(frozen=True)
class _Entry:
    """One submission on its way in: what was said, and the document's digest and size."""

    submission: Submission
    digest: str
    size: int | None
    stored: bool


_Payload = tuple[Submitter, list[dict[str, Any]]]
"""What one caller hands the group commit: who submits, and the rows of its submissions."""


def _caught(
    store: Callable[[_Payload], list[Accepted]], payload: _Payload
) -> list[Accepted] | BaseException:
    """`store(payload)`, or the error it raised (so it fails that payload alone)."""
    try:
        return store(payload)
    except Exception as exc:
        return exc


def _parsed(digest: str) -> Sha256Digest:
    try:
        return parse_digest(digest)
    except NotaryError as exc:
        raise SubmissionError(f"document_digest: {exc}") from exc


def case_salt_from(master_key: bytes) -> bytes:
    """The service's case-commitment salt, derived from its master key (nothing to store)."""
    return hmac.new(master_key, b"autoledger case commitment salt v1", hashlib.sha256).digest()


def device_gaps(engine: Engine, device_id: str) -> list[tuple[int, int]]:
    """Missing runs in a device's sequence numbers, as (first missing, last missing)."""
    with Session(engine) as session:
        numbers = session.exec(
            select(EvidenceItem.device_seq)
            .where(EvidenceItem.device_id == device_id, col(EvidenceItem.device_seq).is_not(None))
            .order_by(col(EvidenceItem.device_seq))
        ).all()
    gaps = []
    previous: int | None = None
    for number in numbers:
        assert number is not None
        if previous is not None and number > previous + 1:
            gaps.append((previous + 1, number - 1))
        previous = number
    return gaps


def _fingerprint(record: EvidenceRecord) -> str:
    """Identity of a submission for idempotency: the record without its submission time."""
    obj = record.to_object()
    del obj["submitted_at"]
    return hashlib.sha256(canonicalize(obj)).hexdigest()


def _answer(row: Mapping[str, Any], *, created: bool) -> Accepted:
    return Accepted(
        public_id=row["public_id"],
        status=row["status"],
        document_digest=row["document_digest"],
        created=created,
    )


def _accepted(item: EvidenceItem, *, created: bool) -> Accepted:
    return Accepted(
        public_id=item.public_id,
        status=item.status,
        document_digest=item.document_digest,
        created=created,
    )


def leaf_of(item: EvidenceItem) -> bytes:
    """The Merkle leaf data of an item: its record's canonical bytes."""
    return item.record_json.encode()
