"""Typed client for the `Consortium` contract: members, roles and M-of-N governance proposals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NewType

from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import BlockIdentifier

from ledger.chain import Address, checksum
from ledger.compiler import Artifacts
from ledger.errors import TransactionError
from ledger.membership import DEFAULT_LIFETIME as DEFAULT_LIFETIME
from ledger.membership import MAX_LIFETIME as MAX_LIFETIME
from ledger.membership import MemberId as MemberId
from ledger.membership import Role as Role
from ledger.membership import RoleLike as RoleLike
from ledger.transactions import Sender, Sent

ProposalId = NewType("ProposalId", int)
"""Id of a governance proposal (1, 2, 3, ...)."""

ZERO_ADDRESS = checksum("0x" + "00" * 20)
"""Placeholder the contract expects for address parameters a proposal kind does not use."""
_ZERO_BYTES32 = bytes(32)


class MemberStatus(IntEnum):
    """Mirror of `Consortium.Status`."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REMOVED = 3


class ProposalKind(IntEnum):
    """Mirror of `Consortium.ProposalKind`."""

    ADMIT = 0
    SUSPEND = 1
    REINSTATE = 2
    REMOVE = 3
    GRANT_ROLE = 4
    REVOKE_ROLE = 5
    SET_QUORUM = 6
    ROTATE_KEY = 7


_TARGETS_MEMBER = frozenset(ProposalKind) - {ProposalKind.ADMIT, ProposalKind.SET_QUORUM}


@dataclass(frozen=True, kw_only=True)
class Member:
    """A consortium member as the contract holds it.

    `roles` are the roles in storage, in `Role` order; a suspended member keeps them but
    cannot act in them (see `ConsortiumClient.has_role`), a removed one has none.
    """

    id: MemberId
    address: Address
    name: str
    status: MemberStatus
    joined_at_block: int
    roles: tuple[Role, ...]

    @classmethod
    def from_call(cls, fields: Sequence[Any], roles: Iterable[bytes]) -> Member:
        """Build from the `Member` struct returned by `member`/`memberOf` and `rolesOf`."""
        member_id, account, status, joined_at, name = fields
        return cls(
            id=MemberId(int(member_id)),
            address=checksum(account),
            name=str(name),
            status=MemberStatus(status),
            joined_at_block=int(joined_at),
            roles=tuple(Role.from_id(role) for role in roles),
        )

    @property
    def active(self) -> bool:
        """Whether the member may act in its roles."""
        return self.status is MemberStatus.ACTIVE


@dataclass(frozen=True, kw_only=True)
class Principal:
    """An authenticated caller: a consortium member, as the chain knows it now.

    The service layers of every package decide what a caller may see or do from it; `api`
    builds it from the credentials of a request (`via` names which kind)."""

    member_id: int
    address: Address
    name: str
    roles: frozenset[Role]
    via: str

    def holds(self, role: Role) -> bool:
        """Whether the caller holds `role`."""
        return role in self.roles

    @property
    def read_only(self) -> bool:
        """Regulators read everything and write nothing."""
        return Role.REGULATOR in self.roles


@dataclass(frozen=True, kw_only=True)
class Proposal:
    """A governance proposal. Fields the `kind` does not use are None (or empty `roles`).

    `target` is the address to admit, or the target member's address when the proposal was
    made (the proposal follows the member, by `target_id`, through key rotations).
    `approvals` counts every vote cast; only votes of members that are active governors at
    execution count towards the quorum. `created_at`/`expires_at` are block timestamps
    (seconds); the proposal can be voted on and executed up to and including `expires_at`.
    """

    id: ProposalId
    kind: ProposalKind
    target: Address | None
    target_id: MemberId | None
    role: Role | None
    name: str | None
    roles: tuple[Role, ...]
    new_address: Address | None
    value: int | None
    proposer: Address
    created_at: int
    expires_at: int
    approvals: int
    executed: bool

    @classmethod
    def from_call(cls, proposal_id: int, fields: Sequence[Any]) -> Proposal:
        """Build from the `Proposal` struct returned by `proposal(id)`."""
        (
            kind_value, target, target_id, role, name, roles, new_address, value,
            proposer, created_at, expires_at, approvals, executed,
        ) = fields  # fmt: skip
        kind = ProposalKind(kind_value)
        return cls(
            id=ProposalId(proposal_id),
            kind=kind,
            target=None if kind is ProposalKind.SET_QUORUM else checksum(target),
            target_id=MemberId(int(target_id)) if kind in _TARGETS_MEMBER else None,
            role=(
                Role.from_id(role)
                if kind in (ProposalKind.GRANT_ROLE, ProposalKind.REVOKE_ROLE)
                else None
            ),
            name=str(name) if kind is ProposalKind.ADMIT else None,
            roles=tuple(Role.from_id(r) for r in roles),
            new_address=checksum(new_address) if kind is ProposalKind.ROTATE_KEY else None,
            value=int(value) if kind is ProposalKind.SET_QUORUM else None,
            proposer=checksum(proposer),
            created_at=int(created_at),
            expires_at=int(expires_at),
            approvals=int(approvals),
            executed=bool(executed),
        )


