// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/**
 * @title EvidenceRegistry
 * @notice Anchors the evidence logs of notary members batch by batch (and single document digests), and
 * records which evidence items were superseded and whose personal data was destroyed. Nothing is ever
 * deleted or overwritten.
 * @dev Every call asks the {IConsortium} registry whether the caller may act, so suspensions, removals and
 * key rotations take effect at once; its errors ({IConsortium-ConsortiumMemberNotActive},
 * {IConsortium-ConsortiumMissingRole}) bubble up unchanged.
 *
 * Each notary member keeps one append-only evidence log: an RFC 6962 Merkle tree over every evidence
 * record it ever notarized, in order. A batch anchors the root of the whole log after its leaves were
 * appended, with the log's new size, so every batch root extends the previous one (an auditor checks the
 * consistency proof off chain) and one anchored root vouches for all earlier leaves too. Batches are
 * numbered 1, 2, 3, ... per member id (not per address, so a rotated key continues the log) and must come
 * in that order with a growing size: a retried or duplicated batch transaction, or any root anchored
 * before by the member, reverts instead of anchoring twice. The first anchoring of a root is its
 * {BatchAnchored} event, which nothing can replace. A batch also commits to the hash of a recent block,
 * which bounds its time from below.
 *
 * Gas: {anchorBatch} is the cost per batch, so it rewrites one storage slot and writes no new one: the
 * member's batch number, log size, the block of its latest root and that root's first 8 bytes share it.
 * The whole root is in the {BatchAnchored} event of that block. Single digests ({anchorDigest}) keep a
 * slot each, since they are looked up one by one.
 */
