"""Typed client for the `EvidenceRegistry` contract: anchored roots, supersessions, erasures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import BlockIdentifier

from ledger.chain import Address, checksum
from ledger.compiler import Artifacts
from ledger.consortium import MemberId
from ledger.transactions import Sender, Sent

BLOCKHASH_WINDOW = 256
"""The EVM returns the hashes of the last 256 blocks only: a batch must land within this many
blocks of the block it commits to, or it reverts ``EvidenceRegistryStaleBlockHash``."""


class ReasonCode(IntEnum):
    """Why an evidence item was superseded: the contract's `REASON_*` codes."""

    CORRECTED_METADATA = 1
    BETTER_COPY = 2
    WRONG_CASE = 3
    DUPLICATE = 4
    OTHER = 255


@dataclass(frozen=True, kw_only=True)
class Anchor:
    """The first anchoring of a batch root or a single digest.

    `size` and `sequence` are 0 for a single digest. `notary` is the address the notary
    member `notary_id` anchored from (its key at the time, which may since have rotated).
    """

    block_number: int
    timestamp: int
    size: int
    sequence: int
    notary_id: MemberId
    notary: Address

    @classmethod
    def from_call(cls, fields: Sequence[Any]) -> Anchor | None:
        """Build from the `Anchor` struct returned by `anchorOf`; None for the all-zero one."""
        block_number, timestamp, size, sequence, notary_id, notary = fields
        if int(block_number) == 0:
            return None
        return cls(
            block_number=int(block_number),
            timestamp=int(timestamp),
            size=int(size),
            sequence=int(sequence),
            notary_id=MemberId(int(notary_id)),
            notary=checksum(notary),
        )

    @property
    def is_batch(self) -> bool:
        """Whether this anchors a batch root (rather than a single digest)."""
        return self.sequence != 0


