"""Floor-plan services behind the inventory routes, pages and CLI: vehicle references, pledges,
audit secrets, reads of the floor plan's read models (`ledger.read_models`), alerts, charges and
the CSV inventory import."""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from ledger.audit_outcomes import LOT_AUDIT as LOT_AUDIT  # its events are in the mirror
from ledger.audit_outcomes import audit_outcomes
from ledger.chain import Chain, checksum
from ledger.consortium import ConsortiumClient, Member, Principal, Role
from ledger.deployments import Deployed
from ledger.errors import Conflict, NotFound, Refused, TransactionReverted, Unprocessable
from ledger.financing import (
    BPS,
    DAY,
    MAX_AMOUNT,
    YEAR,
    Curtailments,
    Payment,
    Payoff,
    interest,
    payoff,
)
from ledger.floorplan import (
    BATCH_SIZE,
    CHECK_ALL,
    Audit,
    AuditId,
    AuditStatus,
    Confirmation,
    FloorPlanClient,
    KeyKind,
    Line,
    LineId,
    LotAuditClient,
    NewVehicle,
    Outcome,
    Vehicle,
    VehicleStatus,
    audit_commitment,
    drawn,
    registration_bytes,
)
from ledger.indexer import MAX_PAGE
from ledger.indexer import events as indexed_events
from ledger.keyring import Keyring
from ledger.read_models import ALERT_EVENTS as ALERT_EVENTS  # the kinds, shown by pages
from ledger.read_models import FLOOR_PLAN, AlertState, FloorPlanIndex, IndexedVehicle
from ledger.transactions import Sent
from ledger.vin import (
    InvalidIdentifier,
    InvalidVin,
    VehicleKeys,
    VinHash,
    normalize_identifier,
    normalize_vin,
    vin_hash,
)
from ledger.vin_directory import VinDirectory, VinEntry


class Runtime(Protocol):
    """What the financing services use of a started service (`api.runtime.Runtime` is one):
    taken as an argument, so this module never reaches up into the layer that wires it."""

    @property
    def chain(self) -> Chain: ...

    @property
    def consortium(self) -> ConsortiumClient: ...

    @property
    def floorplan(self) -> FloorPlanClient: ...

    @property
    def lot_audit(self) -> LotAuditClient: ...

    @property
    def contracts(self) -> dict[str, Deployed]: ...

    @property
    def keyring(self) -> Keyring | None: ...

    @property
    def engine(self) -> Engine: ...

    def fresh_block(self) -> int:
        """The block the read models reflect, once brought up to the chain's latest block."""
        ...

    def block_time(self, number: int) -> int:
        """The timestamp of block `number`."""
        ...

    def member_now(self, key: int | str) -> Member:
        """Consortium member `key` as of the latest block (read once per block)."""
        ...


MAX_BATCH = BATCH_SIZE
"""Most vehicles one API request (or one import transaction) names: a batch of 100 new
vehicles is about 7.3 M gas, a quarter of a 30 M block (see `ledger.floorplan.BATCH_SIZE`)."""

KEY_NAMES = {
    KeyKind.VIN: "VIN",
    KeyKind.CERTIFICATE: "certificate of conformity number",
    KeyKind.ENGINE: "engine number",
}
"""How a uniqueness key is named in messages."""

_HASH = re.compile(r"0x[0-9a-fA-F]{64}")

# Reverts that are about the line or the caller, not a vehicle: retrying a failed batch one
# vehicle at a time cannot help.
_LINE_ERRORS = frozenset(
    {
        "FloorPlanUnknownLine",
        "FloorPlanNotLineLender",
        "FloorPlanInvalidLineStatus",
        "ConsortiumMissingRole",
        "ConsortiumMemberNotActive",
        "ConsortiumNotMember",
    }
)


class PledgeConflict(Conflict):
    """An advance would put a second active lien on a VIN, certificate or engine number (409).

    The detail names the vehicle and which of its keys is taken, never the other lien's lender
    or terms (the contract does not reveal them either)."""


# -- vehicles -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VehicleRef:
    """A vehicle named by its VIN (validated) or by the 0x-hex hash of its VIN, as listings
    show it (the chain stores hashes only)."""

    vin: str | None
    vin_hash: VinHash

    @classmethod
    def parse(cls, text: str) -> VehicleRef:
        """From a VIN or ``0x`` + 64 hex digits; raises `InvalidVin` naming what is wrong."""
        text = text.strip()
        if _HASH.fullmatch(text):
            return cls(vin=None, vin_hash=VinHash(bytes.fromhex(text[2:])))
        vin = normalize_vin(text)
        return cls(vin=vin, vin_hash=vin_hash(vin))

    @property
    def label(self) -> str:
        """The VIN when known, else the hash."""
        return self.vin or hex32(self.vin_hash)


def hex32(value: bytes) -> str:
    """32 bytes as 0x-hex."""
    return "0x" + bytes(value).hex()


