// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IClearing
 * @notice Claims between AutoLedger consortium members and the clearing cycles that settle them, as seen by
 * the contracts that create claims (an inventory ledger filing a payoff claim when a dealer reports a sale)
 * and by readers.
 * @dev Parties are identified by their stable consortium member id, so a claim follows a member through key
 * rotations; money always moves to and from the member's current address. The errors are declared here so
 * that the ABI of any contract calling the Clearing can decode why a call was rejected.
 *
 * Lifecycle: Filed -> Confirmed (by the debtor, directly or with an EIP-712 signature; or at filing by an
 * allow-listed creator contract) -> Final once the dispute window has passed -> Settled (in a clearing cycle,
 * or off chain on a settlement bank's record). The debtor may dispute a Filed claim, or a Confirmed one
 * within its window, citing evidence; a dispute ends when the debtor withdraws it (Final), the creditor
 * withdraws the claim (Withdrawn), or governance decides (Final or Rejected). The creditor may withdraw a
 * claim at any point before it settles.
 */
interface IClearing {
    /// @notice What a claim is for.
    enum ClaimKind {
        Payoff,
        Curtailment,
        Interest,
        Fee,
        CollectionFee,
        Other
    }

    /**
     * @notice Where a claim is in its lifecycle. `Final` is reported for a Confirmed claim whose dispute window
     * has passed, and stored for a claim whose dispute was resolved in its favour.
     */
    enum ClaimStatus {
        None,
        Filed,
        Confirmed,
        Final,
        Disputed,
        Settled,
        Withdrawn,
        Rejected
    }

    /**
     * @notice A claim of `creditorId` on `debtorId`.
     * @param id Claim id (1, 2, 3, ...).
     * @param creditorId Consortium member id of the creditor.
     * @param debtorId Consortium member id of the debtor.
     * @param amount Amount owed, in settlement token units.
     * @param kind What it is for.
     * @param status Lifecycle state as of the current block (Final once the dispute window has passed).
     * @param dueDate Timestamp from which it may be settled (0: at once).
     * @param disputeEndsAt Last timestamp at which a Confirmed claim can be disputed (0 before confirmation).
     * @param ref The lien, evidence item or external reference the claim is about.
     * @param disputeEvidence The evidence the debtor cited when disputing it (zero if never disputed).
     */
    struct Claim {
        uint256 id;
        uint256 creditorId;
        uint256 debtorId;
        uint256 amount;
        ClaimKind kind;
        ClaimStatus status;
        uint64 dueDate;
        uint64 disputeEndsAt;
        bytes32 ref;
        bytes32 disputeEvidence;
    }

    /**
     * @notice One member of a clearing cycle's net plan.
     * @param account The member's current address (it pays or is paid there).
     * @param position What the member receives (> 0) or pays (< 0) net over the cycle's claims.
     */
    struct CycleMember {
        address account;
        int256 position;
    }

    /**
     * @notice One net transfer of a clearing cycle, from a net payer to a net receiver.
     * @param from Index of the paying member in the cycle's member list.
     * @param to Index of the receiving member in the cycle's member list.
     * @param amount Token units moved, > 0.
     */
    struct CycleTransfer {
        uint16 from;
        uint16 to;
        uint256 amount;
    }

    /**
     * @notice A settled clearing cycle. All fields are zero for an unknown cycle.
     * @param planHash SHA-256 of the cycle's net plan in canonical JSON, as computed off chain.
     * @param blockNumber Block it settled in.
     * @param timestamp Time of that block.
     * @param claimCount Number of claims it settled.
     * @param transferCount Number of net transfers it made.
     * @param gross Sum of the settled claims' amounts.
     * @param net Sum of the net transfers' amounts.
     */
    struct Cycle {
        bytes32 planHash;
        uint64 blockNumber;
        uint64 timestamp;
        uint32 claimCount;
        uint32 transferCount;
        uint128 gross;
        uint128 net;
    }

    /**
     * @notice A claim was filed.
     * @param claimId The new claim id.
     * @param creditorId Member id of the creditor.
     * @param debtorId Member id of the debtor.
     * @param amount Amount owed.
     * @param kind What it is for.
     * @param ref The lien, evidence item or external reference.
     * @param dueDate Timestamp from which it may be settled.
     * @param filer The creditor's address, or the creator contract that filed it.
     */
    event ClaimFiled(
        uint256 indexed claimId,
        uint256 indexed creditorId,
        uint256 indexed debtorId,
        uint256 amount,
        ClaimKind kind,
        bytes32 ref,
        uint64 dueDate,
        address filer
    );

    /**
     * @notice A claim was confirmed; it becomes final after `disputeEndsAt`.
     * @param claimId The claim.
     * @param by The debtor's address (sender or signer), or the creator contract that filed it confirmed.
     * @param disputeEndsAt Last timestamp at which the debtor can dispute it.
     */
    event ClaimConfirmed(uint256 indexed claimId, address indexed by, uint64 disputeEndsAt);

    /**
     * @notice A member voided its outstanding confirmation signatures.
     * @param memberId The member.
     * @param by Its address.
     * @param nonce The nonce signatures must carry from now on.
     */
    event SignaturesRevoked(uint256 indexed memberId, address indexed by, uint256 nonce);

    /**
     * @notice The debtor disputed a claim.
     * @param claimId The claim.
     * @param by The debtor's address.
     * @param evidence Reference of the evidence item supporting the dispute.
     */
    event ClaimDisputed(uint256 indexed claimId, address indexed by, bytes32 evidence);

    /**
     * @notice A dispute was resolved: by the debtor withdrawing it (upheld), or by governance.
     * @param claimId The claim.
     * @param by The debtor or the governance member that decided.
     * @param upheld True if the claim stands (it is Final now), false if it was rejected.
     * @param decision Reference of the governance decision (zero when the debtor withdrew its dispute).
     */
    event DisputeResolved(uint256 indexed claimId, address indexed by, bool upheld, bytes32 decision);

    /**
     * @notice The creditor withdrew a claim; it will never settle.
     * @param claimId The claim.
     * @param by The creditor's address.
     */
    event ClaimWithdrawn(uint256 indexed claimId, address indexed by);

    /**
     * @notice A claim was settled off chain, on a settlement bank's record of the payment.
     * @param claimId The claim.
     * @param endToEndId End-to-end id of the payment instruction (`CLM-<claimId>`).
     * @param bankId Member id of the settlement bank that recorded the payment.
     * @param bankReference The bank's reference of the payment.
     */
    event ClaimSettledOffChain(
        uint256 indexed claimId,
        bytes32 indexed endToEndId,
        uint256 bankId,
        bytes32 bankReference
    );

    /**
     * @notice A clearing cycle settled `claimIds` by moving net amounts only.
     * @param cycleId The cycle id (1, 2, 3, ...).
     * @param planHash SHA-256 of the net plan in canonical JSON.
     * @param by The member that submitted it.
     * @param gross Sum of the settled claims' amounts.
     * @param net Sum of the net transfers' amounts.
     * @param transferCount Number of net transfers.
     * @param claimIds The claims settled, in the order given.
     */
    event CycleSettled(
        uint256 indexed cycleId,
        bytes32 indexed planHash,
        address indexed by,
        uint256 gross,
        uint256 net,
        uint256 transferCount,
        uint256[] claimIds
    );

    /**
     * @notice The OPERATOR allow-list of creator contracts changed.
     * @param creator The contract.
     * @param allowed Whether it may now file confirmed claims.
     * @param by The operator's address.
     */
    event CreatorSet(address indexed creator, bool allowed, address indexed by);

    /**
     * @notice A constructor argument that must be a contract has no code.
     * @param account The address given.
     */
    error ClearingNotAContract(address account);

    /**
     * @notice The dispute window must be > 0 and <= `maxWindow`.
     * @param window The window given, in seconds.
     * @param maxWindow The longest window allowed.
     */
    error ClearingInvalidDisputeWindow(uint256 window, uint256 maxWindow);

    /**
     * @notice A claim amount must be > 0 and fit in 96 bits.
     * @param amount The amount given.
     */
    error ClearingInvalidAmount(uint256 amount);

    /**
     * @notice A due date must fit in 40 bits (before the year 36812).
     * @param dueDate The due date given.
     */
    error ClearingInvalidDueDate(uint256 dueDate);

    /// @notice A reference, evidence, decision or plan hash was zero.
    error ClearingZeroHash();

    /**
     * @notice `account` is not an active consortium member, so it cannot be a party of a claim.
     * @param account The address.
     */
    error ClearingInactiveParty(address account);

    /**
     * @notice The creditor and the debtor are the same member.
     * @param account The party's address.
     */
    error ClearingSelfClaim(address account);

    /**
     * @notice No claim has id `claimId`.
     * @param claimId The id.
     */
    error ClearingUnknownClaim(uint256 claimId);

    /**
     * @notice Claim `claimId` is `status`, which does not allow this step.
     * @param claimId The claim.
     * @param status Its current status.
     */
    error ClearingUnexpectedStatus(uint256 claimId, ClaimStatus status);

    /**
     * @notice Claim `claimId` can no longer be disputed: its window closed at `disputeEndsAt`.
     * @param claimId The claim.
     * @param disputeEndsAt The last timestamp at which it could be.
     */
    error ClearingDisputeWindowClosed(uint256 claimId, uint64 disputeEndsAt);

    /**
     * @notice `account` is not the current address of claim `claimId`'s debtor.
     * @param claimId The claim.
     * @param account The caller.
     */
    error ClearingNotDebtor(uint256 claimId, address account);

    /**
     * @notice `account` is not the current address of claim `claimId`'s creditor.
     * @param claimId The claim.
     * @param account The caller.
     */
    error ClearingNotCreditor(uint256 claimId, address account);

    /**
     * @notice `account` is a party of claim `claimId` and so cannot decide its dispute.
     * @param claimId The claim.
     * @param account The caller.
     */
    error ClearingConflictOfInterest(uint256 claimId, address account);

    /**
     * @notice The confirmation signature expired at `deadline`.
     * @param deadline The last timestamp it was valid at.
     */
    error ClearingSignatureExpired(uint256 deadline);

    /**
     * @notice The signature does not confirm claim `claimId` for its debtor under the debtor's current nonce,
     * on this chain and this contract. `signer` is the address it recovers to (zero if malformed).
     * @param claimId The claim.
     * @param signer The recovered signer.
     */
    error ClearingInvalidSignature(uint256 claimId, address signer);

    /**
     * @notice `account` is not an allow-listed creator contract.
     * @param account The caller.
     */
    error ClearingNotCreator(address account);

    /**
     * @notice `creator` is already (`allowed` true) or already not (false) on the creator allow-list.
     * @param creator The contract.
     * @param allowed The requested state.
     */
    error ClearingCreatorUnchanged(address creator, bool allowed);

    /// @notice A clearing cycle must settle at least one claim.
    error ClearingEmptyCycle();

    /**
     * @notice A cycle may settle at most `max` claims and list at most `maxMembers` members.
     * @param claims Number of claims given.
     * @param members Number of members given.
     * @param max The claim cap, {MAX_CLAIMS_PER_CYCLE}.
     * @param maxMembers The member cap, {MAX_MEMBERS_PER_CYCLE}.
     */
    error ClearingCycleTooLarge(uint256 claims, uint256 members, uint256 max, uint256 maxMembers);

    /**
     * @notice A plan with hash `planHash` was already settled, as cycle `cycleId`.
     * @param planHash The plan hash.
     * @param cycleId The cycle that settled it.
     */
    error ClearingPlanAlreadySettled(bytes32 planHash, uint256 cycleId);

    /**
     * @notice `account` at position `index` of the member list is not the current address of a member.
     * @param index The position in the list.
     * @param account The address.
     */
    error ClearingUnknownMember(uint256 index, address account);

    /**
     * @notice The member list must be in strictly ascending order of member id; it is not at `index`.
     * @param index The position in the list.
     */
    error ClearingMembersNotAscending(uint256 index);

    /**
     * @notice The planned positions sum to `sum` instead of zero.
     * @param sum Their sum.
     */
    error ClearingPositionsUnbalanced(int256 sum);

    /**
     * @notice Claim `claimId` is not final and cannot settle; it is `status`.
     * @param claimId The claim.
     * @param status Its current status.
     */
    error ClearingClaimNotFinal(uint256 claimId, ClaimStatus status);

    /**
     * @notice Claim `claimId` was already settled (in an earlier cycle, off chain, or earlier in this cycle).
     * @param claimId The claim.
     */
    error ClearingClaimAlreadySettled(uint256 claimId);

    /**
     * @notice Claim `claimId` is not due before `dueDate`.
     * @param claimId The claim.
     * @param dueDate Its due date.
     */
    error ClearingClaimNotDue(uint256 claimId, uint64 dueDate);

    /**
     * @notice Member `memberId`, a party of claim `claimId`, is not in the cycle's member list.
     * @param claimId The claim.
     * @param memberId The missing member.
     */
    error ClearingMemberNotInPlan(uint256 claimId, uint256 memberId);

    /**
     * @notice Member `memberId`'s net position over the cycle's claims is `actual`, but the plan says `planned`.
     * @param memberId The member.
     * @param actual Its position computed from the claims.
     * @param planned Its position in the plan.
     */
    error ClearingPositionMismatch(uint256 memberId, int256 actual, int256 planned);

    /**
     * @notice Transfer `index` is not from a net payer to a net receiver of the plan, or moves nothing.
     * @param index The transfer's position in the list.
     */
    error ClearingInvalidTransfer(uint256 index);

    /**
     * @notice The plan's transfers leave member `memberId` with `remaining` of its position unmoved.
     * @param memberId The member.
     * @param remaining Position minus net amount transferred to it.
     */
    error ClearingTransfersMismatch(uint256 memberId, int256 remaining);

    /**
     * @notice A plan needs at most one transfer fewer than members with non-zero positions.
     * @param transfers Number of transfers given.
     * @param max The most allowed.
     */
    error ClearingTooManyTransfers(uint256 transfers, uint256 max);

    /**
     * @notice No off-chain payment matching claim `claimId` (payer, payee, amount) is recorded under `endToEndId`.
     * @param claimId The claim.
     * @param endToEndId Its end-to-end id.
     */
    error ClearingNoOffChainSettlement(uint256 claimId, bytes32 endToEndId);

    /**
     * @notice Files a claim of `creditor` on `debtor`, already confirmed; its dispute window starts now.
     * @dev Callable only by a creator contract on the OPERATOR allow-list (see {setCreator}), which vouches
     * for the debtor's consent (e.g. the dealer's own sale report). The same rules as {fileClaim} apply to the
     * parties, amount, reference and due date.
     * @param creditor Address of the creditor member.
     * @param debtor Address of the debtor member.
     * @param amount Amount owed, in token units (> 0, < 2**96).
     * @param kind What it is for.
     * @param ref The lien, evidence item or external reference, non-zero.
     * @param dueDate Timestamp from which it may be settled (0: at once).
     * @return claimId The new claim id.
     */
    function fileConfirmedClaim(
        address creditor,
        address debtor,
        uint256 amount,
        ClaimKind kind,
        bytes32 ref,
        uint64 dueDate
    ) external returns (uint256 claimId);

    /**
     * @notice Claim `claimId` as of the current block.
     * @dev Callable by anyone. Reverts with {ClearingUnknownClaim} for an id that was never filed.
     * @param claimId The claim.
     * @return The claim.
     */
    function claim(uint256 claimId) external view returns (Claim memory);

    /**
     * @notice The status of claim `claimId` as of the current block ({ClaimStatus.None} if unknown).
     * @dev Callable by anyone.
     * @param claimId The claim.
     * @return The status.
     */
    function statusOf(uint256 claimId) external view returns (ClaimStatus);
}
