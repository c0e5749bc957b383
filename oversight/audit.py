"""The audit trail: the database checked against the chain, and the regulator's signed export.

`Auditor.verify` checks, and reports every discrepancy one by one (what, where, expected and
found):

- **events**: the logs of every watched contract up to the indexer's cursor are read again
  from the node, in chunks, into a scratch database by a fresh `ledger.indexer.Indexer` (the
  same decoding), then compared row by row with the stored events by (block, log index):
  block hash and time, transaction hash and index, contract, address, event name and every
  decoded argument. An event on chain and not stored is *missing*; a stored one that is not
  on chain (or stored above the cursor) is *extra*; a field that differs is *altered*. The
  cursor's own block must still be canonical.
- **evidence items and blobs**: each item's leaf hash is the hash of its stored record, and
  the record names the item's digest, type and case; each stored blob still decrypts,
  authenticated, to bytes hashing to that digest. Items whose personal data was forgotten
  (key destroyed) are listed as forgotten, not failed.
- **batches and the evidence log**: the notary's evidence log is one RFC 6962 tree over the
  leaves of all its batches in order, and each batch anchors the log's root after it. The
  stored leaves are appended batch by batch (`notary.merkle.LogTree`, O(leaves) in all): each
  batch must start where the log ends, at the log positions it records, and give its stored
  root; that root must be on chain (a `BatchAnchored` event of the EvidenceRegistry) in the
  recorded block, with the recorded log size and sequence, logged by the recorded
  transaction. Since every anchored root is then the root of a prefix of the one stored log,
  the stored history is append-only and matches every root the chain holds: no leaf was
  changed, dropped, reordered or inserted after its batch was anchored (any such change
  alters the roots of that batch and all later ones). What ties it to the past beyond the
  chain is the optional *checkpoint*: a (size, root) of the log that a regulator noted from
  an earlier report, which today's log must extend (a consistency proof from it to the
  current log). Batches from before evidence logs (no `log_start`) are each checked as a tree
  of their own items and are not part of the log.

The export bundle (`export_bundle`) is a zip of ``events.jsonl``, ``batches.jsonl``,
``violations.jsonl``, one ``receipts/<id>.receipt.json`` per evidence item anchored in the
range, and ``manifest.json``: the SHA-256 and size of every other file, signed by the operator
key with EIP-191 personal_sign over the manifest's RFC 8785 canonical form without its
`signature` member, as receipts are. `verify_bundle` checks one offline.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from http.client import HTTPException
from pathlib import Path
from typing import IO, Any, Protocol

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.crypto import keccak
from sqlalchemy import Engine, or_, select
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sqlmodel_select

from clearing.claim_index import claim_drift
from ledger.chain import Chain
from ledger.consortium import ConsortiumClient
from ledger.database import make_engine
from ledger.deployments import Deployed
from ledger.evidence import EvidenceRegistryClient
from ledger.floorplan import FloorPlanClient
from ledger.indexer import Indexer, WatchedContract
from ledger.journal import Journal
from ledger.logs import DEFAULT_CHUNK
from ledger.member_index import member_drift
from ledger.models import IndexedBlock, IndexedContract, IndexedEvent, IndexerCursor
from ledger.read_models import Drift, FloorPlanIndex, drift
from ledger.settlement import ClearingClient
from ledger.transactions import Sender
from notary.blobs import BlobCorrupted, BlobError, BlobNotFound, BlobStore
from notary.compliance_models import ComplianceViolation
from notary.digests import parse_digest
from notary.errors import NotaryError
from notary.issuance import ReceiptIssuer
from notary.merkle import EMPTY_ROOT, LogTree, MerkleTree, verify_consistency
from notary.models import AnchorBatch, EvidenceItem
from notary.receipts import NO_TRUST_ROOT, SIGNATURE_SCHEME, http_json_rpc, verify_receipt
from notary.records import EvidenceRecord, canonicalize, format_timestamp, parse_json
from notary.trust import TrustRoot


class Runtime(Protocol):
    """What audit verify and export use of a started service (`api.runtime.Runtime` is one)."""

    @property
    def chain(self) -> Chain: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def indexer(self) -> Indexer: ...

    @property
    def registry(self) -> EvidenceRegistryClient: ...

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def issuer(self) -> ReceiptIssuer: ...

    @property
    def contracts(self) -> dict[str, Deployed]: ...

    @property
    def operator(self) -> Sender: ...

    @property
    def floorplan(self) -> FloorPlanClient: ...

    @property
    def clearing_client(self) -> ClearingClient: ...

    @property
    def consortium(self) -> ConsortiumClient: ...


BUNDLE_FORMAT = "autoledger-audit-bundle"
"""The `format` member of a bundle's manifest."""

BUNDLE_VERSION = 1
"""The bundle layout this module writes and verifies."""

MANIFEST = "manifest.json"

PAGE = 1000
"""Rows read from the database per query while streaming events, items and batches."""

RPC_TIMEOUT = 10.0
"""Seconds per JSON-RPC request of `verify_bundle`'s chain checks."""

_EVENTS = IndexedEvent.__table__  # type: ignore[attr-defined]
_LEDGER_TABLES = [
    IndexedEvent.__table__,  # type: ignore[attr-defined]
    IndexedBlock.__table__,  # type: ignore[attr-defined]
    IndexerCursor.__table__,  # type: ignore[attr-defined]
    IndexedContract.__table__,  # type: ignore[attr-defined]
]
_COMPARED = ("block_hash", "block_time", "tx_hash", "tx_index", "contract", "address", "event")


class AuditError(Exception):
    """The audit cannot run or the export cannot be written; the message says why."""


# -- the report -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Discrepancy:
    """One difference between the database and the chain (or within the stored evidence).

    `check` is the part of the audit (``events``, ``items``, ``blobs``, ``batches``,
    ``evidence_log``), `kind` what is wrong, `where` which object, `expected` what the chain
    (or the hash) says and `found` what the database holds.
    """

    check: str
    kind: str
    where: str
    expected: str | None
    found: str | None

    def to_object(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "check": self.check,
            "kind": self.kind,
            "where": self.where,
            "expected": self.expected,
            "found": self.found,
        }

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: expected {self.expected}, found {self.found}"


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """A size and root of the evidence log, as an earlier report gave them."""

    size: int
    root: str

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """From ``SIZE:ROOT`` (root as 64 hex digits); raises `ValueError`."""
        size, _, root = text.partition(":")
        if not size.isdigit() or not root:
            raise ValueError(f"checkpoint {text!r} is not SIZE:ROOT")
        try:
            return cls(size=int(size), root=parse_digest(root))
        except NotaryError as exc:
            raise ValueError(f"checkpoint root: {exc}") from exc


