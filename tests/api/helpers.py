"""Helpers shared by the API and CLI tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_verify(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `autoledger verify` as a new process with no AutoLedger settings at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLEDGER_")}
    cli = Path(sys.executable).parent / "autoledger"
    return subprocess.run(
        [str(cli), "verify", *args], capture_output=True, text=True, env=env, check=False
    )


def registry_of(trust_file: Path) -> str:
    """The EvidenceRegistry address a trust file pins."""
    return str(json.loads(trust_file.read_text())["evidence_registry"]["address"])


def verify_here(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `autoledger verify` in this process (faster than `run_verify`; the test's own
    AUTOLEDGER_* settings apply), with the answer shaped as `run_verify`'s."""
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["verify", *args])
    return subprocess.CompletedProcess(
        ["autoledger", "verify", *args], result.exit_code, result.stdout, result.stderr
    )
