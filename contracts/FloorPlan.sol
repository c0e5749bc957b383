// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IFloorPlan} from "./interfaces/IFloorPlan.sol";
import {LotAudit} from "./LotAudit.sol";

/**
 * @title FloorPlan
 * @notice Dealer floor-plan (inventory) financing shared by every lender of the consortium: credit lines,
 * one active lien per vehicle across all lenders, dealer-signed receipt confirmations, sale reports,
 * payoffs, curtailments, repossession and refinancing between lenders.
 *
 * @dev Who may act is asked of the {IConsortium} registry on every call, by member id, so suspensions,
 * removals and key rotations take effect at once; its errors bubble up unchanged.
 *
 * Uniqueness. A vehicle has three keys: `vinHash`, `certificateHash` (certificate of conformity number)
 * and `engineHash`, each the keccak256 of the normalized identifier (`ledger/vin.py`). At most one active
 * lien may hold each key, whoever the lender: an advance that would break this reverts with
 * {FloorPlanAlreadyPledged} naming the key and its kind, and nothing of the other lien.
 *
 * Storage (gas). A first advance on a vehicle writes exactly three new slots, one per key: the lien record
 * under the VIN (status, flags, terms id, advance, disbursement time and 32-bit tags of the certificate and
 * engine hashes, in one word), and under the certificate and engine hashes the VIN that last held them. A
 * certificate or engine is held by an active lien when its holder's lien is active and carries its tag,
 * so a release writes only the lien word, and an advance on a known vehicle rewrites one word and reads
 * two. A tag collision (one in 2^32) can only make a free key look held, never a held key look free.
 * What the hot paths never need - payments, sale time, registration number, transfer offer - lives in
 * slots written only when used and cleared when the lien ends.
 *
 * Money and time. Amounts are integers in the smallest currency unit; per-vehicle amounts are below 2^80,
 * line limits below 2^96. Interest is simple interest on the outstanding principal, rounded down per
 * accrual period: `principal * rateBps * seconds / (10_000 * 365 days)` ({interest}); it accrues from
 * disbursement, and each recorded curtailment payment closes an accrual period. The payoff of a lien is
 * its outstanding principal, the accrued interest and the line's flat fee per vehicle. `ledger/financing.py`
 * computes the same figures to the smallest unit.
 *
 * Split. Lot audits live in {LotAudit}, a separate contract that keeps both under the 24,576-byte code
 * limit. The floor plan deploys it in its constructor, so each is bound to the other for good without a
 * setter; read its address with {lotAudit}.
 */
