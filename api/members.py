"""Consortium members as authentication sees them: each read from the chain once per block."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from ledger.consortium import ConsortiumClient, Member
from ledger.heads import ChainHead


class MemberCache:
    """`ConsortiumClient.member` answers kept until the chain's head moves.

    A member's status and roles change only by a transaction, so an answer read at block N
    holds until block N+1: a suspension or key rotation takes effect within one block (and
    `heads.HEAD_MAX_AGE`). Errors (no such member) are not kept.

    One read per member and block: when the head moves, the requests in flight for a member
    all miss at once, and each used to read the chain itself (three calls to the node), so
    under 32 clients most requests did (`scripts/bench-http`: 58% of the server's busy time
    on `/v1/me`). The first caller now reads; the others wait for its answer (or its error).
    """

    def __init__(self, consortium: ConsortiumClient, head: ChainHead) -> None:
        self.consortium = consortium
        self.head = head
        self._lock = threading.Lock()
        self._block = -1
        self._found: dict[str | int, Member] = {}
        self._reading: dict[str | int, Future[Member]] = {}
        self.reads = 0
        """Reads of the chain so far (the tests count them)."""

    def known(self, address_or_id: str | int) -> Member | None:
        """This block's answer for the member, if one was read; never asks the node (the
        head comes from `ChainHead`, which re-reads it in the background)."""
        block = self.head.block()
        key = _key(address_or_id)
        with self._lock:
            return self._found.get(key) if block == self._block else None

    def member(self, address_or_id: str | int) -> Member:
        """The member with this id or current address, as of the latest block; raises
        `TransactionReverted` as `ConsortiumClient.member` does."""
        block = self.head.block()
        key = _key(address_or_id)
        with self._lock:
            if block != self._block:
                self._block, self._found, self._reading = block, {}, {}
            found = self._found.get(key)
            if found is not None:
                return found
            pending = self._reading.get(key)
            leader = pending is None
            if pending is None:
                pending = self._reading[key] = Future()
        if not leader:
            return pending.result()
        try:
            self.reads += 1
            found = self.consortium.member(address_or_id)
        except BaseException as exc:
            self._done(key, pending)
            pending.set_exception(exc)
            raise
        with self._lock:
            if self._block == block:
                self._found[key] = found
        self._done(key, pending)
        pending.set_result(found)
        return found

    def _done(self, key: str | int, pending: Future[Member]) -> None:
        with self._lock:
            if self._reading.get(key) is pending:
                del self._reading[key]


def _key(address_or_id: str | int) -> str | int:
    return address_or_id.lower() if isinstance(address_or_id, str) else address_or_id
