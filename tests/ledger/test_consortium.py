"""The Consortium contract through `ledger.consortium`: members, roles, governance, key rotation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_utils import event_abi_to_log_topic, keccak

from ledger.chain import Chain
from ledger.compiler import Artifacts
from ledger.consortium import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    ZERO_ADDRESS,
    ConsortiumClient,
    Member,
    MemberStatus,
    Proposal,
    ProposalKind,
    Role,
    deploy_consortium,
)
from ledger.errors import TransactionReverted
from ledger.keys import dev_account
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender, Sent

NAMES = ["Alpha Bank", "Beta Motor Finance", "Gamma Leasing"]
LENDER_NAME = "Delta Auto Credit"
UNKNOWN_ROLE = keccak(text="JANITOR")
FOUNDER_ROLES = (Role.OPERATOR, Role.GOVERNOR)  # in knownRoles() order

# Dev accounts: 0, 1, 2 found the consortium; 3 is admitted as a lender; 5..8 are fresh keys
# for rotations; 9 is never a member.
LENDER, NEW_KEY, OTHER_KEY, THIRD_KEY, STRANGER = 3, 5, 6, 7, 9


# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def reverts(error: str, **arguments: Any) -> Iterator[None]:
    """Expect the block to revert with custom error `error` and exactly these `arguments`."""
    with pytest.raises(TransactionReverted) as caught:
        yield
    assert (caught.value.error, caught.value.arguments) == (error, arguments)


def emitted(client: ConsortiumClient, sent: Sent) -> list[tuple[str, dict[str, Any]]]:
    """The contract's events in `sent`, in log order, as (name, arguments)."""
    by_topic = {
        event_abi_to_log_topic(item): item["name"] for item in client.abi if item["type"] == "event"
    }
    found = []
    for log in sent.receipt["logs"]:
        name = by_topic[bytes(log["topics"][0])]
        found.append((name, dict(getattr(client.contract.events, name)().process_log(log)["args"])))
    return found


def enact(council: list[ConsortiumClient], proposal_id: int) -> Sent:
    """Vote `proposal_id` (proposed by council[0]) up to the quorum and execute it."""
    for client in council[1 : council[0].quorum()]:
        client.vote(proposal_id)
    return council[0].execute(proposal_id)


def advance(chain: Chain, seconds: int) -> None:
    """Move the chain's clock forward by `seconds` and mine a block (test-only RPC)."""
    chain.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def block_time(chain: Chain, block: int | str = "latest") -> int:
    return int(chain.w3.eth.get_block(block)["timestamp"])


@pytest.fixture(scope="session")
def senders(chain: Chain, errors: ErrorDecoder, operator: Sender) -> list[Sender]:
    """One sender per anvil dev account; index i signs with dev_account(i)."""
    return [operator, *(Sender(chain, dev_account(i), errors=errors) for i in range(1, 10))]


@pytest.fixture
def council(fresh_chain: Chain, senders: list[Sender], artifacts: Artifacts):
    """A fresh Consortium of three governors (dev accounts 0, 1, 2), quorum 2: one client each."""
    founders = senders[:3]
    first = deploy_consortium(founders[0], artifacts, [s.address for s in founders], NAMES, 2)
    return [first.as_sender(s) for s in founders]


@pytest.fixture
def lender(council, senders) -> ConsortiumClient:
    """Dev account 3, admitted by the council with LENDER and AUDITOR."""
    address = senders[LENDER].address
    enact(council, council[0].propose_admit(address, LENDER_NAME, [Role.LENDER, Role.AUDITOR]))
    return council[0].as_sender(senders[LENDER])


# -- roles and construction -------------------------------------------------------------------


def test_role_ids_and_limits_match_the_contract(council, artifacts):
    functions = council[0].contract.functions
    for role in Role:
        assert getattr(functions, role.name)().call() == role.id == keccak(text=role.value)
    assert functions.knownRoles().call() == [role.id for role in Role]
    assert functions.MAX_PROPOSAL_LIFETIME().call() == MAX_LIFETIME
    assert 0 < DEFAULT_LIFETIME <= MAX_LIFETIME
    interface_id = 0
    for item in artifacts["IConsortium"].abi:
        if item["type"] == "function":
            signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            interface_id ^= int.from_bytes(keccak(text=signature)[:4], "big")
    for supported in (interface_id, 0x01FFC9A7, 0x7965DB0B):  # IConsortium, ERC-165, IAccessControl
        assert functions.supportsInterface(supported.to_bytes(4, "big")).call()
    assert not functions.supportsInterface(bytes.fromhex("ffffffff")).call()
    assert Role.from_id(Role.NOTARY.id) is Role.NOTARY
    with pytest.raises(ValueError, match="unknown consortium role"):
        Role.from_id(UNKNOWN_ROLE)


