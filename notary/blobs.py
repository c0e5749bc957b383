"""Encrypted, content-addressed evidence blobs: streamed AES-256-GCM, one data key per object.

A blob is named by the SHA-256 digest of its plaintext (hex, as `notary.digests` spells it).
Its ciphertext and its key live apart, so that forgetting personal data destroys the key only:
the ciphertext stays, and with it the proof that content with that digest was stored.

Layout under the store's directory (``ab``/``cd`` are the digest's first four hex characters)::

    objects/ab/cd/<digest>            the ciphertext; never deleted by this module
    keys/ab/cd/<digest>.key           the object's data key, wrapped by the master key
    keys/ab/cd/<digest>.tombstone     written by destroy_key: {"digest", "destroyed_at"} JSON
    tmp/                              files being written, renamed into place once complete
    .lock                             flock()ed while a put or destroy_key commits

Object file, version 1 (integers big-endian)::

    offset  size  field
    0       8     magic 89 41 4c 42 4c 4f 42 0a  (b"\\x89ALBLOB\\n")
    8       1     version, 0x01
    9       4     chunk size C: plaintext bytes per chunk, 1 <= C <= MAX_CHUNK_SIZE
    13      7     nonce prefix P, random per object
    20      ...   chunks: AES-256-GCM(data key, nonce, plaintext, aad), ciphertext || 16-byte tag

Every chunk but the last holds exactly C plaintext bytes (C + 16 on disk). There is always a
last chunk; it holds 1..C bytes, or 0 only when the whole plaintext is empty. Chunk i (from 0)
is sealed with nonce = P || uint32(i) || flag, flag 0x01 for the last chunk and 0x00 otherwise,
and aad = the 20 header bytes, followed, for the last chunk only, by the 32 raw digest bytes.
The digest joins only the last chunk's aad because it is known only once the last byte is
hashed, which is when the last chunk is sealed: one pass both hashes and encrypts.

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as age and Tink's
streaming AEAD use it: reordering, dropping or repeating chunks, truncating or appending makes
some chunk fail authentication, and a reader releases a chunk only after checking its tag (and
releases the last one only after the whole plaintext hashed to the digest). The header is in
every chunk's aad, so its fields are authenticated too. The plaintext size follows from the
file length L: size = (L - 20) - 16 * ceil((L - 20) / (C + 16)).

Key file, version 1 (77 bytes)::

    0       8     magic 89 41 4c 42 4b 45 59 0a  (b"\\x89ALBKEY\\n")
    8       1     version, 0x01
    9       8     master key id = HKDF-SHA256(master key, info=b"autoledger/blobs/v1/key-id")
    17      12    nonce N, random per key file
    29      48    AES-256-GCM(wrapping key, N, data key, aad = bytes 0..16 || raw digest)

with wrapping key = HKDF-SHA256(master key, info=b"autoledger/blobs/v1/key-wrap", 32 bytes)
(no salt). The aad ties a key file to its digest, so key files cannot be swapped between
blobs; the id tells "wrong master key" apart from a damaged key file. Random 96-bit nonces are
safe for 2**32 wraps under one master key (NIST SP 800-38D §8.3).

The master key is 32 random bytes. Production passes it from its settings; dev mode may use
`load_or_create_master_key`, which keeps it in a 0600 file as 64 hex characters. Losing the
master key loses every blob; changing it needs the key files re-wrapped (not offered here).

Destroying a key overwrites the key file with random bytes before unlinking it, but on SSDs,
copy-on-write file systems and in backups an overwrite may not reach the old blocks: backups
of ``keys/`` must expire too. ``objects/`` may be backed up and kept freely.

Locking uses POSIX ``fcntl.flock``; the store is meant for Linux servers.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import os
import secrets
import struct
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Self, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from notary.digests import CHUNK_SIZE, Readable, Sha256Digest, validate_digest
from notary.errors import NotaryError
from notary.records import format_timestamp, parse_timestamp

__all__ = [
    "BLOB_VERSION",
    "DEFAULT_CHUNK_SIZE",
    "MASTER_KEY_SIZE",
    "MAX_CHUNK_SIZE",
    "READ_BYTES_LIMIT",
    "BlobCorrupted",
    "BlobError",
    "BlobKeyDestroyed",
    "BlobNotFound",
    "BlobReader",
    "BlobStore",
    "BlobTooLarge",
    "MasterKeyError",
    "MasterKeyMismatch",
    "StoredBlob",
    "generate_master_key",
    "load_or_create_master_key",
]

MASTER_KEY_SIZE: Final = 32
"""Bytes in a master key, and in each data key: AES-256."""

DEFAULT_CHUNK_SIZE: Final = CHUNK_SIZE
"""Plaintext bytes per chunk, 1 MiB as for hashing: memory stays flat (a writer or reader holds
about three chunks) and the 16-byte tag and one AES-GCM call per chunk cost nothing measurable."""

MAX_CHUNK_SIZE: Final = 1 << 26
"""Largest chunk size a store writes or a reader accepts from a header (64 MiB), so that a
damaged header cannot make a reader allocate gigabytes."""

MAX_CHUNKS: Final = 1 << 32
"""The chunk counter in the nonce is 4 bytes: 4 PiB at the default chunk size."""

READ_BYTES_LIMIT: Final = 64 << 20
"""Default ceiling for `BlobStore.read_bytes`, which holds the whole plaintext in memory."""

BLOB_VERSION: Final = 1
"""Version byte of the object and key files this module writes (and the only one it reads)."""

_MAGIC: Final = b"\x89ALBLOB\n"
_KEY_MAGIC: Final = b"\x89ALBKEY\n"
_HEADER: Final = struct.Struct(">8sBI7s")  # magic, version, chunk size, nonce prefix
_HEADER_SIZE: Final = _HEADER.size  # 20
_PREFIX_SIZE: Final = 7
_TAG_SIZE: Final = 16
_KEY_ID_SIZE: Final = 8
_WRAP_NONCE_SIZE: Final = 12
_KEY_AAD_SIZE: Final = len(_KEY_MAGIC) + 1 + _KEY_ID_SIZE  # 17: magic, version, key id
_KEY_FILE_SIZE: Final = _KEY_AAD_SIZE + _WRAP_NONCE_SIZE + MASTER_KEY_SIZE + _TAG_SIZE  # 77
_KEY_ID_INFO: Final = b"autoledger/blobs/v1/key-id"
_KEY_WRAP_INFO: Final = b"autoledger/blobs/v1/key-wrap"


class BlobError(NotaryError):
    """Base of the blob store's errors.

    BlobError
    ├── BlobNotFound        no object with that digest
    ├── BlobKeyDestroyed    the object's key was destroyed; the ciphertext remains
    ├── BlobCorrupted       an object or key file fails its format or authentication checks
    ├── BlobTooLarge        more than a caller's limit, or than the format can count
    └── MasterKeyError      a master key of the wrong size, or an unusable key file for it
        └── MasterKeyMismatch   a blob's key was wrapped under a different master key
    """


class BlobNotFound(BlobError):
    """No object is stored under `digest`."""

    def __init__(self, digest: Sha256Digest) -> None:
        super().__init__(f"no blob with digest {digest}")
        self.digest = digest


class BlobKeyDestroyed(BlobError):
    """The data key of blob `digest` was destroyed at `destroyed_at`: it cannot be decrypted."""

    def __init__(self, digest: Sha256Digest, destroyed_at: datetime) -> None:
        super().__init__(
            f"blob {digest}: its key was destroyed at {format_timestamp(destroyed_at)}; "
            "the ciphertext remains as proof of existence but cannot be decrypted"
        )
        self.digest = digest
        self.destroyed_at = destroyed_at


class BlobCorrupted(BlobError):
    """Blob `digest` failed a check at `chunk` (None: its header, key file or overall digest)."""

    def __init__(self, digest: Sha256Digest, chunk: int | None, problem: str) -> None:
        where = "" if chunk is None else f" chunk {chunk}"
        super().__init__(f"blob {digest}{where}: {problem}")
        self.digest = digest
        self.chunk = chunk


class BlobTooLarge(BlobError):
    """A blob is larger than a caller's limit or than the format can hold."""


