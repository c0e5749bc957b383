"""Document digests: streamed SHA-256 and the strict and loose hex forms."""

from __future__ import annotations

import hashlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notary import (
    CHUNK_SIZE,
    DigestError,
    NotaryError,
    digest_bytes,
    is_sha256_digest,
    parse_digest,
    sha256_bytes,
    sha256_file,
    sha256_stream,
    validate_digest,
)

EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 example


class CountingStream(io.BytesIO):
    """Records the size of every read, to show the hashing never asks for more than a chunk."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.requests: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.requests.append(-1 if size is None else size)
        return super().read(size)


def test_known_answers():
    assert sha256_bytes(b"") == EMPTY
    assert sha256_bytes(b"abc") == ABC
    assert sha256_stream(io.BytesIO(b"abc")) == ABC


def test_a_file_is_streamed_in_chunks_and_matches_hashlib(tmp_path):
    data = bytes(range(256)) * (CHUNK_SIZE // 256 * 3 + 17)  # a bit over 3 MiB
    path = tmp_path / "recording.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert sha256_file(str(path), chunk_size=4096) == hashlib.sha256(data).hexdigest()


def test_a_stream_is_never_read_whole():
    data = b"\x5a" * (CHUNK_SIZE * 2 + 5)
    stream = CountingStream(data)
    assert sha256_stream(stream) == hashlib.sha256(data).hexdigest()
    assert stream.requests and all(0 < size <= CHUNK_SIZE for size in stream.requests)
    assert len(stream.requests) == 4  # three chunks and the empty read at the end


def test_a_stream_is_hashed_from_its_current_position():
    stream = io.BytesIO(b"xxabc")
    stream.seek(2)
    assert sha256_stream(stream, chunk_size=1) == ABC


def test_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "absent")


@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=300))
def test_any_chunk_size_gives_the_same_digest(data, chunk_size):
    assert (
        sha256_stream(io.BytesIO(data), chunk_size=chunk_size) == hashlib.sha256(data).hexdigest()
    )


def test_strict_form_is_64_lowercase_hex():
    assert validate_digest(ABC) == ABC
    assert is_sha256_digest(ABC)
    for bad in (ABC.upper(), "0x" + ABC, ABC[:-1], ABC + "0", " " + ABC, "g" * 64, 12, None):
        assert not is_sha256_digest(bad)
        with pytest.raises(DigestError) as caught:
            validate_digest(bad)
        assert repr(bad) in str(caught.value) or type(bad).__name__ in str(caught.value)


def test_loose_form_accepts_case_and_prefix_and_returns_the_strict_form():
    assert parse_digest(ABC.upper()) == ABC
    assert parse_digest("0x" + ABC) == ABC
    assert parse_digest(f"  {ABC}\n") == ABC
    with pytest.raises(DigestError, match="'not-a-digest'"):
        parse_digest("not-a-digest")
    with pytest.raises(NotaryError):
        parse_digest("0x" + ABC[:-2])


def test_digest_bytes():
    assert digest_bytes(ABC) == hashlib.sha256(b"abc").digest()
    with pytest.raises(DigestError):
        digest_bytes(ABC.upper())