@dataclass
class AuditReport:
    """What `Auditor.verify` checked and every discrepancy it found (`ok` when none)."""

    chain_id: int
    latest_block: int
    indexed_through: int | None = None
    indexed_hash: str | None = None
    events_stored: int = 0
    events_on_chain: int = 0
    items_checked: int = 0
    blobs_checked: int = 0
    forgotten: list[str] = field(default_factory=list)
    batches_checked: int = 0
    log_size: int = 0
    log_root: str = ""
    checkpoint: Checkpoint | None = None
    discrepancies: list[Discrepancy] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    journal: dict[str, int] = field(default_factory=dict)
    rollbacks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing was found wrong."""
        return not self.discrepancies

    def add(self, check: str, kind: str, where: str, expected: Any, found: Any) -> None:
        """Record one discrepancy."""
        self.discrepancies.append(
            Discrepancy(
                check=check,
                kind=kind,
                where=where,
                expected=None if expected is None else str(expected),
                found=None if found is None else str(found),
            )
        )

    def to_object(self) -> dict[str, Any]:
        """As a JSON object (the API's answer; the CLI prints the same figures)."""
        return {
            "ok": self.ok,
            "chain_id": self.chain_id,
            "latest_block": self.latest_block,
            "indexed_through": self.indexed_through,
            "indexed_hash": self.indexed_hash,
            "events": {"stored": self.events_stored, "on_chain": self.events_on_chain},
            "evidence": {
                "items": self.items_checked,
                "blobs": self.blobs_checked,
                "forgotten": self.forgotten,
            },
            "batches": self.batches_checked,
            "evidence_log": {"size": self.log_size, "root": self.log_root},
            "checkpoint": (
                {"size": self.checkpoint.size, "root": self.checkpoint.root}
                if self.checkpoint
                else None
            ),
            "discrepancies": [d.to_object() for d in self.discrepancies],
            "notes": self.notes,
            "journal": self.journal,
            "rollbacks": self.rollbacks,
        }


# -- the auditor --------------------------------------------------------------------------------


class Auditor:
    """Checks `engine`'s database against `chain` (see the module docstring).

    `contracts` are the contracts whose events must all be in the database; `registry` is the
    EvidenceRegistry; `blobs` the evidence store. `chunk` bounds the blocks of one
    ``eth_getLogs``. `progress` is told the name of each phase as it starts.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        chain: Chain,
        contracts: Sequence[WatchedContract],
        registry: EvidenceRegistryClient,
        blobs: BlobStore,
        journal: Journal | None = None,
        chunk: int = DEFAULT_CHUNK,
        progress: Callable[[str], None] = lambda _: None,
        floor_plan: FloorPlanClient | None = None,
        clearing: ClearingClient | None = None,
        consortium: ConsortiumClient | None = None,
    ) -> None:
        self.floor_plan = floor_plan
        self.clearing = clearing
        self.consortium = consortium
        self.engine = engine
        self.journal = journal
        self.chain = chain
        self.contracts = list(contracts)
        self.registry = registry
        self.blobs = blobs
        self.chunk = chunk
        self.progress = progress

    @classmethod
    def of(cls, runtime: Runtime, *, progress: Callable[[str], None] = lambda _: None) -> Auditor:
        """The auditor of a started service: every contract its indexer watches."""
        contracts = list(runtime.indexer.contracts.values())
        return cls(
            engine=runtime.engine,
            chain=runtime.chain,
            contracts=contracts,
            registry=runtime.registry,
            blobs=runtime.blobs,
            journal=runtime.journal,
            progress=progress,
            floor_plan=runtime.floorplan if "FloorPlan" in runtime.contracts else None,
            clearing=runtime.clearing_client if "Clearing" in runtime.contracts else None,
            consortium=runtime.consortium if "Consortium" in runtime.contracts else None,
        )

    def verify(self, *, checkpoint: Checkpoint | None = None) -> AuditReport:
        """Run every check; never raises for what it finds (`ChainUnavailable` propagates)."""
        report = AuditReport(
            chain_id=self.chain.chain_id,
            latest_block=self.chain.latest_block(),
            checkpoint=checkpoint,
        )
        self.progress("events")
        self.check_events(report)
        self.progress("read models")
        self.check_read_models(report)
        self.progress("evidence")
        self.check_items(report)
        self.progress("batches")
        self.check_batches(report, checkpoint)
        if self.journal is not None:
            self.progress("journal")
            self.check_journal(report, self.journal)
        return report

    # -- read models ----------------------------------------------------------------------------

    def check_read_models(self, report: AuditReport) -> None:
        """Compare the floor-plan and claim read models with the contracts' views at the
        indexed block (`ledger.read_models.drift`, `clearing.claim_index.claim_drift`): a
        projection that drifted is a discrepancy."""
        block = report.indexed_through
        if block is None:
            return
        stamp = int(self.chain.rpc(self.chain.w3.eth.get_block, block)["timestamp"])
        found: list[Drift] = []
        if self.floor_plan is not None:
            index = FloorPlanIndex(self.engine, report.chain_id, block=block, now=stamp)
            found += drift(index, self.floor_plan)
        if self.clearing is not None:
            found += claim_drift(self.engine, self.clearing, block=block, now=stamp)
        if self.consortium is not None:
            found += member_drift(self.engine, self.consortium, block=block)
        for problem in found:
            report.add("read_models", "drift", problem.where, problem.chain, problem.read_model)

    def check_journal(self, report: AuditReport, journal: Journal) -> None:
        """Report every rollback the journal keeper saw and what it repaired; a journaled
        transaction lost to one (its call reverts when signed again) is a discrepancy."""
        report.journal = journal.counts()
        for repair in journal.repairs():
            rollback = repair.rollback
            report.rollbacks.append(repair.to_object())
            report.notes.append(
                f"rollback seen {rollback.detected_at:%Y-%m-%d %H:%M:%S}: the chain went back"
                f" below block {rollback.final_block} (head {rollback.head_block});"
                f" {rollback.reopened} final transactions reopened: {repair.final} final"
                f" again, {repair.resigned} signed again, {repair.pending} still pending,"
                f" {len(repair.lost)} lost"
            )
            for entry in repair.lost:
                report.add(
                    "journal",
                    "lost_after_rollback",
                    f"journal entry {entry.id} ({entry.purpose}, {entry.tx_hash})",
                    "final on chain",
                    entry.note or entry.status,
                )

    # -- events ---------------------------------------------------------------------------------

    def check_events(self, report: AuditReport) -> None:
        """Compare every stored event with the chain's logs up to the cursor."""
        chain_id = report.chain_id
        with self.engine.connect() as conn:
            cursor = conn.execute(
                select(IndexerCursor.__table__).where(  # type: ignore[attr-defined]
                    IndexerCursor.__table__.c.chain_id == chain_id  # type: ignore[attr-defined]
                )
            ).first()
        watched = {c.address.lower() for c in self.contracts}
        with self.engine.connect() as conn:
            indexed = {
                str(a).lower()
                for (a,) in conn.execute(
                    select(IndexedContract.__table__.c.address).where(  # type: ignore[attr-defined]
                        IndexedContract.__table__.c.chain_id == chain_id  # type: ignore[attr-defined]
                    )
                )
            }
        for contract in self.contracts:
            if indexed and contract.address.lower() not in indexed:
                report.notes.append(
                    f"{contract.name} at {contract.address} is not among the contracts the"
                    " indexer watches: any event of it is reported missing"
                )
        if cursor is None:
            report.notes.append("nothing is indexed yet on this chain: no event to compare")
            for row in _event_rows(self.engine, chain_id):
                report.events_stored += 1
                report.add(
                    "events",
                    "event_extra",
                    _where(row),
                    "no stored event before the indexer's first step",
                    "a stored event",
                )
            return
        number, block_hash = int(cursor.block_number), str(cursor.block_hash)
        report.indexed_through, report.indexed_hash = number, block_hash
        canonical = self.chain.rpc(self.chain.w3.eth.get_block, number)
        canonical_hash = "0x" + bytes(canonical["hash"]).hex()
        if canonical_hash != block_hash:
            report.add(
                "events",
                "cursor_not_canonical",
                f"indexer cursor at block {number}",
                canonical_hash,
                block_hash,
            )
        if report.latest_block > number:
            report.notes.append(
                f"blocks {number + 1}-{report.latest_block} are not indexed yet: not compared"
            )
        with tempfile.TemporaryDirectory(prefix="autoledger-audit-") as scratch_dir:
            scratch = make_engine(f"sqlite:///{Path(scratch_dir) / 'chain.db'}")
            try:
                SQLModel.metadata.create_all(scratch, tables=_LEDGER_TABLES)
                Indexer(
                    engine=scratch, chain=self.chain, contracts=self.contracts, chunk=self.chunk
                ).run_once(to_block=number)
                self._compare(report, scratch, number, watched)
            finally:
                scratch.dispose()

    def _compare(
        self, report: AuditReport, scratch: Engine, cursor: int, watched: set[str]
    ) -> None:
        chain_id = report.chain_id
        stored = _event_rows(self.engine, chain_id)
        fresh = _event_rows(scratch, chain_id, to_block=cursor)
        a, b = next(stored, None), next(fresh, None)
        while a is not None or b is not None:
            key_a = (a["block_number"], a["log_index"]) if a is not None else None
            key_b = (b["block_number"], b["log_index"]) if b is not None else None
            if a is not None and (key_b is None or (key_a is not None and key_a < key_b)):
                report.events_stored += 1
                above = a["block_number"] > cursor
                report.add(
                    "events",
                    "event_extra",
                    _where(a),
                    f"nothing above the cursor (block {cursor})" if above else "no such log",
                    f"{a['contract']}.{a['event']} {_args_text(a['args'])}",
                )
                a = next(stored, None)
            elif b is not None and (key_a is None or (key_b is not None and key_b < key_a)):
                report.events_on_chain += 1
                report.add(
                    "events",
                    "event_missing",
                    _where(b, row_id=False),
                    f"{b['contract']}.{b['event']} {_args_text(b['args'])}",
                    "no stored event",
                )
                b = next(fresh, None)
            else:
                assert a is not None and b is not None
                report.events_stored += 1
                report.events_on_chain += 1
                self._compare_rows(report, a, b)
                a, b = next(stored, None), next(fresh, None)

    @staticmethod
    def _compare_rows(
        report: AuditReport, stored: Mapping[str, Any], chain: Mapping[str, Any]
    ) -> None:
        where = _where(stored)
        for name in _COMPARED:
            expected, found = chain[name], stored[name]
            if name == "block_time":
                expected, found = _utc(expected), _utc(found)
            if expected != found:
                report.add("events", "event_altered", f"{where}: {name}", expected, found)
        expected_args, found_args = chain["args"], stored["args"]
        for arg in sorted(set(expected_args) | set(found_args)):
            if expected_args.get(arg, _ABSENT) != found_args.get(arg, _ABSENT):
                report.add(
                    "events",
                    "event_altered",
                    f"{where}: args.{arg}",
                    _json(expected_args.get(arg, _ABSENT)),
                    _json(found_args.get(arg, _ABSENT)),
                )

    # -- evidence items and blobs ----------------------------------------------------------------

    def check_items(self, report: AuditReport) -> None:
        """Each item's leaf, record and (when stored) blob."""
        verified: dict[str, tuple[str, str] | None] = {}
        for item in _items(self.engine):
            report.items_checked += 1
            where = f"evidence item {item.public_id} (row {item.id})"
            leaf = hashlib.sha256(b"\x00" + item.record_json.encode()).hexdigest()
            if leaf != item.leaf_hash:
                report.add("items", "item_leaf_mismatch", where, leaf, item.leaf_hash)
            try:
                record = EvidenceRecord.from_json(item.record_json)
            except NotaryError as exc:
                report.add("items", "item_record_invalid", where, "a valid v1 record", str(exc))
                record = None
            if record is not None:
                for name, value in (
                    ("document_digest", item.document_digest),
                    ("evidence_type", item.evidence_type),
                    ("case_commitment", item.case_commitment),
                ):
                    in_record = str(getattr(record, name))
                    if in_record != value:
                        report.add(
                            "items", "item_field_mismatch", f"{where}: {name}", in_record, value
                        )
            if not item.stored:
                continue
            digest = item.document_digest
            if item.forgotten_at is not None or self._destroyed(digest):
                if item.forgotten_at is not None and not self._destroyed(digest):
                    report.add(
                        "blobs",
                        "forget_incomplete",
                        f"blob {digest} of {item.public_id}",
                        "its data key destroyed (the item is marked forgotten)",
                        "the key is still present",
                    )
                report.forgotten.append(item.public_id)
                continue
            if digest not in verified:
                report.blobs_checked += 1
                verified[digest] = self._verify_blob(digest)
            problem = verified[digest]
            if problem is not None:
                kind, found = problem
                report.add(
                    "blobs",
                    kind,
                    f"blob {digest} of {item.public_id}",
                    f"ciphertext decrypting to bytes with SHA-256 {digest}",
                    found,
                )

    def _destroyed(self, digest: str) -> bool:
        try:
            return self.blobs.key_destroyed(digest)
        except BlobError:
            return False

    def _verify_blob(self, digest: str) -> tuple[str, str] | None:
        """None when the blob is sound, else (kind, what was found)."""
        try:
            with self.blobs.open(digest) as reader:
                for _ in reader:
                    pass
        except BlobNotFound:
            return "blob_missing", "no object file"
        except BlobCorrupted as exc:
            return "blob_corrupted", str(exc)
        except BlobError as exc:
            return "blob_unreadable", str(exc)
        return None

    # -- batches and the evidence log ------------------------------------------------------------

    def check_batches(self, report: AuditReport, checkpoint: Checkpoint | None) -> None:
        """Each anchored batch against its items and the chain; then the checkpoint."""
        topic = _batch_topic(self.registry)
        leaves: list[bytes] = []
        before: list[bytes] = []
        log_root = EMPTY_ROOT
        for batch in _anchored_batches(self.engine):
            report.batches_checked += 1
            where = f"batch {batch.sequence} (row {batch.id})"
            records = _batch_leaves(self.engine, batch)
            indexes = [index for index, _ in records]
            first = batch.first_leaf
            if indexes != list(range(first, first + len(records))):
                expected = f"{first}..{first + batch.size - 1}"
                report.add("batches", "batch_leaf_indexes", where, expected, indexes)
            segment = [leaf for _, leaf in records]
            if len(segment) != batch.size:
                report.add("batches", "batch_size_mismatch", where, batch.size, len(segment))
            if batch.log_start is None:
                computed = MerkleTree(segment).root.hex()
            else:
                if batch.log_start != len(leaves):
                    report.add("batches", "batch_log_start", where, len(leaves), batch.log_start)
                log_tree = LogTree(before, len(leaves), segment)
                log_root, before = log_tree.root, log_tree.frontier
                computed = log_root.hex()
                leaves.extend(segment)
            if computed != batch.root:
                report.add(
                    "batches",
                    "batch_leaves_mismatch",
                    f"{where}: root of the log with its {len(segment)} stored items",
                    batch.root,
                    computed,
                )
            self._check_anchor(report, batch, where, topic)
        self.progress("evidence log")
        report.log_size, report.log_root = len(leaves), log_root.hex()
        self._check_log(report, leaves, checkpoint)

    def _check_anchor(
        self, report: AuditReport, batch: AnchorBatch, where: str, topic: str
    ) -> None:
        landed = self.registry.find_batch(
            bytes.fromhex(batch.root), from_block=batch.recent_block_number or 0
        )
        if landed is None:
            report.add(
                "batches",
                "batch_root_not_on_chain",
                f"{where}: root",
                f"a root anchored in block {batch.block_number} by transaction {batch.tx_hash}",
                f"root {batch.root}, which the EvidenceRegistry never anchored",
            )
        else:
            block_time = batch.block_time
            stored_time = int(_utc(block_time).timestamp()) if block_time else None
            block = self.chain.rpc(self.chain.w3.eth.get_block, landed.block_number)
            for name, on_chain, stored in (
                ("block_number", landed.block_number, batch.block_number),
                ("size", landed.size, batch.tree_size),
                ("sequence", landed.sequence, batch.sequence),
                ("block_time", int(block["timestamp"]), stored_time),
            ):
                if on_chain != stored:
                    report.add(
                        "batches", "batch_anchor_mismatch", f"{where}: {name}", on_chain, stored
                    )
        if batch.tx_hash is None:
            report.add("batches", "batch_tx_missing", where, "a transaction hash", None)
            return
        receipt = self.chain.receipt(batch.tx_hash)  # type: ignore[arg-type]
        if receipt is None:
            report.add(
                "batches",
                "batch_tx_missing",
                f"{where}: transaction",
                f"{batch.tx_hash} on chain",
                "no such transaction",
            )
            return
        block_hash = "0x" + bytes(receipt["blockHash"]).hex()
        if (int(receipt["blockNumber"]), block_hash) != (batch.block_number, batch.block_hash):
            report.add(
                "batches",
                "batch_tx_block_mismatch",
                f"{where}: transaction {batch.tx_hash}",
                f"block {receipt['blockNumber']} {block_hash}",
                f"block {batch.block_number} {batch.block_hash}",
            )
        roots = [
            "0x" + bytes(entry["topics"][1]).hex()
            for entry in receipt["logs"]
            if str(entry["address"]).lower() == self.registry.address.lower()
            and len(entry["topics"]) > 1
            and "0x" + bytes(entry["topics"][0]).hex() == topic
        ]
        if "0x" + batch.root not in roots:
            report.add(
                "batches",
                "batch_tx_root_mismatch",
                f"{where}: root logged by transaction {batch.tx_hash}",
                ", ".join(r[2:] for r in roots) or "a BatchAnchored log",
                batch.root,
            )

    @staticmethod
    def _check_log(report: AuditReport, leaves: list[bytes], checkpoint: Checkpoint | None) -> None:
        if checkpoint is None:
            return
        tree = MerkleTree(leaves)
        where = f"checkpoint {checkpoint.size}:{checkpoint.root}"
        if checkpoint.size > len(leaves):
            report.add(
                "evidence_log",
                "checkpoint_ahead",
                where,
                f"a log of at least {checkpoint.size} leaves",
                f"{len(leaves)} leaves",
            )
            return
        proof = tree.consistency_proof(checkpoint.size)
        old_root = bytes.fromhex(checkpoint.root)
        if not verify_consistency(checkpoint.size, len(leaves), old_root, tree.root, proof):
            prefix = MerkleTree(leaves[: checkpoint.size]).root.hex()
            report.add(
                "evidence_log",
                "checkpoint_inconsistent",
                where,
                f"the first {checkpoint.size} leaves to have root {checkpoint.root}",
                f"root {prefix}",
            )


_ABSENT = object()


def _json(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


def _args_text(args: Mapping[str, Any]) -> str:
    return json.dumps(args, ensure_ascii=False, sort_keys=True)


def _where(row: Mapping[str, Any], *, row_id: bool = True) -> str:
    text = (
        f"{row['contract']}.{row['event']} in block {row['block_number']} ({row['block_hash']}),"
        f" log {row['log_index']}, tx {row['tx_hash']}"
    )
    return f"{text} (row {row['id']})" if row_id else text


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _event_rows(
    engine: Engine, chain_id: int, *, to_block: int | None = None
) -> Iterator[dict[str, Any]]:
    """Stored events of `chain_id` in (block, log index, id) order, with `args` parsed."""
    after: tuple[int, int, int] | None = None
    while True:
        where = [_EVENTS.c.chain_id == chain_id]
        if to_block is not None:
            where.append(_EVENTS.c.block_number <= to_block)
        if after is not None:
            n, i, row_id = after
            where.append(
                or_(
                    _EVENTS.c.block_number > n,
                    (_EVENTS.c.block_number == n) & (_EVENTS.c.log_index > i),
                    (_EVENTS.c.block_number == n)
                    & (_EVENTS.c.log_index == i)
                    & (_EVENTS.c.id > row_id),
                )
            )
        query = (
            select(_EVENTS)
            .where(*where)
            .order_by(_EVENTS.c.block_number, _EVENTS.c.log_index, _EVENTS.c.id)
            .limit(PAGE)
        )
        with engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        for row in rows:
            found = dict(row)
            try:
                found["args"] = json.loads(row["args_json"])
            except ValueError:
                found["args"] = {"(unparsable args_json)": row["args_json"]}
            yield found
        if len(rows) < PAGE:
            return
        last = rows[-1]
        after = (int(last["block_number"]), int(last["log_index"]), int(last["id"]))


def _items(engine: Engine) -> Iterator[EvidenceItem]:
    last = 0
    while True:
        with Session(engine) as session:
            page = session.exec(
                sqlmodel_select(EvidenceItem)
                .where(col(EvidenceItem.id) > last)
                .order_by(col(EvidenceItem.id))
                .limit(PAGE)
            ).all()
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].id or 0


def _anchored_batches(engine: Engine) -> list[AnchorBatch]:
    """Anchored (or final) batches: those from before evidence logs in anchoring order
    (block, then notary and sequence), then the evidence log's in log order."""
    with Session(engine) as session:
        batches = session.exec(
            sqlmodel_select(AnchorBatch)
            .where(col(AnchorBatch.block_number).is_not(None))
            .order_by(
                col(AnchorBatch.block_number),
                col(AnchorBatch.notary_address),
                col(AnchorBatch.sequence),
            )
        ).all()
    return sorted(batches, key=lambda b: (b.log_start is not None, b.log_start or 0))


def _batch_leaves(engine: Engine, batch: AnchorBatch) -> list[tuple[int | None, bytes]]:
    with Session(engine) as session:
        rows = session.exec(
            sqlmodel_select(EvidenceItem.leaf_index, EvidenceItem.record_json)
            .where(EvidenceItem.batch_id == batch.id)
            .order_by(col(EvidenceItem.leaf_index))
        ).all()
    return [(index, record.encode()) for index, record in rows]


def _batch_topic(registry: EvidenceRegistryClient) -> str:
    abi = next(
        item
        for item in registry.contract.abi
        if item.get("type") == "event" and item.get("name") == "BatchAnchored"
    )
    return "0x" + event_abi_to_log_topic(abi).hex()  # type: ignore[arg-type]


def evidence_log(engine: Engine) -> list[tuple[AnchorBatch, int, str]]:
    """Each anchored batch with the evidence log's size and root (hex) once it is appended."""
    size = 0
    before: list[bytes] = []
    found = []
    for batch in _anchored_batches(engine):
        segment = [leaf for _, leaf in _batch_leaves(engine, batch)]
        if batch.log_start is None:  # from before evidence logs: a tree of its own
            found.append((batch, len(segment), MerkleTree(segment).root.hex()))
            continue
        log_tree = LogTree(before, size, segment)
        size, before = log_tree.size, log_tree.frontier
        found.append((batch, size, log_tree.root.hex()))
    return found


# -- the export bundle --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BundleSummary:
    """What an export bundle holds."""

    events: int
    batches: int
    receipts: int
    violations: int
    manifest: dict[str, Any]


def export_bundle(
    runtime: Runtime, *, start: datetime, end: datetime, out: IO[bytes]
) -> BundleSummary:
    """Write the bundle of everything that happened from `start` (inclusive) to `end`
    (exclusive) as a zip to `out`: events by block time, batches anchored in the range with
    the receipts of their items, violations by contact time; then the signed manifest.

    Raises `AuditError` when `end` is not after `start`.
    """
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise AuditError(f"the range must end after it starts ({start} .. {end})")
    chain_id = runtime.chain.chain_id
    files: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:

        def write(path: str, lines: Iterator[bytes]) -> int:
            digest, size, count = hashlib.sha256(), 0, 0
            with bundle.open(path, "w") as target:
                for line in lines:
                    target.write(line)
                    digest.update(line)
                    size += len(line)
                    count += 1
            files.append({"path": path, "sha256": digest.hexdigest(), "size": size})
            return count

        events = write("events.jsonl", _event_lines(runtime.engine, chain_id, start, end))
        log = [
            (b, size, root)
            for b, size, root in evidence_log(runtime.engine)
            if b.block_time is not None and start <= _utc(b.block_time) < end
        ]
        batches = write("batches.jsonl", (_jsonl(_batch_object(*entry)) for entry in log))
        receipts = 0
        for batch, _, _ in log:
            for item in _batch_items(runtime.engine, batch):
                issued = runtime.issuer.for_item(item)
                if issued.receipt is None:
                    continue
                text = issued.receipt.to_json().encode()
                write(f"receipts/{item.public_id}.receipt.json", iter([text]))
                receipts += 1
        violations = write("violations.jsonl", _violation_lines(runtime.engine, start, end))
        manifest: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "chain_id": chain_id,
            "contracts": {name: d.address for name, d in sorted(runtime.contracts.items())},
            "from": format_timestamp(start),
            "to": format_timestamp(end),
            "created_at": format_timestamp(datetime.now(UTC)),
            "counts": {
                "events": events,
                "batches": batches,
                "receipts": receipts,
                "violations": violations,
            },
            "files": sorted(files, key=lambda f: f["path"]),
        }
        manifest["signature"] = sign_manifest(manifest, runtime.operator.account)
        bundle.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return BundleSummary(
        events=events, batches=batches, receipts=receipts, violations=violations, manifest=manifest
    )


