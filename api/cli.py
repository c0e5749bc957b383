"""The `autoledger` command line."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from api.settings import Settings, load_settings
from api.version import VERSION
from ledger.errors import LedgerError

app = typer.Typer(
    name="autoledger",
    help="AutoLedger: evidence notarization and dealer-financing ledger on a consortium chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

EnvFile = Annotated[
    Path | None, typer.Option("--env-file", help="Read AUTOLEDGER_* settings from this file")
]


def _settings(env_file: Path | None, **overrides: object) -> Settings:
    try:
        return load_settings(env_file, **{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            console.print(f"[red]error:[/red] {where}: {error['msg']}")
        raise typer.Exit(2) from exc


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(VERSION)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    redeploy: Annotated[
        bool, typer.Option(help="Deploy contracts anew even where the old ones hold data")
    ] = False,
    env_file: EnvFile = None,
) -> None:
    """Serve the HTTP API and pages (starts an embedded chain unless AUTOLEDGER_RPC_URL is set)."""
    import uvicorn

    from api.app import create_app
    from api.runtime import Runtime

    settings = _settings(env_file, host=host, port=port)
    _check_port_free(settings.host, settings.port)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    with console.status("starting chain, database and contracts"):
        try:
            runtime = Runtime.start(settings, redeploy=redeploy)
        except LedgerError as exc:
            raise _fail(exc) from exc
    try:
        chain = runtime.chain
        where = "embedded anvil" if runtime.node else chain.url
        console.print(f"chain {chain.chain_id} ({where}), block {chain.latest_block()}")
        for name, deployed in runtime.contracts.items():
            state = "deployed" if deployed.fresh else "reused"
            console.print(f"  {name}: {deployed.address} ({state}, block {deployed.block_number})")
        url = f"http://{settings.host}:{settings.port}"
        console.print(f"AutoLedger serving at [bold]{url}[/bold]  (API docs: {url}/v1/docs)")
        uvicorn.run(
            create_app(runtime),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
    finally:
        runtime.close()


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind((host, port))
        except OSError as exc:
            console.print(
                f"[red]error:[/red] cannot listen on {host}:{port} ({exc.strerror});"
                " choose another with --port or AUTOLEDGER_PORT"
            )
            raise typer.Exit(1) from exc


@app.command()
def deploy(
    redeploy: Annotated[
        bool, typer.Option(help="Deploy contracts anew even where the old ones hold data")
    ] = False,
    env_file: EnvFile = None,
) -> None:
    """Compile and deploy the contracts (or check that the recorded deployment is current)."""
    from api.runtime import Runtime

    settings = _settings(env_file)
    try:
        with Runtime.start(settings, redeploy=redeploy) as runtime:
            for name, deployed in runtime.contracts.items():
                state = "deployed" if deployed.fresh else "reused"
                typer.echo(f"{name} {deployed.address} {state} block={deployed.block_number}")
    except LedgerError as exc:
        raise _fail(exc) from exc


@app.command("compile")
def compile_(env_file: EnvFile = None) -> None:
    """Compile the Solidity sources; errors are printed as file:line: message."""
    from ledger.compiler import compile_contracts

    settings = _settings(env_file)
    try:
        artifacts = compile_contracts(
            settings.sources_dir,
            node_modules=settings.node_modules,
            cache_dir=settings.build_cache,
            evm_version=settings.evm_version,
            optimizer_runs=settings.optimizer_runs,
        )
    except LedgerError as exc:
        raise _fail(exc) from exc
    for name, artifact in sorted(artifacts.contracts.items()):
        size = len(artifact.deployed_bytecode) // 2
        typer.echo(f"{name} {artifact.source} {size} bytes")
    typer.echo(f"compiled with {artifacts.compiler}")
