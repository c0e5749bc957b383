"""SettlementToken through `ledger.settlement`: mint, burn, who may hold, off-chain records."""

from __future__ import annotations

import pytest
from eth_account import Account

from ledger.consortium import Role
from ledger.settlement import (
    OffChainSettlement,
    claim_end_to_end_id,
    deploy_settlement_token,
    end_to_end_id_bytes,
)
from tests.ledger import test_settlement_world as shared
from tests.ledger.test_settlement_world import (
    BANK,
    COLLECTOR,
    DEALER,
    LENDER,
    START_BALANCE,
    STRANGER,
    block_time,
    emitted,
    member_id,
    ref,
    reverts,
)

# A module-wide world that fresh_chain's evm_snapshot undoes after each test: anvil only.
pytestmark = pytest.mark.anvil

# The shared world's fixtures.
built_world, senders, world = shared.built_world, shared.senders, shared.world

ZERO = bytes(32)


# -- construction -----------------------------------------------------------------------------


def test_token_describes_its_deposits(world):
    token = world.token
    assert (token.name(), token.symbol(), token.currency(), token.decimals()) == (
        "AutoLedger Euro Deposit",
        "ALEUR",
        "EUR",
        2,
    )
    assert token.consortium_address() == world.council.address
    assert token.total_supply() == 5 * START_BALANCE


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1R", "", "EU"])
def test_constructor_rejects_a_currency_that_is_not_iso_4217(world, currency):
    with reverts("SettlementTokenInvalidCurrency", currency=currency):
        deploy_settlement_token(
            world.senders[0],
            world.artifacts,
            world.council.address,
            name="X",
            symbol="X",
            currency=currency,
        )


def test_constructor_rejects_a_consortium_without_code(world):
    stranger = world.address(STRANGER)
    with reverts("SettlementTokenInvalidConsortium", consortium=stranger):
        deploy_settlement_token(
            world.senders[0], world.artifacts, stranger, name="X", symbol="X", currency="EUR"
        )


# -- mint and burn ----------------------------------------------------------------------------


def test_a_settlement_bank_mints_against_a_deposit(world):
    bank, dealer = world.token_as(BANK), world.address(DEALER)
    sent = bank.mint(dealer, 12_345, ref("deposit 77"))
    assert emitted(bank.contract, sent) == [
        ("Transfer", {"from": "0x" + "00" * 20, "to": dealer, "value": 12_345}),
        (
            "Minted",
            {
                "bankId": member_id(BANK),
                "bank": world.address(BANK),
                "to": dealer,
                "amount": 12_345,
                "depositReference": ref("deposit 77"),
            },
        ),
    ]
    assert bank.balance_of(dealer) == START_BALANCE + 12_345
    assert bank.total_supply() == 5 * START_BALANCE + 12_345


def test_only_active_settlement_banks_mint_and_burn(world):
    dealer = world.address(DEALER)
    for index in (LENDER, 0):  # a lender, and a governor/operator
        client = world.token_as(index)
        with reverts(
            "ConsortiumMissingRole", account=world.address(index), role=Role.SETTLEMENT_BANK.id
        ):
            client.mint(dealer, 1, ref("d"))
        with reverts(
            "ConsortiumMissingRole", account=world.address(index), role=Role.SETTLEMENT_BANK.id
        ):
            client.burn(dealer, 1, ref("w"))
    with reverts("ConsortiumMemberNotActive", account=world.address(STRANGER)):
        world.token_as(STRANGER).mint(dealer, 1, ref("d"))
    world.council.execute(world.council.propose_suspend(world.address(BANK)))
    with reverts("ConsortiumMemberNotActive", account=world.address(BANK)):
        world.token_as(BANK).mint(dealer, 1, ref("d"))
    assert world.token.total_supply() == 5 * START_BALANCE


def test_mint_rejects_zero_amounts_references_and_non_members(world):
    bank = world.token_as(BANK)
    with reverts("SettlementTokenZeroAmount"):
        bank.mint(world.address(DEALER), 0, ref("d"))
    with reverts("SettlementTokenZeroReference"):
        bank.mint(world.address(DEALER), 1, ZERO)
    with reverts("SettlementTokenRecipientNotMember", account=world.address(STRANGER)):
        bank.mint(world.address(STRANGER), 1, ref("d"))


def test_burning_a_members_tokens_needs_its_allowance(world):
    bank, dealer = world.token_as(BANK), world.address(DEALER)
    with reverts(
        "ERC20InsufficientAllowance", spender=world.address(BANK), allowance=0, needed=500
    ):
        bank.burn(dealer, 500, ref("withdrawal 1"))
    world.token_as(DEALER).approve(world.address(BANK), 500)
    sent = bank.burn(dealer, 500, ref("withdrawal 1"))
    assert emitted(bank.contract, sent)[-1] == (
        "Burned",
        {
            "bankId": member_id(BANK),
            "bank": world.address(BANK),
            "from": dealer,
            "amount": 500,
            "withdrawalReference": ref("withdrawal 1"),
        },
    )
    assert bank.balance_of(dealer) == START_BALANCE - 500
    assert bank.allowance(dealer, world.address(BANK)) == 0
    with reverts("SettlementTokenZeroAmount"):
        bank.burn(dealer, 0, ref("w"))
    with reverts("SettlementTokenZeroReference"):
        bank.burn(dealer, 1, ZERO)


