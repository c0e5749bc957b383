"""The event indexer against the real anvil: completeness, chunking, resume, reorgs, reads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest
from eth_utils import keccak
from sqlalchemy import func, select
from sqlmodel import Session

from ledger.chain import Chain
from ledger.indexer import (
    UNDECODED,
    Indexer,
    ReorgTooDeep,
    WatchedContract,
    events,
    indexed_through,
)
from ledger.keys import dev_account
from ledger.logs import iter_logs
from ledger.models import Deployment, IndexedBlock, IndexedEvent
from ledger.nonces import resync_all


def _rpc(chain: Chain, method: str, *params: Any) -> Any:
    response = chain.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in response, response
    return response["result"]


def _mine(chain: Chain, blocks: int) -> None:
    _rpc(chain, "anvil_mine", hex(blocks))


def _deploy(operator, artifacts, name: str, *args: Any):
    address, sent = operator.deploy(artifacts[name], list(args))
    contract = operator.contract(address, artifacts[name].abi)
    watched = WatchedContract(
        name=name, address=address, abi=artifacts[name].abi, from_block=sent.block_number
    )
    return contract, watched


def _plain(value: Any) -> Any:
    """A value reduced so web3's decoding and the stored JSON compare: ints as text, bytes
    as 0x hex, tuples and dicts recursively."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _truth(chain: Chain, contracts: list) -> list[tuple]:
    """Every log of `contracts` read with iter_logs and decoded with web3's process_log."""
    by_address = {c.address: c for c in contracts}
    found = []
    for log in iter_logs(chain, address=list(by_address), from_block=0):
        contract = by_address[log["address"]]
        topic0 = "0x" + bytes(log["topics"][0]).hex()
        event = next(e for e in contract.events if e.topic == topic0)
        decoded = event().process_log(log)
        found.append(
            (
                log["blockNumber"],
                "0x" + bytes(log["blockHash"]).hex(),
                log["logIndex"],
                decoded["event"],
                _plain(dict(decoded["args"])),
            )
        )
    return found


def _stored(engine) -> list[tuple]:
    return [
        (e.block_number, e.block_hash, e.log_index, e.event, _plain(e.args))
        for e in events(engine, limit=1000)
    ]


def _count(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(IndexedEvent)).scalar_one())


@pytest.mark.parametrize("chunk", [1, 7, 100_000])
@pytest.mark.anvil
def test_index_matches_the_chain_log_for_log(fresh_chain, operator, artifacts, engine, chunk):
    probe, probe_watch = _deploy(operator, artifacts, "Probe", 10**6)
    emitter, emitter_watch = _deploy(operator, artifacts, "Emitter")
    for value in range(1, 6):
        operator.transact(probe.functions.bump(value))
        operator.transact(emitter.functions.emitMany(value * 100, 12))
        _mine(fresh_chain, 9)  # spread over blocks and chunk boundaries
    operator.transact(emitter.functions.tag("lot-7", [1, 2**200], (2**63, b"\x07" * 32), -3))
    indexer = Indexer(
        engine=engine, chain=fresh_chain, contracts=[probe_watch, emitter_watch], chunk=chunk
    )
    stored = indexer.run_once()

    truth = _truth(fresh_chain, [probe, emitter])
    assert stored == len(truth) == 5 * (1 + 12 + 1) + 1
    assert _stored(engine) == truth
    assert indexed_through(engine, fresh_chain.chain_id) == fresh_chain.latest_block()
    assert indexer.run_once() == 0
    assert _count(engine) == len(truth)


def test_arguments_are_encoded_by_abi_type(fresh_chain, operator, artifacts, engine):
    emitter, watched = _deploy(operator, artifacts, "Emitter")
    sent = operator.transact(emitter.functions.emitMany(2**40, 10))
    Indexer(engine=engine, chain=fresh_chain, contracts=[watched]).run_once()

    noted = events(engine, event="Noted", limit=1)[0]
    assert noted.contract == "Emitter"
    assert noted.address == watched.address
    assert noted.tx_hash == sent.tx_hash
    assert noted.block_number == sent.block_number
    assert noted.block_time.tzinfo is not None
    # uint256 as decimal text, uint32 as a number, bytes32 and bytes as 0x hex, in ABI order.
    assert list(noted.args.items()) == [
        ("key", "0x" + (2**40).to_bytes(32, "big").hex()),
        ("by", operator.address),
        ("index", str(2**40)),
        ("amount", str(2**40 * 10**18)),
        ("code", 2**40 % 1000),
        ("flag", True),
        ("memo", "note"),
    ]
    ninth = next(i for i in range(2**40, 2**40 + 10) if i % 10 == 9)
    cleared = events(engine, event="Cleared")
    assert [e.args for e in cleared] == [
        {"index": str(ninth), "data": "0x" + ninth.to_bytes(8, "big").hex()}
    ]
    # Arrays, structs (by component name), negative ints; an indexed string is its hash.
    operator.transact(emitter.functions.tag("lot-7", [1, 2**200], (2**63, b"\x07" * 32), -3))
    Indexer(engine=engine, chain=fresh_chain, contracts=[watched]).run_once()
    assert events(engine, event="Tagged")[0].args == {
        "tag": "0x" + keccak(text="lot-7").hex(),
        "values": ["1", str(2**200)],
        "pair": {"at": str(2**63), "what": "0x" + "07" * 32},
        "delta": -3,
    }
    with engine.connect() as conn:
        raw = conn.execute(select(IndexedEvent.args_json).limit(1)).scalar_one()
    assert json.loads(raw) == events(engine, limit=1)[0].args


