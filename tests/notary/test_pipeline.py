"""Intake → batch → anchor → final → receipt that verifies on the real chain."""

from __future__ import annotations

import io
import threading

import pytest
from sqlmodel import Session, select

from notary.anchoring import Anchorer, LogMismatch
from notary.intake import Submission, SubmissionError, Submitter, device_gaps, leaf_of
from notary.merkle import MerkleTree, verify_consistency
from notary.models import AnchorBatch, EvidenceItem
from notary.receipts import verify_receipt


@pytest.fixture
def collector(runtime):
    """The operator acting as submitter (it holds NOTARY on the dev chain)."""
    member = runtime.consortium.member(runtime.operator.address)
    return Submitter(member_id=member.id, address=member.address)


def _call(case: str = "CASE-2026-001", **extra) -> Submission:
    return Submission(
        evidence_type="call_recording", media_type="audio/mpeg", case_reference=case, **extra
    )


def test_file_to_final_receipt_that_verifies_on_chain(runtime, collector, verify_url):
    recording = b"ID3" + bytes(range(256)) * 40
    accepted = runtime.intake.submit_file(collector, io.BytesIO(recording), _call())
    assert accepted.created and accepted.status == "pending"
    batches = runtime.anchorer.anchor_all()
    assert len(batches) == 1 and batches[0].size == 1
    with Session(runtime.engine) as session:
        item = session.exec(
            select(EvidenceItem).where(EvidenceItem.public_id == accepted.public_id)
        ).one()
    assert item.status == "final"
    issued = runtime.issuer.for_item(item)
    assert issued.receipt is not None
    report = verify_receipt(
        issued.receipt,
        document=recording,
        rpc_url=verify_url,
        trust=runtime.trust_root(),
        expected_signer=runtime.operator.address,
    )
    assert report.verified and not report.failed, report
    assert "anchored_root" not in report.skipped
    tampered = verify_receipt(issued.receipt, document=recording[:-1] + b"!", rpc_url=verify_url)
    assert tampered.failed == ("digest",)
    assert runtime.blobs.read_bytes(item.document_digest) == recording


def test_many_items_share_one_batch_and_each_receipt_verifies(runtime, collector, verify_url):
    ids = [
        runtime.intake.submit_digest(collector, f"{i:064x}", _call(case=f"C{i}")).public_id
        for i in range(1, 26)
    ]
    runtime.anchorer.batch_size = 10
    batches = runtime.anchorer.anchor_all()
    assert [b.size for b in batches] == [10, 10, 5]
    assert [b.sequence for b in batches] == [1, 2, 3]
    with Session(runtime.engine) as session:
        items = session.exec(select(EvidenceItem).where(EvidenceItem.public_id.in_(ids))).all()
    assert {i.status for i in items} == {"final"}
    for item in items[:3] + items[-3:]:
        receipt = runtime.issuer.for_item(item).receipt
        assert receipt is not None
        assert verify_receipt(receipt, rpc_url=verify_url, trust=runtime.trust_root()).verified


def test_batches_extend_one_evidence_log_anchored_root_by_root(runtime, collector, verify_url):
    for i in range(1, 26):
        runtime.intake.submit_digest(collector, f"{i:064x}", _call(case=f"C{i}"))
    runtime.anchorer.batch_size = 10
    batches = runtime.anchorer.anchor_all()
    assert [(b.log_start, b.tree_size) for b in batches] == [(0, 10), (10, 20), (20, 25)]
    with Session(runtime.engine) as session:
        items = session.exec(select(EvidenceItem).order_by(EvidenceItem.id)).all()
    assert [i.leaf_index for i in items] == list(range(25))
    leaves = [leaf_of(item) for item in items]
    for batch in batches:  # each batch root is the root of the whole log up to it
        assert batch.root == MerkleTree(leaves[: batch.tree_size]).root.hex()
    first, last = bytes.fromhex(batches[0].root), bytes.fromhex(batches[-1].root)
    proof = MerkleTree(leaves).consistency_proof(10)
    assert verify_consistency(10, 25, first, last, proof)
    member = runtime.registry.member_id(runtime.operator.address)
    on_chain = runtime.registry.log_of(member)
    assert (on_chain.last_sequence, on_chain.size, on_chain.root_prefix) == (3, 25, last[:8])
    assert on_chain.root_block == batches[-1].block_number
    # a receipt of the first batch carries its own, smaller tree; one of the last, all 25
    early, late = (runtime.issuer.for_item(items[i]).receipt for i in (3, 24))
    assert early is not None and late is not None
    assert (early.tree_size, early.root, late.tree_size) == (10, batches[0].root, 25)
    assert verify_receipt(early, rpc_url=verify_url, trust=runtime.trust_root()).verified
    assert verify_receipt(late, rpc_url=verify_url, trust=runtime.trust_root()).verified


