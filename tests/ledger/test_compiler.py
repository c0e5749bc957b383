"""Compilation: pinned version, OpenZeppelin imports, caching, file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.compiler import SOLC_VERSION, compile_contracts, find_solc
from ledger.errors import CompileError, CompilerUnavailable
from tests.conftest import CONTRACTS, NODE_MODULES

GOOD = """// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
contract Owned is Ownable {
    constructor() Ownable(msg.sender) {}
}
"""


def test_solc_is_the_pinned_version():
    solc = find_solc(node_modules=NODE_MODULES)
    assert solc.version == SOLC_VERSION
    assert solc.kind in {"native", "solc-js"}


def test_package_json_pins_solcjs_to_the_same_version():
    import json

    pinned = json.loads((NODE_MODULES.parent / "package.json").read_text())["dependencies"]["solc"]
    assert pinned == SOLC_VERSION


def test_openzeppelin_imports_resolve(tmp_path: Path):
    (tmp_path / "Owned.sol").write_text(GOOD)
    artifacts = compile_contracts(tmp_path, node_modules=NODE_MODULES)
    owned = artifacts["Owned"]
    assert owned.bytecode and owned.deployed_bytecode
    assert any(item.get("name") == "owner" for item in owned.abi)
    assert "Ownable" not in artifacts.contracts, "only our own sources are returned"


def test_evm_version_setting_reaches_the_compiler(tmp_path: Path):
    """Shanghai output uses PUSH0, which paris chains lack: the two must differ."""
    (tmp_path / "Owned.sol").write_text(GOOD)
    paris = compile_contracts(tmp_path, node_modules=NODE_MODULES, evm_version="paris")
    shanghai = compile_contracts(tmp_path, node_modules=NODE_MODULES, evm_version="shanghai")
    assert paris["Owned"].bytecode != shanghai["Owned"].bytecode


def test_output_is_cached_by_source_hash(tmp_path: Path):
    src, cache = tmp_path / "src", tmp_path / "cache"
    src.mkdir()
    (src / "Owned.sol").write_text(GOOD)
    first = compile_contracts(src, node_modules=NODE_MODULES, cache_dir=cache)
    cached = list(cache.glob("artifacts-*.json"))
    assert len(cached) == 1
    again = compile_contracts(src, node_modules=NODE_MODULES, cache_dir=cache)
    assert again == first
    (src / "Owned.sol").write_text(GOOD.replace("contract Owned", "contract Owned2"))
    changed = compile_contracts(src, node_modules=NODE_MODULES, cache_dir=cache)
    assert "Owned2" in changed.contracts
    assert len(list(cache.glob("artifacts-*.json"))) == 2


def test_compile_error_names_file_and_line(tmp_path: Path):
    (tmp_path / "Broken.sol").write_text(
        "// SPDX-License-Identifier: UNLICENSED\npragma solidity ^0.8.24;\n\n"
        "contract Broken {\n    function f() external { uint x = ; }\n}\n"
    )
    with pytest.raises(CompileError) as caught:
        compile_contracts(tmp_path, node_modules=NODE_MODULES)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{tmp_path / 'Broken.sol'}:5: ParserError:")


def test_missing_import_is_a_compile_error(tmp_path: Path):
    (tmp_path / "A.sol").write_text(
        '// SPDX-License-Identifier: UNLICENSED\npragma solidity ^0.8.24;\nimport "./Nope.sol";\n'
    )
    with pytest.raises(CompileError) as caught:
        compile_contracts(tmp_path, node_modules=NODE_MODULES)
    assert "A.sol:3:" in caught.value.problems[0]


def test_no_sources_is_an_error(tmp_path: Path):
    with pytest.raises(CompileError, match="no .sol files"):
        compile_contracts(tmp_path, node_modules=NODE_MODULES)


def test_no_compiler_is_reported(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path))
    with pytest.raises(CompilerUnavailable, match="scripts/bootstrap"):
        find_solc(node_modules=tmp_path / "node_modules")


def test_production_contracts_fit_the_code_size_limit(artifacts):
    for name, artifact in artifacts.contracts.items():
        if (CONTRACTS / artifact.source).exists():
            assert len(artifact.deployed_bytecode) // 2 <= 24_576, name
