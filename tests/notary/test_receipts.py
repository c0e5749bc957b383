"""Receipts v1: signing, offline checks, the pinned vector, and chain checks on a real anvil."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.consortium import Role, deploy_consortium
from ledger.evidence import EvidenceRegistryClient, ReasonCode, deploy_evidence_registry
from ledger.keys import dev_account
from ledger.transactions import Sender
from notary import (
    CHECKS,
    Anchor,
    MerkleTree,
    Receipt,
    ReceiptError,
    ReceiptSigner,
    SigningError,
    canonicalize,
    format_timestamp,
    leaf_data,
    sign,
    verify_receipt,
)
from notary.trust import TrustRoot
from tests.notary.factories import (
    NOTARY_ADDRESS,
    NOTARY_KEY,
    document,
    make_receipts,
    make_record,
)

VECTORS = Path(__file__).parent / "vectors"
OTHER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # anvil #2
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
OFFLINE = ("digest", "leaf", "inclusion", "signature")
ON_CHAIN = ("chain_id", "transaction", "anchored_root", "block_time")
UNPINNED = ("trust_root", *ON_CHAIN)


@pytest.fixture(scope="module")
def receipts() -> list[Receipt]:
    return make_receipts([make_record(n) for n in range(7)])


def resigned(receipt: Receipt, **changes) -> Receipt:
    """`receipt` with `changes`, signed again by the notary: only the tampered check can fail."""
    return sign(replace(receipt, **changes), NOTARY_KEY)


def flip_hex(text: str, at: int = -1) -> str:
    """`text` with the hex digit at `at` changed."""
    at %= len(text)
    digit = "0" if text[at] != "0" else "1"
    return text[:at] + digit + text[at + 1 :]


# ------------------------------------------------------------------ offline checks


def test_every_receipt_of_a_tree_verifies_offline(receipts, tmp_path):
    for n, receipt in enumerate(receipts):
        path = tmp_path / f"doc{n}"
        path.write_bytes(document(n))
        for doc in (document(n), path):
            report = verify_receipt(receipt, document=doc, expected_signer=NOTARY_ADDRESS)
            assert report.ok, report
            assert report.failed == ()
            assert report.skipped == UNPINNED
            assert [check.name for check in report.checks] == list(CHECKS)
            assert all(report[name].ok for name in OFFLINE)


def test_the_report_names_its_checks(receipts):
    report = verify_receipt(receipts[0])
    assert report.skipped == ("digest", *UNPINNED)
    assert report["digest"].detail == "no document given"
    assert report["leaf"].detail.startswith("leaf hash ")
    assert "leads to root" in report["inclusion"].detail
    assert report["signature"].detail == f"signed by {NOTARY_ADDRESS}"
    with pytest.raises(KeyError):
        report["nonexistent"]


def test_json_text_and_receipt_objects_verify_alike(receipts):
    receipt = receipts[4]
    text = receipt.to_json()
    assert Receipt.from_json(text) == receipt
    assert Receipt.from_json(json.loads(text)) == receipt
    for form in (text, text.encode(), json.loads(text)):
        assert verify_receipt(form, document=document(4)).ok


def test_a_wrong_document_fails_digest_only(receipts, tmp_path):
    assert verify_receipt(receipts[2], document=document(3)).failed == ("digest",)
    report = verify_receipt(receipts[2], document=tmp_path / "absent")
    assert report.failed == ("digest",)
    assert "cannot read the document" in report["digest"].detail


def test_a_tampered_record_fails_inclusion(receipts):
    receipt = receipts[3]
    changed = replace(receipt.record, media_type="audio/wav")
    assert verify_receipt(resigned(receipt, record=changed)).failed == ("inclusion",)
    # without the notary's key the tampering also breaks the signature
    assert verify_receipt(replace(receipt, record=changed)).failed == ("inclusion", "signature")


def test_a_record_that_is_not_a_valid_v1_record_fails_leaf(receipts):
    obj = receipts[3].to_object()
    obj["record"]["metadata"]["borrower_name"] = "Jane Doe"
    report = verify_receipt(obj, document=document(3))
    assert report.failed == ("digest", "leaf", "inclusion", "signature")
    assert "looks like personal data" in report["leaf"].detail
    assert "see leaf" in report["digest"].detail and "see leaf" in report["inclusion"].detail
    obj = receipts[3].to_object()
    obj["record"]["size"] = 1.5  # JSON text with a float is refused before any check
    with pytest.raises(ReceiptError, match="floats are not allowed"):
        verify_receipt(json.dumps(obj))
    report = verify_receipt(obj)  # a parsed object with a float gets a report
    assert report.failed == ("leaf", "inclusion", "signature")
    assert "no canonical form" in report["signature"].detail


def test_a_tampered_audit_path_root_index_or_size_fails_inclusion(receipts):
    receipt = receipts[5]
    path = list(receipt.audit_path)
    path[1] = flip_hex(path[1], 7)
    for changes in (
        {"audit_path": tuple(path)},
        {"audit_path": receipt.audit_path[:-1]},
        {"audit_path": (*receipt.audit_path, receipt.root)},
        {"root": flip_hex(receipt.root)},
        {"leaf_index": 4},
        {"leaf_index": 7},
        {"tree_size": 6},
        {"tree_size": 9},
    ):
        report = verify_receipt(resigned(receipt, **changes), document=document(5))
        assert report.failed == ("inclusion",), changes
        assert report["inclusion"].detail


def test_tree_size_is_bound_only_as_far_as_the_path_shape(receipts):
    """RFC 9162 verification: leaf 5's path in a tree of 7 hashes the same way as in a tree of
    8, so a notary-signed size of 8 passes. The root, which the chain attests, is what counts
    (docs/receipt.md says so)."""
    receipt = receipts[5]
    assert verify_receipt(resigned(receipt, tree_size=8)).failed == ()


def test_a_tampered_signature_fails_signature_only(receipts):
    receipt = receipts[1]
    signature = receipt.signature
    assert signature is not None
    for value in (flip_hex(signature.value, 10), flip_hex(signature.value, 70)):
        report = verify_receipt(replace(receipt, signature=replace(signature, value=value)))
        assert report.failed == ("signature",)
    report = verify_receipt(replace(receipt, signature=None))
    assert report.failed == ("signature",)
    assert report["signature"].detail == "the receipt is not signed"
    report = verify_receipt(replace(receipt, signature=replace(signature, scheme="eip712")))
    assert "unknown signature scheme 'eip712'" in report["signature"].detail


def test_a_malleated_high_s_signature_is_refused(receipts):
    """The same signature with s -> n - s recovers the same key; v1 accepts only low s."""
    receipt = receipts[1]
    assert receipt.signature is not None
    raw = bytes.fromhex(receipt.signature.value[2:])
    s, v = int.from_bytes(raw[32:64], "big"), raw[64]
    high = raw[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    message = encode_defunct(primitive=receipt.signing_payload())
    assert Account.recover_message(message, signature=high).lower() == NOTARY_ADDRESS
    malleated = replace(receipt.signature, value="0x" + high.hex())
    report = verify_receipt(replace(receipt, signature=malleated))
    assert report.failed == ("signature",)
    assert "not canonical" in report["signature"].detail


def test_the_signer_must_be_the_one_that_signed_and_the_expected_one(receipts):
    receipt = receipts[0]
    assert receipt.signature is not None
    other = sign(receipt, OTHER_KEY)
    assert verify_receipt(other).ok  # a valid signature, by someone
    report = verify_receipt(other, expected_signer=NOTARY_ADDRESS)
    assert report.failed == ("signature",)
    assert f"not by the expected notary {NOTARY_ADDRESS}" in report["signature"].detail
    assert verify_receipt(receipt, expected_signer=NOTARY_ADDRESS.upper().replace("0X", "0x")).ok
    claimed = replace(other.signature, signer=NOTARY_ADDRESS)  # claims to be the notary
    report = verify_receipt(replace(receipt, signature=claimed))
    assert report.failed == ("signature",)
    assert "recovers to" in report["signature"].detail


def test_the_signature_covers_the_canonical_receipt_without_signature(receipts):
    receipt = receipts[0]
    obj = receipt.to_object()
    del obj["signature"]
    assert receipt.signing_payload() == canonicalize(obj)
    assert receipt.signature is not None
    recovered = Account.recover_message(
        encode_defunct(primitive=canonicalize(obj)), signature=receipt.signature.value
    )
    assert recovered.lower() == receipt.signature.signer == NOTARY_ADDRESS


@settings(max_examples=60, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32), payload=st.binary(max_size=300))
def test_the_receipt_signer_signs_exactly_as_eth_account(secret, payload):
    """`ReceiptSigner` calls libsecp256k1 directly for speed; its bytes must be eth-account's."""
    try:
        account = Account.from_key(secret)
    except (ValueError, TypeError):  # zero or >= the curve order: no key
        with pytest.raises(SigningError):
            ReceiptSigner(secret)
        return
    signer = ReceiptSigner(secret)
    assert signer.address == account.address.lower()
    expected = account.sign_message(encode_defunct(primitive=payload)).signature
    assert signer.signature(payload) == "0x" + bytes(expected).hex()