SPOOL_IN_MEMORY = 16 << 20
"""Bytes of an export bundle held in memory by `export_days` before it spills to a temporary
file: most bundles of a few days fit, a year's does not have to."""


MAX_EXPORT_DAYS = 366
"""Most days one export bundle covers: a year, the period of a regulator's annual review. A
longer range is refused before anything is read; export it a year at a time."""


def check_export_range(first: date, last: date) -> None:
    """Refuse a range of days an export does not cover, before any work: raises `AuditError`
    when `last` is before `first` or the range is longer than `MAX_EXPORT_DAYS`."""
    if last < first:
        raise AuditError(f"the range ends ({last}) before it starts ({first})")
    days = (last - first).days + 1
    if days > MAX_EXPORT_DAYS:
        raise AuditError(
            f"the range covers {days} days; one export covers at most {MAX_EXPORT_DAYS}:"
            " export it a year at a time"
        )


def export_days(runtime: Runtime, *, first: date, last: date) -> tuple[IO[bytes], int]:
    """The bundle of the UTC days `first` to `last` (both included), written to a spooled
    temporary file positioned at its start, and its size; the caller closes the file.

    Raises `AuditError` for a range `check_export_range` refuses.
    """
    check_export_range(first, last)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        export_bundle(
            runtime,
            start=datetime.combine(first, time(), UTC),
            end=datetime.combine(last + timedelta(days=1), time(), UTC),
            out=spool,
        )
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    return spool, size


