"""Helpers shared by the API and CLI tests."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


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


def submit_about(client: Any, caller: Any, case: str, note: str = "") -> None:
    """A digest `caller` submits about case `case`: what makes it a member of the case (who
    may issue the case's access links)."""
    digest = hashlib.sha256(f"about {case} by {caller.member.id} {note}".encode()).hexdigest()
    body = {"document_digest": digest, "evidence_type": "other", "case_reference": case}
    answer = client.post("/v1/evidence/digests", json=body, headers=caller.headers)
    assert answer.status_code in (200, 201), answer.text


def issue_link(client: Any, caller: Any, case: str) -> dict[str, Any]:
    """A borrower's access link for case `case`, issued by `caller` once it is a member of the
    case (`submit_about`): the API's answer, with the link's path and code."""
    submit_about(client, caller, case)
    answer = client.post("/v1/case-links", json={"case_reference": case}, headers=caller.headers)
    assert answer.status_code == 201, answer.text
    issued: dict[str, Any] = answer.json()
    return issued
