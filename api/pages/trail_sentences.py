"""Trail entries as sentences a person reads, in the reader's language.

A trail row used to show what the indexer stores (`ledger.indexer.StoredEvent`): event names,
amounts in the smallest currency unit, Unix times, keccak role ids and member addresses. Here
each event the contracts emit becomes one catalog sentence (``sentence.<Contract>.<Event>``)
whose fields are said for a reader: members by name, amounts in main units with the currency,
times in the pages' time zone (each a `Moment`, so the page can give its UTC time on hover),
roles, proposal and claim kinds by name, vehicles by VIN where the reader may see them.

Pure: everything the sentences name comes in `TrailNames`, which the page reads from the
index; an event no sentence knows, or one whose arguments do not fit its sentence, is said by
the generic sentence (its name and arguments), never an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from api.pages.financing import amount as main_units
from api.pages.i18n import Translator
from ledger.membership import Role

__all__ = ["Moment", "Sentence", "TrailNames", "say", "say_time"]


@dataclass(frozen=True, kw_only=True)
class Moment:
    """A time in a sentence: as the reader reads it (`text`, the pages' zone) and in UTC."""

    text: str
    utc: str
    iso: str


Part = str | Moment


@dataclass(frozen=True, kw_only=True)
class Sentence:
    """What a trail entry says: text parts and moments, in order; `known` is False for the
    generic sentence of an event no sentence is written for."""

    parts: tuple[Part, ...]
    known: bool = True

    @property
    def text(self) -> str:
        """The sentence as plain text (times in the pages' zone)."""
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)


@dataclass(frozen=True, kw_only=True)
class TrailNames:
    """What the sentences may name, read from the index for the entries shown.

    `accounts` maps lower-case addresses to member ids; `lines` a line to its (lender,
    dealer); `audits` a lot audit to its line; `vins` a lower-case ``0x`` VIN hash to the VIN
    (only vehicles the reader may see: others stay hashes)."""

    members: Mapping[int, str] = field(default_factory=dict)
    accounts: Mapping[str, int] = field(default_factory=dict)
    lines: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    audits: Mapping[int, int] = field(default_factory=dict)
    vins: Mapping[str, str] = field(default_factory=dict)
    currency: str = "CNY"
    zone: tzinfo = UTC


MEMBER_ARGS = frozenset(
    {"lenderId", "dealerId", "openerId", "notaryId", "byMemberId", "creditorId", "debtorId",
     "memberId", "bankId"}
)  # fmt: skip
ADDRESS_ARGS = frozenset(
    {"by", "account", "opener", "notary", "proposer", "target", "voter", "filer", "bank", "to",
     "from", "oldAccount", "newAccount", "creator", "owner", "spender", "sender"}
)  # fmt: skip
AMOUNT_ARGS = frozenset(
    {"advance", "amount", "principal", "interest", "fee", "limit", "due", "paid", "gross", "net",
     "value"}
)  # fmt: skip
TIME_ARGS = frozenset({"payoffDueAt", "confirmBy", "expiresAt", "dueDate", "disputeEndsAt"})
VIN_ARGS = frozenset({"vinHash", "previousVinHash"})
ROLE_ARGS = frozenset({"role", "previousAdminRole", "newAdminRole"})

PROPOSAL_KINDS = ("admit", "suspend", "reinstate", "remove", "grant_role", "revoke_role",
                  "set_quorum", "rotate_key")  # fmt: skip
"""`Consortium.ProposalKind`, in the contract's order (``sentence.proposal.<name>``)."""

CLAIM_KINDS = ("payoff", "curtailment", "interest", "fee", "collection_fee", "other")
"""`IClearing.ClaimKind`, in the contract's order (``sentence.claim.<name>``)."""

OUTCOMES = ("none", "found", "missing", "unexpected")
"""`LotAudit.Outcome`, in the contract's order (``sentence.outcome.<name>``)."""

SUPERSEDE_REASONS = {1: "corrected_metadata", 2: "better_copy", 3: "wrong_case", 4: "duplicate",
                     255: "other"}  # fmt: skip
"""`EvidenceRegistry.REASON_*` (``sentence.reason.<name>``)."""

EVIDENCE = "Evidence"
"""The trail's name for the service's own entries of a case: an item's submission."""