def test_a_bank_burns_its_own_tokens_without_allowance(world):
    bank = world.token_as(BANK)
    bank.mint(world.address(BANK), 1_000, ref("own deposit"))
    bank.burn(world.address(BANK), 400, ref("own withdrawal"))
    assert bank.balance_of(world.address(BANK)) == 600
    with reverts("ERC20InsufficientBalance", sender=world.address(BANK), balance=600, needed=601):
        bank.burn(world.address(BANK), 601, ref("too much"))


# -- who may hold -----------------------------------------------------------------------------


def test_only_current_member_addresses_receive_tokens(world, fresh_chain):
    dealer = world.token_as(DEALER)
    with reverts("SettlementTokenRecipientNotMember", account=world.address(STRANGER)):
        dealer.transfer(world.address(STRANGER), 1)
    dealer.transfer(world.address(LENDER), 100)
    assert dealer.balance_of(world.address(LENDER)) == START_BALANCE + 100

    # After a key rotation the old key can send its tokens on but never receive again.
    new_key = Account.from_key(ref("collector's new key"))
    fresh_chain.w3.provider.make_request("anvil_setBalance", [new_key.address, hex(10**18)])  # type: ignore[arg-type]
    collector = world.council.as_sender(world.senders[COLLECTOR])
    collector.rotate_key(new_key.address)
    old = world.address(COLLECTOR)
    with reverts("SettlementTokenRecipientNotMember", account=old):
        dealer.transfer(old, 1)
    world.token_as(COLLECTOR).transfer(new_key.address, START_BALANCE)
    assert world.token.balance_of(new_key.address) == START_BALANCE
    assert world.token.balance_of(old) == 0


# -- off-chain settlement records -------------------------------------------------------------


def test_a_bank_records_an_off_chain_payment_once(world, fresh_chain):
    bank = world.token_as(BANK)
    e2e = claim_end_to_end_id(42)
    assert bank.off_chain_settlement(e2e) is None
    sent = bank.record_off_chain_settlement(
        e2e, world.address(DEALER), world.address(LENDER), 99_00, ref("bank tx 1")
    )
    assert emitted(bank.contract, sent) == [
        (
            "OffChainSettlementRecorded",
            {
                "endToEndId": end_to_end_id_bytes("CLM-42"),
                "bankId": member_id(BANK),
                "debtorId": member_id(DEALER),
                "creditorId": member_id(LENDER),
                "amount": 99_00,
                "bankReference": ref("bank tx 1"),
            },
        )
    ]
    assert bank.off_chain_settlement(e2e) == OffChainSettlement(
        end_to_end_id="CLM-42",
        bank_id=member_id(BANK),
        debtor_id=member_id(DEALER),
        creditor_id=member_id(LENDER),
        recorded_at=block_time(fresh_chain, sent.block_number),
        amount=99_00,
        bank_reference=ref("bank tx 1"),
    )
    with reverts(
        "SettlementTokenAlreadyRecorded",
        endToEndId=end_to_end_id_bytes(e2e),
        bankReference=ref("bank tx 1"),
    ):
        bank.record_off_chain_settlement(
            e2e, world.address(DEALER), world.address(LENDER), 1, ref("bank tx 2")
        )
    assert bank.balance_of(world.address(DEALER)) == START_BALANCE  # no tokens moved


def test_off_chain_records_reject_bad_values_and_non_banks(world):
    bank = world.token_as(BANK)
    dealer, lender, stranger = world.address(DEALER), world.address(LENDER), world.address(STRANGER)
    with reverts("SettlementTokenUnknownMember", account=stranger):
        bank.record_off_chain_settlement("CYC-1-1", stranger, lender, 1, ref("r"))
    with reverts("SettlementTokenUnknownMember", account=stranger):
        bank.record_off_chain_settlement("CYC-1-1", dealer, stranger, 1, ref("r"))
    with reverts("SettlementTokenSelfPayment", account=dealer):
        bank.record_off_chain_settlement("CYC-1-1", dealer, dealer, 1, ref("r"))
    with reverts("SettlementTokenZeroAmount"):
        bank.record_off_chain_settlement("CYC-1-1", dealer, lender, 0, ref("r"))
    with reverts("SettlementTokenZeroReference"):
        bank.record_off_chain_settlement("CYC-1-1", dealer, lender, 1, ZERO)
    raw = bank.contract.functions.recordOffChainSettlement(ZERO, dealer, lender, 1, ref("r"))
    with reverts("SettlementTokenZeroReference"):
        bank.sender.transact(raw)
    collector = world.token_as(COLLECTOR)
    with reverts(
        "ConsortiumMissingRole", account=world.address(COLLECTOR), role=Role.SETTLEMENT_BANK.id
    ):
        collector.record_off_chain_settlement("CYC-1-1", dealer, lender, 1, ref("r"))


def test_end_to_end_ids_follow_iso_20022(world):
    assert end_to_end_id_bytes("CLM-7") == b"CLM-7".ljust(32, b"\0")
    for bad in ("", "x" * 33, "CLM_7", "CLM-7é"):
        with pytest.raises(ValueError, match="end-to-end id"):
            end_to_end_id_bytes(bad)
    with pytest.raises(ValueError, match="claim ids start at 1"):
        claim_end_to_end_id(0)
    with pytest.raises(ValueError, match="bank_reference must be 32 bytes"):
        world.token_as(BANK).record_off_chain_settlement(
            "CLM-1", world.address(DEALER), world.address(LENDER), 1, b"short"
        )