class MasterKeyError(BlobError):
    """A master key is not 32 bytes, or its key file cannot be used (the message says why)."""


class MasterKeyMismatch(MasterKeyError):
    """Blob `digest`'s key was wrapped under master key `found`, not this store's `expected`.

    Both are key ids (16 hex characters derived from the key), never the keys themselves.
    """

    def __init__(self, digest: Sha256Digest, *, expected: str, found: str) -> None:
        super().__init__(
            f"blob {digest}: its key was wrapped under master key id {found}, "
            f"but this store's master key has id {expected} (wrong master key?)"
        )
        self.digest = digest
        self.expected = expected
        self.found = found


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """The result of `BlobStore.put`."""

    digest: Sha256Digest
    """SHA-256 of the plaintext, the blob's name."""
    size: int
    """Plaintext bytes."""
    created: bool
    """True if this call stored the object; False if it was already present."""


def generate_master_key() -> bytes:
    """32 bytes from the operating system's CSPRNG, for a new master key."""
    return secrets.token_bytes(MASTER_KEY_SIZE)


def load_or_create_master_key(path: Path) -> bytes:
    """The master key kept at `path`, created there (mode 0600) with a random key if absent.

    For dev mode; production passes the key from its settings instead. The file holds the key
    as 64 hex characters and a newline. Two processes starting at once agree on one key.
    Raises `MasterKeyError` if the file is readable by group or others, or is not such a key;
    other `OSError`s propagate.
    """
    try:
        return _read_master_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = generate_master_key()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # unlike rename, never replaces a key another process made
        except FileExistsError:
            return _read_master_key(path)
    finally:
        os.unlink(temporary)
    return key


