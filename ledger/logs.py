"""Read event logs over block ranges of any size, in chunks the node accepts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from web3._utils.events import construct_event_topic_set
from web3.contract.contract import ContractEvent
from web3.exceptions import Web3RPCError
from web3.types import EventData, FilterParams, LogReceipt

from ledger.chain import Chain

DEFAULT_CHUNK = 2_000
"""Blocks per eth_getLogs request; many providers cap ranges at 2k-10k blocks."""

MIN_CHUNK = 1
"""Below this a failing range is a real error, not a range that was too large."""


def iter_logs(
    chain: Chain,
    *,
    address: str | Sequence[str] | None = None,
    topics: Sequence[Any] | None = None,
    from_block: int = 0,
    to_block: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[LogReceipt]:
    """Yield the logs matching `address`/`topics` from `from_block` to `to_block` inclusive.

    `to_block` defaults to the latest block. The range is read `chunk` blocks at a time;
    when the node refuses a request (too many results, range too large) the chunk is halved
    and the same blocks are read again, so a large range never fails as a whole.
    """
    last = chain.latest_block() if to_block is None else to_block
    start = from_block
    size = max(chunk, MIN_CHUNK)
    while start <= last:
        end = min(start + size - 1, last)
        params: FilterParams = {"fromBlock": start, "toBlock": end}
        if address is not None:
            params["address"] = address  # type: ignore[typeddict-item]
        if topics is not None:
            params["topics"] = list(topics)
        try:
            logs = chain.rpc(chain.w3.eth.get_logs, params)
        except Web3RPCError:
            if size <= MIN_CHUNK:
                raise
            size = max(size // 2, MIN_CHUNK)
            continue
        yield from logs
        start = end + 1


def iter_events(
    chain: Chain,
    event: ContractEvent,
    *,
    argument_filters: Mapping[str, Any] | None = None,
    from_block: int = 0,
    to_block: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[EventData]:
    """Yield the decoded `event` logs of its contract from `from_block` to `to_block`.

    `argument_filters` selects on indexed arguments by name (as web3's `get_logs` does), but
    the range is read in chunks through `iter_logs`: web3's own `get_logs` asks for the whole
    range at once, which Besu and hosted nodes refuse beyond their log-range cap.
    """
    topics = construct_event_topic_set(event.abi, chain.w3.codec, dict(argument_filters or {}))
    for log in iter_logs(
        chain,
        address=event.address,
        topics=topics,
        from_block=from_block,
        to_block=to_block,
        chunk=chunk,
    ):
        yield event.process_log(log)