def bundle_file_name(first: date, last: date) -> str:
    """The file name an export of the days `first` to `last` is downloaded as."""
    return f"autoledger-audit-{first}-{last}.zip"


def sign_manifest(manifest: Mapping[str, Any], account: LocalAccount) -> dict[str, str]:
    """The `signature` member of `manifest`: EIP-191 over its canonical form without it."""
    payload = canonicalize({k: v for k, v in manifest.items() if k != "signature"})
    signed = account.sign_message(encode_defunct(primitive=payload))
    return {
        "signer": account.address.lower(),
        "scheme": SIGNATURE_SCHEME,
        "value": "0x" + bytes(signed.signature).hex(),
    }


def _jsonl(obj: Mapping[str, Any]) -> bytes:
    return (
        json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode()


def _event_lines(engine: Engine, chain_id: int, start: datetime, end: datetime) -> Iterator[bytes]:
    for row in _event_rows(engine, chain_id):
        moment = _utc(row["block_time"])
        if not start <= moment < end:
            continue
        yield _jsonl(
            {
                "chain_id": row["chain_id"],
                "block_number": row["block_number"],
                "block_hash": row["block_hash"],
                "block_time": format_timestamp(moment),
                "tx_hash": row["tx_hash"],
                "tx_index": row["tx_index"],
                "log_index": row["log_index"],
                "contract": row["contract"],
                "address": row["address"],
                "event": row["event"],
                "args": row["args"],
            }
        )


def _batch_object(batch: AnchorBatch, log_size: int, log_root: str) -> dict[str, Any]:
    assert batch.block_time is not None
    return {
        "sequence": batch.sequence,
        "notary": batch.notary_address,
        "root": batch.root,
        "size": batch.size,
        "tx_hash": batch.tx_hash,
        "block_number": batch.block_number,
        "block_hash": batch.block_hash,
        "block_time": format_timestamp(_utc(batch.block_time)),
        "log_size": log_size,
        "log_root": log_root,
    }


def _batch_items(engine: Engine, batch: AnchorBatch) -> list[EvidenceItem]:
    with Session(engine) as session:
        return list(
            session.exec(
                sqlmodel_select(EvidenceItem)
                .where(EvidenceItem.batch_id == batch.id)
                .order_by(col(EvidenceItem.leaf_index))
            ).all()
        )


def _violation_lines(engine: Engine, start: datetime, end: datetime) -> Iterator[bytes]:
    with Session(engine) as session:
        rows = session.exec(
            sqlmodel_select(ComplianceViolation)
            .where(
                col(ComplianceViolation.contact_time) >= start,
                col(ComplianceViolation.contact_time) < end,
            )
            .order_by(col(ComplianceViolation.id))
        ).all()
    for v in rows:
        yield _jsonl(
            {
                "rule": v.rule,
                "rules_version": v.rules_version,
                "detail": v.detail,
                "collector_id": v.collector_id,
                "debtor_commitment": v.debtor_commitment,
                "contact_time": format_timestamp(_utc(v.contact_time)),
                "local_date": v.local_date,
                "span": [v.span_start, v.span_end] if v.span_start is not None else None,
                "matched": v.matched,
                "phrase_id": v.phrase_id,
            }
        )


# -- checking a bundle offline ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BundleCheck:
    """One check of `verify_bundle`: `name` says what was checked (a file path for file
    checks), `skipped` when its input (a JSON-RPC URL) was not given."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass(frozen=True, kw_only=True)
class BundleReport:
    """Every check of a bundle, in order."""

    checks: tuple[BundleCheck, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the checks that ran and failed."""
        return tuple(c.name for c in self.checks if not c.ok and not c.skipped)

    @property
    def ok(self) -> bool:
        """Whether every check that ran passed (not a verdict: see `verified`)."""
        return not self.failed

    @property
    def skipped(self) -> tuple[str, ...]:
        """Names of the checks that could not run (no trust root, no JSON-RPC URL)."""
        return tuple(c.name for c in self.checks if c.skipped)

    @property
    def verified(self) -> bool:
        """Whether every check ran and passed, the trust root's among them."""
        return self.ok and not self.skipped and any(c.name == "trust_root" for c in self.checks)


def verify_bundle(
    path: Path,
    *,
    rpc_url: str | None = None,
    trust: TrustRoot | None = None,
    expected_signer: str | None = None,
) -> BundleReport:
    """Check an export bundle with nothing but the file, the consortium's trust root and a
    JSON-RPC URL.

    Checks: the manifest is readable; its signature recovers to its signer (and that signer
    is `expected_signer` when given); `trust_root`: the manifest's chain and EvidenceRegistry
    are the pinned ones and its signer is a NOTARY member named by `trust` (or, with
    `rpc_url`, one the pinned Consortium holds as an active NOTARY), never merely whoever the
    manifest names; every listed file is present with its SHA-256 and size; no file is
    unlisted; every receipt passes `notary.receipts.verify_receipt` against `trust` with the
    manifest's signer as the expected notary; with `rpc_url`, every event of
    ``events.jsonl`` is a log of its contract at its block hash, log index and transaction
    on the node's chain. Without `trust` or `rpc_url` those checks are skipped and the
    report is not `verified`. Never raises for what it finds; an unreadable zip is reported
    as the `bundle` check.
    """
    checks: list[BundleCheck] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return BundleReport(checks=(BundleCheck(name="bundle", ok=False, detail=str(exc)),))
    with archive:
        manifest = _read_manifest(archive, checks)
        if manifest is None:
            return BundleReport(checks=tuple(checks))
        signer = _check_manifest_signature(manifest, expected_signer, checks)
        checks.append(_check_manifest_trust(manifest, signer, trust, rpc_url))
        listed = {f["path"]: f for f in manifest["files"]}
        names = set(archive.namelist())
        for entry in manifest["files"]:
            checks.append(_check_file(archive, entry, names))
        for name in sorted(names - set(listed) - {MANIFEST}):
            checks.append(
                BundleCheck(name=name, ok=False, detail="this file is not listed in the manifest")
            )
        for name in sorted(n for n in listed if n.startswith("receipts/") and n in names):
            checks.append(_check_receipt(archive, name, signer, trust, rpc_url))
        if "events.jsonl" in listed and "events.jsonl" in names:
            checks.append(_check_events_on_chain(archive, manifest, rpc_url))
    return BundleReport(checks=tuple(checks))


def _read_manifest(archive: zipfile.ZipFile, checks: list[BundleCheck]) -> dict[str, Any] | None:
    try:
        manifest = parse_json(archive.read(MANIFEST))
    except KeyError:
        checks.append(BundleCheck(name=MANIFEST, ok=False, detail="the bundle has no manifest"))
        return None
    except NotaryError as exc:
        checks.append(BundleCheck(name=MANIFEST, ok=False, detail=str(exc)))
        return None
    problem = None
    if not isinstance(manifest, dict):
        problem = "not a JSON object"
    elif manifest.get("format") != BUNDLE_FORMAT or manifest.get("version") != BUNDLE_VERSION:
        problem = f"not a {BUNDLE_FORMAT} version {BUNDLE_VERSION} manifest"
    elif not isinstance(manifest.get("files"), list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("path"), str)
        and isinstance(f.get("sha256"), str)
        and isinstance(f.get("size"), int)
        for f in manifest["files"]
    ):
        problem = "its files list is malformed"
    elif not isinstance(manifest.get("signature"), dict):
        problem = "it is not signed"
    if problem is not None:
        checks.append(BundleCheck(name=MANIFEST, ok=False, detail=problem))
        return None
    assert isinstance(manifest, dict)
    counts = manifest.get("counts", {})
    checks.append(
        BundleCheck(
            name=MANIFEST,
            ok=True,
            detail=(
                f"chain {manifest.get('chain_id')}, {manifest.get('from')} to"
                f" {manifest.get('to')}, {len(manifest['files'])} files"
                f" ({', '.join(f'{v} {k}' for k, v in counts.items())})"
            ),
        )
    )
    return manifest


