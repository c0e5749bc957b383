"""The `autoledger` command line: version, compile, and clear errors with non-zero exits."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from api.cli import app
from api.version import VERSION
from tests.conftest import BUILD_CACHE, NODE_MODULES

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == VERSION


def test_compile_lists_contracts(monkeypatch):
    monkeypatch.setenv("AUTOLEDGER_BUILD_DIR", str(BUILD_CACHE))
    monkeypatch.setenv("AUTOLEDGER_NODE_MODULES", str(NODE_MODULES))
    result = runner.invoke(app, ["compile"])
    assert result.exit_code == 0, result.output
    assert "Consortium Consortium.sol" in result.stdout


def test_compile_error_exits_non_zero_with_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "Bad.sol").write_text("pragma solidity ^0.8.24;\ncontract Bad { uint x = ; }\n")
    monkeypatch.setenv("AUTOLEDGER_CONTRACTS_DIR", str(tmp_path))
    monkeypatch.setenv("AUTOLEDGER_VAR_DIR", str(tmp_path / "var"))
    result = runner.invoke(app, ["compile"])
    assert result.exit_code == 1
    assert f"{tmp_path / 'Bad.sol'}:2:" in result.output


def test_bad_setting_exits_2_naming_it(monkeypatch):
    monkeypatch.setenv("AUTOLEDGER_PORT", "not-a-port")
    result = runner.invoke(app, ["compile"])
    assert result.exit_code == 2
    assert "port" in result.output


def test_serve_on_a_busy_port_says_so(monkeypatch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
