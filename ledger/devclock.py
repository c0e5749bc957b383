"""The dev chain's clock: move an anvil node's time forward (local development only).

Claims become final a dispute window (days) after confirmation and curtailments fall due after
weeks; on a local chain a developer moves the clock instead of waiting. `evm_increaseTime` and
`evm_mine` are anvil's (and Hardhat's) calls, not standard JSON-RPC: production code never uses
this module, and `autoledger dev advance-time` refuses outside dev mode.
"""

from __future__ import annotations

import re
from typing import Any

from ledger.chain import Chain
from ledger.errors import ChainUnavailable, NodeError

_DURATION = re.compile(r"(\d+)([smhdw]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}

MAX_ADVANCE = 10 * 365 * 86_400
"""Longest single move (ten years): more is a typo, and would push block times past any
due date a test world holds."""


def parse_duration(text: str) -> int:
    """Seconds in `text`: digits with an optional unit (s, m, h, d, w), summed over parts, e.g.
    ``3d``, ``90m``, ``1d12h``, ``3600``. Raises `ValueError` naming the text otherwise."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(f"{text!r} is not a duration such as 3d, 12h, 90m or 3600 (seconds)")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if not 0 < seconds <= MAX_ADVANCE:
        raise ValueError(f"{text!r}: a duration must be more than 0 and at most ten years")
    return seconds


def advance_time(chain: Chain, seconds: int) -> int:
    """Move the node's clock `seconds` forward and mine a block; return that block's time.

    Raises `NodeError` when the node refuses (not an anvil/Hardhat dev node)."""
    _call(chain, "evm_increaseTime", [seconds])
    _call(chain, "evm_mine", [])
    block = chain.rpc(chain.w3.eth.get_block, "latest")
    return int(block["timestamp"])


def _call(chain: Chain, method: str, params: list[Any]) -> None:
    try:
        answer = chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
    except (OSError, ChainUnavailable) as exc:
        raise NodeError(f"{method} at {chain.url}: {exc}") from exc
    if "error" in answer:
        raise NodeError(
            f"the node at {chain.url} refused {method} (not a dev node?): {answer['error']}"
        )
