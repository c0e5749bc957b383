"""Receipts, version 1: the notary's signed proof that a record is in an anchored Merkle root.

Consensus-critical: the format and `verify_receipt`'s rules are frozen for version 1 (see
docs/receipt.md); every v1 receipt ever issued must keep verifying. The anchor rule was
tightened once (the pinned registry's `BatchAnchored` event, whose notary is the signer): every
receipt the service issued comes from that event, so all of them still verify, and receipts it
never issued no longer do. No web3 and no database: the chain checks take a JSON-RPC reader
(by default plain JSON-RPC over `urllib`).
"""

from __future__ import annotations

import copy
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import coincurve
from eth_utils.crypto import keccak

from notary.digests import Sha256Digest, parse_digest, sha256_bytes, sha256_file
from notary.errors import (
    CanonicalizationError,
    FormatError,
    ReceiptError,
    RecordError,
    SigningError,
)
from notary.merkle import leaf_hash, root_from_inclusion
from notary.records import (
    MAX_SAFE_INTEGER,
    Address,
    EvidenceRecord,
    Timestamp,
    canonicalize,
    format_timestamp,
    leaf_data,
    normalize_address,
    parse_json,
    parse_timestamp,
)
from notary.trust import TrustRoot

if TYPE_CHECKING:  # eth-account is imported where a signature is checked: a CLI that
    # only prints a receipt starts without it
    from eth_account.signers.local import LocalAccount

RECEIPT_VERSION = 1
"""The receipt format this module writes and verifies; frozen (docs/receipt.md)."""

SIGNATURE_SCHEME = "eip191-personal-sign"
"""The v1 signature: EIP-191 personal_sign (secp256k1) over the receipt's canonical bytes
without its `signature` member."""

CHECKS = (
    "digest",
    "leaf",
    "inclusion",
    "signature",
    "trust_root",
    "chain_id",
    "transaction",
    "anchored_root",
    "block_time",
)
"""The checks of a `VerificationReport`, in order; `trust_root` needs a trust root, the last
four a JSON-RPC reader (or URL)."""

ANCHOR_CHECKS = CHECKS[4:]
"""The checks that bind the receipt to the consortium's chain: none may be skipped for a
receipt to be `verified` (without them it only shows it is self-consistent)."""

BATCH_ANCHORED = "BatchAnchored(bytes32,uint256,address,uint64,uint64,uint64,bytes32)"
"""The EvidenceRegistry event that anchors a batch's root: topics root, notary member id,
notary address; data sequence, log size, recent block number and hash (one word each)."""

DIGEST_ANCHORED = "DigestAnchored(bytes32,uint256,address)"
"""The EvidenceRegistry event that anchors a single 32-byte value: topics digest, notary
member id, notary address; no data."""

BATCH_ANCHORED_TOPIC = "0x" + keccak(text=BATCH_ANCHORED).hex()
DIGEST_ANCHORED_TOPIC = "0x" + keccak(text=DIGEST_ANCHORED).hex()
_OTHER_REGISTRY_EVENTS = {
    "0x" + keccak(text=signature).hex(): signature.split("(")[0]
    for signature in (
        "ItemSuperseded(bytes32,bytes32,uint8,uint256,address)",
        "PersonalDataForgotten(bytes32,uint256,address)",
    )
}

NO_TRUST_ROOT = (
    "no trust root: nothing pins whose contract the anchor is, so the receipt proves nothing "
    "about who issued it (give the consortium's EvidenceRegistry address or its trust file)"
)
"""The `trust_root` check's detail when none was given."""

JsonRpc = Callable[[str, list[Any]], Any]
"""A JSON-RPC reader: `rpc(method, params)` returns the call's `result`; any exception it
raises fails the checks that needed the call (it never makes one pass)."""

RPC_TIMEOUT = 10.0
"""Seconds allowed for each JSON-RPC request: a node that is up answers these in milliseconds."""

MAX_RPC_RESPONSE = 32 << 20
"""Bytes read from one JSON-RPC response; a receipt's logs are far smaller, and the bound keeps
a hostile endpoint from filling memory."""

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HASH32 = re.compile(r"0x[0-9a-fA-F]{64}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")

T = TypeVar("T")


# ------------------------------------------------------------------ the format


