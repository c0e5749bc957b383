"""`autoledger stamp`, `verify` and `receipt`: notarize files, then check them with nothing but
the file, its receipt and a JSON-RPC URL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.api.helpers import registry_of, run_verify

runner = CliRunner()


def test_stamp_writes_receipts_that_verify_against_the_chain(
    stamped, fresh_chain, verify_url, trust_file
):
    for document in (stamped / "agreement.pdf", stamped / "calls" / "call-1.mp3"):
        receipt = document.with_name(document.name + ".receipt.json")
        assert receipt.is_file()
        for pin in (["--registry", registry_of(trust_file)], ["--trust", str(trust_file)]):
            result = run_verify(str(document), "--rpc", verify_url, *pin)
            assert result.returncode == 0, result.stdout + result.stderr
            assert "verified" in result.stderr
            assert result.stdout.count("      ok  ") == 9


def test_without_a_trust_root_nothing_says_verified(stamped, fresh_chain, verify_url):
    result = run_verify(str(stamped / "agreement.pdf"), "--rpc", verify_url)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "verified" not in (result.stdout + result.stderr).lower()
    assert "nothing pins whose contract the anchor is" in result.stderr
    assert "--registry ADDRESS" in result.stderr and "--trust" in result.stderr


@pytest.mark.parametrize(
    ("tamper", "step"),
    [
        ("document", "digest"),
        ("audit_path", "inclusion"),
        ("root", "inclusion"),
        ("chain_id", "chain_id"),
        ("contract", "transaction"),
        ("block_number", "transaction"),
    ],
)
def test_tampering_fails_naming_the_step(
    stamped, fresh_chain, verify_url, trust_file, tamper, step
):
    document = stamped / "agreement.pdf"
    receipt_path = document.with_name(document.name + ".receipt.json")
    receipt = json.loads(receipt_path.read_text())
    if tamper == "document":
        data = bytearray(document.read_bytes())
        data[5] ^= 1
        document.write_bytes(bytes(data))
    elif tamper == "audit_path":
        receipt["audit_path"] = [("0" * 63 + "1")] + receipt["audit_path"][1:] or ["0" * 64]
    elif tamper == "root":
        receipt["root"] = "f" * 64
    else:
        receipt["anchor"][tamper] = (
            receipt["anchor"][tamper] + 1
            if isinstance(receipt["anchor"][tamper], int)
            else "0x" + "12" * 20
        )
    receipt_path.write_text(json.dumps(receipt))
    result = run_verify(str(document), "--rpc", verify_url, "--trust", str(trust_file))
    assert result.returncode == 1
    assert "verification failed" in result.stderr and step in result.stderr


def test_verify_offline_says_what_it_did_not_check(stamped, trust_file):
    result = run_verify(str(stamped / "agreement.pdf"), "--trust", str(trust_file))
    assert result.returncode == 3
    assert "verified" not in (result.stdout + result.stderr).lower()
    assert "not checked on chain (chain_id, transaction, anchored_root, block_time)" in (
        result.stderr
    )


def test_verify_without_a_receipt_is_a_usage_error(tmp_path):
    lonely = tmp_path / "lonely.txt"
    lonely.write_text("x")
    result = run_verify(str(lonely))
    assert result.returncode == 2 and "cannot read receipt" in result.stderr


def test_receipt_command_prints_the_receipt(stamped, cli_env):
    again = ["stamp", str(stamped / "agreement.pdf"), "--type", "other", "--case", "CASE-77"]
    listed = runner.invoke(app, [*again, "--no-wait"])
    public_id = listed.stdout.split()[0]
    assert public_id.startswith("ev_"), listed.output
    printed = runner.invoke(app, ["receipt", public_id])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["record"]["document_digest"]
    missing = runner.invoke(app, ["receipt", "ev_nope"])
    assert missing.exit_code == 1
    (stamped / "new.txt").write_text("not anchored yet")
    fresh = runner.invoke(app, ["stamp", str(stamped / "new.txt"), "--no-wait"])
    pending = runner.invoke(app, ["receipt", fresh.stdout.split()[0]])
    assert pending.exit_code == 3 and "pending" in pending.output
