"""Evidence records: RFC 8785 canonical bytes (pinned), strict parsing, no personal data."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notary import (
    AddressError,
    CanonicalizationError,
    EvidenceRecord,
    EvidenceType,
    FormatError,
    PersonalDataError,
    RecordError,
    canonical_bytes,
    canonicalize,
    check_metadata_key,
    commit,
    format_timestamp,
    leaf_data,
    leaf_hash,
    normalize_address,
    parse_json,
    parse_timestamp,
    verify_commitment,
)
from tests.notary.factories import SALT, make_record

PINNED_FIELDS = {
    "document_digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "evidence_type": "signed_agreement",
    "case_commitment": "6fed9f6d262da779ec260aec6502dee74c643c5b8a7f94a7e4a7ed5979c56d26",
    "submitter": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "submitted_at": "2026-11-22T13:05:00Z",
    "media_type": "application/pdf",
    "size": 48213,
    "metadata": {
        "channel": "branch",
        "note": 'Plan "B"\n\u00e9t\u00e9 \u20ac5\u00a0\U0001f697\x7f\x1f',
        "agency-ref": "AG/7",
    },
}

# Keys sorted; no whitespace; `"` and newline escaped short, U+001F as \u001f; non-ASCII, DEL
# and "/" as they are, in UTF-8; the checksummed submitter stored in lowercase.
PINNED_BYTES = (
    b'{"case_commitment":"6fed9f6d262da779ec260aec6502dee74c643c5b8a7f94a7e4a7ed5979c56d26",'
    b'"document_digest":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",'
    b'"evidence_type":"signed_agreement","media_type":"application/pdf",'
    b'"metadata":{"agency-ref":"AG/7","channel":"branch",'
    b'"note":"Plan \\"B\\"\\n\xc3\xa9t\xc3\xa9 \xe2\x82\xac5\xc2\xa0\xf0\x9f\x9a\x97\x7f\\u001f"},'
    b'"size":48213,"submitted_at":"2026-11-22T13:05:00Z",'
    b'"submitter":"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc","version":1}'
)
PINNED_LEAF_HASH = "53cd2547a5a7417c381a111d20bc6f37d9351399221b38c5a67dd083a797603d"


# ------------------------------------------------------------------ pinned record


def test_canonical_bytes_of_a_record_are_pinned():
    record = EvidenceRecord(**PINNED_FIELDS)
    assert canonical_bytes(record) == PINNED_BYTES
    assert leaf_data(record) == PINNED_BYTES
    assert leaf_hash(PINNED_BYTES).hex() == PINNED_LEAF_HASH
    assert hashlib.sha256(b"\x00" + PINNED_BYTES).hexdigest() == PINNED_LEAF_HASH


def test_the_pinned_commitment_is_hmac_sha256_of_the_case_reference():
    assert commit("CASE-2026-000123", SALT) == PINNED_FIELDS["case_commitment"]
    expected = hmac.new(SALT, b"CASE-2026-000123", hashlib.sha256).hexdigest()
    assert commit("CASE-2026-000123", SALT) == expected


def test_canonical_json_parses_back_to_the_same_record():
    record = EvidenceRecord(**PINNED_FIELDS)
    assert EvidenceRecord.from_json(PINNED_BYTES) == record
    assert EvidenceRecord.from_json(record.to_json()) == record
    assert EvidenceRecord.from_json(record.to_object()) == record
    assert record.to_json().encode() == PINNED_BYTES


def test_key_order_does_not_matter():
    obj = EvidenceRecord(**PINNED_FIELDS).to_object()
    keys = list(obj)
    for seed in range(5):
        random.Random(seed).shuffle(keys)
        shuffled = {key: obj[key] for key in keys}
        shuffled["metadata"] = dict(reversed(list(obj["metadata"].items())))
        text = json.dumps(shuffled, indent=3, ensure_ascii=True)
        assert canonical_bytes(EvidenceRecord.from_json(text)) == PINNED_BYTES
        assert canonicalize(shuffled) == PINNED_BYTES


# ------------------------------------------------------------------ RFC 8785 vectors


def test_rfc8785_sorts_keys_by_utf16_code_units():
    """RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33, unlike code points."""
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonicalize(value) == expected.encode("utf-8")


def test_rfc8785_string_escaping():
    """RFC 8785 §3.2.2.2's example."""
    value = json.loads('{"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}')
    assert canonicalize(value) == '{"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'.encode()


def test_rfc8785_literals_and_nesting():
    value = json.loads('[56, {"d": true, "10": null, "1": [ ]}]')
    assert canonicalize(value) == b'[56,{"1":[],"10":null,"d":true}]'


