// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only settlement token whose `transferFrom` reports failure by returning false.
contract ClearingTestFalseToken is ERC20("False Token", "FALSE") {
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function transferFrom(address, address, uint256) public pure override returns (bool) {
        return false;
    }
}

/// @notice Test-only settlement token whose `transferFrom` first calls `target` with `data` (e.g. back into the
/// Clearing), bubbling up any revert.
contract ClearingTestReentrantToken is ERC20("Reentrant Token", "REENTER") {
    address public target;
    bytes public data;

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setReentry(address target_, bytes calldata data_) external {
        target = target_;
        data = data_;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (target != address(0)) {
            (bool ok, bytes memory returned) = target.call(data);
            if (!ok) {
                assembly {
                    revert(add(returned, 32), mload(returned))
                }
            }
        }
        return super.transferFrom(from, to, value);
    }
}
