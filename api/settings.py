"""The one settings object, read from ``AUTOLEDGER_*`` environment variables (and a file)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.dispute_window import DEFAULT_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW


def project_root() -> Path:
    """The checkout this package runs from (where `node_modules` and `contracts` are)."""
    return Path(__file__).resolve().parents[1]


def default_var_dir() -> Path:
    """The checkout's own `var/` (the same folder whatever the current one), or `./var` where
    the package is installed outside a checkout."""
    root = project_root()
    return root / "var" if (root / "pyproject.toml").is_file() else Path("var")


DEV_KEYRING_PASSWORD = "autoledger-dev-keyring"
"""Public on purpose: dev keyrings hold keys of a local throwaway chain only."""


class Settings(BaseSettings):
    """Everything a deployment can configure. Unset values are the embedded defaults."""

    model_config = SettingsConfigDict(
        env_prefix="AUTOLEDGER_",
        env_file=None,
        extra="forbid",
    )

    rpc_url: str | None = Field(
        default=None, description="Chain node JSON-RPC URL; unset starts an embedded anvil"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means SQLite at var/autoledger.db"
    )
    var_dir: Path = Field(
        default_factory=default_var_dir,
        description="Where local state lives; unset means the checkout's var/",
    )
    node_modules: Path = Field(
        default_factory=lambda: project_root() / "node_modules",
        description="Where anvil, solc-js and OpenZeppelin are installed",
    )
    contracts_dir: Path | None = Field(default=None, description="Solidity sources (packaged)")
    build_dir: Path | None = Field(
        default=None, description="Compiler output cache; unset means var/build"
    )
    finality_depth: int = Field(default=0, ge=0, description="Blocks after which a tx is final")
    gas_price: int | None = Field(
        default=None, ge=0, description="Force legacy transactions at this price (0 on QBFT)"
    )
    block_time: int = Field(
        default=1,
        ge=0,
        le=60,
        description="Seconds between the embedded node's blocks; 0 mines each transaction at once",
    )
    evm_version: str = Field(default="paris")
    currency: str = Field(
        default="CNY",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of the lines' currency, named beside amounts on the pages",
    )
    time_zone: str = Field(
        default="Asia/Shanghai",
        description="IANA time zone the web pages show times in (exports and the API keep UTC)",
    )
    optimizer_runs: int = Field(default=200, ge=1)
    dev: bool | None = Field(
        default=None, description="Use anvil's well-known keys; default: on with embedded node"
    )
    keystore: Path | None = Field(default=None, description="eth-account keystore JSON file")
    trust_file: Path | None = Field(
        default=None,
        description="Trust root (consortium.json) `autoledger verify` pins when given no other",
    )
    keystore_password: SecretStr | None = Field(default=None)
    keyring_password: SecretStr | None = Field(
        default=None,
        description="Password of the member keys this service holds (var/keys); dev has one",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="64 hex characters wrapping evidence data keys; dev mode keeps one in var/",
    )
    batch_size: int = Field(default=10_000, ge=1, le=100_000, description="Items per anchor batch")
    batch_interval: float = Field(
        default=2.0, gt=0, description="Seconds an item waits for its batch to fill"
    )
    max_upload_bytes: int = Field(
        default=1 << 30, ge=1, description="Largest evidence file accepted by upload"
    )
    clearing_interval: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between scheduled clearing cycles (lenders can trigger one at once)",
    )
    dispute_window: int = Field(
        default=DEFAULT_DISPUTE_WINDOW,
        ge=1,
        le=MAX_DISPUTE_WINDOW,
        description=(
            "Seconds a debtor may dispute a confirmed claim before it is final; fixed when the"
            " Clearing contract is deployed (a change needs a new deployment)"
        ),
    )
    clearing_gridlock: bool = Field(
        default=True,
        description="When a net payer lacks funds, defer the fewest claims so the rest settle",
    )
    workers: bool = Field(default=True, description="Run the background workers in `serve`")
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @model_validator(mode="after")
    def _time_zone_is_known(self) -> Settings:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"AUTOLEDGER_TIME_ZONE {self.time_zone!r} is not an IANA time zone"
                " (e.g. Asia/Shanghai, UTC)"
            ) from exc
        return self

    @model_validator(mode="after")
    def _keys_are_configured(self) -> Settings:
        if not self.dev_mode and self.keystore is None:
            raise ValueError(
                "AUTOLEDGER_KEYSTORE is required when not in dev mode"
                " (set AUTOLEDGER_DEV=1 to use anvil's public test keys)"
            )
        if self.master_key is not None and not re.fullmatch(
            r"[0-9a-fA-F]{64}", self.master_key.get_secret_value().strip()
        ):
            raise ValueError("AUTOLEDGER_MASTER_KEY must be 64 hex characters (32 bytes)")
        if not self.dev_mode and self.master_key is None:
            raise ValueError(
                "AUTOLEDGER_MASTER_KEY (64 hex characters) is required when not in dev mode"
            )
        if self.keystore is not None and self.keystore_password is None:
            raise ValueError("AUTOLEDGER_KEYSTORE_PASSWORD is required with AUTOLEDGER_KEYSTORE")
        return self

    @property
    def dev_mode(self) -> bool:
        """Dev mode: the chain is local and anvil's public accounts may sign."""
        return self.rpc_url is None if self.dev is None else self.dev

    @property
    def keyring_secret(self) -> str | None:
        """The keyring password; dev mode falls back to a fixed, public one."""
        if self.keyring_password is not None:
            return self.keyring_password.get_secret_value()
        return DEV_KEYRING_PASSWORD if self.dev_mode else None

    def master_key_bytes(self) -> bytes:
        """The evidence master key: configured, or (dev mode) kept in var/master.key."""
        if self.master_key is not None:
            return bytes.fromhex(self.master_key.get_secret_value().strip())
        from notary.blobs import load_or_create_master_key

        return load_or_create_master_key(self.var_dir / "master.key")

    @property
    def embedded_node(self) -> bool:
        """Whether the service starts its own anvil."""
        return self.rpc_url is None

    @property
    def effective_database_url(self) -> str:
        """The database URL in use."""
        return self.database_url or f"sqlite:///{(self.var_dir / 'autoledger.db').resolve()}"

    @property
    def build_cache(self) -> Path:
        """Where compiled contracts are cached."""
        return self.build_dir or self.var_dir / "build"

    @property
    def sources_dir(self) -> Path:
        """The Solidity sources: configured, packaged in the wheel, or the checkout's."""
        if self.contracts_dir is not None:
            return self.contracts_dir
        packaged = Path(__file__).resolve().parents[1] / "ledger" / "_contracts"
        return packaged if packaged.is_dir() else project_root() / "contracts"


def load_settings(env_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, an optional `env_file`, then explicit `overrides`."""
    return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
