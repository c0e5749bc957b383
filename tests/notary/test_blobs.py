"""The encrypted blob store: round trips, dedupe, tampering, key destruction, the pinned format."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import threading
import tracemalloc
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from notary import DigestError, NotaryError
from notary.blobs import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    BlobCorrupted,
    BlobError,
    BlobKeyDestroyed,
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    MasterKeyError,
    MasterKeyMismatch,
    StoredBlob,
    generate_master_key,
    load_or_create_master_key,
)

MASTER = bytes(range(32))
"""A fixed master key so the key id and the pinned vector are reproducible; never a real one."""

MASTER_KEY_ID = "7300c61786b9e90b"  # HKDF-SHA256(MASTER, info=b"autoledger/blobs/v1/key-id")[:8]

CHUNK = 64
"""The tests' chunk size: small, so multi-chunk blobs stay small."""

MAGIC = b"\x89ALBLOB\n"
KEY_MAGIC = b"\x89ALBKEY\n"
HEADER = 20
TAG = 16
SEALED = CHUNK + TAG

# A version-1 blob and its key file, written by `reference_seal` below from fixed keys and
# nonces. Whatever else changes, BlobStore must keep opening them.
VECTOR_PLAINTEXT = b"AutoLedger blob format, version 1.\n" * 2
VECTOR_DIGEST = "debda481b12cb871ec5dde111f509f59edca1efed19c0311d42061d1dd19fc67"
VECTOR_OBJECT = bytes.fromhex(
    "89414c424c4f420a0100000020a0a1a2a3a4a5a6"  # magic, version, chunk size 32, nonce prefix
    "51bf60b6aeaf9e87d8dcedd7145ec6e0d1551823954515a2679ce5c253103220"
    "7e35bf648563a8c87c49da0446c64486"  # chunk 0
    "be23090ae4bc4de3e63831cba9f727ce55399a9db533706ad9caca87cdc84666"
    "a8f47e9ae24b2f75f1f24c544b24ba2f"  # chunk 1
    "ae3385667c7664aeab4dc0e203c54b6c7fcd2c887667"  # chunk 2, the last: 6 bytes and a tag
)
VECTOR_KEY = bytes.fromhex(
    "89414c424b45590a01"  # magic, version
    "7300c61786b9e90b"  # master key id
    "b0b1b2b3b4b5b6b7b8b9babb"  # nonce
    "bdd5f09c05fff3738296b2ab7ac66ae60d368f5f46a9e85ce8d37c9ab8b65853"
    "a19fb5acd471ab637475ec3d4ace26c2"  # wrapped data key and tag
)
VECTOR_SEAL = {
    "master_key": MASTER,
    "chunk_size": 32,
    "data_key": bytes(range(32, 64)),
    "prefix": bytes.fromhex("a0a1a2a3a4a5a6"),
    "wrap_nonce": bytes.fromhex("b0b1b2b3b4b5b6b7b8b9babb"),
}


# The format as the module docstring documents it, written again from the documentation.


def hkdf(master_key, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master_key)


def chunk_nonce(prefix, index, last):
    return prefix + index.to_bytes(4, "big") + bytes([last])


def reference_seal(
    plaintext, *, master_key, chunk_size, data_key, prefix, wrap_nonce, digest=None, chunks=None
):
    """(object file, key file) for `plaintext`; `digest` and `chunks` override, to forge."""
    digest = digest or hashlib.sha256(plaintext).hexdigest()
    if chunks is None:
        sizes = range(0, len(plaintext), chunk_size)
        chunks = [plaintext[i : i + chunk_size] for i in sizes] or [b""]
    header = MAGIC + b"\x01" + chunk_size.to_bytes(4, "big") + prefix
    body = b""
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        aad = header + (bytes.fromhex(digest) if last else b"")
        body += AESGCM(data_key).encrypt(chunk_nonce(prefix, index, last), chunk, aad)
    head = KEY_MAGIC + b"\x01" + hkdf(master_key, b"autoledger/blobs/v1/key-id", 8)
    wrap = AESGCM(hkdf(master_key, b"autoledger/blobs/v1/key-wrap", 32))
    key = head + wrap_nonce + wrap.encrypt(wrap_nonce, data_key, head + bytes.fromhex(digest))
    return header + body, key


