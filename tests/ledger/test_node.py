"""The embedded anvil: start, answer, persist state across restarts, leave no orphan."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.chain import Chain
from ledger.errors import NodeError, TransactionError
from ledger.keys import dev_account
from ledger.node import EmbeddedNode, find_anvil
from ledger.transactions import Sender
from tests.conftest import NODE_MODULES

pytestmark = pytest.mark.anvil  # the embedded anvil itself


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); read its state.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_node_answers_and_stops(tmp_path: Path):
    node = EmbeddedNode(anvil=find_anvil(NODE_MODULES), log_file=tmp_path / "anvil.log")
    with node:
        pid = node.pid
        assert pid is not None and _alive(pid)
        assert Chain(node.url).chain_id == 31337
    assert not _alive(pid)


def test_state_survives_a_restart(tmp_path: Path, artifacts, errors):
    state = tmp_path / "state.json"
    anvil = find_anvil(NODE_MODULES)
    with EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "a.log") as node:
        sender = Sender(Chain(node.url), dev_account(5), errors=errors)
        address, sent = sender.deploy(artifacts["Probe"], [50])
        probe = sender.contract(address, artifacts["Probe"].abi)
        sender.transact(probe.functions.bump(42))
        block = sender.chain.latest_block()
    assert state.is_file()
    with EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "b.log") as node:
        chain = Chain(node.url)
        assert chain.latest_block() >= block
        assert (
            chain.w3.eth.contract(address=address, abi=artifacts["Probe"].abi)
            .functions.total()
            .call()
            == 42
        )


def test_node_dies_with_its_parent(tmp_path: Path):
    """Even a parent killed with SIGKILL leaves no anvil behind."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from ledger.node import EmbeddedNode, find_anvil\n"
        f"node = EmbeddedNode(anvil=find_anvil(Path({str(NODE_MODULES)!r})))\n"
        "node.start()\n"
        "print(node.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert _alive(pid)
        parent.kill()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


def test_a_node_that_cannot_start_says_why(tmp_path: Path):
    bad = EmbeddedNode(
        anvil=find_anvil(NODE_MODULES),
        log_file=tmp_path / "anvil.log",
        extra_args=["--no-such-flag"],
    )
    with pytest.raises(NodeError, match="exited with code"):
        bad.start()


def test_missing_anvil_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NodeError, match="scripts/bootstrap"):
        find_anvil(tmp_path)


def test_a_block_made_durable_survives_a_hard_kill_of_the_node(tmp_path: Path, artifacts, errors):
    state = tmp_path / "state.json"
    anvil = find_anvil(NODE_MODULES)
    node = EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "a.log")
    node.start()
    try:
        chain = Chain(node.url)
        sender = Sender(chain, dev_account(5), errors=errors)
        address, _ = sender.deploy(artifacts["Probe"], [50])
        probe = sender.contract(address, artifacts["Probe"].abi)
        sent = sender.transact(probe.functions.bump(42))
        durable = node.state
        assert durable is not None
        durable.through(sent.block_number)
        assert durable.durable_block >= sent.block_number
        block_hash = chain.w3.eth.get_block(sent.block_number)["hash"]
        sender.transact(probe.functions.bump(1))  # after the dump: may be lost
        assert node.pid is not None
        os.kill(node.pid, 9)
    finally:
        node.stop()
    assert not list(tmp_path.glob("*.tmp")), "no half-written state left"
    with EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "b.log") as again:
        chain = Chain(again.url)
        assert chain.w3.eth.get_block(sent.block_number)["hash"] == block_hash
        total = chain.w3.eth.contract(address=address, abi=artifacts["Probe"].abi).functions
        assert total.total().call() == 42, "the durable block is there, the later one is not"


def test_the_node_makes_blocks_at_a_steady_interval(tmp_path: Path):
    node = EmbeddedNode(anvil=find_anvil(NODE_MODULES), block_time=1, log_file=tmp_path / "a.log")
    with node:
        chain = Chain(node.url)
        first = chain.latest_block()
        time.sleep(2.6)
        assert chain.latest_block() >= first + 2, "blocks come without any transaction"


def test_a_restarted_node_never_goes_back_in_time(tmp_path: Path):
    """A chain whose clock was moved ahead keeps it after a restart from its state."""
    state = tmp_path / "state.json"
    anvil = find_anvil(NODE_MODULES)
    with EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "a.log") as node:
        chain = Chain(node.url)
        chain.w3.provider.make_request("evm_increaseTime", [4 * 86_400])  # type: ignore[arg-type]
        chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        ahead = chain.w3.eth.get_block("latest")["timestamp"]
    node = EmbeddedNode(anvil=anvil, state_file=state, block_time=1, log_file=tmp_path / "b.log")
    with node:
        chain = Chain(node.url)
        first = chain.latest_block()
        time.sleep(2.2)
        assert chain.latest_block() > first, "interval mining runs"
        assert chain.w3.eth.get_block("latest")["timestamp"] > ahead


def test_a_revert_is_explained_even_when_the_state_before_it_is_gone(
    tmp_path: Path, artifacts, errors
):
    """A node reloaded from its state has no older states to replay a failed transaction on:
    the failure is still explained (as a TransactionError), not raised from the replay."""
    state = tmp_path / "state.json"
    anvil = find_anvil(NODE_MODULES)
    with EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "a.log") as node:
        sender = Sender(Chain(node.url), dev_account(5), errors=errors)
        address, _ = sender.deploy(artifacts["Probe"], [50])
        probe = sender.contract(address, artifacts["Probe"].abi)
        data = probe.functions.bump(60)._encode_transaction_data()
        tx_hash = sender.submit({"to": address, "data": data, "gas": 100_000})  # type: ignore[typeddict-item]
        assert sender.chain.wait_for_receipt(tx_hash)["status"] == 0
    with EmbeddedNode(anvil=anvil, state_file=state, log_file=tmp_path / "b.log") as node:
        chain = Chain(node.url)
        again = Sender(chain, dev_account(5), errors=errors)
        for _ in range(3):
            chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        receipt = chain.receipt(tx_hash)
        assert receipt is not None
        failure = again.explain_failure(tx_hash, receipt)
        assert type(failure) is TransactionError and "not available" in str(failure)
