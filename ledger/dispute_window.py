"""How long a debtor may dispute a confirmed claim (the Clearing contract's constructor
argument). Its own module, free of imports, so the settings can name it without loading web3."""

from __future__ import annotations

DEFAULT_DISPUTE_WINDOW = 3 * 24 * 3600
"""Seconds a debtor has to dispute a confirmed claim before it becomes final: three days
covers a weekend plus a working day."""

MAX_DISPUTE_WINDOW = 90 * 24 * 3600
"""The Clearing contract's `MAX_DISPUTE_WINDOW`: its constructor refuses a longer window."""
