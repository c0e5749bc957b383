"""The transaction journal: stored before broadcast, one nonce per entry across replicas,
carried to final by the keeper, repaired after a rollback or a lost nonce."""

from __future__ import annotations

import json
import threading

import pytest
from sqlmodel import Session, col, select
from web3 import Web3

from ledger.journal import Journal, JournalKeeper
from ledger.keys import dev_account
from ledger.models import JournalEntry, JournalRollback, JournalStatus
from ledger.nonces import NonceManager
from ledger.transactions import Sender


def _entries(engine) -> list[JournalEntry]:
    with Session(engine) as session:
        return list(session.exec(select(JournalEntry).order_by(col(JournalEntry.id))).all())


def _journaled(chain, engine, errors, index: int = 7) -> Sender:
    journal = Journal(engine=engine, chain_id=chain.chain_id)
    return Sender(chain, dev_account(index), errors=errors, journal=journal)


def _probe(sender: Sender, artifacts):
    address, _ = sender.deploy(artifacts["Probe"], [1000])
    return sender.contract(address, artifacts["Probe"].abi)


def _settle(keeper: JournalKeeper, rounds: int = 50) -> None:
    for _ in range(rounds):
        keeper.settle()
        if not keeper.journal.open_entries():
            return
    raise AssertionError(f"still open: {keeper.journal.open_entries()}")


def test_every_transaction_is_journaled_before_broadcast_and_final_after(
    fresh_chain, engine, errors, artifacts
):
    sender = _journaled(fresh_chain, engine, errors)
    probe = _probe(sender, artifacts)
    sent = sender.transact(probe.functions.bump(5))

    deploy, bump = _entries(engine)
    assert (deploy.purpose, deploy.to, deploy.status) == ("deploy", None, "final")
    assert bump.purpose == "bump" and bump.to == probe.address
    assert bump.tx_hash == sent.tx_hash and bump.status == JournalStatus.FINAL
    assert bump.block_number == sent.block_number and bump.broadcasts == 1
    assert bump.nonce == deploy.nonce + 1 and bump.sender == sender.address
    raw = bytes.fromhex(bump.raw_tx)
    assert "0x" + bytes(Web3.keccak(raw)).hex() == sent.tx_hash, "the very bytes that were mined"


def test_replicas_on_one_database_never_share_a_nonce(fresh_chain, engine, errors, artifacts):
    """Two senders of one key with their own nonce counters (as two processes have) sign at
    once; the journal's unique nonce makes each take a free one, and every call lands."""
    first = _journaled(fresh_chain, engine, errors)
    probe = _probe(first, artifacts)
    second = _journaled(fresh_chain, engine, errors)
    count = lambda: int(fresh_chain.w3.eth.get_transaction_count(first.address, "pending"))  # noqa: E731
    second.nonces = NonceManager(count)
    first.nonces = NonceManager(count)
    failures: list[Exception] = []

    def bump(sender: Sender) -> None:
        try:
            for _ in range(6):
                sender.transact(probe.functions.bump(1))
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=bump, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    entries = _entries(engine)
    nonces = [e.nonce for e in entries]
    assert len(set(nonces)) == len(nonces) == 13
    assert all(e.status == JournalStatus.FINAL for e in entries)
    assert probe.functions.total().call() == 12


def test_keeper_broadcasts_what_a_crash_left_signed(fresh_chain, engine, errors, artifacts):
    sender = _journaled(fresh_chain, engine, errors)
    probe = _probe(sender, artifacts)
    function = probe.functions.bump(3)
    signed = sender.sign(
        {"to": probe.address, "data": function._encode_transaction_data()}, purpose="bump"
    )
    assert fresh_chain.receipt(signed.tx_hash) is None, "never broadcast (as if killed here)"

    _settle(JournalKeeper(journal=sender.journal, chain=fresh_chain))

    entry = sender.journal.entry(signed.tx_hash)
    assert entry is not None and entry.status == JournalStatus.FINAL
    assert probe.functions.total().call() == 3


