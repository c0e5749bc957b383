"""pacs.008 payment instructions for off-chain settlement: pinned bytes, amounts, validation."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from clearing.errors import InstructionError
from clearing.instructions import (
    PACS008_NAMESPACE,
    Party,
    PaymentInstruction,
    format_amount,
    iban_is_valid,
    pacs008,
)

DEALER = Party(name="Main Street Motors & Co", iban="DE89370400440532013000", bic="COBADEFFXXX")
LENDER = Party(name="Alpha Auto Credit", iban="GB82WEST12345698765432", bic="NWBKGB2L")
CREATED = datetime(2024, 5, 6, 7, 8, 9, 123, tzinfo=UTC)
NS = {"p": PACS008_NAMESPACE}


def message(instructions, **overrides):
    arguments = {
        "message_id": "AL-2024-0001",
        "created_at": CREATED,
        "settlement_date": date(2024, 5, 6),
        "currency": "EUR",
        "decimals": 2,
        "instructions": instructions,
        **overrides,
    }
    return pacs008(**arguments)


PAYOFF = PaymentInstruction(
    end_to_end_id="CLM-42",
    amount=25_000_00,
    debtor=DEALER,
    creditor=LENDER,
    remittance="Payoff VIN WVWZZZ1JZXW000001",
)
NET = PaymentInstruction(end_to_end_id="CYC-7-1", amount=5, debtor=LENDER, creditor=DEALER)


def test_a_message_is_byte_identical_for_the_same_arguments():
    xml = message([PAYOFF, NET])
    assert xml == message([PAYOFF, NET])
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<Document xmlns=")
    assert hashlib.sha256(xml).hexdigest() == (
        "7aa576905b852f9e57d1ebed3c4d2fac93adf4a077c9af40181e30667b220f44"
    )


def test_the_message_carries_each_payment_with_its_end_to_end_id():
    root = ET.fromstring(message([PAYOFF, NET]))
    assert root.tag == f"{{{PACS008_NAMESPACE}}}Document"
    header = root.find("p:FIToFICstmrCdtTrf/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == "AL-2024-0001"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2024-05-06T07:08:09Z"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    total = header.find("p:TtlIntrBkSttlmAmt", NS)
    assert (total.text, total.get("Ccy")) == ("25000.05", "EUR")
    assert header.findtext("p:SttlmInf/p:SttlmMtd", namespaces=NS) == "CLRG"
    first, second = root.findall("p:FIToFICstmrCdtTrf/p:CdtTrfTxInf", NS)
    assert first.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == "CLM-42"
    assert first.findtext("p:PmtId/p:InstrId", namespaces=NS) == "AL-2024-0001-1"
    assert first.findtext("p:IntrBkSttlmAmt", namespaces=NS) == "25000.00"
    assert first.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Main Street Motors & Co"
    assert first.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == DEALER.iban
    assert first.findtext("p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == LENDER.bic
    assert first.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == PAYOFF.remittance
    assert [child.tag.split("}")[1] for child in first] == [
        "PmtId", "IntrBkSttlmAmt", "ChrgBr", "Dbtr", "DbtrAcct", "DbtrAgt", "CdtrAgt", "Cdtr",
        "CdtrAcct", "RmtInf",
    ]  # fmt: skip
    assert second.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == "CYC-7-1"
    assert second.find("p:RmtInf", NS) is None


def test_creation_time_is_written_in_utc():
    local = CREATED.astimezone(timezone(timedelta(hours=2)))
    assert message([NET], created_at=local) == message([NET])
    with pytest.raises(InstructionError, match="timezone-aware"):
        message([NET], created_at=datetime(2024, 5, 6))


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [
        (12345, 2, "123.45"),
        (5, 2, "0.05"),
        (100, 0, "100"),
        (1, 3, "0.001"),
        (10**17, 2, "1000000000000000.00"),
    ],
)
def test_amounts_are_written_from_minor_units(amount, decimals, text):
    assert format_amount(amount, decimals) == text


@pytest.mark.parametrize(
    ("amount", "decimals", "message_text"),
    [
        (0, 2, "positive int"),
        (-1, 2, "positive int"),
        (1.5, 2, "positive int"),
        (1, 6, "decimals must be 0..5"),
        (10**18, 2, "more than 18 digits"),
    ],
)
def test_bad_amounts_are_refused(amount, decimals, message_text):
    with pytest.raises(InstructionError, match=message_text):
        format_amount(amount, decimals)


def test_ibans_are_checked():
    assert iban_is_valid("DE89370400440532013000") and iban_is_valid("GB82WEST12345698765432")
    for bad in ("DE88370400440532013000", "DE89 3704 0044 0532 0130 00", "de89370400440532013000"):
        assert not iban_is_valid(bad)


@pytest.mark.parametrize(
    ("change", "message_text"),
    [
        ({"end_to_end_id": "CLM_42"}, "end-to-end id"),
        ({"end_to_end_id": "C" * 36}, "end-to-end id"),
        ({"amount": 0}, "positive int"),
        ({"debtor": Party(name="X", iban="DE88370400440532013000", bic="COBADEFFXXX")}, "IBAN"),
        ({"creditor": Party(name="X", iban="DE89370400440532013000", bic="COBA")}, "BIC"),
        ({"creditor": Party(name="", iban="GB82WEST12345698765432", bic="NWBKGB2L")}, "name"),
        ({"creditor": DEALER}, "same account"),
        ({"remittance": "x" * 141}, "remittance"),
    ],
)
def test_bad_instructions_are_refused(change, message_text):
    bad = PaymentInstruction(**{**vars(PAYOFF), **change})
    with pytest.raises(InstructionError, match=message_text):
        message([bad])


def test_bad_messages_are_refused():
    with pytest.raises(InstructionError, match="at least one instruction"):
        message([])
    with pytest.raises(InstructionError, match="appears twice"):
        message([PAYOFF, PAYOFF])
    with pytest.raises(InstructionError, match="ISO 4217"):
        message([PAYOFF], currency="eur")
    with pytest.raises(InstructionError, match="message id"):
        message([PAYOFF], message_id="")
