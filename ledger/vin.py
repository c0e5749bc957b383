"""Vehicle identifiers: VIN validation (ISO 3779 / GB 16735 check digit) and on-chain key hashes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NewType

from eth_utils.crypto import keccak

from ledger.errors import LedgerError

Vin = NewType("Vin", str)
"""A normalized, valid VIN: 17 upper-case characters, no I/O/Q, correct check digit."""

VinHash = NewType("VinHash", bytes)
"""keccak256 of a normalized VIN's ASCII bytes: the key of a vehicle on chain."""

VIN_LENGTH = 17
"""ISO 3779 fixes the length of a VIN at 17 characters."""

CHECK_DIGIT_POSITION = 9
"""The check digit's 1-based position (mandatory in GB 16735 and in North America)."""

FORBIDDEN_LETTERS = frozenset("IOQ")
"""Letters a VIN never contains: they read too easily as 1 and 0."""

# Transliteration of ISO 3779: digits are themselves, letters by this table (I, O, Q have none).
_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

_IDENTIFIER_SPACE = re.compile(r"[\s\-]+")


class InvalidVin(LedgerError):
    """A VIN that is not valid; `reason` says what is wrong, for a 422 or a CSV rejection.

    `problem` is a stable code (``length``, ``forbidden_letter``, ``bad_character``,
    ``check_digit``), `position` the 1-based position at fault (None for the length), and
    `expected` the check digit the VIN should have (for ``check_digit``).
    """

    def __init__(
        self,
        vin: str,
        problem: str,
        reason: str,
        *,
        position: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.vin = vin
        self.problem = problem
        self.reason = reason
        self.position = position
        self.expected = expected
        super().__init__(f"invalid VIN {vin!r}: {reason}")


class InvalidIdentifier(LedgerError):
    """A certificate or engine number that is empty once normalized."""


def normalize_vin(text: str) -> Vin:
    """`text` trimmed and upper-cased (ASCII letters), checked to be a valid VIN.

    Raises `InvalidVin` naming the first problem found, in this order: the length (17), a
    forbidden letter I, O or Q (with its position), any other character outside 0-9 and A-Z
    (with its position), and a wrong check digit in position 9 (with the expected one). Other
    positions are not checked against a market's rules (model-year codes, world manufacturer
    identifiers), so a structurally valid VIN from any market passes.
    """
    # Upper-case ASCII letters only: str.upper() would turn "ß" into "SS" and "ı" into "I".
    vin = "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in text.strip())
    if len(vin) != VIN_LENGTH:
        raise InvalidVin(
            vin, "length", f"a VIN has {VIN_LENGTH} characters, this one has {len(vin)}"
        )
    for position, char in enumerate(vin, start=1):
        if char in FORBIDDEN_LETTERS:
            raise InvalidVin(
                vin,
                "forbidden_letter",
                f"letter {char} at position {position} is not allowed in a VIN (no I, O or Q)",
                position=position,
            )
        if char not in _VALUES:
            raise InvalidVin(
                vin,
                "bad_character",
                f"character {char!r} at position {position} is not allowed in a VIN"
                " (only 0-9 and A-Z)",
                position=position,
            )
    expected = check_digit(vin)
    actual = vin[CHECK_DIGIT_POSITION - 1]
    if actual != expected:
        raise InvalidVin(
            vin,
            "check_digit",
            f"check digit (position {CHECK_DIGIT_POSITION}) is {actual}, expected {expected}",
            position=CHECK_DIGIT_POSITION,
            expected=expected,
        )
    return Vin(vin)


def check_digit(vin: str) -> str:
    """The check digit (``0``-``9`` or ``X``) that the 17 characters of `vin` call for.

    The character in position 9 itself does not count (its weight is 0). Raises `InvalidVin`
    for a length other than 17 or a character without a transliteration (I, O, Q, non-A-Z).
    """
    if len(vin) != VIN_LENGTH:
        raise InvalidVin(
            vin, "length", f"a VIN has {VIN_LENGTH} characters, this one has {len(vin)}"
        )
    total = 0
    for position, (char, weight) in enumerate(zip(vin, _WEIGHTS, strict=True), start=1):
        value = _VALUES.get(char)
        if value is None:
            raise InvalidVin(
                vin,
                "bad_character",
                f"character {char!r} at position {position} has no VIN value",
                position=position,
            )
        total += value * weight
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin(text: str) -> bool:
    """Whether `normalize_vin(text)` would succeed."""
    try:
        normalize_vin(text)
    except InvalidVin:
        return False
    return True


def vin_hash(vin: str) -> VinHash:
    """The on-chain key of the vehicle with VIN `vin` (normalized and validated first).

    Raises `InvalidVin`. Anyone holding a VIN (a buyer) computes the same key to ask whether
    the vehicle is under a lien.
    """
    return VinHash(keccak(normalize_vin(vin).encode("ascii")))


def normalize_identifier(text: str) -> str:
    """A certificate-of-conformity or engine number as it is hashed: upper-case, without
    spaces or hyphens (which vary between documents). Raises `InvalidIdentifier` if empty."""
    normalized = _IDENTIFIER_SPACE.sub("", text).upper()
    if not normalized:
        raise InvalidIdentifier(f"identifier {text!r} is empty once spaces and hyphens go")
    return normalized


def identifier_hash(text: str) -> bytes:
    """keccak256 of `normalize_identifier(text)` as UTF-8: a certificate or engine key."""
    return keccak(normalize_identifier(text).encode("utf-8"))


@dataclass(frozen=True, kw_only=True)
class VehicleKeys:
    """The three uniqueness keys of a vehicle on chain (32 bytes each)."""

    vin_hash: VinHash
    certificate_hash: bytes
    engine_hash: bytes

    @classmethod
    def of(cls, *, vin: str, certificate: str, engine: str) -> VehicleKeys:
        """Keys of a vehicle from its VIN, certificate-of-conformity number and engine number.

        Raises `InvalidVin` or `InvalidIdentifier`.
        """
        return cls(
            vin_hash=vin_hash(vin),
            certificate_hash=identifier_hash(certificate),
            engine_hash=identifier_hash(engine),
        )