def test_constructor_admits_governors_with_governor_and_operator(council, fresh_chain):
    block = fresh_chain.latest_block()
    client = council[0]
    assert client.members() == [
        Member(
            id=i + 1,
            address=member.sender.address,
            name=NAMES[i],
            status=MemberStatus.ACTIVE,
            joined_at_block=block,
            roles=FOUNDER_ROLES,
        )
        for i, member in enumerate(council)
    ]
    assert client.quorum() == 2 and client.governor_count() == 3
    assert client.member(council[2].sender.address) == client.member(3)
    for member in council:
        assert client.is_active(member.sender.address)
        assert client.has_role(Role.GOVERNOR, member.sender.address)
        assert client.has_role(Role.OPERATOR, member.sender.address)
        assert not client.has_role(Role.LENDER, member.sender.address)
    (changed,) = client.contract.events.QuorumChanged.get_logs(from_block=block)
    assert dict(changed["args"]) == {"oldQuorum": 0, "newQuorum": 2}
    assert client.proposals() == []


@pytest.mark.parametrize("quorum", [0, 4])
def test_constructor_rejects_a_quorum_outside_1_to_n(fresh_chain, senders, artifacts, quorum):
    founders = [s.address for s in senders[:3]]
    with reverts("ConsortiumInvalidQuorum", quorum=quorum, governors=3):
        deploy_consortium(senders[0], artifacts, founders, NAMES, quorum)


def test_constructor_rejects_bad_founders(fresh_chain, senders, artifacts):
    a, b = senders[0].address, senders[1].address
    with reverts("ConsortiumLengthMismatch", accounts=2, names=3):
        deploy_consortium(senders[0], artifacts, [a, b], NAMES, 1)
    with reverts("ConsortiumAlreadyMember", account=a):
        deploy_consortium(senders[0], artifacts, [a, a], NAMES[:2], 1)
    with reverts("ConsortiumZeroAddress"):
        deploy_consortium(senders[0], artifacts, [a, ZERO_ADDRESS], NAMES[:2], 1)
    with reverts("ConsortiumEmptyName"):
        deploy_consortium(senders[0], artifacts, [a, b], ["Alpha", ""], 1)
    with reverts("ConsortiumInvalidQuorum", quorum=1, governors=0):
        deploy_consortium(senders[0], artifacts, [], [], 1)


def test_public_access_control_setters_are_disabled(council, senders):
    functions, account = council[0].contract.functions, senders[STRANGER].address
    for call in (functions.grantRole, functions.revokeRole, functions.renounceRole):
        with reverts("ConsortiumGovernanceOnly"):
            senders[0].transact(call(Role.LENDER.id, account))
    with reverts("ConsortiumGovernanceOnly"):
        senders[0].transact(functions.renounceRole(Role.GOVERNOR.id, senders[0].address))


# -- proposals: approve, execute, quorum, expiry ----------------------------------------------


