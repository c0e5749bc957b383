"""What a running service holds: node, chain, database, keys and contracts."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from api.database import migrate
from api.deployed import (
    NotStarted,
    operator_account,
    record_start,
    recorded_contracts,
    recorded_source_hash,
)
from api.errors import Conflict
from api.members import MemberCache
from api.settings import Settings
from clearing.claim_index import ClaimProjection
from clearing.engine import ClearingEngine
from clearing.service import on_engine_step
from ledger.audit_outcomes import LOT_AUDIT, AuditOutcomeProjection
from ledger.chain import Chain, checksum
from ledger.compiler import Artifacts, cached_artifacts, compile_contracts
from ledger.consortium import ConsortiumClient, Member, Role
from ledger.database import make_engine
from ledger.deployments import Deployed, ensure_deployed
from ledger.errors import ChainUnavailable, LedgerError, NodeError
from ledger.evidence import EvidenceRegistryClient
from ledger.floorplan import FloorPlanClient, LotAuditClient
from ledger.heads import ChainHead
from ledger.indexer import Indexer, WatchedContract, indexed_through
from ledger.journal import Journal, JournalKeeper
from ledger.keyring import DEV_WORK_FACTOR, Keyring
from ledger.member_index import IndexedMembers, MemberProjection
from ledger.node import EmbeddedNode, StateFile, find_anvil
from ledger.plan import deployment_plan
from ledger.read_models import FloorPlanProjection
from ledger.reverts import ErrorDecoder
from ledger.settlement import ClearingClient, SettlementTokenClient
from ledger.transactions import Sender
from notary.anchoring import Anchorer
from notary.blobs import BlobStore
from notary.case_access import CaseAccessDesk
from notary.intake import Intake, case_salt_from
from notary.issuance import ReceiptIssuer
from notary.trust import TrustRoot
from notary.trust_export import consortium_trust_root

log = logging.getLogger("autoledger")

WORKER_STOP_TIMEOUT = 15.0
"""Seconds `close` waits, in all, for the worker threads to finish their step: one anchoring
batch or clearing cycle is sent and waited for in a few seconds, and a step cut short is
resumed on the next start (both are crash-safe), so waiting longer only delays the stop."""

_BLOCK_TIMES_KEPT = 4096
"""Block timestamps `Runtime.block_time` remembers before starting over (a few KiB)."""


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
    journal: Journal
    node: EmbeddedNode | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _block_times: dict[int, int] = field(default_factory=dict)
    _projection: FloorPlanProjection = field(default_factory=FloorPlanProjection)
    _models_checked: bool = False
    _known: tuple[float, int | None] = (float("-inf"), None)
    _times_lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, settings: Settings, *, redeploy: bool = False) -> Runtime:
        """Start (or reach) the chain, migrate the database, compile and deploy.

        With the embedded node, a node already started by another `autoledger` process on
        the same `var/` is joined rather than started twice. On failure, whatever this call
        started is stopped again before the error propagates.
        """
        node, url = _embedded_node(settings) if settings.embedded_node else (None, "")
        url = url or settings.rpc_url or ""
        engine: Engine | None = None
        try:
            chain = Chain(url, finality_depth=settings.finality_depth, gas_price=settings.gas_price)
            engine = make_engine(settings.effective_database_url)
            migrate(engine)
            journal = Journal(
                engine=engine, chain_id=chain.chain_id, durable=_state_file(settings, url)
            )
            artifacts = compile_contracts(
                settings.sources_dir,
                node_modules=settings.node_modules,
                cache_dir=settings.build_cache,
                evm_version=settings.evm_version,
                optimizer_runs=settings.optimizer_runs,
            )
            errors = ErrorDecoder(artifacts.all_abis())
            operator = Sender(chain, operator_account(settings), errors=errors, journal=journal)
            contracts = ensure_deployed(
                engine=engine,
                sender=operator,
                artifacts=artifacts,
                plan=deployment_plan(
                    operator=operator.address, dispute_window=settings.dispute_window
                ),
                redeploy=redeploy,
            )
            record_start(settings, chain_id=chain.chain_id, source_hash=artifacts.source_hash)
        except BaseException:
            if engine is not None:
                engine.dispose()
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
        runtime = cls(
            settings=settings,
            chain=chain,
            engine=engine,
            artifacts=artifacts,
            errors=errors,
            operator=operator,
            contracts=contracts,
            keyring=keyring,
            journal=journal,
            node=node,
        )
        try:
            if settings.dev_mode:
                _grant_dev_roles(runtime)
            else:
                _check_operator_roles(runtime)
        except BaseException:
            runtime.close()
            raise
        return runtime

    @classmethod
    def attach(cls, settings: Settings) -> Runtime:
        """Reach the chain and database of a started service as they are, for commands that
        only read: no migration, no compiling, no deployment check, no dev-role grant (those
        are `start`'s, and cost seconds). The contracts are the deployment recorded for the
        chain and the ABIs the compiler output `start` recorded with it (`api.deployed`).

        Joins the embedded node another process runs, or starts it (and `close` stops it).
        Raises `NotStarted` when nothing was deployed on this chain and database yet.
        """
        node, url = _embedded_node(settings) if settings.embedded_node else (None, "")
        url = url or settings.rpc_url or ""
        engine: Engine | None = None
        try:
            chain = Chain(url, finality_depth=settings.finality_depth, gas_price=settings.gas_price)
            engine = make_engine(settings.effective_database_url)
            source_hash = recorded_source_hash(settings, chain.chain_id)
            artifacts = cached_artifacts(settings.build_cache, source_hash)
            if artifacts is None:
                raise NotStarted(
                    f"the compiler output of the deployment is gone from {settings.build_cache}:"
                    " run `autoledger deploy` again"
                )
            rows = recorded_contracts(engine, chain.chain_id)
            if not rows:
                raise NotStarted(
                    f"no deployment on chain {chain.chain_id} recorded in the database: run"
                    " `autoledger deploy` first"
                )
            journal = Journal(
                engine=engine, chain_id=chain.chain_id, durable=_state_file(settings, url)
            )
        except BaseException:
            if engine is not None:
                engine.dispose()  # its pooled connections, opened reading the records
            if node is not None:
                _release(node, settings)
            raise
        errors = ErrorDecoder(artifacts.all_abis())
        keyring = None
        if settings.keyring_secret is not None:
            keyring = Keyring(
                settings.var_dir / "keys",
                settings.keyring_secret,
                work_factor=DEV_WORK_FACTOR if settings.dev_mode else None,
            )
        return cls(
            settings=settings,
            chain=chain,
            engine=engine,
            artifacts=artifacts,
            errors=errors,
            operator=Sender(chain, operator_account(settings), errors=errors, journal=journal),
            contracts={
                row.name: Deployed(
                    name=row.name,
                    address=checksum(row.address),
                    block_number=row.block_number,
                    fresh=False,
                )
                for row in rows
            },
            keyring=keyring,
            journal=journal,
            node=node,
        )

    @cached_property
    def registry(self) -> EvidenceRegistryClient:
        """The EvidenceRegistry contract, acting as the operator (the notary)."""
        return EvidenceRegistryClient(
            self.operator,
            address=self.contracts["EvidenceRegistry"].address,
            abi=self.artifacts["EvidenceRegistry"].abi,
        )

    @cached_property
    def floorplan(self) -> FloorPlanClient:
        """The FloorPlan contract, acting as the operator (reads, and relaying dealer-signed
        confirmations); act as a member with `floorplan.as_sender(sender_for(address))`."""
        return FloorPlanClient.at(
            self.operator, self.artifacts, self.contracts["FloorPlan"].address
        )

    @cached_property
    def lot_audit(self) -> LotAuditClient:
        """The floor plan's LotAudit contract (deployed by it), acting as the operator."""
        return self.floorplan.lot_audit()

    @cached_property
    def blobs(self) -> BlobStore:
        """The encrypted evidence store under var/blobs."""
        return BlobStore(self.settings.var_dir / "blobs", master_key=self._master_key)

    @cached_property
    def intake(self) -> Intake:
        """Evidence intake (storing files and queuing records)."""
        return Intake(
            engine=self.engine, blobs=self.blobs, case_salt=case_salt_from(self._master_key)
        )

    @cached_property
    def case_access(self) -> CaseAccessDesk:
        """Case access links and codes for borrowers (`notary.case_access`)."""
        return CaseAccessDesk(engine=self.engine, master_key=self._master_key)

    @cached_property
    def anchorer(self) -> Anchorer:
        """The batcher that anchors pending evidence."""
        return Anchorer(
            engine=self.engine, registry=self.registry, batch_size=self.settings.batch_size
        )

    @cached_property
    def issuer(self) -> ReceiptIssuer:
        """Signs receipts with the notary (operator) key."""
        return ReceiptIssuer(
            engine=self.engine,
            notary_key=bytes(self.operator.account.key),
            chain_id=self.chain.chain_id,
            contract=self.registry.address,
        )

    def trust_root(self, *, with_notaries: bool = True) -> TrustRoot:
        """The consortium's trust root (`autoledger trust export`, `GET /v1/trust-root`,
        certificates): with the NOTARY members read from the chain now, or without them
        (no chain call: what certificates and pages print)."""
        return consortium_trust_root(
            chain_id=self.chain.chain_id,
            contracts=self.contracts,
            consortium=self.consortium if with_notaries else None,
        )

    @cached_property
    def _master_key(self) -> bytes:
        return self.settings.master_key_bytes()

    @cached_property
    def indexer(self) -> Indexer:
        """Mirrors the events of every deployed contract into the database, including the
        LotAudit that FloorPlan deploys itself (it has no deployment record of its own)."""
        recorded = Indexer.from_deployments(
            engine=self.engine, chain=self.chain, artifacts=self.artifacts
        )
        contracts = list(recorded.contracts.values())
        if "FloorPlan" in self.contracts:
            contracts.append(
                WatchedContract(
                    name=LOT_AUDIT,
                    address=self.lot_audit.address,
                    abi=self.artifacts["LotAudit"].abi,
                    from_block=self.contracts["FloorPlan"].block_number,
                )
            )
        return Indexer(
            engine=self.engine,
            chain=self.chain,
            contracts=contracts,
            projections=[
                self._projection,
                AuditOutcomeProjection(),
                ClaimProjection(),
                MemberProjection(),
            ],
        )

    def fresh_block(self) -> int:
        """The block the read models reflect, after indexing up to the chain's latest block
        when the index is behind it (in this thread, serialized with the indexer worker).

        One ``eth_blockNumber`` and one cursor read when the index is current: that is what
        makes a write visible on the very next read, whichever process made it."""
        if not self._models_checked:
            with self.engine.connect() as conn:
                missing = self._projection.is_missing(conn, self.chain.chain_id)
            if missing:
                log.info("projecting the indexed events into the read models")
                self.indexer.rebuild()
            self._models_checked = True
        head = self.chain.latest_block()
        through = indexed_through(self.engine, self.chain.chain_id)
        if through is None or through < head:
            self.indexer.run_once(to_block=head)
            through = indexed_through(self.engine, self.chain.chain_id)
        self._known = (time.monotonic(), through)
        return head if through is None else through

    def indexed_block(self) -> int | None:
        """The last block the read models reflect, from the database alone (no chain call
        once the chain id is known; while the node is down, the last block known)."""
        try:
            chain_id = self.chain.chain_id
        except ChainUnavailable:
            return self._known[1]
        block = indexed_through(self.engine, chain_id)
        self._known = (time.monotonic(), block)
        return block

    BLOCK_MEMORY = 0.25
    """Seconds `known_block` answers from memory before asking the database again."""

    def known_block(self) -> int | None:
        """`indexed_block`, remembered for `BLOCK_MEMORY` seconds (or until this process
        moves the index on): what every response's block header says, at almost no cost."""
        at, block = self._known
        if time.monotonic() - at > self.BLOCK_MEMORY:
            return self.indexed_block()
        return block

    def member_now(self, key: int | str) -> Member:
        """Consortium member `key` (id or current address) as of the chain's head, read once
        per block (`members`, the cache authentication uses too)."""
        return self.members.member(key)

    def block_time(self, number: int) -> int:
        """The timestamp of block `number`, each block read once (a live figure, per block)."""
        with self._times_lock:
            known = self._block_times.get(number)
        if known is not None:
            return known
        block = self.chain.rpc(self.chain.w3.eth.get_block, number)
        stamp = int(block["timestamp"])
        with self._times_lock:
            if len(self._block_times) >= _BLOCK_TIMES_KEPT:
                self._block_times.clear()
            self._block_times[number] = stamp
        return stamp

    @cached_property
    def clearing_client(self) -> ClearingClient:
        """The Clearing contract, acting as the operator (reads, relaying debtors' signed
        confirmations); act as a member with `clearing_client.as_sender(sender_for(address))`."""
        return ClearingClient(
            self.operator,
            address=self.contracts["Clearing"].address,
            abi=self.artifacts["Clearing"].abi,
        )

    @cached_property
    def token(self) -> SettlementTokenClient:
        """The SettlementToken contract, acting as the operator (reads); banks and members act
        with `token.as_sender(sender_for(address))`."""
        return SettlementTokenClient(
            self.operator,
            address=self.contracts["SettlementToken"].address,
            abi=self.artifacts["SettlementToken"].abi,
        )

    @cached_property
    def clearing_engine(self) -> ClearingEngine:
        """Settles final claims in cycles signed by the operator (an OPERATOR member, which
        `settleCycle` accepts); after each settled cycle, the liens its payoff claims paid are
        released (`clearing.service.on_engine_step`)."""
        return ClearingEngine(
            engine=self.engine,
            clearing=self.clearing_client,
            token=self.token,
            consortium=self.consortium,
            gridlock=self.settings.clearing_gridlock,
            step=lambda name: on_engine_step(self, name),
        )

    @cached_property
    def journal_keeper(self) -> JournalKeeper:
        """Carries every journaled transaction to final, and repairs after a rollback."""
        return JournalKeeper(journal=self.journal, chain=self.chain, sender_for=self.sender_for)

    def start_workers(self) -> None:
        """Run the background workers (journal keeper, anchoring batcher, event indexer,
        clearing engine every `clearing_interval` seconds; and, with the embedded node, a
        watch that starts it again when it died) in threads until `close`."""
        # A rollback while no service ran is seen before anything new is told final.
        self.journal_keeper.check_rollback()
        workers = {
            "journal": lambda: self.journal_keeper.run(self._stop, interval=1.0),
            "anchoring": lambda: self.anchorer.run(
                self._stop, interval=self.settings.batch_interval
            ),
            "indexer": lambda: _keep_running(self.indexer.run, self._stop, interval=1.0),
            "clearing": lambda: _keep_running(
                self.clearing_engine.run, self._stop, interval=self.settings.clearing_interval
            ),
        }
        if self.settings.embedded_node:
            workers["node"] = lambda: self._watch_node(self._stop)
        for name, work in workers.items():
            thread = threading.Thread(target=work, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _watch_node(self, stop: threading.Event, *, interval: float = 0.5) -> None:
        """Keep the embedded node up: when it died (killed, or the replica that ran it is
        gone), start it again on the same URL from its state file. A node whose state was
        lost since is repaired by the journal keeper (it re-broadcasts what is missing)."""
        while not stop.wait(interval):
            try:
                self.chain.latest_block()
                continue
            except LedgerError:
                pass
            if self.node is not None and self.node.alive():
                continue  # busy, not dead
            try:
                self.node = _restart_embedded_node(self.settings, self.chain.url, self.node)
            except LedgerError as exc:
                log.warning("embedded node is down and could not be started: %s", exc)

    @cached_property
    def consortium(self) -> ConsortiumClient:
        """The Consortium contract, acting as the operator."""
        return ConsortiumClient(
            self.operator,
            address=self.contracts["Consortium"].address,
            abi=self.artifacts["Consortium"].abi,
        )

    @cached_property
    def head(self) -> ChainHead:
        """The chain's latest block number, read at most every `HEAD_MAX_AGE` seconds."""
        return ChainHead(self.chain)

    @cached_property
    def members(self) -> MemberCache:
        """Members as authentication reads them: from the members read model
        (`ledger.member_index`), brought to the chain's head, once per block."""
        head = self.head
        chain_id = self.chain.chain_id

        def catch_up() -> None:
            block = head.block()
            through = indexed_through(self.engine, chain_id)
            if through is None or through < block:
                self.indexer.run_once(to_block=block)

        return MemberCache(IndexedMembers(self.engine, chain_id, catch_up), head)

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
        return Sender(self.chain, account, errors=self.errors, journal=self.journal)

    def close(self) -> None:
        """Stop the workers, release the database, stop the embedded node (it saves state)."""
        self._stop.set()
        deadline = time.monotonic() + WORKER_STOP_TIMEOUT
        for thread in self._threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0))
            if thread.is_alive():
                log.warning("worker %s busy at stop; not waiting", thread.name)
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


