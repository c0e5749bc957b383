"""Proof-check and rule-breach details in the reader's language.

`notary.verify_receipt` and `notary.compliance` state each detail in English (the CLI prints
it, exports keep it, and the notary's pure core knows no languages). The pages read those
details back by their pattern and say them with the catalog's ``check_detail.*`` and
``breach_detail.*`` strings; a detail no pattern knows (a rare failure: a node's odd answer)
is shown as written, marked English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.pages.i18n import Translator
from notary.receipts import Check

_FIELD = re.compile(r"\\\{(\w+)(?::(\w))?\\\}")
_GROUPS = {"x": r"(?:0x)?[0-9a-f]+", "d": r"\d+", "s": r"\S+", "t": r"[0-9:]+", "a": r".*"}


def _pattern(template: str) -> re.Pattern[str]:
    """A detail's regular expression from its template: ``{name}`` is hex, ``{name:d}`` a
    number, ``{name:s}`` anything without spaces, ``{name:t}`` a clock time, ``{name:a}``
    anything; the rest is literal."""
    literal = re.escape(template)
    return re.compile(_FIELD.sub(lambda m: f"(?P<{m[1]}>{_GROUPS[m[2] or 'x']})", literal))


PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, _pattern(template))
    for key, template in (
        ("no_rpc", "no JSON-RPC URL given"),
        (
            "no_trust_root",
            "no trust root: nothing pins whose contract the anchor is, so the receipt proves"
            " nothing about who issued it (give the consortium's EvidenceRegistry address or"
            " its trust file)",
        ),
        ("pinned", "anchored by the pinned EvidenceRegistry {registry} on chain {chain:d}"),
        (
            "pinned_any_chain",
            "anchored by the pinned EvidenceRegistry {registry} on the node's chain",
        ),
        (
            "not_pinned",
            "the anchor names contract {contract}, not the pinned EvidenceRegistry {registry}",
        ),
        ("other_chain", "the anchor is on chain {chain:d}, the trust root on {expected:d}"),
        (
            "batch_anchored",
            "BatchAnchored log {log:d} of registry {registry}: root {root}, log size {size:d},"
            " notary {signer}",
        ),
        (
            "digest_anchored",
            "DigestAnchored log {log:d} of registry {registry}: {root}, notary {signer}",
        ),
        (
            "unsigned_anchor",
            "the receipt is not signed, so no notary can match the anchoring event",
        ),
        ("no_document", "no document given"),
        ("no_record", "no valid record to compare with (see leaf)"),
        ("no_record_to_place", "no valid record to place (see leaf)"),
        ("digest_differs", "document hashes to {digest}, record says {record}"),
        ("digest", "document hashes to {digest}"),
        ("leaf", "leaf hash {hash} over {size:d} canonical bytes"),
        ("inclusion", "leaf {index:d} of {size:d} leads to root {root}"),
        ("inclusion_differs", "the audit path leads to {computed}, not to root {root}"),
        ("unsigned", "the receipt is not signed"),
        ("signed", "signed by {signer}"),
        ("signed_by_other", "signed by {signer}, not by the expected notary {expected}"),
        ("recovers_to_other", "signature recovers to {recovered}, not to signer {signer}"),
        ("chain", "chain {chain:d}"),
        ("chain_differs", "the node is on chain {chain:d}, the receipt says {expected:d}"),
        ("transaction", "transaction {tx} succeeded in block {block:d}"),
        ("root_in_log", "root {root} is in log {log:d} of {contract}"),
        ("root_in_a_log", "root {root} is in a log of {contract}"),
        ("root_missing", "no log of {contract} in transaction {tx} holds root {root}"),
        ("block_time", "block {block:d} is from {time:s}"),
        ("block_time_differs", "block {block:d} is from {time:s}, not {expected:s}"),
        ("tx_missing", "transaction {tx} is not on the node's chain"),
        ("block_missing", "block {block:d} is not on the node's chain"),
    )
)
"""Each known detail of `verify_receipt` and its catalog key (``check_detail.<key>``); the
named groups fill the string's fields."""

BREACH_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, _pattern(template))
    for key, template in (
        (
            "contact_hours",
            "contact at {time:t} {zone:s} ({day:s}) is outside the allowed hours {start:t}-{end:t}",
        ),
        (
            "per_day",
            "contact {count:d} with this debtor on {day:s} ({zone:s}); at most {most:d} a day"
            " are allowed",
        ),
        (
            "per_week",
            "contact {count:d} with this debtor from {first:s} to {day:s} ({zone:s}); at most"
            " {most:d} in {days:d} days are allowed",
        ),
        (
            "wording",
            "forbidden phrase {phrase:s} ({lang:s}) at characters {start:d}-{end:d}: {text:a}",
        ),
    )
)
"""Each known detail of `notary.compliance` (``breach_detail.<key>``)."""


@dataclass(frozen=True, kw_only=True)
class CheckDetail:
    """A check's detail as the page shows it: the text, and whether it stayed English."""

    text: str
    english: bool


def check_detail(t: Translator, check: Check) -> CheckDetail:
    """The detail of `check` said with `t`, or as written (``english``) when no pattern
    matches it."""
    return _said(t, "check_detail", PATTERNS, check.detail)


def breach_detail(t: Translator, detail: str) -> CheckDetail:
    """A rule breach's `detail` said with `t`, or as written (``english``)."""
    return _said(t, "breach_detail", BREACH_PATTERNS, detail)


def _said(
    t: Translator, prefix: str, patterns: tuple[tuple[str, re.Pattern[str]], ...], detail: str
) -> CheckDetail:
    for key, pattern in patterns:
        found = pattern.fullmatch(detail)
        if found is not None:
            return CheckDetail(text=t(f"{prefix}.{key}", **found.groupdict()), english=False)
    return CheckDetail(text=detail, english=True)
