"""The crash test: kill the batcher at every durable step; a restart anchors each item once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlmodel import Session, select

from api.runtime import Runtime
from notary.intake import Submission, Submitter
from notary.models import AnchorBatch, EvidenceItem
from notary.receipts import verify_receipt

KILLER = textwrap.dedent(
    """
    import os, sys
    from api.runtime import Runtime
    from api.settings import Settings
    from notary.anchoring import Anchorer

    settings = Settings.model_validate_json(sys.argv[1])
    step_to_die_at = sys.argv[2]

    def step(name):
        if name == step_to_die_at:
            os._exit(9)  # no cleanup, no commit: as if the power went out

    runtime = Runtime.start(settings)
    Anchorer(engine=runtime.engine, registry=runtime.registry, step=step).anchor_all()
    """
)


@pytest.mark.parametrize("step", ["prepared", "signed", "broadcast", "anchored"])
def test_killed_batcher_resumes_and_anchors_each_item_once(runtime: Runtime, verify_url, step):
    member = runtime.consortium.member(runtime.operator.address)
    submitter = Submitter(member_id=member.id, address=member.address)
    ids = [
        runtime.intake.submit_digest(
            submitter, f"{i:064x}", Submission(evidence_type="message_log", case_reference="C")
        ).public_id
        for i in range(1, 8)
    ]
    settings = runtime.settings.model_dump_json()
    died = subprocess.run([sys.executable, "-c", KILLER, settings, step], check=False)
    assert died.returncode == 9, "the batcher was killed at the chosen step"

    runtime.anchorer.anchor_all()

    with Session(runtime.engine) as session:
        batches = session.exec(select(AnchorBatch)).all()
        items = session.exec(select(EvidenceItem)).all()
    assert len(batches) == 1 and batches[0].status == "final" and batches[0].size == 7
    assert {i.batch_id for i in items} == {batches[0].id}
    assert sorted(i.leaf_index for i in items) == list(range(7))
    assert runtime.registry.next_sequence(runtime.operator.address) == 2, "one batch on chain"
    for item in items:
        assert item.public_id in ids and item.status == "final"
        receipt = runtime.issuer.for_item(item).receipt
        assert receipt is not None
        assert verify_receipt(receipt, rpc_url=verify_url, trust=runtime.trust_root()).verified