def _read_master_key(path: Path) -> bytes:
    with open(path, encoding="ascii", errors="replace") as handle:
        mode = os.fstat(handle.fileno()).st_mode & 0o777
        if mode & 0o077:
            raise MasterKeyError(
                f"master key file {path} has mode {mode:04o}; only its owner may read it "
                "(chmod 600)"
            )
        text = handle.read(256).strip()  # a key file is 65 characters; read no more than that
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != MASTER_KEY_SIZE:
        raise MasterKeyError(f"master key file {path} does not hold 64 hex characters")
    return key


class BlobStore:
    """Encrypted, content-addressed blobs under `directory` (created if missing).

    `master_key` (32 bytes) wraps each object's data key. `chunk_size` is the plaintext bytes
    per encrypted chunk for new objects (`DEFAULT_CHUNK_SIZE`; a small one only for tests);
    objects are read with the size in their own header. Digest arguments must be 64 lowercase
    hex characters: anything else raises `DigestError` naming the value, before any path is
    built. Safe for concurrent use by threads and processes on one host.
    """

    def __init__(
        self, directory: Path, *, master_key: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        if not isinstance(master_key, bytes) or len(master_key) != MASTER_KEY_SIZE:
            got = len(master_key) if isinstance(master_key, bytes) else type(master_key).__name__
            raise MasterKeyError(f"the master key must be {MASTER_KEY_SIZE} bytes, got {got}")
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be in 1..{MAX_CHUNK_SIZE}, got {chunk_size}")
        self.directory = Path(directory)
        self.chunk_size = chunk_size
        self._wrap_key = AESGCM(_derive(master_key, _KEY_WRAP_INFO, MASTER_KEY_SIZE))
        self._key_id = _derive(master_key, _KEY_ID_INFO, _KEY_ID_SIZE)
        self._objects = self.directory / "objects"
        self._keys = self.directory / "keys"
        self._tmp = self.directory / "tmp"
        self._lock_path = self.directory / ".lock"
        for folder in (self._objects, self._keys, self._tmp):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"BlobStore({str(self.directory)!r}, master key id {self._key_id.hex()})"

    @property
    def master_key_id(self) -> str:
        """16 hex characters identifying the master key (recorded in every key file)."""
        return self._key_id.hex()

    # Writing

    def put(self, source: BinaryIO | Path) -> StoredBlob:
        """Store the bytes of `source` (an open binary stream, read to its end, or a file path).

        The plaintext is read `chunk_size` bytes at a time, hashed and encrypted in one pass, so
        memory does not grow with its size. Content already stored is not stored again: the
        result then has `created` False. Raises `BlobKeyDestroyed` if content with this digest
        had its key destroyed (storing it again is a decision for the caller to make and record,
        not a side effect). Errors reading `source` propagate; nothing is left behind.
        """
        if isinstance(source, Path):
            with source.open("rb") as stream:
                return self._put(stream)
        return self._put(source)

    def put_many(self, sources: Sequence[BinaryIO | Path]) -> list[StoredBlob]:
        """Store many documents (bulk intake): as `put` for each, in order, with the same
        crash safety, but a few file-system syncs for the lot instead of four fsyncs each.

        Every object and key is written to `tmp/` first; one sync makes them all durable, the
        keys are renamed into place and synced, then the objects. So, as with `put`, a crash
        leaves at worst keys without objects (read as absent), never an object without its
        key. Content repeated within `sources` or already stored is stored once (`created`
        False). Raises `BlobKeyDestroyed` before anything becomes visible if some content had
        its key destroyed.
        """
        staged: list[tuple[str, str, Sha256Digest, int]] = []
        try:
            for source in sources:
                if isinstance(source, Path):
                    with source.open("rb") as stream:
                        staged.append(self._stage(stream, sync=False))
                else:
                    staged.append(self._stage(source, sync=False))
            _sync_file_system(self._tmp)
            results: list[StoredBlob] = []
            with self._locked():
                fresh: dict[Sha256Digest, tuple[str, str]] = {}
                for object_temp, key_temp, digest, size in staged:
                    destroyed_at = self.destroyed_at(digest)
                    if destroyed_at is not None:
                        raise BlobKeyDestroyed(digest, destroyed_at)
                    stored = (
                        self._object_path(digest).is_file() and self._key_path(digest).is_file()
                    )
                    created = not stored and digest not in fresh
                    if created:
                        fresh[digest] = (key_temp, object_temp)
                    results.append(StoredBlob(digest=digest, size=size, created=created))
                for step in (0, 1):  # keys first, made durable, then the objects
                    for name, temps in fresh.items():
                        final = self._key_path(name) if step == 0 else self._object_path(name)
                        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                        os.replace(temps[step], final)
                    if fresh:
                        _sync_file_system(self.directory)
            return results
        finally:
            for object_temp, key_temp, _, _ in staged:
                Path(object_temp).unlink(missing_ok=True)
                Path(key_temp).unlink(missing_ok=True)

    def _stage(self, source: Readable, *, sync: bool) -> tuple[str, str, Sha256Digest, int]:
        """Encrypt `source` into a temporary object file and its wrapped key into another:
        (object temp path, key temp path, digest, size). The caller renames or removes them."""
        object_fd, object_temp = tempfile.mkstemp(dir=self._tmp, prefix="object-")
        try:
            with os.fdopen(object_fd, "wb") as out:
                data_key, digest, size = self._seal(source, out)
                if sync:
                    _sync(out)
            key_fd, key_temp = tempfile.mkstemp(dir=self._tmp, prefix="key-")
            with os.fdopen(key_fd, "wb") as out:
                out.write(self._wrap(digest, data_key))
                if sync:
                    _sync(out)
        except BaseException:
            Path(object_temp).unlink(missing_ok=True)
            raise
        return object_temp, key_temp, digest, size

    def _put(self, source: Readable) -> StoredBlob:
        object_temp, key_temp, digest, size = self._stage(source, sync=True)
        try:
            object_path, key_path = self._object_path(digest), self._key_path(digest)
            with self._locked():
                destroyed_at = self.destroyed_at(digest)
                if destroyed_at is not None:
                    raise BlobKeyDestroyed(digest, destroyed_at)
                if object_path.is_file() and key_path.is_file():
                    return StoredBlob(digest=digest, size=size, created=False)
                # Key first: a crash in between leaves a key without an object, which reads as
                # absent and is replaced by the next put, never an object without its key.
                # Either file left alone (the other lost) is replaced by a fresh matching pair.
                for temp, final in ((key_temp, key_path), (object_temp, object_path)):
                    final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                    os.replace(temp, final)
                    _sync_directory(final.parent)
            return StoredBlob(digest=digest, size=size, created=True)
        finally:
            for temp_name in (object_temp, key_temp):
                Path(temp_name).unlink(missing_ok=True)

    def _seal(self, source: Readable, out: BinaryIO) -> tuple[bytes, Sha256Digest, int]:
        """Encrypt `source` into `out` in the version-1 format: (data key, digest, size)."""
        data_key = secrets.token_bytes(MASTER_KEY_SIZE)
        prefix = secrets.token_bytes(_PREFIX_SIZE)
        header = _HEADER.pack(_MAGIC, BLOB_VERSION, self.chunk_size, prefix)
        aead = AESGCM(data_key)
        hasher = hashlib.sha256()
        out.write(header)
        size = 0
        index = 0
        current = _read_full(source, self.chunk_size)
        while True:
            hasher.update(current)
            size += len(current)
            # A short chunk means the source ended; a full one needs a look ahead to know.
            following = (
                _read_full(source, self.chunk_size) if len(current) == self.chunk_size else b""
            )
            last = not following
            if index >= MAX_CHUNKS:
                raise BlobTooLarge(f"more than {MAX_CHUNKS} chunks of {self.chunk_size} bytes")
            aad = header + hasher.digest() if last else header
            out.write(aead.encrypt(_nonce(prefix, index, last), current, aad))
            if last:
                return data_key, Sha256Digest(hasher.hexdigest()), size
            current = following
            index += 1

    def _wrap(self, digest: Sha256Digest, data_key: bytes) -> bytes:
        head = _KEY_MAGIC + bytes([BLOB_VERSION]) + self._key_id
        nonce = secrets.token_bytes(_WRAP_NONCE_SIZE)
        return head + nonce + self._wrap_key.encrypt(nonce, data_key, head + bytes.fromhex(digest))

    def destroy_key(self, digest: str) -> datetime:
        """Destroy blob `digest`'s data key, keeping its ciphertext; return when it was destroyed.

        Writes the tombstone first, then overwrites the key file with random bytes and removes
        it. Calling it again finishes an interrupted destruction and returns the first time.
        Afterwards `open` raises `BlobKeyDestroyed`, while `exists` and `size` still answer.
        Raises `BlobNotFound` if nothing was ever stored under `digest`.
        """
        checked = validate_digest(digest)
        key_path, tombstone = self._key_path(checked), self._tombstone_path(checked)
        with self._locked():
            destroyed_at = self.destroyed_at(checked)
            if destroyed_at is None:
                if not (self._object_path(checked).is_file() or key_path.is_file()):
                    raise BlobNotFound(checked)
                destroyed_at = datetime.now(UTC).replace(microsecond=0)
                record = {"digest": checked, "destroyed_at": format_timestamp(destroyed_at)}
                self._write_atomically(tombstone, json.dumps(record).encode() + b"\n")
            if key_path.exists():
                with key_path.open("r+b") as handle:
                    handle.write(secrets.token_bytes(os.fstat(handle.fileno()).st_size))
                    _sync(handle)
                key_path.unlink()
                _sync_directory(key_path.parent)
        return destroyed_at

    def _write_atomically(self, path: Path, data: bytes) -> None:
        fd, temp = tempfile.mkstemp(dir=self._tmp, prefix="tombstone-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                _sync(out)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(temp, path)
            _sync_directory(path.parent)
        finally:
            Path(temp).unlink(missing_ok=True)

    # Reading

    def open(self, digest: str) -> BlobReader:
        """The plaintext of blob `digest` as an iterator of chunks; use it as a context manager.

        Each chunk is released only once authenticated, the last only once the whole plaintext
        has hashed to `digest`. Raises `BlobNotFound`, `BlobKeyDestroyed`, `MasterKeyMismatch`,
        or `BlobCorrupted` (here for the header and key file; while iterating for chunks).
        """
        checked = validate_digest(digest)
        try:
            handle = self._object_path(checked).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(checked) from None
        try:
            destroyed_at = self.destroyed_at(checked)
            if destroyed_at is not None:
                raise BlobKeyDestroyed(checked, destroyed_at)
            return BlobReader(checked, handle, self._unwrap(checked))
        except BaseException:
            handle.close()
            raise

    def _unwrap(self, digest: Sha256Digest) -> bytes:
        path = self._key_path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            destroyed_at = self.destroyed_at(digest)  # destroyed since open() looked
            if destroyed_at is not None:
                raise BlobKeyDestroyed(digest, destroyed_at) from None
            raise BlobCorrupted(digest, None, f"its key file {path} is missing") from None
        if len(data) != _KEY_FILE_SIZE or not data.startswith(_KEY_MAGIC):
            raise BlobCorrupted(digest, None, f"{path} is not a key file")
        if data[len(_KEY_MAGIC)] != BLOB_VERSION:
            raise BlobCorrupted(digest, None, f"{path} has unsupported version {data[8]}")
        found = data[len(_KEY_MAGIC) + 1 : _KEY_AAD_SIZE]
        if found != self._key_id:
            raise MasterKeyMismatch(digest, expected=self._key_id.hex(), found=found.hex())
        nonce = data[_KEY_AAD_SIZE : _KEY_AAD_SIZE + _WRAP_NONCE_SIZE]
        aad = data[:_KEY_AAD_SIZE] + bytes.fromhex(digest)
        try:
            return self._wrap_key.decrypt(nonce, data[_KEY_AAD_SIZE + _WRAP_NONCE_SIZE :], aad)
        except InvalidTag:
            raise BlobCorrupted(
                digest, None, f"key file {path} failed authentication (altered, or another blob's)"
            ) from None

    def read_bytes(self, digest: str, *, limit: int = READ_BYTES_LIMIT) -> bytes:
        """The whole plaintext of blob `digest`, for small blobs; errors as for `open`.

        Raises `BlobTooLarge` before decrypting anything if it has more than `limit` bytes.
        """
        with self.open(digest) as reader:
            if reader.size > limit:
                raise BlobTooLarge(
                    f"blob {reader.digest} has {reader.size} bytes, over the limit of {limit}; "
                    "stream it with open()"
                )
            return b"".join(reader)

    def verify(self, digest: str) -> bool:
        """Whether blob `digest` still decrypts, authenticated, to bytes hashing to `digest`.

        The audit check. False for any `BlobCorrupted`; `BlobNotFound`, `BlobKeyDestroyed`
        (check `key_destroyed` first) and `MasterKeyMismatch` propagate: they are not damage.
        """
        try:
            with self.open(digest) as reader:
                for _ in reader:
                    pass
        except BlobCorrupted:
            return False
        return True

    def exists(self, digest: str) -> bool:
        """Whether an object is stored under `digest` (still True after `destroy_key`)."""
        return self._object_path(validate_digest(digest)).is_file()

    def size(self, digest: str) -> int:
        """Plaintext bytes of blob `digest`, from its header and length, without its key.

        Raises `BlobNotFound`, or `BlobCorrupted` if the header or length is impossible.
        """
        checked = validate_digest(digest)
        try:
            with self._object_path(checked).open("rb") as handle:
                chunk_size, _ = _read_header(checked, handle)
                return _plaintext_size(checked, os.fstat(handle.fileno()).st_size, chunk_size)
        except FileNotFoundError:
            raise BlobNotFound(checked) from None

    def key_destroyed(self, digest: str) -> bool:
        """Whether `destroy_key` was called for `digest`."""
        return self.destroyed_at(digest) is not None

    def destroyed_at(self, digest: str) -> datetime | None:
        """When `digest`'s key was destroyed (UTC, to the second), from its tombstone; or None."""
        checked = validate_digest(digest)
        path = self._tombstone_path(checked)
        try:
            record = json.loads(path.read_bytes())
            return parse_timestamp(record["destroyed_at"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, NotaryError) as exc:
            raise BlobCorrupted(checked, None, f"tombstone {path} is unreadable: {exc}") from exc

    def digests(self) -> Iterator[Sha256Digest]:
        """The digest of every stored object, in order (including those with destroyed keys)."""
        for first in sorted(p for p in self._objects.iterdir() if p.is_dir()):
            for second in sorted(p for p in first.iterdir() if p.is_dir()):
                for path in sorted(second.iterdir()):
                    if path.name[:2] == first.name and path.name[2:4] == second.name:
                        try:
                            yield validate_digest(path.name)
                        except NotaryError:
                            continue

    # Paths and locking

    def _object_path(self, digest: Sha256Digest) -> Path:
        return self._objects / digest[:2] / digest[2:4] / digest

    def _key_path(self, digest: Sha256Digest) -> Path:
        return self._keys / digest[:2] / digest[2:4] / f"{digest}.key"

    def _tombstone_path(self, digest: Sha256Digest) -> Path:
        return self._keys / digest[:2] / digest[2:4] / f"{digest}.tombstone"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # A separate open file per holder: flock then excludes other threads as well as
        # other processes. Held only to commit, never while encrypting.
        with self._lock_path.open("ab") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield


class BlobReader:
    """The decrypted chunks of one blob, in order; returned by `BlobStore.open`.

    Iterate it once (like a file). Raises `BlobCorrupted` naming the chunk that fails. Use it
    as a context manager, or iterate to the end, so the object file is closed.
    """

    def __init__(self, digest: Sha256Digest, handle: BinaryIO, data_key: bytes) -> None:
        self.digest = digest
        self._handle = handle
        self.chunk_size, self._header = _read_header(digest, handle)
        self.size = _plaintext_size(digest, os.fstat(handle.fileno()).st_size, self.chunk_size)
        """Plaintext bytes (from the file's length; the chunks' tags authenticate it)."""
        self._chunks = self._decrypt(AESGCM(data_key))

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and close the object file."""
        self._chunks.close()
        self._handle.close()

    def _decrypt(self, aead: AESGCM) -> Generator[bytes]:
        try:
            header, digest = self._header, self.digest
            prefix = header[-_PREFIX_SIZE:]
            sealed_size = self.chunk_size + _TAG_SIZE
            hasher = hashlib.sha256()
            index = 0
            current = _read_full(self._handle, sealed_size)
            while True:
                following = (
                    _read_full(self._handle, sealed_size) if len(current) == sealed_size else b""
                )
                last = not following
                if len(current) < _TAG_SIZE:
                    raise BlobCorrupted(digest, index, "missing or truncated (shorter than a tag)")
                if index >= MAX_CHUNKS:
                    raise BlobCorrupted(digest, index, "more chunks than the counter can number")
                aad = header + bytes.fromhex(digest) if last else header
                try:
                    plaintext = aead.decrypt(_nonce(prefix, index, last), current, aad)
                except InvalidTag:
                    problem = "failed authentication: altered, truncated, reordered or appended to"
                    if last:
                        problem += ", or not this digest's content"
                    raise BlobCorrupted(digest, index, problem) from None
                hasher.update(plaintext)
                if last:
                    if hasher.hexdigest() != digest:
                        raise BlobCorrupted(
                            digest, None, f"decrypted content hashes to {hasher.hexdigest()}"
                        )
                    yield plaintext
                    return
                yield plaintext
                current = following
                index += 1
        finally:
            self._handle.close()


def _derive(master_key: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master_key)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _read_header(digest: Sha256Digest, handle: BinaryIO) -> tuple[int, bytes]:
    """Check the header at the start of `handle`; return (chunk size, the header's bytes)."""
    header = _read_full(handle, _HEADER_SIZE)
    if len(header) < _HEADER_SIZE:
        raise BlobCorrupted(digest, None, f"truncated header ({len(header)} bytes)")
    magic, version, chunk_size, _ = _HEADER.unpack(header)
    if magic != _MAGIC:
        raise BlobCorrupted(digest, None, f"not a blob object (magic {magic.hex()})")
    if version != BLOB_VERSION:
        raise BlobCorrupted(digest, None, f"unsupported version {version}")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise BlobCorrupted(digest, None, f"impossible chunk size {chunk_size} in the header")
    return chunk_size, header


def _plaintext_size(digest: Sha256Digest, file_size: int, chunk_size: int) -> int:
    """The plaintext size of an object of `file_size` bytes; raises if no layout gives that size.

    The error names the last chunk, the one a truncation or an append has left malformed.
    """
    body = file_size - _HEADER_SIZE
    if body <= 0:
        raise BlobCorrupted(digest, 0, "missing: the object ends after its header")
    chunks = -(-body // (chunk_size + _TAG_SIZE))  # ceiling division
    last = body - (chunks - 1) * (chunk_size + _TAG_SIZE)
    if last < _TAG_SIZE or (last == _TAG_SIZE and chunks > 1):
        raise BlobCorrupted(
            digest,
            chunks - 1,
            f"truncated or appended to: {last} bytes on disk cannot be a last chunk",
        )
    return body - chunks * _TAG_SIZE


def _read_full(stream: Readable, size: int) -> bytes:
    """Up to `size` bytes from `stream`: fewer only at its end (streams may return short reads)."""
    data = stream.read(size)
    if data is None:
        raise TypeError("the blob store needs a blocking stream; read() returned None")
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing:
        more = stream.read(missing)
        if more is None:
            raise TypeError("the blob store needs a blocking stream; read() returned None")
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


def _sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _sync_file_system(path: Path) -> None:
    """Make everything written to the file system holding `path` durable: syncfs(2) where
    the C library has it (Linux), else sync(2), which flushes every file system."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if _SYNCFS is None or _SYNCFS(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _libc_syncfs() -> Callable[[int], int] | None:
    try:
        return cast(Callable[[int], int], ctypes.CDLL(None, use_errno=True).syncfs)
    except (OSError, AttributeError):
        return None


_SYNCFS = _libc_syncfs()


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