def _check_manifest_signature(
    manifest: Mapping[str, Any], expected: str | None, checks: list[BundleCheck]
) -> str | None:
    signature = manifest["signature"]
    signer = str(signature.get("signer", "")).lower()
    try:
        payload = canonicalize({k: v for k, v in manifest.items() if k != "signature"})
        if signature.get("scheme") != SIGNATURE_SCHEME:
            raise ValueError(f"unknown signature scheme {signature.get('scheme')!r}")
        recovered = Account.recover_message(
            encode_defunct(primitive=payload), signature=bytes.fromhex(signature["value"][2:])
        ).lower()
    except Exception as exc:  # eth-keys raises several kinds on garbage signatures
        checks.append(BundleCheck(name="signature", ok=False, detail=f"does not verify: {exc}"))
        return None
    if recovered != signer:
        checks.append(
            BundleCheck(
                name="signature",
                ok=False,
                detail=f"recovers to {recovered}, not to the stated signer {signer}",
            )
        )
        return None
    if expected is not None and signer != expected.lower():
        checks.append(
            BundleCheck(
                name="signature",
                ok=False,
                detail=f"signed by {signer}, not by the expected operator {expected.lower()}",
            )
        )
        return None
    checks.append(BundleCheck(name="signature", ok=True, detail=f"manifest signed by {signer}"))
    return signer


