"""`autoledger serve` end to end: embedded chain, Ctrl-C leaves no anvil, restart reuses all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ledger.node import free_port
from tests.conftest import BUILD_CACHE

SERVE_TIMEOUT = 90


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "status").read_text()
        except OSError:
            continue
        if text in cmdline and "State:\tZ" not in state:
            found.append(int(entry.name))
    return found


def _serve(var: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLEDGER_")} | {
        "AUTOLEDGER_VAR_DIR": str(var),
        "AUTOLEDGER_BUILD_DIR": str(BUILD_CACHE),
        "AUTOLEDGER_BLOCK_TIME": "0",  # automine: the demo's transactions need no block wait
    }
    cli = Path(sys.executable).parent / "autoledger"
    with open(var.parent / f"serve-{port}.log", "ab") as log:
        return subprocess.Popen(
            [str(cli), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def _health(port: int, server: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, "server exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not answer /v1/health in time")


def _interrupt(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=30) == 0


def _anvil_alive(pid: int) -> bool:
    return str(pid) in {str(p) for p in _processes_mentioning("anvil")}


def test_serve_ctrl_c_and_restart(tmp_path: Path):
    var = tmp_path / "var"
    port = free_port()
    server = _serve(var, port)
    try:
        first = _health(port, server)
        assert first["status"] == "ok"
        assert first["chain"]["node"] == "embedded"
        anvil = int(json.loads((var / "anvil" / "node.json").read_text())["pid"])
        assert _anvil_alive(anvil)
    finally:
        _interrupt(server)
    assert not _anvil_alive(anvil), "Ctrl-C leaves no anvil"
    assert (var / "anvil" / "state.json").is_file(), "the state was dumped before it stopped"

    server = _serve(var, port)
    try:
        second = _health(port, server)
    finally:
        _interrupt(server)
    assert second["contracts"] == first["contracts"]
    assert second["chain"]["latest_block"] >= first["chain"]["latest_block"]
    assert _processes_mentioning(str(var / "anvil" / "state.json")) == []  # loaded it, gone
