"""Key material: keystores decrypt with the right password only; dev keys are anvil's."""

from __future__ import annotations

import pytest
from eth_account import Account

from ledger.errors import KeyMaterialError
from ledger.keys import (
    DEV_ACCOUNT_COUNT,
    DEV_MNEMONIC,
    dev_account,
    dev_key,
    load_keystore,
    write_keystore,
)


def test_dev_account_zero_is_anvils_first_account():
    assert dev_account(0).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(KeyMaterialError, match="0..9"):
        dev_account(10)


def test_written_out_dev_keys_are_the_mnemonics_derivation():
    Account.enable_unaudited_hdwallet_features()
    for index in range(DEV_ACCOUNT_COUNT):
        derived = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
        assert dev_key(index) == bytes(derived.key), index
        assert dev_account(index).address == derived.address
    with pytest.raises(KeyMaterialError, match="0..9"):
        dev_key(-1)


def test_keystore_round_trip_and_wrong_password(tmp_path):
    account = Account.create()
    path = tmp_path / "operator.json"
    write_keystore(account, path, "correct horse")
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_keystore(path, "correct horse").address == account.address
    with pytest.raises(KeyMaterialError) as caught:
        load_keystore(path, "wrong")
    assert "wrong password" in str(caught.value)
    assert "correct horse" not in str(caught.value) and account.key.hex() not in str(caught.value)


def test_missing_or_damaged_keystore(tmp_path):
    with pytest.raises(KeyMaterialError, match="does not exist"):
        load_keystore(tmp_path / "nope.json", "x")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(KeyMaterialError, match="not readable JSON"):
        load_keystore(tmp_path / "bad.json", "x")
