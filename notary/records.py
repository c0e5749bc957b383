"""Evidence records and their canonical encoding (RFC 8785 JCS), which is the Merkle leaf.

Consensus-critical: a record's canonical bytes are hashed into the tree, so the encoding, the
field set and their textual forms are frozen for record version 1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NewType

from eth_utils.address import to_checksum_address

from notary.digests import Sha256Digest, parse_digest
from notary.errors import (
    AddressError,
    CanonicalizationError,
    FormatError,
    PersonalDataError,
    RecordError,
)

RECORD_VERSION = 1
"""The only record version there is; its encoding is frozen."""

MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer JCS can encode: JCS writes numbers as IEEE-754 doubles, and above 2**53 - 1
two different integers can share one double, so their encodings would be ambiguous."""

MAX_DEPTH = 16
"""Deepest nesting `canonicalize` accepts; records and receipts nest three levels, and a bound
keeps hostile input from exhausting the stack."""

SALT_SIZE = 32
"""Bytes of secret salt in a case commitment: 256 bits, the HMAC-SHA256 key size, so the
commitment cannot be brute-forced even though case references are short and guessable."""

MAX_METADATA_ENTRIES = 32
"""Metadata entries per record: metadata is for a few labels, not for content."""

MAX_METADATA_KEY = 64
"""Characters in a metadata key."""

MAX_METADATA_VALUE = 1024
"""Characters in a metadata value; keeps leaves and receipts small."""

PERSONAL_DATA_WORDS = frozenset(
    {
        "name", "firstname", "lastname", "fullname", "surname", "filename",
        "phone", "mobile", "telephone", "email",
        "address",
        "borrower", "debtor", "guarantor", "customer",
        "passport", "ssn", "idnumber", "idcard", "nationalid",
        "dob", "birth", "birthdate", "birthday",
    }
)  # fmt: skip
"""Words that mark a metadata key as personal data (checked per `_`/`.`/`-` separated word and
for each adjacent pair of words, so `id_number` matches `idnumber`). File names are included
because they often carry the person's name. Frozen with record version 1: receipts issued under
it must keep parsing, so the list only grows with a new record version; the intake service may
refuse more keys."""

Address = NewType("Address", str)
"""An Ethereum address in lowercase hex with the 0x prefix (the one stored form)."""

Commitment = NewType("Commitment", str)
"""An HMAC-SHA256 commitment as 64 lowercase hex characters."""

Timestamp = NewType("Timestamp", str)
"""RFC 3339 UTC time to the second, like ``2026-11-22T13:05:00Z`` (the one stored form)."""


class EvidenceType(StrEnum):
    """What kind of evidence a document is."""

    CALL_RECORDING = "call_recording"
    SIGNED_AGREEMENT = "signed_agreement"
    VISIT_PHOTO = "visit_photo"
    MESSAGE_LOG = "message_log"
    AUDIT_PHOTO = "audit_photo"
    OTHER = "other"


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_METADATA_KEY = re.compile(r"[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_OUTSIDE_BMP = re.compile("[\U00010000-\U0010ffff]")
_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_JSON_ESCAPES["\t"] = "\\t"
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


# ------------------------------------------------------------------ RFC 8785 canonical JSON


def canonicalize(value: object) -> bytes:
    """The RFC 8785 (JCS) canonical UTF-8 encoding of a JSON `value`.

    Accepts None, bool, int, str, lists/tuples and str-keyed mappings. Object keys are sorted
    by their UTF-16 code units; there is no whitespace; strings are escaped as ECMAScript's
    JSON.stringify does. Floats are refused (our formats have none, and refusing them spares
    the ECMAScript double-to-text rules); so are integers beyond +-(2**53 - 1), strings with
    lone surrogates and nesting deeper than `MAX_DEPTH`: `CanonicalizationError`.
    """
    if _plain(value, 0):
        # Same bytes as the reference encoder below, made by the C json encoder: Python sorts
        # keys by code point, which equals UTF-16 order for keys within the BMP, and escapes
        # exactly the characters JCS escapes, the same way (tests/notary pins the equality).
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8"
        )
    return canonicalize_reference(value)


def canonicalize_reference(value: object) -> bytes:
    """`canonicalize` as a direct transcription of RFC 8785: slow, and the yardstick."""
    out: list[str] = []
    _encode(value, out, 0)
    return "".join(out).encode("utf-8")


