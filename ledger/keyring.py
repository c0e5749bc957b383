"""The member keys this service signs with, kept as encrypted keystores in one directory."""

from __future__ import annotations

import threading
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain import Address, checksum
from ledger.keys import load_keystore, write_keystore

DEV_WORK_FACTOR = 2**14
"""scrypt N for dev keyrings: fast enough for a demo of a dozen members, not for production."""


class Keyring:
    """Keys of the members this service acts for, one keystore file per address.

    In production each member runs its own service and the keyring holds that member's key
    only; the embedded demo holds every demo member's key. Keys are decrypted on first use
    and kept in memory.
    """

    def __init__(self, directory: Path, password: str, *, work_factor: int | None = None) -> None:
        self.directory = directory
        self._password = password
        self._work_factor = work_factor
        self._cache: dict[Address, LocalAccount] = {}
        self._lock = threading.Lock()

    def add(self, account: LocalAccount) -> Address:
        """Store `account` (encrypted); returns its address."""
        address = checksum(account.address)
        write_keystore(account, self._path(address), self._password, work_factor=self._work_factor)
        with self._lock:
            self._cache[address] = account
        return address

    def create(self) -> LocalAccount:
        """Make a new random key and store it."""
        account: LocalAccount = Account.create()
        self.add(account)
        return account

    def get(self, address: str) -> LocalAccount | None:
        """The key of `address`, or None when this service does not hold it.

        Raises `KeyMaterialError` when the keystore exists but cannot be decrypted.
        """
        wanted = checksum(address)
        with self._lock:
            if wanted in self._cache:
                return self._cache[wanted]
        path = self._path(wanted)
        if not path.is_file():
            return None
        account = load_keystore(path, self._password)
        with self._lock:
            self._cache[wanted] = account
        return account

    def addresses(self) -> list[Address]:
        """Every address whose key is held here."""
        if not self.directory.is_dir():
            return []
        return sorted(checksum(p.stem) for p in self.directory.glob("0x*.json"))

    def _path(self, address: Address) -> Path:
        return self.directory / f"{address}.json"
