"""The adversary's forgeries against `autoledger verify`, on the real chain: each is refused
with the reason, with `--registry` and with no option at all (which never says verified);
genuine receipts and bundles pass with `--registry`."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from eth_account import Account
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from api.settings import load_settings
from ledger.consortium import Role
from ledger.evidence import ReasonCode
from ledger.keys import dev_account
from ledger.transactions import Sender
from notary import Anchor, Receipt, format_timestamp, sha256_bytes, sign
from oversight.audit import sign_manifest
from tests.api.helpers import registry_of, run_verify, verify_here
from tests.notary.factories import make_receipts, make_record

runner = CliRunner()

STRANGER = dev_account(9)
"""Never a consortium member."""

COLLECTOR = dev_account(4)
"""Admitted as a COLLECTOR by the tests that need one."""

TINY_LOGGER = bytes.fromhex("60003560006000a100")
"""9 bytes of runtime code: LOG1 with no data and the call's first 32 bytes as topic, STOP."""

TINY_LOGGER_INIT = bytes.fromhex("68" + TINY_LOGGER.hex() + "600052" + "6009" + "6017" + "f3")
"""Init code returning `TINY_LOGGER` (stored at memory 23..31 by one MSTORE)."""


def _send(chain, account, **tx) -> dict:
    """Sign and send `tx` from `account` (raw, as any outsider can); its mined receipt."""
    w3 = chain.w3
    tx = {
        "from": account.address,
        "nonce": w3.eth.get_transaction_count(account.address),
        "chainId": chain.chain_id,
        "gas": 200_000,
        "gasPrice": w3.eth.gas_price,
        **tx,
    }
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return dict(w3.eth.wait_for_transaction_receipt(tx_hash))


def _anchor(chain, mined: dict) -> Anchor:
    block = chain.w3.eth.get_block(mined["blockNumber"])
    contract = mined["to"] or mined["contractAddress"]
    return Anchor(
        chain_id=chain.chain_id,
        contract=contract,
        tx_hash="0x" + bytes(mined["transactionHash"]).hex(),
        block_number=mined["blockNumber"],
        block_hash="0x" + bytes(mined["blockHash"]).hex(),
        block_time=format_timestamp(datetime.fromtimestamp(block["timestamp"], UTC)),
    )


def _forged(document: Path, anchor_for, key: str) -> Receipt:
    """A receipt of `document` (leaf 0 of two) whose anchor `anchor_for(root)` logs its root,
    signed by `key`."""
    data = document.read_bytes()
    records = [
        make_record(0, document_digest=sha256_bytes(data), size=len(data), evidence_type="other"),
        make_record(1),
    ]
    root = make_receipts(records)[0].root
    return make_receipts(records, anchor_for(bytes.fromhex(root)), key=key)[0]


def _write(receipt: Receipt | str, document: Path) -> Path:
    """`receipt` written beside `document`, under a name of its own."""
    text = receipt if isinstance(receipt, str) else receipt.to_json()
    label = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = document.with_name(f"{document.name}.forged-{label}.json")
    path.write_text(text)
    return path


def _refused(result, *reasons: str) -> str:
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "verified" not in out.lower().replace("verification failed", ""), out
    for reason in reasons:
        assert reason in out, out
    return out


