"""One nonce manager per sender: hands out nonces in order, safe under concurrent callers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_registry: dict[tuple[str, str], NonceManager] = {}
_registry_lock = threading.Lock()


class NonceManager:
    """Hands out consecutive nonces for one account.

    The next nonce is read from the chain (`fetch`, the account's pending transaction count)
    on first use and after `resync`, so a restarted process continues where the chain is. A
    nonce is spent only when the block inside `reserve` finishes without an exception, so a
    transaction that failed to send leaves no gap.
    """

    def __init__(self, fetch: Callable[[], int]) -> None:
        self._fetch = fetch
        self._next: int | None = None
        self._lock = threading.RLock()  # `claim` runs inside `reserve`

    @contextmanager
    def reserve(self) -> Iterator[int]:
        """Hold the next nonce while the caller signs and sends; spend it on success."""
        with self._lock:
            if self._next is None:
                self._next = self._fetch()
            yield self._next
            self._next += 1

    def claim(self, nonce: int) -> None:
        """Inside `reserve`: the caller signed with `nonce` instead (a higher one, which a
        journal shared with other processes said was free); the next is the one after it."""
        with self._lock:
            self._next = nonce

    def resync(self) -> None:
        """Forget the local count; the next `reserve` reads it from the chain again."""
        with self._lock:
            self._next = None


def nonce_manager_for(endpoint: str, address: str, fetch: Callable[[], int]) -> NonceManager:
    """The process-wide nonce manager of `address` at the node `endpoint` (made on first use)."""
    key = (endpoint, address.lower())
    with _registry_lock:
        manager = _registry.get(key)
        if manager is None:
            manager = _registry[key] = NonceManager(fetch)
        return manager


def resync_all() -> None:
    """Make every nonce manager re-read the chain: after a chain was reverted (tests, dev)."""
    with _registry_lock:
        managers = list(_registry.values())
    for manager in managers:
        manager.resync()
