"""File names as sent are hostile: the safe form holds no path, control or bidi character and
fits 255 bytes; the escaped original is printable ASCII that decodes back to what was sent."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from notary.file_names import (
    MAX_ESCAPED_CHARS,
    MAX_FILE_NAME_BYTES,
    escaped_file_name,
    safe_file_name,
)

FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def test_known_names():
    assert safe_file_name("../../../../etc/passwd") == "passwd"
    assert safe_file_name("C:\\Users\\zhang\\call.wav") == "call.wav"
    assert safe_file_name("invoice\u202efdp.exe") == "invoice_fdp.exe"
    assert safe_file_name("a\r\nb.txt") == "a__b.txt"
    assert safe_file_name(b"bad\xff.wav") == "bad\ufffd.wav"
    assert safe_file_name("lone\udcff.wav") == "lone\ufffd.wav"
    assert safe_file_name("  .hidden.  ") == "hidden"
    assert safe_file_name("..") is None and safe_file_name("/") is None
    assert safe_file_name(None) is None
    assert safe_file_name("录音 01.wav") == "录音 01.wav"
    long = safe_file_name("录" * 200 + ".wav")
    assert long is not None and long.endswith(".wav") and len(long.encode()) <= 255
    assert escaped_file_name("a\x00\u202e录.txt") == "a\\x00\\u202e\\u5f55.txt"
    assert escaped_file_name(b"\xff") == "\\udcff"
    assert len(escaped_file_name("\x00" * 5000) or "") == MAX_ESCAPED_CHARS


@given(st.one_of(st.text(), st.binary()))
def test_the_safe_form_is_safe_and_stable(name):
    safe = safe_file_name(name)
    if safe is None:
        return
    assert safe and "/" not in safe and "\\" not in safe
    assert not any(unicodedata.category(c) in FORBIDDEN for c in safe)
    assert len(safe.encode("utf-8")) <= MAX_FILE_NAME_BYTES
    assert safe == safe.strip(" .") and safe == unicodedata.normalize("NFC", safe)
    assert safe_file_name(safe) == safe


@given(st.text(max_size=100))
def test_the_escaped_original_is_ascii_and_decodes_back(name):
    escaped = escaped_file_name(name)
    assert escaped is not None and escaped.isascii() and escaped.isprintable()
    assert escaped.encode("ascii").decode("unicode_escape") == name
