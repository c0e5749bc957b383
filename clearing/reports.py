"""Reconciliation reports of clearing cycles, as JSON documents and CSV text; deterministic.

A report says what a cycle settled and how: its claims (id, debtor, creditor, amount, kind,
reference), gross value (sum of the claims), net value (sum of the transfers), the net
transfers, the transaction hash, block and time, and the claims the gridlock pass deferred.

Members that settle off chain (through their bank rather than by holding the settlement token
themselves) get, for each transfer of a settled cycle they pay or receive, a pacs.008 payment
instruction whose end-to-end id is ``CYC-<cycle id>-<n>`` (`cycle_end_to_end_id`: the
contract's cycle id and the transfer's position from 1). The report lists those ids and, when a
settlement bank recorded the payment on the `SettlementToken` under that id, the confirmation
(bank, bank reference, time, and whether payer, payee and amount match the transfer).

The same cycle (and the same recorded confirmations) always gives the same bytes: amounts are
decimal strings, times ISO 8601 in UTC, lists in the plan's order, and nothing depends on when
the report was made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clearing.models import ClearingCycle
from ledger.settlement import OffChainSettlement

REPORT_VERSION = 1
"""Version of the report document; bumped when a field changes meaning or goes away."""

CSV_COLUMNS = (
    "record",
    "cycle_id",
    "plan_hash",
    "status",
    "tx_hash",
    "block_number",
    "block_time",
    "gross",
    "net",
    "claim_id",
    "kind",
    "reference",
    "debtor",
    "creditor",
    "amount",
    "end_to_end_id",
    "bank_id",
    "bank_reference",
    "recorded_at",
    "confirmed",
)
"""Columns of the CSV form. `record` says what a row is: ``cycle`` (one per cycle, with gross
and net), ``claim`` (a settled claim), ``transfer`` (a net transfer: the debtor pays the
creditor; with its end-to-end id and confirmation when an off-chain member is a party),
``deferred`` (a claim the gridlock pass held back). Every row repeats the cycle's ids."""

ConfirmationLookup = Callable[[str], OffChainSettlement | None]
"""Finds the off-chain payment recorded under an end-to-end id, e.g.
`SettlementTokenClient.off_chain_settlement`."""


def cycle_end_to_end_id(cycle_id: int, transfer_number: int) -> str:
    """End-to-end id of the payment instruction for transfer `transfer_number` (from 1) of
    on-chain cycle `cycle_id`: ``CYC-<cycle id>-<n>``."""
    if cycle_id < 1 or transfer_number < 1:
        raise ValueError(
            f"cycle ids and transfer numbers start at 1, got {cycle_id} and {transfer_number}"
        )
    return f"CYC-{cycle_id}-{transfer_number}"


def cycle_report(
    cycle: ClearingCycle,
    *,
    off_chain_members: Collection[int] = (),
    confirmations: ConfirmationLookup | None = None,
) -> dict[str, Any]:
    """The reconciliation report of `cycle` as a JSON-ready dict.

    `off_chain_members` are the member ids that settle through their bank; for the transfers
    of a settled cycle they are party to, the report gives the end-to-end ids and, if
    `confirmations` is given, what a bank recorded under each. Keys: ``version``, ``cycle``
    (ids, status, trigger, chain, transaction, block, times, error), ``gross``, ``net``,
    ``claims``, ``positions``, ``transfers``, ``deferred_claim_ids``, ``instructions``.
    """
    off_chain = set(off_chain_members)
    addresses = {m["member"]: m["address"] for m in cycle.members()}
    transfers: list[dict[str, Any]] = []
    instructions: list[dict[str, Any]] = []
    for number, transfer in enumerate(cycle.transfers(), start=1):
        payer, payee, amount = transfer["from"], transfer["to"], transfer["amount"]
        entry: dict[str, Any] = {
            "number": number,
            "debtor": payer,
            "debtor_address": addresses[payer],
            "creditor": payee,
            "creditor_address": addresses[payee],
            "amount": str(amount),
            "end_to_end_id": None,
            "confirmation": None,
        }
        parties = sorted(off_chain & {payer, payee})
        if parties and cycle.cycle_id is not None:
            e2e = cycle_end_to_end_id(cycle.cycle_id, number)
            recorded = confirmations(e2e) if confirmations is not None else None
            confirmation = _confirmation(recorded, payer, payee, amount)
            entry["end_to_end_id"] = e2e
            entry["confirmation"] = confirmation
            instructions.append(
                {
                    "end_to_end_id": e2e,
                    "transfer": number,
                    "off_chain_members": parties,
                    "debtor": payer,
                    "creditor": payee,
                    "amount": str(amount),
                    "confirmation": confirmation,
                }
            )
        transfers.append(entry)
    return {
        "version": REPORT_VERSION,
        "cycle": {
            "id": cycle.id,
            "cycle_id": cycle.cycle_id,
            "plan_hash": cycle.plan_hash,
            "status": cycle.status,
            "trigger": cycle.trigger,
            "triggered_by": cycle.triggered_by,
            "chain_id": cycle.chain_id,
            "clearing": cycle.clearing_address,
            "sender": cycle.sender_address,
            "tx_hash": cycle.tx_hash,
            "block_number": cycle.block_number,
            "block_hash": cycle.block_hash,
            "block_time": _time(cycle.block_time),
            "created_at": _time(cycle.created_at),
            "settled_at": _time(cycle.settled_at),
            "failed_at": _time(cycle.failed_at),
            "error": cycle.error,
        },
        "gross": cycle.gross,
        "net": cycle.net,
        "claims": [
            {
                "id": c["id"],
                "debtor": c["debtor"],
                "creditor": c["creditor"],
                "amount": str(c["amount"]),
                "kind": c["kind"],
                "reference": c["reference"],
                "due_date": c["due_date"],
            }
            for c in cycle.claims()
        ],
        "positions": [
            {"member": m["member"], "address": m["address"], "position": str(m["position"])}
            for m in cycle.members()
        ],
        "transfers": transfers,
        "deferred_claim_ids": cycle.deferred_claim_id_list(),
        "instructions": instructions,
    }