def _plain(value: object, depth: int) -> bool:
    """Whether `value` is JSON the fast path encodes exactly as JCS (else: the reference
    encoder decides, and raises where it must)."""
    if depth > MAX_DEPTH:
        return False
    if value is None or value is True or value is False:
        return True
    if type(value) is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if type(value) is str:
        return not _SURROGATE.search(value)
    if type(value) is dict:
        return all(
            type(k) is str
            and not _OUTSIDE_BMP.search(k)
            and not _SURROGATE.search(k)
            and _plain(v, depth + 1)
            for k, v in value.items()
        )
    if type(value) is list or type(value) is tuple:
        return all(_plain(item, depth + 1) for item in value)
    return False


def _encode(value: object, out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CanonicalizationError(f"JSON nests deeper than {MAX_DEPTH} levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalizationError(f"integer {value} is beyond JCS's exact range 2**53 - 1")
        out.append(str(int(value)))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, float):
        raise CanonicalizationError(f"floats are not allowed in canonical JSON, got {value!r}")
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalizationError(f"object keys must be strings, got {key!r}")
            _string(key)  # rejects lone surrogates before they reach the sort
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, depth + 1)
        out.append("]")
    else:
        raise CanonicalizationError(f"{type(value).__name__} has no JSON form")


def _string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(f"string {text!r} holds a lone surrogate") from exc
    escaped = _NEEDS_ESCAPE.sub(lambda m: _JSON_ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04x}", text)
    return f'"{escaped}"'


