"""The member cache reads each member once per block, however many requests ask at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import pytest

from api.members import MemberCache
from ledger.consortium import ConsortiumClient
from ledger.heads import ChainHead


class SlowDirectory:
    """Answers `member` after `delay` seconds, as a node under load does; counts the calls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self.lock = threading.Lock()

    def members(self) -> list[Any]:
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        return [Listed(1, "0xAAA"), Listed(2, "0xBbB")]

    def member(self, ref: str | int) -> Any:
        with self.lock:
            self.calls += 1
        time.sleep(self.delay)
        if ref == 404:
            raise LookupError("no such member")
        return ("member", ref, self.calls)


@dataclass(frozen=True)
class Listed:
    id: int
    address: str


class Head:
    def __init__(self) -> None:
        self.number = 10

    def block(self) -> int:
        return self.number


def cache(directory: SlowDirectory, head: Head) -> MemberCache:
    return MemberCache(cast(ConsortiumClient, directory), cast(ChainHead, head))


def ask(members: MemberCache, ref: str | int, times: int) -> list[Any]:
    with ThreadPoolExecutor(max_workers=times) as pool:
        futures = [pool.submit(members.member, ref) for _ in range(times)]
        return [f.result() for f in futures]


def test_concurrent_requests_for_one_member_read_the_chain_once_per_block() -> None:
    directory, head = SlowDirectory(delay=0.2), Head()
    members = cache(directory, head)
    answers = ask(members, 7, 32)
    assert directory.calls == 1
    assert set(answers) == {("member", 7, 1)}
    assert cast(Any, members.known(7)) == ("member", 7, 1)
    head.number = 11  # the head moved: the next request reads again, once
    assert set(ask(members, 7, 32)) == {("member", 7, 2)}
    assert directory.calls == 2
    assert members.reads == 2


def test_addresses_are_one_key_whatever_their_letter_case() -> None:
    directory, head = SlowDirectory(delay=0), Head()
    members = cache(directory, head)
    members.member("0xAbC")
    members.member("0xabc")
    assert directory.calls == 1


def test_a_failed_read_fails_every_waiter_and_is_not_kept() -> None:
    directory, head = SlowDirectory(delay=0.2), Head()
    members = cache(directory, head)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(members.member, 404) for _ in range(8)]
        errors = [f.exception() for f in futures]
    assert all(isinstance(e, LookupError) for e in errors)
    assert directory.calls == 1
    with pytest.raises(LookupError):
        members.member(404)  # asked again, not answered from memory
    assert directory.calls == 2
    assert members.known(404) is None


def test_the_member_list_is_read_once_per_block_and_answers_for_each_member() -> None:
    directory, head = SlowDirectory(delay=0.2), Head()
    members = cache(directory, head)
    with ThreadPoolExecutor(max_workers=16) as pool:
        lists = [f.result() for f in [pool.submit(members.all) for _ in range(16)]]
    assert directory.calls == 1 and all(listed == lists[0] for listed in lists)
    assert cast(Any, members.member(2)) == Listed(2, "0xBbB")
    assert cast(Any, members.member("0xbbb")) == Listed(2, "0xBbB")
    assert directory.calls == 1  # both from the list
    head.number = 11
    members.all()
    assert directory.calls == 2
