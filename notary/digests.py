"""SHA-256 digests of documents, streamed in fixed-size chunks, and their hex form."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import NewType, Protocol

from notary.errors import DigestError

Sha256Digest = NewType("Sha256Digest", str)
"""A SHA-256 value as 64 lowercase hex characters, no prefix (what `sha256sum` prints)."""

CHUNK_SIZE = 1 << 20
"""Bytes read at a time: 1 MiB keeps memory flat for recordings of hundreds of MB while
amortizing the per-call cost of Python's reads (larger chunks are not measurably faster)."""

_DIGEST = re.compile(r"[0-9a-f]{64}")
_LOOSE_DIGEST = re.compile(r"(?:0x)?([0-9a-fA-F]{64})")


class Readable(Protocol):
    """A binary stream: `read(n)` returns up to `n` bytes, and b"" at the end."""

    def read(self, size: int, /) -> bytes | None: ...


def sha256_bytes(data: bytes) -> Sha256Digest:
    """The SHA-256 digest of `data` in hex."""
    return Sha256Digest(hashlib.sha256(data).hexdigest())


def sha256_stream(stream: Readable, *, chunk_size: int = CHUNK_SIZE) -> Sha256Digest:
    """The SHA-256 digest of everything `stream` yields from its current position to its end.

    Reads at most `chunk_size` bytes at a time, so memory use does not grow with the size.
    The stream must be blocking (a non-blocking stream that returns None is an error).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    hasher = hashlib.sha256()
    while chunk := stream.read(chunk_size):
        hasher.update(chunk)
    if chunk is None:
        raise TypeError("sha256_stream needs a blocking stream; read() returned None")
    return Sha256Digest(hasher.hexdigest())


def sha256_file(path: Path | str, *, chunk_size: int = CHUNK_SIZE) -> Sha256Digest:
    """The SHA-256 digest of the file at `path`, read in chunks of `chunk_size` bytes.

    OSError (missing file, no permission) propagates: it is the caller's to report.
    """
    with open(path, "rb", buffering=0) as stream:
        return sha256_stream(stream, chunk_size=chunk_size)


def is_sha256_digest(value: object) -> bool:
    """Whether `value` is a digest in the strict form: 64 lowercase hex characters."""
    return isinstance(value, str) and _DIGEST.fullmatch(value) is not None


def validate_digest(value: object) -> Sha256Digest:
    """Return `value` as a `Sha256Digest` if it is already in the strict form.

    Raises `DigestError` naming the value otherwise. Use this for stored or signed data
    (records, receipts), where a second spelling of the same digest must not be accepted.
    """
    if not isinstance(value, str):
        raise DigestError(f"a SHA-256 digest must be a string, got {type(value).__name__}")
    if _DIGEST.fullmatch(value) is None:
        raise DigestError(f"{value!r} is not a SHA-256 digest (64 lowercase hex characters)")
    return Sha256Digest(value)


def parse_digest(value: str) -> Sha256Digest:
    """Read a digest typed by a person or another tool: any case, optional "0x" prefix.

    Returns the strict lowercase form. Raises `DigestError` naming the value.
    """
    match = _LOOSE_DIGEST.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise DigestError(f"{value!r} is not a SHA-256 digest (64 hex characters)")
    return Sha256Digest(match.group(1).lower())


def digest_bytes(digest: Sha256Digest) -> bytes:
    """The 32 raw bytes of a strict-form `digest` (raises `DigestError` if it is not)."""
    return bytes.fromhex(validate_digest(digest))
