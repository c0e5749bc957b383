"""Read commands attach to what `deploy` recorded: no compiler, migration or deployment check."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def test_read_commands_need_no_compiler_after_deploy(cli_env, monkeypatch):
    evidence = cli_env / "call.mp3"
    evidence.write_bytes(b"ID3" + os.urandom(2048))
    stamped = runner.invoke(app, ["stamp", str(evidence), "--case", "CASE-A"])
    assert stamped.exit_code == 0, stamped.output
    public_id = next(w for w in stamped.output.split() if w.startswith("ev_"))
    # Sources and compiler gone: a `start` would fail to compile; the readers do not compile.
    monkeypatch.setenv("AUTOLEDGER_CONTRACTS_DIR", str(cli_env / "no-sources"))
    monkeypatch.setenv("AUTOLEDGER_NODE_MODULES", str(cli_env / "no-node-modules"))
    receipt = runner.invoke(app, ["receipt", public_id])
    assert receipt.exit_code == 0, receipt.output
    body = json.loads(receipt.output)
    written = json.loads((cli_env / "call.mp3.receipt.json").read_text())
    assert body["anchor"]["chain_id"] == 31337
    assert {k: v for k, v in body.items() if k != "signature"} == {
        k: v for k, v in written.items() if k != "signature"
    }
    claims = runner.invoke(app, ["clearing", "claims"])
    assert claims.exit_code == 0, claims.output
    assert claims.output.splitlines()[0].startswith("id\tkind\tstate")
    members = runner.invoke(app, ["consortium", "members"])
    assert members.exit_code == 0, members.output
    assert "active" in members.output
    deploy = runner.invoke(app, ["deploy"])
    assert deploy.exit_code != 0, "deploy compiles, so without sources it must fail"


def test_receipt_of_an_unknown_item_exits_1(cli_env):
    assert runner.invoke(app, ["deploy"]).exit_code == 0
    missing = runner.invoke(app, ["receipt", "ev_000000000000000000000000"])
    assert missing.exit_code == 1 and "no evidence item" in missing.output
