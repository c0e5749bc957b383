"""Evidence intake under concurrency: group commits on a real database, and bulk submissions
judged item by item."""

from __future__ import annotations

import io
import threading

from sqlalchemy import event, func
from sqlmodel import Session, select

from notary.blobs import BlobStore
from notary.intake import Accepted, Intake, Submission, SubmissionError, Submitter
from notary.models import EvidenceItem

SUBMITTERS = [
    Submitter(member_id=1, address="0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    Submitter(member_id=2, address="0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
]


def _intake(engine, tmp_path) -> Intake:
    return Intake(
        engine=engine,
        blobs=BlobStore(tmp_path / "blobs", master_key=bytes(32)),
        case_salt=b"s" * 32,
        group_window=0.005,
    )


def _call(case: str = "CASE-1", **extra) -> Submission:
    return Submission(evidence_type="call_recording", case_reference=case, **extra)


def _commits(engine) -> list[int]:
    """A list that grows by one per committed transaction on `engine`."""
    seen: list[int] = []
    event.listen(engine, "commit", lambda _connection: seen.append(1))
    return seen


def _stored(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(EvidenceItem)).one()


def test_concurrent_submissions_commit_in_groups(engine, tmp_path):
    intake = _intake(engine, tmp_path)
    commits = _commits(engine)
    count = 40
    results: list[Accepted | None] = [None] * count
    start = threading.Barrier(count)

    def submit(i: int) -> None:
        start.wait()
        # 0 and 1 submit the same document for submitter 1: twins within one group
        digest = f"{max(i, 1):064x}" if i < 2 else f"{i:064x}"
        results[i] = intake.submit_digest(SUBMITTERS[0 if i < 2 else i % 2], digest, _call())

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    answers = [r for r in results if r is not None]
    assert len(answers) == count
    assert answers[0].public_id == answers[1].public_id
    assert sorted([answers[0].created, answers[1].created]) == [False, True]
    assert all(a.created for a in answers[2:])
    assert _stored(engine) == count - 1
    # every caller was answered after its row was committed, in fewer transactions than calls
    assert intake.group.payloads == count
    assert intake.group.groups < count / 2, f"{count} submissions took {intake.group.groups}"
    assert len(commits) <= intake.group.groups + 2


def test_bulk_judges_each_item_alone(engine, tmp_path):
    intake = _intake(engine, tmp_path)
    known = intake.submit_digest(SUBMITTERS[0], "aa" * 32, _call())
    results = intake.submit_each(
        SUBMITTERS[0],
        [
            ("bb" * 32, 10, _call()),
            ("not a digest", None, _call()),
            ("aa" * 32, None, _call()),  # already stored
            ("cc" * 32, None, Submission(evidence_type="other")),  # no case
            ("dd" * 32, None, _call(channel="pigeon")),
            ("bb" * 32, 10, _call()),  # twin of the first
            ("ee" * 32, None, _call(idempotency_key="k1")),
            ("ff" * 32, None, _call(idempotency_key="k1")),  # same key: the first answers
        ],
    )
    first, bad_digest, again, no_case, bad_channel, twin, keyed, replay = results
    assert isinstance(first, Accepted) and first.created
    assert isinstance(bad_digest, SubmissionError) and "document_digest" in str(bad_digest)
    assert isinstance(again, Accepted) and again.public_id == known.public_id
    assert not again.created
    assert isinstance(no_case, SubmissionError) and "case_reference" in str(no_case)
    assert isinstance(bad_channel, SubmissionError) and "pigeon" in str(bad_channel)
    assert isinstance(twin, Accepted) and twin.public_id == first.public_id and not twin.created
    assert isinstance(keyed, Accepted) and keyed.created
    assert isinstance(replay, Accepted) and replay.public_id == keyed.public_id
    assert _stored(engine) == 3


def test_a_group_that_fails_as_a_whole_is_stored_payload_by_payload(engine, tmp_path):
    """A row that breaks the group's insert (here: a public id already taken) fails its own
    caller; the others in the group are stored."""
    intake = _intake(engine, tmp_path)
    taken = intake.submit_digest(SUBMITTERS[0], "01" * 32, _call())
    rows = [intake._row(SUBMITTERS[1], entry) for entry in intake_entries(3)]
    rows[1]["public_id"] = taken.public_id
    outcome = intake._flush(
        [(SUBMITTERS[1], [rows[0]]), (SUBMITTERS[1], [rows[1]]), (SUBMITTERS[1], [rows[2]])]
    )
    assert isinstance(outcome[0], list) and outcome[0][0].created
    assert isinstance(outcome[1], Exception)
    assert isinstance(outcome[2], list) and outcome[2][0].created
    assert _stored(engine) == 3


def intake_entries(count: int):
    from notary.intake import _Entry

    return [_Entry(_call(), f"{0x100 + i:064x}", None, stored=False) for i in range(count)]


def test_files_in_bulk_are_stored_and_queued(engine, tmp_path):
    intake = _intake(engine, tmp_path)
    documents = [f"document {i}".encode() for i in range(5)]
    results = intake.submit_files_each(
        SUBMITTERS[0],
        [(io.BytesIO(d), _call(case="CASE-F")) for d in documents]
        + [(io.BytesIO(b"x"), _call(case="CASE-F", device_seq=3))],  # device_seq needs device_id
    )
    assert all(isinstance(r, Accepted) and r.created for r in results[:5])
    assert isinstance(results[5], SubmissionError) and "device_id" in str(results[5])
    assert _stored(engine) == 5
    for document, result in zip(documents, results, strict=False):
        assert isinstance(result, Accepted)
        with intake.blobs.open(result.document_digest) as reader:
            assert b"".join(reader) == document
