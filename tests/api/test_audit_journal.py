"""audit verify reports the journal: its counts, each rollback it saw and what was repaired;
a journaled transaction lost to a rollback is a discrepancy."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from ledger.journal import JournalKeeper
from ledger.models import JournalStatus
from oversight.audit import Auditor


def _roll_back(runtime: Runtime, action) -> None:
    provider = runtime.chain.w3.provider
    snapshot = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    action()
    keeper = JournalKeeper(journal=runtime.journal, chain=runtime.chain)
    keeper.settle()
    provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def test_a_repaired_rollback_is_reported_and_passes(runtime: Runtime):
    consortium = runtime.consortium
    _roll_back(runtime, lambda: consortium.propose_grant(runtime.operator.address, "LENDER"))
    keeper = JournalKeeper(journal=runtime.journal, chain=runtime.chain)
    for _ in range(20):
        keeper.settle()
        if not runtime.journal.open_entries():
            break

    report = Auditor.of(runtime).verify()

    assert report.ok, report.discrepancies
    (rollback,) = report.rollbacks
    assert rollback["reopened"] == 1 and rollback["final_again"] == 1 and rollback["lost"] == []
    assert any("rollback seen" in n and "1 final again" in n for n in report.notes)
    assert report.journal[JournalStatus.FINAL] >= 1
    assert report.to_object()["rollbacks"] == report.rollbacks


def test_a_transaction_lost_to_a_rollback_is_a_discrepancy(runtime: Runtime, monkeypatch):
    consortium = runtime.consortium
    _roll_back(runtime, lambda: consortium.propose_grant(runtime.operator.address, "LENDER"))
    keeper = JournalKeeper(journal=runtime.journal, chain=runtime.chain)
    keeper.check_rollback()
    (entry,) = runtime.journal.open_entries()
    keeper._set(entry, status=JournalStatus.FAILED, note="the call reverts now")

    report = Auditor.of(runtime).verify()

    assert not report.ok
    (lost,) = [d for d in report.discrepancies if d.check == "journal"]
    assert lost.kind == "lost_after_rollback" and "propose" in lost.where
    assert lost.found == "the call reverts now"
    result = CliRunner().invoke(app, ["audit", "verify"], env=_env(runtime), catch_exceptions=False)
    assert result.exit_code == 1
    assert "lost_after_rollback" in result.output and "rollback seen" in result.output
    assert "transaction journal:" in result.output


def _env(runtime: Runtime) -> dict[str, str]:
    settings = runtime.settings
    return {
        "AUTOLEDGER_RPC_URL": settings.rpc_url or "",
        "AUTOLEDGER_DEV": "1",
        "AUTOLEDGER_VAR_DIR": str(settings.var_dir),
        "AUTOLEDGER_DATABASE_URL": settings.effective_database_url,
        "AUTOLEDGER_NODE_MODULES": str(settings.node_modules),
        "AUTOLEDGER_BUILD_DIR": str(settings.build_cache),
    }