def test_forged_receipts_are_refused_with_or_without_a_registry(
    stamped, trust_file, fresh_chain, monkeypatch
):
    chain, rpc = fresh_chain, fresh_chain.url
    document = stamped / "agreement.pdf"
    registry = registry_of(trust_file)
    fresh_key = "0x" + bytes(Account.create().key).hex()

    # 1. Own contract: 9 bytes deployed by a non-member, LOG1(root), a fresh key's signature.
    deployed = _send(chain, STRANGER, data="0x" + TINY_LOGGER_INIT.hex())
    logger = deployed["contractAddress"]
    assert bytes(chain.w3.eth.get_code(logger)) == TINY_LOGGER
    own = _write(
        _forged(
            document,
            lambda root: _anchor(chain, _send(chain, STRANGER, to=logger, data="0x" + root.hex())),
            fresh_key,
        ),
        document,
    )
    _refused(
        verify_here(str(document), str(own), "--rpc", rpc, "--registry", registry),
        "FAILED  trust_root: the anchor names contract",
        "not the pinned EvidenceRegistry",
    )
    bare = run_verify(str(document), str(own), "--rpc", rpc)
    _refused(bare, "FAILED  anchored_root", "which never anchors")

    # 2. The genuine registry, without a notary: a collector's `supersede` logs the root.
    with Runtime.start(load_settings(None)) as runtime:
        council = runtime.consortium
        council.execute(council.propose_admit(COLLECTOR.address, "Collector", [Role.COLLECTOR]))
        collector = runtime.registry.as_sender(Sender(runtime.chain, COLLECTOR))

        def superseded(root: bytes) -> Anchor:
            sent = collector.supersede(hashlib.sha256(b"item").digest(), root, ReasonCode.OTHER)
            return _anchor(chain, dict(sent.receipt))

        collector_key = "0x" + bytes(COLLECTOR.key).hex()
        by_supersede = _forged(document, superseded, collector_key)
    path = _write(by_supersede, document)
    for pin in (["--registry", registry], ["--trust", str(trust_file)], []):
        _refused(
            verify_here(str(document), str(path), "--rpc", rpc, *pin),
            "FAILED  anchored_root",
            "is ItemSuperseded, which never anchors",
        )

    # 3. A fresh key on a genuine batch.
    genuine_path = document.with_name(document.name + ".receipt.json")
    genuine = Receipt.from_json(genuine_path.read_text())
    resigned = _write(sign(genuine, fresh_key), document)
    signer = Account.from_key(fresh_key).address.lower()
    for pin in (["--registry", registry], []):
        _refused(
            verify_here(str(document), str(resigned), "--rpc", rpc, *pin),
            "FAILED  anchored_root",
            f"not by signer {signer}",
        )

    # 4. Duplicate member names (the last one would win in a lax reader) and an envelope.
    text = genuine_path.read_text()
    duplicated = _write('{"root": "' + "0" * 64 + '",' + text.lstrip()[1:], document)
    result = verify_here(str(document), str(duplicated), "--rpc", rpc, "--registry", registry)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "duplicate JSON key 'root'" in result.stderr
    enveloped = _write(json.dumps({"receipt": json.loads(text)}), document)
    result = verify_here(str(document), str(enveloped), "--rpc", rpc, "--registry", registry)
    assert result.returncode == 2 and "no envelope" in result.stderr

    # The genuine receipt passes, pinned; unpinned, it is unverifiable (exit 3).
    ok = verify_here(str(document), "--rpc", rpc, "--registry", registry)
    assert ok.returncode == 0 and "verified" in ok.stderr, ok.stdout + ok.stderr
    assert run_verify(str(document), "--rpc", rpc).returncode == 3

    # The trust file may come from the AUTOLEDGER_TRUST_FILE setting instead of an option.
    monkeypatch.setenv("AUTOLEDGER_TRUST_FILE", str(trust_file))
    assert verify_here(str(document), "--rpc", rpc).returncode == 0
    assert verify_here(str(document), str(own), "--rpc", rpc).returncode == 1
    monkeypatch.delenv("AUTOLEDGER_TRUST_FILE")

    # A bad trust root is a usage error, never a verdict.
    bad = verify_here(str(document), "--rpc", rpc, "--registry", "0x1234")
    assert bad.returncode == 2 and "trust root" in bad.stderr
    other = "0x" + "12" * 20
    disagree = verify_here(
        str(document), "--rpc", rpc, "--trust", str(trust_file), "--registry", other
    )
    assert disagree.returncode == 2 and f"--registry {other} is not the registry" in disagree.stderr


def test_a_bundle_re_signed_by_a_collector_is_refused(stamped, trust_file, fresh_chain):
    rpc, registry = fresh_chain.url, registry_of(trust_file)
    with Runtime.start(load_settings(None)) as runtime:
        runtime.indexer.run_once()
        council = runtime.consortium
        council.execute(council.propose_admit(COLLECTOR.address, "Collector", [Role.COLLECTOR]))
    today = datetime.now(UTC).date().isoformat()
    bundle = stamped / "bundle.zip"
    exported = runner.invoke(
        app, ["audit", "export", "--from", today, "--to", today, "-o", str(bundle)]
    )
    assert exported.exit_code == 0, exported.output
    genuine = verify_here(str(bundle), "--rpc", rpc, "--registry", registry)
    assert genuine.returncode == 0 and "bundle verified" in genuine.stderr, genuine.stdout

    # One receipt swapped for one the collector signed, the manifest re-hashed and re-signed.
    forged = stamped / "forged.zip"
    with zipfile.ZipFile(bundle) as source:
        manifest = json.loads(source.read("manifest.json"))
        name = next(n for n in source.namelist() if n.startswith("receipts/"))
        receipt = Receipt.from_json(source.read(name))
        swapped = sign(receipt, bytes(COLLECTOR.key)).to_json().encode()
        for entry in manifest["files"]:
            if entry["path"] == name:
                entry.update(sha256=hashlib.sha256(swapped).hexdigest(), size=len(swapped))
        manifest["signature"] = sign_manifest(manifest, COLLECTOR)
        with zipfile.ZipFile(forged, "w") as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == name:
                    data = swapped
                elif info.filename == "manifest.json":
                    data = json.dumps(manifest).encode()
                target.writestr(info.filename, data)
    collector = COLLECTOR.address.lower()
    for pin in (["--registry", registry], ["--trust", str(trust_file)]):
        out = _refused(
            verify_here(str(forged), "--rpc", rpc, *pin),
            "FAILED  trust_root",
            f"{collector} is not a NOTARY member of the pinned consortium",
        )
        assert f"FAILED  {name}: anchored_root" in out
    _refused(verify_here(str(forged), "--rpc", rpc), f"FAILED  {name}: anchored_root")