def test_admit_needs_two_of_three_and_emits_its_events(council, senders, fresh_chain):
    a, b, _ = council
    account = senders[LENDER].address
    pid = a.propose_admit(account, LENDER_NAME, [Role.LENDER, Role.AUDITOR])
    created_block = fresh_chain.latest_block()
    (created,) = a.contract.events.ProposalCreated.get_logs(from_block=created_block)
    expires_at = block_time(fresh_chain) + DEFAULT_LIFETIME
    assert dict(created["args"]) == {
        "id": pid,
        "kind": ProposalKind.ADMIT,
        "proposer": a.sender.address,
        "target": account,
        "expiresAt": expires_at,
    }
    open_proposal = Proposal(
        id=pid,
        kind=ProposalKind.ADMIT,
        target=account,
        target_id=None,
        role=None,
        name=LENDER_NAME,
        roles=(Role.LENDER, Role.AUDITOR),
        new_address=None,
        value=None,
        proposer=a.sender.address,
        created_at=expires_at - DEFAULT_LIFETIME,
        expires_at=expires_at,
        approvals=1,
        executed=False,
    )
    assert a.proposal(pid) == open_proposal and a.proposals() == [open_proposal]
    assert not a.is_active(account)

    voted = b.vote(pid)
    assert emitted(a, voted) == [
        ("ProposalVoted", {"id": pid, "voter": b.sender.address, "approvals": 2})
    ]
    executed = b.execute(pid)
    names = [name for name, _ in emitted(a, executed)]
    assert names == [
        "MemberAdmitted",
        "RoleGranted",
        "MemberRoleGranted",
        "RoleGranted",
        "MemberRoleGranted",
        "ProposalExecuted",
    ]
    events = dict(emitted(a, executed))  # each name's last occurrence
    assert events["MemberAdmitted"] == {"id": 4, "account": account, "name": LENDER_NAME}
    assert events["MemberRoleGranted"] == {"id": 4, "account": account, "role": Role.AUDITOR.id}
    assert events["ProposalExecuted"] == {"id": pid, "kind": ProposalKind.ADMIT}
    assert a.member(account) == Member(
        id=4,
        address=account,
        name=LENDER_NAME,
        status=MemberStatus.ACTIVE,
        joined_at_block=executed.block_number,
        roles=(Role.LENDER, Role.AUDITOR),
    )
    assert a.proposal(pid) == Proposal(**{**vars(open_proposal), "approvals": 2, "executed": True})
    assert a.has_role(Role.LENDER, account) and not a.has_role(Role.GOVERNOR, account)
    a.require_active_role(Role.AUDITOR, account)
    with reverts("ConsortiumMissingRole", account=account, role=Role.DEALER.id):
        a.require_active_role(Role.DEALER, account)
    assert a.governor_count() == 3


def test_execute_without_quorum_reverts_with_the_counts(council, senders):
    pid = council[0].propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER])
    with reverts("ConsortiumQuorumNotReached", id=pid, approvals=1, quorum=2):
        council[1].execute(pid)
    assert council[0].current_approvals(pid) == 1


def test_a_member_votes_once(council, senders):
    a, b, _ = council
    pid = a.propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER])
    with reverts("ConsortiumAlreadyVoted", id=pid, voter=a.sender.address):
        a.vote(pid)
    b.vote(pid)
    with reverts("ConsortiumAlreadyVoted", id=pid, voter=b.sender.address):
        b.vote(pid)
    assert a.proposal(pid).approvals == 2
    assert a.has_voted(pid, b.sender.address) and not a.has_voted(pid, council[2].sender.address)


@pytest.mark.anvil
def test_expired_proposal_can_no_longer_be_voted_or_executed(council, senders, fresh_chain):
    a, b, c = council
    pid = a.propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER], lifetime=3600)
    b.vote(pid)
    proposal = a.proposal(pid)
    expires_at = proposal.expires_at
    assert expires_at == proposal.created_at + 3600
    advance(fresh_chain, 3601)
    assert block_time(fresh_chain) > expires_at
    with reverts("ConsortiumProposalExpired", id=pid, expiresAt=expires_at):
        c.vote(pid)
    with reverts("ConsortiumProposalExpired", id=pid, expiresAt=expires_at):
        a.execute(pid)
    assert not a.proposal(pid).executed


@pytest.mark.anvil
def test_proposal_is_open_up_to_and_including_expires_at(council, senders, fresh_chain):
    a, b, _ = council
    pid = a.propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER], lifetime=3600)
    expires_at = a.proposal(pid).expires_at
    fresh_chain.w3.provider.make_request("evm_setNextBlockTimestamp", [expires_at])  # type: ignore[arg-type]
    sent = b.vote(pid)
    assert block_time(fresh_chain, sent.block_number) == expires_at
    advance(fresh_chain, 1)
    with reverts("ConsortiumProposalExpired", id=pid, expiresAt=expires_at):
        a.execute(pid)


def test_a_proposal_executes_once(council, senders):
    pid = council[0].propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER])
    enact(council, pid)
    with reverts("ConsortiumProposalAlreadyExecuted", id=pid):
        council[0].execute(pid)
    with reverts("ConsortiumProposalAlreadyExecuted", id=pid):
        council[2].vote(pid)


