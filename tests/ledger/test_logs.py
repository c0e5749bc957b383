"""Chunked log reading over large ranges."""

from __future__ import annotations

from ledger.logs import iter_logs


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