def _keep_running(run: Callable[..., None], stop: threading.Event, *, interval: float) -> None:
    """Run a worker loop; when it ends on an error, log it and start it again."""
    while not stop.is_set():
        try:
            run(stop, interval=interval)
        except Exception:
            log.exception("worker stopped on an error; restarting in %ss", 5 * interval)
            stop.wait(5 * interval)


DEV_OPERATOR_ROLES = (Role.NOTARY,)
"""Roles the operator grants itself on a dev chain, so the embedded service can anchor."""


def _grant_dev_roles(runtime: Runtime) -> None:
    """On a dev chain whose quorum is 1, give the operator the roles the workers need."""
    consortium = runtime.consortium
    for role in DEV_OPERATOR_ROLES:
        if role in consortium.member(runtime.operator.address).roles:
            continue
        if consortium.quorum() != 1:
            log.warning("operator lacks %s and the quorum is not 1: anchoring will fail", role)
            continue
        proposal = consortium.propose_grant(runtime.operator.address, role)
        consortium.execute(proposal)
        log.info("granted %s to the operator (dev chain)", role)


def _check_operator_roles(runtime: Runtime) -> None:
    """Outside dev mode roles come from governance only: say how, when one is missing."""
    roles = runtime.consortium.member(runtime.operator.address).roles
    for role in DEV_OPERATOR_ROLES:
        if role not in roles:
            log.warning(
                "operator %s lacks the %s role, so evidence cannot be anchored; the consortium"
                " grants it by vote: autoledger consortium propose grant-role --address %s"
                " --role %s, then vote and execute (docs/network.md)",
                runtime.operator.address,
                role.name,
                runtime.operator.address,
                role.name,
            )


