"""ISO 20022 pacs.008 payment instructions for members that settle off chain; pure.

A member that settles through its bank instead of the settlement token gets, per claim (or per
net transfer of a cycle), an FI-to-FI customer credit transfer (`pacs.008.001.08`) whose
end-to-end id names what it pays: ``CLM-<claim id>`` for a claim, as the `Clearing` contract
expects when a settlement bank records the payment on chain, or an id of the caller's choosing
(e.g. ``CYC-<cycle id>-<n>``) for a cycle's transfer.

Amounts are integers in minor units (the settlement token's units); they are written with the
currency's decimals, never through floats. The output bytes depend only on the arguments.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from clearing.errors import InstructionError

PACS008_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"

MAX_TEXT_ID = 35
"""`Max35Text`: the longest message, instruction and end-to-end id the schema allows."""

MAX_NAME = 140
"""`Max140Text`: the longest party name the schema allows."""

MAX_TOTAL_DIGITS = 18
"""`ActiveCurrencyAndAmount` has at most 18 digits in all (5 after the point)."""

_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, kw_only=True)
class Party:
    """An account holder: its `name`, account `iban` and its bank's `bic`."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True, kw_only=True)
class PaymentInstruction:
    """Pay `amount` minor units from `debtor` to `creditor`, identified by `end_to_end_id`.

    `remittance` is free text for the creditor (e.g. the lien or VIN the claim is about).
    """

    end_to_end_id: str
    amount: int
    debtor: Party
    creditor: Party
    remittance: str | None = None


def format_amount(amount: int, decimals: int) -> str:
    """`amount` minor units as a decimal string with `decimals` digits: 12345, 2 -> ``123.45``.

    Raises `InstructionError` for a non-positive amount, a bad number of decimals (0..5), or
    more than 18 digits.
    """
    if type(amount) is not int or amount <= 0:
        raise InstructionError(f"amount must be a positive int of minor units, got {amount!r}")
    if type(decimals) is not int or not 0 <= decimals <= 5:
        raise InstructionError(f"decimals must be 0..5, got {decimals!r}")
    digits = str(amount).rjust(decimals + 1, "0")
    if len(digits) > MAX_TOTAL_DIGITS:
        raise InstructionError(f"amount {amount} has more than {MAX_TOTAL_DIGITS} digits")
    if decimals == 0:
        return digits
    return f"{digits[:-decimals]}.{digits[-decimals:]}"


def pacs008(
    *,
    message_id: str,
    created_at: datetime,
    settlement_date: date,
    currency: str,
    decimals: int,
    instructions: Sequence[PaymentInstruction],
) -> bytes:
    """The pacs.008.001.08 XML document (UTF-8) of `instructions`, settled on `settlement_date`.

    `created_at` must be timezone-aware (written in UTC); `currency` is the ISO 4217 code and
    `decimals` its minor units (the settlement token's decimals). Instructions keep their order;
    each gets instruction id ``<message_id>-<n>`` (n from 1), capped at 35 characters by the
    schema. Raises `InstructionError` naming the first invalid value.
    """
    _check_id(message_id, "message id")
    if created_at.tzinfo is None:
        raise InstructionError("created_at must be timezone-aware")
    if not _CURRENCY.fullmatch(currency):
        raise InstructionError(f"currency must be an ISO 4217 code, got {currency!r}")
    if not instructions:
        raise InstructionError("a pacs.008 message needs at least one instruction")
    seen: set[str] = set()
    for instruction in instructions:
        _check_instruction(instruction, decimals)
        if instruction.end_to_end_id in seen:
            raise InstructionError(f"end-to-end id {instruction.end_to_end_id!r} appears twice")
        seen.add(instruction.end_to_end_id)
    total = sum(i.amount for i in instructions)

    root = ET.Element("Document", {"xmlns": PACS008_NAMESPACE})
    transfer = ET.SubElement(root, "FIToFICstmrCdtTrf")
    header = ET.SubElement(transfer, "GrpHdr")
    _text(header, "MsgId", message_id)
    stamp = created_at.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    _text(header, "CreDtTm", stamp)
    _text(header, "NbOfTxs", str(len(instructions)))
    _text(header, "TtlIntrBkSttlmAmt", format_amount(total, decimals), Ccy=currency)
    _text(header, "IntrBkSttlmDt", settlement_date.isoformat())
    _text(ET.SubElement(header, "SttlmInf"), "SttlmMtd", "CLRG")

    for n, instruction in enumerate(instructions, start=1):
        tx = ET.SubElement(transfer, "CdtTrfTxInf")
        payment_id = ET.SubElement(tx, "PmtId")
        _text(payment_id, "InstrId", f"{message_id}-{n}"[:MAX_TEXT_ID])
        _text(payment_id, "EndToEndId", instruction.end_to_end_id)
        amount = format_amount(instruction.amount, decimals)
        _text(tx, "IntrBkSttlmAmt", amount, Ccy=currency)
        _text(tx, "ChrgBr", "SLEV")
        _party(tx, "Dbtr", instruction.debtor)
        _agent(tx, "CdtrAgt", instruction.creditor)
        _party(tx, "Cdtr", instruction.creditor)
        if instruction.remittance:
            _text(ET.SubElement(tx, "RmtInf"), "Ustrd", instruction.remittance)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def iban_is_valid(iban: str) -> bool:
    """Whether `iban` (no spaces) has the IBAN shape and a correct ISO 7064 mod-97 check."""
    if not _IBAN.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# -- machinery ------------------------------------------------------------------------------


def _party(tx: ET.Element, role: str, party: Party) -> None:
    """`Dbtr`/`Cdtr` with its account; for the debtor, its agent follows (schema order)."""
    _text(ET.SubElement(tx, role), "Nm", party.name)
    _text(ET.SubElement(ET.SubElement(tx, f"{role}Acct"), "Id"), "IBAN", party.iban)
    if role == "Dbtr":
        _agent(tx, "DbtrAgt", party)


def _agent(tx: ET.Element, tag: str, party: Party) -> None:
    _text(ET.SubElement(ET.SubElement(tx, tag), "FinInstnId"), "BICFI", party.bic)


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _check_id(value: str, what: str) -> None:
    if not _ID.fullmatch(value):
        raise InstructionError(
            f"{what} must be 1..{MAX_TEXT_ID} characters of the ISO 20022 set, got {value!r}"
        )


def _check_instruction(instruction: PaymentInstruction, decimals: int) -> None:
    e2e = instruction.end_to_end_id
    _check_id(e2e, f"end-to-end id of {e2e!r}")
    format_amount(instruction.amount, decimals)
    for role, party in (("debtor", instruction.debtor), ("creditor", instruction.creditor)):
        if not 1 <= len(party.name) <= MAX_NAME:
            raise InstructionError(f"{e2e}: {role} name must be 1..{MAX_NAME} characters")
        if not iban_is_valid(party.iban):
            raise InstructionError(f"{e2e}: {role} IBAN {party.iban!r} is not valid")
        if not _BIC.fullmatch(party.bic):
            raise InstructionError(f"{e2e}: {role} BIC {party.bic!r} is not valid")
    if instruction.debtor.iban == instruction.creditor.iban:
        raise InstructionError(f"{e2e}: debtor and creditor have the same account")
    if instruction.remittance is not None and not 1 <= len(instruction.remittance) <= MAX_NAME:
        raise InstructionError(f"{e2e}: remittance text must be 1..{MAX_NAME} characters")
