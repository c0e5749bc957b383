"""Typed client for the `EvidenceRegistry` contract: anchored roots, supersessions, erasures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_utils.abi import event_abi_to_log_topic
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import BlockIdentifier

from ledger.chain import Address, checksum
from ledger.compiler import Artifacts
from ledger.consortium import MemberId
from ledger.logs import iter_events
from ledger.transactions import Sender, Sent

_MEMBER_ID_OF = [
    {
        "type": "function",
        "name": "memberIdOf",
        "stateMutability": "view",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]
"""The one function of the consortium registry this client reads (IConsortium.memberIdOf)."""

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
    """The first anchoring of a single digest (`anchor_digest`).

    `notary` is the address the notary member `notary_id` anchored from (its key at the time,
    which may since have rotated).
    """

    block_number: int
    timestamp: int
    notary_id: MemberId
    notary: Address

    @classmethod
    def from_call(cls, fields: Sequence[Any]) -> Anchor | None:
        """Build from the `Anchor` struct returned by `anchorOf`; None for the all-zero one."""
        block_number, timestamp, notary_id, notary = fields
        if int(block_number) == 0:
            return None
        return cls(
            block_number=int(block_number),
            timestamp=int(timestamp),
            notary_id=MemberId(int(notary_id)),
            notary=checksum(notary),
        )


@dataclass(frozen=True, kw_only=True)
class EvidenceLog:
    """A notary member's evidence log as its last batch left it (all zero before the first):
    the block of its latest root and that root's first 8 bytes (the whole root is in the
    block's `BatchAnchored` event, see `find_batch`)."""

    last_sequence: int
    size: int
    root_block: int
    root_prefix: bytes


@dataclass(frozen=True, kw_only=True)
class BatchAnchor:
    """One `BatchAnchored` event: batch `sequence` made the notary's log `size` leaves with
    Merkle `root`, in transaction `tx_hash` of block `block_number`."""

    root: bytes
    notary_id: MemberId
    notary: Address
    sequence: int
    size: int
    recent_block_number: int
    recent_block_hash: bytes
    block_number: int
    block_hash: str
    tx_hash: str


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
        """Anchor batch `sequence` of the caller's evidence log: `root` is the Merkle root of
        the whole log once it holds `size` leaves.

        The batch commits to block `recent_block_number` with hash `recent_block_hash`, which
        bounds its time from below. The caller must be an active NOTARY member. Reverts
        ``EvidenceRegistryZeroHash``,
        ``EvidenceRegistryAlreadyAnchored(root, firstBlock)`` if `root` is the log's latest root,
        ``EvidenceRegistryLogNotExtended(root, logSize, size)`` unless `size` exceeds the log's
        size so far (so no root is anchored twice),
        ``EvidenceRegistryBatchOutOfSequence(notary, expected, got)`` unless `sequence` is
        `next_sequence` (so a retried batch never anchors twice), and
        ``EvidenceRegistryStaleBlockHash(blockNumber, blockHash)`` unless the hash is that of a
        block among the last `BLOCKHASH_WINDOW` before the transaction's (see `recent_block`).
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
        ``EvidenceRegistryAlreadyAnchored(digest, firstBlock)``.
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

    def anchor_of(self, digest: bytes) -> Anchor | None:
        """The first anchoring of the single `digest`, or None if it never was."""
        fields = self._call(self.contract.functions.anchorOf(_hash32(digest, "digest")))
        return Anchor.from_call(fields)

    def is_anchored(self, digest: bytes) -> bool:
        """Whether the single `digest` has been anchored."""
        return bool(self._call(self.contract.functions.isAnchored(_hash32(digest, "digest"))))

    def member_id(self, address: str) -> MemberId:
        """The consortium member id whose current key is `address` (0 for none)."""
        consortium = self.sender.contract(self.consortium_address(), _MEMBER_ID_OF)
        return MemberId(int(self._call(consortium.functions.memberIdOf(checksum(address)))))

    def log_of(self, notary_id: int) -> EvidenceLog:
        """The evidence log of notary member `notary_id` as its last batch left it."""
        sequence, size, block, prefix = self._call(self.contract.functions.logOf(notary_id))
        return EvidenceLog(
            last_sequence=int(sequence),
            size=int(size),
            root_block=int(block),
            root_prefix=bytes(prefix),
        )

    def batch_anchors(self, receipt: Mapping[str, Any]) -> list[BatchAnchor]:
        """The `BatchAnchored` events of this contract in a mined transaction's `receipt`."""
        event = self.contract.events.BatchAnchored()
        topic = bytes(event_abi_to_log_topic(event.abi))
        found = []
        for entry in receipt["logs"]:
            if checksum(entry["address"]) != self.address or not entry["topics"]:
                continue
            if bytes(entry["topics"][0]) != topic:
                continue
            found.append(_batch_anchor(event.process_log(entry)))
        return found

    def find_batch(self, root: bytes, *, from_block: int) -> BatchAnchor | None:
        """The first `BatchAnchored` event of `root` in a block from `from_block` on, or None."""
        event = self.contract.events.BatchAnchored()
        filters = {"root": _hash32(root, "root")}
        for log in iter_events(
            self.sender.chain, event, argument_filters=filters, from_block=from_block
        ):
            return _batch_anchor(log)
        return None

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


def _batch_anchor(log: Any) -> BatchAnchor:
    args = log["args"]
    return BatchAnchor(
        root=bytes(args["root"]),
        notary_id=MemberId(int(args["notaryId"])),
        notary=checksum(args["notary"]),
        sequence=int(args["sequence"]),
        size=int(args["size"]),
        recent_block_number=int(args["recentBlockNumber"]),
        recent_block_hash=bytes(args["recentBlockHash"]),
        block_number=int(log["blockNumber"]),
        block_hash="0x" + bytes(log["blockHash"]).hex(),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
    )


def _hash32(value: bytes, name: str) -> bytes:
    """`value` as 32 raw bytes; raises `ValueError` naming the argument otherwise."""
    raw = bytes(value)
    if len(raw) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(raw)}")
    return raw
