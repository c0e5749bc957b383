"""`autoledger demo`, `apikey` and `consortium` commands against a real chain and database."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app
from ledger.keys import dev_account

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_admits_every_member_once_and_prints_keys(cli_env):
    _run("demo")
    keys = (cli_env / "var" / "demo-keys.txt").read_text().splitlines()[1:]
    assert len(keys) == 11
    assert oct((cli_env / "var" / "demo-keys.txt").stat().st_mode & 0o777) == "0o600"
    rows = [line.split("\t") for line in keys]
    assert sum("LENDER" in r[2] for r in rows) == 2
    assert sum(r[2] == "DEALER" for r in rows) == 3
    for role in ("COLLECTOR", "LEGAL", "REGULATOR", "NOTARY", "SETTLEMENT_BANK"):
        assert sum(r[2] == role for r in rows) == 1, role
    assert all(r[4].startswith("al_") for r in rows)
    assert len({r[3] for r in rows}) == 11, "each member has its own key"
    _run("demo")
    members = _run("consortium", "members")
    assert members.count("Sunrise Motors") == 1, "running the demo again admits nobody twice"


def test_apikey_create_list_revoke(cli_env):
    token = _run("apikey", "create", "1", "--label", "ops").strip().splitlines()[-1]
    assert token.startswith("al_")
    key_id = token.split("_")[1]
    listed = _run("apikey", "list", "--member", "1")
    assert key_id in listed and token not in listed
    assert f"revoked {key_id} of member 1" in _run("apikey", "revoke", key_id)
    missing = runner.invoke(app, ["apikey", "revoke", "nope"])
    assert missing.exit_code == 1 and "no API key 'nope'" in missing.output


def test_governance_from_the_command_line(cli_env):
    newcomer = dev_account(7).address
    proposed = _run(
        "consortium",
        "propose",
        "admit",
        "--address",
        newcomer,
        "--name",
        "Delta Leasing",
        "--role",
        "LENDER",
    )
    number = proposed.split()[1].rstrip(":")
    assert f"proposal {number}: 1 of 1 approvals" in proposed
    assert f"proposal {number} executed" in _run("consortium", "execute", number)
    shown = _run("consortium", "show", newcomer)
    assert "Delta Leasing" in shown and "active" in shown and "LENDER" in shown
    again = runner.invoke(app, ["consortium", "execute", number])
    assert again.exit_code == 1
    assert "ConsortiumProposalAlreadyExecuted" in again.output
    incomplete = runner.invoke(app, ["consortium", "propose", "admit", "--address", newcomer])
    assert incomplete.exit_code == 2 and "needs --name" in incomplete.output
    stranger = runner.invoke(app, ["consortium", "vote", number, "--as", dev_account(7).address])
    assert stranger.exit_code == 1 and "does not hold the key" in stranger.output
