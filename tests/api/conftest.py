"""A started runtime on the session chain, and an HTTP client over its app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.demo import run_demo
from api.runtime import Runtime
from ledger.consortium import Member
from tests.conftest import BUILD_CACHE, NODE_MODULES


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        yield client


@dataclass(frozen=True)
class Caller:
    """A demo member and its API key."""

    member: Member
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


DEMO_NAMES = (
    "operator",
    "lender",
    "lender2",
    "dealer",
    "dealer2",
    "dealer3",
    "collector",
    "legal",
    "regulator",
    "notary",
    "bank",
)
"""A short name per demo member, in the order `run_demo` admits them."""


def demo_callers(runtime: Runtime) -> dict[str, Caller]:
    """Admit the demo consortium on `runtime`; its members and API keys by short name."""
    members = run_demo(runtime)
    return {n: Caller(m.member, m.token) for n, m in zip(DEMO_NAMES, members, strict=True)}


@pytest.fixture
def demo(runtime: Runtime) -> dict[str, Caller]:
    """The demo consortium, keyed by a short name per member: operator, lender, lender2,
    dealer, dealer2, dealer3, collector, legal, regulator, notary, bank."""
    return demo_callers(runtime)


@pytest.fixture
def cli_env(fresh_chain, database_url, tmp_path, monkeypatch) -> Path:
    """Environment for CLI commands run in-process: the session chain, a fresh database and
    `tmp_path / "var"`, a wide terminal. Returns `tmp_path`."""
    for name, value in {
        "AUTOLEDGER_RPC_URL": fresh_chain.url,
        "AUTOLEDGER_DEV": "1",
        "AUTOLEDGER_VAR_DIR": str(tmp_path / "var"),
        "AUTOLEDGER_DATABASE_URL": database_url,
        "AUTOLEDGER_BUILD_DIR": str(BUILD_CACHE),
        "AUTOLEDGER_NODE_MODULES": str(NODE_MODULES),
        "COLUMNS": "200",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


@pytest.fixture
def stamped(cli_env) -> Path:
    """A folder of two documents stamped by `autoledger stamp` (each with its receipt)."""
    folder = cli_env / "evidence"
    (folder / "calls").mkdir(parents=True)
    (folder / "agreement.pdf").write_bytes(b"%PDF-1.7 signed repayment agreement")
    (folder / "calls" / "call-1.mp3").write_bytes(b"ID3" + os.urandom(4096))
    result = CliRunner().invoke(app, ["stamp", str(folder), "--type", "other", "--case", "CASE-77"])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def trust_file(cli_env) -> Path:
    """The consortium's trust file, written by `autoledger trust export`."""
    path = cli_env / "consortium.json"
    result = CliRunner().invoke(app, ["trust", "export", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path