EVENTS: frozenset[tuple[str, str]] = frozenset(
    (contract, event)
    for contract, events in {
        "FloorPlan": (
            "EIP712DomainChanged", "LineOpened", "TermsSet", "LineChanged", "LineFrozen",
            "LineUnfrozen", "LineClosed",
            "VehicleFinanced", "CertificateMismatch", "RegistrationRecorded", "VehicleConfirmed",
            "VehicleUnconfirmed", "VehicleSold", "VehicleSoldOutOfTrust", "SoldOutOfTrustAlert",
            "CurtailmentPaid", "CurtailmentOverdue", "LienReleased", "VehicleRepossessed",
            "TransferOffered", "LienTransferred",
        ),
        "LotAudit": ("AuditOpened", "AuditRevealed", "VehicleAudited", "AuditClosed"),
        "EvidenceRegistry": (
            "BatchAnchored", "DigestAnchored", "ItemSuperseded", "PersonalDataForgotten",
        ),
        "Consortium": (
            "ProposalCreated", "ProposalVoted", "ProposalExecuted", "MemberAdmitted",
            "MemberSuspended", "MemberReinstated", "MemberRemoved", "MemberRoleGranted",
            "MemberRoleRevoked", "MemberKeyRotated", "QuorumChanged", "RoleGranted",
            "RoleRevoked", "RoleAdminChanged",
        ),
        "Clearing": (
            "ClaimFiled", "ClaimConfirmed", "SignaturesRevoked", "ClaimDisputed",
            "DisputeResolved", "ClaimWithdrawn", "ClaimSettledOffChain", "CycleSettled",
            "CreatorSet", "EIP712DomainChanged",
        ),
        "SettlementToken": (
            "Minted", "Burned", "OffChainSettlementRecorded", "Transfer", "Approval",
        ),
        EVIDENCE: ("submitted",),
    }.items()
    for event in events
)  # fmt: skip
"""Every event the contracts emit (their ABIs) that has a sentence of its own."""

_MARK = "\x00"


def say_time(moment: datetime, names: TrailNames, t: Translator) -> Moment:
    """`moment` as the trail says it: day, month, year and minute in the pages' zone (the
    catalog's ``sentence.when``), with its UTC time to the second."""
    utc = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    local = utc.astimezone(names.zone)
    text = t(
        "sentence.when",
        day=local.day,
        month=t(f"sentence.month.{local.month}"),
        month_number=local.month,
        year=local.year,
        time=local.strftime("%H:%M"),
    )
    return Moment(text=text, utc=utc.strftime("%Y-%m-%d %H:%M:%S UTC"), iso=utc.isoformat())


def _int(value: Any) -> int:
    return int(value)


_HEX = re.compile(r"0x[0-9a-fA-F]{16,}|(?=.*[a-fA-F])[0-9a-fA-F]{32,}")
"""A hash, a digest or an address: long hex, cut short in sentences (whole in the raw event)."""


def _short(value: str) -> str:
    """A long hex value cut to its ends: ``0x1234…cdef``."""
    return value if len(value) <= 14 else f"{value[:6]}…{value[-4:]}"