def test_logs_the_abi_does_not_decode_are_kept_raw(fresh_chain, operator, artifacts, engine):
    probe, _ = _deploy(operator, artifacts, "Probe", 100)
    operator.transact(probe.functions.bump(7))
    wrong_abi = WatchedContract(name="Probe", address=probe.address, abi=artifacts["Emitter"].abi)
    Indexer(engine=engine, chain=fresh_chain, contracts=[wrong_abi]).run_once()

    [stored] = events(engine)
    [log] = list(iter_logs(fresh_chain, address=probe.address))
    assert stored.event == UNDECODED
    assert stored.args == {
        "topics": ["0x" + bytes(t).hex() for t in log["topics"]],
        "data": "0x" + bytes(log["data"]).hex(),
    }


@pytest.mark.anvil
def test_restart_in_the_middle_resumes_without_duplicates(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    blocks = []
    for value in range(1, 9):
        blocks.append(operator.transact(probe.functions.bump(value)).block_number)
        _mine(fresh_chain, 3)
    first = Indexer(engine=engine, chain=fresh_chain, contracts=[watched], chunk=5)
    assert first.run_once(to_block=blocks[3]) == 4
    assert indexed_through(engine, fresh_chain.chain_id) == blocks[3]

    operator.transact(probe.functions.bump(100))
    again = Indexer(engine=engine, chain=fresh_chain, contracts=[watched], chunk=5)
    assert again.run_once() == 5
    assert _stored(engine) == _truth(fresh_chain, [probe])
    assert [e.args["value"] for e in events(engine)] == [str(v) for v in [*range(1, 9), 100]]


@pytest.mark.anvil
def test_anvil_reorg_replaces_orphaned_events(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    for value in range(1, 6):
        operator.transact(probe.functions.bump(value))
        _mine(fresh_chain, 2)
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[watched], chunk=4)
    indexer.run_once()
    before = _stored(engine)
    assert len(before) == 5

    # Replace the last 7 blocks (the last two bumps) with a branch holding other bumps.
    other = dev_account(1).address
    bump = {"from": other, "to": probe.address, "data": probe.encode_abi("bump", [900])}
    _rpc(fresh_chain, "anvil_reorg", 7, [[bump, 1], [bump, 4]])
    resync_all()
    indexer.run_once()

    after = _stored(engine)
    truth = _truth(fresh_chain, [probe])
    assert after == truth
    orphaned = {b[1] for b in before} - {t[1] for t in truth}
    assert len(orphaned) == 2 and not orphaned & {a[1] for a in after}
    assert [e.args["value"] for e in events(engine)] == ["1", "2", "3", "900", "900"]
    assert events(engine)[-1].args["by"] == other
    assert _count(engine) == 5


@pytest.mark.anvil
def test_snapshot_revert_to_a_shorter_then_longer_branch(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    operator.transact(probe.functions.bump(1))
    fork = _rpc(fresh_chain, "evm_snapshot")
    for value in (2, 3, 4):
        operator.transact(probe.functions.bump(value))
        _mine(fresh_chain, 5)
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[watched])
    indexer.run_once()
    tip = indexed_through(engine, fresh_chain.chain_id)

    _rpc(fresh_chain, "evm_revert", fork)
    resync_all()
    operator.transact(probe.functions.bump(50))  # a branch shorter than the indexed one
    assert fresh_chain.latest_block() < tip
    indexer.run_once()
    assert [e.args["value"] for e in events(engine)] == ["1", "50"]
    assert indexed_through(engine, fresh_chain.chain_id) == fresh_chain.latest_block()

    operator.transact(probe.functions.bump(60))
    _mine(fresh_chain, 30)  # and now longer
    indexer.run_once()
    assert _stored(engine) == _truth(fresh_chain, [probe])
    assert [e.args["value"] for e in events(engine)] == ["1", "50", "60"]


@pytest.mark.anvil
def test_reorg_below_every_stored_block_needs_a_reset(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    fork = _rpc(fresh_chain, "evm_snapshot")
    for value in (1, 2):
        operator.transact(probe.functions.bump(value))
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[watched])
    indexer.run_once()

    _rpc(fresh_chain, "evm_revert", fork)
    resync_all()
    _mine(fresh_chain, 1)
    operator.transact(probe.functions.bump(3))
    with pytest.raises(ReorgTooDeep, match="none of the 2 stored blocks"):
        indexer.run_once()
    assert [e.args["value"] for e in events(engine)] == ["1", "2"]  # untouched

    indexer.reset()
    indexer.run_once()
    assert [e.args["value"] for e in events(engine)] == ["3"]


@pytest.mark.anvil
def test_stored_blocks_are_a_window_with_an_anchor(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    for value in range(1, 5):
        operator.transact(probe.functions.bump(value))
        _mine(fresh_chain, 10)
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[watched], chunk=3, window=12)
    indexer.run_once()
    with engine.connect() as conn:
        rows = conn.execute(select(IndexedBlock.number, IndexedBlock.parent_hash)).all()
    numbers = sorted(n for n, _ in rows)
    tip = fresh_chain.latest_block()
    assert numbers[-1] == tip
    below = [n for n in numbers if n <= tip - 12]
    assert len(below) == 1  # the anchor; everything older was pruned
    assert all(n > below[0] for n in numbers[1:])
    for number, parent in rows:
        assert parent == "0x" + bytes(fresh_chain.w3.eth.get_block(number)["parentHash"]).hex()


@pytest.mark.anvil
def test_empty_ranges_and_no_contracts(fresh_chain, operator, artifacts, engine):
    _, watched = _deploy(operator, artifacts, "Probe", 10)
    _mine(fresh_chain, 20)
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[watched], chunk=6)
    assert indexer.run_once() == 0
    assert indexer.run_once() == 0
    assert events(engine) == []
    status = indexer.status()
    assert status.indexed_through == status.latest == fresh_chain.latest_block()

    nothing = Indexer(engine=engine, chain=fresh_chain, contracts=[])
    assert nothing.run_once() == 0


