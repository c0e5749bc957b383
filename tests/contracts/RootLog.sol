// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @notice Test-only contract: logs Merkle roots the way an evidence registry would, so the
/// notary's chain checks can be tested before the EvidenceRegistry's event layout is fixed.
contract RootLog {
    /// @notice Refused to log `root` (so tests get a mined transaction that failed).
    error RootLogRefused(bytes32 root);

    /// @notice A Merkle `root` over `size` leaves was anchored (root as an indexed topic).
    event Anchored(bytes32 indexed root, uint256 size);

    /// @notice A Merkle `root` over `size` leaves was anchored (root as a data word).
    event AnchoredInData(uint256 size, bytes32 root);

    /// @notice Log `root` over `size` leaves as a topic. Anyone may call: test-only.
    function anchor(bytes32 root, uint256 size) external {
        emit Anchored(root, size);
    }

    /// @notice Log `root` over `size` leaves in the event data. Anyone may call: test-only.
    function anchorInData(bytes32 root, uint256 size) external {
        emit AnchoredInData(size, root);
    }

    /// @notice Always reverts with `RootLogRefused`. Anyone may call: test-only.
    function refuse(bytes32 root, uint256) external pure {
        revert RootLogRefused(root);
    }
}
