// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/**
 * @title EvidenceRegistry
 * @notice Anchors the Merkle roots of notarized evidence batches (and single document digests) with the
 * block and time they were first anchored, and records which evidence items were superseded and whose
 * personal data was destroyed. Nothing is ever deleted or overwritten.
 * @dev Every call asks the {IConsortium} registry whether the caller may act, so suspensions, removals and
 * key rotations take effect at once; its errors ({IConsortium-ConsortiumMemberNotActive},
 * {IConsortium-ConsortiumMissingRole}) bubble up unchanged.
 *
 * Batches of each notary member are numbered 1, 2, 3, ... per member id (not per address, so a rotated key
 * continues the numbering) and must be anchored in that order: a retried or duplicated batch transaction
 * reverts instead of anchoring twice. A batch also commits to the hash of a recent block, which bounds its
 * time from below.
 *
 * Gas: {anchorBatch} is the per-batch cost, so an anchor takes one storage slot (block, time, size,
 * sequence, member id) and the notary's address is not stored per anchor: it is derived from the notary's
 * key history, which gets an entry only when a member anchors its first batch with a new key.
 */
contract EvidenceRegistry {
    using SafeCast for uint256;

    /**
     * @notice Where and by whom a root or digest was first anchored. All fields are zero if it never was.
     * @param blockNumber Block of the anchoring transaction.
     * @param timestamp Timestamp of that block.
     * @param size Number of leaves of the batch; 0 for a single digest.
     * @param sequence The notary member's batch sequence number; 0 for a single digest.
     * @param notaryId Consortium member id of the notary.
     * @param notary Address the notary anchored from (its key at the time).
     */
    struct Anchor {
        uint64 blockNumber;
        uint64 timestamp;
        uint64 size;
        uint64 sequence;
        uint256 notaryId;
        address notary;
    }

    /// @dev An {Anchor} without its notary address, in one storage slot (48 + 48 + 64 + 64 + 32 bits).
    struct StoredAnchor {
        uint48 blockNumber;
        uint48 timestamp;
        uint64 size;
        uint64 sequence;
        uint32 notaryId;
    }

    /// @dev Batch state of one notary member, in one slot: the key of its last batch and that batch's number.
    struct NotaryState {
        address key;
        uint64 lastSequence;
    }

    /// @dev From batch `fromSequence` on, up to the next entry, the notary member anchored with `key`.
    struct NotaryKey {
        uint64 fromSequence;
        address key;
    }

    /// @dev What superseded an item, and why.
    struct Supersession {
        bytes32 replacement;
        uint8 reason;
    }

    /// @notice Supersession reason: the replacement corrects the item's metadata. Callable by anyone.
    uint8 public constant REASON_CORRECTED_METADATA = 1;
    /// @notice Supersession reason: the replacement is a better copy of the same document. Callable by anyone.
    uint8 public constant REASON_BETTER_COPY = 2;
    /// @notice Supersession reason: the item was filed under the wrong case. Callable by anyone.
    uint8 public constant REASON_WRONG_CASE = 3;
    /// @notice Supersession reason: the item duplicates the replacement. Callable by anyone.
    uint8 public constant REASON_DUPLICATE = 4;
    /// @notice Supersession reason: any other reason, explained off chain. Callable by anyone.
    uint8 public constant REASON_OTHER = 255;

    /// @dev Role identifiers as {IConsortium} defines them: keccak256 of the role name.
    bytes32 private constant _NOTARY = keccak256("NOTARY");
    bytes32 private constant _COLLECTOR = keccak256("COLLECTOR");

    IConsortium private immutable _consortium;

    mapping(bytes32 rootOrDigest => StoredAnchor) private _anchors;
    mapping(bytes32 digest => address notary) private _digestNotaries;
    mapping(uint256 notaryId => NotaryState) private _notaries;
    mapping(uint256 notaryId => NotaryKey[]) private _notaryKeys;
    mapping(bytes32 item => Supersession) private _supersessions;
    mapping(bytes32 item => uint64 timestamp) private _forgotten;

    /**
     * @notice A notary anchored the Merkle `root` of a batch of `size` evidence leaves.
     * @param root The batch's Merkle root (RFC 6962).
     * @param notaryId Consortium member id of the notary.
     * @param notary Address the notary anchored from.
     * @param sequence The notary member's batch number (1, 2, 3, ...).
     * @param size Number of leaves in the batch.
     * @param recentBlockNumber Number of the recent block the batch commits to.
     * @param recentBlockHash Hash of that block: the batch was made after it.
     */
    event BatchAnchored(
        bytes32 indexed root,
        uint256 indexed notaryId,
        address indexed notary,
        uint64 sequence,
        uint64 size,
        uint64 recentBlockNumber,
        bytes32 recentBlockHash
    );

    /**
     * @notice A notary anchored a single document `digest`.
     * @param digest The digest.
     * @param notaryId Consortium member id of the notary.
     * @param notary Address the notary anchored from.
     */
    event DigestAnchored(bytes32 indexed digest, uint256 indexed notaryId, address indexed notary);

    /**
     * @notice Evidence item `item` was superseded by `replacement`; both stay on record.
     * @param item Leaf hash of the superseded item.
     * @param replacement Leaf hash of the item that replaces it.
     * @param reason One of the `REASON_*` codes.
     * @param byMemberId Consortium member id of the caller.
     * @param by Address of the caller (a notary, or a collector, possibly relayed by the service).
     */
    event ItemSuperseded(
        bytes32 indexed item,
        bytes32 indexed replacement,
        uint8 reason,
        uint256 byMemberId,
        address by
    );

    /**
     * @notice The personal data of evidence item `item` was destroyed (its blob's key); its proof remains.
     * @param item Leaf hash of the item.
     * @param byMemberId Consortium member id of the notary.
     * @param by Address of the notary.
     */
    event PersonalDataForgotten(bytes32 indexed item, uint256 byMemberId, address by);

    /**
     * @notice `consortium` has no code, so it cannot be the member registry.
     * @param consortium The address given to the constructor.
     */
    error EvidenceRegistryInvalidConsortium(address consortium);

    /// @notice A root, digest or item hash was zero.
    error EvidenceRegistryZeroHash();

    /**
     * @notice A batch must have at least one leaf.
     * @param root The batch's root.
     */
    error EvidenceRegistryEmptyBatch(bytes32 root);

    /**
     * @notice `notary` sent batch number `got`, but its member's next batch is `expected`.
     * @param notary The caller.
     * @param expected The next batch number of the caller's member ({nextSequence}).
     * @param got The batch number sent.
     */
    error EvidenceRegistryBatchOutOfSequence(address notary, uint64 expected, uint64 got);

    /**
     * @notice `blockHash` is not the hash of block `blockNumber` as seen now: zero, a wrong hash, a block
     * not yet mined (or the current one), or a block older than the 256 whose hashes the EVM keeps.
     * @param blockNumber The recent block number sent.
     * @param blockHash The recent block hash sent.
     */
    error EvidenceRegistryStaleBlockHash(uint64 blockNumber, bytes32 blockHash);

    /**
     * @notice `root` (a batch root or single digest) was already anchored, first in block `firstBlock`.
     * @param root The root or digest.
     * @param firstBlock Block of its first anchoring, which stays its anchoring block.
     */
    error EvidenceRegistryAlreadyAnchored(bytes32 root, uint64 firstBlock);

    /**
     * @notice An item cannot supersede itself.
     * @param item The item.
     */
    error EvidenceRegistrySelfSupersession(bytes32 item);

    /**
     * @notice `reason` is not one of the `REASON_*` codes.
     * @param reason The code sent.
     */
    error EvidenceRegistryInvalidReason(uint8 reason);

    /**
     * @notice `item` was already superseded by `replacement`; an item is superseded once.
     * @param item The item.
     * @param replacement Its recorded replacement.
     */
    error EvidenceRegistryAlreadySuperseded(bytes32 item, bytes32 replacement);

    /**
     * @notice The personal data of `item` was already recorded as destroyed.
     * @param item The item.
     */
    error EvidenceRegistryAlreadyForgotten(bytes32 item);

    /**
     * @notice Binds the registry to the consortium member registry at `consortium`, for good.
     * @dev Callable by anyone (deployment). Reverts with {EvidenceRegistryInvalidConsortium} if `consortium_`
     * has no code.
     * @param consortium_ The {IConsortium} registry that decides who may act.
     */
    constructor(IConsortium consortium_) {
        if (address(consortium_).code.length == 0) revert EvidenceRegistryInvalidConsortium(address(consortium_));
        _consortium = consortium_;
    }

    // ---------------------------------------------------------------------------------------------
    // Anchoring
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Anchors the Merkle `root` of the caller's batch number `sequence`, of `size` leaves, made after
     * block `recentBlockNumber` whose hash is `recentBlockHash`.
     * @dev Callable only by an active NOTARY member. Reverts with:
     * - {EvidenceRegistryZeroHash} if `root` is zero, {EvidenceRegistryEmptyBatch} if `size` is 0;
     * - {EvidenceRegistryBatchOutOfSequence} unless `sequence` is {nextSequence} of the caller, so a retried
     *   or duplicated batch transaction reverts instead of anchoring twice;
     * - {EvidenceRegistryStaleBlockHash} unless `recentBlockHash` is the non-zero hash of block
     *   `recentBlockNumber` < the current block. The EVM only knows the hashes of the last 256 blocks, so
     *   the batch must be sent within 256 blocks of the one it commits to;
     * - {EvidenceRegistryAlreadyAnchored} if `root` was anchored before, as a batch or a digest: the first
     *   anchoring time of a root never changes.
     * @param root The batch's Merkle root (RFC 6962).
     * @param size Number of leaves in the batch, > 0.
     * @param sequence The batch number: 1 for the member's first batch, then one more each time.
     * @param recentBlockNumber A block at most 256 blocks before the one the transaction lands in.
     * @param recentBlockHash The hash of block `recentBlockNumber`.
     */
    function anchorBatch(
        bytes32 root,
        uint64 size,
        uint64 sequence,
        uint64 recentBlockNumber,
        bytes32 recentBlockHash
    ) external {
        uint256 notaryId = _requireRole(_NOTARY);
        if (root == bytes32(0)) revert EvidenceRegistryZeroHash();
        if (size == 0) revert EvidenceRegistryEmptyBatch(root);
        NotaryState memory state = _notaries[notaryId];
        uint64 expected = state.lastSequence + 1;
        if (sequence != expected) revert EvidenceRegistryBatchOutOfSequence(msg.sender, expected, sequence);
        // blockhash() is zero for the current block, future blocks and blocks older than 256.
        if (
            recentBlockHash == bytes32(0) ||
            recentBlockNumber >= block.number ||
            blockhash(recentBlockNumber) != recentBlockHash
        ) revert EvidenceRegistryStaleBlockHash(recentBlockNumber, recentBlockHash);
        _requireNotAnchored(root);

        _anchors[root] = StoredAnchor({
            blockNumber: block.number.toUint48(),
            timestamp: block.timestamp.toUint48(),
            size: size,
            sequence: sequence,
            notaryId: notaryId.toUint32()
        });
        if (state.key != msg.sender) {
            // First batch of this member, or first since a key rotation.
            _notaryKeys[notaryId].push(NotaryKey({fromSequence: sequence, key: msg.sender}));
        }
        _notaries[notaryId] = NotaryState({key: msg.sender, lastSequence: sequence});
        emit BatchAnchored(root, notaryId, msg.sender, sequence, size, recentBlockNumber, recentBlockHash);
    }

    /**
     * @notice Anchors a single document `digest`, outside any batch.
     * @dev Callable only by an active NOTARY member. Reverts with {EvidenceRegistryZeroHash} if `digest` is
     * zero, and {EvidenceRegistryAlreadyAnchored} if it was anchored before (as a digest or a batch root).
     * @param digest The document digest.
     */
    function anchorDigest(bytes32 digest) external {
        uint256 notaryId = _requireRole(_NOTARY);
        if (digest == bytes32(0)) revert EvidenceRegistryZeroHash();
        _requireNotAnchored(digest);

        _anchors[digest] = StoredAnchor({
            blockNumber: block.number.toUint48(),
            timestamp: block.timestamp.toUint48(),
            size: 0,
            sequence: 0,
            notaryId: notaryId.toUint32()
        });
        _digestNotaries[digest] = msg.sender;
        emit DigestAnchored(digest, notaryId, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Supersession and erasure
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Records that evidence item `item` is superseded by `replacement`, for `reason`. Nothing is
     * deleted: both items and their proofs stay valid; readers follow {supersededBy}.
     * @dev Callable only by an active NOTARY or COLLECTOR member (the service relays a collector's
     * supersession). A non-member or suspended member reverts with {IConsortium-ConsortiumMemberNotActive},
     * an active member with neither role with {IConsortium-ConsortiumMissingRole} naming COLLECTOR. Also
     * reverts with {EvidenceRegistryZeroHash} if either hash is zero, {EvidenceRegistrySelfSupersession} if
     * they are equal, {EvidenceRegistryInvalidReason} for a reason that is not a `REASON_*` code, and
     * {EvidenceRegistryAlreadySuperseded} if `item` was superseded before.
     * @param item Leaf hash of the superseded item.
     * @param replacement Leaf hash of the item that replaces it.
     * @param reason One of the `REASON_*` codes.
     */
    function supersede(bytes32 item, bytes32 replacement, uint8 reason) external {
        uint256 memberId = _consortium.hasActiveRole(_NOTARY, msg.sender)
            ? _consortium.memberIdOf(msg.sender)
            : _requireRole(_COLLECTOR);
        if (item == bytes32(0) || replacement == bytes32(0)) revert EvidenceRegistryZeroHash();
        if (item == replacement) revert EvidenceRegistrySelfSupersession(item);
        if (!_isReason(reason)) revert EvidenceRegistryInvalidReason(reason);
        Supersession storage existing = _supersessions[item];
        if (existing.reason != 0) revert EvidenceRegistryAlreadySuperseded(item, existing.replacement);

        _supersessions[item] = Supersession({replacement: replacement, reason: reason});
        emit ItemSuperseded(item, replacement, reason, memberId, msg.sender);
    }

    /**
     * @notice Records that the personal data of evidence item `item` was destroyed (the key of its
     * encrypted blob); the item's proof of existence remains.
     * @dev Callable only by an active NOTARY member. Reverts with {EvidenceRegistryZeroHash} if `item` is
     * zero and {EvidenceRegistryAlreadyForgotten} if it was recorded before.
     * @param item Leaf hash of the item.
     */
    function recordForgotten(bytes32 item) external {
        uint256 memberId = _requireRole(_NOTARY);
        if (item == bytes32(0)) revert EvidenceRegistryZeroHash();
        if (_forgotten[item] != 0) revert EvidenceRegistryAlreadyForgotten(item);

        _forgotten[item] = block.timestamp.toUint64();
        emit PersonalDataForgotten(item, memberId, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice The consortium member registry that decides who may act.
     * @dev Callable by anyone.
     * @return The registry.
     */
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /**
     * @notice Where and by whom `rootOrDigest` was first anchored.
     * @dev Callable by anyone. Returns an all-zero {Anchor} if it never was.
     * @param rootOrDigest A batch root or single digest.
     * @return anchor Its first anchoring.
     */
    function anchorOf(bytes32 rootOrDigest) external view returns (Anchor memory anchor) {
        StoredAnchor memory stored = _anchors[rootOrDigest];
        if (stored.blockNumber == 0) return anchor;
        anchor = Anchor({
            blockNumber: stored.blockNumber,
            timestamp: stored.timestamp,
            size: stored.size,
            sequence: stored.sequence,
            notaryId: stored.notaryId,
            notary: stored.sequence == 0
                ? _digestNotaries[rootOrDigest]
                : _keyAt(stored.notaryId, stored.sequence)
        });
    }

    /**
     * @notice Whether `rootOrDigest` has been anchored.
     * @dev Callable by anyone.
     * @param rootOrDigest A batch root or single digest.
     * @return True if it was anchored.
     */
    function isAnchored(bytes32 rootOrDigest) external view returns (bool) {
        return _anchors[rootOrDigest].blockNumber != 0;
    }

    /**
     * @notice The batch number {anchorBatch} expects next from `notary`.
     * @dev Callable by anyone. Numbers are per member id, so they continue across key rotations. Returns 0
     * if `notary` is not the current address of a member (e.g. a retired key): it cannot anchor.
     * @param notary The address the notary sends from.
     * @return The next batch number (1 before the member's first batch), or 0.
     */
    function nextSequence(address notary) external view returns (uint64) {
        uint256 notaryId = _consortium.memberIdOf(notary);
        if (notaryId == 0) return 0;
        return _notaries[notaryId].lastSequence + 1;
    }

    /**
     * @notice What superseded `item`, and why.
     * @dev Callable by anyone. Returns zeros if `item` was not superseded.
     * @param item Leaf hash of an evidence item.
     * @return replacement Leaf hash of its replacement.
     * @return reason The `REASON_*` code.
     */
    function supersededBy(bytes32 item) external view returns (bytes32 replacement, uint8 reason) {
        Supersession storage s = _supersessions[item];
        return (s.replacement, s.reason);
    }

    /**
     * @notice When the personal data of `item` was recorded as destroyed.
     * @dev Callable by anyone.
     * @param item Leaf hash of an evidence item.
     * @return timestamp Block timestamp of {recordForgotten}, or 0 if it was not recorded.
     */
    function forgottenAt(bytes32 item) external view returns (uint64 timestamp) {
        return _forgotten[item];
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev Reverts (with the consortium's error) unless the caller is an active member holding `role`.
    function _requireRole(bytes32 role) private view returns (uint256 memberId) {
        _consortium.requireActiveRole(role, msg.sender);
        return _consortium.memberIdOf(msg.sender);
    }

    /// @dev Reverts with {EvidenceRegistryAlreadyAnchored} if `root` has an anchor.
    function _requireNotAnchored(bytes32 root) private view {
        uint48 firstBlock = _anchors[root].blockNumber;
        if (firstBlock != 0) revert EvidenceRegistryAlreadyAnchored(root, firstBlock);
    }

    /// @dev The key notary member `notaryId` used for its batch number `sequence` (>= 1, anchored).
    function _keyAt(uint256 notaryId, uint64 sequence) private view returns (address) {
        NotaryKey[] storage keys = _notaryKeys[notaryId];
        for (uint256 i = keys.length; i > 0; --i) {
            NotaryKey storage entry = keys[i - 1];
            if (entry.fromSequence <= sequence) return entry.key;
        }
        // Unreachable for an anchored batch: the member's first entry starts at its batch 1.
        return address(0);
    }

    /// @dev Whether `reason` is one of the `REASON_*` codes.
    function _isReason(uint8 reason) private pure returns (bool) {
        return (reason >= REASON_CORRECTED_METADATA && reason <= REASON_DUPLICATE) || reason == REASON_OTHER;
    }
}