@pytest.mark.anvil
def test_contract_deployed_later_is_read_back_from_its_block(
    fresh_chain, operator, artifacts, engine
):
    first, first_watch = _deploy(operator, artifacts, "Probe", 10**6)
    operator.transact(first.functions.bump(1))
    old = Indexer(engine=engine, chain=fresh_chain, contracts=[first_watch], chunk=5)
    old.run_once()

    # Deployed after the cursor: the next steps pick it up from its own first block.
    second, second_watch = _deploy(operator, artifacts, "Emitter")
    operator.transact(second.functions.emitMany(0, 3))
    both = Indexer(engine=engine, chain=fresh_chain, contracts=[first_watch, second_watch], chunk=5)
    assert both.run_once() == 3

    # Deployed while an indexer that did not know it ran past its events: read back.
    third, third_watch = _deploy(operator, artifacts, "Probe", 10**6)
    operator.transact(third.functions.bump(33))
    _mine(fresh_chain, 12)
    operator.transact(first.functions.bump(2))
    both.run_once()
    assert [e.contract for e in events(engine)][-1] == "Probe"
    all_three = Indexer(
        engine=engine,
        chain=fresh_chain,
        contracts=[first_watch, second_watch, third_watch],
        chunk=5,
    )
    assert all_three.run_once() == 1
    assert _stored(engine) == _truth(fresh_chain, [first, second, third])
    assert [e.args["value"] for e in events(engine, address=third.address)] == ["33"]
    assert all_three.run_once() == 0


