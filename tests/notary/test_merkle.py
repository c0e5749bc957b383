"""RFC 6962 Merkle trees: pinned vectors, a recursive reference, and proof properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notary import (
    EMPTY_ROOT,
    LogTree,
    MerkleError,
    MerkleTree,
    consistency_proof,
    frontier,
    inclusion_proof,
    leaf_hash,
    root,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency test leaves (merkle_tree_test.cc, transparency-dev/merkle's
# testonly/constants.go). Leaf 5 is four bytes, 40 41 42 43: with two bytes the published
# roots of 6, 7 and 8 leaves do not come out.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]

# Roots of the first n CT leaves: published by CT (1 to 8), recomputed by `ref_root` below.
CT_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

# Published CT inclusion proofs: (index, tree size) -> audit path.
CT_PATHS = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 1): [],
}

# Published CT consistency proofs: (old size, new size) -> proof.
CT_CONSISTENCY = {
    (1, 8): CT_PATHS[(0, 8)],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


# ------------------------------------------------------------------ recursive reference
# RFC 6962 §2.1 transcribed literally; slow, and only for the tests.


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_root(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + ref_root(d[:k]) + ref_root(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return ref_path(m, d[:k]) + [ref_root(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_root(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
        if m == len(d):
            return [] if b else [ref_root(d)]
        k = _k(len(d))
        if m <= k:
            return subproof(m, d[:k], b) + [ref_root(d[k:])]
        return subproof(m - k, d[k:], False) + [ref_root(d[:k])]

    return subproof(m, d, True)


def flip(data: bytes, bit: int) -> bytes:
    """`data` with one bit flipped (`bit` taken modulo its length in bits)."""
    bit %= len(data) * 8
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


leaf_lists = st.lists(st.binary(max_size=6), min_size=1, max_size=40)


# ------------------------------------------------------------------ pinned vectors


def test_leaf_hashes_are_pinned():
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert (
        leaf_hash(b"\x00").hex()
        == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
    )
    assert (
        leaf_hash(b"\x10").hex()
        == "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"
    )


@pytest.mark.parametrize("size", sorted(CT_ROOTS))
def test_roots_of_the_ct_trees_are_pinned(size):
    leaves = CT_LEAVES[:size]
    assert root(leaves).hex() == CT_ROOTS[size]
    assert MerkleTree(leaves).root.hex() == CT_ROOTS[size]
    assert ref_root(leaves).hex() == CT_ROOTS[size]


def test_empty_tree_root_is_sha256_of_nothing():
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert MerkleTree([]).size == 0


def test_no_duplicated_last_node():
    """Bitcoin-style trees pair an odd last node with itself; RFC 6962 carries it up."""
    a, b, c = b"a", b"b", b"c"
    rfc = _h(b"\x01" + _h(b"\x01" + leaf_hash(a) + leaf_hash(b)) + leaf_hash(c))
    assert root([a, b, c]) == rfc
    assert root([a, b, c]) != root([a, b, c, c])


@pytest.mark.parametrize(("index", "size"), sorted(CT_PATHS))
def test_ct_inclusion_proofs_are_pinned(index, size):
    proof = inclusion_proof(CT_LEAVES[:size], index)
    assert [p.hex() for p in proof] == CT_PATHS[(index, size)]
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize(("old", "new"), sorted(CT_CONSISTENCY))
def test_ct_consistency_proofs_are_pinned(old, new):
    proof = consistency_proof(CT_LEAVES[:new], old)
    assert [p.hex() for p in proof] == CT_CONSISTENCY[(old, new)]
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


# ------------------------------------------------------------------ iterative == recursive


@given(st.lists(st.binary(max_size=6), max_size=70))
def test_iterative_root_equals_the_recursive_definition(leaves):
    assert root(leaves) == ref_root(leaves) == MerkleTree(leaves).root


@given(leaf_lists, st.data())
def test_proofs_equal_the_recursive_definition(leaves, data):
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    old = data.draw(st.integers(min_value=1, max_value=len(leaves)))
    assert tree.inclusion_proof(index) == ref_path(index, leaves)
    assert tree.consistency_proof(old) == ref_proof(old, leaves)


def test_every_size_up_to_70_matches_the_reference():
    leaves = [i.to_bytes(2, "big") for i in range(70)]
    for size in range(71):
        assert root(leaves[:size]) == ref_root(leaves[:size]), size


# ------------------------------------------------------------------ inclusion properties


@given(leaf_lists)
def test_every_inclusion_proof_verifies(leaves):
    tree = MerkleTree(leaves)
    for index, leaf in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_inclusion(leaf, index, len(leaves), proof, tree.root)
        assert root_from_inclusion(leaf, index, len(leaves), proof) == tree.root


@given(leaf_lists, st.data())
def test_a_flipped_bit_breaks_inclusion(leaves, data):
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    leaf, proof, size = leaves[index], tree.inclusion_proof(index), len(leaves)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    tampered_leaf = flip(leaf, bit) if leaf else b"\x00"
    assert not verify_inclusion(tampered_leaf, index, size, proof, tree.root)
    assert not verify_inclusion(leaf, index, size, proof, flip(tree.root, bit))
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_inclusion(leaf, index, size, bad, tree.root)


@given(leaf_lists, st.data())
def test_an_inclusion_proof_does_not_fit_another_index(leaves, data):
    unique = list(dict.fromkeys(leaves))
    tree = MerkleTree(unique)
    index = data.draw(st.integers(min_value=0, max_value=len(unique) - 1))
    other = data.draw(st.integers(min_value=0, max_value=len(unique) - 1))
    proof = tree.inclusion_proof(index)
    if other != index:
        assert not verify_inclusion(unique[index], other, len(unique), proof, tree.root)


def test_malformed_inclusion_input_returns_false():
    tree = MerkleTree(CT_LEAVES)
    proof, good = tree.inclusion_proof(5), tree.root
    leaf = CT_LEAVES[5]
    assert verify_inclusion(leaf, 5, 8, proof, good)
    assert not verify_inclusion(leaf, 8, 8, proof, good)  # index == size
    assert not verify_inclusion(leaf, 9, 8, proof, good)  # index > size
    assert not verify_inclusion(leaf, -1, 8, proof, good)
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)  # nothing is in the empty tree
    assert not verify_inclusion(leaf, 5, 8, proof[:-1], good)  # too short
    assert not verify_inclusion(leaf, 5, 8, [*proof, proof[0]], good)  # too long
    assert not verify_inclusion(leaf, 5, 8, [*proof[:-1], proof[-1][:31]], good)  # short hash
    assert not verify_inclusion(leaf, 5, 8, proof, good[:31])
    assert not verify_inclusion(leaf, 5, 8, [p.hex() for p in proof], good)  # type: ignore[misc]
    assert not verify_inclusion(leaf, 5, 8, proof, good.hex())  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, True, 8, proof, good)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf.hex(), 5, 8, proof, good)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, 5, 8, b"\x00" * 96, good)  # type: ignore[arg-type]
    assert verify_inclusion(CT_LEAVES[0], 0, 1, [], bytes.fromhex(CT_ROOTS[1]))


def test_inclusion_proof_of_a_missing_index_raises_naming_it():
    for index in (8, 9, -1):
        with pytest.raises(MerkleError, match=f"leaf index {index} is out of range"):
            inclusion_proof(CT_LEAVES, index)
    with pytest.raises(MerkleError, match="tree of 0"):
        inclusion_proof([], 0)


# ------------------------------------------------------------------ consistency properties


@given(leaf_lists, st.data())
def test_consistency_proofs_verify_for_every_old_size(leaves, data):
    new = len(leaves)
    old = data.draw(st.integers(min_value=1, max_value=new))
    proof = consistency_proof(leaves, old)
    old_root, new_root = root(leaves[:old]), root(leaves)
    assert verify_consistency(old, new, old_root, new_root, proof)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not verify_consistency(old, new, flip(old_root, bit), new_root, proof)
    assert not verify_consistency(old, new, old_root, flip(new_root, bit), proof)
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, bad)
        assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])


@given(leaf_lists, st.data())
def test_a_changed_prefix_is_not_consistent(leaves, data):
    new = len(leaves)
    old = data.draw(st.integers(min_value=1, max_value=new))
    at = data.draw(st.integers(min_value=0, max_value=old - 1))
    changed = [*leaves[:at], leaves[at] + b"!", *leaves[at + 1 :]]
    proof = consistency_proof(leaves, old)
    assert not verify_consistency(old, new, root(changed[:old]), root(leaves), proof)


def test_every_pair_of_sizes_up_to_20():
    leaves = [bytes([i]) for i in range(20)]
    tree = MerkleTree(leaves)
    roots = [root(leaves[:n]) for n in range(21)]
    for new in range(1, 21):
        prefix = MerkleTree(leaves[:new])
        for old in range(1, new + 1):
            proof = prefix.consistency_proof(old)
            assert proof == ref_proof(old, leaves[:new])
            assert verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
    assert tree.consistency_proof(20) == []


def test_malformed_consistency_input_returns_false():
    proof = consistency_proof(CT_LEAVES, 6)
    r6, r8 = bytes.fromhex(CT_ROOTS[6]), bytes.fromhex(CT_ROOTS[8])
    assert verify_consistency(6, 8, r6, r8, proof)
    assert not verify_consistency(8, 6, r8, r6, proof)  # old > new
    assert not verify_consistency(-1, 8, r6, r8, proof)
    assert not verify_consistency(6, 8, r6, r8, [])
    assert not verify_consistency(6, 8, r6, r8, [p[:31] for p in proof])
    assert not verify_consistency(6, 8, r6.hex(), r8, proof)  # type: ignore[arg-type]
    assert not verify_consistency(6, 9, r6, r8, proof)
    assert not verify_consistency(5, 8, r6, r8, proof)
    # equal sizes: empty proof and equal roots
    assert verify_consistency(8, 8, r8, r8, [])
    assert not verify_consistency(8, 8, r8, r8, [r8])
    assert not verify_consistency(8, 8, r6, r8, [])
    # the empty tree is a prefix of every tree
    assert consistency_proof(CT_LEAVES, 0) == []
    assert verify_consistency(0, 8, EMPTY_ROOT, r8, [])
    assert not verify_consistency(0, 8, r6, r8, [])
    assert not verify_consistency(0, 8, EMPTY_ROOT, r8, [r8])


def test_consistency_proof_with_a_bad_old_size_raises_naming_it():
    with pytest.raises(MerkleError, match="old size 9 is out of range for a tree of 8"):
        consistency_proof(CT_LEAVES, 9)
    with pytest.raises(MerkleError, match="old size -1"):
        consistency_proof(CT_LEAVES, -1)


# -- the append-only log: a batch holds its own leaves and the frontier before them -------------


def test_every_split_of_a_log_up_to_40_matches_the_whole_tree():
    leaves = [f"leaf {i}".encode() for i in range(40)]
    for size in range(41):
        whole = MerkleTree(leaves[:size])
        for start in range(size + 1):
            log = LogTree(frontier(leaves[:start]), start, leaves[start:size])
            assert log.root == whole.root, (start, size)
            assert log.frontier == frontier(leaves[:size])
            for index in range(start, size):
                assert log.inclusion_proof(index) == whole.inclusion_proof(index)


@given(st.lists(st.lists(st.binary(max_size=4), max_size=9), max_size=8))
def test_a_log_grown_batch_by_batch_has_the_roots_and_proofs_of_its_prefixes(batches):
    held: list[bytes] = []
    before: list[bytes] = []
    for batch in batches:
        log = LogTree(before, len(held), batch)
        held += batch
        whole = MerkleTree(held)
        assert (log.root, log.size) == (whole.root, len(held))
        for index in range(log.start, log.size):
            proof = log.inclusion_proof(index)
            assert verify_inclusion(held[index], index, log.size, proof, log.root)
        before = log.frontier


def test_a_frontier_has_one_hash_per_bit_of_the_size():
    leaves = [bytes([i]) for i in range(13)]  # 13 = 8 + 4 + 1
    assert frontier(leaves) == [
        MerkleTree(leaves[:8]).root,
        MerkleTree(leaves[8:12]).root,
        leaf_hash(leaves[12]),
    ]
    assert frontier([]) == [] and LogTree([], 0, []).root == EMPTY_ROOT
    with pytest.raises(MerkleError, match="frontier of 13 leaves holds 3 hashes, not 2"):
        LogTree(frontier(leaves)[:2], 13, [b"x"])
    with pytest.raises(MerkleError, match="log start -1"):
        LogTree([], -1, [])


def test_a_log_tree_refuses_proofs_of_leaves_it_does_not_hold():
    leaves = [bytes([i]) for i in range(10)]
    log = LogTree(frontier(leaves[:6]), 6, leaves[6:])
    with pytest.raises(MerkleError, match=r"leaf index 5 is not among leaves 6\.\.9"):
        log.inclusion_proof(5)
    with pytest.raises(MerkleError, match="leaf index 10"):
        log.inclusion_proof(10)