def _check_file(archive: zipfile.ZipFile, entry: Mapping[str, Any], names: set[str]) -> BundleCheck:
    name = str(entry["path"])
    if name not in names:
        return BundleCheck(name=name, ok=False, detail="listed in the manifest but absent")
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
        return BundleCheck(
            name=name,
            ok=False,
            detail=(
                f"SHA-256 {digest.hexdigest()} ({size} bytes), the manifest says"
                f" {entry['sha256']} ({entry['size']} bytes)"
            ),
        )
    return BundleCheck(name=name, ok=True, detail=f"SHA-256 {entry['sha256']} ({size} bytes)")


def _check_manifest_trust(
    manifest: Mapping[str, Any], signer: str | None, trust: TrustRoot | None, rpc_url: str | None
) -> BundleCheck:
    """The manifest belongs to the pinned consortium and its signer is one of its notaries."""
    name = "trust_root"
    if trust is None:
        return BundleCheck(name=name, ok=False, skipped=True, detail=NO_TRUST_ROOT)
    problems = []
    if trust.chain_id is not None and manifest.get("chain_id") != trust.chain_id:
        problems.append(f"the bundle is of chain {manifest.get('chain_id')}, not {trust.chain_id}")
    contracts = manifest.get("contracts")
    named = contracts.get("EvidenceRegistry") if isinstance(contracts, dict) else None
    if str(named).lower() != trust.registry:
        problems.append(f"its EvidenceRegistry is {named}, not the pinned {trust.registry}")
    if signer is None:
        problems.append("its signature does not verify, so no signer can be trusted")
    elif signer not in trust.notary_addresses:
        if rpc_url is None:
            if not problems:
                return BundleCheck(
                    name=name,
                    ok=False,
                    skipped=True,
                    detail=f"{signer} is not among the trust file's notaries; give --rpc URL "
                    "to ask the pinned Consortium",
                )
        else:
            try:
                is_notary = _is_active_notary(rpc_url, trust, signer)
            except Exception as exc:  # the reader's errors fail the check, never pass it
                problems.append(f"cannot ask the pinned Consortium about {signer}: {exc}")
            else:
                if not is_notary:
                    problems.append(
                        f"manifest signer {signer} is not a NOTARY member of the pinned "
                        "consortium (a manifest names its own signer; only the trust root "
                        "says who may sign)"
                    )
    if problems:
        return BundleCheck(name=name, ok=False, detail="; ".join(problems))
    return BundleCheck(
        name=name, ok=True, detail=f"{trust.describe()}; manifest signer {signer} is its notary"
    )


