"""Self-healing: a final anchor whose block left the chain is anchored again, its receipts
say not final meanwhile, and the batches behind it proceed."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.runtime import Runtime
from notary.intake import Submission, Submitter
from notary.models import AnchorBatch, EvidenceItem
from notary.receipts import verify_receipt


def _submit(runtime: Runtime, first: int, count: int) -> None:
    member = runtime.consortium.member(runtime.operator.address)
    submitter = Submitter(member_id=member.id, address=member.address)
    for i in range(first, first + count):
        runtime.intake.submit_digest(
            submitter, f"{i:064x}", Submission(evidence_type="message_log", case_reference="C")
        )


def _items(runtime: Runtime) -> list[EvidenceItem]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(EvidenceItem).order_by(col(EvidenceItem.id))).all())


def test_a_rolled_back_anchor_is_anchored_again_and_its_receipts_follow(runtime: Runtime, anvil):
    provider = runtime.chain.w3.provider
    before = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    _submit(runtime, 1, 5)
    assert len(runtime.anchorer.anchor_all()) == 1
    assert [i.status for i in _items(runtime)] == ["final"] * 5
    old = runtime.issuer.for_item(_items(runtime)[0]).receipt
    trust = runtime.trust_root()
    assert old is not None and verify_receipt(old, rpc_url=anvil.url, trust=trust).verified

    provider.make_request("evm_revert", [before])  # type: ignore[arg-type]  # the block is gone
    for _ in range(3):
        provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert not verify_receipt(old, rpc_url=anvil.url, trust=trust).verified, "it fails now"
    _submit(runtime, 6, 3)  # a batch behind the lost one

    assert runtime.anchorer.heal() == 1
    reopened = _items(runtime)[:5]
    assert {i.status for i in reopened} == {"pending"}
    assert all(runtime.issuer.for_item(i).receipt is None for i in reopened), "not final"

    runtime.anchorer.anchor_all()

    with Session(runtime.engine) as session:
        batches = session.exec(select(AnchorBatch).order_by(col(AnchorBatch.id))).all()
    assert [b.status for b in batches] == ["final", "final"]
    assert [b.size for b in batches] == [5, 3]
    assert (
        batches[0].tx_hash != old.anchor.tx_hash or batches[0].block_hash != old.anchor.block_hash
    )
    assert runtime.registry.next_sequence(runtime.operator.address) == 3, "two batches on chain"
    items = _items(runtime)
    assert [i.status for i in items] == ["final"] * 8
    for item in items:
        receipt = runtime.issuer.for_item(item).receipt
        assert receipt is not None
        assert verify_receipt(receipt, rpc_url=anvil.url, trust=trust).verified
