"""Consortium members as the service reads them: each read once per block (from the members
read model, `ledger.member_index.IndexedMembers`, in the service)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar, cast

from ledger.consortium import Member
from ledger.heads import ChainHead

T = TypeVar("T")

_ALL = "*"
"""The key of the whole list (no address or id is spelled so)."""


class MemberDirectory(Protocol):
    """Where members are read: `ledger.member_index.IndexedMembers` (the service) or
    `ledger.consortium.ConsortiumClient` (the contract itself)."""

    def member(self, address_or_id: str | int) -> Member: ...

    def members(self) -> list[Member]: ...


class MemberCache:
    """`ConsortiumClient.member` and `members` answers kept until the chain's head moves.

    A member's status and roles change only by a transaction, so an answer read at block N
    holds until block N+1: a suspension or key rotation takes effect within one block (and
    `heads.HEAD_MAX_AGE`). Errors (no such member) are not kept. Authentication and every read
    path that shows members (pages, member lists, names on reports) ask here.

    One read per member and block: when the head moves, the requests in flight for a member
    all miss at once, and each used to read the chain itself (three calls to the node), so
    under 32 clients most requests did (`scripts/bench-http`: 58% of the server's busy time
    on `/v1/me`). The first caller now reads; the others wait for its answer (or its error).
    """

    def __init__(self, consortium: MemberDirectory, head: ChainHead) -> None:
        self.consortium = consortium
        self.head = head
        self._lock = threading.Lock()
        self._block = -1
        self._found: dict[str | int, Any] = {}
        self._reading: dict[str | int, Future[Any]] = {}
        self.reads = 0
        """Reads of the chain so far (the tests count them)."""

    def known(self, address_or_id: str | int) -> Member | None:
        """This block's answer for the member, if one was read; never asks the node (the
        head comes from `ChainHead`, which re-reads it in the background)."""
        block = self.head.block()
        key = _key(address_or_id)
        with self._lock:
            return cast(Member | None, self._found.get(key)) if block == self._block else None

    def member(self, address_or_id: str | int) -> Member:
        """The member with this id or current address, as of the latest block; raises
        `TransactionReverted` as `ConsortiumClient.member` does."""
        return self._cached(_key(address_or_id), lambda: self.consortium.member(address_or_id))

    def all(self) -> list[Member]:
        """Every member ever admitted (any status), by id, as of the latest block."""
        block = self.head.block()
        members: tuple[Member, ...] = self._cached(_ALL, lambda: tuple(self.consortium.members()))
        with self._lock:  # each then answers for itself too, by id and by current address
            if self._block == block:
                for m in members:
                    self._found.setdefault(m.id, m)
                    self._found.setdefault(m.address.lower(), m)
        return list(members)

    def _cached(self, key: str | int, read: Callable[[], T]) -> T:
        block = self.head.block()
        with self._lock:
            if block != self._block:
                self._block, self._found, self._reading = block, {}, {}
            if key in self._found:
                return cast(T, self._found[key])
            pending = self._reading.get(key)
            leader = pending is None
            if pending is None:
                pending = self._reading[key] = Future()
        if not leader:
            return cast(T, pending.result())
        try:
            self.reads += 1
            found = read()
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

    def _done(self, key: str | int, pending: Future[Any]) -> None:
        with self._lock:
            if self._reading.get(key) is pending:
                del self._reading[key]


def _key(address_or_id: str | int) -> str | int:
    return address_or_id.lower() if isinstance(address_or_id, str) else address_or_id
