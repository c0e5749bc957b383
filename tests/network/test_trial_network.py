"""The fault trial on the four-signer network: a signer killed, the service's node killed, a
reorg, all while evidence streams in; nothing lost, nothing anchored twice, nothing false final.

Runs against scripts/consortium-net only (deselected without AUTOLEDGER_TEST_RPC_URL). The
trial kills and restarts nodes of that network: the test's own chain fixture is not used.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT

TRIAL_TIMEOUT = 420
"""Seconds: the trial itself takes about two minutes at 1 s blocks."""


def test_faults_lose_nothing_and_anchor_nothing_twice():
    root = os.environ.get("AUTOLEDGER_TEST_NETWORK_ROOT", str(ROOT / "var" / "consortium-net"))
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "trial_network.py"), "--root", root],
        capture_output=True,
        text=True,
        timeout=TRIAL_TIMEOUT,
        cwd=ROOT,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    counts = {k: int(v) for k, v in re.findall(r"^  ([a-z ]+):\s+(\d+)$", out, re.M)}
    assert counts["lost"] == counts["anchored twice"] == counts["false final"] == 0, out
    assert counts["final receipts"] == counts["submitted"] > 0, out
    assert (
        "killed signer node 2" in out and "rejoin" not in out.lower() or "restarted node 2" in out
    )
    assert "failed over to http://127.0.0.1:" in out, out
    assert "was replaced" in out and "indexer: reorg on chain" in out, out
