"""Group commit: concurrent callers share a flush, each gets its own answer or error."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from notary.groupcommit import GroupCommit


def _run_concurrently(count: int, work) -> list[object]:
    """`work(i)` in `count` threads started together; each result or raised exception."""
    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_callers_share_groups_and_get_their_own_results():
    flushed: list[list[int]] = []

    def flush(payloads: Sequence[int]) -> list[int | BaseException]:
        flushed.append(list(payloads))
        time.sleep(0.01)  # a commit's fsync: callers arriving meanwhile wait for the next group
        return [p * 10 for p in payloads]

    group: GroupCommit[int, int] = GroupCommit(flush, window=0.005)
    results = _run_concurrently(32, lambda i: group.submit(i))
    assert results == [i * 10 for i in range(32)]
    assert sorted(p for g in flushed for p in g) == list(range(32))
    assert len(flushed) < 8, f"32 callers took {len(flushed)} flushes"
    assert group.groups == len(flushed) and group.payloads == 32


def test_one_payloads_error_is_its_own():
    def flush(payloads: Sequence[int]) -> list[int | BaseException]:
        return [ValueError(f"bad {p}") if p % 5 == 0 else p for p in payloads]

    group: GroupCommit[int, int] = GroupCommit(flush, window=0.005)
    results = _run_concurrently(20, lambda i: group.submit(i))
    for i, result in enumerate(results):
        if i % 5 == 0:
            assert isinstance(result, ValueError) and str(result) == f"bad {i}"
        else:
            assert result == i


def test_a_broken_flush_fails_its_group_and_the_next_group_still_runs():
    calls = 0

    def flush(payloads: Sequence[str]) -> list[str | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")
        return [p.upper() for p in payloads]

    group: GroupCommit[str, str] = GroupCommit(flush, window=0)
    with pytest.raises(RuntimeError, match="disk full"):
        group.submit("a")
    assert group.submit("b") == "B"


def test_groups_are_bounded_by_weight():
    sizes: list[int] = []

    def flush(payloads: Sequence[int]) -> list[int | BaseException]:
        sizes.append(sum(payloads))
        time.sleep(0.005)
        return list(payloads)

    group: GroupCommit[int, int] = GroupCommit(flush, window=0.005, max_weight=10)
    results = _run_concurrently(12, lambda i: group.submit(4, weight=4))
    assert results == [4] * 12
    assert max(sizes) <= 10 and sum(sizes) == 48
