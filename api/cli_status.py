"""What the command line says about a running service: the start banner and `status`.

Plain lines (no table, no wrapping), so that a key or URL copied from a terminal or a log is
whole. Kept apart from `api.cli` so the banner can be read (and tested) on its own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLE_PAGES: tuple[tuple[str, str], ...] = (
    ("lender", "/lender"),
    ("lender: claims and clearing", "/lender/clearing"),
    ("dealer", "/dealer"),
    ("collection agency, legal team", "/evidence"),
    ("regulator", "/oversight"),
    ("every member", "/members"),
)
"""The page each role starts from (docs/pages.md lists every page)."""

HEALTH_TIMEOUT = 5.0
"""Seconds `status` waits for `/v1/health`: it answers from memory in milliseconds."""


@dataclass(frozen=True, kw_only=True)
class DemoKey:
    """A demo member's API key as printed and kept in `var/demo-keys.txt`."""

    member_id: int
    name: str
    roles: str
    address: str
    token: str


def service_lines(url: str) -> list[str]:
    """Where to go once the service listens at `url`: sign-in, role pages, API docs, health."""
    width = max(len(role) for role, _ in ROLE_PAGES)
    lines = [
        f"AutoLedger serving at {url}",
        f"  {'sign in (paste an API key)':<{width}}  {url}/sign-in",
    ]
    lines += [f"  {role:<{width}}  {url}{path}" for role, path in ROLE_PAGES]
    lines += [
        f"  {'API docs (Swagger UI)':<{width}}  {url}/v1/docs",
        f"  {'API docs (ReDoc)':<{width}}  {url}/v1/redoc",
        f"  {'health':<{width}}  {url}/v1/health",
    ]
    return lines


def demo_key_lines(keys: Sequence[DemoKey], path: Path) -> list[str]:
    """The demo keys, one member a line, the key first (copy it whole), then the file."""
    lines = [f"Demo API keys, one member a line (kept in {path}):"]
    lines += [f"  {k.token}  member {k.member_id}: {k.name} ({k.roles})" for k in keys]
    return lines


def later_start_line(path: Path) -> str:
    """What a later start says about the demo keys."""
    if path.is_file():
        return (
            f"Demo API keys: in {path} (made on the first start; `autoledger demo` makes new ones)"
        )
    return "Demo API keys: none kept here; `autoledger demo` makes one per member"


def write_demo_keys(keys: Sequence[DemoKey], path: Path) -> None:
    """Keep the keys in `path` (tab-separated, readable by its owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{k.member_id}\t{k.name}\t{k.roles}\t{k.address}\t{k.token}" for k in keys]
    path.write_text("id\tmember\troles\taddress\tapi_key\n" + "\n".join(rows) + "\n")
    path.chmod(0o600)


class HealthUnavailable(Exception):
    """`/v1/health` did not answer with JSON (the message says what happened)."""


def fetch_health(url: str) -> tuple[int, dict[str, Any]]:
    """GET `url`/v1/health: its HTTP status and body. Raises `HealthUnavailable`."""
    try:
        with urllib.request.urlopen(f"{url}/v1/health", timeout=HEALTH_TIMEOUT) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:  # 503: degraded, still a health document
        try:
            return exc.code, json.loads(exc.read())
        except ValueError as bad:
            raise HealthUnavailable(f"{url}/v1/health answered {exc.code}") from bad
    except (OSError, ValueError) as exc:
        raise HealthUnavailable(f"{url}/v1/health does not answer: {exc}") from exc


def status_lines(url: str, health: dict[str, Any], *, var_dir: Path) -> list[str]:
    """`autoledger status`: the health document in lines, then where to go."""
    chain = health.get("chain", {})
    database = health.get("database", {})
    lines = [f"status    {health.get('status', '?')} (version {health.get('version', '?')})"]
    if "error" in chain:
        lines.append(f"node      {chain.get('rpc_url', '?')}: {chain['error']}")
    else:
        lines.append(
            f"node      {chain.get('node', '?')} at {chain.get('rpc_url', '?')}, chain id"
            f" {chain.get('chain_id', '?')}, latest block {chain.get('latest_block', '?')}"
        )
    lines.append(
        f"database  {database.get('backend', '?')}"
        + ("" if database.get("ok") else f" (error: {database.get('error', '?')})")
    )
    lines.append(f"var       {var_dir.resolve()}")
    return lines + service_lines(url)