@pytest.mark.parametrize("pid", [0, 2])
def test_unknown_proposal(council, senders, pid):
    council[0].propose_quorum(3)  # proposal 1 exists
    with reverts("ConsortiumUnknownProposal", id=pid):
        council[1].vote(pid)
    with reverts("ConsortiumUnknownProposal", id=pid):
        council[1].execute(pid)
    with reverts("ConsortiumUnknownProposal", id=pid):
        council[1].proposal(pid)


def test_non_governors_cannot_propose_vote_or_execute(council, lender, senders):
    pid = council[0].propose_quorum(3)
    stranger = council[0].as_sender(senders[STRANGER])
    for client in (stranger, lender):
        account = client.sender.address
        with reverts("ConsortiumNotGovernor", account=account):
            client.propose_admit(senders[8].address, "Epsilon", [Role.DEALER])
        with reverts("ConsortiumNotGovernor", account=account):
            client.vote(pid)
        with reverts("ConsortiumNotGovernor", account=account):
            client.execute(pid)


def test_quorum_of_three_needs_every_governor(council, senders):
    a, b, c = council
    executed = enact(council, a.propose_quorum(3))
    assert ("QuorumChanged", {"oldQuorum": 2, "newQuorum": 3}) in emitted(a, executed)
    assert a.quorum() == 3
    pid = a.propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER])
    b.vote(pid)
    with reverts("ConsortiumQuorumNotReached", id=pid, approvals=2, quorum=3):
        a.execute(pid)
    c.vote(pid)
    a.execute(pid)
    assert a.is_active(senders[LENDER].address)


def test_quorum_must_stay_between_one_and_the_governor_count(council):
    with reverts("ConsortiumInvalidQuorum", quorum=4, governors=3):
        council[0].propose_quorum(4)
    with reverts("ConsortiumInvalidQuorum", quorum=0, governors=3):
        council[0].propose_quorum(0)


def test_quorum_change_is_checked_again_at_execution(council):
    a, _, c = council
    raise_quorum = a.propose_quorum(3)
    enact(council, a.propose_suspend(c.sender.address))
    with reverts("ConsortiumInvalidQuorum", quorum=3, governors=2):
        enact(council, raise_quorum)


@pytest.mark.parametrize("lifetime", [0, MAX_LIFETIME + 1])
def test_invalid_lifetime(council, senders, lifetime):
    with reverts("ConsortiumInvalidLifetime", lifetime=lifetime, maxLifetime=MAX_LIFETIME):
        council[0].propose_admit(senders[LENDER].address, LENDER_NAME, [], lifetime=lifetime)


def test_longest_lifetime_is_accepted(council, fresh_chain):
    pid = council[0].propose_quorum(1, lifetime=MAX_LIFETIME)
    proposal = council[0].proposal(pid)
    assert proposal.expires_at - proposal.created_at == MAX_LIFETIME
    assert (proposal.kind, proposal.value, proposal.target) == (ProposalKind.SET_QUORUM, 1, None)


# -- admission checks -------------------------------------------------------------------------


def test_admit_rejects_invalid_candidates(council, senders):
    a = council[0]
    account = senders[LENDER].address
    with reverts("ConsortiumAlreadyMember", account=council[1].sender.address):
        a.propose_admit(council[1].sender.address, "Beta again", [Role.LENDER])
    with reverts("ConsortiumZeroAddress"):
        a.propose_admit(ZERO_ADDRESS, LENDER_NAME, [Role.LENDER])
    with reverts("ConsortiumEmptyName"):
        a.propose_admit(account, "", [Role.LENDER])
    with reverts("ConsortiumUnknownRole", role=UNKNOWN_ROLE):
        a.propose_admit(account, LENDER_NAME, [Role.LENDER, UNKNOWN_ROLE])
    with reverts("ConsortiumDuplicateRole", role=Role.DEALER.id):
        a.propose_admit(account, LENDER_NAME, [Role.DEALER, Role.LENDER, Role.DEALER])
    assert a.proposals() == []


def test_admit_is_checked_again_at_execution(council, senders):
    account = senders[LENDER].address
    first = council[0].propose_admit(account, LENDER_NAME, [Role.LENDER])
    second = council[0].propose_admit(account, "Delta again", [Role.DEALER])
    enact(council, first)
    with reverts("ConsortiumAlreadyMember", account=account):
        enact(council, second)


