"""What a running service holds: node, chain, database, signing key and contracts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import TracebackType

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from api.database import migrate
from api.settings import Settings
from ledger.chain import Chain
from ledger.compiler import Artifacts, compile_contracts
from ledger.database import make_engine
from ledger.deployments import Deployed, ensure_deployed
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
    operator: Sender
    contracts: dict[str, Deployed]
    node: EmbeddedNode | None = None
    errors: ErrorDecoder = field(default_factory=ErrorDecoder)

    @classmethod
    def start(cls, settings: Settings, *, redeploy: bool = False) -> Runtime:
        """Start (or reach) the chain, migrate the database, compile and deploy.

        On any failure, whatever was started is stopped again before the error propagates.
        """
        node: EmbeddedNode | None = None
        if settings.embedded_node:
            var = settings.var_dir
            node = EmbeddedNode(
                anvil=find_anvil(settings.node_modules),
                state_file=var / "anvil" / "state.json",
                log_file=var / "anvil" / "anvil.log",
            )
            url = node.start()
            log.info("embedded anvil (pid %s) at %s", node.pid, url)
        else:
            assert settings.rpc_url is not None
            url = settings.rpc_url
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
                node.stop()
            raise
        return cls(
            settings=settings,
            chain=chain,
            engine=engine,
            artifacts=artifacts,
            operator=operator,
            contracts=contracts,
            node=node,
            errors=errors,
        )

    def close(self) -> None:
        """Release the database and stop the embedded node (which saves its state)."""
        self.engine.dispose()
        if self.node is not None:
            self.node.stop()

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
