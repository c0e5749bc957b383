// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IConsortium
 * @notice Read-only view of the AutoLedger consortium member registry, as consulted by every other
 * AutoLedger contract before it lets a member act in a role.
 * @dev Role identifiers are `keccak256` of the upper-case role name, e.g. `keccak256("LENDER")`.
 * The errors below are declared here so that the ABI of any contract calling {requireActiveRole}
 * can decode the reason a call was rejected.
 */
interface IConsortium {
    /**
     * @notice `account` is not a currently active consortium member (unknown, suspended, removed or retired key).
     * @param account The address that was checked.
     */
    error ConsortiumMemberNotActive(address account);

    /**
     * @notice `account` is an active member but does not hold `role`.
     * @param account The address that was checked.
     * @param role The role that was required.
     */
    error ConsortiumMissingRole(address account, bytes32 role);

    /**
     * @notice `account` is not the current address of any consortium member.
     * @param account The address that was looked up.
     */
    error ConsortiumNotMember(address account);

    /// @notice Role of financing institutions that originate loans. Callable by anyone.
    /// @return The role identifier `keccak256("LENDER")`.
    function LENDER() external view returns (bytes32);

    /// @notice Role of car dealers. Callable by anyone.
    /// @return The role identifier `keccak256("DEALER")`.
    function DEALER() external view returns (bytes32);

    /// @notice Role of collection agencies. Callable by anyone.
    /// @return The role identifier `keccak256("COLLECTOR")`.
    function COLLECTOR() external view returns (bytes32);

    /// @notice Role of legal service providers. Callable by anyone.
    /// @return The role identifier `keccak256("LEGAL")`.
    function LEGAL() external view returns (bytes32);

    /// @notice Role of supervisory authorities. Callable by anyone.
    /// @return The role identifier `keccak256("REGULATOR")`.
    function REGULATOR() external view returns (bytes32);

    /// @notice Role of notaries. Callable by anyone.
    /// @return The role identifier `keccak256("NOTARY")`.
    function NOTARY() external view returns (bytes32);

    /// @notice Role of auditors. Callable by anyone.
    /// @return The role identifier `keccak256("AUDITOR")`.
    function AUDITOR() external view returns (bytes32);

    /// @notice Role of banks that settle payments. Callable by anyone.
    /// @return The role identifier `keccak256("SETTLEMENT_BANK")`.
    function SETTLEMENT_BANK() external view returns (bytes32);

    /// @notice Role of technical operators of the consortium chain. Callable by anyone.
    /// @return The role identifier `keccak256("OPERATOR")`.
    function OPERATOR() external view returns (bytes32);

    /// @notice Role of governance members, who propose, vote on and execute registry changes. Callable by anyone.
    /// @return The role identifier `keccak256("GOVERNOR")`.
    function GOVERNOR() external view returns (bytes32);

    /**
     * @notice Whether `account` is the current address of an active (not suspended, not removed) member.
     * @dev Callable by anyone.
     * @param account The address to check.
     * @return True if `account` belongs to an active member.
     */
    function isActiveMember(address account) external view returns (bool);

    /**
     * @notice Whether `account` is an active member that holds `role`.
     * @dev Callable by anyone. A suspended member keeps its roles in storage but this returns false.
     * @param role The role identifier.
     * @param account The address to check.
     * @return True if `account` holds `role` and its member is active.
     */
    function hasActiveRole(bytes32 role, address account) external view returns (bool);

    /**
     * @notice Reverts unless `account` is an active member holding `role`.
     * @dev Callable by anyone; intended for other AutoLedger contracts.
     * Reverts with {ConsortiumMemberNotActive} if `account` is not an active member, and with
     * {ConsortiumMissingRole} if it is active but lacks `role`.
     * @param role The role identifier required.
     * @param account The address to check.
     */
    function requireActiveRole(bytes32 role, address account) external view;

    /**
     * @notice The stable member id whose current address is `account`, or 0 if there is none.
     * @dev Callable by anyone. Returns 0 for addresses a member has rotated away from.
     * @param account The address to look up.
     * @return The member id (1, 2, 3, ...) or 0.
     */
    function memberIdOf(address account) external view returns (uint256);
}