def test_from_block_skips_earlier_logs_at_the_address(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    operator.transact(probe.functions.bump(1))
    later = operator.transact(probe.functions.bump(2)).block_number
    start_late = WatchedContract(
        name="Probe", address=probe.address, abi=watched.abi, from_block=later
    )
    Indexer(engine=engine, chain=fresh_chain, contracts=[start_late]).run_once()
    assert [e.args["value"] for e in events(engine)] == ["2"]


def test_event_queries_filter_and_page(fresh_chain, operator, artifacts, engine):
    probe, probe_watch = _deploy(operator, artifacts, "Probe", 10**6)
    emitter, emitter_watch = _deploy(operator, artifacts, "Emitter")
    operator.transact(emitter.functions.emitMany(0, 20))
    mid = operator.transact(probe.functions.bump(5)).block_number
    operator.transact(emitter.functions.emitMany(20, 10))
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[probe_watch, emitter_watch])
    indexer.run_once()

    noted = events(engine, contract="Emitter", event="Noted", limit=1000)
    assert [e.args["index"] for e in noted] == [str(i) for i in range(30)]
    page = events(engine, contract="Emitter", event="Noted", offset=10, limit=5)
    assert [e.args["index"] for e in page] == ["10", "11", "12", "13", "14"]
    assert [e.event for e in events(engine, from_block=mid, to_block=mid)] == ["Bumped"]
    assert len(events(engine, chain_id=fresh_chain.chain_id, limit=1000)) == 30 + 3 + 1
    assert events(engine, chain_id=fresh_chain.chain_id + 1) == []
    # Arguments: a big int, a small int, a bool, bytes32, an address in any case.
    assert [e.args["index"] for e in events(engine, args={"index": 7})] == ["7"]
    assert len(events(engine, event="Noted", args={"code": 7})) == 1
    assert len(events(engine, event="Noted", args={"flag": True})) == 15
    key = (12).to_bytes(32, "big")
    assert [e.args["index"] for e in events(engine, args={"key": key})] == ["12"]
    by = events(engine, event="Bumped", args={"by": operator.address.lower()})
    assert [e.args["value"] for e in by] == ["5"]
    assert events(engine, args={"memo": "no such note"}) == []
    # A list matches any of its values, each spelled as a single value is.
    listed = events(engine, event="Noted", args={"index": [3, 17, 99]})
    assert [e.args["index"] for e in listed] == ["3", "17"]
    keys = [(n).to_bytes(32, "big") for n in (4, 12)]
    assert [e.args["index"] for e in events(engine, args={"key": keys})] == ["4", "12"]
    assert events(engine, event="Noted", args={"index": []}) == []
    assert len(events(engine, tx_hash=by[0].tx_hash)) == 1
    with pytest.raises(ValueError, match="not an identifier"):
        events(engine, args={"x') or 1=1 --": 1})


@pytest.mark.anvil
def test_status_tells_final_from_not_yet_final(fresh_chain, operator, artifacts, engine):
    _mine(fresh_chain, 10)
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    operator.transact(probe.functions.bump(1))
    deep = Chain(fresh_chain.url, finality_depth=5)
    indexer = Indexer(engine=engine, chain=deep, contracts=[watched])
    assert indexer.window == 128
    assert indexer.status().indexed_through is None
    indexer.run_once()
    status = indexer.status()
    assert status.indexed_through == status.latest
    assert status.final_through == status.latest - 5
    _mine(fresh_chain, 10)
    assert indexer.status().final_through == status.latest  # final, though not re-indexed


@pytest.mark.anvil
def test_two_indexers_at_once_store_each_event_once(fresh_chain, operator, artifacts, engine):
    emitter, watched = _deploy(operator, artifacts, "Emitter")
    for start in range(0, 60, 10):
        operator.transact(emitter.functions.emitMany(start, 10))
        _mine(fresh_chain, 3)
    indexers = [
        Indexer(engine=engine, chain=fresh_chain, contracts=[watched], chunk=2) for _ in range(2)
    ]
    errors: list[BaseException] = []

    def run(indexer: Indexer) -> None:
        try:
            indexer.run_once()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in indexers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _stored(engine) == _truth(fresh_chain, [emitter])
    assert _count(engine) == 66


def test_from_deployments_watches_every_recorded_contract(fresh_chain, operator, artifacts, engine):
    probe, _ = _deploy(operator, artifacts, "Probe", 10**6)
    operator.transact(probe.functions.bump(4))
    emitter, _ = _deploy(operator, artifacts, "Emitter")
    operator.transact(emitter.functions.emitMany(0, 2))
    with Session(engine) as session:
        for name, contract, active in [("Probe", probe, False), ("Gone", emitter, True)]:
            session.add(
                Deployment(
                    chain_id=fresh_chain.chain_id,
                    name=name,
                    address=contract.address,
                    block_number=1,
                    block_hash="0x" + "00" * 32,
                    tx_hash="0x" + "00" * 32,
                    code_hash="00" * 32,
                    compiler="test",
                    active=active,
                )
            )
        session.commit()
    indexer = Indexer.from_deployments(engine=engine, chain=fresh_chain, artifacts=artifacts)
    assert indexer.run_once() == 3
    # A replaced deployment is still watched; a name no longer compiled is kept raw.
    assert [(e.contract, e.event) for e in events(engine)] == [
        ("Probe", "Bumped"),
        ("Gone", UNDECODED),
        ("Gone", UNDECODED),
    ]


def test_run_follows_the_chain_until_stopped(fresh_chain, operator, artifacts, engine):
    probe, watched = _deploy(operator, artifacts, "Probe", 10**6)
    indexer = Indexer(engine=engine, chain=fresh_chain, contracts=[watched])
    stop = threading.Event()
    worker = threading.Thread(target=indexer.run, args=(stop,), kwargs={"interval": 0.05})
    worker.start()
    try:
        for value in (1, 2, 3):
            operator.transact(probe.functions.bump(value))
        deadline = time.monotonic() + 10
        while len(events(engine)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert [e.args["value"] for e in events(engine)] == ["1", "2", "3"]