def test_admit_without_roles_and_as_governor(council, senders):
    enact(council, council[0].propose_admit(senders[8].address, "Zeta Legal", []))
    assert council[0].member(senders[8].address).roles == ()
    enact(council, council[0].propose_admit(senders[LENDER].address, "Eta", [Role.GOVERNOR]))
    assert council[0].governor_count() == 4
    council[0].as_sender(senders[LENDER]).propose_quorum(4)


# -- suspend, reinstate, remove ---------------------------------------------------------------


def test_suspended_member_keeps_roles_but_cannot_use_them(council, lender):
    a = council[0]
    account = lender.sender.address
    executed = enact(council, a.propose_suspend(account))
    assert emitted(a, executed) == [
        ("MemberSuspended", {"id": 4, "account": account}),
        ("ProposalExecuted", {"id": 2, "kind": ProposalKind.SUSPEND}),
    ]
    member = a.member(account)
    assert member.status is MemberStatus.SUSPENDED and not member.active
    assert member.roles == (Role.LENDER, Role.AUDITOR)
    assert a.contract.functions.hasRole(Role.LENDER.id, account).call()  # still in storage
    assert not a.is_active(account)
    assert not a.has_role(Role.LENDER, account)
    with reverts("ConsortiumMemberNotActive", account=account):
        a.require_active_role(Role.LENDER, account)
    with reverts("ConsortiumMemberNotActive", account=account):
        a.propose_suspend(account)
    with reverts("ConsortiumMemberNotActive", account=account):
        lender.rotate_key(ZERO_ADDRESS)
    assert a.member_id_of(account) == 4


def test_reinstate_restores_a_suspended_member(council, lender):
    a = council[0]
    account = lender.sender.address
    with reverts("ConsortiumMemberNotSuspended", account=account):
        a.propose_reinstate(account)
    enact(council, a.propose_suspend(account))
    executed = enact(council, a.propose_reinstate(account))
    assert emitted(a, executed)[0] == ("MemberReinstated", {"id": 4, "account": account})
    assert a.is_active(account) and a.has_role(Role.LENDER, account)
    assert a.member(account).status is MemberStatus.ACTIVE


def test_suspended_governor_loses_its_vote_until_reinstated(council, senders):
    a, b, c = council
    pid = a.propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER])
    b.vote(pid)
    enact(council, a.propose_suspend(b.sender.address))
    assert a.governor_count() == 2 and a.current_approvals(pid) == 1
    with reverts("ConsortiumNotGovernor", account=b.sender.address):
        b.vote(pid)
    with reverts("ConsortiumQuorumNotReached", id=pid, approvals=1, quorum=2):
        a.execute(pid)
    with reverts("ConsortiumInvalidQuorum", quorum=2, governors=1):
        a.propose_suspend(c.sender.address)
    reinstate = a.propose_reinstate(b.sender.address)
    c.vote(reinstate)
    a.execute(reinstate)
    assert a.governor_count() == 3 and a.current_approvals(pid) == 2
    a.execute(pid)


def test_removed_member_loses_every_role_for_good(council, lender):
    a = council[0]
    account = lender.sender.address
    executed = enact(council, a.propose_remove(account))
    ours = [event for event in emitted(a, executed) if not event[0].startswith("Role")]
    assert ours == [
        ("MemberRemoved", {"id": 4, "account": account}),
        ("MemberRoleRevoked", {"id": 4, "account": account, "role": Role.LENDER.id}),
        ("MemberRoleRevoked", {"id": 4, "account": account, "role": Role.AUDITOR.id}),
        ("ProposalExecuted", {"id": 2, "kind": ProposalKind.REMOVE}),
    ]
    member = a.member(4)
    assert (member.status, member.roles, member.address) == (MemberStatus.REMOVED, (), account)
    assert not a.is_active(account)
    with reverts("ConsortiumMemberAlreadyRemoved", account=account):
        a.propose_remove(account)
    with reverts("ConsortiumMemberAlreadyRemoved", account=account):
        a.propose_grant(account, Role.LENDER)
    with reverts("ConsortiumMemberAlreadyRemoved", account=account):
        a.propose_reinstate(account)
    with reverts("ConsortiumMemberAlreadyRemoved", account=account):
        a.propose_suspend(account)
    with reverts("ConsortiumAlreadyMember", account=account):
        a.propose_admit(account, LENDER_NAME, [Role.LENDER])


