"""The journal of every transaction the service signs: stored before it is broadcast, carried
until its receipt is on the canonical chain at the finality depth, repaired after a rollback.

`ledger.transactions.Sender` writes every transaction here when it has a journal (the
service's senders all do): the signed bytes, nonce, sender and purpose (the contract function)
are committed before the bytes leave the process, so whatever a crash interrupts can be sent
again. The (chain id, sender, nonce) key is unique, so replicas sharing one database never
sign two transactions with one nonce: the second insert fails and its signer takes the next.

`JournalKeeper` is the worker that carries entries to final:

- an entry without a receipt is broadcast again (the same bytes) while its nonce is still
  free on chain; when another transaction took the nonce, the entry is *replaced* and the same
  call is signed again with a new nonce (except for purposes whose owner keeps its own outbox
  and signs again itself: anchoring batches, clearing cycles, deployments);
- an entry is *final* once `finality_depth` blocks follow its block and the block is still
  canonical, and (on the embedded node) the node's state holding it is on disk (`durable`);
- each round it checks that the newest block it holds final is still canonical. When it is
  not (a node reloaded an older state, a deep reorg), every final entry above the last
  canonical block is reopened, broadcast again, and the rollback is recorded with the entries
  it reopened (`JournalRollback`), which `audit verify` reports with what became of them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hexbytes import HexBytes
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update
from web3.exceptions import BlockNotFound, Web3RPCError
from web3.types import TxReceipt

from ledger.chain import Chain, TxHash
from ledger.errors import LedgerError, TransactionError, TransactionReverted
from ledger.models import JOURNAL_OPEN, JournalEntry, JournalRollback, JournalStatus

if TYPE_CHECKING:
    from ledger.transactions import Sender

log = logging.getLogger("autoledger.journal")

RESEND_AFTER = 3.0
"""Seconds an entry without a receipt waits after a broadcast before it is broadcast again: a
node's mempool normally mines it within a block or two; sooner would only repeat the bytes."""

OWN_OUTBOX = frozenset({"anchorBatch", "settleCycle", "deploy"})
"""Purposes whose owner signs a replaced transaction again itself (`notary.anchoring`'s and
`clearing.engine`'s outboxes; a deployment would get a new address): the keeper only
re-broadcasts them and marks them replaced."""

Durable = Callable[[int], None]
"""Makes the chain's state through a block survive a crash of the node (embedded node)."""


class NonceTaken(LedgerError):
    """Another signer on this database journaled this nonce first; sign with the next."""


@dataclass(frozen=True, kw_only=True)
class Repair:
    """What became of the entries one rollback reopened."""

    rollback: JournalRollback
    final: int
    resigned: int
    pending: int
    lost: tuple[JournalEntry, ...]

    def to_object(self) -> dict[str, Any]:
        """JSON form, for `audit verify --json`."""
        return {
            "detected_at": self.rollback.detected_at.isoformat(),
            "final_block": self.rollback.final_block,
            "head_block": self.rollback.head_block,
            "reopened": self.rollback.reopened,
            "final_again": self.final,
            "signed_again": self.resigned,
            "pending": self.pending,
            "lost": [
                {"id": e.id, "purpose": e.purpose, "tx_hash": e.tx_hash, "note": e.note}
                for e in self.lost
            ],
        }


