"""RFC 6962 §2.1 Merkle trees: roots, inclusion and consistency proofs, and their checks.

Consensus-critical: every receipt ever issued depends on these exact hashes. The tree is the
one RFC 6962 defines: MTH({}) = SHA-256(""), a leaf hashes as SHA-256(0x00 || data), a node as
SHA-256(0x01 || left || right), and a tree of n > 1 leaves splits at the largest power of two
strictly less than n. An odd node is carried up a level unchanged, never paired with a copy of
itself. Leaves passed in are raw leaf data; they are hashed here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from notary.errors import MerkleError

HASH_SIZE = 32
"""Bytes in every leaf hash, node hash, proof element and root (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the tree with no leaves: SHA-256 of the empty string."""

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 hash of one leaf: SHA-256(0x00 || `data`)."""
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an inner node: SHA-256(0x01 || `left` || `right`)."""
    return hashlib.sha256(_NODE + left + right).digest()


class MerkleTree:
    """All levels of the tree over `leaves`, so proofs cost O(log n) after an O(n) build.

    Built iteratively, level by level: nodes are paired left to right and an odd last node is
    carried up unchanged. That yields exactly the recursive RFC 6962 tree, because the left
    part of every RFC split is a complete subtree whose size is a power of two, so its nodes
    line up with the pairs of every level. Holds about 2n hashes (some 170 MB for 10**6 leaves).
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        level = _leaf_level(leaves)
        self._levels = [level]
        while len(level) > 1:
            level = _parent_level(level)
            self._levels.append(level)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    @property
    def root(self) -> bytes:
        """MTH of all leaves (`EMPTY_ROOT` for no leaves)."""
        top = self._levels[-1]
        return top[0] if top else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The RFC 6962 §2.1.1 audit path of leaf `index`, nearest sibling first.

        Raises `MerkleError` unless 0 <= `index` < `size`.
        """
        if not _is_int(index) or not 0 <= index < self.size:
            raise MerkleError(f"leaf index {index!r} is out of range for a tree of {self.size}")
        return _audit_path(self._node, self.size, index)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """The RFC 6962 §2.1.2 proof that the first `old_size` leaves are a prefix of this tree.

        Empty when `old_size` is 0 or equals `size`. Raises `MerkleError` unless
        0 <= `old_size` <= `size`.
        """
        if not _is_int(old_size) or not 0 <= old_size <= self.size:
            raise MerkleError(f"old size {old_size!r} is out of range for a tree of {self.size}")
        if old_size == 0:
            return []
        # SUBPROOF(m, D[lo:hi], b), unrolled: each step appends one subtree root.
        proof: list[bytes] = []
        lo, hi, m, whole = 0, self.size, old_size, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                proof.append(self._node(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._node(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            proof.append(self._node(lo, hi))
        proof.reverse()
        return proof

    def _node(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a subtree of the RFC tree: it sits on the level of its height.

        Every range the RFC recursion visits is such a subtree: `lo` is a multiple of
        2**height, and `hi` is either lo + 2**height or the tree's right edge.
        """
        height = (hi - lo - 1).bit_length()
        return self._levels[height][lo >> height]


class LogTree:
    """The RFC 6962 tree of an append-only log of `start` + len(`leaves`) leaves, of which only
    the newest, `leaves` (raw leaf data), are held; the first `start` are represented by their
    `frontier`.

    The frontier of a log of n leaves is the list of roots of the complete subtrees that the
    RFC 6962 recursion splits it into, largest first: one of 2**h leaves for each bit h set in
    n (see `LogTree.frontier`). It is all an anchoring batch needs of the log before it: the
    root of the whole log, the audit paths of its own leaves and the frontier after it follow,
    in O(len(`leaves`) + log n). Raises `MerkleError` unless `frontier` holds one 32-byte hash
    per bit set in `start`.
    """

    def __init__(self, frontier: Sequence[bytes], start: int, leaves: Sequence[bytes]) -> None:
        if not _is_int(start) or start < 0:
            raise MerkleError(f"log start {start!r} is not a leaf count")
        if not _hashes(frontier) or len(frontier) != start.bit_count():
            raise MerkleError(
                f"a frontier of {start} leaves holds {start.bit_count()} hashes, not "
                f"{len(frontier) if isinstance(frontier, Sequence) else frontier!r}"
            )
        heights = [h for h in range(start.bit_length()) if start >> h & 1]
        held = {h: bytes(node) for h, node in zip(reversed(heights), frontier, strict=True)}
        self.start = start
        self.size = start + len(leaves)
        # Level h holds the nodes of height h from index firsts[h] on, to the right edge. Each
        # level begins at an even index, so pairing left to right lines up with the RFC tree
        # (see MerkleTree); a frontier node is the left neighbour the new nodes pair with.
        level, first = _leaf_level(leaves), start
        if start & 1:
            level.insert(0, held[0])
            first -= 1
        self._levels, self._firsts = [level], [first]
        height = 0
        while len(level) > 1 or first > 0:
            level, first, height = _parent_level(level), first >> 1, height + 1
            if start >> height & 1:
                level.insert(0, held[height])
                first -= 1
            self._levels.append(level)
            self._firsts.append(first)

    @property
    def root(self) -> bytes:
        """MTH of the whole log (`EMPTY_ROOT` for no leaves)."""
        top = self._levels[-1]
        return top[0] if top else EMPTY_ROOT

    @property
    def frontier(self) -> list[bytes]:
        """The frontier of the whole log, largest subtree first: what the next batch starts from."""
        return [
            self._node(((self.size >> h) - 1) << h, (self.size >> h) << h)
            for h in reversed(range(self.size.bit_length()))
            if self.size >> h & 1
        ]

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The RFC 6962 §2.1.1 audit path of leaf `index` in the whole log, nearest sibling first.

        Raises `MerkleError` unless `start` <= `index` < `size` (older leaves are not held).
        """
        if not _is_int(index) or not self.start <= index < self.size:
            raise MerkleError(
                f"leaf index {index!r} is not among leaves {self.start}..{self.size - 1} held here"
            )
        return _audit_path(self._node, self.size, index)

    def _node(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) of a subtree of the RFC tree that is held (see MerkleTree._node)."""
        height = (hi - lo - 1).bit_length()
        position = (lo >> height) - self._firsts[height]
        if position < 0:
            raise MerkleError(f"subtree {lo}..{hi - 1} is older than the frontier held")
        return self._levels[height][position]


def frontier(leaves: Sequence[bytes]) -> list[bytes]:
    """The frontier of the log of `leaves` (raw leaf data; see `LogTree`)."""
    return LogTree([], 0, leaves).frontier


def root(leaves: Sequence[bytes]) -> bytes:
    """The RFC 6962 Merkle Tree Hash of `leaves` (raw leaf data; `EMPTY_ROOT` if none).

    Keeps only one level at a time; about a second for 10**6 leaves of 32 bytes.
    """
    level = _leaf_level(leaves)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        level = _parent_level(level)
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of `leaves[index]` (see `MerkleTree.inclusion_proof`).

    Builds the whole tree: for many proofs over one batch, build a `MerkleTree` once.
    Raises `MerkleError` unless 0 <= `index` < len(`leaves`).
    """
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the first `old_size` of `leaves` are a prefix of all of them.

    Raises `MerkleError` unless 0 <= `old_size` <= len(`leaves`).
    """
    return MerkleTree(leaves).consistency_proof(old_size)


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root that `proof` leads to from `leaf` at `index`, per RFC 9162 §2.1.3.2.

    None when the proof cannot be right for that `index` and `size` whatever the hashes (index
    out of range, wrong length, elements that are not 32 bytes). Never raises.
    """
    if not (_is_int(index) and _is_int(size) and 0 <= index < size):
        return None
    if not isinstance(leaf, bytes | bytearray) or not _hashes(proof):
        return None
    fn, sn = index, size - 1
    r = leaf_hash(bytes(leaf))
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows raw `leaf` at `index` in the tree of `size` leaves with `root`.

    RFC 9162 §2.1.3.2. Returns False, never raises, on any malformed input.
    """
    if not _is_hash(root):
        return False
    computed = root_from_inclusion(leaf, index, size, proof)
    return computed is not None and computed == bytes(root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows tree (`old_size`, `old_root`) is a prefix of (`new_size`, `new_root`).

    RFC 9162 §2.1.4.2 for 0 < `old_size` < `new_size`. Equal sizes need an empty proof and
    equal roots; the empty tree (size 0, `EMPTY_ROOT`) is a prefix of every tree, with an
    empty proof. Returns False, never raises, on any malformed input.
    """
    if not (_is_int(old_size) and _is_int(new_size) and 0 <= old_size <= new_size):
        return False
    if not (_is_hash(old_root) and _is_hash(new_root) and _hashes(proof)):
        return False
    old_root, new_root = bytes(old_root), bytes(new_root)
    if old_size == new_size:
        return len(proof) == 0 and old_root == new_root
    if old_size == 0:
        return len(proof) == 0 and old_root == EMPTY_ROOT
    if len(proof) == 0:
        return False
    path = [bytes(p) for p in proof]
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def _leaf_level(leaves: Sequence[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(_LEAF + data).digest() for data in leaves]


def _parent_level(level: list[bytes]) -> list[bytes]:
    """Hash pairs left to right; an odd last node is carried up unchanged (RFC 6962 shape)."""
    sha256 = hashlib.sha256
    last = len(level) - 1
    parents = [sha256(_NODE + level[i] + level[i + 1]).digest() for i in range(0, last, 2)]
    if len(level) % 2:
        parents.append(level[last])
    return parents


def _audit_path(node: Callable[[int, int], bytes], size: int, index: int) -> list[bytes]:
    """PATH(m, D[0:size]) of RFC 6962 §2.1.1, nearest sibling first: descend from the root,
    collecting the sibling subtree at each split; `node(lo, hi)` gives MTH(D[lo:hi])."""
    path: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(node(lo + k, hi))
            hi = lo + k
        else:
            path.append(node(lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def _split(n: int) -> int:
    """The largest power of two strictly less than `n` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _hashes(values: object) -> bool:
    return (
        isinstance(values, Sequence)
        and not isinstance(values, bytes | bytearray | str)
        and all(_is_hash(v) for v in values)
    )
