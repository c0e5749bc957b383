// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/**
 * @title Consortium
 * @notice Registry of the AutoLedger consortium members and their roles, changed only by M-of-N
 * governance proposals of the active GOVERNOR members.
 * @dev Role storage is OpenZeppelin {AccessControl}, but the public {grantRole}, {revokeRole} and
 * {renounceRole} always revert: roles change only through executed proposals, which use the internal
 * `_grantRole`/`_revokeRole`. Nobody holds `DEFAULT_ADMIN_ROLE`.
 *
 * Each member has a stable id (1, 2, 3, ...) and one current address. Key rotation moves the id, name,
 * status, roles and join block to a new address; the old address is retired for good (it can never be
 * admitted or rotated to again) and is kept in {previousAddresses}.
 *
 * Proposals that target an existing member are bound to the member id resolved at proposal time, so they
 * still apply to the same member if it rotates its key before execution. Votes are recorded per member
 * id, and only votes of members that are still active governors at execution time count towards quorum.
 */
contract Consortium is IConsortium, AccessControl {
    using SafeCast for uint256;

    /// @notice Lifecycle state of a member.
    enum Status {
        None,
        Active,
        Suspended,
        Removed
    }

    /// @notice Kind of change a governance proposal makes.
    enum ProposalKind {
        Admit,
        Suspend,
        Reinstate,
        Remove,
        GrantRole,
        RevokeRole,
        SetQuorum,
        RotateKey
    }

    /**
     * @notice A consortium member.
     * @param id Stable member id, assigned 1, 2, 3, ... on admission.
     * @param account Current address of the member.
     * @param status Lifecycle state.
     * @param joinedAt Block number of admission.
     * @param name Organization name.
     */
    struct Member {
        uint256 id;
        address account;
        Status status;
        uint48 joinedAt;
        string name;
    }

    /**
     * @notice A governance proposal. Fields not used by `kind` are left zero.
     * @param kind Kind of change.
     * @param target Admit: address to admit. Member-targeting kinds: the member's address at proposal time.
     * @param targetId Member-targeting kinds: the target member id. Admit and SetQuorum: 0.
     * @param role GrantRole/RevokeRole: the role.
     * @param name Admit: organization name.
     * @param roles Admit: roles to grant on admission.
     * @param newAddress RotateKey: the member's new address.
     * @param value SetQuorum: the new quorum.
     * @param proposer Address of the governor that created the proposal.
     * @param createdAt Timestamp of creation.
     * @param expiresAt Last timestamp at which the proposal can be voted on or executed.
     * @param approvals Number of votes cast (including the proposer's).
     * @param executed Whether the proposal has been executed.
     */
    struct Proposal {
        ProposalKind kind;
        address target;
        uint256 targetId;
        bytes32 role;
        string name;
        bytes32[] roles;
        address newAddress;
        uint256 value;
        address proposer;
        uint48 createdAt;
        uint48 expiresAt;
        uint256 approvals;
        bool executed;
    }

    /// @inheritdoc IConsortium
    bytes32 public constant LENDER = keccak256("LENDER");
    /// @inheritdoc IConsortium
    bytes32 public constant DEALER = keccak256("DEALER");
    /// @inheritdoc IConsortium
    bytes32 public constant COLLECTOR = keccak256("COLLECTOR");
    /// @inheritdoc IConsortium
    bytes32 public constant LEGAL = keccak256("LEGAL");
    /// @inheritdoc IConsortium
    bytes32 public constant REGULATOR = keccak256("REGULATOR");
    /// @inheritdoc IConsortium
    bytes32 public constant NOTARY = keccak256("NOTARY");
    /// @inheritdoc IConsortium
    bytes32 public constant AUDITOR = keccak256("AUDITOR");
    /// @inheritdoc IConsortium
    bytes32 public constant SETTLEMENT_BANK = keccak256("SETTLEMENT_BANK");
    /// @inheritdoc IConsortium
    bytes32 public constant OPERATOR = keccak256("OPERATOR");
    /// @inheritdoc IConsortium
    bytes32 public constant GOVERNOR = keccak256("GOVERNOR");

    /// @notice Maximum lifetime of a proposal, in seconds.
    uint256 public constant MAX_PROPOSAL_LIFETIME = 30 days;

    uint256 private constant _ROLE_COUNT = 10;

    mapping(uint256 id => Member) private _members;
    mapping(address account => uint256 id) private _memberIds;
    mapping(address account => uint256 id) private _retiredIds;
    mapping(uint256 id => address[]) private _previousAddresses;
    uint256 private _memberCount;

    uint256 private _quorum;
    uint256 private _activeGovernors;

    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(uint256 memberId => bool)) private _voted;
    mapping(uint256 proposalId => uint256[] memberIds) private _voters;
    uint256 private _proposalCount;

    /**
     * @notice A governance proposal was created.
     * @param id Proposal id.
     * @param kind Kind of change.
     * @param proposer Governor that created it.
     * @param target Address the proposal targets (zero for SetQuorum).
     * @param expiresAt Last timestamp at which it can be voted on or executed.
     */
    event ProposalCreated(
        uint256 indexed id,
        ProposalKind kind,
        address indexed proposer,
        address indexed target,
        uint256 expiresAt
    );

    /**
     * @notice A governor approved a proposal.
     * @param id Proposal id.
     * @param voter Address of the governor.
     * @param approvals Number of votes cast so far.
     */
    event ProposalVoted(uint256 indexed id, address indexed voter, uint256 approvals);

    /**
     * @notice A proposal was executed; its effects are logged by the events emitted before this one.
     * @param id Proposal id.
     * @param kind Kind of change.
     */
    event ProposalExecuted(uint256 indexed id, ProposalKind kind);

    /**
     * @notice A member was admitted.
     * @param id New member id.
     * @param account Member address.
     * @param name Organization name.
     */
    event MemberAdmitted(uint256 indexed id, address indexed account, string name);

    /**
     * @notice A member was suspended; it keeps its roles but cannot act in them.
     * @param id Member id.
     * @param account Member address.
     */
    event MemberSuspended(uint256 indexed id, address indexed account);

    /**
     * @notice A suspended member was reinstated.
     * @param id Member id.
     * @param account Member address.
     */
    event MemberReinstated(uint256 indexed id, address indexed account);

    /**
     * @notice A member was removed; its roles are revoked (each logged by {MemberRoleRevoked}).
     * @param id Member id.
     * @param account Member address.
     */
    event MemberRemoved(uint256 indexed id, address indexed account);

    /**
     * @notice A member was granted a role.
     * @param id Member id.
     * @param account Member address.
     * @param role Role granted.
     */
    event MemberRoleGranted(uint256 indexed id, address indexed account, bytes32 indexed role);

    /**
     * @notice A role was revoked from a member.
     * @param id Member id.
     * @param account Member address.
     * @param role Role revoked.
     */
    event MemberRoleRevoked(uint256 indexed id, address indexed account, bytes32 indexed role);

    /**
     * @notice A member moved to a new address; the old one is retired.
     * @param id Member id.
     * @param oldAccount Retired address.
     * @param newAccount New current address.
     */
    event MemberKeyRotated(uint256 indexed id, address indexed oldAccount, address indexed newAccount);

    /**
     * @notice The governance quorum changed.
     * @param oldQuorum Previous quorum (0 at construction).
     * @param newQuorum New quorum.
     */
    event QuorumChanged(uint256 oldQuorum, uint256 newQuorum);

    /// @notice Roles can only be changed through executed governance proposals.
    error ConsortiumGovernanceOnly();

    /**
     * @notice `account` is not an active member holding GOVERNOR.
     * @param account The caller.
     */
    error ConsortiumNotGovernor(address account);

    /**
     * @notice No proposal has id `id`.
     * @param id The proposal id.
     */
    error ConsortiumUnknownProposal(uint256 id);

    /**
     * @notice Proposal `id` expired at `expiresAt`.
     * @param id The proposal id.
     * @param expiresAt Its expiry timestamp.
     */
    error ConsortiumProposalExpired(uint256 id, uint256 expiresAt);

    /**
     * @notice Proposal `id` has already been executed.
     * @param id The proposal id.
     */
    error ConsortiumProposalAlreadyExecuted(uint256 id);

    /**
     * @notice The member using `voter` has already voted on proposal `id` (possibly under an earlier key).
     * @param id The proposal id.
     * @param voter The caller.
     */
    error ConsortiumAlreadyVoted(uint256 id, address voter);

    /**
     * @notice Proposal `id` has `approvals` valid approvals, fewer than `quorum`.
     * @param id The proposal id.
     * @param approvals Approvals of members that are currently active governors.
     * @param quorum The current quorum.
     */
    error ConsortiumQuorumNotReached(uint256 id, uint256 approvals, uint256 quorum);

    /**
     * @notice The quorum would not satisfy 1 <= `quorum` <= `governors` (number of active governors).
     * @param quorum The (current or proposed) quorum.
     * @param governors The (resulting) number of active governors.
     */
    error ConsortiumInvalidQuorum(uint256 quorum, uint256 governors);

    /**
     * @notice A proposal lifetime must be > 0 and <= `maxLifetime`.
     * @param lifetime The requested lifetime in seconds.
     * @param maxLifetime {MAX_PROPOSAL_LIFETIME}.
     */
    error ConsortiumInvalidLifetime(uint256 lifetime, uint256 maxLifetime);

    /**
     * @notice `account` is already the current address of a member (of any status).
     * @param account The address.
     */
    error ConsortiumAlreadyMember(address account);

    /**
     * @notice `account` is a retired (rotated-away) member key and cannot be used again.
     * @param account The address.
     */
    error ConsortiumRetiredAddress(address account);

    /// @notice The zero address cannot be a member address.
    error ConsortiumZeroAddress();

    /// @notice A member's organization name cannot be empty.
    error ConsortiumEmptyName();

    /**
     * @notice `role` is not one of the consortium roles (see {knownRoles}).
     * @param role The role identifier.
     */
    error ConsortiumUnknownRole(bytes32 role);

    /**
     * @notice `role` appears more than once in an Admit role list.
     * @param role The role identifier.
     */
    error ConsortiumDuplicateRole(bytes32 role);

    /**
     * @notice Granting a role `account` already holds, or revoking one it does not hold.
     * @param account The member address.
     * @param role The role identifier.
     */
    error ConsortiumRoleUnchanged(address account, bytes32 role);

    /**
     * @notice `account` is not a suspended member.
     * @param account The member address.
     */
    error ConsortiumMemberNotSuspended(address account);

    /**
     * @notice `account` belongs to a removed member.
     * @param account The member address.
     */
    error ConsortiumMemberAlreadyRemoved(address account);

    /**
     * @notice No member has id `id`.
     * @param id The member id.
     */
    error ConsortiumUnknownMember(uint256 id);

    /**
     * @notice The constructor got `accounts` governor addresses but `names` names.
     * @param accounts Number of addresses.
     * @param names Number of names.
     */
    error ConsortiumLengthMismatch(uint256 accounts, uint256 names);

    /**
     * @notice Admits the founding governance members, each with the GOVERNOR and OPERATOR roles.
     * @dev Reverts if the arrays differ in length, an address is zero or repeated, a name is empty, or
     * `initialQuorum` is not between 1 and the number of governors.
     * @param governors Addresses of the founding governors.
     * @param names Organization names, one per governor.
     * @param initialQuorum Number of approvals a proposal needs to be executed.
     */
    constructor(address[] memory governors, string[] memory names, uint256 initialQuorum) {
        if (governors.length != names.length) revert ConsortiumLengthMismatch(governors.length, names.length);
        bytes32[] memory initialRoles = new bytes32[](2);
        initialRoles[0] = GOVERNOR;
        initialRoles[1] = OPERATOR;
        for (uint256 i = 0; i < governors.length; ++i) {
            _checkNewAccount(governors[i]);
            if (bytes(names[i]).length == 0) revert ConsortiumEmptyName();
            _admit(governors[i], names[i], initialRoles);
        }
        _setQuorum(initialQuorum);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Creates a governance proposal and records the proposer's approval.
     * @dev Callable only by an active GOVERNOR member. Only the parameters used by `kind` are stored,
     * the others are ignored:
     * - Admit: `target` (new address), `name`, `roles`.
     * - Suspend, Reinstate, Remove: `target` (current member address).
     * - GrantRole, RevokeRole: `target`, `role`.
     * - SetQuorum: `value` (new quorum).
     * - RotateKey: `target` (current member address), `newAddress`.
     * The change is validated now and again at execution.
     * @param kind Kind of change.
     * @param target Address to admit, or current address of the member to act on.
     * @param role Role to grant or revoke.
     * @param name Organization name of the member to admit.
     * @param newAddress New address of the member (RotateKey).
     * @param value New quorum (SetQuorum).
     * @param roles Roles to grant to the admitted member; each must be known and appear once.
     * @param lifetime Seconds until the proposal expires; > 0 and <= {MAX_PROPOSAL_LIFETIME}.
     * @return id The new proposal id (1, 2, 3, ...).
     */
    function propose(
        ProposalKind kind,
        address target,
        bytes32 role,
        string calldata name,
        address newAddress,
        uint256 value,
        bytes32[] calldata roles,
        uint256 lifetime
    ) external returns (uint256 id) {
        uint256 proposerId = _requireGovernor(msg.sender);
        if (lifetime == 0 || lifetime > MAX_PROPOSAL_LIFETIME) {
            revert ConsortiumInvalidLifetime(lifetime, MAX_PROPOSAL_LIFETIME);
        }

        id = ++_proposalCount;
        Proposal storage p = _proposals[id];
        _storeParams(p, kind, target, role, newAddress, value);
        if (kind == ProposalKind.Admit) {
            p.name = name;
            p.roles = roles;
        }
        p.expiresAt = (block.timestamp + lifetime).toUint48();
        _publish(id, p, proposerId);
    }

    /**
     * @notice Approves proposal `id`.
     * @dev Callable only by an active GOVERNOR member, once per member (a rotated key cannot vote again).
     * @param id The proposal id.
     */
    function vote(uint256 id) external {
        uint256 voterId = _requireGovernor(msg.sender);
        Proposal storage p = _openProposal(id);
        if (_voted[id][voterId]) revert ConsortiumAlreadyVoted(id, msg.sender);
        _castVote(id, p, voterId, msg.sender);
    }

    /**
     * @notice Executes proposal `id` once it has enough approvals.
     * @dev Callable only by an active GOVERNOR member, before the proposal expires. Only approvals of
     * members that are active governors now count (see {currentApprovals}). The change is re-validated
     * against the current state, so e.g. an Admit of an address that became a member meanwhile reverts.
     * @param id The proposal id.
     */
    function execute(uint256 id) external {
        _requireGovernor(msg.sender);
        Proposal storage p = _openProposal(id);
        uint256 approvals = _currentApprovals(id);
        if (approvals < _quorum) revert ConsortiumQuorumNotReached(id, approvals, _quorum);
        address account = _checkProposal(p);

        p.executed = true;
        ProposalKind kind = p.kind;
        if (kind == ProposalKind.Admit) {
            _admit(account, p.name, p.roles);
        } else if (kind == ProposalKind.Suspend) {
            _suspend(p.targetId, account);
        } else if (kind == ProposalKind.Reinstate) {
            _reinstate(p.targetId, account);
        } else if (kind == ProposalKind.Remove) {
            _remove(p.targetId, account);
        } else if (kind == ProposalKind.GrantRole) {
            _grantMemberRole(p.targetId, account, p.role);
        } else if (kind == ProposalKind.RevokeRole) {
            _revokeMemberRole(p.targetId, account, p.role);
        } else if (kind == ProposalKind.SetQuorum) {
            _setQuorum(p.value);
        } else {
            _rotateKey(p.targetId, account, p.newAddress);
        }
        emit ProposalExecuted(id, kind);
    }

    /**
     * @notice Moves the caller's membership (id, name, status, roles, join block) to `newAddress`.
     * @dev Callable only by an active member, from its current address. The caller's address is retired
     * at once: it loses all roles, is no longer a member and can never be used as a member address again.
     * @param newAddress The new address; non-zero, not a member and not retired.
     */
    function rotateKey(address newAddress) external {
        uint256 id = _memberIds[msg.sender];
        if (id == 0 || _members[id].status != Status.Active) revert ConsortiumMemberNotActive(msg.sender);
        _checkNewAccount(newAddress);
        _rotateKey(id, msg.sender, newAddress);
    }

    /**
     * @notice Disabled: roles are granted only through governance proposals.
     * @dev Callable by nobody; always reverts with {ConsortiumGovernanceOnly}.
     */
    function grantRole(bytes32, address) public pure override {
        revert ConsortiumGovernanceOnly();
    }

    /**
     * @notice Disabled: roles are revoked only through governance proposals.
     * @dev Callable by nobody; always reverts with {ConsortiumGovernanceOnly}.
     */
    function revokeRole(bytes32, address) public pure override {
        revert ConsortiumGovernanceOnly();
    }

    /**
     * @notice Disabled: roles are given up only through governance proposals (or {rotateKey}).
     * @dev Callable by nobody; always reverts with {ConsortiumGovernanceOnly}.
     */
    function renounceRole(bytes32, address) public pure override {
        revert ConsortiumGovernanceOnly();
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IConsortium
    function isActiveMember(address account) public view returns (bool) {
        uint256 id = _memberIds[account];
        return id != 0 && _members[id].status == Status.Active;
    }

    /// @inheritdoc IConsortium
    function hasActiveRole(bytes32 role, address account) public view returns (bool) {
        return isActiveMember(account) && hasRole(role, account);
    }

    /// @inheritdoc IConsortium
    function requireActiveRole(bytes32 role, address account) external view {
        if (!isActiveMember(account)) revert ConsortiumMemberNotActive(account);
        if (!hasRole(role, account)) revert ConsortiumMissingRole(account, role);
    }

    /// @inheritdoc IConsortium
    function memberIdOf(address account) external view returns (uint256) {
        return _memberIds[account];
    }

    /**
     * @notice The member whose current address is `account`.
     * @dev Callable by anyone. Reverts with {ConsortiumNotMember} if there is none.
     * @param account The address to look up.
     * @return The member record.
     */
    function memberOf(address account) external view returns (Member memory) {
        uint256 id = _memberIds[account];
        if (id == 0) revert ConsortiumNotMember(account);
        return _members[id];
    }

    /**
     * @notice The member with id `id`.
     * @dev Callable by anyone. Reverts with {ConsortiumUnknownMember} if there is none.
     * @param id The member id.
     * @return The member record.
     */
    function member(uint256 id) external view returns (Member memory) {
        if (id == 0 || id > _memberCount) revert ConsortiumUnknownMember(id);
        return _members[id];
    }

    /**
     * @notice Number of members ever admitted (of any status); also the highest member id.
     * @dev Callable by anyone.
     * @return The member count.
     */
    function memberCount() external view returns (uint256) {
        return _memberCount;
    }

    /**
     * @notice Earlier addresses of member `id`, oldest first.
     * @dev Callable by anyone. Empty for a member that never rotated its key or an unknown id.
     * @param id The member id.
     * @return The retired addresses.
     */
    function previousAddresses(uint256 id) external view returns (address[] memory) {
        return _previousAddresses[id];
    }

    /**
     * @notice The member that used to own the retired address `account`, or 0.
     * @dev Callable by anyone.
     * @param account A possibly retired address.
     * @return The member id, or 0 if `account` was never rotated away from.
     */
    function retiredMemberIdOf(address account) external view returns (uint256) {
        return _retiredIds[account];
    }

    /**
     * @notice The consortium roles held by `account`, in the order of {knownRoles}.
     * @dev Callable by anyone. Includes roles of a suspended member (which it cannot use).
     * @param account The address.
     * @return held The held role identifiers.
     */
    function rolesOf(address account) external view returns (bytes32[] memory held) {
        bytes32[_ROLE_COUNT] memory list = _roleList();
        uint256 count = 0;
        for (uint256 i = 0; i < _ROLE_COUNT; ++i) {
            if (hasRole(list[i], account)) ++count;
        }
        held = new bytes32[](count);
        count = 0;
        for (uint256 i = 0; i < _ROLE_COUNT; ++i) {
            if (hasRole(list[i], account)) held[count++] = list[i];
        }
    }

    /**
     * @notice The fixed list of consortium roles.
     * @dev Callable by anyone.
     * @return roles LENDER, DEALER, COLLECTOR, LEGAL, REGULATOR, NOTARY, AUDITOR, SETTLEMENT_BANK,
     * OPERATOR, GOVERNOR.
     */
    function knownRoles() external pure returns (bytes32[] memory roles) {
        bytes32[_ROLE_COUNT] memory list = _roleList();
        roles = new bytes32[](_ROLE_COUNT);
        for (uint256 i = 0; i < _ROLE_COUNT; ++i) {
            roles[i] = list[i];
        }
    }

    /**
     * @notice Whether `role` is one of the consortium roles.
     * @dev Callable by anyone.
     * @param role The role identifier.
     * @return True if `role` is in {knownRoles}.
     */
    function isKnownRole(bytes32 role) public pure returns (bool) {
        bytes32[_ROLE_COUNT] memory list = _roleList();
        for (uint256 i = 0; i < _ROLE_COUNT; ++i) {
            if (list[i] == role) return true;
        }
        return false;
    }

    /**
     * @notice Number of approvals a proposal needs to be executed.
     * @dev Callable by anyone.
     * @return The quorum M.
     */
    function quorum() external view returns (uint256) {
        return _quorum;
    }

    /**
     * @notice Number of active members holding GOVERNOR.
     * @dev Callable by anyone.
     * @return The number of active governors N.
     */
    function activeGovernorCount() external view returns (uint256) {
        return _activeGovernors;
    }

    /**
     * @notice Number of proposals ever created; also the highest proposal id.
     * @dev Callable by anyone.
     * @return The proposal count.
     */
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /**
     * @notice Proposal `id`.
     * @dev Callable by anyone. Reverts with {ConsortiumUnknownProposal} if there is none.
     * @param id The proposal id.
     * @return The proposal record.
     */
    function proposal(uint256 id) external view returns (Proposal memory) {
        return _proposals[_requireProposal(id)];
    }

    /**
     * @notice Whether the member whose current address is `account` has voted on proposal `id`.
     * @dev Callable by anyone. Votes are recorded per member id, so they follow key rotations.
     * @param id The proposal id.
     * @param account The member address.
     * @return True if that member has voted.
     */
    function hasVoted(uint256 id, address account) external view returns (bool) {
        uint256 memberId = _memberIds[account];
        return memberId != 0 && _voted[id][memberId];
    }

    /**
     * @notice Approvals of proposal `id` that count towards quorum right now: votes of members that are
     * still active governors.
     * @dev Callable by anyone. Reverts with {ConsortiumUnknownProposal} if there is no such proposal.
     * @param id The proposal id.
     * @return The number of valid approvals.
     */
    function currentApprovals(uint256 id) external view returns (uint256) {
        return _currentApprovals(_requireProposal(id));
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IConsortium).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: checks
    // ---------------------------------------------------------------------------------------------

    /// @dev Reverts unless `account` is an active governor; returns its member id.
    function _requireGovernor(address account) private view returns (uint256 id) {
        if (!hasActiveRole(GOVERNOR, account)) revert ConsortiumNotGovernor(account);
        return _memberIds[account];
    }

    /// @dev Reverts unless proposal `id` exists; returns `id`.
    function _requireProposal(uint256 id) private view returns (uint256) {
        if (id == 0 || id > _proposalCount) revert ConsortiumUnknownProposal(id);
        return id;
    }

    /// @dev Returns proposal `id` if it exists, is not executed and has not expired.
    function _openProposal(uint256 id) private view returns (Proposal storage p) {
        p = _proposals[_requireProposal(id)];
        if (p.executed) revert ConsortiumProposalAlreadyExecuted(id);
        if (block.timestamp > p.expiresAt) revert ConsortiumProposalExpired(id, p.expiresAt);
    }

    /// @dev Reverts if `account` cannot become a member address.
    function _checkNewAccount(address account) private view {
        if (account == address(0)) revert ConsortiumZeroAddress();
        if (_memberIds[account] != 0) revert ConsortiumAlreadyMember(account);
        if (_retiredIds[account] != 0) revert ConsortiumRetiredAddress(account);
    }

    /// @dev Reverts unless 1 <= `newQuorum` <= `governors`.
    function _checkQuorum(uint256 newQuorum, uint256 governors) private pure {
        if (newQuorum == 0 || newQuorum > governors) revert ConsortiumInvalidQuorum(newQuorum, governors);
    }

    /// @dev Reverts if one active governor fewer would fall below the quorum.
    function _checkGovernorLoss() private view {
        // `_activeGovernors >= _quorum >= 1` is an invariant, so this cannot underflow (and is checked anyway).
        uint256 remaining = _activeGovernors - 1;
        if (remaining < _quorum) revert ConsortiumInvalidQuorum(_quorum, remaining);
    }

    /// @dev Reverts if `roles` contains an unknown role or a duplicate.
    function _checkRoleList(bytes32[] storage roles) private view {
        uint256 length = roles.length;
        for (uint256 i = 0; i < length; ++i) {
            bytes32 role = roles[i];
            if (!isKnownRole(role)) revert ConsortiumUnknownRole(role);
            for (uint256 j = 0; j < i; ++j) {
                if (roles[j] == role) revert ConsortiumDuplicateRole(role);
            }
        }
    }

    /**
     * @dev Validates proposal `p` against the current state and returns the address it acts on
     * (the address to admit, the target member's current address, or zero for SetQuorum).
     */
    function _checkProposal(Proposal storage p) private view returns (address account) {
        ProposalKind kind = p.kind;
        if (kind == ProposalKind.Admit) {
            account = p.target;
            _checkNewAccount(account);
            if (bytes(p.name).length == 0) revert ConsortiumEmptyName();
            _checkRoleList(p.roles);
            return account;
        }
        if (kind == ProposalKind.SetQuorum) {
            _checkQuorum(p.value, _activeGovernors);
            return address(0);
        }

        Member storage m = _members[p.targetId];
        account = m.account;
        Status status = m.status;
        if (status == Status.Removed) revert ConsortiumMemberAlreadyRemoved(account);
        if (kind == ProposalKind.Suspend) {
            if (status != Status.Active) revert ConsortiumMemberNotActive(account);
            if (hasRole(GOVERNOR, account)) _checkGovernorLoss();
            return account;
        }
        if (kind == ProposalKind.Reinstate) {
            if (status != Status.Suspended) revert ConsortiumMemberNotSuspended(account);
            return account;
        }
        if (kind == ProposalKind.Remove) {
            if (status == Status.Active && hasRole(GOVERNOR, account)) _checkGovernorLoss();
        } else if (kind == ProposalKind.RotateKey) {
            _checkNewAccount(p.newAddress);
        } else {
            // GrantRole or RevokeRole
            bytes32 role = p.role;
            if (!isKnownRole(role)) revert ConsortiumUnknownRole(role);
            bool grant = kind == ProposalKind.GrantRole;
            if (hasRole(role, account) == grant) revert ConsortiumRoleUnchanged(account, role);
            if (!grant && role == GOVERNOR && status == Status.Active) _checkGovernorLoss();
        }
    }

    /// @dev Number of voters on proposal `id` that are currently active governors.
    function _currentApprovals(uint256 id) private view returns (uint256 count) {
        uint256[] storage voters = _voters[id];
        uint256 length = voters.length;
        for (uint256 i = 0; i < length; ++i) {
            Member storage m = _members[voters[i]];
            if (m.status == Status.Active && hasRole(GOVERNOR, m.account)) ++count;
        }
    }

    /// @dev The fixed role list.
    function _roleList() private pure returns (bytes32[_ROLE_COUNT] memory) {
        return [LENDER, DEALER, COLLECTOR, LEGAL, REGULATOR, NOTARY, AUDITOR, SETTLEMENT_BANK, OPERATOR, GOVERNOR];
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: effects (inputs already validated)
    // ---------------------------------------------------------------------------------------------

    /// @dev Stores the fixed-size parameters of a new proposal (the ones `kind` uses) and its creation data.
    function _storeParams(
        Proposal storage p,
        ProposalKind kind,
        address target,
        bytes32 role,
        address newAddress,
        uint256 value
    ) private {
        p.kind = kind;
        p.proposer = msg.sender;
        p.createdAt = block.timestamp.toUint48();
        if (kind == ProposalKind.Admit) {
            p.target = target;
        } else if (kind == ProposalKind.SetQuorum) {
            p.value = value;
        } else {
            uint256 targetId = _memberIds[target];
            if (targetId == 0) revert ConsortiumNotMember(target);
            p.target = target;
            p.targetId = targetId;
            if (kind == ProposalKind.GrantRole || kind == ProposalKind.RevokeRole) {
                p.role = role;
            } else if (kind == ProposalKind.RotateKey) {
                p.newAddress = newAddress;
            }
        }
    }

    /// @dev Validates the stored proposal `id`, announces it and records the proposer's approval.
    function _publish(uint256 id, Proposal storage p, uint256 proposerId) private {
        _checkProposal(p);
        emit ProposalCreated(id, p.kind, msg.sender, p.target, p.expiresAt);
        _castVote(id, p, proposerId, msg.sender);
    }

    /// @dev Records the approval of member `voterId` (calling from `voter`) on proposal `id`.
    function _castVote(uint256 id, Proposal storage p, uint256 voterId, address voter) private {
        _voted[id][voterId] = true;
        _voters[id].push(voterId);
        uint256 approvals = ++p.approvals;
        emit ProposalVoted(id, voter, approvals);
    }

    /// @dev Creates an active member for `account` and grants it `roles` (already validated).
    function _admit(address account, string memory name, bytes32[] memory roles) private {
        uint256 id = ++_memberCount;
        _memberIds[account] = id;
        _members[id] = Member({
            id: id,
            account: account,
            status: Status.Active,
            joinedAt: block.number.toUint48(),
            name: name
        });
        emit MemberAdmitted(id, account, name);
        for (uint256 i = 0; i < roles.length; ++i) {
            _grantMemberRole(id, account, roles[i]);
        }
    }

    /// @dev Suspends active member `id`; its roles stay in storage but stop counting.
    function _suspend(uint256 id, address account) private {
        _members[id].status = Status.Suspended;
        if (hasRole(GOVERNOR, account)) --_activeGovernors;
        emit MemberSuspended(id, account);
    }

    /// @dev Makes suspended member `id` active again.
    function _reinstate(uint256 id, address account) private {
        _members[id].status = Status.Active;
        if (hasRole(GOVERNOR, account)) ++_activeGovernors;
        emit MemberReinstated(id, account);
    }

    /// @dev Marks member `id` removed and revokes all its roles.
    function _remove(uint256 id, address account) private {
        Member storage m = _members[id];
        bool wasActive = m.status == Status.Active;
        m.status = Status.Removed;
        if (wasActive && hasRole(GOVERNOR, account)) --_activeGovernors;
        emit MemberRemoved(id, account);
        // The member is Removed now, so revoking GOVERNOR below does not touch `_activeGovernors` again.
        bytes32[_ROLE_COUNT] memory list = _roleList();
        for (uint256 i = 0; i < _ROLE_COUNT; ++i) {
            _revokeMemberRole(id, account, list[i]);
        }
    }

    /// @dev Grants `role` to member `id` at `account`, keeping the active-governor count in sync.
    function _grantMemberRole(uint256 id, address account, bytes32 role) private {
        if (_grantRole(role, account)) {
            if (role == GOVERNOR && _members[id].status == Status.Active) ++_activeGovernors;
            emit MemberRoleGranted(id, account, role);
        }
    }

    /// @dev Revokes `role` from member `id` at `account`, keeping the active-governor count in sync.
    function _revokeMemberRole(uint256 id, address account, bytes32 role) private {
        if (_revokeRole(role, account)) {
            if (role == GOVERNOR && _members[id].status == Status.Active) --_activeGovernors;
            emit MemberRoleRevoked(id, account, role);
        }
    }

    /// @dev Sets the quorum after checking 1 <= `newQuorum` <= active governors.
    function _setQuorum(uint256 newQuorum) private {
        _checkQuorum(newQuorum, _activeGovernors);
        uint256 oldQuorum = _quorum;
        _quorum = newQuorum;
        emit QuorumChanged(oldQuorum, newQuorum);
    }

    /// @dev Moves member `id` from `oldAccount` to `newAccount` (already validated) and retires `oldAccount`.
    function _rotateKey(uint256 id, address oldAccount, address newAccount) private {
        delete _memberIds[oldAccount];
        _memberIds[newAccount] = id;
        _retiredIds[oldAccount] = id;
        _previousAddresses[id].push(oldAccount);
        _members[id].account = newAccount;
        // Move every held role; the member's status and `_activeGovernors` are unchanged.
        bytes32[_ROLE_COUNT] memory list = _roleList();
        for (uint256 i = 0; i < _ROLE_COUNT; ++i) {
            if (_revokeRole(list[i], oldAccount)) _grantRole(list[i], newAccount);
        }
        emit MemberKeyRotated(id, oldAccount, newAccount);
    }
}
