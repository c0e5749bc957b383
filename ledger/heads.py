"""The chain's head as a service sees it: the latest block number, read at most once a tick."""

from __future__ import annotations

import threading
import time

from ledger.chain import Chain

HEAD_MAX_AGE = 0.25
"""Seconds a read of the latest block number is reused. Well under the block time of the
consortium engines we run on (QBFT and Clique: 1-5 s), so a value cached per block is at most
one block late, while a route serving a thousand requests a second asks the node four times."""


class ChainHead:
    """The latest block number of `chain`, re-read when older than `max_age` seconds.

    Per-block caches key on `block()`: whatever they keep is dropped when the head moves. A
    block this process saw itself (`Chain.seen_block`: its own transaction mined) counts at
    once, so a service's own writes are never answered from before them. One caller refreshes
    at a time; the others keep the value of the moment before.
    """

    def __init__(self, chain: Chain, *, max_age: float = HEAD_MAX_AGE) -> None:
        self.chain = chain
        self.max_age = max_age
        self._lock = threading.Lock()
        self._block = -1
        self._read_at = float("-inf")

    def block(self) -> int:
        """The latest block number, at most `max_age` seconds old; raises `LedgerError` when
        the node cannot be reached and no value was read yet."""
        seen = self.chain.seen_block
        if seen > self._block >= 0:
            # this process saw a newer block (its own transaction mined): no need to ask
            self._block = seen
            return seen
        if time.monotonic() - self._read_at <= self.max_age:
            return self._block
        if not self._lock.acquire(blocking=self._block < 0):
            return self._block  # another thread is reading it right now
        try:
            self._block = self.chain.latest_block()
            self._read_at = time.monotonic()
            return self._block
        finally:
            self._lock.release()

