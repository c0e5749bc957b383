"""Store and read back one large file through the encrypted blob store; print MB/s for each."""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

from notary.blobs import DEFAULT_CHUNK_SIZE, BlobStore, generate_master_key

MB = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=200, help="file size in MB (10**6)")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: tmp)")
    args = parser.parse_args()
    size = args.megabytes * MB
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        source = Path(tmp) / "recording.bin"
        block = os.urandom(MB)  # incompressible; repeated, which AES-GCM does not care about
        with source.open("wb") as out:
            for _ in range(args.megabytes):
                out.write(block)
        plain_hash = time.perf_counter()
        with source.open("rb") as stream:
            expected = hashlib.file_digest(stream, "sha256").hexdigest()
        plain_hash = time.perf_counter() - plain_hash

        store = BlobStore(
            Path(tmp) / "blobs", master_key=generate_master_key(), chunk_size=args.chunk_size
        )
        started = time.perf_counter()
        stored = store.put(source)
        put_seconds = time.perf_counter() - started
        assert stored.digest == expected and stored.created

        started = time.perf_counter()
        with store.open(stored.digest) as reader:
            total = sum(len(chunk) for chunk in reader)
        read_seconds = time.perf_counter() - started
        assert total == size

        print(f"file: {args.megabytes} MB, chunk size {args.chunk_size} bytes")
        print(f"sha256 only (reference):   {size / MB / plain_hash:8.1f} MB/s")
        print(f"put (hash+encrypt+fsync):  {size / MB / put_seconds:8.1f} MB/s")
        print(f"open (decrypt+verify):     {size / MB / read_seconds:8.1f} MB/s")


if __name__ == "__main__":
    main()