def test_removing_governors_keeps_the_quorum_reachable(council):
    a, b, c = council
    enact(council, a.propose_remove(c.sender.address))
    assert a.governor_count() == 2 and a.member(3).roles == ()
    with reverts("ConsortiumInvalidQuorum", quorum=2, governors=1):
        a.propose_remove(b.sender.address)
    with reverts("ConsortiumInvalidQuorum", quorum=2, governors=1):
        a.propose_revoke(b.sender.address, Role.GOVERNOR)


def test_targets_must_be_members(council, senders):
    stranger = senders[STRANGER].address
    for propose in (
        council[0].propose_suspend,
        council[0].propose_reinstate,
        council[0].propose_remove,
    ):
        with reverts("ConsortiumNotMember", account=stranger):
            propose(stranger)
    with reverts("ConsortiumNotMember", account=stranger):
        council[0].propose_grant(stranger, Role.LENDER)
    with reverts("ConsortiumNotMember", account=stranger):
        council[0].member(stranger)
    with reverts("ConsortiumUnknownMember", id=4):
        council[0].member(4)
    assert council[0].member_id_of(stranger) is None


# -- roles ------------------------------------------------------------------------------------


def test_grant_and_revoke_a_role(council, lender):
    a = council[0]
    account = lender.sender.address
    grant = a.propose_grant(account, Role.DEALER)
    assert (a.proposal(grant).role, a.proposal(grant).target_id) == (Role.DEALER, 4)
    executed = enact(council, grant)
    assert ("MemberRoleGranted", {"id": 4, "account": account, "role": Role.DEALER.id}) in emitted(
        a, executed
    )
    assert a.has_role(Role.DEALER, account)
    assert a.member(account).roles == (Role.LENDER, Role.DEALER, Role.AUDITOR)
    with reverts("ConsortiumRoleUnchanged", account=account, role=Role.DEALER.id):
        a.propose_grant(account, Role.DEALER)

    executed = enact(council, a.propose_revoke(account, Role.LENDER))
    assert ("MemberRoleRevoked", {"id": 4, "account": account, "role": Role.LENDER.id}) in emitted(
        a, executed
    )
    assert not a.has_role(Role.LENDER, account)
    with reverts("ConsortiumRoleUnchanged", account=account, role=Role.LENDER.id):
        a.propose_revoke(account, Role.LENDER)


def test_role_change_is_checked_again_at_execution(council, lender):
    account = lender.sender.address
    first = council[0].propose_grant(account, Role.NOTARY)
    second = council[0].propose_grant(account, Role.NOTARY)
    enact(council, first)
    with reverts("ConsortiumRoleUnchanged", account=account, role=Role.NOTARY.id):
        enact(council, second)


def test_unknown_role_is_rejected(council, lender):
    account = lender.sender.address
    with reverts("ConsortiumUnknownRole", role=UNKNOWN_ROLE):
        council[0].propose_grant(account, UNKNOWN_ROLE)
    with reverts("ConsortiumUnknownRole", role=UNKNOWN_ROLE):
        council[0].propose_revoke(account, UNKNOWN_ROLE)
    assert not council[0].has_role(UNKNOWN_ROLE, account)


def test_granting_governor_makes_a_new_voter(council, lender):
    enact(council, council[0].propose_grant(lender.sender.address, Role.GOVERNOR))
    assert council[0].governor_count() == 4
    pid = lender.propose_quorum(4)
    council[1].vote(pid)
    lender.execute(pid)
    assert council[0].quorum() == 4


# -- key rotation -----------------------------------------------------------------------------


def test_member_rotates_its_own_key(council, lender, senders):
    a = council[0]
    old, new = lender.sender.address, senders[NEW_KEY].address
    before = a.member(old)
    sent = lender.rotate_key(new)
    ours = [event for event in emitted(a, sent) if not event[0].startswith("Role")]
    assert ours == [("MemberKeyRotated", {"id": 4, "oldAccount": old, "newAccount": new})]
    assert a.member(new) == Member(**{**vars(before), "address": new})
    assert a.member(4).address == new
    assert a.member_id_of(old) is None and a.member_id_of(new) == 4
    assert a.contract.functions.retiredMemberIdOf(old).call() == 4
    assert not a.is_active(old) and not a.has_role(Role.LENDER, old)
    assert a.has_role(Role.LENDER, new) and a.has_role(Role.AUDITOR, new)
    assert a.previous_addresses(4) == [old]
    with reverts("ConsortiumNotMember", account=old):
        a.member(old)
    with reverts("ConsortiumMemberNotActive", account=old):
        lender.rotate_key(senders[OTHER_KEY].address)
    with reverts("ConsortiumMemberNotActive", account=old):
        a.require_active_role(Role.LENDER, old)

    rotated = lender.as_sender(senders[NEW_KEY])
    rotated.rotate_key(senders[OTHER_KEY].address)
    assert a.previous_addresses(4) == [old, new]
    assert a.member(senders[OTHER_KEY].address).id == 4