@dataclass(frozen=True, kw_only=True)
class Anchor:
    """Where a root was anchored: the transaction that logged it and its block.

    Hashes and addresses are stored 0x-prefixed lowercase; the constructor normalizes case,
    `Receipt.from_json` accepts only the stored form. Raises `ReceiptError` naming the field.
    """

    chain_id: int
    contract: Address
    tx_hash: str
    block_number: int
    block_hash: str
    block_time: Timestamp

    def __post_init__(self) -> None:
        _positive_int("anchor.chain_id", self.chain_id, minimum=1)
        _positive_int("anchor.block_number", self.block_number, minimum=0)
        with _field("anchor.contract"):
            object.__setattr__(self, "contract", normalize_address(self.contract))
        object.__setattr__(self, "tx_hash", _hash32("anchor.tx_hash", self.tx_hash))
        object.__setattr__(self, "block_hash", _hash32("anchor.block_hash", self.block_hash))
        with _field("anchor.block_time"):
            parse_timestamp(self.block_time)

    def to_object(self) -> dict[str, Any]:
        """The anchor as a JSON object."""
        return {
            "chain_id": self.chain_id,
            "contract": self.contract,
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
            "block_hash": self.block_hash,
            "block_time": self.block_time,
        }


@dataclass(frozen=True, kw_only=True)
class ReceiptSignature:
    """The notary's signature: `value` is r || s || v (65 bytes, v = 27 or 28) in 0x hex."""

    signer: Address
    value: str
    scheme: str = SIGNATURE_SCHEME

    def __post_init__(self) -> None:
        with _field("signature.signer"):
            object.__setattr__(self, "signer", normalize_address(self.signer))
        if not isinstance(self.value, str) or _SIGNATURE.fullmatch(self.value) is None:
            raise ReceiptError(f"signature.value: {self.value!r} is not 65 bytes in 0x hex")
        object.__setattr__(self, "value", self.value.lower())
        if not isinstance(self.scheme, str) or not self.scheme:
            raise ReceiptError(f"signature.scheme: {self.scheme!r} is not a scheme name")

    def to_object(self) -> dict[str, Any]:
        """The signature as a JSON object."""
        return {"signer": self.signer, "scheme": self.scheme, "value": self.value}


@dataclass(frozen=True, kw_only=True)
class _Envelope:
    """A receipt's members other than the record, validated (the record may still be bad)."""

    leaf_index: int
    tree_size: int
    audit_path: tuple[Sha256Digest, ...]
    root: Sha256Digest
    anchor: Anchor
    signature: ReceiptSignature | None = None
    version: int = RECEIPT_VERSION

    def __post_init__(self) -> None:
        _validate_envelope(self)


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """A v1 receipt: `record` is leaf `leaf_index` of the tree of `tree_size` leaves whose
    `root` was logged by the `anchor` transaction; `signature` is the notary's, or None
    before `sign`.

    `audit_path` and `root` are bare lowercase hex like every SHA-256 value here (the
    constructor normalizes case and a 0x prefix). The constructor checks forms, not truth:
    that is `verify_receipt`'s job. Raises `ReceiptError` naming the field.
    """

    record: EvidenceRecord
    leaf_index: int
    tree_size: int
    audit_path: tuple[Sha256Digest, ...]
    root: Sha256Digest
    anchor: Anchor
    signature: ReceiptSignature | None = None
    version: int = RECEIPT_VERSION

    def __post_init__(self) -> None:
        if not isinstance(self.record, EvidenceRecord):
            raise ReceiptError(f"record: {type(self.record).__name__} is not an EvidenceRecord")
        _validate_envelope(self)

    def to_object(self) -> dict[str, Any]:
        """The receipt as a JSON object (without `signature` when unsigned)."""
        obj = _envelope_object(self)
        obj["record"] = self.record.to_object()
        return {key: obj[key] for key in _RECEIPT_FIELDS if key in obj}

    def to_json(self) -> str:
        """The receipt as indented JSON text, ending with a newline (for files)."""
        return json.dumps(self.to_object(), indent=2, ensure_ascii=False) + "\n"

    def signing_payload(self) -> bytes:
        """The bytes the notary signs: the canonical JSON of the receipt without `signature`."""
        return _signing_payload(self.to_object())

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Receipt:
        """Read a receipt from JSON text or a parsed JSON object.

        Strict: every member of its version present, no others, each in its stored spelling,
        so what is read is exactly what was signed. Raises `ReceiptError` naming the field,
        including for a bad record, and for versions other than 1.
        """
        obj = _receipt_object(data)
        envelope = _read_envelope(obj)
        try:
            record = EvidenceRecord.from_json(obj["record"])
        except RecordError as exc:
            raise ReceiptError(f"receipt {exc}") from exc
        return cls(record=record, **{f.name: getattr(envelope, f.name) for f in fields(envelope)})


_RECEIPT_FIELDS: dict[str, type] = {
    "version": int,
    "record": dict,
    "leaf_index": int,
    "tree_size": int,
    "audit_path": list,
    "root": str,
    "anchor": dict,
    "signature": dict,
}
_ANCHOR_FIELDS: dict[str, type] = {
    "chain_id": int,
    "contract": str,
    "tx_hash": str,
    "block_number": int,
    "block_hash": str,
    "block_time": str,
}
_SIGNATURE_FIELDS: dict[str, type] = {"signer": str, "scheme": str, "value": str}


