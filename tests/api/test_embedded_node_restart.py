"""The embedded node, killed, comes back at the URL the other replicas know it by.

Seen in the two-replica crash trial: replica 1 died with the node and, started again, put a
new node on a new port; replica 0, which had kept running, stayed bound to the old URL and
never answered healthy again."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from api.runtime import _embedded_node, _release
from api.settings import Settings
from tests.conftest import BUILD_CACHE


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"anvil {pid} did not die")


def test_a_killed_node_started_by_a_new_process_keeps_its_url(tmp_path: Path):
    settings = Settings(var_dir=tmp_path / "var", build_dir=BUILD_CACHE, block_time=0)
    first, url = _embedded_node(settings)
    assert first is not None and first.pid is not None
    try:
        os.kill(first.pid, signal.SIGKILL)  # the node dies with the process that ran it
        first._process.wait()  # type: ignore[union-attr]
        _wait_gone(first.pid)
        node_file = settings.var_dir / "anvil" / "node.json"
        assert json.loads(node_file.read_text())["url"] == url, "left behind by the dead owner"

        again, again_url = _embedded_node(settings)  # a replica started again, no port given

        assert again is not None and again.pid != first.pid
        assert again_url == url
        joined, joined_url = _embedded_node(settings)  # the replica that kept running
        assert joined is None and joined_url == url
    finally:
        for node in (first, locals().get("again")):
            if node is not None:
                _release(node, settings)