def test_a_signer_signs_a_receipt_as_sign_does(receipts):
    signer = ReceiptSigner(NOTARY_KEY)
    assert signer.sign(receipts[0]) == sign(receipts[0], NOTARY_KEY) == receipts[0]
    assert not verify_receipt(signer.sign(receipts[1])).failed


def test_signing_with_a_bad_key_raises_without_showing_it(receipts):
    for key in ("0x1234", "zz" * 32, b"\x00" * 32):
        with pytest.raises(SigningError) as caught:
            sign(receipts[0], key)
        assert str(key) not in str(caught.value) and "1234" not in str(caught.value)


def test_the_pure_core_imports_neither_web3_nor_the_database():
    """A verifier needs only a receipt, a file and a JSON-RPC URL (DESIGN.md)."""
    code = (
        "import sys, notary, notary.receipts; "
        "bad = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'web3', 'sqlalchemy', 'sqlmodel', 'ledger', 'api', 'clearing', 'requests'}); "
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# ------------------------------------------------------------------ the format


def _receipt_obj(receipts):
    return receipts[2].to_object()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.update(version=2), "unsupported receipt version 2"),
        (lambda o: o.pop("version"), "unsupported receipt version None"),
        (lambda o: o.update(extra=1), "receipt has unknown member 'extra'"),
        (lambda o: o.pop("anchor"), "receipt is missing member 'anchor'"),
        (lambda o: o.update(leaf_index="2"), "receipt.leaf_index: '2' has the wrong JSON type"),
        (lambda o: o.update(tree_size=0), "tree_size: 0 is not an integer from 1"),
        (lambda o: o.update(root=o["root"].upper()), "is not in its stored form"),
        (lambda o: o.update(root="0x" + o["root"]), "is not in its stored form"),
        (lambda o: o.update(audit_path=[1]), "audit_path[0]: 1 is not a hex string"),
        (lambda o: o["anchor"].update(chain_id=0), "anchor.chain_id: 0 is not an integer"),
        (lambda o: o["anchor"].update(tx_hash="0x12"), "anchor.tx_hash: '0x12' is not a 32-byte"),
        (lambda o: o["anchor"].update(block_hash="0x" + "AB" * 32), "anchor.block_hash: '0xABAB"),
        (lambda o: o["anchor"].update(contract="0xZZ"), "anchor.contract: '0xZZ' is not an"),
        (lambda o: o["anchor"].update(block_time="yesterday"), "anchor.block_time: 'yesterday'"),
        (lambda o: o["anchor"].pop("block_number"), "anchor is missing member 'block_number'"),
        (lambda o: o["signature"].update(value="0x00"), "signature.value: '0x00' is not 65"),
        (lambda o: o["signature"].update(extra=1), "signature has unknown member 'extra'"),
        (lambda o: o["record"].update(size=-3), "receipt record.size: -3 is not a byte count"),
    ],
)
def test_a_malformed_receipt_is_refused_naming_the_member(receipts, change, message):
    obj = _receipt_obj(receipts)
    change(obj)
    with pytest.raises(ReceiptError) as caught:
        Receipt.from_json(obj)
    assert message in str(caught.value)
    if "record" not in message:  # an unreadable envelope cannot be verified at all
        with pytest.raises(ReceiptError):
            verify_receipt(obj)


