"""Settings from AUTOLEDGER_* variables and files, with clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings, load_settings, project_root


def test_embedded_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the checkout's var/, whatever the current folder
    settings = Settings()
    assert settings.embedded_node and settings.dev_mode
    assert settings.var_dir == project_root() / "var"
    assert (
        settings.effective_database_url == f"sqlite:///{project_root() / 'var' / 'autoledger.db'}"
    )
    assert settings.finality_depth == 0 and settings.evm_version == "paris"
    assert (settings.sources_dir / "Consortium.sol").is_file()


def test_environment_variables(monkeypatch, tmp_path):
    keystore = tmp_path / "k.json"
    monkeypatch.setenv("AUTOLEDGER_RPC_URL", "http://node:8545")
    monkeypatch.setenv("AUTOLEDGER_FINALITY_DEPTH", "12")
    monkeypatch.setenv("AUTOLEDGER_GAS_PRICE", "0")
    monkeypatch.setenv("AUTOLEDGER_KEYSTORE", str(keystore))
    monkeypatch.setenv("AUTOLEDGER_KEYSTORE_PASSWORD", "s3cret")
    monkeypatch.setenv("AUTOLEDGER_DATABASE_URL", "postgresql+psycopg://db/autoledger")
    monkeypatch.setenv("AUTOLEDGER_MASTER_KEY", "ab" * 32)
    settings = Settings()
    assert settings.master_key_bytes() == b"\xab" * 32
    assert not settings.embedded_node and not settings.dev_mode
    assert settings.finality_depth == 12 and settings.gas_price == 0
    assert settings.effective_database_url == "postgresql+psycopg://db/autoledger"
    assert "s3cret" not in repr(settings)


def test_settings_file(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOLEDGER_RPC_URL", raising=False)
    env = tmp_path / "autoledger.env"
    env.write_text("AUTOLEDGER_PORT=9100\nAUTOLEDGER_FINALITY_DEPTH=2\n")
    settings = load_settings(env)
    assert settings.port == 9100 and settings.finality_depth == 2


def test_production_needs_a_keystore(monkeypatch):
    monkeypatch.setenv("AUTOLEDGER_RPC_URL", "http://node:8545")
    with pytest.raises(ValidationError, match="AUTOLEDGER_KEYSTORE is required"):
        Settings()


def test_production_needs_a_master_key_of_32_bytes(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOLEDGER_RPC_URL", "http://node:8545")
    monkeypatch.setenv("AUTOLEDGER_KEYSTORE", str(tmp_path / "k.json"))
    monkeypatch.setenv("AUTOLEDGER_KEYSTORE_PASSWORD", "pw")
    with pytest.raises(ValidationError, match="AUTOLEDGER_MASTER_KEY .*is required"):
        Settings()
    monkeypatch.setenv("AUTOLEDGER_MASTER_KEY", "abc")
    with pytest.raises(ValidationError, match="must be 64 hex characters"):
        Settings()


def test_dev_master_key_is_created_once(tmp_path):
    settings = Settings(var_dir=tmp_path)
    first = settings.master_key_bytes()
    assert len(first) == 32 and settings.master_key_bytes() == first
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600


def test_bad_values_name_the_setting(monkeypatch):
    monkeypatch.setenv("AUTOLEDGER_FINALITY_DEPTH", "-1")
    with pytest.raises(ValidationError, match="finality_depth"):
        Settings()


def test_the_dispute_window_is_bounded_as_the_clearing_contract_bounds_it(monkeypatch):
    assert Settings().dispute_window == 3 * 24 * 3600
    monkeypatch.setenv("AUTOLEDGER_DISPUTE_WINDOW", "5")
    assert Settings().dispute_window == 5
    for refused in ("0", str(90 * 24 * 3600 + 1)):
        monkeypatch.setenv("AUTOLEDGER_DISPUTE_WINDOW", refused)
        with pytest.raises(ValidationError, match="dispute_window"):
            Settings()
