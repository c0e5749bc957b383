"""The trust file (consortium.json): written, read back, and read strictly."""

from __future__ import annotations

import json

import pytest

from notary import TrustedNotary, TrustRoot, TrustRootError

REGISTRY = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"
CONSORTIUM = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
NOTARY = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def trust_root() -> TrustRoot:
    return TrustRoot(
        chain_id=31337,
        consortium=CONSORTIUM.upper().replace("0X", "0x"),
        consortium_block=1,
        registry=REGISTRY,
        registry_block=2,
        notaries=(TrustedNotary(member_id=1, name="Operator", address=NOTARY),),
        exported_at="2026-12-02T16:00:00Z",
    )


def test_a_trust_file_round_trips_in_its_stored_form(tmp_path):
    root = trust_root()
    assert root.consortium == CONSORTIUM  # any valid spelling in, lowercase stored
    path = tmp_path / "consortium.json"
    path.write_text(root.to_json())
    assert TrustRoot.from_file(path) == root
    obj = json.loads(path.read_text())
    assert obj["format"] == "autoledger-trust-root" and obj["version"] == 1
    assert obj["evidence_registry"] == {"address": REGISTRY, "block": 2}
    assert root.notary_addresses == {NOTARY}
    assert root.describe() == f"EvidenceRegistry {REGISTRY} on chain 31337"


def test_a_bare_registry_pins_the_registry_only():
    root = TrustRoot.for_registry(REGISTRY.upper().replace("0X", "0x"))
    assert root.registry == REGISTRY and root.chain_id is None and root.notaries == ()
    assert root.describe() == f"EvidenceRegistry {REGISTRY} on the node's chain"
    with pytest.raises(TrustRootError, match="needs the chain id"):
        root.to_object()
    with pytest.raises(TrustRootError, match="evidence_registry.address"):
        TrustRoot.for_registry("0x1234")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda text: '{"chain_id": 1, ' + text.lstrip()[1:], "duplicate JSON key 'chain_id'"),
        (lambda text: text.replace('"version": 1', '"version": 2'), "version 2"),
        (lambda text: text.replace('"exported_at"', '"note": "x", "exported_at"'), "unknown"),
        (lambda text: text.replace(REGISTRY, "0x12"), "evidence_registry.address"),
        (lambda text: text.replace('"chain_id": 31337', '"chain_id": 0'), "chain_id"),
        (lambda text: text.replace('"block": 2', '"block": 2.0'), "floats"),
        (lambda text: json.dumps({"trust": json.loads(text)}), "not an autoledger-trust-root"),
        (lambda text: text.replace('"member_id": 1, ', ""), "missing member 'member_id'"),
        (lambda text: "[]", "is a JSON object"),
    ],
)
def test_a_trust_file_is_read_strictly(mutate, message):
    text = json.dumps(trust_root().to_object())
    with pytest.raises(TrustRootError, match=message):
        TrustRoot.from_json(mutate(text))


def test_an_unreadable_trust_file_names_itself(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(TrustRootError, match=f"cannot read trust file {missing}"):
        TrustRoot.from_file(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(TrustRootError, match=f"{broken}: trust file: not valid JSON"):
        TrustRoot.from_file(broken)