def test_bad_json_text_is_refused(receipts):
    with pytest.raises(ReceiptError, match="not valid JSON"):
        Receipt.from_json("{")
    with pytest.raises(ReceiptError, match="duplicate JSON key 'root'"):
        Receipt.from_json('{"root": "a", "root": "b"}')
    with pytest.raises(ReceiptError, match="must be a JSON object"):
        Receipt.from_json("[]")


def test_an_unsigned_receipt_round_trips_without_a_signature_member(receipts):
    unsigned = replace(receipts[0], signature=None)
    assert "signature" not in unsigned.to_object()
    assert Receipt.from_json(unsigned.to_json()) == unsigned
    assert sign(unsigned, NOTARY_KEY) == receipts[0]  # RFC 6979: deterministic signatures


def test_the_constructor_normalizes_spellings(receipts):
    receipt = receipts[0]
    anchor = receipt.anchor
    spelled = Receipt(
        record=receipt.record,
        leaf_index=receipt.leaf_index,
        tree_size=receipt.tree_size,
        audit_path=tuple("0x" + p.upper() for p in receipt.audit_path),
        root=receipt.root.upper(),
        anchor=Anchor(
            chain_id=anchor.chain_id,
            contract="0x5FbDB2315678afecb367f032d93F642f64180aa3",
            tx_hash=anchor.tx_hash.upper().replace("0X", "0x"),
            block_number=anchor.block_number,
            block_hash=anchor.block_hash,
            block_time=anchor.block_time,
        ),
        signature=receipt.signature,
    )
    assert spelled == receipt
    with pytest.raises(ReceiptError, match="anchor.contract"):
        replace(anchor, contract="0x5FBdB2315678afecb367f032d93F642f64180aa3")
    with pytest.raises(ReceiptError, match="record: dict is not an EvidenceRecord"):
        replace(receipt, record=receipt.record.to_object())


