"""Chunked log reading over large ranges."""

from __future__ import annotations

import pytest

from ledger.keys import dev_account
from ledger.logs import iter_events, iter_logs
from ledger.transactions import Sender


@pytest.mark.anvil
@pytest.mark.anvil
def test_logs_over_many_chunks_are_complete_and_ordered(fresh_chain, operator, artifacts):
    address, _ = operator.deploy(artifacts["Probe"], [1000])
    probe = operator.contract(address, artifacts["Probe"].abi)
    start = fresh_chain.latest_block()
    for value in range(1, 8):
        operator.transact(probe.functions.bump(value))
        fresh_chain.w3.provider.make_request("anvil_mine", [hex(50)])  # spread over blocks
    logs = list(iter_logs(fresh_chain, address=address, from_block=start, chunk=7))
    events = [probe.events.Bumped().process_log(log) for log in logs]
    assert [e["args"]["value"] for e in events] == list(range(1, 8))
    whole = list(iter_logs(fresh_chain, address=address, from_block=start, chunk=100_000))
    assert whole == logs


def test_topic_filter_and_empty_range(fresh_chain, operator, artifacts):
    address, _ = operator.deploy(artifacts["Probe"], [1000])
    probe = operator.contract(address, artifacts["Probe"].abi)
    operator.transact(probe.functions.bump(3))
    topic = probe.events.Bumped().topic
    other = "0x" + "00" * 32
    assert len(list(iter_logs(fresh_chain, address=address, topics=[topic]))) == 1
    assert list(iter_logs(fresh_chain, address=address, topics=[other])) == []
    latest = fresh_chain.latest_block()
    assert list(iter_logs(fresh_chain, from_block=latest + 1, to_block=latest)) == []


def test_events_by_indexed_argument_are_read_in_chunks(fresh_chain, operator, artifacts, errors):
    """`iter_events` filters like web3's `get_logs` but never asks for the whole range."""
    address, _ = operator.deploy(artifacts["Probe"], [1000])
    probe = operator.contract(address, artifacts["Probe"].abi)
    other = Sender(fresh_chain, dev_account(7), errors=errors)
    start = fresh_chain.latest_block()
    operator.transact(probe.functions.bump(1))
    other.transact(other.contract(address, probe.abi).functions.bump(2))
    operator.transact(probe.functions.bump(3))
    event = probe.events.Bumped()
    mine = list(
        iter_events(
            fresh_chain, event, argument_filters={"by": operator.address}, from_block=start, chunk=1
        )
    )
    assert [e["args"]["value"] for e in mine] == [1, 3]
    everyone = list(iter_events(fresh_chain, event, from_block=start, chunk=2))
    assert [e["args"]["value"] for e in everyone] == [1, 2, 3]
