"""Batchers of two replicas share one database: the one that acts on a stale copy of a
batch (another recorded, finalized or re-signed it meanwhile) changes nothing.

Seen in the crash trial with two replicas on PostgreSQL: replica A recorded a batch's landing
while replica B had already recorded and finalized it; the batch stayed final but its items
went back to *anchored*, so their receipts never said final."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.runtime import Runtime
from notary.intake import Submission, Submitter
from notary.models import AnchorBatch, EvidenceItem


def _submit(runtime: Runtime, count: int) -> None:
    member = runtime.consortium.member(runtime.operator.address)
    submitter = Submitter(member_id=member.id, address=member.address)
    for i in range(count):
        runtime.intake.submit_digest(
            submitter, f"{i + 1:064x}", Submission(evidence_type="message_log", case_reference="R")
        )


def _statuses(runtime: Runtime) -> tuple[list[str], list[str]]:
    with Session(runtime.engine) as session:
        batches = session.exec(select(AnchorBatch.status).order_by(col(AnchorBatch.id))).all()
        items = session.exec(select(EvidenceItem.status).order_by(col(EvidenceItem.id))).all()
    return list(batches), list(items)


def test_a_late_record_of_a_landing_leaves_a_final_batch_final(runtime: Runtime):
    _submit(runtime, 4)
    anchorer = runtime.anchorer
    prepared = anchorer._prepare()
    assert prepared is not None
    stale = anchorer._sign(prepared)  # replica A holds this copy: signed
    anchored = anchorer._send(stale)  # replica B sends, records the landing ...
    assert anchored.status == "anchored" and anchored.block_number is not None
    assert anchorer.finalize() == 1  # ... and finalizes it
    assert _statuses(runtime) == (["final"], ["final"] * 4)

    late = anchorer._record_anchor(stale, anchored.block_number, anchored.tx_hash)  # replica A

    assert late.status == "final" and late.final_at is not None
    assert _statuses(runtime) == (["final"], ["final"] * 4)
    item = runtime.issuer.for_item(_items(runtime)[0])
    assert item.receipt is not None and item.status == "final"


def test_a_stale_resign_does_not_reopen_an_anchored_batch(runtime: Runtime):
    _submit(runtime, 3)
    anchorer = runtime.anchorer
    prepared = anchorer._prepare()
    assert prepared is not None
    stale = anchorer._sign(prepared)
    anchored = anchorer._send(stale)
    assert anchored.status == "anchored"

    # replica A saw its copy's nonce taken (by B's landing) and would sign it again
    back = anchorer._back_to_prepared(stale, "its nonce was taken")

    assert back.status == "anchored" and back.tx_hash == anchored.tx_hash
    assert _statuses(runtime) == (["anchored"], ["anchored"] * 3)


def _items(runtime: Runtime) -> list[EvidenceItem]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(EvidenceItem).order_by(col(EvidenceItem.id))).all())
