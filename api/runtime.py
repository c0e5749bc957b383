"""What a running service holds: node, chain, database, keys and contracts."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from api.database import migrate
from api.errors import Conflict
from api.settings import Settings
from ledger.chain import Chain, checksum
from ledger.compiler import Artifacts, compile_contracts
from ledger.consortium import ConsortiumClient
from ledger.database import make_engine
from ledger.deployments import Deployed, ensure_deployed
from ledger.errors import LedgerError
from ledger.keyring import DEV_WORK_FACTOR, Keyring
from ledger.keys import dev_account, load_keystore
from ledger.node import EmbeddedNode, find_anvil
from ledger.plan import deployment_plan
from ledger.reverts import ErrorDecoder
from ledger.transactions import Sender

log = logging.getLogger("autoledger")


@dataclass
class Runtime:
    """The started service's parts. Build with `Runtime.start`, end with `close`."""

    settings: Settings
    chain: Chain
    engine: Engine
    artifacts: Artifacts
    errors: ErrorDecoder
    operator: Sender
    contracts: dict[str, Deployed]
    keyring: Keyring | None
    node: EmbeddedNode | None = None

    @classmethod
    def start(cls, settings: Settings, *, redeploy: bool = False) -> Runtime:
        """Start (or reach) the chain, migrate the database, compile and deploy.

        With the embedded node, a node already started by another `autoledger` process on
        the same `var/` is joined rather than started twice. On failure, whatever this call
        started is stopped again before the error propagates.
        """
        node, url = _embedded_node(settings) if settings.embedded_node else (None, "")
        url = url or settings.rpc_url or ""
        try:
            chain = Chain(url, finality_depth=settings.finality_depth, gas_price=settings.gas_price)
            engine = make_engine(settings.effective_database_url)
            migrate(engine)
            artifacts = compile_contracts(
                settings.sources_dir,
                node_modules=settings.node_modules,
                cache_dir=settings.build_cache,
                evm_version=settings.evm_version,
                optimizer_runs=settings.optimizer_runs,
            )
            errors = ErrorDecoder(artifacts.all_abis())
            operator = Sender(chain, operator_account(settings), errors=errors)
            contracts = ensure_deployed(
                engine=engine,
                sender=operator,
                artifacts=artifacts,
                plan=deployment_plan(operator=operator.address),
                redeploy=redeploy,
            )
        except BaseException:
            if node is not None:
                _release(node, settings)
            raise
        secret = settings.keyring_secret
        keyring = None
        if secret is not None:
            keyring = Keyring(
                settings.var_dir / "keys",
                secret,
                work_factor=DEV_WORK_FACTOR if settings.dev_mode else None,
            )
        return cls(
            settings=settings,
            chain=chain,
            engine=engine,
            artifacts=artifacts,
            errors=errors,
            operator=operator,
            contracts=contracts,
            keyring=keyring,
            node=node,
        )

    @property
    def consortium(self) -> ConsortiumClient:
        """The Consortium contract, acting as the operator."""
        return ConsortiumClient(
            self.operator,
            address=self.contracts["Consortium"].address,
            abi=self.artifacts["Consortium"].abi,
        )

    def sender_for(self, address: str) -> Sender:
        """A sender signing as `address`; raises `Conflict` when this service lacks its key."""
        wanted = checksum(address)
        if wanted == self.operator.address:
            return self.operator
        account = self.keyring.get(wanted) if self.keyring is not None else None
        if account is None:
            raise Conflict(
                f"this service does not hold the key of {wanted}; that member signs with its own"
                " service or wallet"
            )
        return Sender(self.chain, account, errors=self.errors)

    def close(self) -> None:
        """Release the database and stop the embedded node (which saves its state)."""
        self.engine.dispose()
        if self.node is not None:
            _release(self.node, self.settings)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def operator_account(settings: Settings) -> LocalAccount:
    """The service's own signing key: the keystore, or anvil's account 0 in dev mode."""
    if settings.keystore is not None:
        assert settings.keystore_password is not None
        return load_keystore(settings.keystore, settings.keystore_password.get_secret_value())
    return dev_account(0)


def _node_file(settings: Settings) -> Path:
    return settings.var_dir / "anvil" / "node.json"


def _embedded_node(settings: Settings) -> tuple[EmbeddedNode | None, str]:
    """Join the embedded node another process runs on this `var/`, or start one."""
    running = _node_file(settings)
    if running.is_file():
        try:
            known = json.loads(running.read_text())
            os.kill(int(known["pid"]), 0)
            chain = Chain(str(known["url"]))
            chain.latest_block()
            log.info("joining the embedded anvil of pid %s at %s", known["pid"], known["url"])
            return None, str(known["url"])
        except (OSError, ValueError, KeyError, LedgerError):
            running.unlink(missing_ok=True)  # left behind by a process that died
    node = EmbeddedNode(
        anvil=find_anvil(settings.node_modules),
        state_file=settings.var_dir / "anvil" / "state.json",
        log_file=settings.var_dir / "anvil" / "anvil.log",
    )
    url = node.start()
    running.write_text(json.dumps({"pid": node.pid, "url": url, "owner": os.getpid()}))
    log.info("embedded anvil (pid %s) at %s", node.pid, url)
    return node, url


def _release(node: EmbeddedNode, settings: Settings) -> None:
    _node_file(settings).unlink(missing_ok=True)
    node.stop()
