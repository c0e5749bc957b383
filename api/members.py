"""Consortium members as authentication sees them: each read from the chain once per block."""

from __future__ import annotations

import threading

from ledger.consortium import ConsortiumClient, Member
from ledger.heads import ChainHead


class MemberCache:
    """`ConsortiumClient.member` answers kept until the chain's head moves.

    A member's status and roles change only by a transaction, so an answer read at block N
    holds until block N+1: a suspension or key rotation takes effect within one block (and
    `heads.HEAD_MAX_AGE`). Errors (no such member) are not kept.
    """

    def __init__(self, consortium: ConsortiumClient, head: ChainHead) -> None:
        self.consortium = consortium
        self.head = head
        self._lock = threading.Lock()
        self._block = -1
        self._found: dict[str | int, Member] = {}

    def known(self, address_or_id: str | int) -> Member | None:
        """This block's answer for the member, if one was read; never asks the node (the
        head comes from `ChainHead`, which re-reads it in the background)."""
        block = self.head.block()
        key = address_or_id.lower() if isinstance(address_or_id, str) else address_or_id
        with self._lock:
            return self._found.get(key) if block == self._block else None

    def member(self, address_or_id: str | int) -> Member:
        """The member with this id or current address, as of the latest block; raises
        `TransactionReverted` as `ConsortiumClient.member` does."""
        block = self.head.block()
        key = address_or_id.lower() if isinstance(address_or_id, str) else address_or_id
        with self._lock:
            if block != self._block:
                self._block, self._found = block, {}
            found = self._found.get(key)
        if found is not None:
            return found
        found = self.consortium.member(address_or_id)
        with self._lock:
            if self._block == block:
                self._found[key] = found
        return found