def reference_open(object_file, key_file, digest, master_key):
    """The plaintext of a version-1 object, decrypted from the documented layout alone."""
    header = object_file[:HEADER]
    assert header[:9] == MAGIC + b"\x01"
    chunk_size, prefix = int.from_bytes(header[9:13], "big"), header[13:20]
    assert key_file[:9] == KEY_MAGIC + b"\x01" and len(key_file) == 77
    wrap = AESGCM(hkdf(master_key, b"autoledger/blobs/v1/key-wrap", 32))
    data_key = wrap.decrypt(key_file[17:29], key_file[29:], key_file[:17] + bytes.fromhex(digest))
    body = object_file[HEADER:]
    sealed = [body[i : i + chunk_size + TAG] for i in range(0, len(body), chunk_size + TAG)]
    plaintext = b""
    for index, chunk in enumerate(sealed):
        last = index == len(sealed) - 1
        aad = header + (bytes.fromhex(digest) if last else b"")
        plaintext += AESGCM(data_key).decrypt(chunk_nonce(prefix, index, last), chunk, aad)
    return plaintext


# Helpers


def object_path(store, digest):
    return store.directory / "objects" / digest[:2] / digest[2:4] / digest


def key_path(store, digest):
    return store.directory / "keys" / digest[:2] / digest[2:4] / f"{digest}.key"


def tombstone_path(store, digest):
    return store.directory / "keys" / digest[:2] / digest[2:4] / f"{digest}.tombstone"