@dataclass(frozen=True, kw_only=True)
class Pledge:
    """A vehicle to advance on, as given: its identifiers, their on-chain keys and its value."""

    vin: str
    certificate: str
    engine: str
    value: int
    keys: VehicleKeys

    @classmethod
    def of(cls, *, vin: str, certificate: str, engine: str, value: int) -> Pledge:
        """Validate and hash; raises `InvalidVin` or `InvalidIdentifier`."""
        return cls(
            vin=normalize_vin(vin),
            certificate=normalize_identifier(certificate),
            engine=normalize_identifier(engine),
            value=value,
            keys=VehicleKeys.of(vin=vin, certificate=certificate, engine=engine),
        )

    def key(self, kind: KeyKind) -> bytes:
        """The on-chain key of `kind`."""
        if kind is KeyKind.VIN:
            return self.keys.vin_hash
        return self.keys.certificate_hash if kind is KeyKind.CERTIFICATE else self.keys.engine_hash

    def text(self, kind: KeyKind) -> str:
        """The normalized identifier of `kind`."""
        if kind is KeyKind.VIN:
            return self.vin
        return self.certificate if kind is KeyKind.CERTIFICATE else self.engine

    def new_vehicle(self) -> NewVehicle:
        """The contract's argument for this vehicle."""
        return NewVehicle.of(self.keys, self.value)

    def entry(self, **description: str) -> VinEntry:
        """The VIN directory's record of this vehicle (`description`: make, model, colour,
        stock_number)."""
        return VinEntry(
            vin=self.vin,
            vin_hash=self.keys.vin_hash,
            certificate=self.certificate,
            engine=self.engine,
            **description,
        )


def vin_directory(runtime: Runtime) -> VinDirectory:
    """The VIN directory of the runtime's chain."""
    return VinDirectory(runtime.engine, chain_id=runtime.chain.chain_id)


def first_duplicate(pledges: Sequence[Pledge]) -> tuple[int, int, KeyKind] | None:
    """(later index, earlier index, key kind) of the first key two `pledges` share, if any."""
    seen: dict[tuple[KeyKind, bytes], int] = {}
    for index, pledge in enumerate(pledges):
        for kind in KeyKind:
            earlier = seen.setdefault((kind, pledge.key(kind)), index)
            if earlier != index:
                return index, earlier, kind
    return None


def pledge_conflict(exc: TransactionReverted, pledges: Sequence[Pledge]) -> tuple[int, KeyKind]:
    """(index, kind) of the pledge whose key a ``FloorPlanAlreadyPledged`` revert names.

    Re-raises `exc` for any other revert, or a key none of `pledges` holds."""
    if exc.error == "FloorPlanAlreadyPledged":
        key, kind = bytes(exc.arguments["key"]), KeyKind(int(exc.arguments["kind"]))
        for index, pledge in enumerate(pledges):
            if pledge.key(kind) == key:
                return index, kind
    raise exc


def taken_reason(pledge: Pledge, kind: KeyKind) -> str:
    """Why `pledge` cannot be advanced on: its key of `kind` is held by an active lien."""
    return f"its {KEY_NAMES[kind]} {pledge.text(kind)!r} is already under an active lien"


def advance(
    client: FloorPlanClient, line_id: int, pledges: Sequence[Pledge], registration: str | None
) -> Sent:
    """Advance on `pledges` on line `line_id` in one transaction, as `client`'s sender.

    Raises `Unprocessable` when two vehicles of the batch share a key, and `PledgeConflict`
    naming the vehicle and key when an active lien already holds one; other reverts propagate
    as `TransactionReverted`.
    """
    duplicate = first_duplicate(pledges)
    if duplicate is not None:
        later, earlier, kind = duplicate
        raise Unprocessable(
            f"vehicles[{later}] repeats the {KEY_NAMES[kind]} of vehicles[{earlier}]"
            f" ({pledges[later].text(kind)!r})"
        )
    try:
        return client.advance(
            line_id, [p.new_vehicle() for p in pledges], registration=registration
        )
    except TransactionReverted as exc:
        index, kind = pledge_conflict(exc, pledges)
        pledge = pledges[index]
        raise PledgeConflict(
            f"vehicles[{index}] (VIN {pledge.vin}): {taken_reason(pledge, kind)}"
            f" (FloorPlanAlreadyPledged, key {KEY_NAMES[kind]})"
        ) from exc


def is_pledged(client: FloorPlanClient, vin_hash: bytes, *, asked_by: str) -> bool:
    """The contract's yes/no lien check, asked as the member at `asked_by` (no key needed)."""
    function = client.contract.functions.isPledged(bytes(vin_hash))
    return bool(client.sender.chain.rpc(function.call, {"from": asked_by}))


# -- lot audit secrets --------------------------------------------------------------------------

AUDIT_SECRET_LABEL = b"autoledger/lot-audit-secret/v1"
"""Domain label of the HMAC that derives audit secrets from the service's master key."""

AUDIT_ID_SEARCH = 64
"""How many audit ids below its own `reveal` tries when looking for an audit's secret: the id
is predicted when the audit is opened, and audits opened at the same moment elsewhere can push
the real id up (one per concurrent opening)."""


def audit_secret(
    master_key: bytes, *, chain_id: int, lot_audit: str, line_id: int, opener_id: int, slot: int
) -> bytes:
    """The commit-reveal secret of a sampled audit: HMAC-SHA256 under the master key of the
    chain, the LotAudit address, the line, the opener's member id and the audit id predicted
    at opening (`slot`).

    Nothing is stored between opening and reveal: the service derives the secret again. The
    dealer cannot compute it (it lacks the master key), and the opener cannot steer the draw
    (the seed also takes the hash of a block mined after the commitment).
    """
    message = b"|".join(
        [
            AUDIT_SECRET_LABEL,
            str(chain_id).encode(),
            lot_audit.lower().encode(),
            str(line_id).encode(),
            str(opener_id).encode(),
            str(slot).encode(),
        ]
    )
    return hmac.new(master_key, message, hashlib.sha256).digest()