def parse_json(data: str | bytes) -> object:
    """Parse JSON text strictly: UTF-8, no duplicate keys, no floats, no NaN or Infinity.

    Raises `FormatError` saying what is wrong. Duplicate keys are refused because two
    readers could keep different ones; floats because our formats have none.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except FormatError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise FormatError(f"not valid JSON: {exc}") from exc


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise FormatError(f"duplicate JSON key {key!r}")
        result[key] = value
    return result


def _refuse_float(text: str) -> Any:
    raise FormatError(f"JSON number {text} is not an integer; floats are not allowed")


def _refuse_constant(text: str) -> Any:
    raise FormatError(f"JSON constant {text} is not allowed")


# ------------------------------------------------------------------ field forms


def normalize_address(value: str) -> Address:
    """The stored (lowercase) form of an Ethereum address given in any valid spelling.

    All-lowercase or all-uppercase hex is taken as is; mixed case must be a correct EIP-55
    checksum. Raises `AddressError` naming the value.
    """
    if not isinstance(value, str) or _ADDRESS.fullmatch(value) is None:
        raise AddressError(f"{value!r} is not an address (0x and 40 hex characters)")
    digits = value[2:]
    if (
        digits != digits.lower()
        and digits != digits.upper()
        and to_checksum_address(value) != value
    ):
        raise AddressError(f"{value!r} has a wrong EIP-55 checksum")
    return Address("0x" + digits.lower())


def format_timestamp(moment: datetime) -> Timestamp:
    """`moment` (timezone-aware) in the stored form, UTC to the second; fractions are dropped."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FormatError(f"{moment!r} has no timezone; pass an aware datetime")
    return Timestamp(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def parse_timestamp(value: str) -> datetime:
    """The UTC datetime of a stored-form timestamp; raises `FormatError` naming the value.

    Only ``YYYY-MM-DDTHH:MM:SSZ`` is accepted: the one spelling of each instant, so a signed
    or hashed time cannot be re-spelled. Leap seconds (``:60``) are not representable.
    """
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise FormatError(f"{value!r} is not an RFC 3339 UTC time like 2026-11-22T13:05:00Z")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise FormatError(f"{value!r} is not a valid time: {exc}") from exc


def commit(value: str, salt: bytes) -> Commitment:
    """A salted commitment to `value` (e.g. a case reference): hex HMAC-SHA256(`salt`, value).

    `salt` must be 32 secret random bytes (``secrets.token_bytes(32)``), kept by the submitter
    beside the case file and never sent to the notary or the chain: whoever holds value and
    salt can later prove the commitment, nobody else can test guesses against it. Use a new
    salt per case. `value` is committed exactly as given, as UTF-8: normalize it first
    (trim, case) the same way every time. Raises `RecordError` for a wrong salt.
    """
    if not isinstance(salt, bytes | bytearray) or len(salt) != SALT_SIZE:
        shown = len(salt) if isinstance(salt, bytes | bytearray) else type(salt).__name__
        raise RecordError(f"commitment salt must be {SALT_SIZE} bytes, got {shown}")
    try:
        message = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordError("committed value holds a lone surrogate") from exc
    return Commitment(hmac.new(bytes(salt), message, hashlib.sha256).hexdigest())


def verify_commitment(commitment: str, value: str, salt: bytes) -> bool:
    """Whether `commitment` was made from `value` and `salt` (constant-time comparison)."""
    try:
        expected = commit(value, salt)
    except RecordError:
        return False
    return isinstance(commitment, str) and hmac.compare_digest(expected, commitment.lower())


def check_metadata_key(key: str) -> None:
    """Raise `RecordError` unless `key` is a well-formed metadata key free of personal data.

    Keys are lowercase words of letters and digits joined by `_`, `.` or `-`, at most
    `MAX_METADATA_KEY` characters. A key containing a word of `PERSONAL_DATA_WORDS` raises
    `PersonalDataError`: put a commitment (`commit`) in a non-personal key instead.
    """
    if not isinstance(key, str) or not (
        len(key) <= MAX_METADATA_KEY and _METADATA_KEY.fullmatch(key)
    ):
        raise RecordError(
            f"metadata key {key!r} must be lowercase words joined by _ . or - "
            f"(at most {MAX_METADATA_KEY} characters)"
        )
    words = re.split(r"[_.-]", key)
    pairs = [a + b for a, b in zip(words, words[1:], strict=False)]
    hits = sorted(PERSONAL_DATA_WORDS.intersection(words + pairs))
    if hits:
        raise PersonalDataError(
            f"metadata key {key!r} looks like personal data ({', '.join(hits)}); "
            "personal data never goes into a record in clear: commit to it with commit()"
        )


# ------------------------------------------------------------------ the record


@dataclass(frozen=True, kw_only=True)
class EvidenceRecord:
    """What the notary attests about one document; its canonical JCS bytes are the leaf.

    The constructor validates every field and normalizes spellings (hex and address case,
    media type case); `from_json` accepts only the normalized spelling. Raises `RecordError`
    (or `PersonalDataError`) naming the field.

    - `document_digest`: SHA-256 of the document's bytes.
    - `evidence_type`: an `EvidenceType`.
    - `case_commitment`: `commit(case_reference, salt)`; the case reference never in clear.
    - `submitter`: the consortium member's address.
    - `submitted_at`: when the notary received it, RFC 3339 UTC (`format_timestamp`).
    - `media_type`: the document's media type, e.g. ``audio/mpeg`` (no parameters).
    - `size`: the document's length in bytes, or None when only the digest was submitted.
    - `metadata`: other non-personal labels, str to str (see `check_metadata_key`).
    """

    document_digest: Sha256Digest
    evidence_type: EvidenceType
    case_commitment: Commitment
    submitter: Address
    submitted_at: Timestamp
    media_type: str
    size: int | None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)
    version: int = RECORD_VERSION

    def __post_init__(self) -> None:
        with _field("version"):
            if not _is_int(self.version) or self.version != RECORD_VERSION:
                raise RecordError(f"unsupported record version {self.version!r}")
        with _field("document_digest"):
            self._set("document_digest", parse_digest(self.document_digest))
        with _field("evidence_type"):
            try:
                self._set("evidence_type", EvidenceType(self.evidence_type))
            except ValueError:
                kinds = ", ".join(kind.value for kind in EvidenceType)
                raise RecordError(f"{self.evidence_type!r} is not one of {kinds}") from None
        with _field("case_commitment"):
            self._set("case_commitment", Commitment(parse_digest(self.case_commitment)))
        with _field("submitter"):
            self._set("submitter", normalize_address(self.submitter))
        with _field("submitted_at"):
            parse_timestamp(self.submitted_at)
        with _field("media_type"):
            media_type = self.media_type.lower() if isinstance(self.media_type, str) else None
            if media_type is None or _MEDIA_TYPE.fullmatch(media_type) is None:
                raise RecordError(f"{self.media_type!r} is not a media type like audio/mpeg")
            self._set("media_type", media_type)
        with _field("size"):
            if self.size is not None and not (
                _is_int(self.size) and 0 <= self.size <= MAX_SAFE_INTEGER
            ):
                raise RecordError(f"{self.size!r} is not a byte count (0 to 2**53 - 1) or null")
        with _field("metadata"):
            self._set("metadata", MappingProxyType(_checked_metadata(self.metadata)))

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def to_object(self) -> dict[str, Any]:
        """The record as a JSON object (plain dicts, str, int, None)."""
        return {
            "version": self.version,
            "document_digest": self.document_digest,
            "evidence_type": self.evidence_type.value,
            "case_commitment": self.case_commitment,
            "submitter": self.submitter,
            "submitted_at": self.submitted_at,
            "media_type": self.media_type,
            "size": self.size,
            "metadata": dict(self.metadata),
        }

    def to_json(self) -> str:
        """The canonical JSON text of the record (the leaf, as text)."""
        return canonical_bytes(self).decode("utf-8")

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> EvidenceRecord:
        """Read a record from JSON text or an already parsed JSON object.

        Strict, since the record may come from a receipt: every field present, no others,
        each in its stored spelling. Raises `RecordError` naming the field.
        """
        if isinstance(data, str | bytes | bytearray):
            try:
                data = _mapping(parse_json(data))
            except FormatError as exc:
                raise RecordError(f"record: {exc}") from exc
        obj = _mapping(data)
        expected = set(_RECORD_FIELDS)
        if missing := sorted(expected - obj.keys()):
            raise RecordError(f"record is missing field {missing[0]!r}")
        if unknown := sorted(obj.keys() - expected, key=str):
            raise RecordError(f"record has unknown field {unknown[0]!r}")
        for name, kinds in _RECORD_FIELDS.items():
            value = obj[name]
            if not isinstance(value, kinds) or isinstance(value, bool):
                raise RecordError(f"record.{name}: {value!r} has the wrong JSON type")
        metadata = obj["metadata"]
        record = cls(
            version=obj["version"],
            document_digest=obj["document_digest"],
            evidence_type=obj["evidence_type"],
            case_commitment=obj["case_commitment"],
            submitter=obj["submitter"],
            submitted_at=obj["submitted_at"],
            media_type=obj["media_type"],
            size=obj["size"],
            metadata=metadata,
        )
        stored = record.to_object()
        # Both hold exactly the record's fields, so their canonical forms are equal exactly
        # when every field's is; only a mismatch needs the field-by-field search.
        if canonicalize(dict(obj)) != canonicalize(stored):
            for name in _RECORD_FIELDS:
                if canonicalize(obj[name]) != canonicalize(stored[name]):
                    raise RecordError(
                        f"record.{name}: {obj[name]!r} is not in its stored form {stored[name]!r}"
                    )
        return record


_RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "version": int,
    "document_digest": str,
    "evidence_type": str,
    "case_commitment": str,
    "submitter": str,
    "submitted_at": str,
    "media_type": str,
    "size": (int, type(None)),
    "metadata": dict,
}


def canonical_bytes(record: EvidenceRecord) -> bytes:
    """The RFC 8785 canonical JSON encoding of `record`: the bytes the notary hashes."""
    return canonicalize(record.to_object())


def leaf_data(record: EvidenceRecord) -> bytes:
    """The Merkle leaf of `record` (its canonical bytes; `merkle.leaf_hash` adds the 0x00)."""
    return canonical_bytes(record)


def _checked_metadata(metadata: object) -> dict[str, str]:
    if not isinstance(metadata, Mapping):
        raise RecordError(f"{metadata!r} is not a mapping of str to str")
    if len(metadata) > MAX_METADATA_ENTRIES:
        raise RecordError(f"{len(metadata)} entries; at most {MAX_METADATA_ENTRIES} are allowed")
    checked: dict[str, str] = {}
    for key, value in metadata.items():
        check_metadata_key(key)
        if not isinstance(value, str) or len(value) > MAX_METADATA_VALUE:
            raise RecordError(
                f"value of {key!r} must be a string of at most {MAX_METADATA_VALUE} characters"
            )
        try:
            _string(value)
        except CanonicalizationError as exc:
            raise RecordError(f"value of {key!r}: {exc}") from exc
        checked[key] = value
    return checked


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError(f"a record must be a JSON object, got {type(value).__name__}")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@contextmanager
def _field(name: str) -> Iterator[None]:
    """Prefix errors raised inside with ``record.<name>:``; format errors become `RecordError`."""
    try:
        yield
    except PersonalDataError as exc:
        raise PersonalDataError(f"record.{name}: {exc}") from exc
    except (FormatError, RecordError) as exc:
        raise RecordError(f"record.{name}: {exc}") from exc
