// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IFloorPlan} from "./interfaces/IFloorPlan.sol";

/**
 * @title LotAudit
 * @notice Lot audits of the vehicles financed on a floor-plan credit line: which vehicles must be checked is
 * drawn so that the dealer cannot predict it, each checked vehicle is recorded as found, missing or
 * unexpected with the digest of its evidence (photos, GPS), and a missing financed vehicle raises a
 * sold-out-of-trust alert on the {FloorPlan} and, if the audit says so, freezes the line.
 * @dev Deployed by the {FloorPlan} it serves, in the floor plan's constructor: that is how each trusts the
 * other without a setter (the floor plan accepts {IFloorPlan-reportMissing} only from this contract).
 *
 * The draw. A sampled audit is opened with `commitment = keccak256(abi.encode(secret))` of a secret the
 * opener keeps. The seed is `keccak256(abi.encode(secret, blockhash(drawBlock)))`, where `drawBlock` is the
 * block after the opening one: the dealer does not know the secret, and the opener could not know the
 * block hash when it committed, so neither can steer the draw. Vehicle `vinHash` is selected when
 * `uint256(keccak256(abi.encode(seed, vinHash))) % 10_000 < sampleBps` ({isSelected}). The reveal must come
 * within the 256 blocks whose hashes the EVM keeps; after that the audit can only be closed. A "check all"
 * audit (`sampleBps` 10,000) needs no draw.
 *
 * Completeness. The floor plan does not enumerate a line's vehicles on chain (that would cost every advance
 * two more storage slots), so the contract checks every finding (financed on the line, selected, once) and
 * the set of selected vehicles a closed audit should cover is recomputed off chain from the floor plan's
 * events and the revealed seed.
 */
