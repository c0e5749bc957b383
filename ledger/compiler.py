"""Compile the Solidity sources with py-solc-x: a native solc when one is installed, else solc-js.

Both compilers are the same pinned version and get the same standard-JSON input, so they give
the same bytecode. Output is cached under `cache_dir`, keyed by a hash of every source, the
OpenZeppelin version, the compiler version and the settings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
import solcx.install
import solcx.wrapper
from solcx.exceptions import SolcError, SolcNotInstalled

from ledger.errors import CompileError, CompilerUnavailable

SOLC_VERSION = "0.8.28"
"""The compiler every deployment is built with; `package.json` pins solc-js to the same."""

DEFAULT_EVM_VERSION = "paris"
"""Many consortium chains (Besu/QBFT, GoQuorum) lack the Shanghai+ opcodes (PUSH0, MCOPY)."""

_OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]


@dataclass(frozen=True, kw_only=True)
class ContractArtifact:
    """One compiled contract."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str

    @property
    def code_hash(self) -> str:
        """SHA-256 of the creation bytecode: changes exactly when the deployed code would."""
        return hashlib.sha256(bytes.fromhex(self.bytecode)).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Artifacts:
    """The output of one compilation: contracts by name, and what produced them."""

    contracts: Mapping[str, ContractArtifact]
    source_hash: str
    compiler: str

    def __getitem__(self, name: str) -> ContractArtifact:
        try:
            return self.contracts[name]
        except KeyError:
            known = ", ".join(sorted(self.contracts)) or "none"
            raise KeyError(f"no compiled contract named {name!r} (known: {known})") from None

    def all_abis(self) -> Iterable[list[dict[str, Any]]]:
        """Every contract's ABI, e.g. to decode custom errors from any of them."""
        return (artifact.abi for artifact in self.contracts.values())


@dataclass(frozen=True, kw_only=True)
class Solc:
    """A solc executable of the pinned version; `kind` is ``native`` or ``solc-js``."""

    path: Path
    kind: str
    version: str


def find_solc(*, node_modules: Path) -> Solc:
    """Return a native solc of `SOLC_VERSION` if installed, else solc-js from `node_modules`.

    Raises `CompilerUnavailable` when neither is there.
    """
    try:
        native = solcx.install.get_executable(SOLC_VERSION)
        return Solc(path=native, kind="native", version=SOLC_VERSION)
    except SolcNotInstalled:
        pass
    on_path = shutil.which("solc")
    if on_path and _version_of(Path(on_path)) == SOLC_VERSION:
        return Solc(path=Path(on_path), kind="native", version=SOLC_VERSION)
    solcjs = node_modules / "solc" / "solc.js"
    if solcjs.is_file():
        found = _version_of(solcjs)
        if found != SOLC_VERSION:
            raise CompilerUnavailable(
                f"solc-js in {node_modules} is {found}, expected {SOLC_VERSION}:"
                " run scripts/bootstrap"
            )
        return Solc(path=solcjs, kind="solc-js", version=SOLC_VERSION)
    raise CompilerUnavailable(
        f"no solc {SOLC_VERSION}: no native build installed and no solc-js in {node_modules}"
        " (run scripts/bootstrap)"
    )


def install_native() -> Path | None:
    """Try to install a native solc of the pinned version; None when it cannot be downloaded."""
    try:
        solcx.install_solc(SOLC_VERSION)
        return Path(solcx.install.get_executable(SOLC_VERSION))
    except Exception:  # any download failure means: use solc-js
        return None


def compile_contracts(
    sources_dir: Path,
    *,
    node_modules: Path,
    cache_dir: Path | None = None,
    evm_version: str = DEFAULT_EVM_VERSION,
    optimizer_runs: int | None = 200,
    extra_sources: Iterable[Path] = (),
) -> Artifacts:
    """Compile every ``.sol`` file under `sources_dir` (and `extra_sources` directories).

    Imports starting with ``@openzeppelin/`` resolve from `node_modules`. The result is
    cached in `cache_dir` when given. Raises `CompileError` with ``file:line: message``
    problems, or `CompilerUnavailable`.
    """
    roots = [sources_dir, *extra_sources]
    files = {path.relative_to(root).as_posix(): path for root in roots for path in _sol_files(root)}
    if not files:
        raise CompileError([f"{sources_dir}: no .sol files"])
    settings = _settings(evm_version, optimizer_runs)
    solc = find_solc(node_modules=node_modules)
    source_hash = _source_hash(files, node_modules, settings)
    cached = cache_dir / f"artifacts-{source_hash[:16]}.json" if cache_dir else None
    if cached and cached.is_file():
        return _artifacts_from_json(json.loads(cached.read_text()))

    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": path.read_text()} for name, path in sorted(files.items())},
        "settings": settings,
    }
    output = _run_solc(solc, standard_input, roots=roots, node_modules=node_modules)
    problems = [
        _format_problem(error, files)
        for error in output.get("errors", [])
        if error.get("severity") == "error"
    ]
    if problems:
        raise CompileError(problems)
    document = {
        "source_hash": source_hash,
        "compiler": f"{solc.kind} {solc.version}",
        "contracts": {
            name: {
                "source": source,
                "abi": out["abi"],
                "bytecode": out["evm"]["bytecode"]["object"],
                "deployed_bytecode": out["evm"]["deployedBytecode"]["object"],
            }
            for source, by_name in output.get("contracts", {}).items()
            if source in files
            for name, out in by_name.items()
        },
    }
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(document))
        tmp.replace(cached)
    return _artifacts_from_json(document)