@pytest.mark.anvil
def test_a_rollback_reopens_final_entries_and_the_same_bytes_land_again(
    fresh_chain, engine, errors, artifacts
):
    sender = _journaled(fresh_chain, engine, errors)
    probe = _probe(sender, artifacts)
    before = fresh_chain.w3.provider.make_request("evm_snapshot", [])["result"]
    sent = [sender.transact(probe.functions.bump(v)) for v in (1, 2)]
    old_blocks = [s.block_number for s in sent]
    fresh_chain.w3.provider.make_request("evm_revert", [before])  # the node lost those blocks
    fresh_chain.w3.provider.make_request("evm_mine", [])  # and moved on past them
    fresh_chain.w3.provider.make_request("evm_mine", [])
    fresh_chain.w3.provider.make_request("evm_mine", [])
    assert probe.functions.total().call() == 0
    keeper = JournalKeeper(journal=sender.journal, chain=fresh_chain)

    _settle(keeper)

    assert probe.functions.total().call() == 3, "both calls are on chain again, once each"
    entries = [sender.journal.entry(s.tx_hash) for s in sent]
    assert all(e is not None and e.status == JournalStatus.FINAL for e in entries)
    assert all(e is not None and e.rollbacks == 1 for e in entries)
    for entry in entries:
        assert entry is not None and entry.block_hash is not None
        assert fresh_chain.receipt(entry.tx_hash)["blockHash"].hex().removeprefix(
            "0x"
        ) == entry.block_hash.removeprefix("0x")
    with Session(engine) as session:
        (rollback,) = session.exec(select(JournalRollback)).all()
    assert rollback.reopened == 2 and rollback.final_block == max(old_blocks)
    assert sorted(json.loads(rollback.entry_ids)) == sorted(e.id for e in entries if e)
    (repair,) = sender.journal.repairs()
    assert (repair.final, repair.pending, repair.lost) == (2, 0, ())
    keeper.settle()
    with Session(engine) as session:
        assert len(session.exec(select(JournalRollback)).all()) == 1, "seen once"


def test_an_entry_whose_nonce_was_taken_is_signed_again_once(
    fresh_chain, engine, errors, artifacts
):
    sender = _journaled(fresh_chain, engine, errors)
    probe = _probe(sender, artifacts)
    function = probe.functions.bump(4)
    signed = sender.sign(
        {"to": probe.address, "data": function._encode_transaction_data()}, purpose="bump"
    )
    # Another signer of the same key (no journal) takes that nonce first.
    other = Sender(fresh_chain, dev_account(7), errors=errors)
    other.nonces = NonceManager(
        lambda: int(fresh_chain.w3.eth.get_transaction_count(other.address, "pending"))
    )
    other.transact(probe.functions.bump(10))
    keeper = JournalKeeper(
        journal=sender.journal,
        chain=fresh_chain,
        sender_for=lambda address: _journaled(fresh_chain, engine, errors),
    )

    _settle(keeper)

    old = sender.journal.entry(signed.tx_hash)
    assert old is not None and old.status == JournalStatus.REPLACED and old.replaced_by
    with Session(engine) as session:
        new = session.get_one(JournalEntry, old.replaced_by)
    assert new.status == JournalStatus.FINAL and new.purpose == "bump" and new.nonce > old.nonce
    assert new.data == old.data
    assert probe.functions.total().call() == 14, "the journaled call landed exactly once"


def test_a_replaced_call_that_now_reverts_is_failed_and_named(
    fresh_chain, engine, errors, artifacts
):
    sender = _journaled(fresh_chain, engine, errors)
    probe = _probe(sender, artifacts)
    # bump(2000) would revert (limit 1000); signing with a fixed gas skips the estimate
    data = probe.functions.bump(2000)._encode_transaction_data()
    signed = sender.sign({"to": probe.address, "data": data, "gas": 100_000}, purpose="bump")
    other = Sender(fresh_chain, dev_account(7), errors=errors)
    other.nonces = NonceManager(
        lambda: int(fresh_chain.w3.eth.get_transaction_count(other.address, "pending"))
    )
    other.transact(probe.functions.bump(1))
    keeper = JournalKeeper(
        journal=sender.journal,
        chain=fresh_chain,
        sender_for=lambda address: _journaled(fresh_chain, engine, errors),
    )
    _settle(keeper)
    entry = sender.journal.entry(signed.tx_hash)
    assert entry is not None and entry.status == JournalStatus.FAILED
    assert entry.note is not None and "ProbeTooLarge" in entry.note


@pytest.mark.anvil
def test_a_rollback_is_found_under_newer_final_entries(fresh_chain, engine, errors, artifacts):
    """The chain rolled back and grew past the lost block with someone's new final entry:
    the keeper still finds the lost one (it re-checks last round's block)."""
    sender = _journaled(fresh_chain, engine, errors)
    probe = _probe(sender, artifacts)
    keeper = JournalKeeper(journal=sender.journal, chain=fresh_chain)
    keeper.settle()
    before = fresh_chain.w3.provider.make_request("evm_snapshot", [])["result"]
    lost = sender.transact(probe.functions.bump(1))
    keeper.settle()  # sees `lost` final
    fresh_chain.w3.provider.make_request("evm_revert", [before])
    other = Sender(fresh_chain, dev_account(8), errors=errors, journal=sender.journal)
    for _ in range(2):
        newer = other.transact(probe.functions.bump(2))
    assert newer.block_number >= lost.block_number

    _settle(keeper)

    entry = sender.journal.entry(lost.tx_hash)
    assert entry is not None and entry.status == JournalStatus.FINAL and entry.rollbacks == 1
    assert probe.functions.total().call() == 5
    (repair,) = sender.journal.repairs()
    assert repair.rollback.reopened == 1 and repair.final == 1