contract LotAudit {
    using SafeCast for uint256;

    /// @notice Lifecycle of an audit.
    enum AuditStatus {
        None,
        Committed,
        Revealed,
        Closed
    }

    /// @notice What an auditor recorded about a vehicle.
    enum Outcome {
        None,
        Found,
        Missing,
        Unexpected
    }

    /**
     * @notice A vehicle's audit result.
     * @param vinHash The vehicle.
     * @param outcome Found / Missing (a selected vehicle financed on the line) or Unexpected (on the lot but
     * not financed on the line).
     * @param evidence Digest of the evidence (photos, GPS track), not zero.
     */
    struct Finding {
        bytes32 vinHash;
        Outcome outcome;
        bytes32 evidence;
    }

    /**
     * @notice An audit.
     * @param lineId The audited line.
     * @param openerId Member id of the auditor or lender that opened it.
     * @param sampleBps Share of the financed vehicles drawn, in basis points; 10,000 checks all.
     * @param freezeOnMissing Whether a missing vehicle freezes the line.
     * @param status Lifecycle state.
     * @param drawBlock Block whose hash seeds the draw (0 for check-all).
     * @param found Vehicles recorded found.
     * @param missing Vehicles recorded missing.
     * @param unexpected Vehicles recorded unexpected.
     * @param commitment keccak256 of the opener's secret (zero for check-all).
     * @param seed The seed of the draw, once revealed (zero for check-all).
     */
    struct Audit {
        uint32 lineId;
        uint32 openerId;
        uint16 sampleBps;
        bool freezeOnMissing;
        AuditStatus status;
        uint40 drawBlock;
        uint32 found;
        uint32 missing;
        uint32 unexpected;
        bytes32 commitment;
        bytes32 seed;
    }

    /// @notice `sampleBps` of a check-all audit. Callable by anyone.
    uint16 public constant CHECK_ALL = 10_000;
    /// @notice Blocks between the opening block and the block whose hash seeds the draw. Callable by anyone.
    uint256 public constant DRAW_DELAY = 1;

    bytes32 private constant _LENDER = keccak256("LENDER");
    bytes32 private constant _AUDITOR = keccak256("AUDITOR");

    IConsortium private immutable _consortium;
    IFloorPlan private immutable _floorPlan;

    mapping(uint256 auditId => Audit) private _audits;
    mapping(uint256 auditId => mapping(bytes32 vinHash => Outcome)) private _outcomes;
    uint256 private _auditCount;

    /**
     * @notice An audit of line `lineId` was opened.
     * @param auditId New audit id.
     * @param lineId The line.
     * @param openerId Member id of the opener.
     * @param opener Address of the opener.
     * @param sampleBps Share drawn, 10,000 for check-all.
     * @param freezeOnMissing Whether a missing vehicle freezes the line.
     * @param drawBlock Block whose hash seeds the draw (0 for check-all).
     * @param commitment keccak256 of the opener's secret (zero for check-all).
     */
    event AuditOpened(
        uint256 indexed auditId,
        uint256 indexed lineId,
        uint256 indexed openerId,
        address opener,
        uint256 sampleBps,
        bool freezeOnMissing,
        uint256 drawBlock,
        bytes32 commitment
    );

    /**
     * @notice The opener revealed its secret: the draw's seed is fixed.
     * @param auditId The audit.
     * @param secret The secret.
     * @param seed The seed of the draw.
     */
    event AuditRevealed(uint256 indexed auditId, bytes32 secret, bytes32 seed);

    /**
     * @notice A vehicle's audit result was recorded.
     * @param auditId The audit.
     * @param vinHash The vehicle.
     * @param outcome Found, Missing or Unexpected.
     * @param evidence Digest of the evidence.
     */
    event VehicleAudited(uint256 indexed auditId, bytes32 indexed vinHash, Outcome outcome, bytes32 evidence);

    /**
     * @notice The audit was closed; no more results can be recorded.
     * @param auditId The audit.
     * @param found Vehicles found.
     * @param missing Vehicles missing.
     * @param unexpected Vehicles unexpected.
     */
    event AuditClosed(uint256 indexed auditId, uint256 found, uint256 missing, uint256 unexpected);

    /**
     * @notice `consortium` has no code, so it cannot be the member registry.
     * @param consortium The address given to the constructor.
     */
    error LotAuditInvalidConsortium(address consortium);

    /**
     * @notice No audit has id `auditId`.
     * @param auditId The audit id.
     */
    error LotAuditUnknownAudit(uint256 auditId);

    /**
     * @notice `account` holds LENDER but is not the lender of line `lineId` (and does not hold AUDITOR).
     * @param lineId The line.
     * @param account The caller.
     */
    error LotAuditNotLineLender(uint256 lineId, address account);

    /**
     * @notice Only the active member that opened audit `auditId` may act on it.
     * @param auditId The audit.
     * @param account The caller.
     */
    error LotAuditNotOpener(uint256 auditId, address account);

    /**
     * @notice Line `lineId` is closed: there is nothing to audit.
     * @param lineId The line.
     */
    error LotAuditLineClosed(uint256 lineId);

    /**
     * @notice The sample share must be 1..10,000 basis points.
     * @param sampleBps The share sent.
     */
    error LotAuditInvalidSample(uint256 sampleBps);

    /// @notice A sampled audit needs a non-zero commitment.
    error LotAuditMissingCommitment();

    /**
     * @notice Audit `auditId` is `status`, which does not allow the operation.
     * @param auditId The audit.
     * @param status Its status.
     */
    error LotAuditInvalidStatus(uint256 auditId, AuditStatus status);

    /**
     * @notice The hash of draw block `drawBlock` is not known yet: reveal after that block is mined.
     * @param auditId The audit.
     * @param drawBlock The draw block.
     */
    error LotAuditDrawNotReady(uint256 auditId, uint256 drawBlock);

    /**
     * @notice Draw block `drawBlock` is more than 256 blocks old: its hash is gone; close the audit and
     * open a new one.
     * @param auditId The audit.
     * @param drawBlock The draw block.
     */
    error LotAuditDrawExpired(uint256 auditId, uint256 drawBlock);

    /**
     * @notice The secret does not match the audit's commitment.
     * @param auditId The audit.
     */
    error LotAuditWrongSecret(uint256 auditId);

    /**
     * @notice A finding needs an outcome and a non-zero evidence digest.
     * @param vinHash The vehicle.
     */
    error LotAuditInvalidFinding(bytes32 vinHash);

    /**
     * @notice `vinHash` already has a result in audit `auditId`.
     * @param auditId The audit.
     * @param vinHash The vehicle.
     */
    error LotAuditAlreadyRecorded(uint256 auditId, bytes32 vinHash);

    /**
     * @notice `vinHash` is not an unsold vehicle financed on the audited line, so it cannot be found or
     * missing (record it as unexpected if it stands on the lot).
     * @param auditId The audit.
     * @param vinHash The vehicle.
     */
    error LotAuditNotFinancedOnLine(uint256 auditId, bytes32 vinHash);

    /**
     * @notice `vinHash` was not drawn for checking in audit `auditId`.
     * @param auditId The audit.
     * @param vinHash The vehicle.
     */
    error LotAuditNotSelected(uint256 auditId, bytes32 vinHash);

    /**
     * @notice `vinHash` is financed on the audited line, so it is expected: record it found.
     * @param auditId The audit.
     * @param vinHash The vehicle.
     */
    error LotAuditVehicleExpected(uint256 auditId, bytes32 vinHash);

    /**
     * @notice Binds the audits to the consortium registry and to the floor plan `floorPlan_` (the deployer).
     * @dev Callable by anyone, but only the floor plan's own deployment is trusted by it. Reverts with
     * {LotAuditInvalidConsortium} if `consortium_` has no code.
     * @param consortium_ The {IConsortium} registry that decides who may act.
     * @param floorPlan_ The floor plan whose lines are audited.
     */
    constructor(IConsortium consortium_, IFloorPlan floorPlan_) {
        if (address(consortium_).code.length == 0) revert LotAuditInvalidConsortium(address(consortium_));
        _consortium = consortium_;
        _floorPlan = floorPlan_;
    }

    /**
     * @notice Opens an audit of line `lineId` drawing `sampleBps` of its financed vehicles (10,000: all of
     * them), committed to the opener's secret by `commitment = keccak256(abi.encode(secret))`.
     * @dev Callable by an active AUDITOR member, or by the line's lender (active LENDER); another member
     * reverts with {IConsortium-ConsortiumMissingRole} naming LENDER, or {LotAuditNotLineLender}. Reverts
     * with {IFloorPlan-FloorPlanUnknownLine}, {LotAuditLineClosed}, {LotAuditInvalidSample}, and
     * {LotAuditMissingCommitment} for a sampled audit without a commitment. A check-all audit ignores
     * `commitment` and can record results at once; a sampled one must first be revealed
     * ({revealAudit}) after its draw block.
     * @param lineId The line.
     * @param sampleBps Share of vehicles drawn, 1..10,000 basis points.
     * @param commitment keccak256(abi.encode(secret)).
     * @param freezeOnMissing Whether a missing vehicle freezes the line against new advances.
     * @return auditId The new audit id (1, 2, 3, ...).
     */
    function openAudit(
        uint256 lineId,
        uint256 sampleBps,
        bytes32 commitment,
        bool freezeOnMissing
    ) external returns (uint256 auditId) {
        bool auditor = _consortium.hasActiveRole(_AUDITOR, msg.sender);
        if (!auditor) _consortium.requireActiveRole(_LENDER, msg.sender);
        uint256 openerId = _consortium.memberIdOf(msg.sender);
        IFloorPlan.Line memory line = _floorPlan.line(lineId);
        if (!auditor && openerId != line.lenderId) revert LotAuditNotLineLender(lineId, msg.sender);
        if (line.status == IFloorPlan.LineStatus.Closed) revert LotAuditLineClosed(lineId);
        if (sampleBps == 0 || sampleBps > CHECK_ALL) revert LotAuditInvalidSample(sampleBps);
        bool checkAll = sampleBps == CHECK_ALL;
        if (checkAll) {
            commitment = bytes32(0);
        } else if (commitment == bytes32(0)) {
            revert LotAuditMissingCommitment();
        }
        uint256 drawBlock = checkAll ? 0 : block.number + DRAW_DELAY;
        auditId = ++_auditCount;
        _audits[auditId] = Audit({
            lineId: lineId.toUint32(),
            openerId: openerId.toUint32(),
            sampleBps: uint16(sampleBps),
            freezeOnMissing: freezeOnMissing,
            status: checkAll ? AuditStatus.Revealed : AuditStatus.Committed,
            drawBlock: drawBlock.toUint40(),
            found: 0,
            missing: 0,
            unexpected: 0,
            commitment: commitment,
            seed: bytes32(0)
        });
        emit AuditOpened(auditId, lineId, openerId, msg.sender, sampleBps, freezeOnMissing, drawBlock, commitment);
    }

    /**
     * @notice Reveals the secret of sampled audit `auditId`, which fixes the draw.
     * @dev Callable only by the opener (an active member). Reverts with {LotAuditInvalidStatus} unless it is
     * Committed, {LotAuditDrawNotReady} before the draw block is mined, {LotAuditDrawExpired} once it is
     * older than 256 blocks, and {LotAuditWrongSecret}.
     * @param auditId The audit.
     * @param secret The secret committed to.
     */
    function revealAudit(uint256 auditId, bytes32 secret) external {
        Audit storage audit_ = _openerAudit(auditId, AuditStatus.Committed);
        uint256 drawBlock = audit_.drawBlock;
        if (block.number <= drawBlock) revert LotAuditDrawNotReady(auditId, drawBlock);
        bytes32 drawHash = blockhash(drawBlock);
        if (drawHash == bytes32(0)) revert LotAuditDrawExpired(auditId, drawBlock);
        if (keccak256(abi.encode(secret)) != audit_.commitment) revert LotAuditWrongSecret(auditId);
        bytes32 seed = keccak256(abi.encode(secret, drawHash));
        audit_.seed = seed;
        audit_.status = AuditStatus.Revealed;
        emit AuditRevealed(auditId, secret, seed);
    }

    /**
     * @notice Records the results `findings` of audit `auditId`. A missing vehicle raises the floor plan's
     * sold-out-of-trust alert and, if the audit was opened with `freezeOnMissing`, freezes the line.
     * @dev Callable only by the opener (an active member). Reverts with {LotAuditInvalidStatus} unless the
     * audit is Revealed, and per finding with {LotAuditInvalidFinding} (no outcome or zero evidence),
     * {LotAuditAlreadyRecorded}, for Found and Missing {LotAuditNotFinancedOnLine} or
     * {LotAuditNotSelected}, and for Unexpected {LotAuditVehicleExpected}.
     * @param auditId The audit.
     * @param findings The results.
     */
    function recordFindings(uint256 auditId, Finding[] calldata findings) external {
        Audit storage audit_ = _openerAudit(auditId, AuditStatus.Revealed);
        Audit memory header = audit_;
        for (uint256 i = 0; i < findings.length; ++i) {
            Finding calldata finding = findings[i];
            bytes32 vinHash = finding.vinHash;
            if (finding.outcome == Outcome.None || finding.evidence == bytes32(0)) {
                revert LotAuditInvalidFinding(vinHash);
            }
            if (_outcomes[auditId][vinHash] != Outcome.None) revert LotAuditAlreadyRecorded(auditId, vinHash);
            (uint256 lineId, IFloorPlan.VehicleStatus status) = _floorPlan.lienOf(vinHash);
            bool expected = lineId == header.lineId && status == IFloorPlan.VehicleStatus.Financed;
            if (finding.outcome == Outcome.Unexpected) {
                if (expected) revert LotAuditVehicleExpected(auditId, vinHash);
                ++header.unexpected;
            } else {
                if (!expected) revert LotAuditNotFinancedOnLine(auditId, vinHash);
                if (!_selected(header, vinHash)) revert LotAuditNotSelected(auditId, vinHash);
                if (finding.outcome == Outcome.Found) {
                    ++header.found;
                } else {
                    ++header.missing;
                }
            }
            _outcomes[auditId][vinHash] = finding.outcome;
            emit VehicleAudited(auditId, vinHash, finding.outcome, finding.evidence);
            if (finding.outcome == Outcome.Missing) _floorPlan.reportMissing(vinHash, auditId, header.freezeOnMissing);
        }
        audit_.found = header.found;
        audit_.missing = header.missing;
        audit_.unexpected = header.unexpected;
    }

    /**
     * @notice Closes audit `auditId`: no more results. A committed audit whose draw expired is closed too.
     * @dev Callable only by the opener (an active member). Reverts with {LotAuditInvalidStatus} if it is
     * already closed.
     * @param auditId The audit.
     */
    function closeAudit(uint256 auditId) external {
        Audit storage audit_ = _openerAudit(auditId, AuditStatus.None);
        audit_.status = AuditStatus.Closed;
        emit AuditClosed(auditId, audit_.found, audit_.missing, audit_.unexpected);
    }

    /**
     * @notice Audit `auditId`.
     * @dev Callable by anyone. Reverts with {LotAuditUnknownAudit} for an unknown id.
     * @param auditId The audit id.
     * @return The audit.
     */
    function audit(uint256 auditId) external view returns (Audit memory) {
        return _existingAudit(auditId);
    }

    /**
     * @notice Whether vehicle `vinHash` is drawn for checking in audit `auditId` (always, in a check-all one).
     * @dev Callable by anyone. Reverts with {LotAuditUnknownAudit}, and {LotAuditInvalidStatus} while the
     * draw is not revealed.
     * @param auditId The audit.
     * @param vinHash The vehicle.
     * @return True if it must be checked.
     */
    function isSelected(uint256 auditId, bytes32 vinHash) external view returns (bool) {
        Audit memory audit_ = _existingAudit(auditId);
        if (audit_.status == AuditStatus.Committed) revert LotAuditInvalidStatus(auditId, audit_.status);
        return _selected(audit_, vinHash);
    }

    /**
     * @notice The result recorded for `vinHash` in audit `auditId` (None if there is none).
     * @dev Callable by anyone.
     * @param auditId The audit.
     * @param vinHash The vehicle.
     * @return The outcome.
     */
    function outcomeOf(uint256 auditId, bytes32 vinHash) external view returns (Outcome) {
        return _outcomes[auditId][vinHash];
    }

    /**
     * @notice Number of audits ever opened; their ids are 1 to this.
     * @dev Callable by anyone.
     * @return The count.
     */
    function auditCount() external view returns (uint256) {
        return _auditCount;
    }

    /**
     * @notice The floor plan whose lines are audited.
     * @dev Callable by anyone.
     * @return The floor plan.
     */
    function floorPlan() external view returns (IFloorPlan) {
        return _floorPlan;
    }

    /**
     * @notice The consortium member registry that decides who may act.
     * @dev Callable by anyone.
     * @return The registry.
     */
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /// @dev Whether `vinHash` is drawn in the revealed or check-all `audit_`.
    function _selected(Audit memory audit_, bytes32 vinHash) private pure returns (bool) {
        if (audit_.sampleBps == CHECK_ALL) return true;
        return uint256(keccak256(abi.encode(audit_.seed, vinHash))) % CHECK_ALL < audit_.sampleBps;
    }

    /// @dev Audit `auditId`, checked to be opened by the caller (an active member) and in `status` (None:
    /// any status but Closed).
    function _openerAudit(uint256 auditId, AuditStatus status) private view returns (Audit storage audit_) {
        audit_ = _existingAudit(auditId);
        if (!_consortium.isActiveMember(msg.sender) || _consortium.memberIdOf(msg.sender) != audit_.openerId) {
            revert LotAuditNotOpener(auditId, msg.sender);
        }
        AuditStatus current = audit_.status;
        if (status == AuditStatus.None ? current == AuditStatus.Closed : current != status) {
            revert LotAuditInvalidStatus(auditId, current);
        }
    }

    /// @dev Audit `auditId`; reverts with {LotAuditUnknownAudit} if there is none.
    function _existingAudit(uint256 auditId) private view returns (Audit storage audit_) {
        audit_ = _audits[auditId];
        if (audit_.status == AuditStatus.None) revert LotAuditUnknownAudit(auditId);
    }
}