def _sol_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.sol") if p.is_file())


def _settings(evm_version: str, optimizer_runs: int | None) -> dict[str, Any]:
    return {
        "evmVersion": evm_version,
        "optimizer": {"enabled": optimizer_runs is not None, "runs": optimizer_runs or 200},
        "outputSelection": {"*": {"*": _OUTPUTS}},
    }


def _source_hash(files: Mapping[str, Path], node_modules: Path, settings: Any) -> str:
    digest = hashlib.sha256()
    digest.update(SOLC_VERSION.encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    oz = node_modules / "@openzeppelin" / "contracts" / "package.json"
    digest.update(oz.read_bytes() if oz.is_file() else b"no-openzeppelin")
    for name, path in sorted(files.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _run_solc(
    solc: Solc, standard_input: dict[str, Any], *, roots: list[Path], node_modules: Path
) -> dict[str, Any]:
    base_path = roots[0].resolve()
    include_path = [r.resolve() for r in [*roots[1:], node_modules]]
    stdin = json.dumps(standard_input)
    if solc.kind == "native":
        try:
            stdout, stderr, _command, _proc = solcx.wrapper.solc_wrapper(
                solc_binary=solc.path,
                stdin=stdin,
                standard_json=True,
                base_path=base_path,
                include_path=include_path,
            )
        except SolcError as exc:
            raise CompileError([f"solc failed: {exc}"]) from exc
    else:
        stdout, stderr = _run_solcjs(
            solc.path, stdin, base_path=base_path, include_path=include_path
        )
    # solc-js may print a line starting with ">>>" before its JSON.
    text = "\n".join(line for line in stdout.splitlines() if not line.startswith(">>>"))
    try:
        parsed: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompileError([f"solc printed no JSON: {(stderr or stdout)[:500]}"]) from exc
    return parsed


def _run_solcjs(
    solcjs: Path, stdin: str, *, base_path: Path, include_path: list[Path]
) -> tuple[str, str]:
    """Run solc-js with files for stdin and stdout: it exits before an output pipe is drained
    (cutting the JSON at 64 KiB) and can fail reading a large input pipe."""
    command = [str(solcjs), "--standard-json", "--base-path", str(base_path)]
    for path in include_path:
        command += ["--include-path", str(path)]
    with (
        tempfile.TemporaryFile("w+") as source,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        # A file, not a pipe, for stdin too: node reading a large pipe fails with EAGAIN.
        source.write(stdin)
        source.seek(0)
        subprocess.run(command, stdin=source, stdout=out, stderr=err, check=False)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read()


def _format_problem(error: Mapping[str, Any], files: Mapping[str, Path]) -> str:
    location = error.get("sourceLocation")
    message = error.get("message", "").strip()
    kind = error.get("type", "Error")
    if not location:
        return f"<solc>: {kind}: {message}"
    source = location.get("file", "?")
    path = files.get(source)
    line = 1
    if path is not None and location.get("start", -1) >= 0:
        line = path.read_bytes()[: location["start"]].count(b"\n") + 1
    shown = str(path) if path is not None else source
    return f"{shown}:{line}: {kind}: {message}"


def cached_artifacts(cache_dir: Path, source_hash: str) -> Artifacts | None:
    """The output of an earlier `compile_contracts` of sources hashing to `source_hash`, read
    from `cache_dir` without running the compiler; None when it is not there."""
    cached = cache_dir / f"artifacts-{source_hash[:16]}.json"
    if not cached.is_file():
        return None
    found = _artifacts_from_json(json.loads(cached.read_text()))
    return found if found.source_hash == source_hash else None


def _artifacts_from_json(document: Mapping[str, Any]) -> Artifacts:
    contracts = {
        name: ContractArtifact(
            name=name,
            source=data["source"],
            abi=data["abi"],
            bytecode=data["bytecode"],
            deployed_bytecode=data["deployed_bytecode"],
        )
        for name, data in document["contracts"].items()
    }
    return Artifacts(
        contracts=contracts, source_hash=document["source_hash"], compiler=document["compiler"]
    )


_VERSION = re.compile(r"(\d+\.\d+\.\d+)\+commit")


def _version_of(binary: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except OSError:
        return None
    match = _VERSION.search(out)
    return match.group(1) if match else None


def main(argv: list[str] | None = None) -> int:
    """`python -m ledger.compiler --install-native`: used by scripts/bootstrap."""
    parser = argparse.ArgumentParser(prog="python -m ledger.compiler")
    parser.add_argument("--install-native", action="store_true")
    args = parser.parse_args(argv)
    if args.install_native:
        path = install_native()
        message = (
            f"native solc {SOLC_VERSION} at {path}"
            if path
            else (f"no native solc {SOLC_VERSION} could be downloaded; solc-js will be used")
        )
        sys.stderr.write(message + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