class _Fields:
    """The fields of one event's sentence, each argument said by what it holds."""

    def __init__(self, args: Mapping[str, Any], names: TrailNames, t: Translator) -> None:
        self.names, self.t = names, t
        self.moments: list[Moment] = []
        self.values: dict[str, str] = {}
        for key, value in args.items():
            self.values[key] = self.said(key, value)

    def member(self, member_id: Any) -> str:
        number = _int(member_id)
        name = self.names.members.get(number)
        return name if name else self.t("sentence.member_number", id=number)

    def account(self, address: Any) -> str:
        text = str(address)
        member_id = self.names.accounts.get(text.lower())
        if member_id is not None:
            return self.member(member_id)
        if int(text, 16) == 0:
            return self.t("sentence.nobody")
        return _short(text)

    def money(self, value: Any) -> str:
        return f"{main_units(value)} {self.names.currency}"

    def moment(self, value: Any) -> str:
        """A sentinel for the moment, replaced by a `Moment` part once the sentence is made."""
        seconds = _int(value)
        if seconds == 0:
            return self.t("sentence.no_time")
        self.moments.append(say_time(datetime.fromtimestamp(seconds, UTC), self.names, self.t))
        return f"{_MARK}{len(self.moments) - 1}{_MARK}"

    def vin(self, value: Any) -> str:
        text = str(value).lower()
        return self.names.vins.get(text) or _short(text)

    def role(self, value: Any) -> str:
        if int(str(value), 16) == 0:
            return self.t("sentence.admin_role")  # AccessControl's DEFAULT_ADMIN_ROLE
        try:
            return self.t(f"role.{Role.from_id(bytes.fromhex(str(value)[2:])).value}")
        except ValueError:
            return _short(str(value))

    def said(self, key: str, value: Any) -> str:
        if value is None:
            return ""
        if key in MEMBER_ARGS:
            return self.member(value)
        if key in ADDRESS_ARGS and isinstance(value, str):
            return self.account(value)
        if key in AMOUNT_ARGS:
            return self.money(value)
        if key in TIME_ARGS:
            return self.moment(value)
        if key == "contact_time":
            return self.moment(int(datetime.fromisoformat(str(value)).timestamp()))
        if key in VIN_ARGS:
            return self.vin(value)
        if key in ROLE_ARGS:
            return self.role(value)
        if isinstance(value, bool):
            return self.t("sentence.yes" if value else "sentence.no")
        if isinstance(value, list | tuple):
            return ", ".join(self.said("", v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k} {self.said(k, v)}" for k, v in value.items())
        text = str(value)
        return _short(text) if _HEX.fullmatch(text) else text


def _enum(t: Translator, prefix: str, names: tuple[str, ...], value: Any) -> str:
    number = _int(value)
    return t(f"{prefix}.{names[number]}") if 0 <= number < len(names) else str(number)


def _derived(
    contract: str, event: str, args: Mapping[str, Any], f: _Fields, names: TrailNames
) -> dict[str, str]:
    """Fields a sentence names that the event does not carry: the line's lender and dealer
    (from the line, or a lot audit's line), the member an id names, kinds by name."""
    t = f.t
    extra: dict[str, str] = {}
    line = args.get("lineId", args.get("toLineId"))
    if line is None and "auditId" in args:
        line = names.audits.get(_int(args["auditId"]))
    if line is not None and _int(line) in names.lines:
        lender, dealer = names.lines[_int(line)]
        extra["lender"], extra["dealer"] = f.member(lender), f.member(dealer)
    else:
        extra["lender"] = extra["dealer"] = t("sentence.unknown_party")
    if "fromLineId" in args and _int(args["fromLineId"]) in names.lines:
        extra["old_lender"] = f.member(names.lines[_int(args["fromLineId"])][0])
    else:
        extra["old_lender"] = t("sentence.unknown_party")
    if contract == "Consortium" and "id" in args and event.startswith("Member"):
        extra["member"] = f.member(args["id"])
    if contract == "Consortium" and "kind" in args:
        extra["kind"] = _enum(t, "sentence.proposal", PROPOSAL_KINDS, args["kind"])
    if contract == "Clearing" and "kind" in args:
        extra["kind"] = _enum(t, "sentence.claim", CLAIM_KINDS, args["kind"])
    if contract == EVIDENCE:
        extra["type"] = t(f"type.{args['evidence_type']}")
        extra["status"] = t(f"status.{args['status']}")
    if "outcome" in args:
        extra["outcome"] = _enum(t, "sentence.outcome", OUTCOMES, args["outcome"])
    if "reason" in args:
        reason = SUPERSEDE_REASONS.get(_int(args["reason"]))
        extra["reason"] = t(f"sentence.reason.{reason}") if reason else str(args["reason"])
    if "sampleBps" in args:
        extra["sample"] = f"{_int(args['sampleBps']) / 100:g} %"
    if "claimIds" in args:
        extra["claims"] = ", ".join(f"#{_int(i)}" for i in args["claimIds"])
    if "upheld" in args:
        extra["upheld"] = t("sentence.upheld" if args["upheld"] else "sentence.rejected")
    if "allowed" in args:
        extra["allowed"] = t("sentence.allowed" if args["allowed"] else "sentence.disallowed")
    if "freezeOnMissing" in args:
        extra["freeze"] = t("sentence.freeze" if args["freezeOnMissing"] else "sentence.no_freeze")
    if event == "LineFrozen":
        audit = _int(args.get("auditId", 0))
        extra["why"] = t("sentence.frozen_by_audit", audit=audit) if audit else ""
    return extra


def _parts(text: str, moments: list[Moment]) -> tuple[Part, ...]:
    pieces = text.split(_MARK)
    parts: list[Part] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            parts.append(moments[int(piece)])
        elif piece:
            parts.append(piece)
    return tuple(parts)


def _generic(
    contract: str | None, event: str, args: Mapping[str, Any], names: TrailNames, t: Translator
) -> Sentence:
    try:
        f = _Fields(args, names, t)
        details = "; ".join(f"{k} {v}" for k, v in f.values.items() if v)
        moments = f.moments
    except (ValueError, TypeError, KeyError, AttributeError):
        details = "; ".join(f"{k} {v}" for k, v in args.items() if v is not None)
        moments = []
    name = f"{contract}.{event}" if contract else event
    key = "sentence.generic" if details else "sentence.generic_bare"
    return Sentence(parts=_parts(t(key, event=name, details=details), moments), known=False)


def say(
    contract: str | None, event: str, args: Mapping[str, Any], names: TrailNames, t: Translator
) -> Sentence:
    """The sentence of one event (`contract`'s `event` with its indexed `args`)."""
    if contract is None or (contract, event) not in EVENTS:
        return _generic(contract, event, args, names, t)
    try:
        f = _Fields(args, names, t)
        fields = f.values | _derived(contract, event, args, f, names)
        text = t(f"sentence.{contract}.{event}", **fields)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return _generic(contract, event, args, names, t)
    return Sentence(parts=_parts(text, f.moments))