def _is_active_notary(rpc_url: str, trust: TrustRoot, address: str) -> bool:
    """Whether the pinned Consortium (the registry's, when the trust root lacks it) holds
    `address` as an active NOTARY member now, by `eth_call`."""
    rpc = http_json_rpc(rpc_url, timeout=RPC_TIMEOUT)
    consortium: str | None = trust.consortium
    if consortium is None:
        answer = rpc("eth_call", [{"to": trust.registry, "data": _CONSORTIUM_CALL}, "latest"])
        consortium = "0x" + str(answer)[-40:]
    data = _HAS_ACTIVE_ROLE + _NOTARY_ROLE.hex() + "0" * 24 + address[2:]
    answer = rpc("eth_call", [{"to": consortium, "data": data}, "latest"])
    return int(str(answer), 16) == 1


_CONSORTIUM_CALL = "0x" + keccak(text="consortium()")[:4].hex()
_HAS_ACTIVE_ROLE = "0x" + keccak(text="hasActiveRole(bytes32,address)")[:4].hex()
_NOTARY_ROLE = keccak(text="NOTARY")


def _check_receipt(
    archive: zipfile.ZipFile,
    name: str,
    signer: str | None,
    trust: TrustRoot | None,
    rpc_url: str | None,
) -> BundleCheck:
    try:
        report = verify_receipt(
            archive.read(name), rpc_url=rpc_url, trust=trust, expected_signer=signer
        )
    except NotaryError as exc:
        return BundleCheck(name=name, ok=False, detail=f"unreadable receipt: {exc}")
    failed = [c for c in report.checks if not c.ok and not c.skipped]
    if failed:
        return BundleCheck(
            name=name, ok=False, detail="; ".join(f"{c.name}: {c.detail}" for c in failed)
        )
    ran = [c.name for c in report.checks if not c.skipped]
    if not report.verified:
        return BundleCheck(
            name=name,
            ok=False,
            skipped=True,
            detail=f"passed {', '.join(ran)}; not run: {', '.join(report.skipped)}",
        )
    return BundleCheck(name=name, ok=True, detail=f"receipt checks passed: {', '.join(ran)}")


