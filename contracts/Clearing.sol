// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IClearing} from "./interfaces/IClearing.sol";
import {IClearingSettlementToken} from "./interfaces/IClearingSettlementToken.sol";

/**
 * @title Clearing
 * @notice Claims between consortium members, confirmed by their debtors and final after a dispute window,
 * settled in clearing cycles that move only each member's net amount of the settlement token.
 * @dev See {IClearing} for the lifecycle. Every call asks the {IConsortium} registry whether the caller may
 * act, so suspensions, removals and key rotations take effect at once; its errors bubble up unchanged.
 *
 * Who may file a claim depends on its kind: payoff, curtailment, interest and fee claims are filed by an
 * active LENDER, collection-fee claims by an active COLLECTOR, other claims by any active member. The
 * debtor must be another active member.
 *
 * Clearing cycles: the net plan is computed off chain (`clearing.netting`) and checked here in one pass:
 * the listed members are current member addresses in ascending id order, their positions sum to zero, each
 * equals the member's net position over the cycle's claims (every claim final, due and not yet settled),
 * and the transfers go from net payers to net receivers, number at most one fewer than the members with a
 * non-zero position, and move exactly each position. Every claim is marked settled before the net amounts
 * are pulled with `transferFrom` (the Clearing is the spender of each payer's allowance); any failure,
 * such as a payer short of balance or allowance, reverts the whole cycle, so a cycle settles all of its
 * claims or none. Choosing claims that can settle (the gridlock pass) is done off chain.
 *
 * Gas: {settleCycle} costs about one cold storage read and one rewrite per claim, because everything a
 * cycle needs of a claim (parties as member ids, amount, status, kind, due date, end of dispute window) is
 * packed into one storage word; the claim's reference lives in a second word that settlement never reads.
 */