def open_audit(
    audits: LotAuditClient,
    master_key: bytes,
    *,
    line_id: int,
    opener_id: int,
    sample_bps: int,
    freeze_on_missing: bool,
) -> AuditId:
    """Open an audit of `line_id` as `audits`' sender; a sampled one commits to `audit_secret`."""
    if sample_bps >= CHECK_ALL:
        return audits.open_audit(line_id, sample_bps=CHECK_ALL, freeze_on_missing=freeze_on_missing)
    chain = audits.sender.chain
    slot = int(chain.rpc(audits.contract.functions.auditCount().call)) + 1
    secret = audit_secret(
        master_key,
        chain_id=chain.chain_id,
        lot_audit=audits.address,
        line_id=line_id,
        opener_id=opener_id,
        slot=slot,
    )
    return audits.open_audit(
        line_id, sample_bps=sample_bps, secret=secret, freeze_on_missing=freeze_on_missing
    )


def reveal_audit(audits: LotAuditClient, master_key: bytes, audit: Audit) -> Sent:
    """Reveal `audit`'s secret, derived again (see `audit_secret`), as its opener.

    Raises `Conflict` when no derivation matches the commitment (opened by another service,
    or the master key changed): close that audit and open a new one.
    """
    chain = audits.sender.chain
    for slot in range(audit.id, max(audit.id - AUDIT_ID_SEARCH, 0), -1):
        secret = audit_secret(
            master_key,
            chain_id=chain.chain_id,
            lot_audit=audits.address,
            line_id=audit.line_id,
            opener_id=audit.opener_id,
            slot=slot,
        )
        if audit_commitment(secret) == audit.commitment:
            return audits.reveal_audit(audit.id, secret)
    raise Conflict(
        f"audit {audit.id} was not committed to a secret this service can derive (opened"
        " elsewhere, or the master key changed): close it and open a new one"
    )


# -- the read models ---------------------------------------------------------------------------


def floor_plan_index(runtime: Runtime) -> FloorPlanIndex:
    """The floor plan's read models (`ledger.read_models`), brought up to the chain's latest
    block first, so a read reflects every write made before it; figures that depend on the time
    are taken at that block's time (the contract's "now")."""
    block = runtime.fresh_block()
    return FloorPlanIndex(
        runtime.engine, runtime.chain.chain_id, block=block, now=runtime.block_time(block)
    )


line_events = floor_plan_index
"""The old name, kept for the pages that fetch the read once per page and pass it on."""


def line_vehicles(index: FloorPlanIndex, line_id: int, *, active_only: bool) -> list[Vehicle]:
    """The vehicles whose current (or last) lien is on line `line_id`; only those under an
    active lien when `active_only`."""
    return [v.vehicle for v in index.line_vehicles(line_id, active_only=active_only)]


def chain_now(chain: Chain) -> int:
    """The latest block's timestamp: the contract's "now" (a live call, for writes' deadlines;
    reads take the time of the block their read models reflect, `FloorPlanIndex.now`)."""
    return int(chain.rpc(chain.w3.eth.get_block, "latest")["timestamp"])


# -- alerts -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Alert:
    """Something a lender or regulator must look at.

    `recorded` alerts come from contract events (with their block, transaction and time);
    unrecorded ones are read from the current state of active liens: a deadline passed but no
    one has flagged it on chain yet (anyone may, with the floor plan's flag functions).
    """

    kind: str
    line_id: int | None
    vin_hash: str | None
    recorded: bool
    block_number: int | None
    tx_hash: str | None
    at: int | None
    details: dict[str, Any] = field(default_factory=dict)


def recorded_alert(alert: AlertState) -> Alert:
    """A recorded alert of the read models as the routes and pages show it."""
    return Alert(
        kind=alert.kind,
        line_id=alert.line_id,
        vin_hash=alert.vin_hash,
        recorded=True,
        block_number=alert.block_number,
        tx_hash=alert.tx_hash,
        at=alert.at,
        details=alert.details,
    )


def pending_alerts(vehicles: Iterable[IndexedVehicle], now: int) -> list[Alert]:
    """Alerts the state of active liens calls for and no event records yet, at time `now`."""
    found = []
    for indexed in vehicles:
        v = indexed.vehicle
        if (
            v.status is VehicleStatus.SOLD_OUT_OF_TRUST
            and indexed.state.status == VehicleStatus.SOLD
        ):
            found.append(_pending("sold_out_of_trust", v, {"payoffDueAt": v.payoff_due_at}))
        if not v.confirmed and not v.flagged_unconfirmed and v.confirm_by < now:
            found.append(_pending("unconfirmed", v, {"confirmBy": v.confirm_by}))
        if v.status is VehicleStatus.FINANCED:
            due = indexed.curtailments(now)
            if due.steps_due > v.curtailments_flagged and due.overdue > 0:
                details = {"due": due.due, "paid": due.paid}
                found.append(_pending("curtailment_overdue", v, details))
    return found


def _pending(kind: str, vehicle: Vehicle, details: dict[str, Any]) -> Alert:
    return Alert(
        kind=kind,
        line_id=vehicle.line_id,
        vin_hash=hex32(vehicle.vin_hash),
        recorded=False,
        block_number=None,
        tx_hash=None,
        at=None,
        details=details,
    )


# -- charges ------------------------------------------------------------------------------------

INTEREST_FORMULA = f"principal * rate_bps * seconds // ({BPS} * {YEAR})"
"""Simple interest per accrual period, rounded down: the contract's and `ledger.financing`'s."""


