"""Sending: local signing, revert decoding, the nonce manager under concurrency, fee modes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger.chain import Chain
from ledger.compiler import Artifacts
from ledger.errors import NonceConsumed, TransactionReverted
from ledger.keys import dev_account
from ledger.node import EmbeddedNode, find_anvil
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender
from tests.conftest import NODE_MODULES


def _probe(operator: Sender, artifacts: Artifacts, limit: int = 100):
    address, _ = operator.deploy(artifacts["Probe"], [limit])
    return operator.contract(address, artifacts["Probe"].abi)


def test_transaction_is_signed_locally_and_mined(fresh_chain: Chain, operator: Sender, artifacts):
    probe = _probe(operator, artifacts)
    sent = operator.transact(probe.functions.bump(7))
    assert sent.receipt["status"] == 1
    assert sent.receipt["from"] == operator.address
    assert probe.functions.total().call() == 7
    (event,) = probe.events.Bumped().process_receipt(sent.receipt)
    assert event["args"]["value"] == 7 and event["args"]["by"] == operator.address


def test_custom_error_is_decoded_with_name_and_arguments(fresh_chain, operator, artifacts):
    probe = _probe(operator, artifacts, limit=5)
    with pytest.raises(TransactionReverted) as caught:
        operator.transact(probe.functions.bump(6))
    assert caught.value.error == "ProbeTooLarge"
    assert caught.value.arguments == {"value": 6, "limit": 5}
    assert "ProbeTooLarge(value=6, limit=5)" in str(caught.value)


def test_custom_error_with_address_bytes32_and_string(fresh_chain, operator, artifacts):
    probe = _probe(operator, artifacts)
    role = b"\x01" * 32
    with pytest.raises(TransactionReverted) as caught:
        operator.transact(probe.functions.deny(role))
    assert caught.value.error == "ProbeNotAllowed"
    assert caught.value.arguments == {"caller": operator.address, "role": role, "why": "denied"}


def test_require_message_and_panic_are_decoded(fresh_chain, operator, artifacts):
    probe = _probe(operator, artifacts)
    with pytest.raises(TransactionReverted) as caught:
        operator.transact(probe.functions.requireSmall(11))
    assert (caught.value.error, caught.value.arguments) == ("Error", {"message": "value too big"})
    with pytest.raises(TransactionReverted) as caught:
        operator.transact(probe.functions.divide(1, 0))
    assert caught.value.error == "Panic"
    assert caught.value.arguments["code"] == 0x12
    assert caught.value.arguments["reason"] == "division or modulo by zero"


def test_revert_after_mining_is_decoded_from_a_replay(fresh_chain, operator, artifacts):
    """A transaction sent with a fixed gas limit skips estimation and reverts on chain."""
    probe = _probe(operator, artifacts, limit=5)
    call = probe.functions.bump(9)
    with pytest.raises(TransactionReverted) as caught:
        data = call._encode_transaction_data()
        operator.send({"to": probe.address, "data": data, "gas": 100_000})
    assert caught.value.error == "ProbeTooLarge"
    assert caught.value.tx_hash is not None
    receipt = fresh_chain.w3.eth.get_transaction_receipt(caught.value.tx_hash)
    assert receipt["status"] == 0


def test_unknown_error_selector_is_reported_raw():
    name, args = ErrorDecoder().decode("0xdeadbeef00")
    assert name == "UnknownError"
    assert args["selector"] == "0xdeadbeef"
    assert ErrorDecoder().decode("0x") == ("EmptyRevert", {})


def test_200_transactions_from_20_threads_with_one_key_all_mine(fresh_chain, errors, artifacts):
    sender = Sender(fresh_chain, dev_account(3), errors=errors)
    probe_address, _ = sender.deploy(artifacts["Probe"], [10**6])
    probe = sender.contract(probe_address, artifacts["Probe"].abi)
    start_nonce = fresh_chain.w3.eth.get_transaction_count(sender.address)
    barrier = threading.Barrier(20)

    def worker(thread: int) -> list[int]:
        # Each thread builds its own Sender: all share the account's one nonce manager.
        own = Sender(fresh_chain, dev_account(3), errors=errors)
        barrier.wait()
        return [own.transact(probe.functions.bump(1)).block_number for _ in range(10)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        blocks = [b for result in pool.map(worker, range(20)) for b in result]
    assert len(blocks) == 200
    assert probe.functions.total().call() == 200
    assert fresh_chain.w3.eth.get_transaction_count(sender.address) == start_nonce + 200


def test_nonce_manager_recovers_when_the_key_was_used_elsewhere(fresh_chain, errors, artifacts):
    """Another process sent with the same key: the clash is detected and the nonce re-read."""
    ours = Sender(fresh_chain, dev_account(4), errors=errors)
    probe_address, _ = ours.deploy(artifacts["Probe"], [100])
    probe = ours.contract(probe_address, artifacts["Probe"].abi)
    account = dev_account(4)
    nonce = fresh_chain.w3.eth.get_transaction_count(account.address)
    tx = probe.functions.bump(1).build_transaction(
        {"from": account.address, "nonce": nonce, "chainId": fresh_chain.chain_id}
    )
    fresh_chain.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    ours.transact(probe.functions.bump(2))
    assert probe.functions.total().call() == 3


@pytest.mark.anvil
def test_legacy_gas_price_zero_on_a_chain_without_base_fee(tmp_path, artifacts, errors):
    """Consortium chains often run pre-London fee rules with gas price 0."""
    node = EmbeddedNode(
        anvil=find_anvil(NODE_MODULES),
        log_file=tmp_path / "anvil.log",
        extra_args=["--hardfork", "berlin", "--gas-price", "0", "--base-fee", "0"],
    )
    with node:
        chain = Chain(node.url, gas_price=0)
        sender = Sender(chain, dev_account(1), errors=errors)
        balance = chain.w3.eth.get_balance(sender.address)
        address, sent = sender.deploy(artifacts["Probe"], [10])
        tx = chain.w3.eth.get_transaction(sent.tx_hash)
        assert tx["type"] == 0 and tx["gasPrice"] == 0
        assert chain.w3.eth.get_balance(sender.address) == balance


def test_eip1559_fees_where_the_chain_has_a_base_fee(fresh_chain, operator, artifacts):
    address, sent = operator.deploy(artifacts["Probe"], [10])
    tx = fresh_chain.w3.eth.get_transaction(sent.tx_hash)
    assert tx["type"] == 2
    assert tx["maxFeePerGas"] >= fresh_chain.w3.eth.get_block(sent.block_number)["baseFeePerGas"]


@pytest.mark.anvil
def test_waiting_honours_the_finality_depth(anvil, errors, artifacts, fresh_chain):
    deep = Chain(anvil.url, finality_depth=3)
    sender = Sender(deep, dev_account(2), errors=errors)
    tx_hash = sender.submit({"data": sender.init_code(artifacts["Probe"], [1])})

    def mine_later() -> None:
        for _ in range(3):
            threading.Event().wait(0.2)
            deep.w3.provider.make_request("evm_mine", [])

    miner = threading.Thread(target=mine_later)
    miner.start()
    receipt = deep.wait_for_receipt(tx_hash, timeout=30)
    miner.join()
    assert deep.latest_block() >= receipt["blockNumber"] + 3


def test_signed_bytes_can_be_stored_and_broadcast_later(fresh_chain, errors, artifacts):
    """The outbox pattern: sign, keep the bytes, broadcast (again) after a crash."""
    sender = Sender(fresh_chain, dev_account(6), errors=errors)
    address, _ = sender.deploy(artifacts["Probe"], [100])
    probe = sender.contract(address, artifacts["Probe"].abi)
    call = probe.functions.bump(5)
    signed = sender.sign({"to": address, "data": call._encode_transaction_data()})
    assert probe.functions.total().call() == 0, "signing sends nothing"
    assert sender.broadcast(signed) == signed.tx_hash
    fresh_chain.wait_for_receipt(signed.tx_hash)
    assert probe.functions.total().call() == 5
    with pytest.raises(NonceConsumed):
        sender.broadcast(signed)  # mined already: the nonce is used, nothing runs twice
    assert probe.functions.total().call() == 5


def test_signed_bytes_whose_nonce_was_taken_are_refused(fresh_chain, errors, artifacts):
    sender = Sender(fresh_chain, dev_account(6), errors=errors)
    address, _ = sender.deploy(artifacts["Probe"], [100])
    probe = sender.contract(address, artifacts["Probe"].abi)
    stale = sender.sign({"to": address, "data": probe.functions.bump(1)._encode_transaction_data()})
    sender.nonces.resync()  # as after a crash: the chain says the nonce is free
    sender.transact(probe.functions.bump(2))  # takes the same nonce
    with pytest.raises(NonceConsumed, match=f"nonce {stale.nonce}"):
        sender.broadcast(stale)
    assert probe.functions.total().call() == 2
