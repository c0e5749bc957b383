"""The fault trial, short: real `autoledger serve` processes and their embedded node killed
with SIGKILL under a stream of evidence, advances and a clearing cycle lose nothing. On
PostgreSQL it runs two replicas on one database."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import BUILD_CACHE, ROOT

_spec = importlib.util.spec_from_file_location("trial_crash", ROOT / "scripts" / "trial_crash.py")
assert _spec is not None and _spec.loader is not None
trial_crash = importlib.util.module_from_spec(_spec)
sys.modules["trial_crash"] = trial_crash
_spec.loader.exec_module(trial_crash)

LOSSES = (
    "  lost (no final receipt)",
    "  anchored twice",
    '  receipts "final" that fail on chain',
    "  advances missing on chain",
    "  cycles missing on chain",
    "  settled twice",
)


def test_kills_of_service_and_node_lose_nothing_acknowledged(database_url, tmp_path):
    """SQLite: the node killed alone (the service starts it again), then service and node
    together. PostgreSQL: two replicas; one replica killed (if it ran the node, the other
    starts it again), then a replica and the node together. Blocks every second, as
    `scripts/server` runs the node (on automine a restarted node waits for traffic)."""
    replicas = 2 if database_url.startswith("postgresql") else 1
    modes = ["node", "both"] if replicas == 1 else ["service", "both"]
    args = trial_crash.parser().parse_args(
        [
            "--kills",
            "2",
            "--modes",
            ",".join(modes),
            "--duration",
            "16",
            "--block-time",
            "1",
            "--seed",
            "18",
            "--replicas",
            str(replicas),
            "--build-dir",
            str(BUILD_CACHE),
            "--var",
            str(tmp_path / "var"),
            "--settle-timeout",
            "60",
        ]
        + (["--database-url", database_url] if replicas > 1 else [])
    )
    table = trial_crash.run(args)

    assert table["kills (both / node alone / service alone)"] == 2
    kinds = {"both": "  both", "node": "  node alone", "service": "  service alone"}
    assert all(table[kinds[mode]] == 1 for mode in modes)
    assert table["evidence items acknowledged"] > 0 and table["advances acknowledged"] > 0
    assert table["cycles settled (on chain)"] == 1
    assert {k: table[k] for k in LOSSES} == dict.fromkeys(LOSSES, 0)
    assert (
        table["  with a final receipt that verifies on chain"]
        == table["evidence items acknowledged"]
    )
    assert table["journal entries still open"] == 0
