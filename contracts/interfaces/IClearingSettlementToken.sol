// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IClearingSettlementToken
 * @notice What the AutoLedger {Clearing} contract needs from its settlement asset: an ERC-20 it pulls net
 * amounts with, plus the settlement banks' record of payments made off chain.
 * @dev An off-chain payment is keyed by its ISO 20022 end-to-end id, stored as the ASCII text left-aligned
 * in a `bytes32` and zero padded (e.g. `CLM-42` for claim 42 of the Clearing using this token). One
 * SettlementToken serves one Clearing: claim end-to-end ids are unique per Clearing only.
 */
interface IClearingSettlementToken is IERC20 {
    /**
     * @notice A payment a settlement bank confirmed it made off chain. All fields are zero if none was recorded.
     * @param bankId Consortium member id of the settlement bank that recorded it.
     * @param debtorId Consortium member id of the member that paid.
     * @param creditorId Consortium member id of the member that was paid.
     * @param recordedAt Block timestamp of the record.
     * @param amount Amount paid, in token units.
     * @param bankReference The bank's own reference of the payment (e.g. its transaction id), non-zero.
     */
    struct OffChainSettlement {
        uint32 bankId;
        uint32 debtorId;
        uint32 creditorId;
        uint64 recordedAt;
        uint256 amount;
        bytes32 bankReference;
    }

    /**
     * @notice The off-chain payment recorded under end-to-end id `endToEndId`.
     * @dev Callable by anyone. Returns an all-zero record if there is none.
     * @param endToEndId The ISO 20022 end-to-end id, ASCII left-aligned in 32 bytes.
     * @return The recorded payment.
     */
    function offChainSettlement(bytes32 endToEndId) external view returns (OffChainSettlement memory);
}