class ConsortiumClient:
    """The `Consortium` contract at `address`, acting as the member whose key `sender` holds.

    Every transaction raises `TransactionReverted` naming the contract's custom error
    (``ConsortiumNotGovernor``, ``ConsortiumQuorumNotReached``...) with its arguments; reads
    that revert raise it too. Use `as_sender` to act as another member.
    """

    def __init__(self, sender: Sender, *, address: str, abi: list[dict[str, Any]]) -> None:
        self.sender = sender
        self.address = checksum(address)
        self.abi = abi
        self.contract: Contract = sender.contract(self.address, abi)

    def as_sender(self, sender: Sender) -> ConsortiumClient:
        """A client for the same contract that signs with `sender`'s key."""
        return ConsortiumClient(sender, address=self.address, abi=self.abi)

    # -- governance ---------------------------------------------------------------------------

    def propose_admit(
        self,
        address: str,
        name: str,
        roles: Iterable[RoleLike],
        *,
        lifetime: int = DEFAULT_LIFETIME,
    ) -> ProposalId:
        """Propose admitting `address` as member `name` holding `roles`; the caller votes yes.

        The caller must be an active governor (else ``ConsortiumNotGovernor``). The change is
        validated now and again at execution: ``ConsortiumZeroAddress``,
        ``ConsortiumAlreadyMember``, ``ConsortiumRetiredAddress``, ``ConsortiumEmptyName``,
        ``ConsortiumUnknownRole``, ``ConsortiumDuplicateRole``; a `lifetime` (seconds) of 0 or
        above `MAX_LIFETIME` reverts ``ConsortiumInvalidLifetime``.
        """
        return self._propose(
            ProposalKind.ADMIT,
            target=address,
            name=name,
            roles=[_role_id(r) for r in roles],
            lifetime=lifetime,
        )

    def propose_suspend(self, address: str, *, lifetime: int = DEFAULT_LIFETIME) -> ProposalId:
        """Propose suspending the member at `address` (it keeps its roles but cannot use them).

        Reverts ``ConsortiumNotMember``, ``ConsortiumMemberNotActive``, or
        ``ConsortiumInvalidQuorum`` when suspending a governor would leave fewer than the quorum.
        """
        return self._propose(ProposalKind.SUSPEND, target=address, lifetime=lifetime)

    def propose_reinstate(self, address: str, *, lifetime: int = DEFAULT_LIFETIME) -> ProposalId:
        """Propose making the suspended member at `address` active again.

        Reverts ``ConsortiumNotMember`` or ``ConsortiumMemberNotSuspended``.
        """
        return self._propose(ProposalKind.REINSTATE, target=address, lifetime=lifetime)

    def propose_remove(self, address: str, *, lifetime: int = DEFAULT_LIFETIME) -> ProposalId:
        """Propose removing the member at `address` for good; all its roles are revoked.

        Reverts ``ConsortiumNotMember``, ``ConsortiumMemberAlreadyRemoved``, or
        ``ConsortiumInvalidQuorum`` when removing an active governor would break the quorum.
        """
        return self._propose(ProposalKind.REMOVE, target=address, lifetime=lifetime)

    def propose_grant(
        self, address: str, role: RoleLike, *, lifetime: int = DEFAULT_LIFETIME
    ) -> ProposalId:
        """Propose granting `role` to the member at `address`.

        Reverts ``ConsortiumNotMember``, ``ConsortiumMemberAlreadyRemoved``,
        ``ConsortiumUnknownRole``, or ``ConsortiumRoleUnchanged`` if it already holds `role`.
        """
        return self._propose(
            ProposalKind.GRANT_ROLE, target=address, role=_role_id(role), lifetime=lifetime
        )

    def propose_revoke(
        self, address: str, role: RoleLike, *, lifetime: int = DEFAULT_LIFETIME
    ) -> ProposalId:
        """Propose revoking `role` from the member at `address`.

        Reverts as `propose_grant` (``ConsortiumRoleUnchanged`` if it does not hold `role`),
        and ``ConsortiumInvalidQuorum`` when revoking GOVERNOR would break the quorum.
        """
        return self._propose(
            ProposalKind.REVOKE_ROLE, target=address, role=_role_id(role), lifetime=lifetime
        )

    def propose_quorum(self, quorum: int, *, lifetime: int = DEFAULT_LIFETIME) -> ProposalId:
        """Propose a new `quorum`.

        Reverts ``ConsortiumInvalidQuorum`` unless 1 <= `quorum` <= active governors.
        """
        return self._propose(ProposalKind.SET_QUORUM, value=quorum, lifetime=lifetime)

    def propose_rotate(
        self, address: str, new_address: str, *, lifetime: int = DEFAULT_LIFETIME
    ) -> ProposalId:
        """Propose moving the member at `address` to `new_address` (e.g. after a lost key).

        Reverts ``ConsortiumNotMember``, ``ConsortiumMemberAlreadyRemoved``,
        ``ConsortiumZeroAddress``, ``ConsortiumAlreadyMember`` or ``ConsortiumRetiredAddress``.
        """
        return self._propose(
            ProposalKind.ROTATE_KEY, target=address, new_address=new_address, lifetime=lifetime
        )

    def vote(self, proposal_id: int) -> Sent:
        """Approve proposal `proposal_id` as the caller.

        Reverts ``ConsortiumNotGovernor``, ``ConsortiumUnknownProposal``,
        ``ConsortiumProposalAlreadyExecuted``, ``ConsortiumProposalExpired``, or
        ``ConsortiumAlreadyVoted`` (votes are per member, so a rotated key cannot vote again).
        """
        return self.sender.transact(self.contract.functions.vote(proposal_id))

    def execute(self, proposal_id: int) -> Sent:
        """Execute proposal `proposal_id` once enough current governors approved it.

        Reverts as `vote` (except ``ConsortiumAlreadyVoted``), with
        ``ConsortiumQuorumNotReached(id, approvals, quorum)``, or with the proposal's own
        validation error if the state changed since it was made.
        """
        return self.sender.transact(self.contract.functions.execute(proposal_id))

    def rotate_key(self, new_address: str) -> Sent:
        """Move the caller's membership (id, name, status, roles, join block) to `new_address`.

        The caller's address is retired for good. Reverts ``ConsortiumMemberNotActive`` for a
        caller that is not an active member, and ``ConsortiumZeroAddress``,
        ``ConsortiumAlreadyMember`` or ``ConsortiumRetiredAddress`` for `new_address`.
        """
        return self.sender.transact(self.contract.functions.rotateKey(checksum(new_address)))

    # -- reads --------------------------------------------------------------------------------

    def member(self, address_or_id: str | int) -> Member:
        """The member with this current address or member id.

        Reverts ``ConsortiumNotMember`` for an address that is no member's current address
        (including retired keys), ``ConsortiumUnknownMember`` for an unknown id.
        """
        block = self.sender.chain.latest_block()
        if isinstance(address_or_id, int):
            fields = self._call(self.contract.functions.member(address_or_id), block)
        else:
            fields = self._call(self.contract.functions.memberOf(checksum(address_or_id)), block)
        return self._member(fields, block)

    def members(self) -> list[Member]:
        """Every member ever admitted (any status), by id, read at one block."""
        block = self.sender.chain.latest_block()
        count = int(self._call(self.contract.functions.memberCount(), block))
        return [
            self._member(self._call(self.contract.functions.member(i), block), block)
            for i in range(1, count + 1)
        ]

    def proposal(self, proposal_id: int) -> Proposal:
        """Proposal `proposal_id`; reverts ``ConsortiumUnknownProposal`` if there is none."""
        return Proposal.from_call(
            proposal_id, self._call(self.contract.functions.proposal(proposal_id))
        )

    def proposals(self) -> list[Proposal]:
        """Every proposal ever made (open, executed or expired), by id, read at one block."""
        block = self.sender.chain.latest_block()
        count = int(self._call(self.contract.functions.proposalCount(), block))
        return [
            Proposal.from_call(i, self._call(self.contract.functions.proposal(i), block))
            for i in range(1, count + 1)
        ]

    def quorum(self) -> int:
        """Number of approvals of current governors a proposal needs."""
        return int(self._call(self.contract.functions.quorum()))

    def governor_count(self) -> int:
        """Number of active members holding GOVERNOR."""
        return int(self._call(self.contract.functions.activeGovernorCount()))

    def is_active(self, address: str) -> bool:
        """Whether `address` is the current address of an active member."""
        return bool(self._call(self.contract.functions.isActiveMember(checksum(address))))

    def has_role(self, role: RoleLike, address: str) -> bool:
        """Whether `address` is an active member holding `role` (suspended members: False)."""
        function = self.contract.functions.hasActiveRole(_role_id(role), checksum(address))
        return bool(self._call(function))

    def require_active_role(self, role: RoleLike, address: str) -> None:
        """Return if `address` may act as `role`, as other contracts check it.

        Reverts ``ConsortiumMemberNotActive`` or ``ConsortiumMissingRole(account, role)``.
        """
        self._call(self.contract.functions.requireActiveRole(_role_id(role), checksum(address)))

    def member_id_of(self, address: str) -> MemberId | None:
        """The id of the member whose current address is `address`, or None (retired keys too)."""
        member_id = int(self._call(self.contract.functions.memberIdOf(checksum(address))))
        return MemberId(member_id) if member_id else None

    def previous_addresses(self, member_id: int) -> list[Address]:
        """The addresses member `member_id` rotated away from, oldest first."""
        addresses = self._call(self.contract.functions.previousAddresses(member_id))
        return [checksum(a) for a in addresses]

    def has_voted(self, proposal_id: int, address: str) -> bool:
        """Whether the member now at `address` has voted on `proposal_id` (under any key)."""
        function = self.contract.functions.hasVoted(proposal_id, checksum(address))
        return bool(self._call(function))

    def current_approvals(self, proposal_id: int) -> int:
        """Votes on `proposal_id` that count now (of members still active governors)."""
        return int(self._call(self.contract.functions.currentApprovals(proposal_id)))

    # -- machinery ----------------------------------------------------------------------------

    def _propose(
        self,
        kind: ProposalKind,
        *,
        lifetime: int,
        target: str = ZERO_ADDRESS,
        role: bytes = _ZERO_BYTES32,
        name: str = "",
        new_address: str = ZERO_ADDRESS,
        value: int = 0,
        roles: Sequence[bytes] = (),
    ) -> ProposalId:
        function = self.contract.functions.propose(
            int(kind),
            checksum(target),
            role,
            name,
            checksum(new_address),
            value,
            list(roles),
            lifetime,
        )
        sent = self.sender.transact(function)
        events = self.contract.events.ProposalCreated().process_receipt(
            sent.receipt, errors=DISCARD
        )
        for event in events:
            if checksum(event["address"]) == self.address:
                return ProposalId(int(event["args"]["id"]))
        raise TransactionError(f"propose {sent.tx_hash}: receipt has no ProposalCreated event")

    def _member(self, fields: Sequence[Any], block: BlockIdentifier) -> Member:
        roles = self._call(self.contract.functions.rolesOf(checksum(fields[1])), block)
        return Member.from_call(fields, roles)

    def _call(self, function: ContractFunction, block: BlockIdentifier = "latest") -> Any:
        """Run a read-only call; a revert raises `TransactionReverted` with the custom error."""
        try:
            return self.sender.chain.rpc(function.call, block_identifier=block)
        except ContractLogicError as exc:
            data = exc.data if isinstance(exc.data, str) else None
            raise self.sender.errors.reverted(data) from exc


def deploy_consortium(
    sender: Sender,
    artifacts: Artifacts,
    governors: Sequence[str],
    names: Sequence[str],
    quorum: int,
) -> ConsortiumClient:
    """Deploy a `Consortium` whose founding `governors` (named `names`) need `quorum` votes.

    Each governor gets GOVERNOR and OPERATOR. Reverts ``ConsortiumLengthMismatch``,
    ``ConsortiumZeroAddress``, ``ConsortiumAlreadyMember`` (a repeated address),
    ``ConsortiumEmptyName`` or ``ConsortiumInvalidQuorum``. For tests and the demo; production
    deploys through `ledger.deployments`.
    """
    artifact = artifacts["Consortium"]
    address, _ = sender.deploy(artifact, [[checksum(g) for g in governors], list(names), quorum])
    return ConsortiumClient(sender, address=address, abi=artifact.abi)


def _role_id(role: RoleLike) -> bytes:
    if isinstance(role, str):  # a Role, or its name
        return Role(role).id
    return bytes(role)