def test_rotation_target_must_be_a_fresh_address(council, lender, senders):
    a = council[0]
    old = lender.sender.address
    with reverts("ConsortiumAlreadyMember", account=a.sender.address):
        lender.rotate_key(a.sender.address)
    with reverts("ConsortiumZeroAddress"):
        lender.rotate_key(ZERO_ADDRESS)
    lender.as_sender(lender.sender).rotate_key(senders[NEW_KEY].address)
    rotated = lender.as_sender(senders[NEW_KEY])
    with reverts("ConsortiumRetiredAddress", account=old):
        rotated.rotate_key(old)
    with reverts("ConsortiumRetiredAddress", account=old):
        a.propose_admit(old, "Old key", [Role.LENDER])
    with reverts("ConsortiumRetiredAddress", account=old):
        a.propose_rotate(senders[NEW_KEY].address, old)
    with reverts("ConsortiumAlreadyMember", account=council[1].sender.address):
        a.propose_rotate(senders[NEW_KEY].address, council[1].sender.address)


def test_rotated_governor_acts_only_with_its_new_key(council, senders):
    a, b, _ = council
    old, new = b.sender.address, senders[NEW_KEY].address
    b.rotate_key(new)
    assert a.governor_count() == 3
    pid = a.propose_quorum(3)
    with reverts("ConsortiumNotGovernor", account=old):
        b.vote(pid)
    b.as_sender(senders[NEW_KEY]).vote(pid)
    assert a.proposal(pid).approvals == 2 and a.has_voted(pid, new)
    a.execute(pid)


def test_rotated_governor_cannot_vote_twice(council, senders):
    a, b, c = council
    pid = a.propose_admit(senders[LENDER].address, LENDER_NAME, [Role.LENDER])
    b.vote(pid)
    b.rotate_key(senders[NEW_KEY].address)
    with reverts("ConsortiumAlreadyVoted", id=pid, voter=senders[NEW_KEY].address):
        b.as_sender(senders[NEW_KEY]).vote(pid)
    assert a.current_approvals(pid) == 2
    c.execute(pid)  # the vote cast under the old key still counts
    assert a.is_active(senders[LENDER].address)


def test_governance_rotates_a_lost_key(council, lender, senders):
    a = council[0]
    old, new = lender.sender.address, senders[NEW_KEY].address
    pid = a.propose_rotate(old, new)
    assert (a.proposal(pid).target, a.proposal(pid).new_address) == (old, new)
    executed = enact(council, pid)
    assert ("MemberKeyRotated", {"id": 4, "oldAccount": old, "newAccount": new}) in emitted(
        a, executed
    )
    assert a.member(new).roles == (Role.LENDER, Role.AUDITOR)
    assert a.member_id_of(old) is None and a.previous_addresses(4) == [old]
    with reverts("ConsortiumMemberNotActive", account=old):
        lender.rotate_key(senders[OTHER_KEY].address)


def test_governance_rotation_follows_the_member_through_its_own_rotation(council, lender, senders):
    a = council[0]
    first, second = lender.sender.address, senders[NEW_KEY].address
    third = senders[THIRD_KEY].address
    pid = a.propose_rotate(first, third)
    lender.rotate_key(second)
    enact(council, pid)
    assert a.member(4).address == third
    assert a.previous_addresses(4) == [first, second]
    assert a.has_role(Role.LENDER, third) and not a.has_role(Role.LENDER, second)


def test_governance_rotation_of_a_suspended_member_keeps_it_suspended(council, lender, senders):
    a = council[0]
    new = senders[NEW_KEY].address
    enact(council, a.propose_suspend(lender.sender.address))
    enact(council, a.propose_rotate(lender.sender.address, new))
    member = a.member(new)
    assert member.status is MemberStatus.SUSPENDED and member.roles == (Role.LENDER, Role.AUDITOR)
    assert not a.has_role(Role.LENDER, new)