class ReceiptSigner:
    """The notary's key, ready to sign many receipts: EIP-191 over libsecp256k1 directly.

    Signs exactly as eth-account's `sign_message(encode_defunct(...))` does (RFC 6979
    deterministic nonces, low `s`, `v` = 27 or 28; a test compares them byte for byte) without
    its per-call key parsing, which costs more than the signature itself. Raises
    `SigningError` for an unusable key; the message never contains the key.
    """

    def __init__(self, private_key: str | bytes | LocalAccount) -> None:
        try:
            if isinstance(private_key, str):
                secret = bytes.fromhex(private_key.removeprefix("0x"))
            elif isinstance(private_key, bytes | bytearray):
                secret = bytes(private_key)
            else:  # an eth-account LocalAccount
                secret = bytes(private_key.key)
            if len(secret) != 32:
                raise ValueError("a secp256k1 key is 32 bytes")
            self._key = coincurve.PrivateKey(secret)
        except (ValueError, TypeError, AttributeError) as exc:
            raise SigningError(f"the notary key is unusable ({type(exc).__name__})") from None
        public = self._key.public_key.format(compressed=False)[1:]
        self.address = Address("0x" + keccak(public)[-20:].hex())

    def signature(self, payload: bytes) -> str:
        """The EIP-191 personal_sign signature of `payload`, as 0x hex of r || s || v."""
        prefix = b"\x19Ethereum Signed Message:\n" + str(len(payload)).encode()
        raw = self._key.sign_recoverable(keccak(prefix + payload), hasher=None)
        return "0x" + raw[:64].hex() + bytes([raw[64] + 27]).hex()

    def sign(self, receipt: Receipt) -> Receipt:
        """`receipt` with this key's signature (any earlier signature replaced)."""
        unsigned = copy.copy(receipt)
        object.__setattr__(unsigned, "signature", None)
        signature = ReceiptSignature(
            signer=self.address, value=self.signature(unsigned.signing_payload())
        )
        # `receipt` was validated when built, and a ReceiptSignature validates itself.
        object.__setattr__(unsigned, "signature", signature)
        return unsigned


def sign(receipt: Receipt, private_key: str | bytes | LocalAccount | ReceiptSigner) -> Receipt:
    """`receipt` signed by the notary key `private_key` (32 bytes, hex with or without 0x, an
    eth-account `LocalAccount`, or a `ReceiptSigner`, which signs many receipts fastest).

    Any signature already on `receipt` is replaced. Raises `SigningError` for an unusable
    key; the message never contains the key.
    """
    signer = private_key if isinstance(private_key, ReceiptSigner) else ReceiptSigner(private_key)
    return signer.sign(receipt)


# ------------------------------------------------------------------ verification


@dataclass(frozen=True, kw_only=True)
class Check:
    """One verification step: `ok` when it passed; `skipped` when its input was not given
    (then `ok` is False too); `detail` says what was compared, or what failed and why."""

    name: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass(frozen=True, kw_only=True)
