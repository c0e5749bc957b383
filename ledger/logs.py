"""Read event logs over block ranges of any size, in chunks the node accepts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from web3.exceptions import Web3RPCError
from web3.types import FilterParams, LogReceipt

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