def test_every_control_character_is_escaped_and_nothing_else():
    text = "".join(chr(c) for c in range(0x20)) + "\x7f\u2028\u2029/'"
    expected = (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
        "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\x7f\u2028\u2029/'\""
    )
    assert canonicalize(text) == expected.encode("utf-8")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=0x7F)), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_jcs_agrees_with_sorted_compact_json_for_ascii_keys(value):
    """With ASCII keys, code unit order is byte order: the stdlib gives the same bytes."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonicalize(value) == expected.encode("utf-8")


@given(json_values)
def test_canonical_bytes_parse_back_to_the_same_value(value):
    assert parse_json(canonicalize(value)) == value


def test_integers_beyond_2_53_and_floats_are_refused():
    assert canonicalize([9007199254740991, -9007199254740991, 0]) == (
        b"[9007199254740991,-9007199254740991,0]"
    )
    for bad in (2**53, -(2**53), 1.0, 0.5, float("nan"), float("inf")):
        with pytest.raises(CanonicalizationError):
            canonicalize({"n": bad})
    with pytest.raises(FormatError, match="floats are not allowed"):
        parse_json('{"size": 1.0}')
    with pytest.raises(FormatError, match="NaN"):
        parse_json('{"size": NaN}')


def test_lone_surrogates_and_odd_types_are_refused():
    for bad in ("\ud800", {"\udc00": 1}, b"bytes", {1: "non-string key"}, object()):
        with pytest.raises(CanonicalizationError):
            canonicalize(bad)
    deep: list[object] = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(CanonicalizationError, match="deeper"):
        canonicalize(deep)


def test_duplicate_keys_are_refused():
    with pytest.raises(FormatError, match="duplicate JSON key 'size'"):
        parse_json('{"size": 1, "size": 2}')


# ------------------------------------------------------------------ strict parsing


def _obj(**changes):
    obj = EvidenceRecord(**PINNED_FIELDS).to_object()
    obj.update(changes)
    return obj


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 2}, "record.version: unsupported record version 2"),
        ({"version": True}, "record.version: True has the wrong JSON type"),
        ({"size": "48213"}, "record.size: '48213' has the wrong JSON type"),
        ({"size": -1}, "record.size: -1 is not a byte count"),
        ({"size": 2**53}, "record.size"),
        ({"evidence_type": "fax"}, "record.evidence_type: 'fax' is not one of call_recording"),
        ({"document_digest": "ab" * 31}, "record.document_digest: 'abab"),
        ({"document_digest": "AB" * 32}, "record.document_digest: 'ABAB"),  # not stored form
        ({"submitter": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"}, "record.submitter: "),
        ({"submitter": "0x1234"}, "record.submitter: '0x1234' is not an address"),
        ({"media_type": "Application/PDF"}, "record.media_type: 'Application/PDF' is not in"),
        ({"media_type": "pdf"}, "record.media_type: 'pdf' is not a media type"),
        ({"submitted_at": "2026-11-22T13:05:00+00:00"}, "record.submitted_at: '2026-11-22T13:05"),
        ({"submitted_at": "2026-11-22T13:05:00.5Z"}, "record.submitted_at"),
        ({"submitted_at": "2026-11-22 13:05:00Z"}, "record.submitted_at"),
        (
            {"submitted_at": "2026-02-30T13:05:00Z"},
            "record.submitted_at: '2026-02-30T13:05:00Z' is not a valid time",
        ),
        ({"metadata": {"channel": 5}}, "record.metadata: value of 'channel' must be a string"),
        ({"metadata": []}, "record.metadata: [] has the wrong JSON type"),
        ({"extra": "x"}, "record has unknown field 'extra'"),
    ],
)
def test_a_bad_record_is_refused_naming_the_field(changes, message):
    with pytest.raises(RecordError) as caught:
        EvidenceRecord.from_json(_obj(**changes))
    assert message in str(caught.value)


def test_a_missing_field_is_named():
    obj = _obj()
    del obj["size"]
    with pytest.raises(RecordError, match="record is missing field 'size'"):
        EvidenceRecord.from_json(obj)


def test_bad_json_text_is_a_record_error():
    with pytest.raises(RecordError, match="not valid JSON"):
        EvidenceRecord.from_json(b"{not json")
    with pytest.raises(RecordError, match="must be a JSON object"):
        EvidenceRecord.from_json("[1]")
    with pytest.raises(RecordError, match="duplicate"):
        EvidenceRecord.from_json('{"version": 1, "version": 1}')


def test_the_constructor_normalizes_spellings_from_json_does_not():
    record = make_record(
        document_digest="0x" + "AB" * 32,
        submitter="0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        media_type="Audio/MPEG",
        evidence_type=EvidenceType.VISIT_PHOTO,
    )
    assert record.document_digest == "ab" * 32
    assert record.submitter == "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
    assert record.media_type == "audio/mpeg"
    assert record.to_object()["evidence_type"] == "visit_photo"


def test_digest_only_records_have_size_null():
    record = make_record(size=None)
    assert b'"size":null' in canonical_bytes(record)
    assert EvidenceRecord.from_json(record.to_json()).size is None


def test_records_are_frozen():
    record = make_record()
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.size = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        record.metadata["channel"] = "x"  # type: ignore[index]
    assert hash(record) == hash(make_record())


# ------------------------------------------------------------------ personal data


@pytest.mark.parametrize(
    "key",
    [
        "name",
        "borrower",
        "borrower_ref",
        "phone",
        "mobile-number",
        "id_number",
        "idnumber",
        "national.id",
        "first_name",
        "customer_email",
        "home-address",
        "date_of_birth",
        "passport",
        "file_name",
        "filename",
        "guarantor",
    ],
)
def test_metadata_keys_that_look_like_personal_data_are_refused(key):
    with pytest.raises(PersonalDataError, match=f"metadata key '{key}' looks like personal data"):
        make_record(metadata={key: "x"})
    with pytest.raises(PersonalDataError):
        check_metadata_key(key)


@pytest.mark.parametrize("key", ["channel", "agency-ref", "call.duration_s", "contact_window"])
def test_ordinary_metadata_keys_are_accepted(key):
    assert make_record(metadata={key: "x"}).metadata == {key: "x"}


@pytest.mark.parametrize("key", ["", "Channel", "a b", "_x", "x_", "x__y", "k" * 65, "é"])
def test_malformed_metadata_keys_are_refused(key):
    with pytest.raises(RecordError, match="must be lowercase words"):
        make_record(metadata={key: "x"})


def test_metadata_limits():
    make_record(metadata={f"k{i}": "v" * 1024 for i in range(32)})
    with pytest.raises(RecordError, match="33 entries; at most 32"):
        make_record(metadata={f"k{i}": "v" for i in range(33)})
    with pytest.raises(RecordError, match="at most 1024 characters"):
        make_record(metadata={"k": "v" * 1025})
    with pytest.raises(RecordError, match="lone surrogate"):
        make_record(metadata={"k": "\udfff"})


# ------------------------------------------------------------------ commitments, forms


def test_commitments():
    value = commit("CASE-1", SALT)
    assert verify_commitment(value, "CASE-1", SALT)
    assert verify_commitment(value.upper(), "CASE-1", SALT)
    assert not verify_commitment(value, "CASE-2", SALT)
    assert not verify_commitment(value, "CASE-1", bytes(32))
    assert not verify_commitment(value, "CASE-1", b"short")
    assert commit("CASE-1", bytes(32)) != value  # the salt matters
    for bad in (b"", bytes(31), bytes(33), "x" * 32):
        with pytest.raises(RecordError, match="salt must be 32 bytes"):
            commit("CASE-1", bad)  # type: ignore[arg-type]


def test_addresses():
    checksummed = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    lower = checksummed.lower()
    assert normalize_address(checksummed) == lower
    assert normalize_address(lower) == lower
    assert normalize_address("0x" + lower[2:].upper()) == lower
    with pytest.raises(AddressError, match="wrong EIP-55 checksum"):
        normalize_address("0x70997970c51812DC3A010C7d01b50e0d17dc79C8")
    for bad in ("70997970c51812dc3a010c7d01b50e0d17dc79c8", "0x123", lower + "00", None):
        with pytest.raises(AddressError):
            normalize_address(bad)  # type: ignore[arg-type]


def test_timestamps():
    moment = datetime(2026, 11, 22, 14, 5, 0, 999_999, tzinfo=timezone(timedelta(hours=1)))
    assert format_timestamp(moment) == "2026-11-22T13:05:00Z"
    assert parse_timestamp("2026-11-22T13:05:00Z") == datetime(2026, 11, 22, 13, 5, tzinfo=UTC)
    with pytest.raises(FormatError, match="no timezone"):
        format_timestamp(datetime(2026, 11, 22))
    for bad in ("2026-11-22T13:05:00z", "2026-11-22T13:05Z", "2026-11-22T24:00:00Z", "x"):
        with pytest.raises(FormatError):
            parse_timestamp(bad)


_json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_fast_canonicalization_equals_the_reference_transcription(value):
    """The C-encoder fast path must give exactly RFC 8785's bytes, for any JSON value,
    including control characters, non-BMP text and keys that sort differently in UTF-16."""
    from notary.records import canonicalize_reference

    assert canonicalize(value) == canonicalize_reference(value)


def test_keys_outside_the_bmp_sort_by_utf16_code_units():
    """U+10000 sorts before U+FF61 in UTF-16 (surrogates D800..) but after it by code point."""
    from notary.records import canonicalize_reference

    value = {"\U00010000": 1, "\uff61": 2}
    assert canonicalize(value) == canonicalize_reference(value)
    assert canonicalize(value) == '{"\U00010000":1,"\uff61":2}'.encode()