contract Clearing is IClearing, EIP712, ReentrancyGuard {
    using SafeCast for uint256;
    using SafeERC20 for IClearingSettlementToken;

    /**
     * @notice Most claims one cycle may settle.
     * @dev Callable by anyone. Chosen so that the most expensive cycle allowed stays under half of a
     * 30,000,000 block gas limit: this many claims (each read cold) among {MAX_MEMBERS_PER_CYCLE} members,
     * with 63 transfers into empty balances, measured 14.15 M gas (47%): about 6,200 gas per claim plus
     * 1.75 M for the members and transfers (`scripts/bench_clearing.py --worst-case`). Positions are summed
     * in a memory array indexed by member id, which adds about 50 gas per member id below the highest one
     * listed: negligible for consortia of up to a few thousand members. Chains with a smaller block gas
     * limit must settle smaller cycles.
     */
    uint256 public constant MAX_CLAIMS_PER_CYCLE = 2_000;

    /**
     * @notice Most members one cycle's plan may list.
     * @dev Callable by anyone. Each listed member costs a registry lookup and each transfer up to about
     * 40,000 gas (a payee starting from an empty balance); 64 members keep that share near 1.75 M gas
     * (see {MAX_CLAIMS_PER_CYCLE}).
     */
    uint256 public constant MAX_MEMBERS_PER_CYCLE = 64;

    /// @notice Longest dispute window a deployment may choose, in seconds. Callable by anyone.
    uint256 public constant MAX_DISPUTE_WINDOW = 90 days;

    /// @notice EIP-712 type of a debtor's confirmation signature. Callable by anyone.
    bytes32 public constant CONFIRM_TYPEHASH =
        keccak256(
            "ConfirmClaim(uint256 claimId,uint256 creditorId,uint256 debtorId,uint256 amount,uint8 kind,"
            "bytes32 ref,uint64 dueDate,uint256 nonce,uint256 deadline)"
        );

    /// @dev Role identifiers as {IConsortium} defines them: keccak256 of the role name.
    bytes32 private constant _LENDER = keccak256("LENDER");
    bytes32 private constant _COLLECTOR = keccak256("COLLECTOR");
    bytes32 private constant _OPERATOR = keccak256("OPERATOR");
    bytes32 private constant _GOVERNOR = keccak256("GOVERNOR");

    // Layout of a claim's storage word, from the least significant bit:
    // creditor id (32) | debtor id (32) | amount (96) | status (8) | kind (8) | due date (40) | dispute end (40)
    uint256 private constant _DEBTOR_SHIFT = 32;
    uint256 private constant _AMOUNT_SHIFT = 64;
    uint256 private constant _STATUS_SHIFT = 160;
    uint256 private constant _KIND_SHIFT = 168;
    uint256 private constant _DUE_SHIFT = 176;
    uint256 private constant _WINDOW_SHIFT = 216;
    uint256 private constant _MASK32 = (1 << 32) - 1;
    uint256 private constant _MASK40 = (1 << 40) - 1;
    uint256 private constant _MASK96 = (1 << 96) - 1;
    uint256 private constant _STATUS_MASK = uint256(0xff) << _STATUS_SHIFT;
    uint256 private constant _WINDOW_MASK = _MASK40 << _WINDOW_SHIFT;

    uint256 private constant _FILED = uint256(ClaimStatus.Filed);
    uint256 private constant _CONFIRMED = uint256(ClaimStatus.Confirmed);
    uint256 private constant _FINAL = uint256(ClaimStatus.Final);
    uint256 private constant _DISPUTED = uint256(ClaimStatus.Disputed);
    uint256 private constant _SETTLED = uint256(ClaimStatus.Settled);

    IConsortium private immutable _consortium;
    IClearingSettlementToken private immutable _token;
    uint256 private immutable _disputeWindow;

    mapping(uint256 claimId => uint256 word) private _claims;
    mapping(uint256 claimId => bytes32) private _references;
    mapping(uint256 claimId => bytes32) private _disputeEvidence;
    uint256 private _claimCount;

    mapping(uint256 memberId => uint256) private _nonces;
    mapping(address creator => bool) private _creators;

    mapping(uint256 cycleId => Cycle) private _cycles;
    mapping(bytes32 planHash => uint256 cycleId) private _cycleOfPlan;
    uint256 private _cycleCount;

    /**
     * @notice Binds the Clearing to the member registry and the settlement token for good.
     * @dev Callable by anyone (deployment). Reverts with {ClearingNotAContract} if `consortium_` or `token_` has
     * no code, and {ClearingInvalidDisputeWindow} unless 0 < `disputeWindow_` <= {MAX_DISPUTE_WINDOW}.
     * @param consortium_ The {IConsortium} registry that decides who may act.
     * @param token_ The settlement token net amounts are paid in.
     * @param disputeWindow_ Seconds after confirmation during which the debtor can dispute a claim.
     */
    constructor(
        IConsortium consortium_,
        IClearingSettlementToken token_,
        uint256 disputeWindow_
    ) EIP712("AutoLedger Clearing", "1") {
        if (address(consortium_).code.length == 0) revert ClearingNotAContract(address(consortium_));
        if (address(token_).code.length == 0) revert ClearingNotAContract(address(token_));
        if (disputeWindow_ == 0 || disputeWindow_ > MAX_DISPUTE_WINDOW) {
            revert ClearingInvalidDisputeWindow(disputeWindow_, MAX_DISPUTE_WINDOW);
        }
        _consortium = consortium_;
        _token = token_;
        _disputeWindow = disputeWindow_;
    }

    // ---------------------------------------------------------------------------------------------
    // Filing and confirming
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Files a claim of the caller on `debtor`; it waits for the debtor's confirmation.
     * @dev Callable by an active LENDER (kinds Payoff, Curtailment, Interest, Fee), an active COLLECTOR
     * (CollectionFee) or any active member (Other); otherwise the consortium's error names the role. Reverts
     * with {ClearingInvalidAmount} unless 0 < `amount` < 2**96, {ClearingZeroHash} for a zero `ref`,
     * {ClearingInvalidDueDate} if `dueDate` >= 2**40, {ClearingInactiveParty} unless `debtor` is an active
     * member, and {ClearingSelfClaim} if it is the caller's own member.
     * @param debtor Address of the debtor member.
     * @param amount Amount owed, in token units.
     * @param kind What it is for.
     * @param ref The lien, evidence item or external reference, non-zero.
     * @param dueDate Timestamp from which it may be settled (0: at once).
     * @return claimId The new claim id.
     */
    function fileClaim(
        address debtor,
        uint256 amount,
        ClaimKind kind,
        bytes32 ref,
        uint64 dueDate
    ) external returns (uint256 claimId) {
        return _file(msg.sender, debtor, amount, kind, ref, dueDate, false);
    }

    /// @inheritdoc IClearing
    function fileConfirmedClaim(
        address creditor,
        address debtor,
        uint256 amount,
        ClaimKind kind,
        bytes32 ref,
        uint64 dueDate
    ) external returns (uint256 claimId) {
        if (!_creators[msg.sender]) revert ClearingNotCreator(msg.sender);
        return _file(creditor, debtor, amount, kind, ref, dueDate, true);
    }

    /**
     * @notice The debtor confirms claim `claimId`; it becomes final once the dispute window has passed.
     * @dev Callable only by the current address of the claim's debtor, an active member. Reverts with
     * {ClearingUnknownClaim}, {ClearingNotDebtor}, {ClearingInactiveParty}, or {ClearingUnexpectedStatus}
     * unless the claim is Filed.
     * @param claimId The claim.
     */
    function confirm(uint256 claimId) external {
        uint256 word = _claimWord(claimId);
        _requireParty(claimId, (word >> _DEBTOR_SHIFT) & _MASK32, true);
        _confirm(claimId, word, msg.sender);
    }

    /**
     * @notice Confirms claim `claimId` with its debtor's EIP-712 `signature`, sent by anyone (e.g. the service).
     * @dev Callable by anyone. The signed {CONFIRM_TYPEHASH} message binds every field of the claim, the
     * debtor member's current nonce (see {nonces}) and `deadline`; the EIP-712 domain binds the chain id and
     * this contract. The signer must be the current address of the debtor member, active. A signature cannot
     * be used twice (a claim is confirmed once) nor on another claim, chain or contract; the debtor can void
     * all its outstanding signatures with {revokeSignatures}. Reverts with {ClearingUnknownClaim},
     * {ClearingUnexpectedStatus} unless the claim is Filed, {ClearingSignatureExpired} if `deadline` has
     * passed, and {ClearingInvalidSignature} for anything else (wrong signer, claim, nonce, chain or contract).
     * @param claimId The claim.
     * @param deadline Last timestamp at which the signature is valid.
     * @param signature The debtor's 65-byte signature.
     */
    function confirmWithSignature(uint256 claimId, uint256 deadline, bytes calldata signature) external {
        uint256 word = _claimWord(claimId);
        if ((word >> _STATUS_SHIFT) & 0xff != _FILED) revert ClearingUnexpectedStatus(claimId, _statusOf(word));
        if (block.timestamp > deadline) revert ClearingSignatureExpired(deadline);
        uint256 debtorId = (word >> _DEBTOR_SHIFT) & _MASK32;
        bytes32 digest = _confirmationDigest(claimId, word, _nonces[debtorId], deadline);
        (address signer, ECDSA.RecoverError failure, ) = ECDSA.tryRecover(digest, signature);
        if (
            failure != ECDSA.RecoverError.NoError ||
            _consortium.memberIdOf(signer) != debtorId ||
            !_consortium.isActiveMember(signer)
        ) revert ClearingInvalidSignature(claimId, signer);
        _confirm(claimId, word, signer);
    }

    /**
     * @notice Voids every confirmation signature the caller's member has given and not yet had used, by
     * moving its nonce on.
     * @dev Callable by any active member (e.g. after a signing key was exposed). Reverts with
     * {IConsortium-ConsortiumMemberNotActive}.
     */
    function revokeSignatures() external {
        if (!_consortium.isActiveMember(msg.sender)) revert IConsortium.ConsortiumMemberNotActive(msg.sender);
        uint256 memberId = _consortium.memberIdOf(msg.sender);
        uint256 nonce;
        unchecked {
            // One increment per transaction: it cannot reach 2**256.
            nonce = ++_nonces[memberId];
        }
        emit SignaturesRevoked(memberId, msg.sender, nonce);
    }

    // ---------------------------------------------------------------------------------------------
    // Disputes and withdrawal
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice The debtor disputes claim `claimId`, citing `evidence`; it cannot settle until resolved.
     * @dev Callable only by the current address of the claim's debtor, an active member. A Filed claim can
     * be disputed at any time, a Confirmed one until its dispute window closes. Reverts with
     * {ClearingUnknownClaim}, {ClearingNotDebtor}, {ClearingInactiveParty}, {ClearingZeroHash} for zero
     * `evidence`, {ClearingDisputeWindowClosed} for a claim that became final, and
     * {ClearingUnexpectedStatus} in any other status.
     * @param claimId The claim.
     * @param evidence Reference of the evidence item supporting the dispute (e.g. an EvidenceRegistry leaf).
     */
    function dispute(uint256 claimId, bytes32 evidence) external {
        uint256 word = _claimWord(claimId);
        _requireParty(claimId, (word >> _DEBTOR_SHIFT) & _MASK32, true);
        if (evidence == bytes32(0)) revert ClearingZeroHash();
        uint256 status = (word >> _STATUS_SHIFT) & 0xff;
        if (status == _CONFIRMED) {
            uint64 endsAt = uint64(word >> _WINDOW_SHIFT);
            if (block.timestamp > endsAt) revert ClearingDisputeWindowClosed(claimId, endsAt);
        } else if (status != _FILED) {
            revert ClearingUnexpectedStatus(claimId, _statusOf(word));
        }
        _claims[claimId] = _withStatus(word, _DISPUTED);
        _disputeEvidence[claimId] = evidence;
        emit ClaimDisputed(claimId, msg.sender, evidence);
    }

    /**
     * @notice The debtor withdraws its dispute of claim `claimId`: the claim stands and is final at once.
     * @dev Callable only by the current address of the claim's debtor, an active member. Reverts with
     * {ClearingUnknownClaim}, {ClearingNotDebtor}, {ClearingInactiveParty}, or {ClearingUnexpectedStatus}
     * unless the claim is Disputed.
     * @param claimId The claim.
     */
    function withdrawDispute(uint256 claimId) external {
        uint256 word = _claimWord(claimId);
        _requireParty(claimId, (word >> _DEBTOR_SHIFT) & _MASK32, true);
        _resolve(claimId, word, true, bytes32(0));
    }

    /**
     * @notice Governance decides the dispute of claim `claimId`: upheld (Final at once) or rejected (void).
     * @dev Callable only by an active OPERATOR or GOVERNOR member (the consortium's error names GOVERNOR)
     * that is not a party of the claim. Reverts with {ClearingUnknownClaim}, {ClearingConflictOfInterest},
     * {ClearingZeroHash} for a zero `decision`, or {ClearingUnexpectedStatus} unless the claim is Disputed.
     * @param claimId The claim.
     * @param upheld True if the claim stands, false if it is rejected.
     * @param decision Reference of the governance decision document, non-zero.
     */
    function resolveDispute(uint256 claimId, bool upheld, bytes32 decision) external {
        uint256 word = _claimWord(claimId);
        if (!_consortium.hasActiveRole(_OPERATOR, msg.sender)) {
            _consortium.requireActiveRole(_GOVERNOR, msg.sender);
        }
        uint256 callerId = _consortium.memberIdOf(msg.sender);
        if (callerId == word & _MASK32 || callerId == (word >> _DEBTOR_SHIFT) & _MASK32) {
            revert ClearingConflictOfInterest(claimId, msg.sender);
        }
        if (decision == bytes32(0)) revert ClearingZeroHash();
        _resolve(claimId, word, upheld, decision);
    }

    /**
     * @notice The creditor withdraws claim `claimId`; it will never settle.
     * @dev Callable only by the current address of the claim's creditor, an active member, in any status
     * before Settled (Filed, Confirmed, Final, Disputed). Reverts with {ClearingUnknownClaim},
     * {ClearingNotCreditor}, {ClearingInactiveParty}, or {ClearingUnexpectedStatus}.
     * @param claimId The claim.
     */
    function withdrawClaim(uint256 claimId) external {
        uint256 word = _claimWord(claimId);
        _requireParty(claimId, word & _MASK32, false);
        uint256 status = (word >> _STATUS_SHIFT) & 0xff;
        if (status < _FILED || status > _DISPUTED) revert ClearingUnexpectedStatus(claimId, _statusOf(word));
        _claims[claimId] = _withStatus(word, uint256(ClaimStatus.Withdrawn));
        emit ClaimWithdrawn(claimId, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Settlement
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Settles the final claims `claimIds` at once, moving only the net amounts of the plan.
     * @dev Callable only by an active OPERATOR or LENDER member (the consortium's error names LENDER).
     * Non-reentrant. Checks, in this order, reverting with:
     * - {ClearingZeroHash} for a zero `planHash`, {ClearingEmptyCycle}, {ClearingCycleTooLarge};
     * - {ClearingPlanAlreadySettled} if `planHash` was settled before (a re-sent cycle is recognized);
     * - {ClearingUnknownMember}, {ClearingMembersNotAscending} for the member list, and
     *   {ClearingPositionsUnbalanced} unless the planned positions sum to zero;
     * - per claim, in order: {ClearingClaimAlreadySettled} (also for an id listed twice),
     *   {ClearingClaimNotFinal}, {ClearingClaimNotDue}, {ClearingMemberNotInPlan};
     * - {ClearingPositionMismatch} unless every member's planned position (0 if unlisted) is its net
     *   position over the claims;
     * - {ClearingTooManyTransfers}, {ClearingInvalidTransfer}, {ClearingTransfersMismatch} for the transfers;
     * - the token's errors ({IERC20Errors-ERC20InsufficientBalance}, {IERC20Errors-ERC20InsufficientAllowance},
     *   {SafeERC20-SafeERC20FailedOperation}...) if a transfer fails: nothing settles.
     * @param planHash SHA-256 of the net plan's canonical JSON (see `clearing.netting.NetPlan.plan_hash`).
     * @param claimIds The claims to settle, at most {MAX_CLAIMS_PER_CYCLE}.
     * @param members Every member with a non-zero position (others may be listed with 0), in ascending
     * member id order, at most {MAX_MEMBERS_PER_CYCLE}.
     * @param transfers The net transfers, by index into `members`.
     * @return cycleId The new cycle id (1, 2, 3, ...).
     */
    function settleCycle(
        bytes32 planHash,
        uint256[] calldata claimIds,
        CycleMember[] calldata members,
        CycleTransfer[] calldata transfers
    ) external nonReentrant returns (uint256 cycleId) {
        if (!_consortium.hasActiveRole(_OPERATOR, msg.sender)) _consortium.requireActiveRole(_LENDER, msg.sender);
        if (planHash == bytes32(0)) revert ClearingZeroHash();
        if (claimIds.length == 0) revert ClearingEmptyCycle();
        if (claimIds.length > MAX_CLAIMS_PER_CYCLE || members.length > MAX_MEMBERS_PER_CYCLE) {
            revert ClearingCycleTooLarge(
                claimIds.length,
                members.length,
                MAX_CLAIMS_PER_CYCLE,
                MAX_MEMBERS_PER_CYCLE
            );
        }
        uint256 previous = _cycleOfPlan[planHash];
        if (previous != 0) revert ClearingPlanAlreadySettled(planHash, previous);

        (uint256 gross, uint256 net) = _settle(claimIds, members, transfers);
        cycleId = _recordCycle(planHash, claimIds, transfers.length, gross, net);

        // Interactions last: every claim is already Settled, and the guard blocks re-entry.
        for (uint256 j = 0; j < transfers.length; ++j) {
            CycleTransfer calldata t = transfers[j];
            _token.safeTransferFrom(members[t.from].account, members[t.to].account, t.amount);
        }
    }

    /**
     * @notice Settles final claim `claimId` on a settlement bank's record of its off-chain payment.
     * @dev Callable by any active member. Non-reentrant. The token must hold a record under the claim's
     * end-to-end id (see {endToEndIdOf}) whose payer, payee and amount are the claim's. Reverts with
     * {IConsortium-ConsortiumMemberNotActive}, {ClearingUnknownClaim}, {ClearingClaimAlreadySettled},
     * {ClearingClaimNotFinal}, or {ClearingNoOffChainSettlement}.
     * @param claimId The claim.
     */
    function settleOffChain(uint256 claimId) external nonReentrant {
        if (!_consortium.isActiveMember(msg.sender)) revert IConsortium.ConsortiumMemberNotActive(msg.sender);
        uint256 word = _claimWord(claimId);
        _requireSettleable(claimId, word);
        bytes32 endToEndId = _endToEndId(claimId);
        IClearingSettlementToken.OffChainSettlement memory paid = _token.offChainSettlement(endToEndId);
        if (
            paid.bankReference == bytes32(0) ||
            paid.debtorId != (word >> _DEBTOR_SHIFT) & _MASK32 ||
            paid.creditorId != word & _MASK32 ||
            paid.amount != (word >> _AMOUNT_SHIFT) & _MASK96
        ) revert ClearingNoOffChainSettlement(claimId, endToEndId);
        _claims[claimId] = _withStatus(word, _SETTLED);
        emit ClaimSettledOffChain(claimId, endToEndId, paid.bankId, paid.bankReference);
    }

    // ---------------------------------------------------------------------------------------------
    // Creator allow-list
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Allows (or stops) contract `creator` to file claims already confirmed ({fileConfirmedClaim}).
     * @dev Callable only by an active OPERATOR member. Reverts with {ClearingNotAContract} when allowing an
     * address without code, and {ClearingCreatorUnchanged} if it is already in the requested state.
     * @param creator The contract, e.g. the inventory ledger that files payoff claims on sale reports.
     * @param allowed Whether it may file confirmed claims.
     */
    function setCreator(address creator, bool allowed) external {
        _consortium.requireActiveRole(_OPERATOR, msg.sender);
        if (allowed && creator.code.length == 0) revert ClearingNotAContract(creator);
        if (_creators[creator] == allowed) revert ClearingCreatorUnchanged(creator, allowed);
        _creators[creator] = allowed;
        emit CreatorSet(creator, allowed, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IClearing
    function claim(uint256 claimId) external view returns (Claim memory) {
        return _claimView(claimId, _claimWord(claimId));
    }

    /**
     * @notice Up to `count` claims from id `fromId` on, in id order (fewer at the end of the claims).
     * @dev Callable by anyone. For readers that mirror every claim: a page per call.
     * @param fromId First claim id, >= 1.
     * @param count Most claims to return.
     * @return page The claims.
     */
    function claims(uint256 fromId, uint256 count) external view returns (Claim[] memory page) {
        uint256 total = _claimCount;
        if (fromId == 0) fromId = 1;
        uint256 available = fromId > total ? 0 : total - fromId + 1;
        if (count > available) count = available;
        page = new Claim[](count);
        for (uint256 i = 0; i < count; ++i) {
            page[i] = _claimView(fromId + i, _claims[fromId + i]);
        }
    }

    /// @inheritdoc IClearing
    function statusOf(uint256 claimId) external view returns (ClaimStatus) {
        return _statusOf(_claims[claimId]);
    }

    /**
     * @notice Number of claims filed; claim ids run from 1 to this.
     * @dev Callable by anyone.
     * @return The count.
     */
    function claimCount() external view returns (uint256) {
        return _claimCount;
    }

    /**
     * @notice Settled cycle `cycleId` (all zero if unknown).
     * @dev Callable by anyone.
     * @param cycleId The cycle.
     * @return The cycle.
     */
    function cycle(uint256 cycleId) external view returns (Cycle memory) {
        return _cycles[cycleId];
    }

    /**
     * @notice The cycle that settled the plan with hash `planHash`, or 0.
     * @dev Callable by anyone. Lets a sender that lost track of a cycle transaction recognize it.
     * @param planHash The plan hash.
     * @return The cycle id or 0.
     */
    function cycleIdOf(bytes32 planHash) external view returns (uint256) {
        return _cycleOfPlan[planHash];
    }

    /**
     * @notice Number of settled cycles; cycle ids run from 1 to this.
     * @dev Callable by anyone.
     * @return The count.
     */
    function cycleCount() external view returns (uint256) {
        return _cycleCount;
    }

    /**
     * @notice The nonce confirmation signatures of member `memberId` must carry to be accepted now.
     * @dev Callable by anyone. Nonces are per member id, so they survive key rotations; {revokeSignatures}
     * moves a member's nonce on, voiding its outstanding signatures.
     * @param memberId The debtor's consortium member id.
     * @return The nonce.
     */
    function nonces(uint256 memberId) external view returns (uint256) {
        return _nonces[memberId];
    }

    /**
     * @notice The EIP-712 digest a debtor signs to confirm claim `claimId` with `nonce` until `deadline`.
     * @dev Callable by anyone. Reverts with {ClearingUnknownClaim}.
     * @param claimId The claim.
     * @param nonce The debtor's nonce (see {nonces}).
     * @param deadline Last timestamp at which the signature is valid.
     * @return The digest.
     */
    function confirmationDigest(uint256 claimId, uint256 nonce, uint256 deadline) external view returns (bytes32) {
        return _confirmationDigest(claimId, _claimWord(claimId), nonce, deadline);
    }

    /**
     * @notice The ISO 20022 end-to-end id of claim `claimId`'s payment instruction: `CLM-<claimId>` in ASCII,
     * left-aligned and zero padded.
     * @dev Callable by anyone. Reverts with {ClearingUnknownClaim}.
     * @param claimId The claim.
     * @return The end-to-end id.
     */
    function endToEndIdOf(uint256 claimId) external view returns (bytes32) {
        _claimWord(claimId);
        return _endToEndId(claimId);
    }

    /**
     * @notice Whether `creator` may file claims already confirmed.
     * @dev Callable by anyone.
     * @param creator The address.
     * @return True if it is on the allow-list.
     */
    function isCreator(address creator) external view returns (bool) {
        return _creators[creator];
    }

    /**
     * @notice Seconds after confirmation during which a claim can be disputed.
     * @dev Callable by anyone.
     * @return The window.
     */
    function disputeWindow() external view returns (uint256) {
        return _disputeWindow;
    }

    /**
     * @notice The consortium member registry that decides who may act.
     * @dev Callable by anyone.
     * @return The registry.
     */
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /**
     * @notice The settlement token net amounts are paid in.
     * @dev Callable by anyone.
     * @return The token.
     */
    function token() external view returns (IClearingSettlementToken) {
        return _token;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: lifecycle
    // ---------------------------------------------------------------------------------------------

    /// @dev Validates and stores a new claim, Filed or (for creator contracts) Confirmed.
    function _file(
        address creditor,
        address debtor,
        uint256 amount,
        ClaimKind kind,
        bytes32 ref,
        uint64 dueDate,
        bool confirmed
    ) private returns (uint256 claimId) {
        _requireCreditorRole(creditor, kind);
        if (amount == 0 || amount > _MASK96) revert ClearingInvalidAmount(amount);
        if (ref == bytes32(0)) revert ClearingZeroHash();
        if (dueDate > _MASK40) revert ClearingInvalidDueDate(dueDate);
        if (!_consortium.isActiveMember(debtor)) revert ClearingInactiveParty(debtor);
        uint256 creditorId = _consortium.memberIdOf(creditor);
        uint256 debtorId = _consortium.memberIdOf(debtor);
        if (creditorId == debtorId) revert ClearingSelfClaim(creditor);

        claimId = ++_claimCount;
        uint256 endsAt = confirmed ? block.timestamp + _disputeWindow : 0;
        _claims[claimId] =
            uint256(creditorId.toUint32()) |
            (uint256(debtorId.toUint32()) << _DEBTOR_SHIFT) |
            (amount << _AMOUNT_SHIFT) |
            ((confirmed ? _CONFIRMED : _FILED) << _STATUS_SHIFT) |
            (uint256(kind) << _KIND_SHIFT) |
            (uint256(dueDate) << _DUE_SHIFT) |
            (uint256(endsAt.toUint40()) << _WINDOW_SHIFT);
        _references[claimId] = ref;
        emit ClaimFiled(claimId, creditorId, debtorId, amount, kind, ref, dueDate, msg.sender);
        if (confirmed) emit ClaimConfirmed(claimId, msg.sender, uint64(endsAt));
    }

    /// @dev Confirms a Filed claim on behalf of `by`, starting its dispute window.
    function _confirm(uint256 claimId, uint256 word, address by) private {
        if ((word >> _STATUS_SHIFT) & 0xff != _FILED) revert ClearingUnexpectedStatus(claimId, _statusOf(word));
        uint256 endsAt = block.timestamp + _disputeWindow;
        _claims[claimId] =
            (word & ~(_STATUS_MASK | _WINDOW_MASK)) |
            (_CONFIRMED << _STATUS_SHIFT) |
            (uint256(endsAt.toUint40()) << _WINDOW_SHIFT);
        emit ClaimConfirmed(claimId, by, uint64(endsAt));
    }

    /// @dev Ends the dispute of a Disputed claim: Final if `upheld`, else Rejected.
    function _resolve(uint256 claimId, uint256 word, bool upheld, bytes32 decision) private {
        if ((word >> _STATUS_SHIFT) & 0xff != _DISPUTED) revert ClearingUnexpectedStatus(claimId, _statusOf(word));
        _claims[claimId] = _withStatus(word, upheld ? _FINAL : uint256(ClaimStatus.Rejected));
        emit DisputeResolved(claimId, msg.sender, upheld, decision);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: cycles
    // ---------------------------------------------------------------------------------------------

    /**
     * @dev Checks the plan against the claims and marks every claim Settled; returns the sum of the claims'
     * amounts (gross) and of the transfers' (net).
     */
    function _settle(
        uint256[] calldata claimIds,
        CycleMember[] calldata members,
        CycleTransfer[] calldata transfers
    ) private returns (uint256 gross, uint256 net) {
        (uint256[] memory ids, uint256 nonZero) = _memberIds(members);
        int256[] memory actual = new int256[](ids.length == 0 ? 0 : ids[ids.length - 1] + 1);
        gross = _settleClaims(claimIds, actual);
        _checkPositions(members, ids, actual);
        net = _checkTransfers(members, ids, transfers, nonZero);
    }

    /// @dev Records a settled cycle and announces it; returns its id.
    function _recordCycle(
        bytes32 planHash,
        uint256[] calldata claimIds,
        uint256 transferCount,
        uint256 gross,
        uint256 net
    ) private returns (uint256 cycleId) {
        cycleId = ++_cycleCount;
        _cycleOfPlan[planHash] = cycleId;
        _cycles[cycleId] = Cycle({
            planHash: planHash,
            blockNumber: block.number.toUint64(),
            timestamp: block.timestamp.toUint64(),
            claimCount: claimIds.length.toUint32(),
            transferCount: transferCount.toUint32(),
            gross: gross.toUint128(),
            net: net.toUint128()
        });
        emit CycleSettled(cycleId, planHash, msg.sender, gross, net, transferCount, claimIds);
    }

    /**
     * @dev The member ids of the plan's `members` (current addresses, strictly ascending ids) and how many of
     * them have a non-zero position, checking that the positions sum to zero.
     */
    function _memberIds(CycleMember[] calldata members) private view returns (uint256[] memory ids, uint256 nonZero) {
        uint256 count = members.length;
        ids = new uint256[](count);
        int256 sum;
        for (uint256 i = 0; i < count; ++i) {
            address account = members[i].account;
            uint256 id = _consortium.memberIdOf(account);
            if (id == 0) revert ClearingUnknownMember(i, account);
            if (i > 0 && id <= ids[i - 1]) revert ClearingMembersNotAscending(i);
            ids[i] = id;
            int256 position = members[i].position;
            if (position != 0) ++nonZero;
            // A sum of at most 64 int256 values can overflow only for absurd plans: checked arithmetic reverts.
            sum += position;
        }
        if (sum != 0) revert ClearingPositionsUnbalanced(sum);
    }

    /**
     * @dev Marks every claim of `claimIds` Settled, adding its amount to its creditor's and subtracting it from
     * its debtor's entry of `actual` (indexed by member id), and returns the sum of the amounts.
     */
    function _settleClaims(uint256[] calldata claimIds, int256[] memory actual) private returns (uint256 gross) {
        uint256 bound = actual.length;
        uint256 count = claimIds.length;
        for (uint256 i = 0; i < count; ) {
            uint256 claimId = claimIds[i];
            uint256 word = _claims[claimId];
            uint256 status = (word >> _STATUS_SHIFT) & 0xff;
            if (status != _FINAL && (status != _CONFIRMED || block.timestamp <= word >> _WINDOW_SHIFT)) {
                _revertNotSettleable(claimId, word);
            }
            uint256 due = (word >> _DUE_SHIFT) & _MASK40;
            if (due > block.timestamp) revert ClearingClaimNotDue(claimId, uint64(due));
            uint256 creditor = word & _MASK32;
            uint256 debtor = (word >> _DEBTOR_SHIFT) & _MASK32;
            if (creditor >= bound) revert ClearingMemberNotInPlan(claimId, creditor);
            if (debtor >= bound) revert ClearingMemberNotInPlan(claimId, debtor);
            uint256 amount = (word >> _AMOUNT_SHIFT) & _MASK96;
            unchecked {
                // Amounts are < 2**96 and a cycle has at most MAX_CLAIMS_PER_CYCLE of them, so every sum
                // stays below 2**107; `i` is bounded by `count`.
                actual[creditor] += int256(amount);
                actual[debtor] -= int256(amount);
                gross += amount;
                ++i;
            }
            _claims[claimId] = (word & ~_STATUS_MASK) | (_SETTLED << _STATUS_SHIFT);
        }
    }

    /// @dev Reverts unless every member's planned position (0 if unlisted) is its position over the claims.
    function _checkPositions(CycleMember[] calldata members, uint256[] memory ids, int256[] memory actual) private pure {
        for (uint256 i = 0; i < ids.length; ++i) {
            uint256 id = ids[i];
            int256 planned = members[i].position;
            if (actual[id] != planned) revert ClearingPositionMismatch(id, actual[id], planned);
            actual[id] = 0;
        }
        for (uint256 id = 0; id < actual.length; ++id) {
            if (actual[id] != 0) revert ClearingPositionMismatch(id, actual[id], 0);
        }
    }

    /// @dev Reverts unless `transfers` move exactly each planned position, payer to receiver; returns their sum.
    function _checkTransfers(
        CycleMember[] calldata members,
        uint256[] memory ids,
        CycleTransfer[] calldata transfers,
        uint256 nonZero
    ) private pure returns (uint256 net) {
        uint256 count = transfers.length;
        uint256 maxTransfers = nonZero == 0 ? 0 : nonZero - 1;
        if (count > maxTransfers) revert ClearingTooManyTransfers(count, maxTransfers);
        uint256 memberCount = members.length;
        int256[] memory remaining = new int256[](memberCount);
        for (uint256 i = 0; i < memberCount; ++i) {
            remaining[i] = members[i].position;
        }
        for (uint256 j = 0; j < count; ++j) {
            CycleTransfer calldata t = transfers[j];
            if (!_isNetTransfer(members, t)) revert ClearingInvalidTransfer(j);
            // Valid amounts are at most a position, and positions match the claims here: |position| < 2**107.
            remaining[t.from] += int256(t.amount);
            remaining[t.to] -= int256(t.amount);
            net += t.amount;
        }
        for (uint256 i = 0; i < memberCount; ++i) {
            if (remaining[i] != 0) revert ClearingTransfersMismatch(ids[i], remaining[i]);
        }
    }

    /// @dev Whether `t` moves a non-zero amount, at most either position, from a net payer to a net receiver.
    function _isNetTransfer(CycleMember[] calldata members, CycleTransfer calldata t) private pure returns (bool) {
        uint256 count = members.length;
        if (t.from >= count || t.to >= count || t.amount == 0) return false;
        int256 payer = members[t.from].position;
        int256 receiver = members[t.to].position;
        return payer < 0 && receiver > 0 && t.amount <= uint256(-payer) && t.amount <= uint256(receiver);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev Reverts (with the consortium's error) unless `creditor` may file a claim of `kind`.
    function _requireCreditorRole(address creditor, ClaimKind kind) private view {
        if (kind == ClaimKind.CollectionFee) {
            _consortium.requireActiveRole(_COLLECTOR, creditor);
        } else if (kind == ClaimKind.Other) {
            if (!_consortium.isActiveMember(creditor)) revert ClearingInactiveParty(creditor);
        } else {
            _consortium.requireActiveRole(_LENDER, creditor);
        }
    }

    /// @dev Reverts unless the caller is the current address of member `partyId` (the debtor or creditor), active.
    function _requireParty(uint256 claimId, uint256 partyId, bool debtor) private view {
        if (_consortium.memberIdOf(msg.sender) != partyId) {
            if (debtor) revert ClearingNotDebtor(claimId, msg.sender);
            revert ClearingNotCreditor(claimId, msg.sender);
        }
        if (!_consortium.isActiveMember(msg.sender)) revert ClearingInactiveParty(msg.sender);
    }

    /// @dev Reverts unless a claim with storage word `word` may settle now (due or not).
    function _requireSettleable(uint256 claimId, uint256 word) private view {
        uint256 status = (word >> _STATUS_SHIFT) & 0xff;
        if (status != _FINAL && (status != _CONFIRMED || block.timestamp <= word >> _WINDOW_SHIFT)) {
            _revertNotSettleable(claimId, word);
        }
    }

    /// @dev Reverts with the reason a claim with storage word `word` cannot settle.
    function _revertNotSettleable(uint256 claimId, uint256 word) private view {
        if ((word >> _STATUS_SHIFT) & 0xff == _SETTLED) revert ClearingClaimAlreadySettled(claimId);
        revert ClearingClaimNotFinal(claimId, _statusOf(word));
    }

    /// @dev The storage word of claim `claimId`; reverts with {ClearingUnknownClaim} if it was never filed.
    function _claimWord(uint256 claimId) private view returns (uint256 word) {
        word = _claims[claimId];
        if (word == 0) revert ClearingUnknownClaim(claimId);
    }

    /// @dev `word` with its status replaced by `status`.
    function _withStatus(uint256 word, uint256 status) private pure returns (uint256) {
        return (word & ~_STATUS_MASK) | (status << _STATUS_SHIFT);
    }

    /// @dev The status of a claim with storage word `word` as of now: Confirmed turns Final after its window.
    function _statusOf(uint256 word) private view returns (ClaimStatus) {
        uint256 status = (word >> _STATUS_SHIFT) & 0xff;
        if (status == _CONFIRMED && block.timestamp > word >> _WINDOW_SHIFT) return ClaimStatus.Final;
        return ClaimStatus(status);
    }

    /// @dev The {Claim} view of claim `claimId` with storage word `word`.
    function _claimView(uint256 claimId, uint256 word) private view returns (Claim memory) {
        return
            Claim({
                id: claimId,
                creditorId: word & _MASK32,
                debtorId: (word >> _DEBTOR_SHIFT) & _MASK32,
                amount: (word >> _AMOUNT_SHIFT) & _MASK96,
                kind: ClaimKind((word >> _KIND_SHIFT) & 0xff),
                status: _statusOf(word),
                dueDate: uint64((word >> _DUE_SHIFT) & _MASK40),
                disputeEndsAt: uint64(word >> _WINDOW_SHIFT),
                ref: _references[claimId],
                disputeEvidence: _disputeEvidence[claimId]
            });
    }

    /// @dev The EIP-712 digest confirming claim `claimId` (storage word `word`) under `nonce` until `deadline`.
    function _confirmationDigest(
        uint256 claimId,
        uint256 word,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                CONFIRM_TYPEHASH,
                claimId,
                word & _MASK32,
                (word >> _DEBTOR_SHIFT) & _MASK32,
                (word >> _AMOUNT_SHIFT) & _MASK96,
                (word >> _KIND_SHIFT) & 0xff,
                _references[claimId],
                (word >> _DUE_SHIFT) & _MASK40,
                nonce,
                deadline
            )
        );
        return _hashTypedDataV4(structHash);
    }

    /// @dev `CLM-<claimId>` in ASCII, left-aligned in 32 bytes (claim ids stay far below 10**28).
    function _endToEndId(uint256 claimId) private pure returns (bytes32) {
        return bytes32(bytes(string.concat("CLM-", Strings.toString(claimId))));
    }
}
