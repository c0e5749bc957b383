"""Group commit: the writes of concurrent callers committed together, one transaction each group.

A database commit costs one fsync however many rows it holds, so committing each request on
its own caps a service at the disk's fsync rate. `GroupCommit` lets callers that arrive while
another group is being written (or within `window` seconds of the first) share the next
commit. There is no thread of its own: the first caller to find nobody committing leads — it
waits the window, takes every queued payload, flushes them together and wakes the others with
their results; if more arrived meanwhile, the first of them leads the next group. Every caller
returns only after the transaction holding its payload committed (or with its own error).

`flush` gets the group's payloads in arrival order and returns one result per payload, or the
exception that payload alone failed with; an error one payload causes must not fail the
others (retry them one by one when the group's transaction fails as a whole).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

P = TypeVar("P")
R = TypeVar("R")

DEFAULT_WINDOW = 0.002
"""Seconds the leader of a group waits for companions: a few ms is far below a request's own
cost, and under load the companions arrive while the previous group is being written anyway."""


class _Waiter(Generic[P, R]):
    """One caller's payload, and the result or error the group's flush gave it."""

    __slots__ = ("payload", "weight", "wake", "leads", "result", "error")

    def __init__(self, payload: P, weight: int) -> None:
        self.payload = payload
        self.weight = weight
        self.wake = threading.Event()
        self.leads = False
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[P, R]):
    """Runs `flush` over the payloads of concurrent `submit` calls, a group at a time.

    `max_weight` bounds a group (by the weights callers give, e.g. rows): a group takes queued
    payloads in order until the next would pass it, and always at least one.
    """

    def __init__(
        self,
        flush: Callable[[Sequence[P]], Sequence[R | BaseException]],
        *,
        window: float = DEFAULT_WINDOW,
        max_weight: int = 5000,
    ) -> None:
        self._flush = flush
        self.window = window
        self.max_weight = max_weight
        self._lock = threading.Lock()
        self._queue: deque[_Waiter[P, R]] = deque()
        self._busy = False
        self.groups = 0
        """Groups flushed so far (for metrics and tests)."""
        self.payloads = 0
        """Payloads flushed so far."""

    def submit(self, payload: P, *, weight: int = 1) -> R:
        """Flush `payload` in the next group; its result, or raises the error it failed with."""
        waiter: _Waiter[P, R] = _Waiter(payload, weight)
        with self._lock:
            self._queue.append(waiter)
            leads = not self._busy
            self._busy = True
        if not leads:
            waiter.wake.wait()
        if waiter.leads or leads:
            self._lead()
        if waiter.error is not None:
            raise waiter.error
        return waiter.result  # type: ignore[return-value]

    def _lead(self) -> None:
        """Take a group off the queue, flush it, wake its callers and hand on the lead."""
        if self.window > 0:
            time.sleep(self.window)
        with self._lock:
            group: list[_Waiter[P, R]] = []
            weight = 0
            while self._queue and (not group or weight + self._queue[0].weight <= self.max_weight):
                weight += self._queue[0].weight
                group.append(self._queue.popleft())
        try:
            results = self._flush([w.payload for w in group])
            if len(results) != len(group):
                raise RuntimeError(f"flush gave {len(results)} results for {len(group)} payloads")
            for waiter, result in zip(group, results, strict=True):
                if isinstance(result, BaseException):
                    waiter.error = result
                else:
                    waiter.result = result
        except BaseException as exc:  # a flush that breaks fails its own group, not the next
            for waiter in group:
                waiter.error = exc
        finally:
            with self._lock:
                self.groups += 1
                self.payloads += len(group)
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].wake.set()
                else:
                    self._busy = False
            for waiter in group:
                waiter.wake.set()
