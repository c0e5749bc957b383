"""The Clearing contract through `ledger.settlement`: claim lifecycle, signatures, disputes."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from ledger.consortium import Role
from ledger.dispute_window import MAX_DISPUTE_WINDOW
from ledger.settlement import (
    CONFIRM_CLAIM_TYPE,
    Claim,
    ClaimKind,
    ClaimStatus,
    claim_end_to_end_id,
    confirmation_typed_data,
    deploy_clearing,
    sign_confirmation,
)
from ledger.transactions import Sender
from tests.ledger import test_settlement_world as shared
from tests.ledger.test_settlement_world import (
    BANK,
    COLLECTOR,
    DEALER,
    DEALER_B,
    DISPUTE_WINDOW,
    LENDER,
    LENDER_B,
    STRANGER,
    advance,
    block_time,
    emitted,
    member_id,
    next_block_at,
    ref,
    reverts,
)

# A module-wide world that fresh_chain's evm_snapshot undoes after each test: anvil only.
pytestmark = pytest.mark.anvil

# The shared world's fixtures.
built_world, senders, world = shared.built_world, shared.senders, shared.world

ZERO = bytes(32)
MAX_WINDOW = MAX_DISPUTE_WINDOW


def file(world, creditor=LENDER, debtor=DEALER, amount=25_000_00, kind=ClaimKind.PAYOFF, **kw):
    """File a claim of dev account `creditor` on `debtor`; return its id."""
    label = kw.pop("label", "lien 1")
    return world.clearing_as(creditor).file_claim(
        world.address(debtor), amount, kind, ref(label), **kw
    )


def recovered(digest: bytes, signature: bytes) -> str:
    return Account._recover_hash(digest, signature=signature)


# -- construction -----------------------------------------------------------------------------


def test_clearing_is_bound_to_its_consortium_token_and_window(world):
    clearing = world.clearing
    assert clearing.consortium_address() == world.council.address
    assert clearing.token_address() == world.token.address
    assert clearing.dispute_window() == DISPUTE_WINDOW
    assert (clearing.max_claims_per_cycle(), clearing.max_members_per_cycle()) == (2_000, 64)
    fields = ",".join(f"{f['type']} {f['name']}" for f in CONFIRM_CLAIM_TYPE)
    expected = keccak(text=f"ConfirmClaim({fields})")
    assert clearing.contract.functions.CONFIRM_TYPEHASH().call() == expected
    assert clearing.is_creator(world.creator.address)
    assert (clearing.claim_count(), clearing.cycle_count()) == (0, 0)


def test_constructor_rejects_non_contracts_and_bad_windows(world):
    deployer, artifacts = world.senders[0], world.artifacts
    stranger, council, token = world.address(STRANGER), world.council.address, world.token.address
    with reverts("ClearingNotAContract", account=stranger):
        deploy_clearing(deployer, artifacts, stranger, token, dispute_window=60)
    with reverts("ClearingNotAContract", account=stranger):
        deploy_clearing(deployer, artifacts, council, stranger, dispute_window=60)
    for window in (0, MAX_WINDOW + 1):
        with reverts("ClearingInvalidDisputeWindow", window=window, maxWindow=MAX_WINDOW):
            deploy_clearing(deployer, artifacts, council, token, dispute_window=window)
    longest = deploy_clearing(deployer, artifacts, council, token, dispute_window=MAX_WINDOW)
    assert longest.contract.functions.MAX_DISPUTE_WINDOW().call() == MAX_DISPUTE_WINDOW


# -- filing -----------------------------------------------------------------------------------


def test_a_lender_files_a_claim_that_waits_for_confirmation(world, fresh_chain):
    clearing = world.clearing_as(LENDER)
    claim_id = clearing.file_claim(
        world.address(DEALER), 25_000_00, ClaimKind.PAYOFF, ref("lien 1"), due_date=1_700_000_000
    )
    assert claim_id == 1
    expected = Claim(
        id=1,
        creditor_id=member_id(LENDER),
        debtor_id=member_id(DEALER),
        amount=25_000_00,
        kind=ClaimKind.PAYOFF,
        status=ClaimStatus.FILED,
        due_date=1_700_000_000,
        dispute_ends_at=None,
        reference=ref("lien 1"),
        dispute_evidence=None,
    )
    assert clearing.claim(1) == expected and clearing.claims() == [expected]
    assert clearing.status_of(1) is ClaimStatus.FILED and not expected.is_final
    assert clearing.claim_count() == 1
    assert clearing.end_to_end_id_of(1) == claim_end_to_end_id(1) == "CLM-1"
    (filed,) = clearing.contract.events.ClaimFiled.get_logs(from_block=fresh_chain.latest_block())
    assert dict(filed["args"]) == {
        "claimId": 1,
        "creditorId": member_id(LENDER),
        "debtorId": member_id(DEALER),
        "amount": 25_000_00,
        "kind": ClaimKind.PAYOFF,
        "ref": ref("lien 1"),
        "dueDate": 1_700_000_000,
        "filer": world.address(LENDER),
    }


def test_who_may_file_each_kind_of_claim(world):
    for kind in (ClaimKind.PAYOFF, ClaimKind.CURTAILMENT, ClaimKind.INTEREST, ClaimKind.FEE):
        file(world, LENDER, DEALER, kind=kind)
        with reverts(
            "ConsortiumMissingRole", account=world.address(COLLECTOR), role=Role.LENDER.id
        ):
            file(world, COLLECTOR, DEALER, kind=kind)
    file(world, COLLECTOR, LENDER, kind=ClaimKind.COLLECTION_FEE)
    with reverts("ConsortiumMissingRole", account=world.address(LENDER), role=Role.COLLECTOR.id):
        file(world, LENDER, DEALER, kind=ClaimKind.COLLECTION_FEE)
    file(world, DEALER, LENDER, kind=ClaimKind.OTHER)  # any active member
    with reverts("ClearingInactiveParty", account=world.address(STRANGER)):
        file(world, STRANGER, DEALER, kind=ClaimKind.OTHER)
    with reverts("ConsortiumMemberNotActive", account=world.address(STRANGER)):
        file(world, STRANGER, DEALER, kind=ClaimKind.PAYOFF)
    world.council.execute(world.council.propose_suspend(world.address(LENDER)))
    with reverts("ConsortiumMemberNotActive", account=world.address(LENDER)):
        file(world, LENDER, DEALER)
    with reverts("ClearingInactiveParty", account=world.address(LENDER)):
        file(world, LENDER_B, LENDER)  # a suspended debtor
    assert world.clearing.claim_count() == 6
    kinds = [c.kind for c in world.clearing.claims()]
    assert kinds == [
        *(k for k in ClaimKind if k <= ClaimKind.FEE),
        ClaimKind.COLLECTION_FEE,
        ClaimKind.OTHER,
    ]


def test_file_claim_rejects_bad_values(world):
    lender = world.clearing_as(LENDER)
    dealer = world.address(DEALER)
    with reverts("ClearingInactiveParty", account=world.address(STRANGER)):
        file(world, LENDER, STRANGER)
    with reverts("ClearingSelfClaim", account=world.address(LENDER)):
        file(world, LENDER, LENDER)
    raw = lender.contract.functions.fileClaim
    for amount in (0, 2**96):
        with reverts("ClearingInvalidAmount", amount=amount):
            lender.sender.transact(raw(dealer, amount, 0, ref("lien"), 0))
    with reverts("ClearingZeroHash"):
        lender.file_claim(dealer, 1, ClaimKind.PAYOFF, ZERO)
    with reverts("ClearingInvalidDueDate", dueDate=2**40):
        lender.sender.transact(raw(dealer, 1, 0, ref("lien"), 2**40))
    with pytest.raises(ValueError, match="amount must be"):
        lender.file_claim(dealer, 2**96, ClaimKind.PAYOFF, ref("lien"))
    with pytest.raises(ValueError, match="due_date must be"):
        lender.file_claim(dealer, 1, ClaimKind.PAYOFF, ref("lien"), due_date=-1)
    with pytest.raises(ValueError, match="reference must be 32 bytes"):
        lender.file_claim(dealer, 1, ClaimKind.PAYOFF, b"lien")
    lender.file_claim(dealer, 2**96 - 1, ClaimKind.PAYOFF, ref("lien"), due_date=2**40 - 1)
    assert lender.claim(1).amount == 2**96 - 1 and lender.claim(1).due_date == 2**40 - 1


def test_unknown_claims(world):
    clearing = world.clearing_as(DEALER)
    assert clearing.status_of(7) is ClaimStatus.NONE
    for call in (
        lambda: clearing.claim(7),
        lambda: clearing.confirm(7),
        lambda: clearing.dispute(7, ref("e")),
        lambda: clearing.withdraw_claim(7),
        lambda: clearing.end_to_end_id_of(7),
        lambda: clearing.confirmation_digest(7, 0, 0),
    ):
        with reverts("ClearingUnknownClaim", claimId=7):
            call()
    assert clearing.claims() == [] and clearing.claims(5, 3) == []


def test_claims_are_read_in_pages(world):
    ids = [file(world, label=f"lien {i}") for i in range(7)]
    assert [c.id for c in world.clearing.claims(page=3)] == ids
    assert [c.id for c in world.clearing.claims(3, 2)] == [3, 4]
    assert [c.id for c in world.clearing.claims(6, 10, page=1)] == [6, 7]
    assert world.clearing.contract.functions.claims(0, 2).call()[0][0] == 1


# -- confirmation by the debtor ---------------------------------------------------------------


def test_the_debtor_confirms_and_the_claim_turns_final_after_the_window(world, fresh_chain):
    claim_id = file(world)
    dealer = world.clearing_as(DEALER)
    sent = dealer.confirm(claim_id)
    ends_at = block_time(fresh_chain, sent.block_number) + DISPUTE_WINDOW
    assert emitted(dealer.contract, sent) == [
        (
            "ClaimConfirmed",
            {"claimId": claim_id, "by": world.address(DEALER), "disputeEndsAt": ends_at},
        )
    ]
    claim = dealer.claim(claim_id)
    assert (claim.status, claim.dispute_ends_at) == (ClaimStatus.CONFIRMED, ends_at)
    next_block_at(fresh_chain, ends_at)
    fresh_chain.w3.provider.make_request("evm_mine", [])
    assert dealer.status_of(claim_id) is ClaimStatus.CONFIRMED  # the window includes ends_at
    advance(fresh_chain, 1)
    assert dealer.status_of(claim_id) is ClaimStatus.FINAL and dealer.claim(claim_id).is_final


def test_only_the_current_debtor_key_confirms_once(world, fresh_chain):
    claim_id = file(world)
    for index in (LENDER, DEALER_B, STRANGER, 0):
        with reverts("ClearingNotDebtor", claimId=claim_id, account=world.address(index)):
            world.clearing_as(index).confirm(claim_id)
    # The debtor rotates its key: the claim follows the member, not the old address.
    new_key = Account.from_key(ref("dealer's new key"))
    fresh_chain.w3.provider.make_request("anvil_setBalance", [new_key.address, hex(10**18)])
    world.council.as_sender(world.senders[DEALER]).rotate_key(new_key.address)
    with reverts("ClearingNotDebtor", claimId=claim_id, account=world.address(DEALER)):
        world.clearing_as(DEALER).confirm(claim_id)
    rotated = world.clearing.as_sender(Sender(fresh_chain, new_key, errors=world.senders[0].errors))
    rotated.confirm(claim_id)
    with reverts("ClearingUnexpectedStatus", claimId=claim_id, status=ClaimStatus.CONFIRMED):
        rotated.confirm(claim_id)


def test_a_suspended_debtor_cannot_act(world):
    claim_id = file(world)
    world.council.execute(world.council.propose_suspend(world.address(DEALER)))
    dealer = world.clearing_as(DEALER)
    for call in (
        lambda: dealer.confirm(claim_id),
        lambda: dealer.dispute(claim_id, ref("evidence")),
    ):
        with reverts("ClearingInactiveParty", account=world.address(DEALER)):
            call()
    assert dealer.status_of(claim_id) is ClaimStatus.FILED


# -- confirmation by EIP-712 signature --------------------------------------------------------


def test_a_signed_confirmation_is_relayed_by_anyone(world, fresh_chain):
    claim_id = file(world)
    claim = world.clearing.claim(claim_id)
    deadline = block_time(fresh_chain) + 3600
    dealer_key = world.senders[DEALER].account
    typed = confirmation_typed_data(
        chain_id=fresh_chain.chain_id,
        clearing=world.clearing.address,
        claim=claim,
        nonce=0,
        deadline=deadline,
    )
    digest = encode_typed_data(full_message=typed)
    on_chain = world.clearing.confirmation_digest(claim_id, 0, deadline)
    assert keccak(b"\x19\x01" + digest.header + digest.body) == on_chain
    signature = world.clearing.sign_confirmation(dealer_key, claim, deadline=deadline)

    relayed = world.clearing.confirm_with_signature(claim_id, deadline, signature)  # operator
    assert emitted(world.clearing.contract, relayed)[0][1]["by"] == world.address(DEALER)
    assert world.clearing.status_of(claim_id) is ClaimStatus.CONFIRMED
    assert world.clearing.nonce_of(member_id(DEALER)) == 0
    # The same signature again: the claim is confirmed once.
    with reverts("ClearingUnexpectedStatus", claimId=claim_id, status=ClaimStatus.CONFIRMED):
        world.clearing_as(STRANGER).confirm_with_signature(claim_id, deadline, signature)


def test_a_signature_cannot_be_replayed_on_another_chain_contract_or_claim(world, fresh_chain):
    first, second = file(world, label="lien 1"), file(world, label="lien 2")
    claim = world.clearing.claim(first)
    deadline = block_time(fresh_chain) + 3600
    dealer_key = world.senders[DEALER].account

    def attempt(clearing, claim_id, signature):
        digest = clearing.confirmation_digest(claim_id, 0, deadline)
        with reverts(
            "ClearingInvalidSignature", claimId=claim_id, signer=recovered(digest, signature)
        ):
            clearing.confirm_with_signature(claim_id, deadline, signature)

    other_chain = sign_confirmation(
        dealer_key,
        chain_id=1,
        clearing=world.clearing.address,
        claim=claim,
        nonce=0,
        deadline=deadline,
    )
    attempt(world.clearing, first, other_chain)

    # A second Clearing with the very same claim 1: the domain binds the contract.
    twin = deploy_clearing(
        world.senders[0],
        world.artifacts,
        world.council.address,
        world.token.address,
        dispute_window=DISPUTE_WINDOW,
    )
    twin.as_sender(world.senders[LENDER]).file_claim(
        world.address(DEALER), claim.amount, claim.kind, claim.reference
    )
    assert twin.claim(1) == claim
    signature = world.clearing.sign_confirmation(dealer_key, claim, deadline=deadline)
    attempt(twin, 1, signature)
    attempt(world.clearing, second, signature)  # another claim
    with reverts("ClearingSignatureExpired", deadline=deadline):
        advance(fresh_chain, 3601)
        world.clearing.confirm_with_signature(first, deadline, signature)
    assert world.clearing.status_of(first) is ClaimStatus.FILED
    assert twin.status_of(1) is ClaimStatus.FILED


def test_only_the_debtors_signature_confirms(world, fresh_chain):
    claim_id = file(world)
    claim = world.clearing.claim(claim_id)
    deadline = block_time(fresh_chain) + 3600
    by_creditor = world.clearing.sign_confirmation(
        world.senders[LENDER].account, claim, deadline=deadline
    )
    with reverts("ClearingInvalidSignature", claimId=claim_id, signer=world.address(LENDER)):
        world.clearing.confirm_with_signature(claim_id, deadline, by_creditor)
    zero_address = "0x" + "00" * 20
    for malformed in (bytes(65), b"\x01" * 64, b""):
        with reverts("ClearingInvalidSignature", claimId=claim_id, signer=zero_address):
            world.clearing.confirm_with_signature(claim_id, deadline, malformed)
    by_debtor = world.clearing.sign_confirmation(
        world.senders[DEALER].account, claim, deadline=deadline
    )
    world.council.execute(world.council.propose_suspend(world.address(DEALER)))
    with reverts("ClearingInvalidSignature", claimId=claim_id, signer=world.address(DEALER)):
        world.clearing.confirm_with_signature(claim_id, deadline, by_debtor)


def test_the_debtor_revokes_its_outstanding_signatures(world, fresh_chain):
    first, second = file(world, label="lien 1"), file(world, label="lien 2")
    deadline = block_time(fresh_chain) + 3600
    dealer = world.clearing_as(DEALER)
    key = world.senders[DEALER].account
    signatures = {
        i: dealer.sign_confirmation(key, dealer.claim(i), deadline=deadline)
        for i in (first, second)
    }
    world.clearing.confirm_with_signature(first, deadline, signatures[first])
    sent = dealer.revoke_signatures()
    assert emitted(dealer.contract, sent) == [
        (
            "SignaturesRevoked",
            {"memberId": member_id(DEALER), "by": world.address(DEALER), "nonce": 1},
        )
    ]
    assert dealer.nonce_of(member_id(DEALER)) == 1
    digest = dealer.confirmation_digest(second, 1, deadline)
    with reverts(
        "ClearingInvalidSignature", claimId=second, signer=recovered(digest, signatures[second])
    ):
        world.clearing.confirm_with_signature(second, deadline, signatures[second])
    fresh = dealer.sign_confirmation(key, dealer.claim(second), deadline=deadline)
    world.clearing.confirm_with_signature(second, deadline, fresh)
    with reverts("ConsortiumMemberNotActive", account=world.address(STRANGER)):
        world.clearing_as(STRANGER).revoke_signatures()


# -- pre-confirmed claims from creator contracts ----------------------------------------------


def test_a_creator_contract_files_claims_already_confirmed(world, fresh_chain):
    sent_block = fresh_chain.latest_block() + 1
    claim_id = world.file_confirmed(LENDER, DEALER, 30_000_00, label="sold VIN 1")
    claim = world.clearing.claim(claim_id)
    ends_at = block_time(fresh_chain, sent_block) + DISPUTE_WINDOW
    assert (claim.status, claim.dispute_ends_at) == (ClaimStatus.CONFIRMED, ends_at)
    events = [
        (e.event, dict(e.args))
        for name in ("ClaimFiled", "ClaimConfirmed")
        for e in getattr(world.clearing.contract.events, name).get_logs(from_block=sent_block)
    ]
    assert events[0][1]["filer"] == world.creator.address
    assert events[1] == (
        "ClaimConfirmed",
        {"claimId": claim_id, "by": world.creator.address, "disputeEndsAt": ends_at},
    )
    # The debtor keeps its dispute window; the kind's role rule still applies to the creditor.
    world.clearing_as(DEALER).dispute(claim_id, ref("the car was not sold"))
    with reverts("ConsortiumMissingRole", account=world.address(DEALER_B), role=Role.LENDER.id):
        world.file_confirmed(DEALER_B, DEALER, 1)


def test_only_operators_manage_the_creator_allow_list(world):
    creator = world.creator.address
    with reverts("ConsortiumMissingRole", account=world.address(LENDER), role=Role.OPERATOR.id):
        world.clearing_as(LENDER).set_creator(creator, False)
    with reverts("ClearingCreatorUnchanged", creator=creator, allowed=True):
        world.clearing.set_creator(creator, True)
    with reverts("ClearingNotAContract", account=world.address(STRANGER)):
        world.clearing.set_creator(world.address(STRANGER), True)
    sent = world.clearing_as(1).set_creator(creator, False)
    assert emitted(world.clearing.contract, sent) == [
        ("CreatorSet", {"creator": creator, "allowed": False, "by": world.address(1)})
    ]
    assert not world.clearing.is_creator(creator)
    with reverts("ClearingNotCreator", account=creator):
        world.file_confirmed(LENDER, DEALER, 1)
    with reverts("ClearingCreatorUnchanged", creator=creator, allowed=False):
        world.clearing.set_creator(creator, False)
    raw = world.clearing.contract.functions.fileConfirmedClaim(
        world.address(LENDER), world.address(DEALER), 1, 0, ref("lien"), 0
    )
    with reverts("ClearingNotCreator", account=world.address(LENDER)):
        world.clearing_as(LENDER).sender.transact(raw)


# -- disputes ---------------------------------------------------------------------------------


def test_the_debtor_disputes_a_filed_or_confirmed_claim_citing_evidence(world):
    filed, confirmed = file(world, label="lien 1"), file(world, label="lien 2")
    dealer = world.clearing_as(DEALER)
    dealer.confirm(confirmed)
    for claim_id in (filed, confirmed):
        sent = dealer.dispute(claim_id, ref(f"evidence {claim_id}"))
        assert emitted(dealer.contract, sent) == [
            (
                "ClaimDisputed",
                {
                    "claimId": claim_id,
                    "by": world.address(DEALER),
                    "evidence": ref(f"evidence {claim_id}"),
                },
            )
        ]
        claim = dealer.claim(claim_id)
        assert (claim.status, claim.dispute_evidence) == (
            ClaimStatus.DISPUTED,
            ref(f"evidence {claim_id}"),
        )
    with reverts("ClearingUnexpectedStatus", claimId=filed, status=ClaimStatus.DISPUTED):
        dealer.dispute(filed, ref("again"))
    with reverts("ClearingUnexpectedStatus", claimId=filed, status=ClaimStatus.DISPUTED):
        dealer.confirm(filed)


def test_a_claim_can_be_disputed_until_its_window_closes(world, fresh_chain):
    first, second = file(world, label="lien 1"), file(world, label="lien 2")
    dealer = world.clearing_as(DEALER)
    dealer.confirm(first)
    dealer.confirm(second)
    next_block_at(fresh_chain, dealer.claim(first).dispute_ends_at)
    dealer.dispute(first, ref("just in time"))
    ends_at = dealer.claim(second).dispute_ends_at
    next_block_at(fresh_chain, ends_at + 1)
    fresh_chain.w3.provider.make_request("evm_mine", [])
    with reverts("ClearingDisputeWindowClosed", claimId=second, disputeEndsAt=ends_at):
        dealer.dispute(second, ref("too late"))
    assert dealer.status_of(second) is ClaimStatus.FINAL


def test_dispute_rules(world):
    claim_id = file(world)
    with reverts("ClearingNotDebtor", claimId=claim_id, account=world.address(LENDER)):
        world.clearing_as(LENDER).dispute(claim_id, ref("evidence"))
    with reverts("ClearingZeroHash"):
        world.clearing_as(DEALER).dispute(claim_id, ZERO)
    with pytest.raises(ValueError, match="evidence must be 32 bytes"):
        world.clearing_as(DEALER).dispute(claim_id, b"")


def test_the_debtor_withdraws_its_dispute_and_the_claim_is_final_at_once(world):
    claim_id = file(world)
    dealer = world.clearing_as(DEALER)
    dealer.dispute(claim_id, ref("evidence"))
    with reverts("ClearingNotDebtor", claimId=claim_id, account=world.address(LENDER)):
        world.clearing_as(LENDER).withdraw_dispute(claim_id)
    sent = dealer.withdraw_dispute(claim_id)
    assert emitted(dealer.contract, sent) == [
        (
            "DisputeResolved",
            {"claimId": claim_id, "by": world.address(DEALER), "upheld": True, "decision": ZERO},
        )
    ]
    assert dealer.status_of(claim_id) is ClaimStatus.FINAL
    with reverts("ClearingUnexpectedStatus", claimId=claim_id, status=ClaimStatus.FINAL):
        dealer.withdraw_dispute(claim_id)
    with reverts("ClearingUnexpectedStatus", claimId=claim_id, status=ClaimStatus.FINAL):
        dealer.dispute(claim_id, ref("changed my mind"))
    world.settle([claim_id])  # no window to wait for
    assert dealer.status_of(claim_id) is ClaimStatus.SETTLED


def test_governance_resolves_disputes(world):
    upheld, rejected = file(world, label="lien 1"), file(world, label="lien 2")
    dealer = world.clearing_as(DEALER)
    for claim_id in (upheld, rejected):
        dealer.dispute(claim_id, ref(f"evidence {claim_id}"))
    sent = world.clearing_as(1).resolve_dispute(upheld, upheld=True, decision=ref("decision 1"))
    assert emitted(world.clearing.contract, sent) == [
        (
            "DisputeResolved",
            {
                "claimId": upheld,
                "by": world.address(1),
                "upheld": True,
                "decision": ref("decision 1"),
            },
        )
    ]
    world.clearing_as(2).resolve_dispute(rejected, upheld=False, decision=ref("decision 2"))
    assert world.clearing.status_of(upheld) is ClaimStatus.FINAL
    assert world.clearing.status_of(rejected) is ClaimStatus.REJECTED
    with reverts("ClearingUnexpectedStatus", claimId=rejected, status=ClaimStatus.REJECTED):
        world.clearing.resolve_dispute(rejected, upheld=True, decision=ref("again"))
    with reverts("ClearingUnexpectedStatus", claimId=rejected, status=ClaimStatus.REJECTED):
        world.clearing_as(LENDER).withdraw_claim(rejected)


def test_only_uninvolved_operators_or_governors_decide_disputes(world):
    claim_id = file(world)
    world.clearing_as(DEALER).dispute(claim_id, ref("evidence"))
    for index in (LENDER, DEALER, BANK):
        with reverts("ConsortiumMissingRole", account=world.address(index), role=Role.GOVERNOR.id):
            world.clearing_as(index).resolve_dispute(claim_id, upheld=False, decision=ref("d"))
    with reverts("ConsortiumMemberNotActive", account=world.address(STRANGER)):
        world.clearing_as(STRANGER).resolve_dispute(claim_id, upheld=False, decision=ref("d"))
    with reverts("ClearingZeroHash"):
        world.clearing.resolve_dispute(claim_id, upheld=True, decision=ZERO)
    # A governor that is a party of the claim may not decide it.
    own = file(world, 0, DEALER, kind=ClaimKind.OTHER)
    world.clearing_as(DEALER).dispute(own, ref("evidence"))
    with reverts("ClearingConflictOfInterest", claimId=own, account=world.address(0)):
        world.clearing.resolve_dispute(own, upheld=True, decision=ref("d"))
    world.clearing_as(1).resolve_dispute(own, upheld=True, decision=ref("d"))
    undisputed = file(world, label="lien 3")
    with reverts("ClearingUnexpectedStatus", claimId=undisputed, status=ClaimStatus.FILED):
        world.clearing.resolve_dispute(undisputed, upheld=True, decision=ref("d"))


# -- withdrawal -------------------------------------------------------------------------------


def test_the_creditor_withdraws_a_claim_before_it_settles(world):
    filed, confirmed, disputed, final = (file(world, label=f"lien {i}") for i in range(4))
    dealer, lender = world.clearing_as(DEALER), world.clearing_as(LENDER)
    dealer.confirm(confirmed)
    dealer.dispute(disputed, ref("evidence"))
    dealer.dispute(final, ref("evidence"))
    dealer.withdraw_dispute(final)
    with reverts("ClearingNotCreditor", claimId=filed, account=world.address(DEALER)):
        dealer.withdraw_claim(filed)
    for claim_id in (filed, confirmed, disputed, final):
        sent = lender.withdraw_claim(claim_id)
        assert emitted(lender.contract, sent) == [
            ("ClaimWithdrawn", {"claimId": claim_id, "by": world.address(LENDER)})
        ]
        assert lender.status_of(claim_id) is ClaimStatus.WITHDRAWN
        with reverts("ClearingUnexpectedStatus", claimId=claim_id, status=ClaimStatus.WITHDRAWN):
            lender.withdraw_claim(claim_id)
    with reverts("ClearingUnexpectedStatus", claimId=filed, status=ClaimStatus.WITHDRAWN):
        dealer.confirm(filed)
    (settled,) = world.final_claims([(LENDER, DEALER, 100)])
    world.settle([settled])
    with reverts("ClearingUnexpectedStatus", claimId=settled, status=ClaimStatus.SETTLED):
        lender.withdraw_claim(settled)
    with reverts("ClearingUnexpectedStatus", claimId=settled, status=ClaimStatus.SETTLED):
        dealer.dispute(settled, ref("evidence"))