class Journal:
    """The journal table of one chain (`chain_id`) in `engine`'s database.

    `durable`, when given, is called with a block number before an entry in that block is
    recorded final (the embedded node dumps its state to disk there).
    """

    def __init__(self, *, engine: Engine, chain_id: int, durable: Durable | None = None) -> None:
        self.engine = engine
        self.chain_id = chain_id
        self.durable = durable

    # -- writes by the sender -----------------------------------------------------------------

    def floor(self, sender: str) -> int:
        """The lowest nonce of `sender` no journal entry holds (one above the highest)."""
        with Session(self.engine) as session:
            top = session.exec(
                select(func.max(JournalEntry.nonce)).where(
                    JournalEntry.chain_id == self.chain_id, JournalEntry.sender == sender
                )
            ).one()
        return 0 if top is None else int(top) + 1

    def record(
        self,
        *,
        sender: str,
        nonce: int,
        tx_hash: TxHash,
        raw: bytes,
        purpose: str,
        to: str | None,
        data: str,
        value: int,
    ) -> int:
        """Store a signed transaction before it is broadcast; return the entry's id.

        Raises `NonceTaken` when an entry of `sender` already holds `nonce` (another replica
        signed it first).
        """
        entry = JournalEntry(
            chain_id=self.chain_id,
            sender=sender,
            nonce=nonce,
            tx_hash=tx_hash,
            raw_tx=raw.hex(),
            purpose=purpose[:100],
            to=to,
            data=data,
            value=str(value),
        )
        with Session(self.engine) as session:
            session.add(entry)
            try:
                session.commit()
            except IntegrityError as exc:
                raise NonceTaken(f"nonce {nonce} of {sender} is journaled already") from exc
            assert entry.id is not None
            return entry.id

    def sent(self, tx_hash: TxHash) -> None:
        """The bytes of `tx_hash` were handed to a node."""
        self._update(
            tx_hash,
            {
                "broadcasts": col(JournalEntry.broadcasts) + 1,
                "sent_at": datetime.now(UTC),
            },
            only_status=(JournalStatus.SIGNED, JournalStatus.SENT),
            status=JournalStatus.SENT,
        )

    def forget_unsent(self, tx_hash: TxHash) -> None:
        """Drop the entry of `tx_hash` if no node ever accepted it and no later nonce of its
        sender is journaled (then its nonce is simply free again; otherwise the entry stays
        and the keeper keeps offering it, since a gap would stall every later nonce)."""
        with Session(self.engine) as session:
            entry = session.exec(
                select(JournalEntry).where(JournalEntry.tx_hash == tx_hash)
            ).first()
            if entry is None or entry.broadcasts or entry.status != JournalStatus.SIGNED:
                return
            later = session.exec(
                select(func.count()).where(
                    JournalEntry.chain_id == entry.chain_id,
                    JournalEntry.sender == entry.sender,
                    JournalEntry.nonce > entry.nonce,
                )
            ).one()
            if not later:
                session.delete(entry)
                session.commit()

    def replaced(self, tx_hash: TxHash, note: str) -> bool:
        """Another transaction took the nonce of `tx_hash`: these bytes can never be mined.

        Returns whether this call marked it (compare and set: of two replicas that see it at
        once, only one signs its call again).
        """
        return (
            self._update(
                tx_hash,
                {"note": note[:2000]},
                only_status=JOURNAL_OPEN,
                status=JournalStatus.REPLACED,
            )
            > 0
        )

    def final(self, tx_hash: TxHash, receipt: TxReceipt) -> None:
        """`tx_hash` is final in `receipt`'s block (made durable first)."""
        block = int(receipt["blockNumber"])
        if self.durable is not None:
            self.durable(block)
        reverted = receipt["status"] != 1
        self._update(
            tx_hash,
            {
                "block_number": block,
                "block_hash": _hex(receipt["blockHash"]),
                "final_at": datetime.now(UTC),
            },
            status=JournalStatus.REVERTED if reverted else JournalStatus.FINAL,
        )

    def _update(
        self,
        tx_hash: TxHash,
        values: dict[str, Any],
        *,
        status: JournalStatus,
        only_status: Iterable[JournalStatus] | None = None,
    ) -> int:
        statement = update(JournalEntry).where(col(JournalEntry.tx_hash) == tx_hash)
        if only_status is not None:
            statement = statement.where(col(JournalEntry.status).in_(list(only_status)))
        with Session(self.engine) as session:
            changed = session.exec(
                statement.values(status=status.value, **values).execution_options(
                    synchronize_session=False
                )
            ).rowcount
            session.commit()
        return int(changed)

    # -- reads --------------------------------------------------------------------------------

    def entry(self, tx_hash: str) -> JournalEntry | None:
        """The entry of `tx_hash`, if this service signed it."""
        with Session(self.engine) as session:
            return session.exec(select(JournalEntry).where(JournalEntry.tx_hash == tx_hash)).first()

    def open_entries(self) -> list[JournalEntry]:
        """Entries not yet final, in nonce order per sender."""
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(JournalEntry)
                    .where(
                        JournalEntry.chain_id == self.chain_id,
                        col(JournalEntry.status).in_(list(JOURNAL_OPEN)),
                    )
                    .order_by(col(JournalEntry.sender), col(JournalEntry.nonce))
                ).all()
            )

    def counts(self) -> dict[str, int]:
        """Entries per status."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(JournalEntry.status, func.count())
                .where(JournalEntry.chain_id == self.chain_id)
                .group_by(col(JournalEntry.status))
            ).all()
        return {str(status): int(count) for status, count in rows}

    def repairs(self) -> list[Repair]:
        """Every rollback seen on this chain, with what became of the entries it reopened."""
        with Session(self.engine) as session:
            rollbacks = session.exec(
                select(JournalRollback)
                .where(JournalRollback.chain_id == self.chain_id)
                .order_by(col(JournalRollback.id))
            ).all()
            result = []
            for rollback in rollbacks:
                final = resigned = pending = 0
                lost: list[JournalEntry] = []
                for entry_id in json.loads(rollback.entry_ids):
                    entry = session.get(JournalEntry, entry_id)
                    while entry is not None and entry.replaced_by is not None:
                        resigned += 1
                        entry = session.get(JournalEntry, entry.replaced_by)
                    if entry is None:
                        continue
                    if entry.status == JournalStatus.FINAL:
                        final += 1
                    elif entry.status in JOURNAL_OPEN:
                        pending += 1
                    elif entry.purpose in OWN_OUTBOX:
                        resigned += 1  # its outbox signed the same work again
                    else:
                        lost.append(entry)
                result.append(
                    Repair(
                        rollback=rollback,
                        final=final,
                        resigned=resigned,
                        pending=pending,
                        lost=tuple(lost),
                    )
                )
        return result


class JournalKeeper:
    """Carries the journal's open entries to final and repairs what a rollback undid.

    `sender_for(address)` gives a `Sender` of that address (with this journal), used to sign a
    replaced entry's call again; None leaves replaced entries as they are.
    """

    def __init__(
        self,
        *,
        journal: Journal,
        chain: Chain,
        sender_for: Callable[[str], Sender] | None = None,
        resend_after: float = RESEND_AFTER,
    ) -> None:
        self.journal = journal
        self.chain = chain
        self.sender_for = sender_for
        self.resend_after = resend_after
        self._checkpoint: tuple[int, str] | None = None

    def run(self, stop: threading.Event, *, interval: float = 1.0) -> None:
        """Settle every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                self.settle()
            except LedgerError as exc:
                log.warning("journal round failed: %s", exc)
            stop.wait(interval)

    def settle(self) -> int:
        """One round: detect a rollback, then move each open entry on; returns how many
        entries became final."""
        self.check_rollback()
        latest = self.chain.latest_block()
        finalized = 0
        nonces: dict[str, int] = {}
        for entry in self.journal.open_entries():
            receipt = self.chain.receipt(TxHash(entry.tx_hash))
            if receipt is None:
                if entry.sender not in nonces:
                    nonces[entry.sender] = self._mined_nonce(entry.sender)
                self._resend(entry, nonces[entry.sender])
                continue
            block = int(receipt["blockNumber"])
            if block + self.chain.finality_depth > latest or not self._canonical(
                block, _hex(receipt["blockHash"])
            ):
                self._set(entry, status=JournalStatus.MINED, block_number=block)
                continue
            self.journal.final(TxHash(entry.tx_hash), receipt)
            if receipt["status"] != 1 and entry.rollbacks:
                self._set(
                    entry,
                    status=JournalStatus.REVERTED,
                    note="final before a rollback, reverted when mined again",
                )
            finalized += 1
        return finalized

    def check_rollback(self) -> JournalRollback | None:
        """Reopen every final entry whose block left the canonical chain; record the
        rollback. Costs one or two block look-ups when nothing changed: the block of the
        newest final entry, and the one checked last round (a chain that rolled back and
        grew past it again has new final entries on top, above the lost ones)."""
        with Session(self.journal.engine) as session:
            done = [JournalStatus.FINAL, JournalStatus.REVERTED]
            query = (
                select(JournalEntry)
                .where(
                    JournalEntry.chain_id == self.journal.chain_id,
                    col(JournalEntry.status).in_(done),
                    col(JournalEntry.block_number).is_not(None),
                )
                .order_by(col(JournalEntry.block_number).desc())
            )
            newest = session.exec(query.limit(1)).first()
            if newest is None or newest.block_number is None:
                return None
            top = (newest.block_number, newest.block_hash or "")
            suspects = [top] if self._checkpoint is None else [top, self._checkpoint]
            broken = [s for s in suspects if not self._canonical(*s)]
            if not broken:
                self._checkpoint = top
                return None
            lowest = min(number for number, _ in broken)
            head = self.chain.latest_block()
            reopened: list[int] = []
            checked: dict[tuple[int, str], bool] = {}
            for entry in session.exec(query):
                assert entry.block_number is not None and entry.block_hash is not None
                key = (entry.block_number, entry.block_hash)
                if key not in checked:
                    checked[key] = self._canonical(*key)
                if checked[key]:
                    if entry.block_number < lowest:
                        break  # every block below a canonical block is canonical
                    continue  # final on the chain as it is now, above the lost blocks
                entry.status = JournalStatus.SENT
                entry.rollbacks += 1
                entry.sent_at = None  # broadcast again at once
                entry.final_at = None
                entry.note = f"block {entry.block_number} left the chain (head {head})"
                session.add(entry)
                assert entry.id is not None
                reopened.append(entry.id)
            self._checkpoint = None
            rollback = JournalRollback(
                chain_id=self.journal.chain_id,
                final_block=max(number for number, _ in broken),
                head_block=head,
                reopened=len(reopened),
                entry_ids=json.dumps(reopened),
            )
            session.add(rollback)
            session.commit()
            session.refresh(rollback)
        log.warning(
            "chain rolled back below block %s (head %s): %s journaled transactions reopened",
            rollback.final_block,
            head,
            len(reopened),
        )
        return rollback

    # -- steps --------------------------------------------------------------------------------

    def _resend(self, entry: JournalEntry, mined_nonce: int) -> None:
        if entry.nonce < mined_nonce:
            # The nonce is used on chain; check once more that it was not by this entry.
            if self.chain.receipt(TxHash(entry.tx_hash)) is None:
                self._replace(entry)
            return
        if entry.sent_at is not None and datetime.now(UTC) - _aware(entry.sent_at) < timedelta(
            seconds=self.resend_after
        ):
            return
        try:
            self.chain.rpc(self.chain.w3.eth.send_raw_transaction, HexBytes(entry.raw_tx))
        except Web3RPCError as exc:
            text = str(exc).lower()
            if "already known" not in text and "already imported" not in text:
                log.warning("re-broadcast of %s refused: %s", entry.tx_hash, exc)
                self._set(entry, note=f"re-broadcast refused: {exc}"[:2000])
                return
        self.journal.sent(TxHash(entry.tx_hash))

    def _replace(self, entry: JournalEntry) -> None:
        """Another transaction took `entry`'s nonce: sign its call again (or leave that to the
        entry's own outbox)."""
        note = f"nonce {entry.nonce} was taken by another transaction"
        if not self.journal.replaced(TxHash(entry.tx_hash), note):
            return  # another keeper got there first
        if entry.purpose in OWN_OUTBOX or self.sender_for is None or entry.to is None:
            return
        sender = self.sender_for(entry.sender)
        tx: dict[str, Any] = {"to": entry.to, "data": entry.data}
        if int(entry.value):
            tx["value"] = int(entry.value)
        try:
            signed = sender.sign(tx, purpose=entry.purpose)  # type: ignore[arg-type]
        except TransactionReverted as exc:
            self._set(entry, status=JournalStatus.FAILED, note=f"{note}; signing again: {exc}")
            log.error("journaled %s %s lost: %s", entry.purpose, entry.tx_hash, exc)
            return
        replacement = self.journal.entry(signed.tx_hash)
        assert replacement is not None
        self._set(entry, replaced_by=replacement.id)
        try:
            sender.broadcast(signed)
        except TransactionError as exc:  # the next round sends it again
            log.warning("broadcast of %s failed: %s", signed.tx_hash, exc)
        log.info("journaled %s %s signed again as %s", entry.purpose, entry.tx_hash, signed.tx_hash)

    def _mined_nonce(self, sender: str) -> int:
        return int(self.chain.rpc(self.chain.w3.eth.get_transaction_count, sender, "latest"))

    def _canonical(self, number: int, block_hash: str) -> bool:
        try:
            block = self.chain.rpc(self.chain.w3.eth.get_block, number)
        except BlockNotFound:
            return False
        return _hex(block["hash"]) == block_hash

    def _set(self, entry: JournalEntry, **values: Any) -> None:
        with Session(self.journal.engine) as session:
            session.exec(
                update(JournalEntry)
                .where(col(JournalEntry.id) == entry.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
