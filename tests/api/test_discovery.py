"""The command line finds its ledger, or refuses naming what it looked for; never a new one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.discovery import missing_ledger, record_server, running_server
from api.settings import Settings, default_var_dir, project_root

runner = CliRunner()


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded default (no RPC URL, no database URL) on an empty var folder."""
    for name in list(os.environ):
        if name.startswith("AUTOLEDGER_"):
            monkeypatch.delenv(name)
    var = tmp_path / "var"
    monkeypatch.setenv("AUTOLEDGER_VAR_DIR", str(var))
    monkeypatch.chdir(tmp_path)
    return var


def test_the_default_var_folder_is_the_checkouts_whatever_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    assert default_var_dir() == project_root() / "var"
    monkeypatch.delenv("AUTOLEDGER_VAR_DIR", raising=False)
    assert Settings(dev=True).var_dir == project_root() / "var"


def test_a_command_refuses_where_there_is_no_ledger_and_creates_nothing(embedded: Path):
    refused = runner.invoke(app, ["clearing", "claims"])
    assert refused.exit_code == 2
    assert f"no ledger in {embedded.resolve()}" in refused.output
    assert str(embedded.resolve() / "anvil" / "state.json") in refused.output
    assert str(embedded.resolve() / "autoledger.db") in refused.output
    assert "--init" in refused.output and "autoledger serve" in refused.output
    assert not embedded.exists()
    assert list(embedded.parent.iterdir()) == []  # nothing made in the current folder either


def test_a_ledger_is_the_chain_state_and_the_database(embedded: Path):
    settings = Settings(dev=True, var_dir=embedded)
    (embedded / "anvil").mkdir(parents=True)
    (embedded / "anvil" / "state.json").write_text("{}")
    assert "autoledger.db" in (missing_ledger(settings) or "")
    (embedded / "autoledger.db").write_bytes(b"")
    assert missing_ledger(settings) is None
    outside = Settings(dev=True, var_dir=embedded / "none", rpc_url="http://127.0.0.1:1")
    assert missing_ledger(outside) is None  # an external node: the settings name the ledger


def test_status_without_a_server_says_where_it_looked(embedded: Path):
    missing = runner.invoke(app, ["status"])
    assert missing.exit_code == 1
    assert f"looked for {embedded.resolve() / 'server.json'}" in missing.output
    assert runner.invoke(app, ["status", "--keys"]).stdout.strip() == str(
        embedded.resolve() / "demo-keys.txt"
    )


def test_a_recorded_server_is_found_only_while_its_process_lives(embedded: Path):
    settings = Settings(dev=True, var_dir=embedded)
    record_server(settings, url="http://127.0.0.1:8123", rpc_url="http://127.0.0.1:8124")
    found = running_server(settings)
    assert found is not None and found.url == "http://127.0.0.1:8123"
    assert runner.invoke(app, ["status", "--rpc"]).stdout.strip() == "http://127.0.0.1:8124"
    dead = json.loads((embedded / "server.json").read_text()) | {"pid": 2**22 + 12345}
    (embedded / "server.json").write_text(json.dumps(dead))
    assert running_server(settings) is None
