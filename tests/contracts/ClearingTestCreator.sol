// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {IClearing} from "interfaces/IClearing.sol";

/// @notice Test-only creator contract: files confirmed claims in the Clearing, one or many per transaction.
contract ClearingTestCreator {
    IClearing public immutable clearing;

    constructor(IClearing clearing_) {
        clearing = clearing_;
    }

    function file(
        address creditor,
        address debtor,
        uint256 amount,
        IClearing.ClaimKind kind,
        bytes32 ref,
        uint64 dueDate
    ) external returns (uint256) {
        return clearing.fileConfirmedClaim(creditor, debtor, amount, kind, ref, dueDate);
    }

    /// @notice Files claim i of creditors[i] on debtors[i] for amounts[i], all of `kind`, reference `ref` + i.
    function fileMany(
        address[] calldata creditors,
        address[] calldata debtors,
        uint256[] calldata amounts,
        IClearing.ClaimKind kind,
        bytes32 ref
    ) external {
        for (uint256 i = 0; i < creditors.length; ++i) {
            clearing.fileConfirmedClaim(creditors[i], debtors[i], amounts[i], kind, bytes32(uint256(ref) + i), 0);
        }
    }
}