def charges(
    client: FloorPlanClient,
    payments: Sequence[Payment],
    vehicle: Vehicle,
    *,
    at: int,
) -> dict[str, Any]:
    """Every charge of `vehicle`'s active lien at time `at`, explained, with the contract's own
    payoff figure beside the one recomputed here (`matches_contract`); `payments` are the
    lien's curtailment payments (see `lien_payments`). The contract's figures are live calls,
    on purpose: they are what the recomputation is checked against.

    Interest accrues per period: from disbursement to the first curtailment payment, between
    payments, and from the last one to `at`; each period's interest is rounded down on its own.
    """
    _, terms = client.terms(vehicle.terms_id)
    periods = []
    principal, start = vehicle.advance, vehicle.disbursed_at
    for moment, paid in [(p.at, p.amount) for p in payments] + [(at, 0)]:
        amount = interest(principal, terms.interest_rate_bps, moment - start)
        periods.append(
            {
                "from": start,
                "to": moment,
                "seconds": moment - start,
                "principal": principal,
                "interest": amount,
                "ended_by_payment": paid or None,
            }
        )
        principal, start = principal - paid, moment
    ours = payoff(
        advance=vehicle.advance,
        interest_rate_bps=terms.interest_rate_bps,
        fee=terms.fee_per_vehicle,
        disbursed_at=vehicle.disbursed_at,
        at=at,
        payments=payments,
    )
    theirs = client.payoff(vehicle.vin_hash, at)
    due = client.curtailments(vehicle.vin_hash, at)
    schedule = [
        {
            "day": step.day,
            "bps": step.bps,
            "due_at": vehicle.disbursed_at + step.day * DAY,
            "amount": vehicle.advance * step.bps // BPS,
        }
        for step in terms.curtailments
    ]
    return {
        "vin_hash": hex32(vehicle.vin_hash),
        "line_id": vehicle.line_id,
        "terms_id": vehicle.terms_id,
        "status": vehicle.status.name.lower(),
        "as_of": at,
        "principal": {
            "advance": vehicle.advance,
            "paid": vehicle.advance - ours.principal,
            "outstanding": ours.principal,
            "disbursed_at": vehicle.disbursed_at,
        },
        "interest": {
            "formula": INTEREST_FORMULA,
            "rate_bps": terms.interest_rate_bps,
            "periods": periods,
            "total": ours.interest,
        },
        "fee": {"per_vehicle": terms.fee_per_vehicle, "charged": "with the payoff"},
        "payoff": _figures(ours.principal, ours.interest, ours.fee),
        "contract_payoff": _figures(theirs.principal, theirs.interest, theirs.fee),
        "matches_contract": ours == theirs,
        "payoff_due_at": vehicle.payoff_due_at,
        "curtailments": {
            "schedule": schedule,
            "due": due.due,
            "paid": due.paid,
            "overdue": due.overdue,
            "next_due_at": due.next_due_at,
        },
    }


def lien_payments(engine: Engine, chain_id: int, vehicle: Vehicle) -> list[Payment]:
    """The curtailment payments of `vehicle`'s current lien, from the event mirror."""
    found = indexed_events(
        engine,
        chain_id=chain_id,
        contract=FLOOR_PLAN,
        event="CurtailmentPaid",
        args={"vinHash": bytes(vehicle.vin_hash), "lineId": vehicle.line_id},
        limit=MAX_PAGE,
    )
    payments = []
    for e in found:
        moment = e.block_time if e.block_time.tzinfo else e.block_time.replace(tzinfo=UTC)
        at = int(moment.timestamp())
        if at >= vehicle.disbursed_at:
            payments.append(Payment(at=at, amount=int(e.args["amount"])))
    return payments


def _figures(principal: int, interest_: int, fee: int) -> dict[str, int]:
    return {
        "principal": principal,
        "interest": interest_,
        "fee": fee,
        "total": principal + interest_ + fee,
    }


# -- CSV inventory import -----------------------------------------------------------------------

CSV_COLUMNS = ("vin", "certificate", "engine", "value")
"""Columns an inventory file must have (header row, any order, case-insensitive)."""

CSV_OPTIONAL_COLUMNS = ("registration", "make", "model", "colour", "stock")
"""Columns an inventory file may have; others are ignored."""


class InventoryFileError(Refused):
    """An inventory file that cannot be imported at all (unreadable, columns missing)."""

    status = 422


@dataclass(frozen=True, kw_only=True)
class ImportRow:
    """A row of an inventory file that passed the checks made before sending."""

    row: int
    pledge: Pledge
    registration: str | None
    description: dict[str, str] = field(default_factory=dict)
    """make, model, colour, stock_number as the file gives them (for the VIN directory)."""


@dataclass(frozen=True, kw_only=True)
class Rejection:
    """A row not advanced: its row number (the header is row 1), VIN as written, and why."""

    row: int
    vin: str
    reason: str


