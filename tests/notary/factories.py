"""Test data for the notary tests: records, anchors, trees of signed receipts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from notary import (
    Anchor,
    EvidenceRecord,
    MerkleTree,
    Receipt,
    commit,
    leaf_data,
    sha256_bytes,
    sign,
)

NOTARY_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
"""anvil's public dev key #1: fine for tests, never for anything real."""

NOTARY_ADDRESS = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"

SUBMITTER = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"

SALT = bytes(range(32))
"""A fixed salt so vectors are reproducible; a real salt is secret and random."""


def document(n: int = 0) -> bytes:
    """The bytes of test document `n`."""
    return f"AutoLedger test document {n}\n".encode()


def make_record(n: int = 0, **overrides: Any) -> EvidenceRecord:
    """A valid record of test document `n`; keyword `overrides` replace fields."""
    fields: dict[str, Any] = {
        "document_digest": sha256_bytes(document(n)),
        "evidence_type": "call_recording",
        "case_commitment": commit(f"CASE-2026-{n:06d}", SALT),
        "submitter": SUBMITTER,
        "submitted_at": "2026-11-22T13:05:00Z",
        "media_type": "audio/mpeg",
        "size": len(document(n)),
        "metadata": {"channel": "phone-call", "agency-ref": f"AG-{n}"},
    }
    fields.update(overrides)
    return EvidenceRecord(**fields)


def make_anchor(**overrides: Any) -> Anchor:
    """An anchor that looks real but is on no chain (for offline checks)."""
    fields: dict[str, Any] = {
        "chain_id": 31337,
        "contract": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        "tx_hash": "0x" + "ab" * 32,
        "block_number": 42,
        "block_hash": "0x" + "cd" * 32,
        "block_time": "2026-11-22T13:06:00Z",
    }
    fields.update(overrides)
    return Anchor(**fields)


def make_receipts(
    records: Sequence[EvidenceRecord], anchor: Anchor | None = None, *, key: str = NOTARY_KEY
) -> list[Receipt]:
    """One signed receipt per record, all in one tree anchored by `anchor`."""
    tree = MerkleTree([leaf_data(record) for record in records])
    anchor = anchor or make_anchor()
    return [
        sign(
            Receipt(
                record=record,
                leaf_index=index,
                tree_size=tree.size,
                audit_path=tuple(p.hex() for p in tree.inclusion_proof(index)),
                root=tree.root.hex(),
                anchor=anchor,
            ),
            key,
        )
        for index, record in enumerate(records)
    ]