# ------------------------------------------------------------------ the pinned vector


VECTOR_ROOT = "fdc97e2087df4397baa29f44215296ea7c769fad6334acb46fed45ba6f61a4b9"


def test_the_v1_vector_verifies_forever():
    """tests/notary/vectors/receipt-v1.json was issued once; never edit it, never regenerate it."""
    text = (VECTORS / "receipt-v1.json").read_text(encoding="utf-8")
    doc = VECTORS / "receipt-v1.document.txt"
    report = verify_receipt(text, document=doc, expected_signer=NOTARY_ADDRESS)
    assert report.ok, report
    assert report.failed == () and report.skipped == UNPINNED
    receipt = Receipt.from_json(text)
    assert receipt.to_object() == json.loads(text)
    assert receipt.root == VECTOR_ROOT
    assert (receipt.leaf_index, receipt.tree_size) == (6, 7)  # the odd last leaf, carried up


def test_the_vector_verifies_with_hashlib_alone():
    """The procedure of docs/receipt.md, with nothing from `notary` (signature aside)."""
    obj = json.loads((VECTORS / "receipt-v1.json").read_text(encoding="utf-8"))
    doc = (VECTORS / "receipt-v1.document.txt").read_bytes()
    record = obj["record"]
    assert hashlib.sha256(doc).hexdigest() == record["document_digest"]
    # JCS of an object whose keys are ASCII and numbers are integers: sorted, compact, UTF-8
    leaf = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def h(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    fn, sn, r = obj["leaf_index"], obj["tree_size"] - 1, h(b"\x00" + leaf)
    for p in map(bytes.fromhex, obj["audit_path"]):
        assert sn != 0
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and r.hex() == obj["root"]


# ------------------------------------------------------------------ chain checks


@pytest.fixture
def root_log(fresh_chain, operator, artifacts):
    address, _ = operator.deploy(artifacts["RootLog"], [])
    return operator.contract(address, artifacts["RootLog"].abi)


@pytest.fixture
def registry(fresh_chain, operator, artifacts, errors) -> EvidenceRegistryClient:
    """A fresh Consortium (governor: anvil #0; NOTARY: anvil #1, the factories' notary key;
    COLLECTOR: anvil #4) and its EvidenceRegistry, acting as the notary."""
    council = deploy_consortium(operator, artifacts, [operator.address], ["Operator"], 1)
    notary = Sender(fresh_chain, dev_account(1), errors=errors)
    collector = Sender(fresh_chain, dev_account(4), errors=errors)
    council.execute(council.propose_admit(notary.address, "Notary", [Role.NOTARY]))
    council.execute(council.propose_admit(collector.address, "Collector", [Role.COLLECTOR]))
    client = deploy_evidence_registry(operator, artifacts, council.address)
    return client.as_sender(notary)


def anchor_of(chain, contract_address: str, sent) -> Anchor:
    block = chain.w3.eth.get_block(sent.block_number)
    return Anchor(
        chain_id=chain.chain_id,
        contract=contract_address,
        tx_hash=sent.tx_hash,
        block_number=sent.block_number,
        block_hash="0x" + bytes(sent.receipt["blockHash"]).hex(),
        block_time=format_timestamp(datetime.fromtimestamp(block["timestamp"], UTC)),
    )


def anchor_on_chain(chain, operator, contract, root: bytes, size: int, *, in_data=False) -> Anchor:
    function = contract.functions.anchorInData if in_data else contract.functions.anchor
    return anchor_of(chain, contract.address, operator.transact(function(root, size)))


def anchored_batch(chain, registry, *, size: int = 5, logged_root=None, logged_size=None):
    """Receipts of a tree of `size` records whose batch the notary anchored on `registry`
    (with `logged_root` / `logged_size` instead of the tree's, to make a mismatch)."""
    records = [make_record(n) for n in range(size)]
    tree = MerkleTree([leaf_data(record) for record in records])
    number, hash_ = registry.recent_block()
    sequence = registry.next_sequence(registry.sender.address)
    sent = registry.anchor_batch(
        logged_root or tree.root, logged_size or tree.size, sequence, number, hash_
    )
    return make_receipts(records, anchor_of(chain, registry.address, sent))


def pinned(registry) -> TrustRoot:
    return TrustRoot.for_registry(registry.address)


def test_an_anchored_receipt_passes_every_check(fresh_chain, registry, verify_url):
    receipt = anchored_batch(fresh_chain, registry)[3]
    report = verify_receipt(
        receipt,
        document=document(3),
        rpc_url=verify_url,
        trust=pinned(registry),
        expected_signer=NOTARY_ADDRESS,
    )
    assert report.verified and report.verdict == "verified", report
    assert report.failed == () and report.skipped == ()
    assert report["chain_id"].detail == f"chain {fresh_chain.chain_id}"
    assert "BatchAnchored log 0 of registry" in report["anchored_root"].detail
    assert "pinned EvidenceRegistry" in report["trust_root"].detail
    with_file = verify_receipt(receipt.to_json(), rpc_url=verify_url, trust=pinned(registry))
    assert with_file.verified


def test_without_a_trust_root_nothing_is_verified(fresh_chain, registry, verify_url):
    receipt = anchored_batch(fresh_chain, registry)[0]
    report = verify_receipt(receipt, rpc_url=verify_url)
    assert report.failed == () and report.skipped == ("digest", "trust_root")
    assert not report.verified and report.verdict == "unverifiable"
    assert "nothing pins whose contract the anchor is" in report["trust_root"].detail
    offline = verify_receipt(receipt, trust=pinned(registry))
    assert offline.verdict == "unverifiable" and offline.skipped == ("digest", *ON_CHAIN)


def test_a_reader_passed_in_replaces_the_url(fresh_chain, registry, verify_url):
    receipt = anchored_batch(fresh_chain, registry)[1]
    calls = []

    def reader(method, params):
        calls.append(method)
        return fresh_chain.w3.provider.make_request(method, params)["result"]

    report = verify_receipt(receipt, rpc=reader, trust=pinned(registry))
    assert report.verified, report
    assert set(calls) == {"eth_chainId", "eth_getTransactionReceipt", "eth_getBlockByNumber"}

    def broken(method, params):
        raise ConnectionError("the line is down")

    report = verify_receipt(receipt, rpc=broken, trust=pinned(registry))
    assert report.failed == ON_CHAIN and "the line is down" in report["chain_id"].detail


def test_another_contracts_log_never_anchors(fresh_chain, registry, operator, root_log, verify_url):
    """Forgery: any account deploys a contract logging the root; the receipt names it."""
    for in_data in (False, True):
        records = [make_record(n) for n in range(5)]
        tree = MerkleTree([leaf_data(record) for record in records])
        anchor = anchor_on_chain(fresh_chain, operator, root_log, tree.root, 5, in_data=in_data)
        receipt = make_receipts(records, anchor, key=OTHER_KEY)[2]
        report = verify_receipt(receipt, rpc_url=verify_url, trust=pinned(registry))
        assert report.failed == ("trust_root", "anchored_root")
        assert "not the pinned EvidenceRegistry" in report["trust_root"].detail
        assert "holds no log of registry" in report["anchored_root"].detail
        unpinned = verify_receipt(receipt, rpc_url=verify_url)
        assert unpinned.failed == ("anchored_root",) and not unpinned.verified
        assert "which never anchors" in unpinned["anchored_root"].detail


def test_a_collectors_supersede_never_anchors(fresh_chain, registry, errors, verify_url):
    """Forgery: a COLLECTOR's `supersede` puts any 32 bytes it likes in an ItemSuperseded
    topic of the genuine registry."""
    records = [make_record(n) for n in range(4)]
    tree = MerkleTree([leaf_data(record) for record in records])
    collector = registry.as_sender(Sender(fresh_chain, dev_account(4), errors=errors))
    sent = collector.supersede(b"\x42" * 32, tree.root, ReasonCode.OTHER)
    anchor = anchor_of(fresh_chain, registry.address, sent)
    for key in (OTHER_KEY, "0x" + dev_account(4).key.hex().removeprefix("0x")):
        receipt = make_receipts(records, anchor, key=key)[0]
        report = verify_receipt(receipt, rpc_url=verify_url, trust=pinned(registry))
        assert report.failed == ("anchored_root",), report
        assert "is ItemSuperseded, which never anchors" in report["anchored_root"].detail


def test_a_fresh_key_on_a_genuine_batch_fails(fresh_chain, registry, verify_url):
    """Forgery: a genuine anchor, a receipt signed by a key that is not the batch's notary."""
    genuine = anchored_batch(fresh_chain, registry)[2]
    forged = sign(genuine, OTHER_KEY)
    report = verify_receipt(forged, rpc_url=verify_url, trust=pinned(registry))
    assert report.failed == ("anchored_root",)
    assert f"was sent by notary {NOTARY_ADDRESS}" in report["anchored_root"].detail


def test_the_event_must_carry_the_root_and_tree_size(fresh_chain, registry, verify_url):
    other_root = anchored_batch(fresh_chain, registry, logged_root=b"\x11" * 32)[3]
    report = verify_receipt(other_root, rpc_url=verify_url, trust=pinned(registry))
    assert report.failed == ("anchored_root",)
    assert f"anchors root {'11' * 32}, not {other_root.root}" in report["anchored_root"].detail
    other_size = anchored_batch(fresh_chain, registry, logged_size=9)[0]
    report = verify_receipt(other_size, rpc_url=verify_url, trust=pinned(registry))
    assert report.failed == ("anchored_root",)
    assert "has log size 9, not tree_size 5" in report["anchored_root"].detail


def test_a_single_digest_anchors_a_tree_of_one(fresh_chain, registry, verify_url):
    records = [make_record(7)]
    tree = MerkleTree([leaf_data(records[0])])
    sent = registry.anchor_digest(tree.root)
    (receipt,) = make_receipts(records, anchor_of(fresh_chain, registry.address, sent))
    report = verify_receipt(receipt, rpc_url=verify_url, trust=pinned(registry))
    assert report.verified, report
    assert "DigestAnchored log 0" in report["anchored_root"].detail


def test_wrong_anchor_details_fail_the_right_checks(
    fresh_chain, operator, registry, artifacts, verify_url
):
    receipt = anchored_batch(fresh_chain, registry)[3]
    anchor = receipt.anchor
    other_contract, _ = operator.deploy(artifacts["RootLog"], [])
    wrong = {
        "chain_id": {"chain_id": anchor.chain_id + 1},
        "tx_hash": {"tx_hash": "0x" + "77" * 32},
        "block_hash": {"block_hash": "0x" + "88" * 32},
        "contract": {"contract": other_contract},
        "block_time": {"block_time": "2000-01-01T00:00:00Z"},
    }
    reports = {
        what: verify_receipt(
            resigned(receipt, anchor=replace(anchor, **changes)), rpc_url=verify_url
        )
        for what, changes in wrong.items()
    }
    assert reports["chain_id"].failed == ("chain_id",)
    assert "the receipt says" in reports["chain_id"]["chain_id"].detail
    assert reports["tx_hash"].failed == ("transaction", "anchored_root")
    assert "is not on the node's chain" in reports["tx_hash"]["transaction"].detail
    assert reports["block_hash"].failed == ("transaction",)
    assert reports["contract"].failed == ("transaction", "anchored_root")
    assert reports["block_time"].failed == ("block_time",)
    assert "is from" in reports["block_time"]["block_time"].detail
    detail = reports["block_hash"]["transaction"].detail
    assert "its block hash is" in detail and "of the node's chain is" in detail
    assert f"not to {other_contract.lower()}" in reports["contract"]["transaction"].detail
    pinned_elsewhere = verify_receipt(
        resigned(receipt, anchor=replace(anchor, chain_id=anchor.chain_id + 1)),
        trust=TrustRoot.for_registry(registry.address, chain_id=anchor.chain_id),
    )
    assert pinned_elsewhere.failed == ("trust_root",)
    assert "the trust root on" in pinned_elsewhere["trust_root"].detail


def test_a_failed_transaction_fails_transaction(fresh_chain, operator, root_log, verify_url):
    records = [make_record(n) for n in range(2)]
    tree = MerkleTree([leaf_data(record) for record in records])
    data = root_log.functions.refuse(tree.root, 2)._encode_transaction_data()
    # a fixed gas limit skips estimation, which would refuse to send a reverting call
    tx_hash = operator.submit({"to": root_log.address, "data": data, "gas": 100_000})
    mined = fresh_chain.wait_for_receipt(tx_hash)
    assert mined["status"] == 0
    block = fresh_chain.w3.eth.get_block(mined["blockNumber"])
    anchor = Anchor(
        chain_id=fresh_chain.chain_id,
        contract=root_log.address,
        tx_hash=tx_hash,
        block_number=mined["blockNumber"],
        block_hash="0x" + bytes(mined["blockHash"]).hex(),
        block_time=format_timestamp(datetime.fromtimestamp(block["timestamp"], UTC)),
    )
    report = verify_receipt(make_receipts(records, anchor)[0], rpc_url=verify_url)
    assert report.failed == ("transaction", "anchored_root")
    assert "it failed (status 0)" in report["transaction"].detail


def test_an_unreachable_node_fails_the_chain_checks_without_raising(receipts):
    report = verify_receipt(receipts[0], rpc_url="http://127.0.0.1:9", rpc_timeout=2)
    assert report.failed == ON_CHAIN
    assert all("failed" in report[name].detail for name in ON_CHAIN)
    report = verify_receipt(receipts[0], rpc_url="file:///etc/passwd")
    assert report.failed == ON_CHAIN
    assert "must start with http:// or https://" in report["chain_id"].detail


class FakeNode:
    """An HTTP server answering every POST with the same body: not a real node."""

    def __init__(self, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNode:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"jsonrpc": "2.0", "id": 1, "result": {"a": true}}', "is not a hex quantity"),
        (
            b'{"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "no such method"}}',
            "eth_chainId returned an error: {'code': -32601, 'message': 'no such method'}",
        ),
        (b"<html>proxy login</html>", "eth_chainId answered with invalid JSON"),
        (b'{"jsonrpc": "2.0", "id": 1}', "eth_chainId answer has no result"),
    ],
)
def test_a_node_answering_nonsense_fails_the_chain_checks(receipts, body, detail):
    with FakeNode(body) as node:
        report = verify_receipt(receipts[0], rpc_url=node.url)
    assert report.failed == ON_CHAIN
    assert all(report[name].detail for name in ON_CHAIN)
    assert detail in report["chain_id"].detail


def test_an_anchor_from_elsewhere_fails_on_this_chain(receipts, verify_url):
    """The factory's anchor names a transaction that was never sent on the test chain."""
    report = verify_receipt(receipts[0], rpc_url=verify_url)
    assert report["chain_id"].ok
    assert report.failed == ("transaction", "anchored_root", "block_time")
    assert "is not on the node's chain" in report["transaction"].detail


def test_an_envelope_and_duplicate_members_are_unreadable(receipts):
    text = receipts[0].to_json()
    for wrapped in ({"receipt": json.loads(text)}, {"data": json.loads(text)}):
        with pytest.raises(ReceiptError, match="no envelope"):
            verify_receipt(json.dumps(wrapped))
    with pytest.raises(ReceiptError, match="duplicate JSON key 'root'"):
        verify_receipt('{"root": "' + "0" * 64 + '",' + text.lstrip()[1:])
    upper = text.replace(
        receipts[0].signature.value,
        receipts[0].signature.value.upper()[0:1] + "x" + receipts[0].signature.value[2:].upper(),
    )
    with pytest.raises(ReceiptError, match="signature.value"):
        Receipt.from_json(upper)
