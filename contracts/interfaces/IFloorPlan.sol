// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IFloorPlan
 * @notice What other AutoLedger contracts (the {LotAudit} first) consult of the floor-plan financing
 * ledger: credit lines, which line holds the lien on a vehicle, the yes/no lien check, and the one hook
 * through which a lot audit reports a missing vehicle.
 * @dev Vehicles are keyed by `vinHash`, the keccak256 of the normalized VIN (17 upper-case ASCII
 * characters, see `ledger/vin.py`). Amounts are integers in the smallest unit of the line's currency
 * (fen, cents); rates are basis points (1/10,000).
 */
interface IFloorPlan {
    /// @notice Where a vehicle stands. A lien is active in Financed, Sold, SoldOutOfTrust and Repossessed.
    enum VehicleStatus {
        None,
        Released,
        Financed,
        Sold,
        SoldOutOfTrust,
        Repossessed
    }

    /// @notice Lifecycle of a credit line. Only an Open line takes new advances or incoming transfers.
    enum LineStatus {
        None,
        Open,
        Frozen,
        Closed
    }

    /// @notice Which uniqueness key of a vehicle an error or event is about.
    enum KeyKind {
        Vin,
        Certificate,
        Engine
    }

    /**
     * @notice One step of a curtailment schedule: `bps` of the advance falls due `day` days after
     * disbursement while the vehicle is unsold.
     * @param day Days after disbursement, >= 1, strictly increasing along the schedule.
     * @param bps Share of the advance due at that day, in basis points, >= 1.
     */
    struct CurtailmentStep {
        uint16 day;
        uint16 bps;
    }

    /**
     * @notice The terms a line advances on. Each change of terms is stored under a new terms id; a lien keeps
     * the terms it was disbursed under for its whole life.
     * @param advanceRateBps Advance per vehicle as a share of its value, 1..10,000 basis points.
     * @param interestRateBps Simple interest per 365-day year, in basis points of the outstanding principal.
     * @param payoffWindow Seconds the dealer has to pay a vehicle off after reporting its sale, >= 1.
     * @param confirmWindow Seconds the dealer has to confirm receipt of a financed vehicle, >= 1.
     * @param feePerVehicle Flat fee added to each payoff, in the smallest currency unit.
     * @param curtailments The curtailment schedule, at most `MAX_CURTAILMENT_STEPS` steps whose shares
     * add up to at most 10,000 basis points.
     */
    struct LineTerms {
        uint16 advanceRateBps;
        uint16 interestRateBps;
        uint32 payoffWindow;
        uint32 confirmWindow;
        uint80 feePerVehicle;
        CurtailmentStep[] curtailments;
    }

    /**
     * @notice A credit line of a lender for a dealer.
     * @param lenderId Consortium member id of the lender.
     * @param dealerId Consortium member id of the dealer.
     * @param termsId Id of the terms new advances are made on.
     * @param status Lifecycle state.
     * @param limit Most principal that may be outstanding after an advance.
     * @param outstanding Principal outstanding over all active liens of the line.
     * @param activeLiens Number of active liens on the line.
     */
    struct Line {
        uint256 lenderId;
        uint256 dealerId;
        uint256 termsId;
        LineStatus status;
        uint256 limit;
        uint256 outstanding;
        uint256 activeLiens;
    }

    /**
     * @notice No line has id `lineId`.
     * @param lineId The line id.
     */
    error FloorPlanUnknownLine(uint256 lineId);

    /**
     * @notice The credit line `lineId`.
     * @dev Callable by anyone. Reverts with {FloorPlanUnknownLine} for an unknown id.
     * @param lineId The line id (1, 2, 3, ...).
     * @return The line.
     */
    function line(uint256 lineId) external view returns (Line memory);

    /**
     * @notice The line that holds (or last held) the lien on `vinHash`, and the vehicle's stored status.
     * @dev Callable by anyone. Returns (0, None) for a vehicle never financed. The status is the stored one:
     * a Sold vehicle past its payoff deadline reads Sold here until someone records it sold out of trust.
     * @param vinHash keccak256 of the normalized VIN.
     * @return lineId The line of the current or last lien.
     * @return status The stored status.
     */
    function lienOf(bytes32 vinHash) external view returns (uint256 lineId, VehicleStatus status);

    /**
     * @notice Whether the vehicle `vinHash` is under an active lien: yes or no, nothing more.
     * @dev Callable by any active consortium member; others revert with
     * {IConsortium-ConsortiumMemberNotActive}.
     * @param vinHash keccak256 of the normalized VIN.
     * @return True if an active lien exists.
     */
    function isPledged(bytes32 vinHash) external view returns (bool);

    /**
     * @notice Records that audit `auditId` found the financed vehicle `vinHash` missing from the dealer's lot,
     * raising a sold-out-of-trust alert, and freezes the vehicle's line when `freeze` is set.
     * @dev Callable only by the floor plan's own {LotAudit} contract.
     * @param vinHash The missing vehicle.
     * @param auditId The audit that found it missing.
     * @param freeze Whether to freeze the line against new advances (if it is open).
     */
    function reportMissing(bytes32 vinHash, uint256 auditId, bool freeze) external;
}