def test_two_batchers_at_once_extend_one_log_without_sharing_an_item(
    runtime, collector, verify_url
):
    for i in range(1, 61):
        runtime.intake.submit_digest(collector, f"{i:064x}", _call(case=f"C{i}"))
    batchers = [
        Anchorer(engine=runtime.engine, registry=runtime.registry, batch_size=7) for _ in range(2)
    ]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(batcher: Anchorer) -> None:
        start.wait()
        try:
            for _ in range(40):  # rounds: a lost race returns None, the next round retries
                batcher.anchor_all()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in batchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with Session(runtime.engine) as session:
        batches = session.exec(select(AnchorBatch).order_by(AnchorBatch.log_start)).all()
        items = session.exec(select(EvidenceItem).order_by(EvidenceItem.leaf_index)).all()
    assert sum(b.size for b in batches) == 60 and {i.status for i in items} == {"final"}
    assert [i.leaf_index for i in items] == list(range(60)), "each item once, no gaps"
    ends = [b.log_start for b in batches[1:]]
    assert ends == [b.tree_size for b in batches[:-1]], "each batch starts where the last ended"
    leaves = [leaf_of(item) for item in items]
    for batch in batches:
        assert batch.root == MerkleTree(leaves[: batch.tree_size]).root.hex()
    member = runtime.registry.member_id(runtime.operator.address)
    assert runtime.registry.log_of(member).size == 60


def test_anchoring_stops_when_the_chain_holds_another_log(runtime, collector):
    """A second database anchoring for the same notary would fork its log: it is refused."""
    runtime.intake.submit_digest(collector, "34" * 32, _call())
    runtime.anchorer.anchor_all()
    runtime.intake.submit_digest(collector, "56" * 32, _call())
    with Session(runtime.engine) as session:
        for item in session.exec(select(EvidenceItem)).all():
            item.batch_id, item.leaf_index, item.status = None, None, "pending"
            session.add(item)
        session.flush()
        for batch in session.exec(select(AnchorBatch)).all():
            session.delete(batch)  # as if the database had lost its batches
        session.commit()
    with pytest.raises(LogMismatch, match="holds 1 leaves on chain, but batch .* from 0"):
        Anchorer(engine=runtime.engine, registry=runtime.registry).anchor_all()


def test_resubmission_is_idempotent(runtime, collector):
    first = runtime.intake.submit_digest(collector, "ab" * 32, _call())
    again = runtime.intake.submit_digest(collector, "ab" * 32, _call())
    assert again.public_id == first.public_id and not again.created
    keyed = runtime.intake.submit_digest(collector, "cd" * 32, _call(idempotency_key="k-1"))
    replay = runtime.intake.submit_digest(collector, "ef" * 32, _call(idempotency_key="k-1"))
    assert replay.public_id == keyed.public_id, "the idempotency key wins over the content"
    other_case = runtime.intake.submit_digest(collector, "ab" * 32, _call(case="OTHER"))
    assert other_case.public_id != first.public_id


def test_bad_submissions_name_the_field(runtime, collector):
    with pytest.raises(SubmissionError, match="evidence_type"):
        runtime.intake.submit_digest(
            collector, "ab" * 32, Submission(evidence_type="selfie", case_reference="C")
        )
    with pytest.raises(SubmissionError, match="document_digest"):
        runtime.intake.submit_digest(collector, "xyz", _call())
    with pytest.raises(SubmissionError, match="case_reference and case_commitment"):
        runtime.intake.submit_digest(collector, "ab" * 32, Submission(evidence_type="other"))
    with pytest.raises(SubmissionError, match="personal data"):
        runtime.intake.submit_digest(
            collector, "ab" * 32, _call(metadata={"borrower_phone": "13800000000"})
        )
    with Session(runtime.engine) as session:
        assert session.exec(select(EvidenceItem)).all() == []


def test_device_sequence_gaps_are_reported(runtime, collector):
    for seq in (1, 2, 5, 6, 9):
        runtime.intake.submit_digest(
            collector, f"{seq:064x}", _call(device_id="recorder-7", device_seq=seq)
        )
    assert device_gaps(runtime.engine, "recorder-7") == [(3, 4), (7, 8)]


def test_a_batch_is_never_anchored_twice(runtime, collector):
    """Anchoring the same prepared batch again finds it on chain instead."""
    runtime.intake.submit_digest(collector, "12" * 32, _call())
    (batch,) = runtime.anchorer.anchor_all()
    with Session(runtime.engine) as session:
        stored = session.get_one(AnchorBatch, batch.id)
        stored.status = "prepared"  # as if the record of the anchoring were lost
        stored.tx_hash = stored.raw_tx = None
        session.add(stored)
        session.commit()
    (again,) = Anchorer(engine=runtime.engine, registry=runtime.registry).anchor_all()
    assert again.tx_hash == batch.tx_hash and again.block_number == batch.block_number
    assert runtime.registry.next_sequence(runtime.operator.address) == 2
