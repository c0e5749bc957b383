"""The trail's sentences (`api.pages.trail_sentences`): every event the contracts emit has one
in both languages; amounts, times, roles, kinds, members and VINs are said for a reader; an
unknown or malformed event gets the generic sentence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.pages.i18n import CATALOGS, translator
from api.pages.trail_sentences import EVENTS, TrailNames, say, say_time
from ledger.membership import Role

WATCHED = ("FloorPlan", "LotAudit", "EvidenceRegistry", "Consortium", "Clearing", "SettlementToken")
"""The contracts the indexer stores events of (the runtime watches each deployment)."""

VIN = "LFV2A21K0N3000001"
VIN_HASH = "0x" + "ab" * 32
OTHER_HASH = "0x" + "cd" * 32
LENDER_ACCOUNT = "0x" + "11" * 20

NAMES = TrailNames(
    members={1: "Huaxia Auto Finance", 2: "Sunrise Motors", 3: "Beacon Regulator"},
    accounts={LENDER_ACCOUNT: 1},
    lines={7: (1, 2), 8: (3, 2)},
    audits={4: 7},
    vins={VIN_HASH: VIN},
    currency="CNY",
    zone=ZoneInfo("Asia/Shanghai"),
)
EN, ZH = translator("en"), translator("zh-CN")


def _value(kind: str, name: str) -> Any:
    """A plausible indexed value of ABI type `kind` (as `ledger.indexer` encodes it)."""
    if kind.endswith("[]"):
        return [_value(kind[:-2], name)]
    if kind == "address":
        return LENDER_ACCOUNT
    if kind == "bool":
        return True
    if kind == "string":
        return "Huaxia Auto Finance"
    if kind.startswith("bytes"):
        return "0x" + Role.LENDER.id.hex() if name.lower().endswith("role") else VIN_HASH
    if kind == "tuple":
        return {"advanceRateBps": 9000}
    if name.endswith("LineId") or name == "lineId":
        return "7"
    if name in ("kind", "outcome", "reason"):
        return 1
    bits = int(kind.removeprefix("uint").removeprefix("int") or 256)
    return 1796646963 if bits <= 48 else "1796646963"


def test_every_event_of_the_watched_contracts_has_a_sentence_in_both_languages(artifacts):
    emitted = {
        (contract, item["name"])
        for contract in WATCHED
        for item in artifacts[contract].abi
        if item["type"] == "event"
    }
    assert emitted - EVENTS == set()
    for language, catalog in CATALOGS.items():
        missing = {f"sentence.{c}.{e}" for c, e in EVENTS} - set(catalog)
        assert not missing, (language, sorted(missing))
    # Each one is said from arguments shaped as the indexer stores them, no field left over.
    for contract in WATCHED:
        for item in artifacts[contract].abi:
            if item["type"] != "event":
                continue
            args = {i["name"]: _value(i["type"], i["name"]) for i in item["inputs"]}
            for t in (EN, ZH):
                said = say(contract, item["name"], args, NAMES, t)
                assert said.known, (contract, item["name"], said.text)
                assert "{" not in said.text and "\x00" not in said.text, said.text


def test_an_advance_names_the_parties_the_amount_and_the_vin():
    args = {
        "vinHash": VIN_HASH,
        "lineId": "7",
        "certificateHash": "0x" + "01" * 32,
        "engineHash": "0x" + "02" * 32,
        "advance": "22611110",
    }
    assert say("FloorPlan", "VehicleFinanced", args, NAMES, EN).text == (
        f"Huaxia Auto Finance advanced 226,111.10 CNY on {VIN} to Sunrise Motors (line 7)"
    )
    assert say("FloorPlan", "VehicleFinanced", args, NAMES, ZH).text == (
        f"Huaxia Auto Finance就车辆 {VIN} 向Sunrise Motors放款 226,111.10 CNY（额度 7）"
    )
    # A vehicle the reader may not see stays a hash; a line the index does not know has
    # unknown parties, not a wrong name.
    hidden = say("FloorPlan", "VehicleFinanced", args | {"vinHash": OTHER_HASH, "lineId": "99"},
                 NAMES, EN).text  # fmt: skip
    assert "0xcdcd…cdcd" in hidden and VIN not in hidden
    assert hidden.startswith("an unknown member advanced 226,111.10 CNY")
    overdue = {"vinHash": VIN_HASH, "lineId": "7", "due": "5", "paid": "0"}
    negative = say("FloorPlan", "CurtailmentOverdue", overdue, NAMES, EN)
    assert "0.05 CNY due, 0.00 CNY paid" in negative.text


def test_times_are_said_in_the_pages_zone_with_utc_beside():
    args = {"vinHash": VIN_HASH, "lineId": "7", "payoffDueAt": "1796646963"}
    sold = say("FloorPlan", "VehicleSold", args, NAMES, EN)
    assert sold.text == (
        f"Sunrise Motors reported {VIN} sold; payoff to Huaxia Auto Finance due 7 Dec 2026 20:36"
    )
    moment = sold.parts[-1]
    assert not isinstance(moment, str)
    assert moment.utc == "2026-12-07 12:36:03 UTC" and moment.iso == "2026-12-07T12:36:03+00:00"
    in_utc = TrailNames(members=NAMES.members, lines=NAMES.lines, vins=NAMES.vins, zone=UTC)
    assert say("FloorPlan", "VehicleSold", args, in_utc, EN).text.endswith("due 7 Dec 2026 12:36")
    assert say("FloorPlan", "VehicleSold", args, NAMES, ZH).text.endswith(
        "应于 2026年12月7日 20:36 前向Huaxia Auto Finance结清"
    )
    # Late on 31 December in UTC is already the next year in Shanghai.
    new_year = say_time(datetime(2026, 12, 31, 17, 30, tzinfo=UTC), NAMES, EN)
    assert new_year.text == "1 Jan 2027 01:30" and new_year.utc == "2026-12-31 17:30:00 UTC"
    assert say_time(datetime(2026, 12, 31, 17, 30), NAMES, ZH).text == "2027年1月1日 01:30"


def test_roles_kinds_and_members_are_named():
    granted = {"id": "3", "account": "0x" + "22" * 20, "role": "0x" + Role.REGULATOR.id.hex()}
    assert say("Consortium", "MemberRoleGranted", granted, NAMES, EN).text == (
        "Beacon Regulator was granted the role Regulator"
    )
    assert say("Consortium", "MemberRoleGranted", granted, NAMES, ZH).text == (
        "Beacon Regulator被授予角色：监管机构"
    )
    proposal = {"id": "5", "kind": 4, "proposer": LENDER_ACCOUNT, "target": "0x" + "33" * 20,
                "expiresAt": "1796646963"}  # fmt: skip
    text = say("Consortium", "ProposalCreated", proposal, NAMES, EN).text
    assert text.startswith("Huaxia Auto Finance proposed to grant a role (proposal #5")
    assert "target 0x3333…3333" in text and "open until 7 Dec 2026 20:36" in text
    claim = {"claimId": "9", "creditorId": "1", "debtorId": "2", "amount": "100000", "kind": 0,
             "ref": "0x" + "00" * 32, "dueDate": 0, "filer": LENDER_ACCOUNT}  # fmt: skip
    assert say("Clearing", "ClaimFiled", claim, NAMES, EN).text == (
        "Huaxia Auto Finance filed payoff claim #9 of 1,000.00 CNY against Sunrise Motors,"
        " due no set time"
    )
    audited = {"auditId": "4", "vinHash": VIN_HASH, "outcome": 2, "evidence": "0x" + "00" * 32}
    assert say("LotAudit", "VehicleAudited", audited, NAMES, EN).text == (
        f"Lot audit #4: {VIN} missing on Sunrise Motors's lot"
    )


def test_an_unknown_or_malformed_event_gets_the_generic_sentence():
    unknown = say("FloorPlan", "SomethingNew", {"lineId": "7", "amount": "150"}, NAMES, EN)
    assert not unknown.known
    assert unknown.text == "FloorPlan.SomethingNew: lineId 7; amount 1.50 CNY"
    undecoded = say("FloorPlan", "<undecoded>", {"topics": ["0x01"], "data": "0x"}, NAMES, ZH)
    assert not undecoded.known and undecoded.text.startswith("FloorPlan.<undecoded>：")
    # A known event whose arguments do not fit (missing, or not numbers) is no crash either.
    broken = say("FloorPlan", "VehicleFinanced", {"advance": "lots"}, NAMES, EN)
    assert not broken.known and broken.text == "FloorPlan.VehicleFinanced: advance lots"
    assert say(None, "submitted", {}, NAMES, EN).text == "submitted"


@pytest.mark.parametrize("t", [EN, ZH])
def test_an_evidence_submission_is_said_with_its_type(t):
    args = {"evidence_type": "call_recording", "document_digest": "ab" * 32, "status": "anchored",
            "channel": "phone"}  # fmt: skip
    text = say("Evidence", "submitted", args, NAMES, t).text
    assert t("type.call_recording") in text and t("status.anchored") in text
    assert "ababab…abab" in text and "ab" * 32 not in text
