"""`autoledger audit verify`, `audit export` and `verify BUNDLE.zip`: the database checked
against the chain from the command line, and a regulator's bundle checked with nothing but the
file and a JSON-RPC URL."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime

from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from api.settings import load_settings
from ledger.database import make_engine
from tests.api.helpers import run_verify

runner = CliRunner()


def test_audit_verify_export_and_offline_bundle_check(
    cli_env, fresh_chain, verify_url, database_url
):
    folder = cli_env / "evidence"
    folder.mkdir()
    (folder / "agreement.pdf").write_bytes(b"%PDF-1.7 signed repayment agreement")
    (folder / "call.mp3").write_bytes(b"ID3" + bytes(range(256)) * 8)
    stamped = runner.invoke(app, ["stamp", str(folder), "--type", "other", "--case", "CASE-77"])
    assert stamped.exit_code == 0, stamped.output
    with Runtime.start(load_settings(None)) as runtime:
        runtime.indexer.run_once()
        operator = runtime.operator.address
        registry = runtime.registry.address

    clean = runner.invoke(app, ["audit", "verify", "--json"])
    assert clean.exit_code == 0, clean.output
    report = json.loads(clean.stdout)
    assert report["ok"] is True and report["evidence"]["blobs"] == 2
    checkpoint = f"{report['evidence_log']['size']}:{report['evidence_log']['root']}"
    assert runner.invoke(app, ["audit", "verify", "--checkpoint", checkpoint]).exit_code == 0

    today = datetime.now(UTC).date().isoformat()
    bundle = cli_env / "bundle.zip"
    exported = runner.invoke(
        app, ["audit", "export", "--from", today, "--to", today, "-o", str(bundle)]
    )
    assert exported.exit_code == 0, exported.output
    assert "2 receipts" in exported.output
    offline = run_verify(
        str(bundle), "--rpc", verify_url, "--signer", operator, "--registry", registry
    )
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "bundle verified" in offline.stderr
    assert "FAILED" not in offline.stdout and "ok  events on chain" in offline.stdout
    assert f"ok  trust_root: EvidenceRegistry {registry.lower()}" in offline.stdout
    unpinned = run_verify(str(bundle), "--rpc", verify_url)
    assert unpinned.returncode == 3 and "verified" not in unpinned.stderr.lower()

    # One byte of one receipt changed: the bundle fails, naming that file.
    with zipfile.ZipFile(bundle) as source:
        receipt = next(n for n in source.namelist() if n.startswith("receipts/"))
        tampered = cli_env / "tampered.zip"
        with zipfile.ZipFile(tampered, "w") as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == receipt:
                    data = data.replace(b'"other"', b'"OTHER"', 1)
                target.writestr(info.filename, data)
    failed = run_verify(str(tampered))
    assert failed.returncode == 1
    assert f"verification failed: {receipt}" in failed.stderr
    assert f"FAILED  {receipt}: SHA-256" in failed.stdout

    # A stored event deleted by hand: named, exit 1.
    engine = make_engine(database_url)
    with engine.begin() as conn:
        gone = conn.execute(
            text("SELECT id, event, block_number FROM indexed_event WHERE event = 'BatchAnchored'")
        ).one()
        conn.execute(text("DELETE FROM indexed_event WHERE id = :id"), {"id": gone.id})
    engine.dispose()
    tampered_db = runner.invoke(app, ["audit", "verify"])
    assert tampered_db.exit_code == 1
    lines = [line.split("\t") for line in tampered_db.stdout.splitlines()]
    assert [(c, k) for c, k, *_ in lines] == [("events", "event_missing")]
    assert lines[0][2].startswith(f"EvidenceRegistry.BatchAnchored in block {gone.block_number}")
    assert "1 discrepancies" in tampered_db.output

    assert runner.invoke(app, ["audit", "verify", "--checkpoint", "x"]).exit_code == 2
    backwards = runner.invoke(
        app, ["audit", "export", "--from", today, "--to", "2000-01-01", "-o", str(bundle)]
    )
    assert backwards.exit_code == 2