def report_csv(reports: Sequence[Mapping[str, Any]]) -> str:
    """`reports` (from `cycle_report`) as one CSV text with the `CSV_COLUMNS` header.

    RFC 4180: comma-separated, CRLF line ends, quoted where needed; empty cells for values a
    row does not have.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for report in reports:
        head = report["cycle"]
        common = {
            "cycle_id": _cell(head["cycle_id"]),
            "plan_hash": head["plan_hash"],
            "status": head["status"],
            "tx_hash": _cell(head["tx_hash"]),
            "block_number": _cell(head["block_number"]),
            "block_time": _cell(head["block_time"]),
        }
        writer.writerow(
            {
                **_empty(),
                **common,
                "record": "cycle",
                "gross": report["gross"],
                "net": report["net"],
            }
        )
        for claim in report["claims"]:
            writer.writerow(
                {
                    **_empty(),
                    **common,
                    "record": "claim",
                    "claim_id": claim["id"],
                    "kind": claim["kind"],
                    "reference": claim["reference"],
                    "debtor": claim["debtor"],
                    "creditor": claim["creditor"],
                    "amount": claim["amount"],
                }
            )
        for transfer in report["transfers"]:
            confirmation = transfer["confirmation"] or {}
            writer.writerow(
                {
                    **_empty(),
                    **common,
                    "record": "transfer",
                    "debtor": transfer["debtor"],
                    "creditor": transfer["creditor"],
                    "amount": transfer["amount"],
                    "end_to_end_id": _cell(transfer["end_to_end_id"]),
                    "bank_id": _cell(confirmation.get("bank_id")),
                    "bank_reference": _cell(confirmation.get("bank_reference")),
                    "recorded_at": _cell(confirmation.get("recorded_at")),
                    "confirmed": _cell(confirmation.get("matches")),
                }
            )
        for claim_id in report["deferred_claim_ids"]:
            writer.writerow({**_empty(), **common, "record": "deferred", "claim_id": claim_id})
    return out.getvalue()


def _confirmation(
    recorded: OffChainSettlement | None, payer: int, payee: int, amount: int
) -> dict[str, Any] | None:
    if recorded is None:
        return None
    return {
        "bank_id": int(recorded.bank_id),
        "bank_reference": recorded.bank_reference.hex(),
        "recorded_at": _time(datetime.fromtimestamp(recorded.recorded_at, UTC)),
        "debtor": int(recorded.debtor_id),
        "creditor": int(recorded.creditor_id),
        "amount": str(recorded.amount),
        "matches": (recorded.debtor_id, recorded.creditor_id, recorded.amount)
        == (payer, payee, amount),
    }


def _time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; naive values are taken as UTC (SQLite returns them so)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _empty() -> dict[str, str]:
    return dict.fromkeys(CSV_COLUMNS, "")
