"""Collection-compliance rules as data: contact hours, contact frequency and forbidden wording.

Pure: no database, no web3. A rule set is a versioned JSON document (the default is
``notary/rules/collection-rules-v1.json``); `RuleSet.from_json` reads it strictly and
`check_contact` applies it to one contact, given the times of the debtor's other recorded
contacts. The rule set's `version` and `digest` go into the anchored evidence record of every
contact checked under it, so which rules applied is provable later.

The rules, precisely:

- **Contact hours.** A contact is allowed from `contact_hours.start` (inclusive) to
  `contact_hours.end` (exclusive), in the debtor's local time: with the default 08:00-21:00, a
  contact at 07:59:59 or at 21:00:00 is a violation, one at 08:00:00 or 20:59:59 is not.
- **Contacts per day / per week.** Counting the contact itself and every recorded contact of the
  same debtor (whoever the collector), a contact is a violation when its debtor-local calendar
  day holds more than `max_contacts.per_day` contacts, or when the seven debtor-local days
  ending with its day hold more than `max_contacts.per_week`. So with a maximum of 3 a day the
  fourth contact of a day is a violation, and so is every later one.
- **Forbidden wording.** Each phrase is matched against the transcript case-insensitively
  (Unicode case folding of `re.IGNORECASE`); a run of whitespace in a phrase matches any run of
  whitespace. A phrase that begins (ends) with a letter or digit of the ASCII range only matches
  where the transcript has no letter or digit just before (after) it, so "kill" does not match
  "skills"; Chinese phrases have no word boundaries and match anywhere. Each match is a
  violation carrying its span (start and end character offsets into the transcript, as Python
  slices them) and the matched text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notary.errors import FormatError, NotaryError
from notary.records import canonicalize, parse_json

RULES_FORMAT = "autoledger-collection-rules"
"""The `format` member every rules file carries."""

MAX_PHRASES = 1000
"""Phrases one rule set may hold: every transcript is scanned once per phrase."""

MAX_PHRASE_LENGTH = 200
"""Characters in one phrase; forbidden wording is a few words, not a paragraph."""

MAX_TRANSCRIPT = 200_000
"""Characters of transcript checked; about three hours of speech, far beyond one call."""

WEEK_DAYS = 7
"""Days in the rolling window of `max_contacts.per_week`."""

CONTACT_HOURS = "contact_hours"
CONTACTS_PER_DAY = "contacts_per_day"
CONTACTS_PER_WEEK = "contacts_per_week"
FORBIDDEN_WORDING = "forbidden_wording"
RULES = (CONTACT_HOURS, CONTACTS_PER_DAY, CONTACTS_PER_WEEK, FORBIDDEN_WORDING)
"""The rule names a `Violation` carries."""

_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_PHRASE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_CLOCK = re.compile(r"([01]\d|2[0-4]):([0-5]\d)")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_TOP_LEVEL = {
    "format",
    "version",
    "description",
    "default_time_zone",
    "contact_hours",
    "max_contacts",
    "forbidden_phrases",
}


class ComplianceError(FormatError):
    """A rules file or a contact is invalid; the message names the member and the value.

    A `FormatError`: what is wrong is always the form of a value given (rules, a time, a zone).
    """


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (e.g. ``Asia/Shanghai``); raises `ComplianceError`."""
    if not isinstance(name, str) or not name or len(name) > 64:
        raise ComplianceError(f"time zone {name!r} is not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ComplianceError(f"time zone {name!r} is not an IANA time zone name") from exc


@dataclass(frozen=True, kw_only=True)
class Phrase:
    """A forbidden phrase: `id` names it in violations, `lang` is a BCP 47 tag (``zh``, ``en``)."""

    id: str
    lang: str
    text: str
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    @classmethod
    def of(cls, *, id: str, lang: str, text: str) -> Phrase:
        """A phrase with its matching pattern (see the module docstring for how it matches)."""
        words = text.split()
        body = r"\s+".join(re.escape(word) for word in words)
        if _ASCII_WORD.fullmatch(words[0][0]):
            body = r"(?<![^\W_])" + body
        if _ASCII_WORD.fullmatch(words[-1][-1]):
            body += r"(?![^\W_])"
        return cls(id=id, lang=lang, text=text, pattern=re.compile(body, re.IGNORECASE))


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    """A validated rule set. Build it with `from_json`.

    `digest` is the SHA-256 of the rules document's RFC 8785 canonical form: two files that
    differ only in layout have one digest, any change to a rule changes it.
    """

    version: str
    description: str
    default_time_zone: str
    contact_start: time
    contact_end: time
    max_per_day: int
    max_per_week: int
    phrases: tuple[Phrase, ...]
    digest: str
    document: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> RuleSet:
        """Read a rules document (JSON text or a parsed object), strictly.

        Raises `ComplianceError` naming the member at fault: unknown or missing members, a
        wrong `format`, a bad time zone, ``HH:MM`` times out of order, limits below 1, empty
        or duplicate phrases or phrase ids.
        """
        obj: object = data
        if isinstance(data, str | bytes | bytearray):
            try:
                obj = parse_json(data)
            except FormatError as exc:
                raise ComplianceError(f"rules: {exc}") from exc
        if not isinstance(obj, Mapping):
            raise ComplianceError("rules: the document must be a JSON object")
        _members("rules", obj, _TOP_LEVEL, optional={"description"})
        if obj["format"] != RULES_FORMAT:
            raise ComplianceError(f"rules.format: {obj['format']!r} is not {RULES_FORMAT!r}")
        version = obj["version"]
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise ComplianceError(
                f"rules.version: {version!r} must be 1-40 letters, digits, '.', '_' or '-'"
            )
        description = obj.get("description", "")
        if not isinstance(description, str):
            raise ComplianceError("rules.description: must be a string")
        zone = obj["default_time_zone"]
        time_zone(zone)
        hours = obj["contact_hours"]
        _members("rules.contact_hours", hours, {"start", "end"})
        start = _clock("rules.contact_hours.start", hours["start"])
        end = _clock("rules.contact_hours.end", hours["end"])
        if not start < end:
            raise ComplianceError(
                f"rules.contact_hours: start {hours['start']} must be before end {hours['end']}"
            )
        limits = obj["max_contacts"]
        _members("rules.max_contacts", limits, {"per_day", "per_week"})
        per_day = _limit("rules.max_contacts.per_day", limits["per_day"])
        per_week = _limit("rules.max_contacts.per_week", limits["per_week"])
        phrases = _phrases(obj["forbidden_phrases"])
        try:
            digest = hashlib.sha256(canonicalize(obj)).hexdigest()
        except NotaryError as exc:
            raise ComplianceError(f"rules: {exc}") from exc
        return cls(
            version=version,
            description=description,
            default_time_zone=zone,
            contact_start=start,
            contact_end=end,
            max_per_day=per_day,
            max_per_week=per_week,
            phrases=phrases,
            digest=digest,
            document=obj,
        )


@dataclass(frozen=True, kw_only=True)
class Contact:
    """One collection contact: when (`at`, timezone-aware), the debtor's IANA `time_zone`, the
    `debtor` commitment, the `collector` (member id or address, as text), the `channel`, and the
    `transcript` when there is one."""

    at: datetime
    time_zone: str
    debtor: str
    collector: str
    channel: str
    transcript: str | None = None


@dataclass(frozen=True, kw_only=True)
class Violation:
    """A rule a contact breaks: `rule` is one of `RULES`; `detail` says how, with the figures.

    For `FORBIDDEN_WORDING`, `span` is the (start, end) character offsets of the match in the
    transcript, `matched` its text and `phrase_id` the phrase it matched; None otherwise.
    """

    rule: str
    detail: str
    span: tuple[int, int] | None = None
    matched: str | None = None
    phrase_id: str | None = None


def local_time(contact: Contact) -> datetime:
    """The contact's time in the debtor's time zone; raises `ComplianceError`."""
    if contact.at.tzinfo is None or contact.at.utcoffset() is None:
        raise ComplianceError(f"contact time {contact.at!r} has no time zone")
    return contact.at.astimezone(time_zone(contact.time_zone))


def check_contact(rules: RuleSet, contact: Contact, others: Iterable[datetime]) -> list[Violation]:
    """Every rule of `rules` that `contact` breaks, in the order of `RULES`.

    `others` are the times (timezone-aware) of the debtor's other recorded contacts, by any
    collector; those outside the contact's day and week window are ignored. Raises
    `ComplianceError` for a naive time, an unknown time zone or an overlong transcript.
    """
    local = local_time(contact)
    zone = local.tzinfo
    day = local.date()
    found: list[Violation] = []
    clock = local.timetz().replace(tzinfo=None)
    if not rules.contact_start <= clock < rules.contact_end:
        found.append(
            Violation(
                rule=CONTACT_HOURS,
                detail=(
                    f"contact at {local:%H:%M:%S} {contact.time_zone} ({local:%Y-%m-%d}) is"
                    f" outside the allowed hours {rules.contact_start:%H:%M}-"
                    f"{rules.contact_end:%H:%M}"
                ),
            )
        )
    days = []
    for other in others:
        if other.tzinfo is None or other.utcoffset() is None:
            raise ComplianceError(f"contact time {other!r} has no time zone")
        days.append(other.astimezone(zone).date())
    same_day = 1 + sum(1 for d in days if d == day)
    first = day - timedelta(days=WEEK_DAYS - 1)
    same_week = 1 + sum(1 for d in days if first <= d <= day)
    if same_day > rules.max_per_day:
        found.append(
            Violation(
                rule=CONTACTS_PER_DAY,
                detail=(
                    f"contact {same_day} with this debtor on {day} ({contact.time_zone});"
                    f" at most {rules.max_per_day} a day are allowed"
                ),
            )
        )
    if same_week > rules.max_per_week:
        found.append(
            Violation(
                rule=CONTACTS_PER_WEEK,
                detail=(
                    f"contact {same_week} with this debtor from {first} to {day}"
                    f" ({contact.time_zone}); at most {rules.max_per_week} in"
                    f" {WEEK_DAYS} days are allowed"
                ),
            )
        )
    if contact.transcript:
        found.extend(forbidden_wording(rules, contact.transcript))
    return found


def forbidden_wording(rules: RuleSet, transcript: str) -> list[Violation]:
    """A `FORBIDDEN_WORDING` violation per match of a phrase in `transcript`, by position.

    Raises `ComplianceError` for a transcript longer than `MAX_TRANSCRIPT`.
    """
    if len(transcript) > MAX_TRANSCRIPT:
        raise ComplianceError(
            f"transcript has {len(transcript)} characters; at most {MAX_TRANSCRIPT} are checked"
        )
    hits: list[Violation] = []
    for phrase in rules.phrases:
        for match in phrase.pattern.finditer(transcript):
            hits.append(
                Violation(
                    rule=FORBIDDEN_WORDING,
                    detail=(
                        f"forbidden phrase {phrase.id} ({phrase.lang}) at characters"
                        f" {match.start()}-{match.end()}: {match.group()!r}"
                    ),
                    span=(match.start(), match.end()),
                    matched=match.group(),
                    phrase_id=phrase.id,
                )
            )
    hits.sort(key=lambda v: (v.span or (0, 0), v.phrase_id or ""))
    return hits


# -- reading ----------------------------------------------------------------------------------


def _members(
    where: str,
    obj: object,
    expected: set[str],
    *,
    optional: frozenset[str] | set[str] = frozenset(),
) -> None:
    if not isinstance(obj, Mapping):
        raise ComplianceError(f"{where}: must be a JSON object")
    for name in sorted(expected - set(optional)):
        if name not in obj:
            raise ComplianceError(f"{where}: member {name!r} is missing")
    for name in obj:
        if name not in expected:
            raise ComplianceError(f"{where}: unknown member {name!r}")


def _clock(where: str, value: object) -> time:
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ComplianceError(f"{where}: {value!r} is not a time like 08:00")
    hour, minute = int(match[1]), int(match[2])
    if hour == 24:
        if minute:
            raise ComplianceError(f"{where}: {value!r} is past 24:00")
        return time.max
    return time(hour, minute)


def _limit(where: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise ComplianceError(f"{where}: {value!r} must be a whole number from 1 to 10000")
    return value


def _phrases(value: object) -> tuple[Phrase, ...]:
    where = "rules.forbidden_phrases"
    if not isinstance(value, list):
        raise ComplianceError(f"{where}: must be a list")
    if len(value) > MAX_PHRASES:
        raise ComplianceError(f"{where}: {len(value)} phrases; at most {MAX_PHRASES}")
    phrases: list[Phrase] = []
    ids: set[str] = set()
    texts: set[tuple[str, ...]] = set()
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        _members(at, item, {"id", "lang", "text"})
        phrase_id, lang, text = item["id"], item["lang"], item["text"]
        if not isinstance(phrase_id, str) or not _PHRASE_ID.fullmatch(phrase_id):
            raise ComplianceError(f"{at}.id: {phrase_id!r} must be lowercase letters, digits, ._-")
        if phrase_id in ids:
            raise ComplianceError(f"{at}.id: {phrase_id!r} is used twice")
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
            raise ComplianceError(f"{at}.lang: {lang!r} is not a language tag like zh or en")
        if not isinstance(text, str) or not text.split() or len(text) > MAX_PHRASE_LENGTH:
            raise ComplianceError(
                f"{at}.text: must be a non-blank string of at most {MAX_PHRASE_LENGTH} characters"
            )
        key = tuple(word.casefold() for word in text.split())
        if key in texts:
            raise ComplianceError(f"{at}.text: {text!r} is listed twice")
        ids.add(phrase_id)
        texts.add(key)
        phrases.append(Phrase.of(id=phrase_id, lang=lang, text=text))
    return tuple(phrases)