class EvidenceRegistryClient:
    """The `EvidenceRegistry` contract at `address`, acting as the member whose key `sender` holds.

    Hashes (roots, digests, item leaf hashes) are 32 raw bytes; other lengths raise
    `ValueError` before anything is sent. Who may act is checked by the consortium on every
    call, so transactions also raise `TransactionReverted` with ``ConsortiumMemberNotActive``
    (not a member, suspended, or a retired key) or ``ConsortiumMissingRole``. Use `as_sender`
    to act as another member.
    """

    def __init__(self, sender: Sender, *, address: str, abi: list[dict[str, Any]]) -> None:
        self.sender = sender
        self.address = checksum(address)
        self.abi = abi
        self.contract: Contract = sender.contract(self.address, abi)

    def as_sender(self, sender: Sender) -> EvidenceRegistryClient:
        """A client for the same contract that signs with `sender`'s key."""
        return EvidenceRegistryClient(sender, address=self.address, abi=self.abi)

    # -- anchoring ----------------------------------------------------------------------------

    def anchor_batch(
        self,
        root: bytes,
        size: int,
        sequence: int,
        recent_block_number: int,
        recent_block_hash: bytes,
    ) -> Sent:
        """Anchor the Merkle `root` of the caller's batch number `sequence` of `size` leaves.

        The batch commits to block `recent_block_number` with hash `recent_block_hash`, which
        bounds its time from below. The caller must be an active NOTARY member. Reverts
        ``EvidenceRegistryZeroHash``, ``EvidenceRegistryEmptyBatch(root)`` for `size` 0,
        ``EvidenceRegistryBatchOutOfSequence(notary, expected, got)`` unless `sequence` is
        `next_sequence` (so a retried batch never anchors twice),
        ``EvidenceRegistryStaleBlockHash(blockNumber, blockHash)`` unless the hash is that of a
        block among the last `BLOCKHASH_WINDOW` before the transaction's (see `recent_block`),
        and
        ``EvidenceRegistryAlreadyAnchored(root, firstBlock)`` if `root` was anchored before.
        """
        function = self.contract.functions.anchorBatch(
            _hash32(root, "root"),
            size,
            sequence,
            recent_block_number,
            _hash32(recent_block_hash, "recent_block_hash"),
        )
        return self.sender.transact(function)

    def anchor_digest(self, digest: bytes) -> Sent:
        """Anchor a single document `digest`, outside any batch.

        The caller must be an active NOTARY member. Reverts ``EvidenceRegistryZeroHash`` or
        ``EvidenceRegistryAlreadyAnchored(root, firstBlock)`` (digests and roots share one
        namespace).
        """
        return self.sender.transact(self.contract.functions.anchorDigest(_hash32(digest, "digest")))

    # -- supersession and erasure -------------------------------------------------------------

    def supersede(self, item: bytes, replacement: bytes, reason: ReasonCode) -> Sent:
        """Record that evidence item `item` is superseded by `replacement` for `reason`.

        Both are leaf hashes; nothing is deleted. The caller must be an active NOTARY or
        COLLECTOR member (a member with neither reverts ``ConsortiumMissingRole`` naming
        COLLECTOR). Reverts ``EvidenceRegistryZeroHash``, ``EvidenceRegistrySelfSupersession``,
        ``EvidenceRegistryInvalidReason`` (for a raw code that is not a `ReasonCode`), or
        ``EvidenceRegistryAlreadySuperseded(item, replacement)`` naming the recorded replacement.
        """
        function = self.contract.functions.supersede(
            _hash32(item, "item"), _hash32(replacement, "replacement"), int(reason)
        )
        return self.sender.transact(function)

    def record_forgotten(self, item: bytes) -> Sent:
        """Record that the personal data of evidence item `item` (its blob's key) was destroyed.

        The caller must be an active NOTARY member. Reverts ``EvidenceRegistryZeroHash`` or
        ``EvidenceRegistryAlreadyForgotten(item)``.
        """
        return self.sender.transact(self.contract.functions.recordForgotten(_hash32(item, "item")))

    # -- reads --------------------------------------------------------------------------------

    def recent_block(self) -> tuple[int, bytes]:
        """(number, hash) of a block for `anchor_batch` to commit to: the one before the latest.

        Not the latest itself: nodes estimate gas in the context of the latest block, whose
        own hash the EVM does not know yet, so committing to it reverts at estimation.
        """
        number = max(self.sender.chain.latest_block() - 1, 0)
        block = self.sender.chain.rpc(self.sender.chain.w3.eth.get_block, number)
        return number, bytes(block["hash"])

    def consortium_address(self) -> Address:
        """The consortium member registry the contract is bound to."""
        return checksum(self._call(self.contract.functions.consortium()))

    def anchor_of(self, root: bytes) -> Anchor | None:
        """The first anchoring of batch root or digest `root`, or None if it never was."""
        fields = self._call(self.contract.functions.anchorOf(_hash32(root, "root")))
        return Anchor.from_call(fields)

    def is_anchored(self, root: bytes) -> bool:
        """Whether batch root or digest `root` has been anchored."""
        return bool(self._call(self.contract.functions.isAnchored(_hash32(root, "root"))))

    def next_sequence(self, address: str) -> int:
        """The batch number `anchor_batch` expects next from `address` (1 before its first).

        Numbers are per member, so they continue across key rotations; 0 means `address` is
        not a member's current address (a stranger or a retired key) and cannot anchor.
        """
        return int(self._call(self.contract.functions.nextSequence(checksum(address))))

    def superseded_by(self, item: bytes) -> tuple[bytes, ReasonCode] | None:
        """The replacement of `item` and the reason, or None if it was not superseded."""
        replacement, reason = self._call(
            self.contract.functions.supersededBy(_hash32(item, "item"))
        )
        if int(reason) == 0:
            return None
        return bytes(replacement), ReasonCode(reason)

    def forgotten_at(self, item: bytes) -> int | None:
        """Block timestamp at which `item`'s personal data was recorded destroyed, or None."""
        timestamp = int(self._call(self.contract.functions.forgottenAt(_hash32(item, "item"))))
        return timestamp or None

    # -- machinery ----------------------------------------------------------------------------

    def _call(self, function: ContractFunction, block: BlockIdentifier = "latest") -> Any:
        """Run a read-only call; a revert raises `TransactionReverted` with the custom error."""
        try:
            return self.sender.chain.rpc(function.call, block_identifier=block)
        except ContractLogicError as exc:
            data = exc.data if isinstance(exc.data, str) else None
            raise self.sender.errors.reverted(data) from exc


def deploy_evidence_registry(
    sender: Sender, artifacts: Artifacts, consortium_address: str
) -> EvidenceRegistryClient:
    """Deploy an `EvidenceRegistry` bound to the `Consortium` at `consortium_address`.

    Reverts ``EvidenceRegistryInvalidConsortium`` if that address has no code. For tests and
    the demo; production deploys through `ledger.deployments`.
    """
    artifact = artifacts["EvidenceRegistry"]
    address, _ = sender.deploy(artifact, [checksum(consortium_address)])
    return EvidenceRegistryClient(sender, address=address, abi=artifact.abi)


def _hash32(value: bytes, name: str) -> bytes:
    """`value` as 32 raw bytes; raises `ValueError` naming the argument otherwise."""
    raw = bytes(value)
    if len(raw) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(raw)}")
    return raw