contract FloorPlan is IFloorPlan, EIP712 {
    using SafeCast for uint256;

    /**
     * @notice A vehicle of an advance batch.
     * @param vinHash keccak256 of the normalized VIN.
     * @param certificateHash keccak256 of the normalized certificate-of-conformity number.
     * @param engineHash keccak256 of the normalized engine number.
     * @param value Value of the vehicle (invoice or wholesale price); the advance is `value * advanceRateBps
     * / 10_000`, rounded down.
     */
    struct NewVehicle {
        bytes32 vinHash;
        bytes32 certificateHash;
        bytes32 engineHash;
        uint256 value;
    }

    /**
     * @notice A vehicle and its current (or, once released, last) lien.
     * @param status Effective status: a Sold vehicle past its payoff deadline reads SoldOutOfTrust.
     * @param lineId Line of the lien.
     * @param termsId Terms the lien was disbursed under.
     * @param advance Principal advanced.
     * @param principal Principal still outstanding (advance less curtailment payments).
     * @param disbursedAt Time of disbursement.
     * @param confirmBy Time by which the dealer should confirm receipt.
     * @param soldAt Time of the dealer's sale report, 0 if not reported.
     * @param payoffDueAt Time by which the payoff is due, 0 if not reported sold.
     * @param confirmed Whether the dealer confirmed receipt under this lien.
     * @param flaggedUnconfirmed Whether it was flagged unconfirmed past `confirmBy`.
     * @param missing Whether a lot audit found it missing under this lien.
     * @param curtailmentsFlagged Number of curtailment steps flagged overdue so far.
     * @param registration Movable-property registration number (or its hash), zero if none.
     * @param transferOfferLineId Line a transfer was offered to, 0 if none.
     */
    struct Vehicle {
        VehicleStatus status;
        uint256 lineId;
        uint256 termsId;
        uint256 advance;
        uint256 principal;
        uint256 disbursedAt;
        uint256 confirmBy;
        uint256 soldAt;
        uint256 payoffDueAt;
        bool confirmed;
        bool flaggedUnconfirmed;
        bool missing;
        uint256 curtailmentsFlagged;
        bytes32 registration;
        uint256 transferOfferLineId;
    }

    /// @dev A line's parties, terms, status and limit: read once per batch (32+32+32+8+96 bits).
    struct StoredLine {
        uint32 lenderId;
        uint32 dealerId;
        uint32 termsId;
        LineStatus status;
        uint96 limit;
    }

    /// @dev A line's running totals, written once per batch.
    struct LineBook {
        uint96 outstanding;
        uint32 activeLiens;
    }

    /// @dev Immutable terms; `schedule` packs up to 8 curtailment steps, step i in bits [32i, 32i+32) as
    /// day << 16 | bps.
    struct StoredTerms {
        uint32 lineId;
        uint16 advanceRateBps;
        uint16 interestRateBps;
        uint32 payoffWindow;
        uint32 confirmWindow;
        uint80 feePerVehicle;
        uint8 stepCount;
        uint256 schedule;
    }

    /// @dev The lien word under a VIN (8+8+8+32+80+40+32+32 = 240 bits).
    struct Lien {
        VehicleStatus status;
        uint8 flags;
        uint8 curtailmentsFlagged;
        uint32 termsId;
        uint80 advance;
        uint40 disbursedAt;
        uint32 certificateTag;
        uint32 engineTag;
    }

    /// @dev Payments and sale of the active lien; all zero when there are none, and cleared when it ends.
    /// Interest up to `accruedTo` is `interestAccrued`; from then (or from disbursement when `accruedTo`
    /// is 0) it accrues on `advance - principalPaid` (80+96+40+40 = 256 bits).
    struct LienProgress {
        uint80 principalPaid;
        uint96 interestAccrued;
        uint40 accruedTo;
        uint40 soldAt;
    }

    /// @notice Basis points in one: rates and shares are in 1/10,000. Callable by anyone.
    uint256 public constant BPS = 10_000;
    /// @notice Seconds in the 365-day interest year. Callable by anyone.
    uint256 public constant YEAR = 365 days;
    /// @notice Most steps in a curtailment schedule: they pack into one storage word. Callable by anyone.
    uint256 public constant MAX_CURTAILMENT_STEPS = 8;
    /// @notice EIP-712 type hash of a dealer's receipt confirmation. Callable by anyone.
    bytes32 public constant CONFIRM_RECEIPT_TYPEHASH =
        keccak256("ConfirmReceipt(bytes32[] vinHashes,address lender,uint256 lineId,uint256 nonce,uint256 deadline)");

    uint8 private constant _CONFIRMED = 1;
    uint8 private constant _FLAGGED_UNCONFIRMED = 2;
    uint8 private constant _MISSING = 4;

    /// @dev Role identifiers as {IConsortium} defines them: keccak256 of the role name.
    bytes32 private constant _LENDER = keccak256("LENDER");
    bytes32 private constant _DEALER = keccak256("DEALER");

    IConsortium private immutable _consortium;
    address private immutable _lotAudit;

    mapping(uint256 lineId => StoredLine) private _lines;
    mapping(uint256 lineId => LineBook) private _books;
    mapping(uint256 termsId => StoredTerms) private _terms;
    mapping(bytes32 vinHash => Lien) private _liens;
    mapping(bytes32 vinHash => LienProgress) private _progress;
    mapping(bytes32 certificateHash => bytes32 vinHash) private _certificateHolders;
    mapping(bytes32 engineHash => bytes32 vinHash) private _engineHolders;
    mapping(bytes32 vinHash => bytes32 registration) private _registrations;
    mapping(bytes32 vinHash => uint256 toLineId) private _transferOffers;
    mapping(uint256 dealerId => uint256 nonce) private _nonces;
    uint256 private _lineCount;
    uint256 private _termsCount;

    /**
     * @notice A lender opened a credit line for a dealer.
     * @param lineId New line id.
     * @param lenderId Member id of the lender.
     * @param dealerId Member id of the dealer.
     * @param limit Most principal outstanding.
     * @param termsId Terms of its advances (see {TermsSet}).
     */
    event LineOpened(
        uint256 indexed lineId,
        uint256 indexed lenderId,
        uint256 indexed dealerId,
        uint256 limit,
        uint256 termsId
    );

    /**
     * @notice A line's terms were stored under a new terms id.
     * @param termsId The new terms id.
     * @param lineId The line.
     * @param terms The terms.
     */
    event TermsSet(uint256 indexed termsId, uint256 indexed lineId, LineTerms terms);

    /**
     * @notice A lender changed a line's limit and terms; liens already disbursed keep their terms.
     * @param lineId The line.
     * @param limit New limit.
     * @param termsId New terms id.
     */
    event LineChanged(uint256 indexed lineId, uint256 limit, uint256 termsId);

    /**
     * @notice A line was frozen against new advances.
     * @param lineId The line.
     * @param by The lender, or the {LotAudit} contract.
     * @param auditId The audit that found a vehicle missing, 0 when the lender froze it.
     */
    event LineFrozen(uint256 indexed lineId, address indexed by, uint256 auditId);

    /**
     * @notice The lender reopened a frozen line.
     * @param lineId The line.
     */
    event LineUnfrozen(uint256 indexed lineId);

    /**
     * @notice The lender closed a line without active liens, for good.
     * @param lineId The line.
     */
    event LineClosed(uint256 indexed lineId);

    /**
     * @notice A lender advanced money on a vehicle: a lien now holds its three keys.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param certificateHash Its certificate-of-conformity number hash.
     * @param engineHash Its engine number hash.
     * @param advance The principal advanced.
     */
    event VehicleFinanced(
        bytes32 indexed vinHash,
        uint256 indexed lineId,
        bytes32 certificateHash,
        bytes32 engineHash,
        uint256 advance
    );

    /**
     * @notice Alert: a VIN was financed with a certificate other than the one it was last financed with, or
     * a certificate was financed with a VIN other than the one it was last financed with.
     * @param vinHash The vehicle financed now.
     * @param certificateHash The certificate it was financed with now.
     * @param previousVinHash The VIN the certificate was last financed with; zero if never.
     */
    event CertificateMismatch(bytes32 indexed vinHash, bytes32 indexed certificateHash, bytes32 previousVinHash);

    /**
     * @notice The movable-property registration of a lien was recorded (zero: removed).
     * @param vinHash The vehicle.
     * @param registration Registration number (short ASCII string) or its hash.
     */
    event RegistrationRecorded(bytes32 indexed vinHash, bytes32 registration);

    /**
     * @notice The dealer confirmed receipt of a financed vehicle with its signature.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param nonce The dealer's confirmation nonce the signature used.
     */
    event VehicleConfirmed(bytes32 indexed vinHash, uint256 indexed lineId, uint256 nonce);

    /**
     * @notice Alert: a financed vehicle was not confirmed by the dealer by its deadline.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param confirmBy The deadline that passed.
     */
    event VehicleUnconfirmed(bytes32 indexed vinHash, uint256 indexed lineId, uint256 confirmBy);

    /**
     * @notice The dealer reported a financed vehicle sold: its payoff is due by `payoffDueAt`.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param payoffDueAt Deadline of the payoff.
     */
    event VehicleSold(bytes32 indexed vinHash, uint256 indexed lineId, uint256 payoffDueAt);

    /**
     * @notice A sold vehicle's payoff deadline passed unpaid: it is sold out of trust.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param payoffDueAt The deadline that passed.
     */
    event VehicleSoldOutOfTrust(bytes32 indexed vinHash, uint256 indexed lineId, uint256 payoffDueAt);

    /**
     * @notice Alert: a lot audit found a financed vehicle missing from the dealer's lot.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param auditId The audit.
     */
    event SoldOutOfTrustAlert(bytes32 indexed vinHash, uint256 indexed lineId, uint256 indexed auditId);

    /**
     * @notice The lender recorded a curtailment (principal) payment.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param amount Principal paid.
     * @param principal Principal outstanding after the payment.
     */
    event CurtailmentPaid(bytes32 indexed vinHash, uint256 indexed lineId, uint256 amount, uint256 principal);

    /**
     * @notice Alert: curtailments of an unsold vehicle fell due and were not paid.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param due Curtailments due so far, in total.
     * @param paid Principal paid so far.
     */
    event CurtailmentOverdue(bytes32 indexed vinHash, uint256 indexed lineId, uint256 due, uint256 paid);

    /**
     * @notice The lender recorded the payoff: the lien is released and its keys are free.
     * @param vinHash The vehicle.
     * @param lineId The line.
     * @param principal Principal repaid.
     * @param interest Interest charged.
     * @param fee Fee charged.
     */
    event LienReleased(bytes32 indexed vinHash, uint256 indexed lineId, uint256 principal, uint256 interest, uint256 fee);

    /**
     * @notice The lender repossessed a financed vehicle; the lien stays active until released.
     * @param vinHash The vehicle.
     * @param lineId The line.
     */
    event VehicleRepossessed(bytes32 indexed vinHash, uint256 indexed lineId);

    /**
     * @notice The lender offered to transfer a lien to another line of the same dealer (0: offer withdrawn).
     * @param vinHash The vehicle.
     * @param fromLineId The lien's line.
     * @param toLineId The line offered to, or 0.
     */
    event TransferOffered(bytes32 indexed vinHash, uint256 indexed fromLineId, uint256 indexed toLineId);

    /**
     * @notice The receiving lender accepted a transfer: it advanced the old payoff, the old lien is repaid
     * and a new lien on `toLineId` holds the vehicle's keys.
     * @param vinHash The vehicle.
     * @param fromLineId The old line.
     * @param toLineId The new line.
     * @param principal Old principal repaid.
     * @param interest Old interest repaid.
     * @param fee Old fee repaid. The new advance is `principal + interest + fee`.
     */
    event LienTransferred(
        bytes32 indexed vinHash,
        uint256 indexed fromLineId,
        uint256 indexed toLineId,
        uint256 principal,
        uint256 interest,
        uint256 fee
    );

    /**
     * @notice `consortium` has no code, so it cannot be the member registry.
     * @param consortium The address given to the constructor.
     */
    error FloorPlanInvalidConsortium(address consortium);

    /**
     * @notice `account` is not the lender of line `lineId` (or not its current key).
     * @param lineId The line.
     * @param account The caller, or the lender address named in a confirmation.
     */
    error FloorPlanNotLineLender(uint256 lineId, address account);

    /**
     * @notice `account` is not the dealer of line `lineId` (or not its current key).
     * @param lineId The line.
     * @param account The caller, or the dealer address named in a confirmation.
     */
    error FloorPlanNotLineDealer(uint256 lineId, address account);

    /**
     * @notice Line `lineId` is `status`, which does not allow the operation (advances and incoming transfers
     * need Open, unfreezing needs Frozen, nothing changes a Closed line).
     * @param lineId The line.
     * @param status Its status.
     */
    error FloorPlanInvalidLineStatus(uint256 lineId, LineStatus status);

    /**
     * @notice Line `lineId` still has `activeLiens` active liens, so it cannot be closed.
     * @param lineId The line.
     * @param activeLiens Number of active liens.
     */
    error FloorPlanLineHasLiens(uint256 lineId, uint256 activeLiens);

    /**
     * @notice The advance rate must be 1..10,000 basis points.
     * @param advanceRateBps The rate sent.
     */
    error FloorPlanInvalidAdvanceRate(uint256 advanceRateBps);

    /**
     * @notice The payoff and confirmation windows must both be at least one second.
     * @param payoffWindow The payoff window sent.
     * @param confirmWindow The confirmation window sent.
     */
    error FloorPlanInvalidWindows(uint256 payoffWindow, uint256 confirmWindow);

    /**
     * @notice Curtailment step `index` has day 0, a day not after the previous step's, a share of 0, or
     * brings the total share above 10,000 basis points.
     * @param index Index of the first bad step.
     */
    error FloorPlanInvalidCurtailmentStep(uint256 index);

    /**
     * @notice A curtailment schedule has `count` steps, more than {MAX_CURTAILMENT_STEPS}.
     * @param count Number of steps sent.
     */
    error FloorPlanTooManyCurtailmentSteps(uint256 count);

    /**
     * @notice The advance would bring line `lineId` over its limit.
     * @param lineId The line.
     * @param limit Its limit.
     * @param outstanding Principal outstanding before the advance.
     * @param requested Principal the batch would add.
     */
    error FloorPlanLimitExceeded(uint256 lineId, uint256 limit, uint256 outstanding, uint256 requested);

    /// @notice A batch must name at least one vehicle.
    error FloorPlanEmptyBatch();

    /**
     * @notice Two parallel arrays differ in length.
     * @param vehicles Number of vehicles.
     * @param amounts Number of amounts.
     */
    error FloorPlanLengthMismatch(uint256 vehicles, uint256 amounts);

    /// @notice A VIN, certificate or engine hash was zero.
    error FloorPlanZeroHash();

    /**
     * @notice The advance on `vinHash` would be zero.
     * @param vinHash The vehicle.
     */
    error FloorPlanZeroAdvance(bytes32 vinHash);

    /**
     * @notice `amount` does not fit: per-vehicle amounts must be below 2^80, limits below 2^96.
     * @param amount The amount.
     */
    error FloorPlanAmountTooLarge(uint256 amount);

    /**
     * @notice An active lien already holds `key` (a VIN, certificate or engine hash, as `kind` says).
     * @param key The key.
     * @param kind Which key it is.
     */
    error FloorPlanAlreadyPledged(bytes32 key, KeyKind kind);

    /**
     * @notice No active lien holds `vinHash`.
     * @param vinHash The vehicle.
     */
    error FloorPlanNotPledged(bytes32 vinHash);

    /**
     * @notice The lien on `vinHash` is not on line `lineId`.
     * @param vinHash The vehicle.
     * @param lineId The line named.
     */
    error FloorPlanNotOnLine(bytes32 vinHash, uint256 lineId);

    /**
     * @notice `vinHash` is `status`, which does not allow the operation.
     * @param vinHash The vehicle.
     * @param status Its stored status.
     */
    error FloorPlanInvalidStatus(bytes32 vinHash, VehicleStatus status);

    /**
     * @notice The dealer's confirmation expired at `deadline`.
     * @param deadline The signed deadline.
     */
    error FloorPlanSignatureExpired(uint256 deadline);

    /**
     * @notice `dealer`'s next confirmation nonce is `expected`, the confirmation used `nonce` (a replay, or
     * one signed out of order).
     * @param dealer The dealer.
     * @param expected Its next nonce ({confirmationNonce}).
     * @param nonce The nonce signed.
     */
    error FloorPlanInvalidNonce(address dealer, uint256 expected, uint256 nonce);

    /**
     * @notice The signature is not `dealer`'s over this confirmation on this chain and contract.
     * @param dealer The dealer the confirmation names.
     */
    error FloorPlanInvalidSignature(address dealer);

    /**
     * @notice The dealer already confirmed receipt of `vinHash` under its current lien.
     * @param vinHash The vehicle.
     */
    error FloorPlanAlreadyConfirmed(bytes32 vinHash);

    /**
     * @notice `vinHash` was already flagged unconfirmed.
     * @param vinHash The vehicle.
     */
    error FloorPlanAlreadyFlagged(bytes32 vinHash);

    /**
     * @notice The dealer still has until `confirmBy` to confirm `vinHash`.
     * @param vinHash The vehicle.
     * @param confirmBy The confirmation deadline.
     */
    error FloorPlanConfirmationNotDue(bytes32 vinHash, uint256 confirmBy);

    /**
     * @notice The payoff of `vinHash` is due only at `payoffDueAt`, which has not passed.
     * @param vinHash The vehicle.
     * @param payoffDueAt The payoff deadline.
     */
    error FloorPlanPayoffNotOverdue(bytes32 vinHash, uint256 payoffDueAt);

    /**
     * @notice No curtailment of `vinHash` is overdue beyond those already flagged.
     * @param vinHash The vehicle.
     */
    error FloorPlanNoOverdueCurtailment(bytes32 vinHash);

    /**
     * @notice A curtailment payment must be more than 0 and at most the outstanding principal.
     * @param vinHash The vehicle.
     * @param amount The payment.
     * @param principal The outstanding principal.
     */
    error FloorPlanInvalidPayment(bytes32 vinHash, uint256 amount, uint256 principal);

    /**
     * @notice A lien can move only to another line of the same dealer.
     * @param fromLineId The lien's line.
     * @param toLineId The line named.
     */
    error FloorPlanInvalidTransferLine(uint256 fromLineId, uint256 toLineId);

    /**
     * @notice The lien on `vinHash` was not offered to line `toLineId`.
     * @param vinHash The vehicle.
     * @param toLineId The accepting line.
     */
    error FloorPlanNoTransferOffer(bytes32 vinHash, uint256 toLineId);

    /**
     * @notice Only the floor plan's {LotAudit} may report missing vehicles.
     * @param caller The caller.
     */
    error FloorPlanNotLotAudit(address caller);

    /**
     * @notice `at` is before `from`, the start of the lien's current accrual period.
     * @param vinHash The vehicle.
     * @param at The time asked about.
     * @param from Disbursement, or the last curtailment payment.
     */
    error FloorPlanTimeBeforeAccrual(bytes32 vinHash, uint256 at, uint256 from);

    /**
     * @notice Binds the floor plan to the consortium registry at `consortium_` and deploys its {LotAudit}.
     * @dev Callable by anyone (deployment). Reverts with {FloorPlanInvalidConsortium} if `consortium_` has no
     * code.
     * @param consortium_ The {IConsortium} registry that decides who may act.
     */
    constructor(IConsortium consortium_) EIP712("AutoLedger FloorPlan", "1") {
        if (address(consortium_).code.length == 0) revert FloorPlanInvalidConsortium(address(consortium_));
        _consortium = consortium_;
        _lotAudit = address(new LotAudit(consortium_, this));
    }

    // ---------------------------------------------------------------------------------------------
    // Credit lines
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Opens a credit line of the caller for `dealer`, with a `limit` on outstanding principal.
     * @dev Callable only by an active LENDER member; `dealer` must be an active DEALER member (else the
     * consortium's errors). Reverts with {FloorPlanAmountTooLarge} for a limit of 2^96 or more and with the
     * terms errors of {changeLine}.
     * @param dealer Current address of the dealer.
     * @param limit Most principal outstanding after any advance.
     * @param newTerms Terms of the line's advances.
     * @return lineId The new line id (1, 2, 3, ...).
     */
    function openLine(address dealer, uint256 limit, LineTerms calldata newTerms) external returns (uint256 lineId) {
        uint256 lenderId = _requireRole(_LENDER);
        _consortium.requireActiveRole(_DEALER, dealer);
        uint256 dealerId = _consortium.memberIdOf(dealer);
        lineId = ++_lineCount;
        uint256 termsId = _storeTerms(lineId, newTerms);
        _lines[lineId] = StoredLine({
            lenderId: lenderId.toUint32(),
            dealerId: dealerId.toUint32(),
            termsId: termsId.toUint32(),
            status: LineStatus.Open,
            limit: _toLimit(limit)
        });
        emit LineOpened(lineId, lenderId, dealerId, limit, termsId);
    }

    /**
     * @notice Sets the limit and terms of line `lineId`. New terms apply to later advances only; every
     * lien keeps the terms it was disbursed under. A limit below the outstanding principal only stops
     * new advances.
     * @dev Callable only by the line's lender (active LENDER). Reverts with {FloorPlanInvalidLineStatus} on a
     * closed line, {FloorPlanAmountTooLarge}, {FloorPlanInvalidAdvanceRate}, {FloorPlanInvalidWindows},
     * {FloorPlanTooManyCurtailmentSteps} or {FloorPlanInvalidCurtailmentStep}.
     * @param lineId The line.
     * @param limit The new limit.
     * @param newTerms The new terms.
     */
    function changeLine(uint256 lineId, uint256 limit, LineTerms calldata newTerms) external {
        StoredLine storage stored = _lenderLine(lineId);
        if (stored.status == LineStatus.Closed) revert FloorPlanInvalidLineStatus(lineId, LineStatus.Closed);
        uint256 termsId = _storeTerms(lineId, newTerms);
        stored.termsId = termsId.toUint32();
        stored.limit = _toLimit(limit);
        emit LineChanged(lineId, limit, termsId);
    }

    /**
     * @notice Freezes line `lineId`: no new advances or incoming transfers until it is unfrozen. Sales,
     * payoffs and releases go on.
     * @dev Callable only by the line's lender. Reverts with {FloorPlanInvalidLineStatus} unless it is Open.
     * @param lineId The line.
     */
    function freezeLine(uint256 lineId) external {
        StoredLine storage stored = _lenderLine(lineId);
        if (stored.status != LineStatus.Open) revert FloorPlanInvalidLineStatus(lineId, stored.status);
        stored.status = LineStatus.Frozen;
        emit LineFrozen(lineId, msg.sender, 0);
    }

    /**
     * @notice Reopens the frozen line `lineId`.
     * @dev Callable only by the line's lender. Reverts with {FloorPlanInvalidLineStatus} unless it is Frozen.
     * @param lineId The line.
     */
    function unfreezeLine(uint256 lineId) external {
        StoredLine storage stored = _lenderLine(lineId);
        if (stored.status != LineStatus.Frozen) revert FloorPlanInvalidLineStatus(lineId, stored.status);
        stored.status = LineStatus.Open;
        emit LineUnfrozen(lineId);
    }

    /**
     * @notice Closes line `lineId` for good.
     * @dev Callable only by the line's lender. Reverts with {FloorPlanInvalidLineStatus} if it is already
     * closed and {FloorPlanLineHasLiens} while it has active liens.
     * @param lineId The line.
     */
    function closeLine(uint256 lineId) external {
        StoredLine storage stored = _lenderLine(lineId);
        if (stored.status == LineStatus.Closed) revert FloorPlanInvalidLineStatus(lineId, LineStatus.Closed);
        uint256 active = _books[lineId].activeLiens;
        if (active != 0) revert FloorPlanLineHasLiens(lineId, active);
        stored.status = LineStatus.Closed;
        emit LineClosed(lineId);
    }

    // ---------------------------------------------------------------------------------------------
    // Advances
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Advances money on each of `vehicles` on line `lineId`: a lien on its VIN, certificate and
     * engine hashes, with `value * advanceRateBps / 10_000` (rounded down) of principal, disbursed now.
     * @dev Callable only by the line's lender (active LENDER). All or nothing. Reverts with:
     * - {FloorPlanInvalidLineStatus} unless the line is Open, {FloorPlanEmptyBatch};
     * - {FloorPlanZeroHash}, {FloorPlanAmountTooLarge} for a value of 2^80 or more, {FloorPlanZeroAdvance};
     * - {FloorPlanAlreadyPledged} naming the first key an active lien (of any lender, or earlier in the
     *   batch) already holds;
     * - {FloorPlanLimitExceeded} if the line's outstanding principal would pass its limit.
     * Emits {VehicleFinanced} per vehicle, {CertificateMismatch} where the VIN and certificate were last
     * financed with others, and {RegistrationRecorded} per vehicle if `registration` is not zero.
     * @param lineId The line.
     * @param vehicles The vehicles and their values.
     * @param registration Movable-property registration covering the batch, or zero.
     */
    function advance(uint256 lineId, NewVehicle[] calldata vehicles, bytes32 registration) external {
        StoredLine memory stored = _lenderLine(lineId);
        if (stored.status != LineStatus.Open) revert FloorPlanInvalidLineStatus(lineId, stored.status);
        uint256 count = vehicles.length;
        if (count == 0) revert FloorPlanEmptyBatch();
        uint256 rate = _terms[stored.termsId].advanceRateBps;
        uint256 total;
        for (uint256 i = 0; i < count; ++i) {
            NewVehicle calldata item = vehicles[i];
            bytes32 vinHash = item.vinHash;
            uint256 value = item.value;
            if (value > type(uint80).max) revert FloorPlanAmountTooLarge(value);
            // Cannot overflow: value < 2^80 and rate <= 10_000.
            uint256 amount = (value * rate) / BPS;
            if (amount == 0) revert FloorPlanZeroAdvance(vinHash);
            _pledge(vinHash, item.certificateHash, item.engineHash, stored.termsId, amount);
            emit VehicleFinanced(vinHash, lineId, item.certificateHash, item.engineHash, amount);
            if (registration != bytes32(0)) {
                _registrations[vinHash] = registration;
                emit RegistrationRecorded(vinHash, registration);
            }
            total += amount;
        }
        _addToBook(lineId, stored.limit, total, count);
    }

    /**
     * @notice Records the movable-property registration (short ASCII number or its hash) of the active
     * liens on `vinHashes`; zero removes it. A registration lasts as long as its lien.
     * @dev Callable only by the lender of each vehicle's line. Reverts with {FloorPlanEmptyBatch},
     * {FloorPlanNotPledged} or {FloorPlanNotLineLender}.
     * @param vinHashes The vehicles.
     * @param registration The registration.
     */
    function recordRegistration(bytes32[] calldata vinHashes, bytes32 registration) external {
        uint256 lenderId = _requireRole(_LENDER);
        _requireBatch(vinHashes.length);
        Party memory party = Party({memberId: lenderId, dealer: false, termsId: 0, lineId: 0});
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            _partyLine(party, _activeLien(vinHash).termsId);
            _registrations[vinHash] = registration;
            emit RegistrationRecorded(vinHash, registration);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Dealer confirmation
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Records the dealer's confirmation that it received the vehicles `vinHashes` financed on line
     * `lineId`, signed by the dealer as EIP-712 `ConfirmReceipt(bytes32[] vinHashes,address lender,uint256
     * lineId,uint256 nonce,uint256 deadline)` under this contract's domain ("AutoLedger FloorPlan", "1",
     * this chain id, this address).
     * @dev Callable by anyone: the signature is the dealer's authority, so an operator can relay it but
     * not make one up. `dealer` must be an active DEALER member (else the consortium's errors). Reverts with
     * {FloorPlanSignatureExpired} after `deadline`, {FloorPlanNotLineLender} / {FloorPlanNotLineDealer} if
     * `lender` / `dealer` are not the current keys of the line's parties, {FloorPlanInvalidNonce} unless
     * `nonce` is the dealer's {confirmationNonce} (so a confirmation counts once),
     * {FloorPlanInvalidSignature} for a signature that is not the dealer's over exactly these fields
     * (forged, altered, or made for another chain or contract), {FloorPlanEmptyBatch}, and per vehicle
     * {FloorPlanNotPledged}, {FloorPlanNotOnLine} or {FloorPlanAlreadyConfirmed}. The dealer may be a
     * contract account (ERC-1271).
     * @param lineId The line.
     * @param vinHashes The vehicles received.
     * @param lender Current address of the line's lender.
     * @param dealer Current address of the line's dealer, the signer.
     * @param nonce The dealer's confirmation nonce.
     * @param deadline Last timestamp at which the confirmation can be recorded.
     * @param signature The dealer's signature.
     */
    function confirmReceipt(
        uint256 lineId,
        bytes32[] calldata vinHashes,
        address lender,
        address dealer,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert FloorPlanSignatureExpired(deadline);
        uint256 dealerId = _confirmationParties(lineId, lender, dealer);
        uint256 expected = _nonces[dealerId];
        if (nonce != expected) revert FloorPlanInvalidNonce(dealer, expected, nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CONFIRM_RECEIPT_TYPEHASH,
                    keccak256(abi.encodePacked(vinHashes)),
                    lender,
                    lineId,
                    nonce,
                    deadline
                )
            )
        );
        if (!_isDealerSignature(dealer, digest, signature)) revert FloorPlanInvalidSignature(dealer);
        _requireBatch(vinHashes.length);
        _nonces[dealerId] = expected + 1;
        _confirmVehicles(lineId, vinHashes, nonce);
    }

    /**
     * @notice Flags the financed vehicles `vinHashes` whose dealer did not confirm receipt by the deadline.
     * @dev Callable by anyone. Reverts with {FloorPlanEmptyBatch}, and per vehicle with {FloorPlanNotPledged},
     * {FloorPlanAlreadyConfirmed}, {FloorPlanAlreadyFlagged} or {FloorPlanConfirmationNotDue}.
     * @param vinHashes The vehicles.
     */
    function flagUnconfirmed(bytes32[] calldata vinHashes) external {
        _requireBatch(vinHashes.length);
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            if (lien.flags & _CONFIRMED != 0) revert FloorPlanAlreadyConfirmed(vinHash);
            if (lien.flags & _FLAGGED_UNCONFIRMED != 0) revert FloorPlanAlreadyFlagged(vinHash);
            StoredTerms storage stored = _terms[lien.termsId];
            uint256 confirmBy = uint256(lien.disbursedAt) + stored.confirmWindow;
            if (block.timestamp <= confirmBy) revert FloorPlanConfirmationNotDue(vinHash, confirmBy);
            _liens[vinHash].flags = lien.flags | _FLAGGED_UNCONFIRMED;
            emit VehicleUnconfirmed(vinHash, stored.lineId, confirmBy);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Sale, payoff, curtailments, repossession
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Reports the financed vehicles `vinHashes` sold: each payoff falls due within the payoff window
     * of the lien's terms.
     * @dev Callable only by the dealer of each vehicle's line (active DEALER). Reverts with
     * {FloorPlanEmptyBatch}, and per vehicle {FloorPlanNotPledged}, {FloorPlanNotLineDealer} or
     * {FloorPlanInvalidStatus} unless it is Financed.
     * @param vinHashes The vehicles sold.
     */
    function reportSale(bytes32[] calldata vinHashes) external {
        uint256 dealerId = _requireRole(_DEALER);
        _requireBatch(vinHashes.length);
        Party memory party = Party({memberId: dealerId, dealer: true, termsId: 0, lineId: 0});
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            uint256 lineId = _partyLine(party, lien.termsId);
            _requireStatus(vinHash, lien.status, VehicleStatus.Financed);
            _liens[vinHash].status = VehicleStatus.Sold;
            _progress[vinHash].soldAt = uint40(block.timestamp);
            emit VehicleSold(vinHash, lineId, block.timestamp + _terms[lien.termsId].payoffWindow);
        }
    }

    /**
     * @notice Records that sold vehicles `vinHashes` were not paid off by their deadline: sold out of trust.
     * @dev Callable by anyone once the deadline has passed (a view already reads such a vehicle as
     * SoldOutOfTrust; this records it and emits the alert). Reverts with {FloorPlanEmptyBatch}, and per
     * vehicle {FloorPlanNotPledged}, {FloorPlanInvalidStatus} unless it is Sold, or
     * {FloorPlanPayoffNotOverdue}.
     * @param vinHashes The vehicles.
     */
    function markSoldOutOfTrust(bytes32[] calldata vinHashes) external {
        _requireBatch(vinHashes.length);
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            _requireStatus(vinHash, lien.status, VehicleStatus.Sold);
            StoredTerms storage stored = _terms[lien.termsId];
            uint256 dueAt = uint256(_progress[vinHash].soldAt) + stored.payoffWindow;
            if (block.timestamp <= dueAt) revert FloorPlanPayoffNotOverdue(vinHash, dueAt);
            _liens[vinHash].status = VehicleStatus.SoldOutOfTrust;
            emit VehicleSoldOutOfTrust(vinHash, stored.lineId, dueAt);
        }
    }

    /**
     * @notice Records that the payoff of each of `vinHashes` was received: the liens are released and the
     * vehicles' keys are free. The payoff is the figure of {payoffAmount} now.
     * @dev Callable only by the lender of each vehicle's line (active LENDER), in any active status.
     * Reverts with {FloorPlanEmptyBatch}, and per vehicle {FloorPlanNotPledged} or {FloorPlanNotLineLender}.
     * @param vinHashes The vehicles paid off.
     */
    function release(bytes32[] calldata vinHashes) external {
        uint256 lenderId = _requireRole(_LENDER);
        _requireBatch(vinHashes.length);
        Party memory party = Party({memberId: lenderId, dealer: false, termsId: 0, lineId: 0});
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            uint256 lineId = _partyLine(party, lien.termsId);
            (uint256 principal, uint256 interest_, uint256 fee) = _payoff(vinHash, lien, block.timestamp);
            _liens[vinHash].status = VehicleStatus.Released;
            _endLien(vinHash, lineId, principal);
            emit LienReleased(vinHash, lineId, principal, interest_, fee);
        }
    }

    /**
     * @notice Records curtailment (principal) payments `amounts` on the active liens of `vinHashes`; each
     * closes an accrual period of the lien's interest and lowers its line's outstanding principal.
     * @dev Callable only by the lender of each vehicle's line. Reverts with {FloorPlanEmptyBatch},
     * {FloorPlanLengthMismatch}, and per vehicle {FloorPlanNotPledged}, {FloorPlanNotLineLender} or
     * {FloorPlanInvalidPayment} unless 0 < amount <= outstanding principal.
     * @param vinHashes The vehicles.
     * @param amounts Principal paid on each.
     */
    function recordCurtailments(bytes32[] calldata vinHashes, uint256[] calldata amounts) external {
        uint256 lenderId = _requireRole(_LENDER);
        _requireBatch(vinHashes.length);
        if (amounts.length != vinHashes.length) revert FloorPlanLengthMismatch(vinHashes.length, amounts.length);
        Party memory party = Party({memberId: lenderId, dealer: false, termsId: 0, lineId: 0});
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            uint256 amount = amounts[i];
            Lien memory lien = _activeLien(vinHash);
            uint256 lineId = _partyLine(party, lien.termsId);
            (uint256 principal, uint256 interest_, ) = _payoff(vinHash, lien, block.timestamp);
            if (amount == 0 || amount > principal) revert FloorPlanInvalidPayment(vinHash, amount, principal);
            LienProgress storage progress = _progress[vinHash];
            // principalPaid cannot overflow: it stays <= advance < 2^80. Interest is checked: absurd rates
            // over decades could pass 2^96.
            progress.principalPaid += uint80(amount);
            progress.interestAccrued = interest_.toUint96();
            progress.accruedTo = uint40(block.timestamp);
            LineBook storage book = _books[lineId];
            book.outstanding -= uint96(amount);
            emit CurtailmentPaid(vinHash, lineId, amount, principal - amount);
        }
    }

    /**
     * @notice Flags the unsold financed vehicles `vinHashes` whose curtailments fell due unpaid, once per
     * newly due step.
     * @dev Callable by anyone. Reverts with {FloorPlanEmptyBatch}, and per vehicle {FloorPlanNotPledged},
     * {FloorPlanInvalidStatus} unless it is Financed, or {FloorPlanNoOverdueCurtailment} unless a step not
     * flagged before is due and the payments are short of the total due.
     * @param vinHashes The vehicles.
     */
    function flagOverdueCurtailments(bytes32[] calldata vinHashes) external {
        _requireBatch(vinHashes.length);
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            _requireStatus(vinHash, lien.status, VehicleStatus.Financed);
            (uint256 due, uint256 stepsDue, ) = _curtailmentsDue(lien, block.timestamp);
            uint256 paid = _progress[vinHash].principalPaid;
            if (stepsDue <= lien.curtailmentsFlagged || due <= paid) revert FloorPlanNoOverdueCurtailment(vinHash);
            _liens[vinHash].curtailmentsFlagged = uint8(stepsDue);
            emit CurtailmentOverdue(vinHash, _terms[lien.termsId].lineId, due, paid);
        }
    }

    /**
     * @notice Records that the lender repossessed the vehicles `vinHashes`; their liens stay active until
     * released.
     * @dev Callable only by the lender of each vehicle's line. Reverts with {FloorPlanEmptyBatch}, and per
     * vehicle {FloorPlanNotPledged}, {FloorPlanNotLineLender} or {FloorPlanInvalidStatus} if already
     * repossessed.
     * @param vinHashes The vehicles.
     */
    function repossess(bytes32[] calldata vinHashes) external {
        uint256 lenderId = _requireRole(_LENDER);
        _requireBatch(vinHashes.length);
        Party memory party = Party({memberId: lenderId, dealer: false, termsId: 0, lineId: 0});
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            uint256 lineId = _partyLine(party, lien.termsId);
            if (lien.status == VehicleStatus.Repossessed) revert FloorPlanInvalidStatus(vinHash, lien.status);
            _liens[vinHash].status = VehicleStatus.Repossessed;
            emit VehicleRepossessed(vinHash, lineId);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Refinancing
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Offers the liens on the unsold financed vehicles `vinHashes` to line `toLineId`, another line of
     * the same dealer (usually another lender's); `toLineId` 0 withdraws the offers. The transfer happens
     * when that line's lender accepts ({acceptTransfer}).
     * @dev Callable only by the lender of each vehicle's line. Reverts with {FloorPlanEmptyBatch},
     * {FloorPlanUnknownLine}, and per vehicle {FloorPlanNotPledged}, {FloorPlanNotLineLender},
     * {FloorPlanInvalidStatus} unless it is Financed, or {FloorPlanInvalidTransferLine} if `toLineId` is
     * the lien's own line or another dealer's.
     * @param vinHashes The vehicles.
     * @param toLineId The receiving line, or 0.
     */
    function offerTransfer(bytes32[] calldata vinHashes, uint256 toLineId) external {
        uint256 lenderId = _requireRole(_LENDER);
        _requireBatch(vinHashes.length);
        uint256 toDealerId = toLineId == 0 ? 0 : _existingLine(toLineId).dealerId;
        Party memory party = Party({memberId: lenderId, dealer: false, termsId: 0, lineId: 0});
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            uint256 fromLineId = _partyLine(party, lien.termsId);
            _requireStatus(vinHash, lien.status, VehicleStatus.Financed);
            if (toLineId == fromLineId || (toLineId != 0 && _lines[fromLineId].dealerId != toDealerId)) {
                revert FloorPlanInvalidTransferLine(fromLineId, toLineId);
            }
            _transferOffers[vinHash] = toLineId;
            emit TransferOffered(vinHash, fromLineId, toLineId);
        }
    }

    /**
     * @notice Accepts the transfers of the liens on `vinHashes` offered to line `toLineId`: for each, the
     * caller advances the old lien's payoff now (principal, interest and fee, see {payoffAmount}), the old
     * lien is repaid and released from its line, and a new lien on `toLineId` under its current terms
     * holds the vehicle's keys, disbursed now and not yet confirmed by the dealer.
     * @dev Callable only by the lender of `toLineId`. Reverts with {FloorPlanInvalidLineStatus} unless the
     * line is Open, {FloorPlanEmptyBatch}, per vehicle {FloorPlanNotPledged}, {FloorPlanNoTransferOffer},
     * {FloorPlanInvalidStatus} unless it is Financed, {FloorPlanAmountTooLarge}, and
     * {FloorPlanLimitExceeded}.
     * @param toLineId The receiving line.
     * @param vinHashes The vehicles.
     */
    function acceptTransfer(uint256 toLineId, bytes32[] calldata vinHashes) external {
        StoredLine memory stored = _lenderLine(toLineId);
        if (stored.status != LineStatus.Open) revert FloorPlanInvalidLineStatus(toLineId, stored.status);
        _requireBatch(vinHashes.length);
        uint256 total;
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            if (_transferOffers[vinHash] != toLineId) revert FloorPlanNoTransferOffer(vinHash, toLineId);
            _requireStatus(vinHash, lien.status, VehicleStatus.Financed);
            uint256 fromLineId = _terms[lien.termsId].lineId;
            (uint256 principal, uint256 interest_, uint256 fee) = _payoff(vinHash, lien, block.timestamp);
            uint256 amount = principal + interest_ + fee;
            if (amount > type(uint80).max) revert FloorPlanAmountTooLarge(amount);
            _endLien(vinHash, fromLineId, principal);
            _liens[vinHash] = Lien({
                status: VehicleStatus.Financed,
                flags: 0,
                curtailmentsFlagged: 0,
                termsId: stored.termsId,
                advance: uint80(amount),
                disbursedAt: uint40(block.timestamp),
                certificateTag: lien.certificateTag,
                engineTag: lien.engineTag
            });
            emit LienTransferred(vinHash, fromLineId, toLineId, principal, interest_, fee);
            total += amount;
        }
        _addToBook(toLineId, stored.limit, total, vinHashes.length);
    }

    // ---------------------------------------------------------------------------------------------
    // Lot audit hook
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IFloorPlan
    function reportMissing(bytes32 vinHash, uint256 auditId, bool freeze) external {
        if (msg.sender != _lotAudit) revert FloorPlanNotLotAudit(msg.sender);
        Lien storage lien = _liens[vinHash];
        uint256 lineId = _terms[_activeLien(vinHash).termsId].lineId;
        lien.flags |= _MISSING;
        emit SoldOutOfTrustAlert(vinHash, lineId, auditId);
        StoredLine storage stored = _lines[lineId];
        if (freeze && stored.status == LineStatus.Open) {
            stored.status = LineStatus.Frozen;
            emit LineFrozen(lineId, msg.sender, auditId);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IFloorPlan
    function isPledged(bytes32 vinHash) external view returns (bool) {
        if (!_consortium.isActiveMember(msg.sender)) revert IConsortium.ConsortiumMemberNotActive(msg.sender);
        return _liens[vinHash].status >= VehicleStatus.Financed;
    }

    /// @inheritdoc IFloorPlan
    function lienOf(bytes32 vinHash) external view returns (uint256 lineId, VehicleStatus status) {
        Lien storage lien = _liens[vinHash];
        return (_terms[lien.termsId].lineId, lien.status);
    }

    /// @inheritdoc IFloorPlan
    function line(uint256 lineId) external view returns (Line memory) {
        StoredLine memory stored = _existingLine(lineId);
        LineBook memory book = _books[lineId];
        return
            Line({
                lenderId: stored.lenderId,
                dealerId: stored.dealerId,
                termsId: stored.termsId,
                status: stored.status,
                limit: stored.limit,
                outstanding: book.outstanding,
                activeLiens: book.activeLiens
            });
    }

    /**
     * @notice Terms `termsId` and the line they belong to.
     * @dev Callable by anyone. Returns line 0 and zero terms for an unknown id.
     * @param termsId The terms id.
     * @return lineId The line.
     * @return lineTerms The terms.
     */
    function terms(uint256 termsId) external view returns (uint256 lineId, LineTerms memory lineTerms) {
        StoredTerms storage stored = _terms[termsId];
        lineTerms.advanceRateBps = stored.advanceRateBps;
        lineTerms.interestRateBps = stored.interestRateBps;
        lineTerms.payoffWindow = stored.payoffWindow;
        lineTerms.confirmWindow = stored.confirmWindow;
        lineTerms.feePerVehicle = stored.feePerVehicle;
        uint256 count = stored.stepCount;
        uint256 schedule = stored.schedule;
        lineTerms.curtailments = new CurtailmentStep[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 step = schedule >> (32 * i);
            lineTerms.curtailments[i] = CurtailmentStep({day: uint16(step >> 16), bps: uint16(step)});
        }
        return (stored.lineId, lineTerms);
    }

    /**
     * @notice Vehicle `vinHash` and its current lien (or last one, once released).
     * @dev Callable by anyone. All zero for a vehicle never financed. The chain's state is readable by every
     * node of the consortium, so this view does not pretend to hide it; the contract's promise is that
     * its errors and {isPledged} never reveal another lender's terms, and the API decides who sees what.
     * @param vinHash keccak256 of the normalized VIN.
     * @return result The vehicle.
     */
    function vehicle(bytes32 vinHash) external view returns (Vehicle memory result) {
        Lien memory lien = _liens[vinHash];
        if (lien.status == VehicleStatus.None) return result;
        StoredTerms storage stored = _terms[lien.termsId];
        LienProgress memory progress = _progress[vinHash];
        result.status = lien.status;
        result.lineId = stored.lineId;
        result.termsId = lien.termsId;
        result.advance = lien.advance;
        result.principal = lien.status >= VehicleStatus.Financed ? lien.advance - progress.principalPaid : 0;
        result.disbursedAt = lien.disbursedAt;
        result.confirmBy = uint256(lien.disbursedAt) + stored.confirmWindow;
        if (progress.soldAt != 0) {
            result.soldAt = progress.soldAt;
            result.payoffDueAt = uint256(progress.soldAt) + stored.payoffWindow;
            if (lien.status == VehicleStatus.Sold && block.timestamp > result.payoffDueAt) {
                result.status = VehicleStatus.SoldOutOfTrust;
            }
        }
        result.confirmed = lien.flags & _CONFIRMED != 0;
        result.flaggedUnconfirmed = lien.flags & _FLAGGED_UNCONFIRMED != 0;
        result.missing = lien.flags & _MISSING != 0;
        result.curtailmentsFlagged = lien.curtailmentsFlagged;
        result.registration = _registrations[vinHash];
        result.transferOfferLineId = _transferOffers[vinHash];
    }

    /**
     * @notice What paying off the active lien on `vinHash` at time `at` costs: outstanding principal,
     * interest accrued up to `at`, and the line's fee. Their sum is the payoff.
     * @dev Callable by anyone. Reverts with {FloorPlanNotPledged} without an active lien and
     * {FloorPlanTimeBeforeAccrual} if `at` is before the current accrual period (disbursement, or the
     * last curtailment payment).
     * @param vinHash The vehicle.
     * @param at The payoff time (a timestamp).
     * @return principal Outstanding principal.
     * @return interestDue Interest from disbursement to `at`.
     * @return fee The fee.
     */
    function payoffAmount(
        bytes32 vinHash,
        uint256 at
    ) external view returns (uint256 principal, uint256 interestDue, uint256 fee) {
        return _payoff(vinHash, _activeLien(vinHash), at);
    }

    /**
     * @notice The curtailments of the active lien on `vinHash` at time `at`.
     * @dev Callable by anyone. Reverts with {FloorPlanNotPledged} without an active lien. Each step's amount
     * is `advance * bps / 10_000`, rounded down; `due - paid`, when positive, is overdue.
     * @param vinHash The vehicle.
     * @param at The time (a timestamp).
     * @return due Total of the steps due by `at`.
     * @return stepsDue Number of steps due by `at`.
     * @return paid Principal paid so far.
     * @return nextDueAt When the next step falls due, 0 if none is left.
     */
    function curtailmentStatus(
        bytes32 vinHash,
        uint256 at
    ) external view returns (uint256 due, uint256 stepsDue, uint256 paid, uint256 nextDueAt) {
        (due, stepsDue, nextDueAt) = _curtailmentsDue(_activeLien(vinHash), at);
        paid = _progress[vinHash].principalPaid;
    }

    /**
     * @notice Simple interest on `principal` at `rateBps` per year over `elapsed` seconds, rounded down:
     * `principal * rateBps * elapsed / (10_000 * 365 days)`. The one formula every interest figure uses.
     * @dev Callable by anyone. Reverts on overflow (not reachable with the contract's own amounts).
     * @param principal Principal, in the smallest currency unit.
     * @param rateBps Yearly rate in basis points.
     * @param elapsed Seconds.
     * @return The interest.
     */
    function interest(uint256 principal, uint256 rateBps, uint256 elapsed) public pure returns (uint256) {
        return (principal * rateBps * elapsed) / (BPS * YEAR);
    }

    /**
     * @notice The nonce the next receipt confirmation of the dealer at `dealer` must use.
     * @dev Callable by anyone. Nonces are per member id, so they continue across key rotations; 0 for an
     * address that is no member's current address.
     * @param dealer The dealer's address.
     * @return The nonce.
     */
    function confirmationNonce(address dealer) external view returns (uint256) {
        return _nonces[_consortium.memberIdOf(dealer)];
    }

    /**
     * @notice The EIP-712 domain separator of confirmations on this chain.
     * @dev Callable by anyone.
     * @return The separator.
     */
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /**
     * @notice Number of lines ever opened; their ids are 1 to this.
     * @dev Callable by anyone.
     * @return The count.
     */
    function lineCount() external view returns (uint256) {
        return _lineCount;
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
     * @notice The lot audit contract this floor plan deployed and trusts with {reportMissing}.
     * @dev Callable by anyone.
     * @return Its address.
     */
    function lotAudit() external view returns (address) {
        return _lotAudit;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev The caller's member id and its party role for per-vehicle checks, with a one-entry cache of the
    /// last terms id checked.
    struct Party {
        uint256 memberId;
        bool dealer;
        uint256 termsId;
        uint256 lineId;
    }

    /// @dev Puts a new lien on `vinHash`, checking its three keys are free (see the contract's notes).
    function _pledge(bytes32 vinHash, bytes32 certificateHash, bytes32 engineHash, uint32 termsId, uint256 amount) private {
        if (vinHash == bytes32(0) || certificateHash == bytes32(0) || engineHash == bytes32(0)) {
            revert FloorPlanZeroHash();
        }
        Lien memory lien = _liens[vinHash];
        if (lien.status >= VehicleStatus.Financed) revert FloorPlanAlreadyPledged(vinHash, KeyKind.Vin);
        bool known = lien.status != VehicleStatus.None;
        uint32 certificateTag = uint32(uint256(certificateHash));
        uint32 engineTag = uint32(uint256(engineHash));

        bytes32 holder = _certificateHolders[certificateHash];
        if (holder != vinHash) {
            if (holder != bytes32(0)) _requireFree(holder, certificateHash, certificateTag, KeyKind.Certificate);
            _certificateHolders[certificateHash] = vinHash;
            if (known || holder != bytes32(0)) emit CertificateMismatch(vinHash, certificateHash, holder);
        } else if (lien.certificateTag != certificateTag) {
            emit CertificateMismatch(vinHash, certificateHash, vinHash);
        }
        holder = _engineHolders[engineHash];
        if (holder != vinHash) {
            if (holder != bytes32(0)) _requireFree(holder, engineHash, engineTag, KeyKind.Engine);
            _engineHolders[engineHash] = vinHash;
        }
        _liens[vinHash] = Lien({
            status: VehicleStatus.Financed,
            flags: 0,
            curtailmentsFlagged: 0,
            termsId: termsId,
            advance: uint80(amount),
            disbursedAt: uint40(block.timestamp),
            certificateTag: certificateTag,
            engineTag: engineTag
        });
    }

    /// @dev The dealer's member id, once `lender` and `dealer` are checked to be line `lineId`'s parties.
    function _confirmationParties(uint256 lineId, address lender, address dealer) private view returns (uint256) {
        StoredLine storage stored = _existingLine(lineId);
        if (_consortium.memberIdOf(lender) != stored.lenderId) revert FloorPlanNotLineLender(lineId, lender);
        _consortium.requireActiveRole(_DEALER, dealer);
        uint256 dealerId = stored.dealerId;
        if (_consortium.memberIdOf(dealer) != dealerId) revert FloorPlanNotLineDealer(lineId, dealer);
        return dealerId;
    }

    /// @dev Marks the active liens on `vinHashes`, all on line `lineId`, confirmed with `nonce`.
    function _confirmVehicles(uint256 lineId, bytes32[] calldata vinHashes, uint256 nonce) private {
        uint256 checkedTerms;
        for (uint256 i = 0; i < vinHashes.length; ++i) {
            bytes32 vinHash = vinHashes[i];
            Lien memory lien = _activeLien(vinHash);
            if (lien.termsId != checkedTerms) {
                if (_terms[lien.termsId].lineId != lineId) revert FloorPlanNotOnLine(vinHash, lineId);
                checkedTerms = lien.termsId;
            }
            if (lien.flags & _CONFIRMED != 0) revert FloorPlanAlreadyConfirmed(vinHash);
            _liens[vinHash].flags = lien.flags | _CONFIRMED;
            emit VehicleConfirmed(vinHash, lineId, nonce);
        }
    }

    /// @dev Reverts with {FloorPlanAlreadyPledged} if `holder`'s lien is active and holds the key tagged `tag`.
    function _requireFree(bytes32 holder, bytes32 key, uint32 tag, KeyKind kind) private view {
        Lien storage lien = _liens[holder];
        if (
            lien.status >= VehicleStatus.Financed &&
            (kind == KeyKind.Certificate ? lien.certificateTag : lien.engineTag) == tag
        ) revert FloorPlanAlreadyPledged(key, kind);
    }

    /// @dev Takes an ended lien's principal off `lineId` and clears what the lien had beside its word.
    function _endLien(bytes32 vinHash, uint256 lineId, uint256 principal) private {
        LineBook storage book = _books[lineId];
        // Cannot underflow: the line's totals include this lien's principal and count.
        book.outstanding -= uint96(principal);
        book.activeLiens -= 1;
        delete _progress[vinHash];
        if (_registrations[vinHash] != bytes32(0)) {
            delete _registrations[vinHash];
            emit RegistrationRecorded(vinHash, bytes32(0));
        }
        if (_transferOffers[vinHash] != 0) delete _transferOffers[vinHash];
    }

    /// @dev Adds `total` principal and `count` liens to `lineId`, within `limit`.
    function _addToBook(uint256 lineId, uint256 limit, uint256 total, uint256 count) private {
        LineBook memory book = _books[lineId];
        if (book.outstanding + total > limit) revert FloorPlanLimitExceeded(lineId, limit, book.outstanding, total);
        // Cannot overflow: outstanding + total <= limit < 2^96, and count is bounded by the block gas limit.
        _books[lineId] = LineBook({
            outstanding: uint96(book.outstanding + total),
            activeLiens: uint32(book.activeLiens + count)
        });
    }

    /// @dev (principal, interest, fee) of `lien` on `vinHash` at `at`.
    function _payoff(
        bytes32 vinHash,
        Lien memory lien,
        uint256 at
    ) private view returns (uint256 principal, uint256 interest_, uint256 fee) {
        StoredTerms storage stored = _terms[lien.termsId];
        LienProgress memory progress = _progress[vinHash];
        uint256 from = progress.accruedTo == 0 ? lien.disbursedAt : progress.accruedTo;
        if (at < from) revert FloorPlanTimeBeforeAccrual(vinHash, at, from);
        principal = lien.advance - progress.principalPaid;
        interest_ = progress.interestAccrued + interest(principal, stored.interestRateBps, at - from);
        fee = stored.feePerVehicle;
    }

    /// @dev Total curtailments of `lien` due by `at`, how many steps that is, and when the next falls due.
    function _curtailmentsDue(
        Lien memory lien,
        uint256 at
    ) private view returns (uint256 due, uint256 stepsDue, uint256 nextDueAt) {
        StoredTerms storage stored = _terms[lien.termsId];
        uint256 count = stored.stepCount;
        uint256 schedule = stored.schedule;
        for (; stepsDue < count; ++stepsDue) {
            uint256 step = schedule >> (32 * stepsDue);
            uint256 dueAt = uint256(lien.disbursedAt) + uint256(uint16(step >> 16)) * 1 days;
            if (at < dueAt) return (due, stepsDue, dueAt);
            due += (uint256(lien.advance) * uint16(step)) / BPS;
        }
    }

    /// @dev Validates and stores `terms` for `lineId` under a new terms id.
    function _storeTerms(uint256 lineId, LineTerms calldata terms_) private returns (uint256 termsId) {
        if (terms_.advanceRateBps == 0 || terms_.advanceRateBps > BPS) {
            revert FloorPlanInvalidAdvanceRate(terms_.advanceRateBps);
        }
        if (terms_.payoffWindow == 0 || terms_.confirmWindow == 0) {
            revert FloorPlanInvalidWindows(terms_.payoffWindow, terms_.confirmWindow);
        }
        uint256 count = terms_.curtailments.length;
        if (count > MAX_CURTAILMENT_STEPS) revert FloorPlanTooManyCurtailmentSteps(count);
        uint256 schedule;
        uint256 lastDay;
        uint256 share;
        for (uint256 i = 0; i < count; ++i) {
            CurtailmentStep calldata step = terms_.curtailments[i];
            share += step.bps;
            if (step.day <= lastDay || step.bps == 0 || share > BPS) revert FloorPlanInvalidCurtailmentStep(i);
            lastDay = step.day;
            schedule |= ((uint256(step.day) << 16) | step.bps) << (32 * i);
        }
        termsId = ++_termsCount;
        _terms[termsId] = StoredTerms({
            lineId: lineId.toUint32(),
            advanceRateBps: terms_.advanceRateBps,
            interestRateBps: terms_.interestRateBps,
            payoffWindow: terms_.payoffWindow,
            confirmWindow: terms_.confirmWindow,
            feePerVehicle: terms_.feePerVehicle,
            stepCount: uint8(count),
            schedule: schedule
        });
        emit TermsSet(termsId, lineId, terms_);
    }

    /// @dev The line of terms `termsId`, checked to have the caller (`party`) as its lender or dealer.
    function _partyLine(Party memory party, uint256 termsId) private view returns (uint256 lineId) {
        if (termsId == party.termsId) return party.lineId;
        lineId = _terms[termsId].lineId;
        StoredLine storage stored = _lines[lineId];
        if (party.dealer) {
            if (stored.dealerId != party.memberId) revert FloorPlanNotLineDealer(lineId, msg.sender);
        } else if (stored.lenderId != party.memberId) {
            revert FloorPlanNotLineLender(lineId, msg.sender);
        }
        party.termsId = termsId;
        party.lineId = lineId;
    }

    /// @dev Line `lineId`, checked to have the caller as its lender (an active LENDER member).
    function _lenderLine(uint256 lineId) private view returns (StoredLine storage stored) {
        uint256 lenderId = _requireRole(_LENDER);
        stored = _existingLine(lineId);
        if (stored.lenderId != lenderId) revert FloorPlanNotLineLender(lineId, msg.sender);
    }

    /// @dev Line `lineId`; reverts with {FloorPlanUnknownLine} if there is none.
    function _existingLine(uint256 lineId) private view returns (StoredLine storage stored) {
        stored = _lines[lineId];
        if (stored.lenderId == 0) revert FloorPlanUnknownLine(lineId);
    }

    /// @dev The lien on `vinHash`; reverts with {FloorPlanNotPledged} unless it is active.
    function _activeLien(bytes32 vinHash) private view returns (Lien memory lien) {
        lien = _liens[vinHash];
        if (lien.status < VehicleStatus.Financed) revert FloorPlanNotPledged(vinHash);
    }

    /// @dev Reverts with {FloorPlanInvalidStatus} unless `status` is `required`.
    function _requireStatus(bytes32 vinHash, VehicleStatus status, VehicleStatus required) private pure {
        if (status != required) revert FloorPlanInvalidStatus(vinHash, status);
    }

    /// @dev Whether `signature` is `dealer`'s over `digest`: ERC-1271 for a contract account, else ECDSA.
    /// (OpenZeppelin 5.4's SignatureChecker cannot be used: it pulls in code that needs Cancun's MCOPY.)
    function _isDealerSignature(address dealer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (dealer.code.length != 0) {
            try IERC1271(dealer).isValidSignature(digest, signature) returns (bytes4 magic) {
                return magic == IERC1271.isValidSignature.selector;
            } catch {
                return false;
            }
        }
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(digest, signature);
        return error == ECDSA.RecoverError.NoError && signer == dealer;
    }

    /// @dev Reverts with {FloorPlanEmptyBatch} for an empty batch.
    function _requireBatch(uint256 count) private pure {
        if (count == 0) revert FloorPlanEmptyBatch();
    }

    /// @dev `limit` as a uint96; reverts with {FloorPlanAmountTooLarge} if it does not fit.
    function _toLimit(uint256 limit) private pure returns (uint96) {
        if (limit > type(uint96).max) revert FloorPlanAmountTooLarge(limit);
        return uint96(limit);
    }

    /// @dev Reverts (with the consortium's error) unless the caller is an active member holding `role`.
    function _requireRole(bytes32 role) private view returns (uint256 memberId) {
        _consortium.requireActiveRole(role, msg.sender);
        return _consortium.memberIdOf(msg.sender);
    }
}
