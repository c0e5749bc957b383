"""The chain's head as a service sees it: the latest block number, read at most once a tick."""

from __future__ import annotations

import threading
import time

from ledger.chain import Chain
from ledger.errors import LedgerError

HEAD_MAX_AGE = 0.25
"""Seconds a read of the latest block number is reused. Well under the block time of the
consortium engines we run on (QBFT and Clique: 1-5 s), so a value cached per block is at most
one block late, while a route serving a thousand requests a second asks the node four times."""


class ChainHead:
    """The latest block number of `chain`, re-read when older than `max_age` seconds.

    Per-block caches key on `block()`: whatever they keep is dropped when the head moves. A
    block this process saw itself (`Chain.seen_block`: its own transaction mined) counts at
    once, so a service's own writes are never answered from before them.
    """

    def __init__(self, chain: Chain, *, max_age: float = HEAD_MAX_AGE) -> None:
        self.chain = chain
        self.max_age = max_age
        self._lock = threading.Lock()
        self._block = -1
        self._read_at = float("-inf")
        self.failure: LedgerError | None = None
        """Why the last background re-read failed (None once one succeeds)."""

    def block(self) -> int:
        """The latest block number, at most about `max_age` seconds old.

        Only the first call waits for the node (and raises `LedgerError` when it cannot be
        reached); later ones return the value at hand and, when it is older than `max_age`,
        have it re-read in the background, so an event loop calling this never blocks on it.
        """
        seen = self.chain.seen_block
        if seen > self._block >= 0:
            # this process saw a newer block (its own transaction mined): no need to ask
            self._block = seen
            return seen
        if self._block < 0:
            with self._lock:
                if self._block < 0:
                    self._read()
            return self._block
        if time.monotonic() - self._read_at > self.max_age and self._lock.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="chain-head", daemon=True).start()
        return self._block

    def _read(self) -> None:
        self._block = max(self._block, self.chain.latest_block())
        self._read_at = time.monotonic()
        self.failure = None

    def _refresh(self) -> None:
        """Re-read the head (the lock is held on entry); a failure keeps the old value and is
        retried on the next call after `max_age`."""
        try:
            self._read()
        except LedgerError as exc:
            self.failure = exc
            self._read_at = time.monotonic()
        finally:
            self._lock.release()
