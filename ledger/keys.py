"""Signing keys: an encrypted eth-account keystore in production, anvil's accounts in dev mode."""

from __future__ import annotations

import json
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.errors import KeyMaterialError

DEV_MNEMONIC = "test test test test test test test test test test test junk"
"""The mnemonic anvil funds its default accounts from: public, for local chains only."""

DEV_ACCOUNT_COUNT = 10
"""anvil funds this many accounts by default."""


def dev_account(index: int) -> LocalAccount:
    """Anvil's well-known funded account number `index` (dev mode and tests only)."""
    if not 0 <= index < DEV_ACCOUNT_COUNT:
        raise KeyMaterialError(f"dev account index must be 0..{DEV_ACCOUNT_COUNT - 1}, got {index}")
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(
        DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}"
    )
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
    document = Account.encrypt(account.key, password, kdf="scrypt", iterations=work_factor)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    path.chmod(0o600)
