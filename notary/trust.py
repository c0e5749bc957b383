"""The trust root: what pins a consortium for a verifier (chain id, Consortium and
EvidenceRegistry addresses), and its file, ``consortium.json`` (docs/receipt.md).

A receipt names the contract that anchored it; anyone can deploy a contract, so a receipt
alone cannot say whose it is. The trust root is what a court is told once and checks forever
(as a certificate-transparency log is identified by its key): a receipt verifies only against
the pinned registry's own `BatchAnchored` event. Pure: no web3, no database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notary.errors import FormatError, TrustRootError
from notary.records import (
    MAX_SAFE_INTEGER,
    Address,
    Timestamp,
    normalize_address,
    parse_json,
    parse_timestamp,
)

TRUST_FORMAT = "autoledger-trust-root"
"""The `format` member of a trust file."""

TRUST_VERSION = 1
"""The trust file layout this module writes and reads."""

MAX_TRUST_FILE = 1 << 20
"""Bytes read from a trust file: a consortium's file is a few kilobytes even with hundreds of
notaries, and the bound keeps a hostile file from filling memory."""


@dataclass(frozen=True, kw_only=True)
class TrustedNotary:
    """A consortium member holding the NOTARY role when the trust file was exported."""

    member_id: int
    name: str
    address: Address

    def to_object(self) -> dict[str, Any]:
        """The notary as a JSON object."""
        return {"member_id": self.member_id, "name": self.name, "address": self.address}


@dataclass(frozen=True, kw_only=True)
class TrustRoot:
    """The pinned consortium: `registry` is the EvidenceRegistry whose `BatchAnchored` events
    are the only anchors a receipt may name.

    `chain_id` None means "the chain of the node asked" (a bare `--registry ADDRESS`);
    `consortium` and the blocks are None when unknown; `notaries` are the NOTARY members at
    export time (a bundle's manifest must be signed by one). Addresses are stored lowercase.
    Raises `TrustRootError` naming the field.
    """

    registry: Address
    chain_id: int | None = None
    consortium: Address | None = None
    registry_block: int | None = None
    consortium_block: int | None = None
    notaries: tuple[TrustedNotary, ...] = ()
    exported_at: Timestamp | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "registry", _address("evidence_registry.address", self.registry))
        if self.consortium is not None:
            object.__setattr__(self, "consortium", _address("consortium.address", self.consortium))
        for name in ("chain_id", "registry_block", "consortium_block"):
            value = getattr(self, name)
            if value is not None:
                _integer(name, value, minimum=1 if name == "chain_id" else 0)
        notaries = []
        for i, notary in enumerate(self.notaries):
            if not isinstance(notary, TrustedNotary):
                raise TrustRootError(f"notaries[{i}]: {notary!r} is not a TrustedNotary")
            _integer(f"notaries[{i}].member_id", notary.member_id, minimum=1)
            if not isinstance(notary.name, str):
                raise TrustRootError(f"notaries[{i}].name: {notary.name!r} is not a string")
            address = _address(f"notaries[{i}].address", notary.address)
            notaries.append(
                TrustedNotary(member_id=notary.member_id, name=notary.name, address=address)
            )
        object.__setattr__(self, "notaries", tuple(notaries))
        if self.exported_at is not None:
            try:
                parse_timestamp(self.exported_at)
            except FormatError as exc:
                raise TrustRootError(f"exported_at: {exc}") from exc

    @classmethod
    def for_registry(cls, registry: str, *, chain_id: int | None = None) -> TrustRoot:
        """A trust root pinning only the registry at `registry` (any valid spelling)."""
        return cls(registry=Address(registry), chain_id=chain_id)

    @property
    def notary_addresses(self) -> frozenset[Address]:
        """The addresses of `notaries`."""
        return frozenset(notary.address for notary in self.notaries)

    def to_object(self) -> dict[str, Any]:
        """The trust root as the JSON object of a trust file."""
        if self.chain_id is None or self.consortium is None:
            raise TrustRootError("a trust file needs the chain id and the Consortium address")
        return {
            "format": TRUST_FORMAT,
            "version": TRUST_VERSION,
            "chain_id": self.chain_id,
            "consortium": {"address": self.consortium, "block": self.consortium_block},
            "evidence_registry": {"address": self.registry, "block": self.registry_block},
            "notaries": [notary.to_object() for notary in self.notaries],
            "exported_at": self.exported_at,
        }

    def to_json(self) -> str:
        """The trust file's text: indented JSON ending with a newline."""
        return json.dumps(self.to_object(), indent=2, ensure_ascii=False) + "\n"

    def describe(self) -> str:
        """One line naming what is pinned, for reports."""
        chain = f"chain {self.chain_id}" if self.chain_id is not None else "the node's chain"
        return f"EvidenceRegistry {self.registry} on {chain}"

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> TrustRoot:
        """Read a trust file strictly: its format and version, every member, no others,
        no duplicate names. Raises `TrustRootError` naming the member."""
        obj: object = data
        if isinstance(data, str | bytes | bytearray):
            try:
                obj = parse_json(data)
            except FormatError as exc:
                raise TrustRootError(f"trust file: {exc}") from exc
        if not isinstance(obj, Mapping):
            raise TrustRootError(f"a trust file is a JSON object, got {type(obj).__name__}")
        if obj.get("format") != TRUST_FORMAT or obj.get("version") != TRUST_VERSION:
            raise TrustRootError(
                f"not an {TRUST_FORMAT} version {TRUST_VERSION} file "
                f"(format {obj.get('format')!r}, version {obj.get('version')!r})"
            )
        _members("trust file", obj, _TRUST_MEMBERS)
        contracts = {}
        for name in ("consortium", "evidence_registry"):
            entry = obj[name]
            if not isinstance(entry, Mapping):
                raise TrustRootError(f"{name}: {entry!r} is not a JSON object")
            _members(name, entry, {"address", "block"})
            contracts[name] = entry
        notaries = obj["notaries"]
        if not isinstance(notaries, list):
            raise TrustRootError(f"notaries: {notaries!r} is not a list")
        read = []
        for i, entry in enumerate(notaries):
            if not isinstance(entry, Mapping):
                raise TrustRootError(f"notaries[{i}]: {entry!r} is not a JSON object")
            _members(f"notaries[{i}]", entry, {"member_id", "name", "address"})
            read.append(
                TrustedNotary(
                    member_id=entry["member_id"], name=entry["name"], address=entry["address"]
                )
            )
        root = cls(
            chain_id=obj["chain_id"],
            consortium=contracts["consortium"]["address"],
            consortium_block=contracts["consortium"]["block"],
            registry=contracts["evidence_registry"]["address"],
            registry_block=contracts["evidence_registry"]["block"],
            notaries=tuple(read),
            exported_at=obj["exported_at"],
        )
        if root.chain_id is None or root.consortium is None:
            raise TrustRootError("a trust file names its chain id and Consortium address")
        return root

    @classmethod
    def from_file(cls, path: Path) -> TrustRoot:
        """Read the trust file at `path`; raises `TrustRootError` naming the file."""
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_TRUST_FILE + 1)
        except OSError as exc:
            raise TrustRootError(f"cannot read trust file {path}: {exc.strerror}") from exc
        if len(data) > MAX_TRUST_FILE:
            raise TrustRootError(f"trust file {path} exceeds {MAX_TRUST_FILE} bytes")
        try:
            return cls.from_json(data)
        except TrustRootError as exc:
            raise TrustRootError(f"{path}: {exc}") from exc


_TRUST_MEMBERS = {
    "format",
    "version",
    "chain_id",
    "consortium",
    "evidence_registry",
    "notaries",
    "exported_at",
}


def _members(where: str, obj: Mapping[str, Any], members: set[str]) -> None:
    for name in sorted(members):
        if name not in obj:
            raise TrustRootError(f"{where} is missing member {name!r}")
    for name in obj:
        if name not in members:
            raise TrustRootError(f"{where} has unknown member {name!r}")


def _address(where: str, value: object) -> Address:
    try:
        return normalize_address(value)  # type: ignore[arg-type]
    except FormatError as exc:
        raise TrustRootError(f"{where}: {exc}") from exc


def _integer(where: str, value: object, *, minimum: int) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool)) or not (
        minimum <= value <= MAX_SAFE_INTEGER
    ):
        raise TrustRootError(f"{where}: {value!r} is not an integer from {minimum} to 2**53 - 1")