@dataclass(kw_only=True)
class ImportReport:
    """What an import did: rows advanced (with each advance), rows rejected, transactions."""

    advanced: list[tuple[ImportRow, int]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    transactions: int = 0

    @property
    def total_advance(self) -> int:
        """Principal advanced over all rows."""
        return sum(amount for _, amount in self.advanced)


MAX_IMPORT_ROWS = 10_000
"""Most vehicle rows one import file holds: a large dealer group's whole stock, 100
transactions of `MAX_BATCH`. A longer file is refused before any row is checked or sent;
split it."""

MAX_IMPORT_BYTES = 4 << 20
"""Largest import file read: 10,000 rows of VIN, certificate, engine number, value and
registration are about 1 MB; four times that leaves room for wide cells, not for a wrong file."""


def read_inventory(path: Path) -> tuple[list[ImportRow], list[Rejection]]:
    """The rows of inventory file `path` ready to advance, and those rejected already.

    Checks per row: every required column has a value; `value` is a whole number of the
    smallest currency unit from 1 to `MAX_AMOUNT`; the VIN is valid (`normalize_vin`); the
    certificate and engine numbers are not empty; the registration fits 32 bytes; no VIN,
    certificate or engine number repeats an earlier row's (the earlier row is kept). Raises
    `InventoryFileError` when the file cannot be read, is larger than `MAX_IMPORT_BYTES`,
    holds more than `MAX_IMPORT_ROWS` rows, or its header lacks a required column.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InventoryFileError(f"cannot read {path}: {exc}") from exc
    if size > MAX_IMPORT_BYTES:
        raise InventoryFileError(
            f"{path}: {size} bytes; an import file holds at most {MAX_IMPORT_BYTES} bytes"
            f" ({MAX_IMPORT_ROWS} rows): split it"
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [c for c in CSV_COLUMNS if c not in header]
            if missing:
                raise InventoryFileError(
                    f"{path}: missing column(s) {', '.join(missing)}; the header must name"
                    f" {', '.join(CSV_COLUMNS)} (and optionally {', '.join(CSV_OPTIONAL_COLUMNS)})"
                )
            records = []
            for fields in reader:
                if any(f.strip() for f in fields):
                    records.append((reader.line_num, fields))
                if len(records) > MAX_IMPORT_ROWS:
                    raise InventoryFileError(
                        f"{path}: more than {MAX_IMPORT_ROWS} rows; an import holds at most"
                        f" {MAX_IMPORT_ROWS}: split the file"
                    )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InventoryFileError(f"cannot read {path}: {exc}") from exc
    ready: list[ImportRow] = []
    rejected: list[Rejection] = []
    seen: dict[tuple[KeyKind, bytes], int] = {}
    for row, fields in records:
        if not any(f.strip() for f in fields):
            continue  # blank line
        record = {
            name: fields[i].strip() if i < len(fields) else "" for i, name in enumerate(header)
        }
        try:
            checked = _check_row(row, record, len(fields) > len(header))
        except _Rejected as exc:
            rejected.append(Rejection(row=row, vin=record.get("vin", ""), reason=str(exc)))
            continue
        keys = [(kind, checked.pledge.key(kind)) for kind in KeyKind]
        earlier = next(
            ((kind, seen[(kind, key)]) for kind, key in keys if (kind, key) in seen), None
        )
        if earlier is not None:
            kind, first = earlier
            text = checked.pledge.text(kind)
            reason = f"duplicate {KEY_NAMES[kind]} {text!r}: row {first} has it already"
            rejected.append(Rejection(row=row, vin=record["vin"], reason=reason))
            continue
        for key in keys:
            seen[key] = row
        ready.append(checked)
    return ready, rejected


class _Rejected(Exception):
    """A row fails a check; the message is the reason."""


def _check_row(row: int, record: dict[str, str], extra_fields: bool) -> ImportRow:
    if extra_fields:
        raise _Rejected("more fields than the header names")
    empty = [c for c in CSV_COLUMNS if not record.get(c)]
    if empty:
        raise _Rejected(f"missing value for {', '.join(empty)}")
    text = record["value"].replace("_", "").replace(",", "")
    if not text.isdigit():
        raise _Rejected(
            f"value {record['value']!r} is not a whole number of the smallest currency unit"
        )
    value = int(text)
    if not 1 <= value <= MAX_AMOUNT:
        raise _Rejected(f"value {value} is outside 1..{MAX_AMOUNT}")
    try:
        pledge = Pledge.of(
            vin=record["vin"],
            certificate=record["certificate"],
            engine=record["engine"],
            value=value,
        )
    except InvalidVin as exc:
        raise _Rejected(f"invalid VIN: {exc.reason}") from exc
    except InvalidIdentifier as exc:
        raise _Rejected(str(exc)) from exc
    registration = record.get("registration") or None
    if registration is not None:
        try:
            registration_bytes(registration)
        except ValueError as exc:
            raise _Rejected(f"registration: {exc}") from exc
    description = {
        "make": record.get("make", ""),
        "model": record.get("model", ""),
        "colour": record.get("colour", ""),
        "stock_number": record.get("stock", ""),
    }
    return ImportRow(row=row, pledge=pledge, registration=registration, description=description)


def import_inventory(
    client: FloorPlanClient,
    line_id: int,
    rows: Sequence[ImportRow],
    *,
    directory: VinDirectory | None = None,
    report: ImportReport | None = None,
    on_progress: Callable[[ImportReport, int], None] = lambda _report, _done: None,
) -> ImportReport:
    """Advance `rows` on line `line_id` as `client`'s sender (the line's lender).

    Rows go in batches of up to `MAX_BATCH` sharing one registration (the contract stores one
    registration per batch). Before each batch every VIN is asked `isPledged` and pledged ones
    are rejected. If a batch still reverts (a certificate or engine number pledged elsewhere,
    the limit), its rows are retried one at a time so that only the bad ones are rejected;
    a revert about the line itself (frozen, closed, not the caller's) rejects the batch's rows
    with that reason. `on_progress(report, rows_done)` is called after each batch and row.
    Each advanced row goes into `directory` (when given) once its transaction is final.
    """
    report = ImportReport() if report is None else report
    done = 0
    for batch in _batches(rows):
        registration = batch[0].registration
        pending = []
        for item in batch:
            if is_pledged(client, item.pledge.keys.vin_hash, asked_by=client.sender.address):
                reason = taken_reason(item.pledge, KeyKind.VIN)
                report.rejected.append(Rejection(row=item.row, vin=item.pledge.vin, reason=reason))
                done += 1
            else:
                pending.append(item)
        on_progress(report, done)
        if not pending:
            continue
        try:
            _advance_rows(client, line_id, pending, registration, report, directory)
        except TransactionReverted as exc:
            if exc.error in _LINE_ERRORS or len(pending) == 1:
                for item in pending:
                    report.rejected.append(_rejection(item, exc))
            else:
                for item in pending:
                    try:
                        _advance_rows(client, line_id, [item], registration, report, directory)
                    except TransactionReverted as single:
                        report.rejected.append(_rejection(item, single))
                    done += 1
                    on_progress(report, done)
                continue
        done += len(pending)
        on_progress(report, done)
    report.rejected.sort(key=lambda r: r.row)
    return report


def _batches(rows: Sequence[ImportRow]) -> list[list[ImportRow]]:
    groups: dict[str | None, list[ImportRow]] = {}
    for row in rows:
        groups.setdefault(row.registration, []).append(row)
    return [
        group[start : start + MAX_BATCH]
        for group in groups.values()
        for start in range(0, len(group), MAX_BATCH)
    ]


def _advance_rows(
    client: FloorPlanClient,
    line_id: int,
    rows: Sequence[ImportRow],
    registration: str | None,
    report: ImportReport,
    directory: VinDirectory | None,
) -> None:
    sent = client.advance(
        line_id, [r.pledge.new_vehicle() for r in rows], registration=registration
    )
    report.transactions += 1
    if directory is not None:
        directory.record(line_id, [r.pledge.entry(**r.description) for r in rows])
    advances = {
        bytes(e.args["vinHash"]): int(e.args["advance"])
        for e in client.events(sent)
        if e.name == "VehicleFinanced"
    }
    for row in rows:
        report.advanced.append((row, advances.get(row.pledge.keys.vin_hash, 0)))


def _rejection(item: ImportRow, exc: TransactionReverted) -> Rejection:
    pledge = item.pledge
    if exc.error == "FloorPlanAlreadyPledged":
        try:
            _, kind = pledge_conflict(exc, [pledge])
        except TransactionReverted:
            reason = str(exc)
        else:
            reason = taken_reason(pledge, kind)
    elif exc.error == "FloorPlanLimitExceeded":
        args = exc.arguments
        reason = (
            f"over the line's limit: {args['requested']} more on {args['outstanding']}"
            f" outstanding exceeds the limit of {args['limit']}"
        )
    else:
        reason = str(exc)
    return Rejection(row=item.row, vin=pledge.vin, reason=reason)


# -- who sees which line, and what the routes and pages show of it -------------------------------
#
# The /v1 inventory routes and the dealer and lender pages call these, so both apply the same
# object-level rule: a lender sees only its own lines, a dealer only the lines it is the dealer
# of, a regulator every line; any other line (or a vehicle on one) is absent (`NotFound`).


def sees_all_lines(principal: Principal) -> bool:
    """Whether `principal` reads every line (regulators)."""
    return Role.REGULATOR in principal.roles


def read_line(client: FloorPlanClient, line_id: int) -> Line | None:
    """Line `line_id`, or None when there is none."""
    try:
        return client.line(line_id)
    except TransactionReverted as exc:
        if exc.error == "FloorPlanUnknownLine":
            return None
        raise


def indexed_line(runtime: Runtime, line_id: int) -> Line | None:
    """Line `line_id` from the read models (brought up to the latest block), or None."""
    return floor_plan_index(runtime).line(line_id)


def visible_line(runtime: Runtime, principal: Principal, line_id: int) -> Line:
    """Line `line_id` if `principal` is its lender or dealer or a regulator; `NotFound`
    otherwise."""
    line = indexed_line(runtime, line_id)
    if line is None or not (
        sees_all_lines(principal) or principal.member_id in (line.lender_id, line.dealer_id)
    ):
        raise NotFound(f"no line {line_id}")
    return line


def lender_line(runtime: Runtime, principal: Principal, line_id: int) -> Line:
    """Line `line_id` if `principal` is its lender; `NotFound` otherwise."""
    line = indexed_line(runtime, line_id)
    if line is None or line.lender_id != principal.member_id:
        raise NotFound(f"no line {line_id} of yours as its lender")
    return line


def dealer_line(runtime: Runtime, principal: Principal, line_id: int) -> Line:
    """Line `line_id` if `principal` is its dealer; `NotFound` otherwise."""
    line = indexed_line(runtime, line_id)
    if line is None or line.dealer_id != principal.member_id:
        raise NotFound(f"no line {line_id} of yours as its dealer")
    return line


def visible_lines(
    runtime: Runtime,
    principal: Principal,
    *,
    lender_id: int | None = None,
    dealer_id: int | None = None,
) -> list[Line]:
    """The lines `principal` is lender or dealer of (every line for a regulator), of lender
    `lender_id` / dealer `dealer_id` when given, ascending id."""
    return [
        line
        for line in floor_plan_index(runtime).lines(lender_id=lender_id, dealer_id=dealer_id)
        if sees_all_lines(principal) or principal.member_id in (line.lender_id, line.dealer_id)
    ]


def party_names(runtime: Runtime, lines: Iterable[Line]) -> dict[int, str]:
    """The names of the parties of `lines`, each member read once."""
    ids = {i for line in lines for i in (line.lender_id, line.dealer_id)}
    return {i: runtime.member_now(i).name for i in ids}


def vehicle_refs(texts: Sequence[str]) -> list[VehicleRef]:
    """Parse vehicle references (`InvalidVin` for a bad one); the same vehicle twice is
    `Unprocessable`."""
    refs = [VehicleRef.parse(text) for text in texts]
    seen: set[bytes] = set()
    for index, ref in enumerate(refs):
        if ref.vin_hash in seen:
            raise Unprocessable(f"vehicles[{index}] ({ref.label}) is named twice")
        seen.add(ref.vin_hash)
    return refs


def vehicles_on_line(runtime: Runtime, line_id: int, refs: Sequence[VehicleRef]) -> list[Vehicle]:
    """The vehicles of `refs`, each under an active lien on line `line_id`; `NotFound`
    naming the first that is not."""
    found = []
    for ref in refs:
        vehicle = runtime.floorplan.vehicle(ref.vin_hash)
        if vehicle is None or vehicle.line_id != line_id or not vehicle.status.pledged:
            raise NotFound(f"no vehicle {ref.label} under a lien on line {line_id}")
        found.append(vehicle)
    return found


def visible_vehicle(
    runtime: Runtime, principal: Principal, text: str
) -> tuple[VehicleRef, Vehicle]:
    """The vehicle `text` names (VIN or VIN hash) if its lien's line is visible to
    `principal` (`visible_line`); `NotFound` otherwise, `InvalidVin` for a bad reference."""
    ref = VehicleRef.parse(text)
    indexed = floor_plan_index(runtime).vehicle(ref.vin_hash)
    vehicle = None if indexed is None else indexed.vehicle
    if vehicle is None:
        raise NotFound(f"no financed vehicle {ref.label}")
    try:
        visible_line(runtime, principal, vehicle.line_id)
    except NotFound as exc:
        raise NotFound(f"no financed vehicle {ref.label}") from exc
    return ref, vehicle


@dataclass(frozen=True, kw_only=True)
class Obligation:
    """What the dealer owes on one vehicle: the contract's payoff and curtailment figures."""

    vehicle: Vehicle
    payoff: Payoff
    curtailments: Curtailments


@dataclass(frozen=True, kw_only=True)
class Obligations:
    """What the dealer owes on line `line_id` at block time `as_of`."""

    line_id: int
    as_of: int
    vehicles: list[Obligation]

    @property
    def total_payoff(self) -> int:
        """Paying off every active lien of the line now."""
        return sum(o.payoff.total for o in self.vehicles)

    @property
    def total_curtailments_overdue(self) -> int:
        """Curtailments due and not paid, over the line."""
        return sum(o.curtailments.overdue for o in self.vehicles)


def obligations(
    runtime: Runtime, line_id: int, *, events: FloorPlanIndex | None = None
) -> Obligations:
    """Each active lien of line `line_id` with its payoff and curtailments at the time of the
    block the read models reflect (the caller checks the line is visible)."""
    index = floor_plan_index(runtime) if events is None else events
    now = index.now
    owed = [
        Obligation(vehicle=v.vehicle, payoff=v.payoff(now), curtailments=v.curtailments(now))
        for v in index.line_vehicles(line_id, active_only=True)
    ]
    return Obligations(line_id=line_id, as_of=now, vehicles=owed)


def explain_charges(
    runtime: Runtime, ref: VehicleRef, vehicle: Vehicle, *, at: int | None = None
) -> dict[str, Any]:
    """`charges` of `vehicle`'s active lien at block time `at` (default now); `Conflict` when
    it has no active lien."""
    if not vehicle.status.pledged:
        raise Conflict(f"{ref.label} has no active lien: nothing is charged")
    at = floor_plan_index(runtime).now if at is None else at
    payments = lien_payments(runtime.engine, runtime.chain.chain_id, vehicle)
    return charges(runtime.floorplan, payments, vehicle, at=at)


# -- dealer confirmations -----------------------------------------------------------------------

CONFIRMATION_LIFETIME = 86_400
"""Default seconds a confirmation's typed data stays valid: a day to get it signed."""


def awaiting_confirmation(
    runtime: Runtime, line_id: int, *, events: FloorPlanIndex | None = None
) -> list[Vehicle]:
    """The vehicles under an active lien on line `line_id` that its dealer has not confirmed."""
    index = floor_plan_index(runtime) if events is None else events
    return [v for v in line_vehicles(index, line_id, active_only=True) if not v.confirmed]


def confirmation_to_sign(
    runtime: Runtime, line_id: int, refs: Sequence[VehicleRef], *, valid_for: int
) -> Confirmation:
    """The confirmation of `refs` (every unconfirmed vehicle when empty, up to `MAX_BATCH`)
    on line `line_id`, valid `valid_for` seconds from the latest block. Raises `NotFound` for
    a vehicle not under a lien on the line, `Conflict` when none awaits confirmation."""
    if refs:
        if len(refs) > MAX_BATCH:
            raise Unprocessable(f"at most {MAX_BATCH} vehicles per confirmation")
        hashes = [v.vin_hash for v in vehicles_on_line(runtime, line_id, refs)]
    else:
        hashes = [v.vin_hash for v in awaiting_confirmation(runtime, line_id)][:MAX_BATCH]
        if not hashes:
            raise Conflict(f"no vehicle on line {line_id} awaits your confirmation")
    deadline = chain_now(runtime.chain) + valid_for
    return runtime.floorplan.confirmation(line_id, hashes, deadline=deadline)


def signed_confirmation(
    runtime: Runtime,
    *,
    line_id: int,
    dealer: str,
    vin_hashes: Sequence[bytes],
    lender: str,
    nonce: int,
    deadline: int,
) -> Confirmation:
    """The confirmation a dealer at `dealer` signed, rebuilt from its typed data's message."""
    return Confirmation(
        line_id=LineId(line_id),
        vin_hashes=tuple(bytes(h) for h in vin_hashes),
        lender=checksum(lender),
        dealer=checksum(dealer),
        nonce=nonce,
        deadline=deadline,
        chain_id=runtime.chain.chain_id,
        contract=runtime.floorplan.address,
    )


def held_key(runtime: Runtime, address: str) -> LocalAccount | None:
    """The key of the member at `address` if this service's keyring holds it (demo mode
    holds every demo member's), else None: that member signs in its own wallet."""
    if runtime.keyring is None:
        return None
    return runtime.keyring.get(checksum(address))


# -- overview -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Exposure:
    """A lender's book with one dealer, over all their lines."""

    lender_id: int
    lender_name: str
    dealer_id: int
    dealer_name: str
    lines: int
    limit: int
    outstanding: int
    available: int
    active_liens: int


def exposure_of(runtime: Runtime, principal: Principal) -> list[Exposure]:
    """Principal outstanding per (lender, dealer) over `principal`'s lines as lender (every
    lender's for a regulator)."""
    book: dict[tuple[int, int], list[Line]] = {}
    for line in floor_plan_index(runtime).lines():
        if sees_all_lines(principal) or line.lender_id == principal.member_id:
            book.setdefault((line.lender_id, line.dealer_id), []).append(line)
    names = party_names(runtime, [line for lines in book.values() for line in lines])
    return [
        Exposure(
            lender_id=lender_id,
            lender_name=names.get(lender_id, ""),
            dealer_id=dealer_id,
            dealer_name=names.get(dealer_id, ""),
            lines=len(lines),
            limit=sum(line.limit for line in lines),
            outstanding=sum(line.outstanding for line in lines),
            available=sum(line.available for line in lines),
            active_liens=sum(line.active_liens for line in lines),
        )
        for (lender_id, dealer_id), lines in sorted(book.items())
    ]


def visible_alerts(
    runtime: Runtime,
    principal: Principal,
    *,
    line_id: int | None = None,
    kind: str | None = None,
    pending: bool = True,
    events: FloorPlanIndex | None = None,
) -> list[Alert]:
    """Alerts on `principal`'s lines as lender or dealer (every line for a regulator), of
    line `line_id` and `kind` when given: the recorded ones, then (with `pending`) deadlines
    passed that no one has flagged on chain yet."""
    index = floor_plan_index(runtime) if events is None else events
    visible = {
        line.id
        for line in index.lines()
        if sees_all_lines(principal) or principal.member_id in (line.lender_id, line.dealer_id)
    }
    if line_id is not None:
        visible &= {line_id}
    unlined = sees_all_lines(principal) and line_id is None
    found = [recorded_alert(a) for a in index.alerts(visible, unlined=unlined)]
    if pending:
        for shown in sorted(visible):
            vehicles = index.line_vehicles(shown, active_only=True)
            found.extend(pending_alerts(vehicles, index.now))
    return [a for a in found if kind is None or a.kind == kind]


def line_audits(
    runtime: Runtime, line_id: int, events: FloorPlanIndex | None = None
) -> list[Audit]:
    """The lot audits opened on line `line_id`, oldest first (at most `MAX_PAGE`): which ones
    from the event mirror, each audit's state a live call (audits are few, and their draw and
    findings are the LotAudit contract's)."""
    index = floor_plan_index(runtime) if events is None else events
    opened = indexed_events(
        runtime.engine,
        chain_id=index.chain_id,
        contract=LOT_AUDIT,
        event="AuditOpened",
        args={"lineId": line_id},
        limit=MAX_PAGE,
    )
    return [runtime.lot_audit.audit(int(e.args["auditId"])) for e in opened]


def read_audit(audits: LotAuditClient, audit_id: int) -> Audit | None:
    """Lot audit `audit_id`, or None when there is none."""
    try:
        return audits.audit(audit_id)
    except TransactionReverted as exc:
        if exc.error == "LotAuditUnknownAudit":
            return None
        raise


def visible_audit(runtime: Runtime, principal: Principal, audit_id: int) -> Audit:
    """Audit `audit_id` if `principal` opened it, lends on its line, or is a regulator;
    `NotFound` otherwise."""
    audit = read_audit(runtime.lot_audit, audit_id)
    line = None if audit is None else indexed_line(runtime, audit.line_id)
    if (
        audit is None
        or line is None
        or not (
            sees_all_lines(principal) or principal.member_id in (audit.opener_id, line.lender_id)
        )
    ):
        raise NotFound(f"no audit {audit_id}")
    return audit


def audit_checklist(
    runtime: Runtime, audit: Audit, *, events: FloorPlanIndex | None = None
) -> list[tuple[VinHash, Outcome]] | None:
    """The unsold vehicles financed on `audit`'s line that its draw selected (all of them in a
    check-all audit), each with the outcome recorded so far; None until the draw is revealed."""
    if audit.status is AuditStatus.COMMITTED:
        return None
    index = floor_plan_index(runtime) if events is None else events
    vehicles = line_vehicles(index, audit.line_id, active_only=True)
    recorded = audit_outcomes(runtime.engine, runtime.chain.chain_id, audit.id)
    return [
        (v.vin_hash, recorded.get(v.vin_hash, Outcome.NONE))
        for v in vehicles
        if v.status is VehicleStatus.FINANCED
        and drawn(audit.seed or bytes(32), v.vin_hash, audit.sample_bps)
    ]