def _node_file(settings: Settings) -> Path:
    from api.discovery import node_file

    return node_file(settings)


def _embedded_node(
    settings: Settings, *, port: int | None = None
) -> tuple[EmbeddedNode | None, str]:
    """Join the embedded node another process runs on this `var/`, or start one (on
    `port`, when given: a node started again keeps its URL). A lock file makes the check and
    the start one step, so replicas that find the node gone at once start it once."""
    lock_path = _node_file(settings).with_suffix(".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _join_or_start(settings, port)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _join_or_start(settings: Settings, port: int | None) -> tuple[EmbeddedNode | None, str]:
    running = _node_file(settings)
    last_port: int | None = None
    if running.is_file():
        try:
            known = json.loads(running.read_text())
            last_port = int(str(known["url"]).rsplit(":", 1)[1])
            os.kill(int(known["pid"]), 0)
            chain = Chain(str(known["url"]))
            chain.latest_block()
            log.info("joining the embedded anvil of pid %s at %s", known["pid"], known["url"])
            return None, str(known["url"])
        except (OSError, ValueError, KeyError, IndexError, LedgerError):
            running.unlink(missing_ok=True)  # left behind by a process that died
    # A node that died is started again at its URL: the replicas still running know it by
    # that URL, and one that starts now must not move it elsewhere under them.
    try:
        node = _new_node(settings, port or last_port)
        url = node.start()
    except NodeError:
        if port is not None or last_port is None:
            raise
        log.warning("port %s of the embedded node is taken; starting it on another", last_port)
        node = _new_node(settings)
        url = node.start()
    running.write_text(json.dumps({"pid": node.pid, "url": url, "owner": os.getpid()}))
    log.info("embedded anvil (pid %s) at %s", node.pid, url)
    return node, url


def _new_node(settings: Settings, port: int | None = None) -> EmbeddedNode:
    return EmbeddedNode(
        anvil=find_anvil(settings.node_modules),
        state_file=settings.var_dir / "anvil" / "state.json",
        log_file=settings.var_dir / "anvil" / "anvil.log",
        port=port,
        block_time=settings.block_time,
    )


def _state_file(settings: Settings, url: str) -> StateFile | None:
    """The embedded node's state file (the journal makes blocks durable in it), else None."""
    if not settings.embedded_node:
        return None
    return StateFile(settings.var_dir / "anvil" / "state.json", url)


def _restart_embedded_node(
    settings: Settings, url: str, node: EmbeddedNode | None
) -> EmbeddedNode | None:
    """Start the embedded node again at `url` unless another process already did; returns
    the node this process now runs, if any."""
    joined, joined_url = _embedded_node(settings, port=int(url.rsplit(":", 1)[1]))
    if joined_url != url:
        if joined is not None:
            _release(joined, settings)
        raise LedgerError(f"the embedded node came back at {joined_url}, not {url}")
    if joined is not None:
        log.warning("embedded node at %s had died; started it again (pid %s)", url, joined.pid)
    return joined if joined is not None else node


def _release(node: EmbeddedNode, settings: Settings) -> None:
    _node_file(settings).unlink(missing_ok=True)
    node.stop()