def install(store, digest, object_file, key_file):
    """Place an object and key file where `store` looks for `digest`."""
    for path, data in (
        (object_path(store, digest), object_file),
        (key_path(store, digest), key_file),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def content(size, seed=0):
    """`size` reproducible pseudo-random bytes."""
    blocks = (hashlib.sha256(f"{seed}:{n}".encode()).digest() for n in range(-(-size // 32)))
    return b"".join(blocks)[:size]


def put_bytes(store, data):
    return store.put(io.BytesIO(data))


def read_until_error(store, digest):
    """(the plaintext released before the error, the BlobCorrupted raised); fails if none is."""
    received = b""
    with pytest.raises(BlobCorrupted) as caught:
        with store.open(digest) as reader:
            for chunk in reader:
                received += chunk
    return received, caught.value


def open_fds():
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def store(tmp_path):
    return BlobStore(tmp_path / "blobs", master_key=MASTER, chunk_size=CHUNK)


@pytest.fixture(scope="module")
def shared_root(tmp_path_factory):
    """One directory for the property tests (function-scoped fixtures and @given do not mix)."""
    return tmp_path_factory.mktemp("blobs")


# Round trips


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1, 10 * CHUNK, 10 * CHUNK + 1],
)
def test_round_trip_around_chunk_boundaries(store, size):
    data = content(size)
    stored = put_bytes(store, data)
    assert stored == StoredBlob(digest=hashlib.sha256(data).hexdigest(), size=size, created=True)
    with store.open(stored.digest) as reader:
        chunks = list(reader)
    assert b"".join(chunks) == data
    assert len(chunks) == max(1, -(-size // CHUNK))  # one (maybe empty) last chunk, always
    assert all(len(chunk) == CHUNK for chunk in chunks[:-1])
    assert store.read_bytes(stored.digest) == data
    assert store.size(stored.digest) == size
    assert store.exists(stored.digest)
    assert store.verify(stored.digest)
    file_size = object_path(store, stored.digest).stat().st_size
    assert file_size == HEADER + size + TAG * len(chunks)


def test_round_trip_of_a_file_path_with_the_default_chunk_size(tmp_path):
    store = BlobStore(tmp_path / "blobs", master_key=MASTER)
    data = content(2 * DEFAULT_CHUNK_SIZE + 1)
    source = tmp_path / "recording.bin"
    source.write_bytes(data)
    stored = store.put(source)
    assert stored.digest == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    with store.open(stored.digest) as reader:
        assert [len(chunk) for chunk in reader] == [DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE, 1]
    assert store.read_bytes(stored.digest) == data


@settings(max_examples=150, deadline=None)
@given(
    chunk_size=st.sampled_from([1, 7, 64]),
    data=st.data(),
)
def test_any_bytes_round_trip(shared_root, chunk_size, data):
    chunks = data.draw(st.integers(min_value=0, max_value=6), label="whole chunks")
    length = data.draw(
        st.integers(min_value=max(0, chunks * chunk_size - 2), max_value=chunks * chunk_size + 2),
        label="length",
    )
    plaintext = data.draw(st.binary(min_size=length, max_size=length), label="plaintext")
    store = BlobStore(shared_root / str(chunk_size), master_key=MASTER, chunk_size=chunk_size)
    stored = put_bytes(store, plaintext)
    assert stored.digest == hashlib.sha256(plaintext).hexdigest()
    assert store.read_bytes(stored.digest) == plaintext
    assert store.size(stored.digest) == len(plaintext)


class Trickle(io.RawIOBase):
    """A stream that returns at most 7 bytes per read, as pipes and sockets may."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def read(self, size=-1):
        return self._data.read(min(size, 7) if size >= 0 else 7)


def test_short_reads_still_make_full_chunks(store):
    data = content(5 * CHUNK + 3)
    stored = store.put(Trickle(data))
    assert store.read_bytes(stored.digest) == data
    assert object_path(store, stored.digest).stat().st_size == HEADER + len(data) + 6 * TAG


def test_a_non_blocking_stream_is_refused(store):
    class WouldBlock(io.RawIOBase):
        def readable(self):
            return True

        def read(self, size=-1):
            return None

    with pytest.raises(TypeError, match="blocking"):
        store.put(WouldBlock())
    assert list((store.directory / "tmp").iterdir()) == []


def test_objects_are_read_with_the_chunk_size_in_their_header(store):
    stored = put_bytes(store, content(1000))
    other = BlobStore(store.directory, master_key=MASTER, chunk_size=7)
    assert other.read_bytes(stored.digest) == content(1000)


def test_digests_lists_every_object(store):
    stored = sorted(put_bytes(store, content(n, seed=n)).digest for n in (0, 10, 100))
    (store.directory / "objects" / "stray.txt").write_text("not a blob")
    assert list(store.digests()) == stored
    store.destroy_key(stored[0])
    assert list(store.digests()) == stored


def test_read_bytes_refuses_more_than_its_limit(store):
    stored = put_bytes(store, content(300))
    assert store.read_bytes(stored.digest, limit=300) == content(300)
    with pytest.raises(BlobTooLarge, match=f"{stored.digest} has 300 bytes"):
        store.read_bytes(stored.digest, limit=299)


def test_a_reader_closed_early_releases_its_file(store):
    stored = put_bytes(store, content(10 * CHUNK))
    before = open_fds()
    with store.open(stored.digest) as reader:
        assert next(reader) == content(CHUNK)
        assert open_fds() == before + 1
    assert open_fds() == before
    reader = store.open(stored.digest)
    assert b"".join(reader) == content(10 * CHUNK)  # read to the end: closed without `with`
    assert open_fds() == before


# Dedupe and concurrency


def test_identical_content_is_stored_once(store):
    first = put_bytes(store, content(500))
    key_before = key_path(store, first.digest).read_bytes()
    object_before = object_path(store, first.digest).read_bytes()
    second = put_bytes(store, content(500))
    assert second == StoredBlob(digest=first.digest, size=500, created=False)
    assert key_path(store, first.digest).read_bytes() == key_before
    assert object_path(store, first.digest).read_bytes() == object_before
    assert list(store.digests()) == [first.digest]
    assert list((store.directory / "tmp").iterdir()) == []


def test_concurrent_puts_of_the_same_content_store_one_object(store):
    data = content(40 * CHUNK + 5)
    barrier = threading.Barrier(8)
    results = []

    def worker():
        barrier.wait()
        results.append(put_bytes(store, data))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert {result.digest for result in results} == {hashlib.sha256(data).hexdigest()}
    assert sorted(result.created for result in results) == [False] * 7 + [True]
    assert store.verify(results[0].digest)
    assert list((store.directory / "tmp").iterdir()) == []


def test_put_many_stores_each_once_as_put_would(store, tmp_path):
    already = put_bytes(store, content(300))
    path = tmp_path / "call.wav"
    path.write_bytes(content(2 * CHUNK + 7))
    sources = [io.BytesIO(content(10)), io.BytesIO(content(300)), path, io.BytesIO(content(10))]
    results = store.put_many(sources)
    assert [r.created for r in results] == [True, False, True, False]
    assert results[1].digest == already.digest and results[0].digest == results[3].digest
    assert [r.size for r in results] == [10, 300, 2 * CHUNK + 7, 10]
    assert store.read_bytes(results[0].digest) == content(10)
    assert store.read_bytes(results[2].digest) == path.read_bytes()
    assert sorted(store.digests()) == sorted({r.digest for r in results})
    assert list((store.directory / "tmp").iterdir()) == []
    assert store.put_many([]) == []


def test_put_many_refuses_destroyed_content_before_storing_any(blob):
    store, digest, data = blob
    store.destroy_key(digest)
    with pytest.raises(BlobKeyDestroyed):
        store.put_many([io.BytesIO(content(77)), io.BytesIO(data)])
    assert not store.exists(hashlib.sha256(content(77)).hexdigest())
    assert list((store.directory / "tmp").iterdir()) == []


def test_a_key_left_without_its_object_is_replaced_by_the_next_put(store):
    stored = put_bytes(store, content(200))
    object_path(store, stored.digest).unlink()  # as after a crash between the two renames
    assert not store.exists(stored.digest)
    assert put_bytes(store, content(200)).created
    assert store.read_bytes(stored.digest) == content(200)


# Tampering


@pytest.fixture
def blob(store):
    """A stored blob of 3 full chunks and a short last one: (store, digest, plaintext)."""
    data = content(3 * CHUNK + 10)
    return store, put_bytes(store, data).digest, data


def rewrite(store, digest, change):
    path = object_path(store, digest)
    path.write_bytes(change(path.read_bytes()))


def sealed_chunks(store, digest):
    body = object_path(store, digest).read_bytes()[HEADER:]
    return [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


def test_every_flipped_byte_is_detected_and_named(blob):
    store, digest, data = blob
    path = object_path(store, digest)
    original = path.read_bytes()
    for position in range(len(original)):
        tampered = bytearray(original)
        tampered[position] ^= 0x01
        path.write_bytes(tampered)
        received, error = read_until_error(store, digest)
        assert data.startswith(received), position  # only authentic chunks were released
        assert error.digest == digest
        if position >= HEADER:
            assert error.chunk == (position - HEADER) // SEALED, position
            assert f"chunk {error.chunk}" in str(error)
        assert not store.verify(digest)
    path.write_bytes(original)
    assert store.verify(digest)


@pytest.mark.parametrize(
    ("position", "chunk", "message"),
    [
        (0, None, "not a blob object"),
        (8, None, "unsupported version"),
        (12, 0, "failed authentication"),  # chunk size 64 -> 65: the layout no longer matches
        (13, 0, "failed authentication"),  # nonce prefix
    ],
)
def test_a_flipped_header_byte_is_reported_clearly(blob, position, chunk, message):
    store, digest, _ = blob

    def flip(data):
        return data[:position] + bytes([data[position] ^ 1]) + data[position + 1 :]

    rewrite(store, digest, flip)
    _, error = read_until_error(store, digest)
    assert (error.digest, error.chunk) == (digest, chunk)
    assert message in str(error) and digest in str(error)


def test_every_truncation_is_detected(blob):
    store, digest, data = blob
    path = object_path(store, digest)
    original = path.read_bytes()
    for length in range(len(original)):
        path.write_bytes(original[:length])
        received, error = read_until_error(store, digest)
        assert data.startswith(received) and len(received) < len(data), length
        assert error.digest == digest


def test_dropping_the_last_chunk_is_detected(blob):
    store, digest, data = blob
    rewrite(store, digest, lambda file: file[: HEADER + 3 * SEALED])
    received, error = read_until_error(store, digest)
    assert (received, error.chunk) == (data[: 2 * CHUNK], 2)


@pytest.mark.parametrize(
    "extra",
    [b"\x00", b"\x00" * TAG, b"\x00" * SEALED, "a copy of the last chunk", "a copy of chunk 0"],
)
def test_appending_is_detected(blob, extra):
    store, digest, data = blob
    chunks = sealed_chunks(store, digest)
    extra = {"a copy of the last chunk": chunks[-1], "a copy of chunk 0": chunks[0]}.get(
        extra, extra
    )
    rewrite(store, digest, lambda file: file + extra)
    received, error = read_until_error(store, digest)
    assert data.startswith(received) and len(received) < len(data)
    assert error.digest == digest and error.chunk is not None


@pytest.mark.parametrize(
    ("order", "chunk"),
    [
        ([1, 0, 2, 3], 0),  # swapped
        ([0, 2, 1, 3], 1),
        ([0, 1, 3], 2),  # the third dropped
        ([0, 0, 1, 2, 3], 1),  # the first repeated
        ([0, 1, 2, 2], 3),  # the last replaced by a full one
        ([0, 1, 3, 2], 2),  # the last moved
    ],
)
def test_reordered_dropped_or_repeated_chunks_are_detected(blob, order, chunk):
    store, digest, data = blob
    chunks = sealed_chunks(store, digest)
    header = object_path(store, digest).read_bytes()[:HEADER]
    object_path(store, digest).write_bytes(header + b"".join(chunks[i] for i in order))
    received, error = read_until_error(store, digest)
    assert (received, error.chunk) == (data[: chunk * CHUNK], chunk)


def test_an_object_moved_to_another_digest_is_detected(store):
    first = put_bytes(store, content(100, seed=1)).digest
    second = put_bytes(store, content(100, seed=2)).digest
    object_path(store, second).write_bytes(object_path(store, first).read_bytes())
    received, error = read_until_error(store, second)
    assert (received, error.digest, error.chunk) == (b"", second, 0)


def test_a_key_file_moved_to_another_digest_is_detected(store):
    first = put_bytes(store, content(100, seed=1)).digest
    second = put_bytes(store, content(100, seed=2)).digest
    key_path(store, second).write_bytes(key_path(store, first).read_bytes())
    with pytest.raises(BlobCorrupted, match="failed authentication") as caught:
        store.open(second)
    assert (caught.value.digest, caught.value.chunk) == (second, None)
    assert not store.verify(second)


@pytest.mark.parametrize(
    ("position", "message"),
    [(0, "is not a key file"), (8, "unsupported version"), (20, "failed authentication")],
)
def test_a_damaged_key_file_is_detected(blob, position, message):
    store, digest, _ = blob
    path = key_path(store, digest)
    data = bytearray(path.read_bytes())
    data[position] ^= 1
    path.write_bytes(data)
    with pytest.raises(BlobCorrupted, match=message) as caught:
        store.open(digest)
    assert caught.value.digest == digest
    assert not store.verify(digest)


def test_a_missing_key_file_is_corruption(blob):
    store, digest, _ = blob
    key_path(store, digest).unlink()
    with pytest.raises(BlobCorrupted, match="key file .* is missing"):
        store.open(digest)
    assert not store.verify(digest)


def test_the_wrong_master_key_is_named_as_such(blob):
    store, digest, _ = blob
    other = BlobStore(store.directory, master_key=generate_master_key(), chunk_size=CHUNK)
    with pytest.raises(MasterKeyMismatch) as caught:
        other.open(digest)
    error = caught.value
    assert (error.digest, error.found, error.expected) == (
        digest,
        MASTER_KEY_ID,
        other.master_key_id,
    )
    assert digest in str(error) and "wrong master key" in str(error)
    with pytest.raises(MasterKeyMismatch):
        other.verify(digest)  # a configuration error, not damage: it must not read as False


def test_a_key_id_forged_to_match_another_master_key_still_fails(blob):
    store, digest, _ = blob
    other = BlobStore(store.directory, master_key=generate_master_key(), chunk_size=CHUNK)
    path = key_path(store, digest)
    data = path.read_bytes()
    path.write_bytes(data[:9] + bytes.fromhex(other.master_key_id) + data[17:])
    with pytest.raises(BlobCorrupted, match="failed authentication"):
        other.open(digest)


def test_content_sealed_under_another_digest_never_reads_back(store):
    # A forger holding a data key can seal any bytes, but the digest check stops them at the
    # end: here a well-formed object whose chunks authenticate but hash to something else.
    digest = hashlib.sha256(b"what was notarized").hexdigest()
    forged = dict(VECTOR_SEAL, chunk_size=CHUNK, digest=digest)
    install(store, digest, *reference_seal(b"something else", **forged))
    received, error = read_until_error(store, digest)
    assert (received, error.chunk) == (b"", None)
    assert "hashes to " + hashlib.sha256(b"something else").hexdigest() in str(error)
    assert not store.verify(digest)


def test_an_empty_last_chunk_after_others_is_refused(store):
    data = content(CHUNK)
    digest = hashlib.sha256(data).hexdigest()
    seal = dict(VECTOR_SEAL, chunk_size=CHUNK, chunks=[data, b""])
    install(store, digest, *reference_seal(data, **seal))
    with pytest.raises(BlobCorrupted) as caught:
        store.open(digest)
    assert caught.value.chunk == 1
    with pytest.raises(BlobCorrupted):
        store.size(digest)


def test_size_reports_an_impossible_length(blob):
    store, digest, _ = blob
    rewrite(store, digest, lambda file: file[: HEADER + 3 * SEALED + 5])  # 5 bytes: not a tag
    with pytest.raises(BlobCorrupted, match="truncated or appended to") as caught:
        store.size(digest)
    assert caught.value.chunk == 3


# Destroying keys


def test_destroying_a_key_keeps_the_proof_of_existence(blob):
    store, digest, data = blob
    object_before = object_path(store, digest).read_bytes()
    peek = store.directory / "peek"
    os.link(key_path(store, digest), peek)  # a second name, to see the overwrite
    key_before = peek.read_bytes()
    before = datetime.now(UTC).replace(microsecond=0)
    destroyed_at = store.destroy_key(digest)
    after = datetime.now(UTC)
    assert before <= destroyed_at <= after
    assert not key_path(store, digest).exists()
    overwritten = peek.read_bytes()
    assert len(overwritten) == len(key_before) and overwritten != key_before
    assert store.key_destroyed(digest) and store.destroyed_at(digest) == destroyed_at
    record = json.loads(tombstone_path(store, digest).read_text())
    assert record == {"digest": digest, "destroyed_at": destroyed_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert store.exists(digest) and store.size(digest) == len(data)
    assert object_path(store, digest).read_bytes() == object_before
    for read in (store.open, store.read_bytes, store.verify):
        with pytest.raises(BlobKeyDestroyed) as caught:
            read(digest)
        assert (caught.value.digest, caught.value.destroyed_at) == (digest, destroyed_at)
        assert "destroyed at" in str(caught.value) and digest in str(caught.value)


def test_destroying_twice_keeps_the_first_time(blob):
    store, digest, _ = blob
    first = store.destroy_key(digest)
    assert store.destroy_key(digest) == first


def test_an_interrupted_destruction_is_finished_by_the_next_call(blob):
    store, digest, _ = blob
    key = key_path(store, digest).read_bytes()
    first = store.destroy_key(digest)
    key_path(store, digest).write_bytes(key)  # as if the process died before the unlink
    with pytest.raises(BlobKeyDestroyed):
        store.open(digest)  # the tombstone wins over a leftover key
    assert store.destroy_key(digest) == first
    assert not key_path(store, digest).exists()


def test_destroyed_content_is_not_stored_again_silently(blob):
    store, digest, data = blob
    object_before = object_path(store, digest).read_bytes()
    destroyed_at = store.destroy_key(digest)
    with pytest.raises(BlobKeyDestroyed) as caught:
        put_bytes(store, data)
    assert caught.value.destroyed_at == destroyed_at
    assert object_path(store, digest).read_bytes() == object_before
    assert not key_path(store, digest).exists()
    assert list((store.directory / "tmp").iterdir()) == []


def test_destroying_one_key_leaves_the_others(store):
    kept = put_bytes(store, content(100, seed=1)).digest
    store.destroy_key(put_bytes(store, content(100, seed=2)).digest)
    assert store.read_bytes(kept) == content(100, seed=1)
    assert not store.key_destroyed(kept)


# Absent blobs and bad digests


def test_an_absent_blob(store):
    digest = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(digest) and not store.key_destroyed(digest)
    assert store.destroyed_at(digest) is None
    for call in (store.open, store.read_bytes, store.size, store.verify, store.destroy_key):
        with pytest.raises(BlobNotFound, match=f"no blob with digest {digest}") as caught:
            call(digest)
        assert caught.value.digest == digest


BAD_DIGESTS = [
    "",
    "abc",
    "A" * 64,  # the strict form is lowercase
    "0x" + "a" * 64,
    "a" * 63,
    "a" * 65,
    "g" * 64,
    "../../" + "a" * 58,
    "aa/" + "a" * 61,
    " " + "a" * 63,
]


@pytest.mark.parametrize("bad", BAD_DIGESTS)
@pytest.mark.parametrize(
    "method",
    ["open", "read_bytes", "exists", "size", "verify", "destroy_key", "key_destroyed"],
)
def test_bad_digests_are_refused_by_name(store, method, bad):
    with pytest.raises(DigestError) as caught:
        getattr(store, method)(bad)
    assert repr(bad) in str(caught.value)


@pytest.mark.parametrize("bad", [None, b"a" * 64, 7])
def test_non_string_digests_are_refused(store, bad):
    with pytest.raises(DigestError, match=type(bad).__name__):
        store.open(bad)


# Master keys and construction


def test_master_keys_are_32_random_bytes():
    first, second = generate_master_key(), generate_master_key()
    assert len(first) == len(second) == 32 and first != second


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"k" * 33, "k" * 32, bytearray(32)])
def test_a_master_key_of_the_wrong_kind_is_refused(tmp_path, key):
    with pytest.raises(MasterKeyError, match="must be 32 bytes") as caught:
        BlobStore(tmp_path, master_key=key)
    assert "kkkk" not in str(caught.value)  # the key itself never appears


@pytest.mark.parametrize("chunk_size", [0, -1, MAX_CHUNK_SIZE + 1])
def test_an_impossible_chunk_size_is_refused(tmp_path, chunk_size):
    with pytest.raises(ValueError, match="chunk_size"):
        BlobStore(tmp_path, master_key=MASTER, chunk_size=chunk_size)


def test_a_master_key_file_is_created_private_and_then_reused(tmp_path):
    path = tmp_path / "secrets" / "blob-master.key"
    key = load_or_create_master_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == key.hex() + "\n"
    assert load_or_create_master_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["blob-master.key"]


def test_a_master_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "blob-master.key"
    load_or_create_master_key(path)
    path.chmod(0o644)
    with pytest.raises(MasterKeyError, match="mode 0644"):
        load_or_create_master_key(path)


def test_a_master_key_file_that_holds_no_key_is_refused(tmp_path):
    path = tmp_path / "blob-master.key"
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="64 hex characters"):
        load_or_create_master_key(path)


def test_errors_belong_to_the_notary_tree():
    for error in (BlobCorrupted, BlobKeyDestroyed, BlobNotFound, BlobTooLarge, MasterKeyError):
        assert issubclass(error, BlobError) and issubclass(error, NotaryError)
    assert issubclass(MasterKeyMismatch, MasterKeyError)


# The format, pinned


def test_the_pinned_vector_is_what_the_documented_format_produces():
    assert hashlib.sha256(VECTOR_PLAINTEXT).hexdigest() == VECTOR_DIGEST
    assert reference_seal(VECTOR_PLAINTEXT, **VECTOR_SEAL) == (VECTOR_OBJECT, VECTOR_KEY)
    assert reference_open(VECTOR_OBJECT, VECTOR_KEY, VECTOR_DIGEST, MASTER) == VECTOR_PLAINTEXT


def test_the_pinned_vector_opens_forever(store):
    install(store, VECTOR_DIGEST, VECTOR_OBJECT, VECTOR_KEY)
    with store.open(VECTOR_DIGEST) as reader:
        assert reader.chunk_size == 32 and reader.size == len(VECTOR_PLAINTEXT)
        assert [len(chunk) for chunk in reader] == [32, 32, 6]
    assert store.read_bytes(VECTOR_DIGEST) == VECTOR_PLAINTEXT
    assert store.verify(VECTOR_DIGEST)


def test_the_store_writes_the_documented_layout(store):
    data = content(3 * CHUNK + 10)
    stored = put_bytes(store, data)
    assert store.master_key_id == MASTER_KEY_ID
    obj = object_path(store, stored.digest).read_bytes()
    key = key_path(store, stored.digest).read_bytes()
    assert obj[:13] == bytes.fromhex("89414c424c4f420a0100000040")  # magic, v1, 64
    assert key[:17] == bytes.fromhex("89414c424b45590a01") + bytes.fromhex(MASTER_KEY_ID)
    assert len(obj) == HEADER + len(data) + 4 * TAG and len(key) == 77
    assert reference_open(obj, key, stored.digest, MASTER) == data


def test_every_object_has_its_own_data_key_and_nonces(store):
    first = put_bytes(store, content(100, seed=1)).digest
    second = put_bytes(store, content(100, seed=2)).digest
    headers = {object_path(store, d).read_bytes()[:HEADER] for d in (first, second)}
    key_nonces = {key_path(store, d).read_bytes()[17:29] for d in (first, second)}
    assert len(headers) == len(key_nonces) == 2


# Memory


def test_a_large_file_streams_through_in_bounded_memory(tmp_path):
    store = BlobStore(tmp_path / "blobs", master_key=MASTER)
    block = content(DEFAULT_CHUNK_SIZE)
    size = 64 * DEFAULT_CHUNK_SIZE
    source = tmp_path / "recording.bin"
    expected = hashlib.sha256()
    with source.open("wb") as out:
        for index in range(64):
            piece = bytes([index]) + block[1:]
            out.write(piece)
            expected.update(piece)
    del block, piece

    tracemalloc.start()
    try:
        stored = store.put(source)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        hasher = hashlib.sha256()
        with store.open(stored.digest) as reader:
            for chunk in reader:
                hasher.update(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.digest == expected.hexdigest() == hasher.hexdigest()
    assert stored.size == size
    # About three chunks each way (the chunk, the look-ahead, the output): 64 MiB never.
    assert put_peak < 8 * DEFAULT_CHUNK_SIZE, put_peak
    assert read_peak < 8 * DEFAULT_CHUNK_SIZE, read_peak
