"""Signing keys: an encrypted eth-account keystore in production, anvil's accounts in dev mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import KeyMaterialError

if TYPE_CHECKING:  # eth-account is imported where an account is made: a CLI that only
    # needs the dev key's bytes starts without it
    from eth_account.signers.local import LocalAccount

DEV_MNEMONIC = "test test test test test test test test test test test junk"
"""The mnemonic anvil funds its default accounts from: public, for local chains only."""

DEV_ACCOUNT_COUNT = 10
"""anvil funds this many accounts by default."""

DEV_KEYS = (
    "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)
"""The private keys `DEV_MNEMONIC` derives at m/44'/60'/0'/0/0..9, as anvil prints them
(`tests/ledger/test_keys.py` derives them again): written out, because the HD derivation needs
eth-account's import (a quarter of a second) and a CLI that prints a receipt needs only key 0."""


def dev_key(index: int) -> bytes:
    """The private key of anvil's well-known funded account number `index` (dev and tests)."""
    if not 0 <= index < DEV_ACCOUNT_COUNT:
        raise KeyMaterialError(f"dev account index must be 0..{DEV_ACCOUNT_COUNT - 1}, got {index}")
    return bytes.fromhex(DEV_KEYS[index])


def dev_account(index: int) -> LocalAccount:
    """Anvil's well-known funded account number `index` (dev mode and tests only)."""
    from eth_account import Account

    account: LocalAccount = Account.from_key(dev_key(index))
    return account


def load_keystore(path: Path, password: str) -> LocalAccount:
    """Decrypt the eth-account keystore JSON at `path` with `password`.

    Raises `KeyMaterialError` naming the file, never the password or key.
    """
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise KeyMaterialError(f"keystore {path} does not exist") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise KeyMaterialError(f"keystore {path} is not readable JSON: {exc}") from exc
    from eth_account import Account

    try:
        key = Account.decrypt(document, password)
    except ValueError as exc:
        raise KeyMaterialError(f"keystore {path}: wrong password or damaged file") from exc
    account: LocalAccount = Account.from_key(key)
    return account


def write_keystore(
    account: LocalAccount, path: Path, password: str, *, work_factor: int | None = None
) -> None:
    """Encrypt `account` into a keystore JSON file at `path` (mode 0600).

    `work_factor` is scrypt's N (default eth-account's 2**18, about a second per key);
    dev keyrings use less so a demo of a dozen members starts quickly.
    """
    from eth_account import Account

    document = Account.encrypt(account.key, password, kdf="scrypt", iterations=work_factor)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    path.chmod(0o600)
