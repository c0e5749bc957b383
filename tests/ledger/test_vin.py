"""VIN normalization and validation (`ledger.vin`), and the vehicle key hashes."""

from __future__ import annotations

import pytest
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.vin import (
    InvalidIdentifier,
    InvalidVin,
    VehicleKeys,
    check_digit,
    identifier_hash,
    is_valid_vin,
    normalize_identifier,
    normalize_vin,
    vin_hash,
)

VALID = [
    "1M8GDM9AXKP042788",  # Motor Coach Industries bus: check digit X
    "1HGCM82633A004352",  # Honda Accord
    "JH4KA7561PC008269",  # Acura Legend, the classic textbook VIN
    "JHMCM56557C404453",  # Honda Accord
    "2T1BURHE0JC074012",  # Toyota Corolla: check digit 0
    "11111111111111111",  # all ones: 89 mod 11 = 1, so structurally valid
    "LFV2A21K0N3000001",  # synthetic Chinese VIN (FAW-VW WMI) built with the check digit
]

INVALID = [
    # (input, problem, position, expected check digit, words the message must contain)
    ("1M8GDM9AXKP04278", "length", None, None, "17 characters, this one has 16"),
    ("1M8GDM9AXKP0427888", "length", None, None, "this one has 18"),
    ("", "length", None, None, "this one has 0"),
    ("1M8GDM9AXKP0427O8", "forbidden_letter", 16, None, "letter O at position 16"),
    ("IM8GDM9AXKP042788", "forbidden_letter", 1, None, "letter I at position 1"),
    ("1M8GDM9AXKP04Q788", "forbidden_letter", 14, None, "letter Q at position 14"),
    ("1m8gdm9axkp04q788", "forbidden_letter", 14, None, "letter Q"),
    ("1M8GDM9A-KP042788", "bad_character", 9, None, "'-' at position 9"),
    ("1M8GDM9AX P042788", "bad_character", 10, None, "' ' at position 10"),
    ("1M8GDM9AXKP04278Ü", "bad_character", 17, None, "'Ü' at position 17"),
    ("1M8GDM9AXKP04278ß", "bad_character", 17, None, "'ß' at position 17"),
    ("1M8GDM9A5KP042788", "check_digit", 9, "X", "is 5, expected X"),
    ("1HGCM82643A004352", "check_digit", 9, "3", "is 4, expected 3"),
    ("1HGCM82633A004353", "check_digit", 9, "5", "is 3, expected 5"),  # a typo elsewhere
    ("11111111111111112", "check_digit", 9, "3", "is 1, expected 3"),
    ("WVWZZZ1JZ3W386752", "check_digit", 9, "9", "is Z, expected 9"),  # EU VIN, no check digit
]


@pytest.mark.parametrize("vin", VALID)
def test_valid_vins_pass_and_normalize(vin):
    assert normalize_vin(vin) == vin
    assert normalize_vin(f"  {vin.lower()}\t\n") == vin
    assert is_valid_vin(vin)
    assert check_digit(vin) == vin[8]


@pytest.mark.parametrize(("text", "problem", "position", "expected", "words"), INVALID)
def test_invalid_vins_name_what_is_wrong(text, problem, position, expected, words):
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(text)
    error = caught.value
    assert (error.problem, error.position, error.expected) == (problem, position, expected)
    assert words in error.reason and words in str(error)
    assert isinstance(error, LedgerError)
    assert not is_valid_vin(text)


def test_check_digit_rejects_what_it_cannot_transliterate():
    with pytest.raises(InvalidVin, match="this one has 4"):
        check_digit("1234")
    with pytest.raises(InvalidVin, match="'O' at position 3 has no VIN value"):
        check_digit("1MODM9AXKP0427888")


def test_vin_hash_is_keccak_of_the_normalized_vin():
    assert vin_hash(" 1m8gdm9axkp042788 ") == keccak(b"1M8GDM9AXKP042788")
    with pytest.raises(InvalidVin):
        vin_hash("1M8GDM9A5KP042788")


def test_identifiers_ignore_case_spaces_and_hyphens():
    assert normalize_identifier(" wdk-1234 5678 ") == "WDK12345678"
    assert identifier_hash("wdk 1234-5678") == keccak(b"WDK12345678")
    with pytest.raises(InvalidIdentifier, match="empty"):
        identifier_hash(" - ")
    keys = VehicleKeys.of(vin="1m8gdm9axkp042788", certificate="WDK-1", engine="ea 888")
    assert keys == VehicleKeys(
        vin_hash=keccak(b"1M8GDM9AXKP042788"),
        certificate_hash=keccak(b"WDK1"),
        engine_hash=keccak(b"EA888"),
    )


_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


@given(st.text(alphabet=_ALPHABET, min_size=16, max_size=16))
def test_setting_the_check_digit_makes_any_vin_valid_and_any_other_digit_invalid(body):
    vin = body[:8] + "0" + body[8:]
    digit = check_digit(vin)
    valid = vin[:8] + digit + vin[9:]
    assert normalize_vin(valid) == valid
    for wrong in "0123456789X":
        if wrong != digit:
            assert not is_valid_vin(valid[:8] + wrong + valid[9:])


# ISO 3779 transliteration, written out independently of the module's table.
_VALUE = dict(zip(_ALPHABET, [*range(10), 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9,
                              2, 3, 4, 5, 6, 7, 8, 9], strict=True))  # fmt: skip


@given(st.text(alphabet=_ALPHABET, min_size=17, max_size=17), st.integers(0, 16))
def test_any_single_change_of_value_is_caught(vin, position):
    # Values differ by at most 9 and the weights outside position 9 are 2..10, so changing one
    # character's value changes the weighted sum by a non-multiple of the prime 11.
    valid = vin[:8] + check_digit(vin) + vin[9:]
    if position == 8:
        return
    for char in _ALPHABET:
        changed = valid[:position] + char + valid[position + 1 :]
        assert is_valid_vin(changed) == (_VALUE[char] == _VALUE[valid[position]])
