"""The `autoledger` command line."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from api.errors import ApiError
from api.settings import Settings, load_settings
from api.version import VERSION
from ledger.errors import LedgerError, TransactionReverted
from ledger.membership import DEFAULT_LIFETIME, Role

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from api.runtime import Runtime
    from ledger.claims import Claim, ClaimStatus
    from ledger.consortium import ConsortiumClient, Member
    from notary.models import EvidenceItem
    from notary.trust import TrustRoot


class ProposalKindName(StrEnum):
    """Proposal kinds as typed on the command line."""

    ADMIT = "admit"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REMOVE = "remove"
    GRANT_ROLE = "grant-role"
    REVOKE_ROLE = "revoke-role"
    SET_QUORUM = "set-quorum"
    ROTATE_KEY = "rotate-key"


app = typer.Typer(
    name="autoledger",
    help="AutoLedger: evidence notarization and dealer-financing ledger on a consortium chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)  # a message or key copied from a log is whole

EnvFile = Annotated[
    Path | None, typer.Option("--env-file", help="Read AUTOLEDGER_* settings from this file")
]


@app.callback()
def _root(
    ctx: typer.Context,
    init: Annotated[
        bool,
        typer.Option(
            "--init",
            help="Start a new, empty ledger where none is found (else a command refuses)",
        ),
    ] = False,
) -> None:
    """AutoLedger: evidence notarization and dealer-financing ledger on a consortium chain.

    Exit codes: 0 ok; 1 a check failed or the ledger said no (the message says why); 2 usage
    or unreadable input (bad option, setting or file; no ledger found); 3 not verifiable: no
    trust root to check against.
    """
    ctx.obj = {"init": init}


def _may_create_ledger() -> bool:
    import click

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and isinstance(root.obj, dict) and root.obj.get("init"))


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
        where = f"embedded anvil at {chain.url_in_use}" if runtime.node else chain.url_in_use
        console.print(f"chain {chain.chain_id} ({where}), block {chain.latest_block()}")
        for name, deployed in runtime.contracts.items():
            state = "deployed" if deployed.fresh else "reused"
            console.print(f"  {name}: {deployed.address} ({state}, block {deployed.block_number})")
        _announce(runtime)
        if settings.workers:
            runtime.start_workers()
        _serve_until_stopped(runtime)
    finally:
        _stop_promptly(runtime)


SHUTDOWN_GRACE = 5
"""Seconds `serve` lets open HTTP requests finish after Ctrl-C or SIGTERM; the workers then get
`api.runtime.WORKER_STOP_TIMEOUT` and the node `ledger.node.STOP_TIMEOUT` (it saves the
chain), so a stop takes at most about 35 s, usually one. A second Ctrl-C exits at once."""


def _announce(runtime: Runtime) -> None:
    """The start banner: the demo keys (first start) or where they are, then where to go."""
    from api.cli_status import later_start_line, service_lines
    from api.discovery import demo_keys_file

    settings = runtime.settings
    if settings.dev_mode:
        if demo_keys_file(settings).exists():
            typer.echo(later_start_line(demo_keys_file(settings).resolve()), err=True)
        else:
            _print_demo(runtime)
    url = f"http://{settings.host}:{settings.port}"
    for line in service_lines(url):
        typer.echo(line, err=True)


def _serve_until_stopped(runtime: Runtime) -> None:
    """Serve HTTP until Ctrl-C or SIGTERM, with `server.json` naming this server meanwhile."""
    import uvicorn

    from api.app import create_app
    from api.discovery import forget_server, record_server

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # uvicorn would raise the Ctrl-C again once it stopped; the stop is ours to
                # finish (`_stop_promptly`), where a second Ctrl-C means "at once".
                self._captured_signals.clear()

    settings = runtime.settings
    url = f"http://{settings.host}:{settings.port}"
    record_server(settings, url=url, rpc_url=runtime.chain.url_in_use)
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
        # the C parser and event loop where installed; an access log line per request
        # only at debug level (GET /metrics counts every request by route and status)
        http="auto",
        loop="auto",
        access_log=settings.log_level == "debug",
    )
    try:
        Server(config).run()
    finally:
        forget_server(settings)


def _stop_promptly(runtime: Runtime) -> None:
    """Close the runtime; a Ctrl-C meanwhile stops the node and exits at once (code 130)."""
    import contextlib
    import os

    def now(*_: object) -> None:
        console.print("stopping now (the chain keeps its last saved state)")
        if runtime.node is not None and runtime.node.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(runtime.node.pid, signal.SIGKILL)
        os._exit(130)

    previous = signal.signal(signal.SIGINT, now)
    try:
        console.print("stopping: workers, then the chain node (Ctrl-C again to stop at once)")
        runtime.close()
    finally:
        signal.signal(signal.SIGINT, previous)


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


# -- runtime-backed commands -------------------------------------------------------------------


def _need_ledger(settings: Settings) -> None:
    """Refuse (exit 2, naming what was looked for) where there is no ledger, unless --init."""
    from api.discovery import missing_ledger

    missing = None if _may_create_ledger() else missing_ledger(settings)
    if missing is not None:
        console.print(f"[red]error:[/red] {missing}", soft_wrap=True)
        raise typer.Exit(2)


@contextmanager
def _runtime(env_file: Path | None) -> Iterator[Runtime]:
    """A started runtime for one command; domain errors become a message and exit 1."""
    from api.runtime import Runtime

    settings = _settings(env_file)
    _need_ledger(settings)
    try:
        with Runtime.start(settings) as runtime:
            yield runtime
    except (LedgerError, ApiError) as exc:
        raise _fail(exc) from exc


@contextmanager
def _attached(env_file: Path | None) -> Iterator[Runtime]:
    """A runtime for a command that only reads: `Runtime.attach` (no compile, migration or
    deployment check), or, on a chain and database nothing was deployed on yet, `start`;
    domain errors become a message and exit 1."""
    from api.deployed import NotStarted
    from api.runtime import Runtime

    settings = _settings(env_file)
    _need_ledger(settings)
    try:
        try:
            runtime = Runtime.attach(settings)
        except NotStarted:
            runtime = Runtime.start(settings)
        with runtime:
            yield runtime
    except (LedgerError, ApiError) as exc:
        raise _fail(exc) from exc


def _print_demo(runtime: Runtime) -> None:
    """Admit the demo consortium, keep one new API key per member in `var/demo-keys.txt` and
    print them, one member a line."""
    from api.cli_status import DemoKey, demo_key_lines, write_demo_keys
    from api.demo import run_demo
    from api.discovery import demo_keys_file

    with console.status("admitting the demo consortium") as status:
        demo = run_demo(runtime, progress=lambda text: status.update(text))
    keys = [
        DemoKey(
            member_id=entry.member.id,
            name=entry.member.name,
            roles=", ".join(r.value for r in entry.member.roles),
            address=entry.member.address,
            token=entry.token,
        )
        for entry in demo
    ]
    path = demo_keys_file(runtime.settings)
    write_demo_keys(keys, path)
    for line in demo_key_lines(keys, path.resolve()):
        typer.echo(line, err=True)


@app.command()
def demo(env_file: EnvFile = None) -> None:
    """Admit the demo consortium (2 lenders, 3 dealers, ...) and print an API key per member."""
    with _runtime(env_file) as runtime:
        if runtime.keyring is None:
            console.print(
                "[red]error:[/red] outside dev mode the demo needs AUTOLEDGER_KEYRING_PASSWORD:"
                " it creates one key per demo member in var/keys (docs/network.md)"
            )
            raise typer.Exit(2)
        _print_demo(runtime)


apikey_app = typer.Typer(help="API keys: one member each, shown once, stored as hashes.")
consortium_app = typer.Typer(help="Consortium members, roles and governance proposals.")
app.add_typer(apikey_app, name="apikey")
app.add_typer(consortium_app, name="consortium")

MemberRef = Annotated[str, typer.Argument(help="Member id or address")]
AsMember = Annotated[
    str | None,
    typer.Option("--as", help="Act as this member (id or address); default: the operator"),
]


def _member(runtime: Runtime, ref: str) -> Member:
    reference: str | int = int(ref) if ref.isdigit() else ref
    return runtime.consortium.member(reference)


def _client_as(runtime: Runtime, ref: str | None) -> ConsortiumClient:
    if ref is None:
        return runtime.consortium
    return runtime.consortium.as_sender(runtime.sender_for(_member(runtime, ref).address))


@apikey_app.command("create")
def apikey_create(
    member: MemberRef,
    label: Annotated[str, typer.Option(help="What the key is for")] = "",
    env_file: EnvFile = None,
) -> None:
    """Make an API key for a member and print it (it is not shown again)."""
    from api.apikeys import create_api_key

    with _attached(env_file) as runtime:
        found = _member(runtime, member)
        key, token = create_api_key(runtime.engine, member_id=found.id, label=label)
        console.print(f"API key {key.key_id} for member {found.id} ({found.name}):")
        typer.echo(token)


@apikey_app.command("list")
def apikey_list(
    member: Annotated[str | None, typer.Option(help="Only this member's keys")] = None,
    env_file: EnvFile = None,
) -> None:
    """List API keys (never their secrets)."""
    from api.apikeys import list_api_keys

    with _attached(env_file) as runtime:
        member_id = _member(runtime, member).id if member else None
        table = Table()
        for column in ("key id", "member", "label", "created", "last used", "revoked"):
            table.add_column(column)
        for key in list_api_keys(runtime.engine, member_id=member_id):
            table.add_row(
                key.key_id,
                str(key.member_id),
                key.label,
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
            )
        Console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(key_id: str, env_file: EnvFile = None) -> None:
    """Revoke an API key at once."""
    from api.apikeys import revoke_api_key

    with _attached(env_file) as runtime:
        key = revoke_api_key(runtime.engine, key_id)
        typer.echo(f"revoked {key.key_id} of member {key.member_id}")


@consortium_app.command("members")
def consortium_members(env_file: EnvFile = None) -> None:
    """List every member with status and roles."""
    with _attached(env_file) as runtime:
        table = Table()
        for column in ("id", "name", "status", "roles", "address", "joined at block"):
            table.add_column(column)
        for m in runtime.consortium.members():
            table.add_row(
                str(m.id),
                m.name,
                m.status.name.lower(),
                ", ".join(r.value for r in m.roles),
                m.address,
                str(m.joined_at_block),
            )
        Console().print(table)


@consortium_app.command("show")
def consortium_show(ref: MemberRef, env_file: EnvFile = None) -> None:
    """Show one member (by id or address)."""
    with _attached(env_file) as runtime:
        m = _member(runtime, ref)
        previous = runtime.consortium.previous_addresses(m.id)
        typer.echo(f"member {m.id}: {m.name}")
        typer.echo(f"  status:   {m.status.name.lower()}")
        typer.echo(f"  address:  {m.address}")
        typer.echo(f"  roles:    {', '.join(r.value for r in m.roles) or '-'}")
        typer.echo(f"  joined:   block {m.joined_at_block}")
        if previous:
            typer.echo(f"  previous: {', '.join(previous)}")


@consortium_app.command("proposals")
def consortium_proposals(env_file: EnvFile = None) -> None:
    """List governance proposals."""
    with _attached(env_file) as runtime:
        for p in runtime.consortium.proposals():
            state = "executed" if p.executed else f"{p.approvals} approval(s)"
            typer.echo(f"{p.id}\t{p.kind.name.lower()}\t{p.target or p.value}\t{state}")


@consortium_app.command("propose")
def consortium_propose(
    kind: Annotated[ProposalKindName, typer.Argument(help="What to change")],
    address: Annotated[str | None, typer.Option(help="Member (or new member) address")] = None,
    name: Annotated[str | None, typer.Option(help="Organization name (admit)")] = None,
    role: Annotated[list[Role] | None, typer.Option(help="Role(s) (admit, grant, revoke)")] = None,
    new_address: Annotated[str | None, typer.Option(help="New key (rotate-key)")] = None,
    quorum: Annotated[int | None, typer.Option(help="New quorum (set-quorum)")] = None,
    lifetime: Annotated[int, typer.Option(help="Seconds the proposal stays open")] = (
        DEFAULT_LIFETIME
    ),
    as_member: AsMember = None,
    env_file: EnvFile = None,
) -> None:
    """Propose a change to the consortium; your vote is counted."""
    roles = role or []

    def need(value: object, option: str) -> None:
        if value is None or value == []:
            console.print(f"[red]error:[/red] a {kind.value} proposal needs --{option}")
            raise typer.Exit(2)

    table: dict[str, list[tuple[object, str]]] = {
        "admit": [(address, "address"), (name, "name"), (roles, "role")],
        "grant-role": [(address, "address"), (roles, "role")],
        "revoke-role": [(address, "address"), (roles, "role")],
        "set-quorum": [(quorum, "quorum")],
        "rotate-key": [(address, "address"), (new_address, "new-address")],
    }
    for value, option in table.get(kind.value, [(address, "address")]):
        need(value, option)
    with _runtime(env_file) as runtime:
        client = _client_as(runtime, as_member)
        target, life = address or "", lifetime
        try:
            match kind.value:
                case "admit":
                    pid = client.propose_admit(target, name or "", roles, lifetime=life)
                case "suspend":
                    pid = client.propose_suspend(target, lifetime=life)
                case "reinstate":
                    pid = client.propose_reinstate(target, lifetime=life)
                case "remove":
                    pid = client.propose_remove(target, lifetime=life)
                case "grant-role":
                    pid = client.propose_grant(target, roles[0], lifetime=life)
                case "revoke-role":
                    pid = client.propose_revoke(target, roles[0], lifetime=life)
                case "set-quorum":
                    pid = client.propose_quorum(quorum or 0, lifetime=life)
                case _:
                    pid = client.propose_rotate(target, new_address or "", lifetime=life)
        except TransactionReverted as exc:
            raise _fail(exc) from exc
        approvals, needed = client.current_approvals(pid), client.quorum()
        typer.echo(f"proposal {pid}: {approvals} of {needed} approvals")


@consortium_app.command("vote")
def consortium_vote(proposal: int, as_member: AsMember = None, env_file: EnvFile = None) -> None:
    """Approve a proposal."""
    with _runtime(env_file) as runtime:
        client = _client_as(runtime, as_member)
        try:
            client.vote(proposal)
        except TransactionReverted as exc:
            raise _fail(exc) from exc
        approvals, needed = client.current_approvals(proposal), client.quorum()
        typer.echo(f"proposal {proposal}: {approvals} of {needed} approvals")


@consortium_app.command("execute")
def consortium_execute(proposal: int, as_member: AsMember = None, env_file: EnvFile = None) -> None:
    """Carry out a proposal that has reached the quorum."""
    with _runtime(env_file) as runtime:
        client = _client_as(runtime, as_member)
        try:
            sent = client.execute(proposal)
        except TransactionReverted as exc:
            raise _fail(exc) from exc
        typer.echo(f"proposal {proposal} executed in block {sent.block_number}")


# -- evidence ----------------------------------------------------------------------------------


STAMP_GROUP = 200
"""Files submitted per database transaction by `stamp`."""


@app.command()
def stamp(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (recursed)")],
    evidence_type: Annotated[str, typer.Option("--type", help="Evidence type")] = "other",
    case: Annotated[str, typer.Option(help="Case reference (committed, never stored in clear)")] = (
        "unassigned"
    ),
    digest_only: Annotated[
        bool, typer.Option("--digest", help="Submit digests only; files stay here")
    ] = False,
    wait: Annotated[bool, typer.Option(help="Anchor now and write FILE.receipt.json")] = True,
    as_member: AsMember = None,
    env_file: EnvFile = None,
) -> None:
    """Notarize files: store (or just hash) them, anchor them, write FILE.receipt.json each."""
    from rich.progress import Progress

    from notary.digests import sha256_file
    from notary.intake import Submission, SubmissionError, Submitter

    files = _evidence_files(paths)
    if not files:
        console.print("[red]error:[/red] no files to stamp")
        raise typer.Exit(2)
    with _runtime(env_file) as runtime:
        if not digest_only:
            _refuse_too_large(files, runtime.settings.max_upload_bytes)
        member = (
            _member(runtime, as_member)
            if as_member
            else runtime.consortium.member(runtime.operator.address)
        )
        submitter = Submitter(member_id=member.id, address=member.address)
        accepted: dict[Path, str] = {}
        with Progress(console=console) as progress:
            task = progress.add_task("submitting", total=len(files))
            for start in range(0, len(files), STAMP_GROUP):
                group = files[start : start + STAMP_GROUP]
                submissions = [
                    Submission(
                        evidence_type=evidence_type,
                        case_reference=case,
                        media_type=_media_type(path),
                        file_name=path.name,
                    )
                    for path in group
                ]
                try:
                    if digest_only:
                        results = runtime.intake.submit_digests(
                            submitter,
                            [
                                (sha256_file(p), p.stat().st_size, s)
                                for p, s in zip(group, submissions, strict=True)
                            ],
                        )
                    else:
                        results = runtime.intake.submit_files(
                            submitter, list(zip(group, submissions, strict=True))
                        )
                except SubmissionError as exc:
                    raise _fail(exc) from exc
                for path, result in zip(group, results, strict=True):
                    accepted[path] = result.public_id
                progress.advance(task, len(group))
            if not wait:
                for path, public_id in accepted.items():
                    typer.echo(f"{public_id}\t{path}")
                return
            anchoring = progress.add_task("anchoring", total=None)
            runtime.anchorer.anchor_all()
            progress.update(anchoring, total=1, completed=1)
        _write_receipts(runtime, accepted)


def _refuse_too_large(files: list[Path], limit: int) -> None:
    """Exit 2 naming every file over `limit` bytes (`AUTOLEDGER_MAX_UPLOAD_BYTES`, which the
    API answers with 413), before any file is stored."""
    over = [(p, size) for p in files if (size := p.stat().st_size) > limit]
    for path, size in over:
        console.print(
            f"[red]error:[/red] {path}: {size} bytes is larger than the upload limit of {limit}"
            " bytes (AUTOLEDGER_MAX_UPLOAD_BYTES); nothing was stamped"
        )
    if over:
        raise typer.Exit(2)


def _write_receipts(runtime: Runtime, accepted: dict[Path, str]) -> None:
    from sqlmodel import Session, col, select

    from notary.models import EvidenceItem

    with Session(runtime.engine) as session:
        items = {
            i.public_id: i
            for i in session.exec(
                select(EvidenceItem).where(col(EvidenceItem.public_id).in_(accepted.values()))
            )
        }
    for path, public_id in accepted.items():
        issued = runtime.issuer.for_item(items[public_id])
        if issued.receipt is None:
            typer.echo(f"{public_id}\t{issued.status}\t{path}")
            continue
        target = path.with_name(path.name + ".receipt.json")
        target.write_text(issued.receipt.to_json())
        typer.echo(f"{public_id}\t{issued.status}\t{target}")


def _evidence_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not p.name.endswith(".receipt.json")
            )
        elif path.is_file():
            found.append(path)
        else:
            console.print(f"[red]error:[/red] {path}: no such file or directory")
            raise typer.Exit(2)
    return found


def _media_type(path: Path) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


EXIT_VERIFIED = 0
"""`verify`: every check passed against the pinned trust root."""
EXIT_FAILED = 1
"""`verify`: a check failed (forged, tampered, or not on the node's chain)."""
EXIT_UNREADABLE = 2
"""`verify`: a usage error, or a receipt, bundle or trust file that cannot be read."""
EXIT_UNVERIFIABLE = 3
"""`verify`: nothing failed, but nothing pins whose contract the anchor is (no `--registry`,
`--trust` or trust-file setting), or the chain was not asked (no `--rpc`)."""

NO_TRUST_ROOT_HINT = (
    "nothing pins whose contract the anchor is, so anyone could have made this receipt; "
    "give --registry ADDRESS (the consortium's EvidenceRegistry) or --trust consortium.json"
)

Registry = Annotated[
    str | None,
    typer.Option(
        "--registry",
        help="The consortium's EvidenceRegistry address: the trust root (see --trust)",
    ),
]
TrustFile = Annotated[
    Path | None,
    typer.Option(
        "--trust",
        help="The consortium's trust file (autoledger trust export), the trust root",
    ),
]


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="The document, or an audit export bundle (.zip)")],
    receipt: Annotated[
        Path | None, typer.Argument(help="Its receipt (default: FILE.receipt.json)")
    ] = None,
    rpc: Annotated[
        str | None, typer.Option(help="JSON-RPC URL of a node of the chain, for the chain checks")
    ] = None,
    registry: Registry = None,
    trust: TrustFile = None,
    signer: Annotated[
        str | None, typer.Option(help="The notary (operator, for a bundle) address you expect")
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """Verify a document against its receipt, or an audit export bundle (BUNDLE.zip: manifest
    signature, every file's hash, every receipt), with no service or database, against the
    consortium's trust root (--registry or --trust). Exit 0 verified, 1 a check failed,
    2 unreadable input or usage, 3 unverifiable (no trust root, or no --rpc)."""
    from notary.errors import NotaryError
    from notary.receipts import verify_receipt

    if not file.is_file():
        console.print(f"[red]error:[/red] {file}: no such file")
        raise typer.Exit(EXIT_UNREADABLE)
    root = _trust_root(registry, trust, env_file)
    if receipt is None and file.suffix.lower() == ".zip":
        _verify_bundle(file, rpc=rpc, trust=root, signer=signer)
        return
    receipt = receipt or file.with_name(file.name + ".receipt.json")
    try:
        text = receipt.read_bytes()
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot read receipt {receipt}: {exc.strerror}")
        raise typer.Exit(EXIT_UNREADABLE) from exc
    try:
        report = verify_receipt(
            text, document=file, rpc_url=rpc, trust=root, expected_signer=signer
        )
    except NotaryError as exc:
        console.print(f"[red]error:[/red] unreadable receipt {receipt}: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from exc
    for check in report.checks:
        mark = "skipped" if check.skipped else ("ok" if check.ok else "FAILED")
        typer.echo(f"{mark:>8}  {check.name}: {check.detail}")
    if report.failed:
        console.print(f"[red]verification failed:[/red] {', '.join(report.failed)}")
        raise typer.Exit(EXIT_FAILED)
    if not report.verified:
        _unverifiable(root is None, rpc is None, report.skipped)
    console.print("[green]verified[/green]")


def _unverifiable(no_trust: bool, no_rpc: bool, skipped: tuple[str, ...]) -> None:
    """Say why nothing failed yet nothing is established, and exit `EXIT_UNVERIFIABLE`."""
    if no_trust:
        console.print(f"[yellow]UNVERIFIABLE:[/yellow] {NO_TRUST_ROOT_HINT}")
    if no_rpc:
        console.print(
            f"[yellow]UNVERIFIABLE:[/yellow] the anchor was not checked on chain "
            f"({', '.join(n for n in skipped if n != 'digest')}); give --rpc URL"
        )
    raise typer.Exit(EXIT_UNVERIFIABLE)


def _trust_root(
    registry: str | None, trust: Path | None, env_file: Path | None
) -> TrustRoot | None:
    """The trust root from `--registry`, `--trust`, or the `trust_file` setting; None when
    none is given. Exits `EXIT_UNREADABLE` for a bad address or file, or two that disagree."""
    from notary.errors import NotaryError
    from notary.trust import TrustRoot

    try:
        if trust is None and registry is None:
            trust = _settings(env_file).trust_file
            if trust is None:
                return None
        pinned = TrustRoot.from_file(trust) if trust is not None else None
        if registry is not None:
            by_option = TrustRoot.for_registry(registry)
            if pinned is not None and pinned.registry != by_option.registry:
                console.print(
                    f"[red]error:[/red] --registry {by_option.registry} is not the registry "
                    f"of {trust} ({pinned.registry})"
                )
                raise typer.Exit(EXIT_UNREADABLE)
            pinned = pinned or by_option
    except NotaryError as exc:
        console.print(f"[red]error:[/red] trust root: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from exc
    return pinned


def _evidence_item(engine: Engine, public_id: str) -> EvidenceItem:
    """The stored evidence item `public_id`; a message and exit 1 when there is none."""
    from sqlmodel import Session, select

    from notary.models import EvidenceItem

    with Session(engine) as session:
        item = session.exec(select(EvidenceItem).where(EvidenceItem.public_id == public_id)).first()
    if item is None:
        console.print(f"[red]error:[/red] no evidence item {public_id!r}")
        raise typer.Exit(1)
    return item


@app.command("receipt")
def receipt_(
    public_id: Annotated[str, typer.Argument(help="Evidence item id (ev_...)")],
    output: Annotated[Path | None, typer.Option("-o", help="Write it to this file")] = None,
    env_file: EnvFile = None,
) -> None:
    """Print (or write) the signed receipt of an evidence item; exit 1 while it is pending."""
    from api.deployed import NotStarted, receipt_issuer
    from ledger.database import make_engine
    from notary.issuance import ItemReceipt

    settings = _settings(env_file)
    _need_ledger(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        item = _evidence_item(engine, public_id)
        try:
            issuer = receipt_issuer(settings, engine)
        except NotStarted:
            # nothing deployed on this database yet: no item can be anchored either
            issuer = None
        except (LedgerError, ApiError) as exc:
            raise _fail(exc) from exc
        issued = (
            issuer.for_item(item)
            if issuer is not None
            else ItemReceipt(public_id=item.public_id, status=item.status, receipt=None)
        )
        if issued.receipt is None:
            console.print(f"{public_id} is {issued.status}: no receipt yet")
            raise typer.Exit(1)  # not anchored yet: the ledger says no (3 means no trust root)
        text = issued.receipt.to_json()
        if output is not None:
            output.write_text(text)
            console.print(f"{issued.status} receipt written to {output}")
        else:
            typer.echo(text, nl=False)
    finally:
        engine.dispose()


worker_app = typer.Typer(help="Background workers, each as its own process.")
app.add_typer(worker_app, name="worker")


def _run_until_stopped(run: Callable[[threading.Event], None]) -> None:
    """Run a worker loop in the foreground until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run(stop)
    except KeyboardInterrupt:
        stop.set()


@worker_app.command("indexer")
def worker_indexer(env_file: EnvFile = None) -> None:
    """Run the event indexer until interrupted."""
    with _runtime(env_file) as runtime:
        console.print("indexing the events of every deployed contract; Ctrl-C stops")
        _run_until_stopped(lambda stop: runtime.indexer.run(stop, interval=1.0))
        console.print(f"indexed through block {runtime.indexer.status().indexed_through}")


@worker_app.command("anchoring")
def worker_anchoring(env_file: EnvFile = None) -> None:
    """Run the anchoring batcher until interrupted."""
    with _runtime(env_file) as runtime:
        interval, size = runtime.settings.batch_interval, runtime.settings.batch_size
        console.print(f"anchoring every {interval}s or {size} items; Ctrl-C stops")
        _run_until_stopped(lambda stop: runtime.anchorer.run(stop, interval=interval))


# -- index -------------------------------------------------------------------------------------

index_app = typer.Typer(help="The event index and the read models projected from it.")
app.add_typer(index_app, name="index")


@index_app.command("rebuild")
def index_rebuild(env_file: EnvFile = None) -> None:
    """Rebuild the read models (lines, terms, vehicles, alerts) from the indexed events, in one
    transaction; index up to the latest block first."""
    with _runtime(env_file) as runtime:
        with console.status("indexing and rebuilding the read models"):
            runtime.indexer.run_once()
            projected = runtime.indexer.rebuild()
        block = runtime.indexed_block()
        console.print(f"read models rebuilt from {projected} events, as of block {block}")


# -- inventory ---------------------------------------------------------------------------------

inventory_app = typer.Typer(help="Dealer floor-plan inventory: bulk advances from a CSV file.")
app.add_typer(inventory_app, name="inventory")


@inventory_app.command("import")
def inventory_import(
    file: Annotated[
        Path, typer.Argument(help="CSV file: vin, certificate, engine, value[, registration]")
    ],
    line: Annotated[int, typer.Option("--line", min=1, help="Credit line to advance on")],
    as_member: Annotated[
        str | None,
        typer.Option("--as", help="The line's lender (id or address); default: the line's lender"),
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """Register and advance a dealer's stock from a CSV file, up to 100 vehicles a transaction.

    The header row names the columns, in any order: vin; certificate (certificate of
    conformity number); engine (engine number); value (the vehicle's value in the smallest
    currency unit, e.g. fen; the advance is the line's advance rate of it); registration
    (optional: movable-property registration number, at most 32 bytes). Each rejected row is
    printed as ROW, VIN and reason (the header is row 1): a bad VIN, a missing value, a
    duplicate in the file, a vehicle already pledged, the line's limit... and the import
    carries on. Exits 1 if any row was rejected, 2 if the file cannot be read.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from ledger.inventory import (
        ImportReport,
        InventoryFileError,
        import_inventory,
        read_inventory,
        vin_directory,
    )

    try:
        rows, rejected = read_inventory(file)
    except InventoryFileError as exc:
        console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(2) from exc
    report = ImportReport(rejected=list(rejected))
    with _runtime(env_file) as runtime:
        try:
            found = runtime.floorplan.line(line)
        except TransactionReverted as exc:
            console.print(f"[red]error:[/red] no line {line}")
            raise typer.Exit(1) from exc
        lender = _member(runtime, as_member or str(found.lender_id))
        if lender.id != found.lender_id:
            console.print(
                f"[red]error:[/red] member {lender.id} ({lender.name}) is not the lender of"
                f" line {line}"
            )
            raise typer.Exit(1)
        client = runtime.floorplan.as_sender(runtime.sender_for(lender.address))
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("advanced {task.fields[advanced]}, rejected {task.fields[rejected]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(
                f"line {line}",
                total=len(rows) + len(rejected),
                completed=len(rejected),
                advanced=0,
                rejected=len(rejected),
            )

            def show(current: ImportReport, done: int) -> None:
                progress.update(
                    task,
                    completed=len(rejected) + done,
                    advanced=len(current.advanced),
                    rejected=len(current.rejected),
                )

            import_inventory(
                client,
                line,
                rows,
                directory=vin_directory(runtime),
                report=report,
                on_progress=show,
            )
    for rejection in report.rejected:
        typer.echo(f"row {rejection.row}\t{rejection.vin}\t{rejection.reason}")
    console.print(
        f"line {line}: advanced {len(report.advanced)} vehicle(s), {report.total_advance} in"
        f" total, in {report.transactions} transaction(s); rejected {len(report.rejected)} row(s)"
    )
    if report.rejected:
        raise typer.Exit(1)


@inventory_app.command("confirm")
def inventory_confirm(
    line: Annotated[int, typer.Option("--line", min=1, help="The credit line")],
    as_member: Annotated[
        str, typer.Option("--as", help="The line's dealer (id or address), whose key signs")
    ],
    vin: Annotated[
        list[str] | None,
        typer.Option("--vin", help="A vehicle (VIN or VIN hash); default: every one awaiting"),
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """Confirm, as the line's dealer, that vehicles financed on the line arrived: signed with
    the dealer's EIP-712 key held by this service (dev mode holds every demo member's), as the
    dealer page does, and checked on chain. Prints each confirmed VIN hash. Exits 1 when none
    awaits confirmation or the key is not held here (the dealer signs in its wallet: GET
    /v1/lines/N/confirmation), 2 for a bad VIN."""
    from ledger.inventory import confirmation_to_sign, held_key, hex32, vehicle_refs

    try:
        refs = vehicle_refs(vin or [])
    except (LedgerError, ApiError) as exc:
        console.print(f"[red]error:[/red] --vin: {exc}")
        raise typer.Exit(2) from exc
    with _runtime(env_file) as runtime:
        try:
            found = runtime.floorplan.line(line)
        except TransactionReverted as exc:
            console.print(f"[red]error:[/red] no line {line}")
            raise typer.Exit(1) from exc
        dealer = _member(runtime, as_member)
        if dealer.id != found.dealer_id:
            console.print(
                f"[red]error:[/red] member {dealer.id} ({dealer.name}) is not the dealer of"
                f" line {line} (member {found.dealer_id} is)"
            )
            raise typer.Exit(1)
        account = held_key(runtime, dealer.address)
        if account is None:
            console.print(
                f"[red]error:[/red] this service does not hold the key of {dealer.address};"
                f" the dealer signs the typed data of GET /v1/lines/{line}/confirmation in its"
                " wallet",
                soft_wrap=True,
            )
            raise typer.Exit(1)
        try:
            confirmation = confirmation_to_sign(runtime, line, refs, valid_for=3_600)
            sent = runtime.floorplan.confirm_receipt(confirmation, confirmation.sign(account))
        except (ApiError, TransactionReverted) as exc:
            raise _fail(exc) from exc
    for vin_hash in confirmation.vin_hashes:
        typer.echo(f"confirmed\t{hex32(vin_hash)}")
    console.print(
        f"line {line}: {len(confirmation.vin_hashes)} vehicle(s) confirmed by {dealer.name}"
        f" in block {sent.block_number}"
    )


@app.command("certificate")
def certificate_(
    public_id: Annotated[
        str | None, typer.Argument(help="Evidence item id (ev_...); or give --case")
    ] = None,
    case: Annotated[
        str | None,
        typer.Option("--case", help="A case reference: one certificate for all its anchored items"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="The PDF file (default: ID.certificate.pdf, or case-CASE.certificate.pdf)",
        ),
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """Write the evidence certificate (存证证书) PDF of an item (exit 1 while it is pending), or
    of every anchored item of a case with --case (exit 1 when it has none)."""
    from notary.certificate import case_certificate_of, case_file_name, certificate_of

    if (public_id is None) == (case is None):
        console.print("[red]error:[/red] give an evidence item id or --case REF, not both")
        raise typer.Exit(2)
    with _attached(env_file) as runtime:
        if case is not None:
            from notary.queries import case_evidence

            commitment, items = case_evidence(runtime.engine, runtime.intake, None, case)
            try:
                case_pdf = case_certificate_of(runtime, commitment, items)
            except ApiError as exc:
                console.print(f"[red]error:[/red] case {case!r}: {exc.detail}")
                raise typer.Exit(1) from exc
            target = output or Path(case_file_name(case, commitment))
            target.write_bytes(case_pdf)
            pending = sum(1 for item in items if item.status == "pending")
            console.print(
                f"case certificate of {len(items) - pending} anchored item(s) written to {target}"
                + (f"; {pending} pending item(s) left out" if pending else "")
            )
            return
        assert public_id is not None
        item = _evidence_item(runtime.engine, public_id)
        pdf = certificate_of(runtime, item)
        if pdf is None:
            console.print(f"{public_id} is {item.status}: no certificate until it is anchored")
            raise typer.Exit(1)  # not anchored yet: the ledger says no (3 means no trust root)
        target = output or Path(f"{public_id}.certificate.pdf")
        target.write_bytes(pdf)
        console.print(f"{item.status} certificate written to {target}")


# -- clearing ----------------------------------------------------------------------------------

clearing_app = typer.Typer(
    help="Claims and clearing cycles: run a cycle, list claims, reports, overdue curtailments."
)
app.add_typer(clearing_app, name="clearing")

ClaimStateOption = Annotated[
    str | None,
    typer.Option(
        "--state", help="Only claims in this state (filed, confirmed, final, disputed, settled...)"
    ),
]


@clearing_app.command("run")
def clearing_run(
    as_member: Annotated[
        str | None,
        typer.Option("--as", help="Member recorded as asking for it (id or address); default: you"),
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """Run one clearing cycle now over every final, due claim and print its summary.

    The operator signs the cycle. Liens paid by its payoff claims are released. Exits 1 if the
    cycle failed (nothing settled; the reason is printed), 0 otherwise, also when nothing can
    settle.
    """
    from clearing.service import release_settled_liens
    from ledger.inventory import hex32

    with _runtime(env_file) as runtime:
        member = _member(runtime, as_member or runtime.operator.address)
        with console.status("planning and settling a clearing cycle"):
            cycle = runtime.clearing_engine.trigger(member.id)
        if cycle is None:
            _print_waiting(runtime)
            return
        typer.echo(
            f"cycle {cycle.id}\t{cycle.status}\tchain cycle {cycle.cycle_id or '-'}\t"
            f"{cycle.claim_count} claim(s)\t{cycle.transfer_count} transfer(s)\t"
            f"gross {cycle.gross}\tnet {cycle.net}\ttx {cycle.tx_hash or '-'}"
        )
        for transfer in cycle.transfers():
            typer.echo(
                f"transfer\tmember {transfer['from']} -> member {transfer['to']}\t"
                f"{transfer['amount']}"
            )
        for claim_id in cycle.deferred_claim_id_list():
            typer.echo(f"deferred\tclaim {claim_id}\twaits for funds")
        for release in release_settled_liens(runtime, cycle):
            state = "released" if release.released else f"not released: {release.note}"
            typer.echo(f"lien\t{hex32(release.vin_hash)}\tclaim {release.claim_id}\t{state}")
        if cycle.status == "failed":
            console.print(f"[red]cycle {cycle.id} failed:[/red] {cycle.error}")
            raise typer.Exit(1)


def _print_waiting(runtime: Runtime) -> None:
    """Say why nothing settles: one line per open claim (id, reason, in words)."""
    from clearing.service import next_cycle

    outlook = next_cycle(runtime, None)
    console.print(f"nothing to settle (chain time {outlook.now}):")
    for waiting in outlook.waiting:
        typer.echo(f"waiting\tclaim {waiting.claim.id}\t{waiting.reason}\t{waiting.describe()}")
    if not outlook.waiting:
        console.print("no open claim")


@clearing_app.command("claims")
def clearing_claims(
    state: ClaimStateOption = None,
    member: Annotated[
        str | None, typer.Option(help="Only this member's claims (id or address)")
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """List claims, one a line: id, kind, state, creditor, debtor, amount, due date, reference.

    Reads the claims read model when the index has reached the chain's head (no web3 import:
    well under a second), else starts a runtime, which indexes first."""
    from ledger.claims import ClaimStatus

    # as the API names them (`clearing.service.STATE_NAMES`, which imports web3)
    states = {status.name.lower(): status for status in ClaimStatus if status}
    if state is not None and state not in states:
        console.print(f"[red]error:[/red] --state must be one of {', '.join(states)}")
        raise typer.Exit(2)
    wanted = [states[state]] if state is not None else []
    claims = _indexed_claims(env_file, wanted) if member is None else None
    if claims is None:
        from clearing.service import claims_of

        with _attached(env_file) as runtime:
            member_id = _member(runtime, member).id if member is not None else None
            claims = claims_of(runtime, member_id=member_id, states=wanted)
    typer.echo("id\tkind\tstate\tcreditor\tdebtor\tamount\tdue_date\treference")
    for c in claims:
        typer.echo(
            f"{c.id}\t{c.kind.name.lower()}\t{c.status.name.lower()}\t{c.creditor_id}\t"
            f"{c.debtor_id}\t{c.amount}\t{c.due_date}\t0x{c.reference.hex()}"
        )
    console.print(f"{len(claims)} claim(s)")


def _indexed_claims(env_file: Path | None, states: list[ClaimStatus]) -> list[Claim] | None:
    """Every claim from the claims read model, when the index has reached the chain's head
    (`api.deployed.current_index`); None when it has not: then a runtime reads (and indexes)."""
    from api.deployed import current_index
    from clearing.claim_index import claims
    from ledger.database import make_engine

    settings = _settings(env_file)
    _need_ledger(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        current = current_index(settings, engine, "Clearing")
        if current is None:
            return None
        chain_id, now = current
        return claims(engine, chain_id, now=now, states=states)
    finally:
        engine.dispose()


@clearing_app.command("report")
def clearing_report(
    cycle: Annotated[int, typer.Argument(min=1, help="Cycle id (as `clearing run` prints it)")],
    csv_: Annotated[bool, typer.Option("--csv", help="CSV instead of JSON")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write it to this file")
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """The reconciliation report of a cycle, in full, as JSON (default) or CSV."""
    import json

    from clearing.reports import report_csv
    from clearing.service import cycle_document, load_cycle

    with _attached(env_file) as runtime:
        found = load_cycle(runtime, cycle)
        if found is None:
            console.print(f"[red]error:[/red] no cycle {cycle}")
            raise typer.Exit(1)
        document = cycle_document(runtime, found)
    text = report_csv([document]) if csv_ else json.dumps(document, indent=2) + "\n"
    if output is not None:
        output.write_text(text, newline="")
        console.print(f"report of cycle {cycle} written to {output}")
    else:
        typer.echo(text, nl=False)


@clearing_app.command("file-overdue")
def clearing_file_overdue(
    lender: Annotated[
        str | None, typer.Option(help="Only this lender's lines (id or address)")
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """File a curtailment claim for every overdue, unpaid schedule step of every unsold
    financed vehicle, signed by its lender; a step already claimed is never filed again.

    Prints one line per claim: claim id, line, VIN hash, step, amount. Exits 1 if some could not
    be filed (the lender's key is not held here).
    """
    from clearing.service import file_overdue_curtailments
    from ledger.inventory import hex32

    with _runtime(env_file) as runtime:
        lender_id = _member(runtime, lender).id if lender is not None else None
        with console.status("scanning the lines' curtailment schedules"):
            filings = file_overdue_curtailments(runtime, lender_id=lender_id)
    skipped = 0
    for f in filings:
        claim = f.claim_id if f.claim_id is not None else "-"
        typer.echo(f"{claim}\tline {f.line_id}\t{hex32(f.vin_hash)}\tstep {f.step}\t{f.amount}")
        if f.claim_id is None:
            skipped += 1
            console.print(f"not filed: line {f.line_id} step {f.step}: {f.note}")
    console.print(f"filed {len(filings) - skipped} curtailment claim(s)")
    if skipped:
        raise typer.Exit(1)


# -- audit trail -------------------------------------------------------------------------------

audit_app = typer.Typer(help="The audit trail: verify the database against the chain, export.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        str | None,
        typer.Option(help="SIZE:ROOT of the evidence log from an earlier report, to extend"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    env_file: EnvFile = None,
) -> None:
    """Check the database against the chain: events, evidence blobs, anchored batches and the
    evidence log. Prints every discrepancy; exits 1 if there is any."""
    import json

    from oversight.audit import Auditor, Checkpoint

    try:
        mark = Checkpoint.parse(checkpoint) if checkpoint is not None else None
    except ValueError as exc:
        console.print(f"[red]error:[/red] --checkpoint: {exc}")
        raise typer.Exit(2) from exc
    with _runtime(env_file) as runtime:
        with console.status("auditing") as status:
            auditor = Auditor.of(runtime, progress=lambda phase: status.update(f"checking {phase}"))
            report = auditor.verify(checkpoint=mark)
    if as_json:
        typer.echo(json.dumps(report.to_object(), indent=2, ensure_ascii=False))
    else:
        for d in report.discrepancies:
            typer.echo(f"{d.check}\t{d.kind}\t{d.where}\texpected: {d.expected}\tfound: {d.found}")
        for note in report.notes:
            console.print(f"note: {note}")
        if report.journal:
            journal = ", ".join(f"{n} {status}" for status, n in sorted(report.journal.items()))
            console.print(f"transaction journal: {journal}")
        console.print(
            f"chain {report.chain_id}: indexed through block {report.indexed_through} of"
            f" {report.latest_block}; {report.events_stored} stored events,"
            f" {report.events_on_chain} on chain; {report.items_checked} evidence items,"
            f" {report.blobs_checked} blobs ({len(report.forgotten)} forgotten);"
            f" {report.batches_checked} batches"
        )
        console.print(f"evidence log: {report.log_size}:{report.log_root}")
    if not report.ok:
        console.print(f"[red]{len(report.discrepancies)} discrepancies[/red]")
        raise typer.Exit(1)
    console.print("[green]the database matches the chain[/green]")


@audit_app.command("export")
def audit_export(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (UTC)")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (UTC), included")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The bundle (.zip) to write")],
    env_file: EnvFile = None,
) -> None:
    """Write a signed export bundle of the events, anchored receipts and rule breaches of a
    range of days; a regulator checks it with
    `autoledger verify BUNDLE.zip --rpc URL --registry ADDR`."""
    from datetime import UTC, datetime, time, timedelta

    from api.inputs import InputError, parse_day
    from oversight.audit import export_bundle

    try:
        first, last = parse_day(start), parse_day(end)
    except InputError as exc:
        console.print(f"[red]error:[/red] --from/--to: {exc}")
        raise typer.Exit(2) from exc
    from oversight.audit import AuditError, check_export_range

    try:
        check_export_range(first, last)
    except AuditError as exc:
        console.print(f"[red]error:[/red] --from/--to: {exc}")
        raise typer.Exit(2) from exc
    with _runtime(env_file) as runtime:
        with console.status("writing the bundle"), output.open("wb") as out:
            summary = export_bundle(
                runtime,
                start=datetime.combine(first, time(), UTC),
                end=datetime.combine(last + timedelta(days=1), time(), UTC),
                out=out,
            )
    console.print(
        f"{output}: {summary.events} events, {summary.batches} batches, {summary.receipts}"
        f" receipts, {summary.violations} violations; signed by"
        f" {summary.manifest['signature']['signer']}"
    )


def _verify_bundle(
    path: Path, *, rpc: str | None, trust: TrustRoot | None, signer: str | None
) -> None:
    """`verify` for an export bundle: print each check, exit as `verify` says."""
    from oversight.audit import verify_bundle

    report = verify_bundle(path, rpc_url=rpc, trust=trust, expected_signer=signer)
    for check in report.checks:
        mark = "skipped" if check.skipped else ("ok" if check.ok else "FAILED")
        typer.echo(f"{mark:>8}  {check.name}: {check.detail}")
    if report.failed:
        console.print(f"[red]verification failed:[/red] {', '.join(report.failed)}")
        raise typer.Exit(EXIT_FAILED)
    if not report.verified:
        _unverifiable(trust is None, rpc is None, report.skipped)
    console.print("[green]bundle verified[/green]")


# -- status and the dev chain ------------------------------------------------------------------


@app.command()
def status(
    url_only: Annotated[
        bool, typer.Option("--url", help="Print only the server's URL (for scripts)")
    ] = False,
    rpc_only: Annotated[
        bool, typer.Option("--rpc", help="Print only the chain node's RPC URL (for --rpc)")
    ] = False,
    keys_only: Annotated[
        bool, typer.Option("--keys", help="Print only the path of the demo keys file")
    ] = False,
    env_file: EnvFile = None,
) -> None:
    """The running service: health, chain node (RPC URL, chain id, latest block), database,
    var folder, and the URLs of the pages and API docs. Exits 1 when no server runs on this
    var folder or its health is degraded."""
    from api.cli_status import HealthUnavailable, fetch_health, status_lines
    from api.discovery import demo_keys_file, running_server, server_file

    settings = _settings(env_file)
    if keys_only:
        typer.echo(demo_keys_file(settings).resolve())
        return
    server = running_server(settings)
    if server is None:
        console.print(
            f"[red]no server running[/red] on {settings.var_dir.resolve()}: looked for"
            f" {server_file(settings).resolve()}; start one with `autoledger serve`",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if url_only or rpc_only:
        typer.echo(server.url if url_only else server.rpc_url)
        return
    try:
        code, health = fetch_health(server.url)
    except HealthUnavailable as exc:
        console.print(f"[red]error:[/red] server pid {server.pid}: {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    for line in status_lines(server.url, health, var_dir=settings.var_dir):
        typer.echo(line)
    if code != 200:
        raise typer.Exit(1)


dev_app = typer.Typer(help="Local development helpers (dev mode only).")
app.add_typer(dev_app, name="dev")


@dev_app.command("advance-time")
def dev_advance_time(
    duration: Annotated[str, typer.Argument(help="How far: 3d, 12h, 90m, 1d12h, 3600 (seconds)")],
    env_file: EnvFile = None,
) -> None:
    """Move the dev chain's clock forward and mine a block (dispute windows, due dates and
    curtailments run on chain time). Refused outside dev mode (exit 2)."""
    from ledger.devclock import advance_time, parse_duration

    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    settings = _settings(env_file)
    if not settings.dev_mode:
        console.print(
            "[red]error:[/red] advance-time moves a local dev chain's clock only; this service"
            " is not in dev mode (AUTOLEDGER_RPC_URL names a real chain and AUTOLEDGER_DEV is"
            " not 1)",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    with _runtime(env_file) as runtime:
        try:
            moment = advance_time(runtime.chain, seconds)
        except LedgerError as exc:
            raise _fail(exc) from exc
        from datetime import UTC, datetime

        when = datetime.fromtimestamp(moment, UTC)
        block = runtime.chain.latest_block()
        typer.echo(f"chain time {moment} ({when:%Y-%m-%d %H:%M:%S} UTC), block {block}")


trust_app = typer.Typer(help="The consortium's trust root, which every verifier pins.")
app.add_typer(trust_app, name="trust")


@trust_app.command("export")
def trust_export(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write it to this file (else stdout)")
    ] = None,
    env_file: EnvFile = None,
) -> None:
    """Write the trust root (chain id, Consortium and EvidenceRegistry addresses and blocks,
    the NOTARY members now): what `autoledger verify --trust FILE` pins."""
    with _runtime(env_file) as runtime:
        text = runtime.trust_root().to_json()
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text)
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot write {output}: {exc.strerror}")
        raise typer.Exit(2) from exc
    console.print(f"trust root written to {output}")
