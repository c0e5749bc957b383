"""Every user guide in docs/guides runs as written against a fresh embedded service.

One `autoledger serve` on a new var folder (the embedded default: its own anvil, SQLite) serves
all guides in turn, as it would serve a newcomer following them one after the other; each
guide's blocks run in one bash process (`tests.docs.guides`). The guides document the embedded
default, so they run on it (SQLite), not on PostgreSQL. The same service's start banner is
checked here too, and its stop: prompt after Ctrl-C, and a restart says where the keys are.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.node import free_port
from tests.conftest import BUILD_CACHE, ROOT
from tests.docs.guides import blocks, run_guide

pytestmark = pytest.mark.anvil  # the guides document the embedded default: its own anvil

GUIDES = ROOT / "docs" / "guides"
ORDER = [
    "operator.md",
    "lender.md",
    "dealer.md",
    "settlement-bank.md",
    "collection-agency.md",
    "legal-team.md",
    "regulator.md",
]
"""Every guide, in the order a newcomer would read them (the operator starts the service)."""

START_TIMEOUT = 240
GUIDE_TIMEOUT = 1200  # a few minutes on a loaded machine; the limit is for a hung command
STOP_BOUND = 40  # the documented bound (about 35 s) and a margin for a loaded machine


@dataclass
class Service:
    """The service the guides run against, and what a guide's shell needs."""

    process: subprocess.Popen[bytes]
    var: Path
    log: Path
    port: int
    env: dict[str, str]


def _start(var: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLEDGER_")} | {
        "AUTOLEDGER_VAR_DIR": str(var),
        "AUTOLEDGER_BUILD_DIR": str(BUILD_CACHE),
        "AUTOLEDGER_PORT": str(port),
        # The guides run cycles themselves; a scheduled one in between would take their claims.
        "AUTOLEDGER_CLEARING_INTERVAL": "3600",
    }
    with open(log, "ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "autoledger"), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited early:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2) as r:
                if json.loads(r.read())["status"] == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"serve did not get healthy in {START_TIMEOUT}s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> float:
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=STOP_BOUND) == 0
    return time.monotonic() - began


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A fresh embedded service; a home folder of its own for the guides' files."""
    base = tmp_path_factory.mktemp("guides")
    var, home, log, port = base / "var", base / "home", base / "serve.log", free_port()
    home.mkdir()
    process = _start(var, port, log)
    try:
        _wait_healthy(port, process, log)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLEDGER_")} | {
            "AUTOLEDGER_VAR_DIR": str(var),
            "HOME": str(home),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        yield Service(process=process, var=var, log=log, port=port, env=env)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_every_guide_is_run_and_has_commands():
    assert sorted(p.name for p in GUIDES.glob("*.md")) == sorted(ORDER)
    for name in ORDER:
        assert blocks(GUIDES / name), f"{name} has no command block"


def test_first_start_prints_keys_one_a_line_and_where_to_go(service: Service):
    banner = service.log.read_text()
    keys = (service.var / "demo-keys.txt").read_text().splitlines()[1:]
    printed = re.findall(r"^  (al_\S+)  member (\d+): (.+)$", banner, flags=re.MULTILINE)
    assert len(printed) == len(keys) == 11  # the operator and the ten demo members
    assert {token for token, _, _ in printed} == {line.split("\t")[4] for line in keys}
    assert f"(kept in {service.var.resolve() / 'demo-keys.txt'})" in banner
    url = f"http://127.0.0.1:{service.port}"
    for path in ("/sign-in", "/lender", "/dealer", "/evidence", "/oversight", "/v1/docs"):
        assert re.search(rf"^  \S.*  {re.escape(url + path)}$", banner, flags=re.MULTILINE), path
    assert "embedded anvil at http://127.0.0.1:" in banner
    for line in banner.splitlines():  # nothing wrapped: every contract line is whole
        if line.startswith("  ") and "(deployed, block" in line:
            assert line.endswith(")"), line


@pytest.mark.parametrize("name", ORDER)
def test_guide_runs_as_written(service: Service, name: str):
    problems = run_guide(GUIDES / name, cwd=ROOT, env=service.env, timeout=GUIDE_TIMEOUT)
    assert not problems, "\n\n".join(problems)


def test_stop_is_prompt_and_a_restart_says_where_the_keys_are(service: Service):
    took = _stop(service.process)
    assert took < STOP_BOUND
    assert not (service.var / "server.json").exists()
    log = service.log.with_name("restart.log")
    again = _start(service.var, service.port, log)
    try:
        _wait_healthy(service.port, again, log)
        text = log.read_text()
        keys = service.var.resolve() / "demo-keys.txt"
        assert f"Demo API keys: in {keys}" in text
        assert "al_" not in text  # no key is printed twice
    finally:
        _stop(again)
