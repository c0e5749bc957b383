"""Shared fixtures: one real chain per test session, real databases, compiled contracts.

The chain is an anvil the session starts, or the node(s) named by `AUTOLEDGER_TEST_RPC_URL`
(comma-separated; e.g. scripts/consortium-net's four geth nodes): the suite then runs on
them with the anvil dev accounts, which that network prefunds. Tests that need anvil itself
(`anvil_*`/`evm_*` calls: snapshots, time travel, forced reorgs, a second anvil) carry
`@pytest.mark.anvil`, and so does every test that asks for the `anvil` fixture; run with
`-m "not anvil"` against an external node. Such a run refuses to start an anvil.
The tests of tests/network (faults on a multi-node network) run only against one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from api.database import migrate
from api.runtime import Runtime
from api.settings import Settings
from ledger.chain import Chain
from ledger.compiler import Artifacts, compile_contracts
from ledger.database import make_engine
from ledger.keys import dev_account
from ledger.node import EmbeddedNode, find_anvil
from ledger.nonces import resync_all
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
CONTRACTS = ROOT / "contracts"
TEST_CONTRACTS = ROOT / "tests" / "contracts"
BUILD_CACHE = ROOT / "var" / "test-build"
PG_URL = os.environ.get("AUTOLEDGER_TEST_DATABASE_URL")
EXTERNAL_RPC_URL = os.environ.get("AUTOLEDGER_TEST_RPC_URL") or None
FINALITY_DEPTH = int(os.environ.get("AUTOLEDGER_TEST_FINALITY_DEPTH") or 0)

DATABASES = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(scope="session")
def artifacts() -> Artifacts:
    """The production contracts plus the test-only ones, compiled once (cached across runs)."""
    return compile_contracts(
        CONTRACTS, node_modules=NODE_MODULES, cache_dir=BUILD_CACHE, extra_sources=[TEST_CONTRACTS]
    )


NETWORK_TESTS = ROOT / "tests" / "network"
"""Tests of an external multi-node network (faults, fail-over): they run only against one."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that asks for the `anvil` fixture needs anvil: mark it so. Without an external
    node, deselect (and so report) the tests of tests/network."""
    for item in items:
        if "anvil" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.anvil)
    if EXTERNAL_RPC_URL:
        return
    network = [item for item in items if NETWORK_TESTS in Path(str(item.path)).parents]
    if network:
        config.hook.pytest_deselected(items=network)
        items[:] = [item for item in items if item not in network]


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNode]:
    """The session's anvil node (no state file: it starts empty)."""
    if EXTERNAL_RPC_URL:
        pytest.fail(
            "this test needs anvil, but AUTOLEDGER_TEST_RPC_URL names an external node:"
            ' deselect it with -m "not anvil"'
        )
    log = tmp_path_factory.mktemp("anvil") / "anvil.log"
    with EmbeddedNode(anvil=find_anvil(NODE_MODULES), log_file=log) as node:
        yield node


@pytest.fixture(scope="session")
def chain_url(request: pytest.FixtureRequest) -> str:
    """The JSON-RPC URL(s) of the session's chain: AUTOLEDGER_TEST_RPC_URL, or the anvil's."""
    if EXTERNAL_RPC_URL:
        return EXTERNAL_RPC_URL
    node: EmbeddedNode = request.getfixturevalue("anvil")
    return node.url


@pytest.fixture(scope="session")
def chain(chain_url: str) -> Chain:
    return Chain(chain_url, finality_depth=FINALITY_DEPTH)


@pytest.fixture(scope="session")
def verify_url(chain: Chain) -> str:
    """The URL verifiers use: on an external network the last node named, so receipts are
    checked on another node than the one the service sends to."""
    return chain.urls[-1]


@pytest.fixture(scope="session")
def errors(artifacts: Artifacts) -> ErrorDecoder:
    return ErrorDecoder(artifacts.all_abis())


@pytest.fixture(scope="session")
def operator(chain: Chain, errors: ErrorDecoder) -> Sender:
    """Sends from anvil's account 0."""
    return Sender(chain, dev_account(0), errors=errors)


@contextmanager
def reverted_after(chain: Chain) -> Iterator[None]:
    """On anvil, undo what the block did to the chain (evm_snapshot, then evm_revert).

    An external node has no snapshots: the chain keeps what the block did, and tests stay
    apart by deploying their own contracts (as they all do). Nonces are re-read either way.
    """
    if EXTERNAL_RPC_URL:
        yield
        resync_all()
        return
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    resync_all()


@pytest.fixture
def fresh_chain(chain: Chain) -> Iterator[Chain]:
    """The session chain, reverted to its state before the test when the test ends (on
    anvil; see `reverted_after`)."""
    with reverted_after(chain):
        yield chain


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL database made for this session (None without AUTOLEDGER_TEST_DATABASE_URL)."""
    if not PG_URL:
        yield None
        return
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"autoledger_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None
) -> Iterator[str]:
    """An empty database: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    assert postgres_url is not None
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield postgres_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database engine (SQLite, and PostgreSQL when configured)."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def runtime(fresh_chain: Chain, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        rpc_url=fresh_chain.url,
        finality_depth=fresh_chain.finality_depth,
        dev=True,
        var_dir=tmp_path,
        database_url=database_url,
        node_modules=NODE_MODULES,
        build_dir=BUILD_CACHE,
    )
    with Runtime.start(settings) as runtime:
        yield runtime
