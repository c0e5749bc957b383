// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @notice Test-only contract: state, events and every kind of revert the ledger must decode.
contract Probe {
    error ProbeTooLarge(uint256 value, uint256 limit);
    error ProbeNotAllowed(address caller, bytes32 role, string why);

    event Bumped(address indexed by, uint256 value, uint256 total);

    uint256 private _total;
    uint256 public immutable limit;

    constructor(uint256 limit_) {
        limit = limit_;
    }

    function bump(uint256 value) external {
        if (value > limit) revert ProbeTooLarge(value, limit);
        _total += value;
        emit Bumped(msg.sender, value, _total);
    }

    function deny(bytes32 role) external view {
        revert ProbeNotAllowed(msg.sender, role, "denied");
    }

    function requireSmall(uint256 value) external pure returns (uint256) {
        require(value < 10, "value too big");
        return value;
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    function total() external view returns (uint256) {
        return _total;
    }
}
