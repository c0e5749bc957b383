"""Exceptions raised by `ledger`.

LedgerError
├── CompileError              solc rejected a source; `.problems` holds "file:line: message"
├── CompilerUnavailable       neither a native solc nor solc-js of the pinned version found
├── NodeError                 the embedded anvil node failed to start or answer
├── ChainUnavailable          the JSON-RPC endpoint does not answer
├── KeyMaterialError          a signing key could not be loaded (never carries the secret)
├── SignatureMalformed        not a secp256k1 signature in its one spelling (v 27/28, low s)
├── DeploymentError
│   ├── DeploymentMissing     a recorded deployment is not on the chain
│   └── DeploymentOutdated    the code changed while the old deployment holds data
└── TransactionError
    ├── TransactionReverted   the EVM reverted; `.error` / `.args` name the custom error
    ├── TransactionDropped    a mined transaction vanished (reorg) and did not come back
    └── TransactionTimeout    no receipt, or not final, within the allowed time

Refused                       a request the consortium's rules refuse; raised by the service
│                             layers of every package (`ledger`, `notary`, `clearing`,
│                             `oversight`), which all sit on `ledger`; `.status` is the 4xx the
│                             API answers with, `.detail` the reason shown to the caller
├── Forbidden                 the caller is known but may not do this (403)
├── NotFound                  no such object, or not one the caller may see (404)
├── Conflict                  the request clashes with the current state (409)
└── Unprocessable             well-formed, but names something that cannot be used (422)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class LedgerError(Exception):
    """Base of every error raised by `ledger`."""


class CompileError(LedgerError):
    """solc reported errors; each entry of `problems` reads ``file:line: message``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("compile failed:\n" + "\n".join(self.problems))


class CompilerUnavailable(LedgerError):
    """No solc of the pinned version could be found or installed."""


class SignatureMalformed(LedgerError):
    """A signature is not 65 bytes r || s || v with v 27/28 (or 0/1) and s in the lower half
    of the curve order; the message says which."""


class NodeError(LedgerError):
    """The embedded anvil node could not be started, reached or stopped."""


class ChainUnavailable(LedgerError):
    """The JSON-RPC endpoint did not answer."""


class KeyMaterialError(LedgerError):
    """A signing key could not be loaded (missing keystore, wrong password...)."""


class DeploymentError(LedgerError):
    """A deployment could not be made or reused."""


class DeploymentMissing(DeploymentError):
    """A deployment recorded for this chain id has no code on the chain."""


class DeploymentOutdated(DeploymentError):
    """The compiled code differs from the deployed one and the deployment holds data."""


class TransactionError(LedgerError):
    """A transaction could not be sent or confirmed."""


class TransactionReverted(TransactionError):
    """The EVM reverted. `error` is the custom error's name (or ``Error``/``Panic``)."""

    def __init__(
        self,
        error: str,
        args: dict[str, Any],
        *,
        tx_hash: str | None = None,
        raw: str | None = None,
    ) -> None:
        self.error = error
        self.args_ = args
        self.tx_hash = tx_hash
        self.raw = raw
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        where = f" (tx {tx_hash})" if tx_hash else ""
        super().__init__(f"reverted with {error}({shown}){where}")

    @property
    def arguments(self) -> dict[str, Any]:
        """The custom error's decoded arguments, by parameter name."""
        return self.args_


class TransactionDropped(TransactionError):
    """A transaction that had been mined is no longer in the canonical chain."""


class NonceConsumed(TransactionError):
    """The node refused a signed transaction's nonce as used: it can never be mined."""


class TransactionTimeout(TransactionError):
    """The transaction was not mined, or not final, in time."""


class Refused(Exception):
    """Base of the refusals of the service layers; `status` is the HTTP status it maps to.

    Not a `LedgerError`: a refusal is the caller's mistake, not a failure of the chain."""

    status = 400

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class Forbidden(Refused):
    """The caller is known but may not do this."""

    status = 403


class NotFound(Refused):
    """No such object, or one the caller may not see (never revealed to exist)."""

    status = 404


class Conflict(Refused):
    """The request cannot be carried out in the current state."""

    status = 409


class Unprocessable(Refused):
    """The request is well-formed but names something that cannot be used."""

    status = 422


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if isinstance(value, str) else str(value)