contract EvidenceRegistry {
    using SafeCast for uint256;

    /**
     * @notice Where and by whom a single digest was first anchored. All fields are zero if it never was.
     * @param blockNumber Block of the anchoring transaction.
     * @param timestamp Timestamp of that block.
     * @param notaryId Consortium member id of the notary.
     * @param notary Address the notary anchored from (its key at the time).
     */
    struct Anchor {
        uint64 blockNumber;
        uint64 timestamp;
        uint256 notaryId;
        address notary;
    }

    /// @dev An {Anchor} without its notary address, in one storage slot (48 + 48 + 32 bits).
    struct StoredAnchor {
        uint48 blockNumber;
        uint48 timestamp;
        uint32 notaryId;
    }

    /// @dev The evidence log of one notary member, in one slot: its last batch's number, its size, the block
    /// that anchored its latest root and the first 8 bytes of that root (enough to refuse a retried batch;
    /// a false match costs a revert, never a wrong anchor).
    struct NotaryLog {
        uint64 lastSequence;
        uint64 size;
        uint64 rootBlock;
        bytes8 rootPrefix;
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

    mapping(bytes32 digest => StoredAnchor) private _anchors;
    mapping(bytes32 digest => address notary) private _digestNotaries;
    mapping(uint256 notaryId => NotaryLog) private _logs;
    mapping(bytes32 item => Supersession) private _supersessions;
    mapping(bytes32 item => uint64 timestamp) private _forgotten;

    /**
     * @notice A notary anchored batch `sequence` of its evidence log: the log's Merkle `root` once it holds
     * `size` leaves.
     * @param root The Merkle root (RFC 6962) of the notary member's whole log after this batch.
     * @param notaryId Consortium member id of the notary.
     * @param notary Address the notary anchored from.
     * @param sequence The notary member's batch number (1, 2, 3, ...).
     * @param size Number of leaves in the log after this batch (the batch holds those past the previous size).
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
     * @notice A batch must add leaves to the notary member's log: `size` must exceed the log's `logSize`.
     * @param root The root sent.
     * @param logSize The size of the member's log before this batch ({logOf}).
     * @param size The size sent.
     */
    error EvidenceRegistryLogNotExtended(bytes32 root, uint64 logSize, uint64 size);

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
     * @notice `root` was already anchored, first in block `firstBlock`: a single digest, or the latest root
     * of the caller's evidence log.
     * @param root The digest or root.
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
     * @notice Anchors batch number `sequence` of the caller's evidence log: `root` is the Merkle root of the
     * whole log once it holds `size` leaves, made after block `recentBlockNumber` whose hash is
     * `recentBlockHash`.
     * @dev Callable only by an active NOTARY member. Reverts with:
     * - {EvidenceRegistryZeroHash} if `root` is zero;
     * - {EvidenceRegistryAlreadyAnchored} if `root` is the member's latest root (a retried batch), by its
     *   first 8 bytes;
     * - {EvidenceRegistryLogNotExtended} unless `size` is larger than the member's log so far, so no root of
     *   the member is ever anchored twice and the first anchoring time of each stays its own;
     * - {EvidenceRegistryBatchOutOfSequence} unless `sequence` is {nextSequence} of the caller, so a retried
     *   or duplicated batch transaction reverts instead of anchoring twice;
     * - {EvidenceRegistryStaleBlockHash} unless `recentBlockHash` is the non-zero hash of block
     *   `recentBlockNumber` < the current block. The EVM only knows the hashes of the last 256 blocks, so
     *   the batch must be sent within 256 blocks of the one it commits to.
     * That the new log extends the old one (a consistency proof) is checked off chain, by the notary before
     * it signs and by auditors from the events; the contract keeps only the log's size ({logOf}).
     * @param root The log's Merkle root (RFC 6962) after this batch.
     * @param size Number of leaves in the log after this batch.
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
        NotaryLog memory evidenceLog = _logs[notaryId];
        if (bytes8(root) == evidenceLog.rootPrefix) revert EvidenceRegistryAlreadyAnchored(root, evidenceLog.rootBlock);
        if (size <= evidenceLog.size) revert EvidenceRegistryLogNotExtended(root, evidenceLog.size, size);
        uint64 expected = evidenceLog.lastSequence + 1;
        if (sequence != expected) revert EvidenceRegistryBatchOutOfSequence(msg.sender, expected, sequence);
        // blockhash() is zero for the current block, future blocks and blocks older than 256.
        if (
            recentBlockHash == bytes32(0) ||
            recentBlockNumber >= block.number ||
            blockhash(recentBlockNumber) != recentBlockHash
        ) revert EvidenceRegistryStaleBlockHash(recentBlockNumber, recentBlockHash);

        _logs[notaryId] = NotaryLog({
            lastSequence: sequence,
            size: size,
            rootBlock: block.number.toUint64(),
            rootPrefix: bytes8(root)
        });
        emit BatchAnchored(root, notaryId, msg.sender, sequence, size, recentBlockNumber, recentBlockHash);
    }

    /**
     * @notice Anchors a single document `digest`, outside any batch.
     * @dev Callable only by an active NOTARY member. Reverts with {EvidenceRegistryZeroHash} if `digest` is
     * zero, and {EvidenceRegistryAlreadyAnchored} if it was anchored before as a digest.
     * @param digest The document digest.
     */
    function anchorDigest(bytes32 digest) external {
        uint256 notaryId = _requireRole(_NOTARY);
        if (digest == bytes32(0)) revert EvidenceRegistryZeroHash();
        uint48 firstBlock = _anchors[digest].blockNumber;
        if (firstBlock != 0) revert EvidenceRegistryAlreadyAnchored(digest, firstBlock);

        _anchors[digest] = StoredAnchor({
            blockNumber: block.number.toUint48(),
            timestamp: block.timestamp.toUint48(),
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
     * @notice Where and by whom the single `digest` was first anchored ({anchorDigest}).
     * @dev Callable by anyone. Returns an all-zero {Anchor} if it never was. Batch roots are not looked up
     * here: their first anchoring is their {BatchAnchored} event, and {logOf} gives a member's latest.
     * @param digest A single digest.
     * @return anchor Its first anchoring.
     */
    function anchorOf(bytes32 digest) external view returns (Anchor memory anchor) {
        StoredAnchor memory stored = _anchors[digest];
        if (stored.blockNumber == 0) return anchor;
        anchor = Anchor({
            blockNumber: stored.blockNumber,
            timestamp: stored.timestamp,
            notaryId: stored.notaryId,
            notary: _digestNotaries[digest]
        });
    }

    /**
     * @notice Whether the single `digest` has been anchored.
     * @dev Callable by anyone.
     * @param digest A single digest.
     * @return True if it was anchored.
     */
    function isAnchored(bytes32 digest) external view returns (bool) {
        return _anchors[digest].blockNumber != 0;
    }

    /**
     * @notice The evidence log of notary member `notaryId` as its last batch left it.
     * @dev Callable by anyone. All zero before the member's first batch.
     * @param notaryId Consortium member id of the notary.
     * @return lastSequence Number of the member's last batch.
     * @return size Number of leaves in its log.
     * @return rootBlock Block that anchored the log's latest root; its {BatchAnchored} event holds the root.
     * @return rootPrefix The first 8 bytes of that root.
     */
    function logOf(
        uint256 notaryId
    ) external view returns (uint64 lastSequence, uint64 size, uint64 rootBlock, bytes8 rootPrefix) {
        NotaryLog memory evidenceLog = _logs[notaryId];
        return (evidenceLog.lastSequence, evidenceLog.size, evidenceLog.rootBlock, evidenceLog.rootPrefix);
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
        return _logs[notaryId].lastSequence + 1;
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

    /// @dev Whether `reason` is one of the `REASON_*` codes.
    function _isReason(uint8 reason) private pure returns (bool) {
        return (reason >= REASON_CORRECTED_METADATA && reason <= REASON_DUPLICATE) || reason == REASON_OTHER;
    }
}