def _check_events_on_chain(
    archive: zipfile.ZipFile, manifest: Mapping[str, Any], rpc_url: str | None
) -> BundleCheck:
    name = "events on chain"
    if rpc_url is None:
        return BundleCheck(name=name, ok=False, skipped=True, detail="no JSON-RPC URL given")
    by_block: dict[str, list[dict[str, Any]]] = {}
    try:
        for line in archive.read("events.jsonl").splitlines():
            event = json.loads(line)
            by_block.setdefault(str(event["block_hash"]), []).append(event)
        chain_id = int(_rpc(rpc_url, "eth_chainId", []), 16)
        if chain_id != manifest.get("chain_id"):
            return BundleCheck(
                name=name,
                ok=False,
                detail=f"the node is on chain {chain_id}, the bundle on {manifest.get('chain_id')}",
            )
        problems: list[str] = []
        for block_hash, found in by_block.items():
            number = int(found[0]["block_number"])
            block = _rpc(rpc_url, "eth_getBlockByNumber", [hex(number), False])
            if block is None or str(block["hash"]).lower() != block_hash:
                problems.append(f"block {number} {block_hash} is not on the node's chain")
                continue
            logs = _rpc(rpc_url, "eth_getLogs", [{"blockHash": block_hash}])
            at = {int(entry["logIndex"], 16): entry for entry in logs}
            for event in found:
                entry = at.get(int(event["log_index"]))
                if (
                    entry is None
                    or str(entry["address"]).lower() != str(event["address"]).lower()
                    or str(entry["transactionHash"]).lower() != event["tx_hash"]
                ):
                    problems.append(
                        f"{event['contract']}.{event['event']} at block {number} log"
                        f" {event['log_index']} is not that log on chain"
                    )
    except (ValueError, KeyError, TypeError) as exc:
        return BundleCheck(name=name, ok=False, detail=f"unreadable events or answer: {exc}")
    except _RpcFailure as exc:
        return BundleCheck(name=name, ok=False, detail=str(exc))
    if problems:
        return BundleCheck(name=name, ok=False, detail="; ".join(problems))
    count = sum(len(v) for v in by_block.values())
    return BundleCheck(name=name, ok=True, detail=f"{count} events found on chain")


class _RpcFailure(Exception):
    """A JSON-RPC request failed (the message never holds the URL, which may carry keys)."""


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    if not url.lower().startswith(("http://", "https://")):
        raise _RpcFailure("the JSON-RPC URL must start with http:// or https://")
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=RPC_TIMEOUT) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, HTTPException, OSError, ValueError) as exc:
        raise _RpcFailure(f"{method} failed: {exc}") from exc
    if not isinstance(answer, dict) or answer.get("error") is not None:
        raise _RpcFailure(f"{method} returned an error: {answer}")
    return answer.get("result")
