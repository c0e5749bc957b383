"""Turn EVM revert data into the custom error's name and decoded arguments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from ledger.errors import TransactionReverted

_PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "bad storage byte array",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialized function",
}


def _type_of(param: dict[str, Any]) -> str:
    """The canonical ABI type of one parameter, expanding tuples."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_type_of(c) for c in param.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


class ErrorDecoder:
    """Knows the custom errors of a set of ABIs and decodes revert data against them."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]] = ()) -> None:
        self._known: dict[bytes, tuple[str, list[str], list[str]]] = {
            bytes.fromhex("08c379a0"): ("Error", ["string"], ["message"]),
            bytes.fromhex("4e487b71"): ("Panic", ["uint256"], ["code"]),
        }
        # Selectors are hashed on the first decode: a process that never sees a revert (a
        # command that only reads) does not pay a keccak per error of every contract.
        self._unread: list[list[dict[str, Any]]] = list(abis)

    @property
    def _errors(self) -> dict[bytes, tuple[str, list[str], list[str]]]:
        while self._unread:
            self._learn(self._unread.pop())
        return self._known

    def add(self, abi: list[dict[str, Any]]) -> None:
        """Learn the custom errors declared in `abi`."""
        self._unread.append(abi)

    def _learn(self, abi: list[dict[str, Any]]) -> None:
        for item in abi:
            if item.get("type") != "error":
                continue
            types = [_type_of(p) for p in item.get("inputs", [])]
            names = [p.get("name") or f"arg{i}" for i, p in enumerate(item.get("inputs", []))]
            selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
            self._known[selector] = (item["name"], types, names)

    def decode(self, data: bytes | str | None) -> tuple[str, dict[str, Any]]:
        """Name and arguments of the error in revert `data`.

        Unknown selectors come back as ``("UnknownError", {"selector": ..., "data": ...})``;
        an empty revert as ``("EmptyRevert", {})``.
        """
        raw = _as_bytes(data)
        if len(raw) < 4:
            return "EmptyRevert", {}
        known = self._errors.get(raw[:4])
        if known is None:
            return "UnknownError", {"selector": "0x" + raw[:4].hex(), "data": "0x" + raw.hex()}
        name, types, names = known
        try:
            values = abi_decode(types, raw[4:])
        except DecodingError:
            return name, {"data": "0x" + raw[4:].hex()}
        shown = [
            to_checksum_address(v) if kind == "address" else v
            for kind, v in zip(types, values, strict=True)
        ]
        args = dict(zip(names, shown, strict=True))
        if name == "Panic":
            args["reason"] = _PANIC_CODES.get(int(args["code"]), "unknown panic code")
        return name, args

    def reverted(
        self, data: bytes | str | None, *, tx_hash: str | None = None
    ) -> TransactionReverted:
        """A `TransactionReverted` for revert `data`, ready to raise."""
        name, args = self.decode(data)
        raw = _as_bytes(data)
        return TransactionReverted(name, args, tx_hash=tx_hash, raw="0x" + raw.hex())


def _as_bytes(data: bytes | str | None) -> bytes:
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    text = data[2:] if data.startswith("0x") else data
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""