class VerificationReport:
    """The outcome of every check of `CHECKS`, in that order."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when no check that ran failed. Not a verdict: see `verified`, which also
        needs the trust root and the chain checks to have run."""
        return all(check.ok for check in self.checks if not check.skipped)

    @property
    def verified(self) -> bool:
        """True only when nothing failed and every check of `ANCHOR_CHECKS` ran: the receipt
        is bound to the pinned registry's event on the node's chain."""
        names = {c.name for c in self.checks}
        return (
            self.ok
            and not any(name in self.skipped for name in ANCHOR_CHECKS)
            and names.issuperset(ANCHOR_CHECKS)
        )

    @property
    def verdict(self) -> str:
        """``verified``, ``failed`` (a check failed) or ``unverifiable`` (nothing failed, but
        the trust root or the chain was not given, so nothing binds the anchor)."""
        if self.failed:
            return "failed"
        return "verified" if self.verified else "unverifiable"

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the checks that ran and failed."""
        return tuple(c.name for c in self.checks if not c.ok and not c.skipped)

    @property
    def skipped(self) -> tuple[str, ...]:
        """Names of the checks that did not run (no document, or no JSON-RPC URL)."""
        return tuple(c.name for c in self.checks if c.skipped)

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)


def verify_receipt(
    receipt: Receipt | str | bytes | Mapping[str, Any],
    *,
    document: Path | bytes | None = None,
    rpc_url: str | None = None,
    rpc: JsonRpc | None = None,
    trust: TrustRoot | None = None,
    expected_signer: str | None = None,
    rpc_timeout: float = RPC_TIMEOUT,
) -> VerificationReport:
    """Check a receipt independently; each check is reported, none raises.

    `receipt` is a `Receipt` or its JSON (text or parsed). `trust` pins the consortium
    (without it `trust_root` is skipped and the report is never `verified`). The chain is
    read through `rpc` (a `JsonRpc` reader) or, failing that, plain JSON-RPC to `rpc_url`.
    Checks, in order (docs/receipt.md):

    - `digest`: `document` (a file path, or the bytes) hashes to the record's digest;
      skipped without `document`.
    - `leaf`: the record is a valid v1 record; its canonical JCS bytes are the leaf.
    - `inclusion`: the audit path leads from that leaf at `leaf_index` to `root`.
    - `signature`: the signature recovers to `signature.signer` over the canonical receipt
      without `signature`, and that signer is `expected_signer` when given.
    - `trust_root`: the anchor's chain id and contract are the pinned ones.
    - with a reader (otherwise skipped): `chain_id`, the node's chain id is the anchor's;
      `transaction`, the transaction exists, succeeded, was sent to the anchor's contract and
      is in the stated block, whose hash is the stated one on the node's chain;
      `anchored_root`, that transaction holds a log of the pinned registry (the anchor's
      contract without a trust root) that is `BatchAnchored` with the root, a log size of
      `tree_size` and the signer as notary, or, for a tree of one leaf, `DigestAnchored`
      with the root and the signer as notary; no other event counts; `block_time`, the
      block's timestamp is the anchor's `block_time`.

    Network and node errors fail the checks that needed them, with the error as detail;
    each JSON-RPC request may take `rpc_timeout` seconds. Only http(s) URLs are used.
    Raises only for a receipt whose envelope cannot be read (`ReceiptError`), an invalid
    `expected_signer` (`AddressError`), or a `document` that is neither a Path nor bytes.
    """
    obj: Mapping[str, Any]
    if isinstance(receipt, Receipt):
        obj = receipt.to_object()
        envelope: Receipt | _Envelope = receipt
        record: EvidenceRecord | None = receipt.record
        record_error = ""
    else:
        obj = _receipt_object(receipt)
        envelope = _read_envelope(obj)
        try:
            record, record_error = EvidenceRecord.from_json(obj["record"]), ""
        except RecordError as exc:
            record, record_error = None, str(exc)
    if document is not None and not isinstance(document, Path | bytes | bytearray):
        raise TypeError(f"document must be a Path or bytes, got {type(document).__name__}")
    signer = normalize_address(expected_signer) if expected_signer is not None else None

    checks = [
        _check_digest(record, document),
        _check_leaf(record, record_error),
        _check_inclusion(record, envelope),
        _check_signature(obj, envelope.signature, signer),
    ]
    checks.append(_check_trust_root(envelope.anchor, trust))
    if rpc is None and rpc_url is not None:
        rpc = http_json_rpc(rpc_url, timeout=rpc_timeout)
    if rpc is None:
        checks += [
            Check(name=name, ok=False, skipped=True, detail="no JSON-RPC URL given")
            for name in CHECKS[len(checks) :]
        ]
    else:
        registry = trust.registry if trust is not None else envelope.anchor.contract
        checks += _chain_checks(envelope, _Rpc(rpc), registry)
    return VerificationReport(checks=tuple(checks))


def _check_trust_root(anchor: Anchor, trust: TrustRoot | None) -> Check:
    name = "trust_root"
    if trust is None:
        return Check(name=name, ok=False, skipped=True, detail=NO_TRUST_ROOT)
    problems = []
    if trust.chain_id is not None and anchor.chain_id != trust.chain_id:
        problems.append(
            f"the anchor is on chain {anchor.chain_id}, the trust root on {trust.chain_id}"
        )
    if anchor.contract != trust.registry:
        problems.append(
            f"the anchor names contract {anchor.contract}, not the pinned EvidenceRegistry "
            f"{trust.registry}"
        )
    if problems:
        return Check(name=name, ok=False, detail="; ".join(problems))
    return Check(name=name, ok=True, detail=f"anchored by the pinned {trust.describe()}")


def _check_digest(record: EvidenceRecord | None, document: Path | bytes | None) -> Check:
    name = "digest"
    if document is None:
        return Check(name=name, ok=False, skipped=True, detail="no document given")
    if record is None:
        return Check(name=name, ok=False, detail="no valid record to compare with (see leaf)")
    try:
        if isinstance(document, Path):
            digest = sha256_file(document)
        else:
            digest = sha256_bytes(bytes(document))
    except OSError as exc:
        return Check(name=name, ok=False, detail=f"cannot read the document: {exc}")
    if digest != record.document_digest:
        return Check(
            name=name,
            ok=False,
            detail=f"document hashes to {digest}, record says {record.document_digest}",
        )
    return Check(name=name, ok=True, detail=f"document hashes to {digest}")


def _check_leaf(record: EvidenceRecord | None, error: str) -> Check:
    if record is None:
        return Check(name="leaf", ok=False, detail=f"not a valid v1 record: {error}")
    leaf = leaf_data(record)
    return Check(
        name="leaf",
        ok=True,
        detail=f"leaf hash {leaf_hash(leaf).hex()} over {len(leaf)} canonical bytes",
    )


def _check_inclusion(record: EvidenceRecord | None, envelope: Receipt | _Envelope) -> Check:
    name = "inclusion"
    if record is None:
        return Check(name=name, ok=False, detail="no valid record to place (see leaf)")
    index, size, path = envelope.leaf_index, envelope.tree_size, envelope.audit_path
    computed = root_from_inclusion(leaf_data(record), index, size, [bytes.fromhex(p) for p in path])
    if computed is None:
        return Check(
            name=name,
            ok=False,
            detail=f"an audit path of {len(path)} hashes cannot place leaf {index} "
            f"in a tree of {size}",
        )
    if computed.hex() != envelope.root:
        return Check(
            name=name,
            ok=False,
            detail=f"the audit path leads to {computed.hex()}, not to root {envelope.root}",
        )
    return Check(name=name, ok=True, detail=f"leaf {index} of {size} leads to root {envelope.root}")


def _check_signature(
    obj: Mapping[str, Any], signature: ReceiptSignature | None, expected: Address | None
) -> Check:
    name = "signature"
    if signature is None:
        return Check(name=name, ok=False, detail="the receipt is not signed")
    if signature.scheme != SIGNATURE_SCHEME:
        return Check(name=name, ok=False, detail=f"unknown signature scheme {signature.scheme!r}")
    raw = bytes.fromhex(signature.value[2:])
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    # One valid spelling per signature: v 27/28 and the low s of EIP-2, as eth-account signs.
    if v not in (27, 28) or not 0 < r < _SECP256K1_N or not 0 < s <= _SECP256K1_N // 2:
        return Check(name=name, ok=False, detail="signature is not canonical (v 27/28, low s)")
    from eth_account import Account
    from eth_account.messages import encode_defunct

    try:
        payload = _signing_payload(obj)
        recovered = Account.recover_message(encode_defunct(primitive=payload), signature=raw)
    except CanonicalizationError as exc:
        return Check(name=name, ok=False, detail=f"receipt has no canonical form: {exc}")
    except Exception as exc:  # eth-keys raises BadSignature and ValueError subclasses
        return Check(name=name, ok=False, detail=f"signature does not recover: {exc}")
    if recovered.lower() != signature.signer:
        return Check(
            name=name,
            ok=False,
            detail=f"signature recovers to {recovered.lower()}, not to signer {signature.signer}",
        )
    if expected is not None and signature.signer != expected:
        return Check(
            name=name,
            ok=False,
            detail=f"signed by {signature.signer}, not by the expected notary {expected}",
        )
    return Check(name=name, ok=True, detail=f"signed by {signature.signer}")


# ------------------------------------------------------------------ chain checks


class _RpcFailure(Exception):
    """A JSON-RPC request failed; the message says how (never the URL, which may hold keys)."""


def http_json_rpc(url: str, *, timeout: float = RPC_TIMEOUT) -> JsonRpc:
    """A `JsonRpc` reader speaking plain JSON-RPC 2.0 over HTTP(S) with `urllib` to `url`;
    each request may take `timeout` seconds. Only http(s) URLs are used; errors never carry
    the URL (it may hold keys)."""
    next_id = 0

    def call(method: str, params: list[Any]) -> Any:
        nonlocal next_id
        if not url.lower().startswith(("http://", "https://")):
            raise _RpcFailure("the JSON-RPC URL must start with http:// or https://")
        next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params})
        request = urllib.request.Request(
            url,
            data=body.encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read(MAX_RPC_RESPONSE + 1)
        except (urllib.error.URLError, HTTPException, OSError, ValueError) as exc:
            raise _RpcFailure(f"{method} failed: {exc}") from exc
        if len(raw) > MAX_RPC_RESPONSE:
            raise _RpcFailure(f"{method} answer exceeds {MAX_RPC_RESPONSE} bytes")
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise _RpcFailure(f"{method} answered with invalid JSON: {exc}") from exc
        if not isinstance(answer, dict):
            raise _RpcFailure(f"{method} answered with {type(answer).__name__}, not an object")
        if answer.get("error") is not None:
            raise _RpcFailure(f"{method} returned an error: {answer['error']}")
        if "result" not in answer:
            raise _RpcFailure(f"{method} answer has no result")
        return answer["result"]

    return call


class _Rpc:
    """A `JsonRpc` reader whose results are fetched once each and whose errors, of any kind,
    become `_RpcFailure`."""

    def __init__(self, reader: JsonRpc) -> None:
        self._reader = reader
        self._results: dict[str, Any] = {}

    def call(self, method: str, *params: Any) -> Any:
        key = json.dumps([method, params])
        if key not in self._results:
            try:
                self._results[key] = self._reader(method, list(params))
            except _RpcFailure as exc:
                self._results[key] = exc
            except Exception as exc:  # a caller's reader may raise anything: it fails, never passes
                self._results[key] = _RpcFailure(f"{method} failed: {exc}")
        result = self._results[key]
        if isinstance(result, _RpcFailure):
            raise result
        return result


def _chain_checks(envelope: Receipt | _Envelope, rpc: _Rpc, registry: Address) -> list[Check]:
    anchor = envelope.anchor
    return [
        _chain_check("chain_id", lambda: _check_chain_id(rpc, anchor)),
        _chain_check("transaction", lambda: _check_transaction(rpc, anchor)),
        _chain_check("anchored_root", lambda: _check_anchored_root(rpc, envelope, registry)),
        _chain_check("block_time", lambda: _check_block_time(rpc, anchor)),
    ]


def _chain_check(name: str, run: Callable[[], tuple[bool, str]]) -> Check:
    try:
        ok, detail = run()
    except _RpcFailure as exc:
        return Check(name=name, ok=False, detail=str(exc))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        return Check(name=name, ok=False, detail=f"unexpected JSON-RPC answer: {exc!r}")
    return Check(name=name, ok=ok, detail=detail)


def _check_chain_id(rpc: _Rpc, anchor: Anchor) -> tuple[bool, str]:
    chain_id = _quantity(rpc.call("eth_chainId"))
    if chain_id != anchor.chain_id:
        return False, f"the node is on chain {chain_id}, the receipt says {anchor.chain_id}"
    return True, f"chain {chain_id}"


def _check_transaction(rpc: _Rpc, anchor: Anchor) -> tuple[bool, str]:
    tx = _transaction_receipt(rpc, anchor)
    problems = []
    if _quantity(tx["status"]) != 1:
        problems.append("it failed (status 0)")
    to = (tx.get("to") or "").lower()
    if to != anchor.contract:
        problems.append(f"it was sent to {to or 'no address'}, not to {anchor.contract}")
    if _quantity(tx["blockNumber"]) != anchor.block_number:
        problems.append(f"it is in block {_quantity(tx['blockNumber'])}, not {anchor.block_number}")
    if str(tx["blockHash"]).lower() != anchor.block_hash:
        problems.append(
            f"its block hash is {str(tx['blockHash']).lower()}, not {anchor.block_hash}"
        )
    block = _block(rpc, anchor)
    if str(block["hash"]).lower() != anchor.block_hash:
        problems.append(
            f"block {anchor.block_number} of the node's chain is {str(block['hash']).lower()}, "
            f"not {anchor.block_hash}"
        )
    if problems:
        return False, f"transaction {anchor.tx_hash}: " + "; ".join(problems)
    return True, f"transaction {anchor.tx_hash} succeeded in block {anchor.block_number}"


def _check_anchored_root(
    rpc: _Rpc, envelope: Receipt | _Envelope, registry: Address
) -> tuple[bool, str]:
    """The registry's own anchoring event in the stated transaction: `BatchAnchored` (exact
    topic0) with the root, log size `tree_size` and the signer as notary; or for a tree of
    one leaf `DigestAnchored` with the root and the signer. The registry accepted the event's
    batch only from an active NOTARY member, so the event proves the signer was one; no other
    log (any contract's, or the registry's `ItemSuperseded`) can satisfy this."""
    anchor, root = envelope.anchor, envelope.root
    if envelope.signature is None:
        return False, "the receipt is not signed, so no notary can match the anchoring event"
    signer = envelope.signature.signer
    tx = _transaction_receipt(rpc, anchor)
    wanted_root, wanted_notary = "0x" + root, "0x" + "0" * 24 + signer[2:]
    seen: list[str] = []
    for position, log in enumerate(tx["logs"]):
        index = log.get("logIndex")
        where = f"log {_quantity(index) if index is not None else position}"
        if str(log["address"]).lower() != registry or log.get("removed"):
            continue
        topics = [str(topic).lower() for topic in log["topics"]]
        data = str(log["data"]).lower().removeprefix("0x")
        topic0 = topics[0] if topics else ""
        if topic0 == BATCH_ANCHORED_TOPIC and len(topics) == 4 and len(data) == 4 * 64:
            size = int(data[64:128], 16)
            problems = []
            if topics[1] != wanted_root:
                problems.append(f"anchors root {topics[1][2:]}, not {root}")
            if size != envelope.tree_size:
                problems.append(f"has log size {size}, not tree_size {envelope.tree_size}")
            if topics[3] != wanted_notary:
                problems.append(f"was sent by notary 0x{topics[3][-40:]}, not by signer {signer}")
            if not problems:
                return True, (
                    f"BatchAnchored {where} of registry {registry}: root {root}, log size "
                    f"{size}, notary {signer}"
                )
            seen.append(f"BatchAnchored {where} " + ", ".join(problems))
        elif topic0 == DIGEST_ANCHORED_TOPIC and len(topics) == 4 and not data:
            problems = []
            if envelope.tree_size != 1:
                problems.append(f"anchors one digest, not a tree of {envelope.tree_size}")
            if topics[1] != wanted_root:
                problems.append(f"anchors {topics[1][2:]}, not {root}")
            if topics[3] != wanted_notary:
                problems.append(f"was sent by notary 0x{topics[3][-40:]}, not by signer {signer}")
            if not problems:
                return (
                    True,
                    f"DigestAnchored {where} of registry {registry}: {root}, notary {signer}",
                )
            seen.append(f"DigestAnchored {where} " + ", ".join(problems))
        else:
            event = _OTHER_REGISTRY_EVENTS.get(topic0, f"an event with topic0 {topic0 or 'none'}")
            seen.append(f"{where} is {event}, which never anchors")
    found = "; ".join(seen) if seen else f"it holds no log of registry {registry}"
    return False, (
        f"transaction {anchor.tx_hash} has no BatchAnchored event of registry {registry} "
        f"for root {root} by notary {signer}: {found}"
    )


def _check_block_time(rpc: _Rpc, anchor: Anchor) -> tuple[bool, str]:
    block = _block(rpc, anchor)
    seconds = _quantity(block["timestamp"])
    block_time = format_timestamp(datetime.fromtimestamp(seconds, UTC))
    if block_time != anchor.block_time:
        return False, f"block {anchor.block_number} is from {block_time}, not {anchor.block_time}"
    return True, f"block {anchor.block_number} is from {block_time}"


def _transaction_receipt(rpc: _Rpc, anchor: Anchor) -> dict[str, Any]:
    tx = rpc.call("eth_getTransactionReceipt", anchor.tx_hash)
    if tx is None:
        raise _RpcFailure(f"transaction {anchor.tx_hash} is not on the node's chain")
    if not isinstance(tx, dict):
        raise TypeError(f"transaction receipt is {type(tx).__name__}")
    return tx


def _block(rpc: _Rpc, anchor: Anchor) -> dict[str, Any]:
    block = rpc.call("eth_getBlockByNumber", hex(anchor.block_number), False)
    if block is None:
        raise _RpcFailure(f"block {anchor.block_number} is not on the node's chain")
    if not isinstance(block, dict):
        raise TypeError(f"block is {type(block).__name__}")
    return block


def _quantity(value: object) -> int:
    """A JSON-RPC quantity ("0x1a") as an int."""
    if not isinstance(value, str) or not value.lower().startswith("0x"):
        raise ValueError(f"{value!r} is not a hex quantity")
    return int(value, 16)


# ------------------------------------------------------------------ reading and validation


def _receipt_object(data: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    parsed: object = data
    if isinstance(data, str | bytes | bytearray):
        try:
            parsed = parse_json(data)
        except FormatError as exc:
            raise ReceiptError(f"receipt: {exc}") from exc
    if not isinstance(parsed, Mapping):
        raise ReceiptError(f"a receipt must be a JSON object, got {type(parsed).__name__}")
    if "version" not in parsed and set(parsed) & {"receipt", "data", "result"}:
        # An API answer or other wrapper: v1 defines no envelope, and unwrapping one would make
        # two files read as the same receipt.
        raise ReceiptError(
            f"receipt: an object of {sorted(parsed)} wraps something; a receipt file is the "
            "receipt object itself (version, record, ...), with no envelope"
        )
    return parsed


def _read_envelope(obj: Mapping[str, Any]) -> _Envelope:
    """Validate everything but the record, strictly (stored spellings only)."""
    version = obj.get("version")
    if not _is_int(version) or version != RECEIPT_VERSION:
        raise ReceiptError(f"unsupported receipt version {version!r}; this reads version 1")
    _exact_members("receipt", obj, _RECEIPT_FIELDS, optional={"signature"})
    audit_path = obj["audit_path"]
    for i, item in enumerate(audit_path):
        if not isinstance(item, str):
            raise ReceiptError(f"audit_path[{i}]: {item!r} is not a hex string")
    anchor = _strict(
        "anchor", obj["anchor"], _ANCHOR_FIELDS, lambda o: Anchor(**o), Anchor.to_object
    )
    signature = None
    if "signature" in obj:
        signature = _strict(
            "signature",
            obj["signature"],
            _SIGNATURE_FIELDS,
            lambda o: ReceiptSignature(**o),
            ReceiptSignature.to_object,
        )
    envelope = _Envelope(
        leaf_index=obj["leaf_index"],
        tree_size=obj["tree_size"],
        audit_path=tuple(audit_path),
        root=obj["root"],
        anchor=anchor,
        signature=signature,
    )
    stored = _envelope_object(envelope)
    for name in ("audit_path", "root"):
        if obj[name] != stored[name]:
            raise ReceiptError(f"{name}: {obj[name]!r} is not in its stored form {stored[name]!r}")
    return envelope


def _validate_envelope(target: Receipt | _Envelope) -> None:
    """Check and normalize the members every receipt has, in place (frozen dataclasses)."""
    if not _is_int(target.version) or target.version != RECEIPT_VERSION:
        raise ReceiptError(f"unsupported receipt version {target.version!r}")
    _positive_int("leaf_index", target.leaf_index, minimum=0)
    _positive_int("tree_size", target.tree_size, minimum=1)
    if isinstance(target.audit_path, str | bytes) or not isinstance(target.audit_path, Sequence):
        raise ReceiptError(f"audit_path: {target.audit_path!r} is not a list of hashes")
    path = []
    for i, item in enumerate(target.audit_path):
        with _field(f"audit_path[{i}]"):
            path.append(parse_digest(item))
    object.__setattr__(target, "audit_path", tuple(path))
    with _field("root"):
        object.__setattr__(target, "root", parse_digest(target.root))
    if not isinstance(target.anchor, Anchor):
        raise ReceiptError(f"anchor: {type(target.anchor).__name__} is not an Anchor")
    if target.signature is not None and not isinstance(target.signature, ReceiptSignature):
        raise ReceiptError(f"signature: {type(target.signature).__name__} is not a signature")


def _envelope_object(envelope: Receipt | _Envelope) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "version": envelope.version,
        "leaf_index": envelope.leaf_index,
        "tree_size": envelope.tree_size,
        "audit_path": list(envelope.audit_path),
        "root": envelope.root,
        "anchor": envelope.anchor.to_object(),
    }
    if envelope.signature is not None:
        obj["signature"] = envelope.signature.to_object()
    return obj


def _signing_payload(obj: Mapping[str, Any]) -> bytes:
    return canonicalize({key: value for key, value in obj.items() if key != "signature"})


def _strict(
    where: str,
    value: object,
    members: Mapping[str, type],
    build: Callable[[dict[str, Any]], T],
    unbuild: Callable[[T], dict[str, Any]],
) -> T:
    """Build an object from a JSON object holding exactly `members`, in stored form only."""
    if not isinstance(value, Mapping):
        raise ReceiptError(f"{where}: {value!r} is not a JSON object")
    _exact_members(where, value, members)
    built = build(dict(value))
    stored = unbuild(built)
    for name in members:
        if value[name] != stored[name]:
            raise ReceiptError(
                f"{where}.{name}: {value[name]!r} is not in its stored form {stored[name]!r}"
            )
    return built


def _exact_members(
    where: str,
    obj: Mapping[str, Any],
    members: Mapping[str, type],
    optional: frozenset[str] | set[str] = frozenset(),
) -> None:
    for name in members:
        if name not in obj and name not in optional:
            raise ReceiptError(f"{where} is missing member {name!r}")
    for name in obj:
        if name not in members:
            raise ReceiptError(f"{where} has unknown member {name!r}")
    for name, kind in members.items():
        if name in obj and (not isinstance(obj[name], kind) or isinstance(obj[name], bool)):
            raise ReceiptError(f"{where}.{name}: {obj[name]!r} has the wrong JSON type")


def _positive_int(name: str, value: object, *, minimum: int) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool)) or not (
        minimum <= value <= MAX_SAFE_INTEGER
    ):
        raise ReceiptError(f"{name}: {value!r} is not an integer from {minimum} to 2**53 - 1")


def _hash32(name: str, value: object) -> str:
    if not isinstance(value, str) or _HASH32.fullmatch(value) is None:
        raise ReceiptError(f"{name}: {value!r} is not a 32-byte hash in 0x hex")
    return value.lower()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@contextmanager
def _field(name: str) -> Iterator[None]:
    """Turn a `FormatError` raised inside into a `ReceiptError` naming the member."""
    try:
        yield
    except FormatError as exc:
        raise ReceiptError(f"{name}: {exc}") from exc
