"""What users see over HTTP: digest submission under load beside an authenticated no-op, the
bulk route submit → final, lender line page and API times as the chain's history grows, and
the wall time of CLI read commands. Starts `autoledger serve` on a fresh embedded chain as a
child process, exactly as a deployment runs it, and drives it from outside."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ledger.node import free_port

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / ".venv" / "bin" / "autoledger"
HOST = "127.0.0.1"

GOAL_RATE = 1_000
"""Issue 13: single-digest requests/s at 32 concurrent clients."""
GOAL_P99 = 0.250
GOAL_BULK = 5_000
"""Issue 13: documents/s over the bulk route, submit → final receipt."""
GOAL_PAGE = 0.300
GOAL_CLI = 1.0


# -- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    """A running `autoledger serve` and the API key of each demo member by role name."""

    port: int
    env: dict[str, str]
    keys: dict[str, str]
    process: subprocess.Popen[bytes]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=600)

    def call(
        self, method: str, path: str, key: str, body: Any = None
    ) -> tuple[int, Any, dict[str, str]]:
        """One request (JSON in, JSON out when the answer is JSON)."""
        connection = self.connection()
        headers = {"Authorization": f"Bearer {key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        connection.close()
        kind = response.getheader("content-type", "")
        parsed = json.loads(raw) if "json" in kind and raw else raw
        return response.status, parsed, {k.lower(): v for k, v in response.getheaders()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(var: Path) -> Iterator[Server]:
    """`autoledger serve` on a fresh var directory (compiler output reused from var/build)."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTOLEDGER_")},
        "AUTOLEDGER_VAR_DIR": str(var),
        "AUTOLEDGER_BUILD_DIR": str(ROOT / "var" / "build"),
        "AUTOLEDGER_NODE_MODULES": str(ROOT / "node_modules"),
        "AUTOLEDGER_LOG_LEVEL": "warning",
        "COLUMNS": "200",
    }
    log = open(var.parent / "serve.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 600
        keys_file = var / "demo-keys.txt"
        while True:
            if process.poll() is not None:
                raise SystemExit(f"serve exited: {(var.parent / 'serve.log').read_text()[-2000:]}")
            if keys_file.exists() and _answers(port):
                break
            if time.monotonic() > deadline:
                raise SystemExit("serve did not come up in 600 s")
            time.sleep(0.2)
        keys: dict[str, str] = {}
        for line in keys_file.read_text().splitlines()[1:]:
            _id, name, roles, _address, token = line.split("\t")
            for role in roles.split(", "):
                keys.setdefault(role.lower(), token)
            keys.setdefault(name, token)
        yield Server(port=port, env=env, keys=keys, process=process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        connection.request("GET", "/v1/health")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


# -- load --------------------------------------------------------------------------------------


@dataclass
class Load:
    """What a load phase saw."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _client(
    port: int,
    requests: Callable[[int], bytes],
    until: float,
    load: Load,
    keep: bool,
    counter: list[int],
) -> None:
    """One keep-alive connection sending requests back to back until `until`."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.perf_counter() < until:
            n = counter[0]
            counter[0] += 1
            started = time.perf_counter()
            writer.write(requests(n))
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12].decode()
            match = re.search(rb"(?i)content-length: *(\d+)", head)
            body = await reader.readexactly(int(match.group(1))) if match else b""
            took = time.perf_counter() - started
            if status[0] == "2":
                load.latencies.append(took)
                if keep:
                    load.bodies.append(body)
            else:
                load.errors[status] = load.errors.get(status, 0) + 1
    finally:
        writer.close()


def run_load(
    port: int, requests: Callable[[int], bytes], *, clients: int, seconds: float, keep: bool
) -> Load:
    """`clients` connections sending `requests(n)` for `seconds`."""

    async def main() -> Load:
        load = Load(seconds=seconds)
        counter = [0]
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(
            *(_client(port, requests, until, load, keep, counter) for _ in range(clients))
        )
        load.seconds = time.perf_counter() - started
        return load

    try:
        import uvloop

        return uvloop.run(main())
    except ImportError:
        return asyncio.run(main())


def raw_request(method: str, path: str, key: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def digest_body(n: int, tag: str) -> dict[str, Any]:
    return {
        "document_digest": hashlib.sha256(f"{tag} {n}".encode()).hexdigest(),
        "evidence_type": "call_recording",
        "case_reference": f"CASE-{n % 97}",
        "media_type": "audio/mpeg",
    }


def show(label: str, value: str, goal: str = "") -> None:
    print(f"  {label:<44} {value:>14}{'  ' + goal if goal else ''}")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# -- phases ------------------------------------------------------------------------------------


def wait_final(server: Server, key: str, expected: int, *, timeout: float = 600) -> float:
    """Seconds until `expected` of the caller's items are final (and none pending)."""
    started = time.perf_counter()
    while True:
        _, final, _ = server.call("GET", "/v1/evidence?status=final&limit=1", key)
        _, pending, _ = server.call("GET", "/v1/evidence?status=pending&limit=1", key)
        _, anchored, _ = server.call("GET", "/v1/evidence?status=anchored&limit=1", key)
        if final["total"] >= expected and pending["total"] == 0 and anchored["total"] == 0:
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {final['total']} of {expected} items final after {timeout} s")
        time.sleep(0.05)


def single_digests(server: Server, clients: int, seconds: float) -> None:
    collector = server.keys["collector"]
    noop = raw_request("GET", "/v1/me", collector)
    run_load(server.port, lambda n: noop, clients=clients, seconds=2, keep=False)  # warm up
    cpu = cpu_seconds(server.process.pid)
    ceiling = run_load(server.port, lambda n: noop, clients=clients, seconds=10, keep=False)
    noop_cpu = cpu_seconds(server.process.pid) - cpu

    def submit(n: int) -> bytes:
        body = json.dumps(digest_body(n, "single")).encode()
        return raw_request("POST", "/v1/evidence/digests", collector, body)

    cpu = cpu_seconds(server.process.pid)
    load = run_load(server.port, submit, clients=clients, seconds=seconds, keep=True)
    load_cpu = cpu_seconds(server.process.pid) - cpu
    ids = {json.loads(b)["id"] for b in load.bodies}
    waited = wait_final(server, collector, len(ids))
    errors = sum(load.errors.values())
    print(f"HTTP digest submission: {clients} clients, {load.seconds:.0f} s, one digest a request")
    show(
        "requests/s",
        f"{load.rate:,.0f}",
        f"(goal >= {GOAL_RATE:,}: {verdict(load.rate >= GOAL_RATE)})",
    )
    show("p50", f"{load.quantile(0.5) * 1000:.1f} ms")
    p99 = load.quantile(0.99)
    show(
        "p99",
        f"{p99 * 1000:.1f} ms",
        f"(goal < {GOAL_P99 * 1000:.0f} ms: {verdict(p99 < GOAL_P99)})",
    )
    show("errors", f"{errors}", f"{load.errors or ''} (goal 0: {verdict(errors == 0)})")
    show("accepted items final", f"{len(ids):,}", f"(all final {waited:.1f} s after the last)")
    show(
        "authenticated no-op GET /v1/me, requests/s",
        f"{ceiling.rate:,.0f}",
        f"(p50 {ceiling.quantile(0.5) * 1000:.1f} ms, errors {sum(ceiling.errors.values())})",
    )
    show(
        "server CPU per digest request",
        f"{load_cpu / max(1, len(load.latencies)) * 1000:.2f} ms",
        f"(server used {load_cpu / load.seconds:.2f} cores; no-op:"
        f" {noop_cpu / max(1, len(ceiling.latencies)) * 1000:.2f} ms a request)",
    )
    share = load.rate / ceiling.rate if ceiling.rate else 0
    show("digests ÷ no-op", f"{share:.2f}", f"(goal >= 0.5: {verdict(share >= 0.5)})")


def bulk_digests(server: Server, count: int, per_request: int) -> None:
    collector = server.keys["collector"]
    _, before, _ = server.call("GET", "/v1/evidence?status=final&limit=1", collector)
    started = time.perf_counter()
    accepted = 0
    for start in range(0, count, per_request):
        items = [digest_body(n, "bulk") for n in range(start, min(count, start + per_request))]
        status, body, _ = server.call(
            "POST", "/v1/evidence/digests/bulk", collector, {"items": items}
        )
        if status != 200 or body["refused"]:
            raise SystemExit(f"bulk request refused: {status} {str(body)[:500]}")
        accepted += body["accepted"]
    submitted = time.perf_counter() - started
    wait_final(server, collector, before["total"] + accepted)
    elapsed = time.perf_counter() - started
    print(f"bulk digests: {count:,} in requests of {per_request:,}")
    show("submit", f"{count / submitted:,.0f} docs/s")
    rate = count / elapsed
    show(
        "submit → final receipt",
        f"{rate:,.0f} docs/s",
        f"({elapsed:.2f} s; goal >= {GOAL_BULK:,}: {verdict(rate >= GOAL_BULK)})",
    )


def cli_times(server: Server) -> None:
    collector = server.keys["collector"]
    _, found, _ = server.call("GET", "/v1/evidence?status=final&limit=1", collector)
    item = found["items"][0]["id"]
    print("CLI wall time (a new process each; median of 3; CPU = user + system)")
    for args in (["receipt", item], ["clearing", "claims"], ["version"]):
        times, cpus = [], []
        for _ in range(3):
            before = os.times()
            started = time.perf_counter()
            done = subprocess.run(
                [str(CLI), *args], env=server.env, capture_output=True, check=False
            )
            times.append(time.perf_counter() - started)
            after = os.times()
            cpus.append(
                after.children_user
                - before.children_user
                + after.children_system
                - before.children_system
            )
            if done.returncode != 0:
                raise SystemExit(f"autoledger {' '.join(args)} failed: {done.stderr.decode()}")
        median = statistics.median(times)
        show(
            f"autoledger {' '.join(args[:1] + (['ID'] if args[0] == 'receipt' else args[1:]))}",
            f"{median:.2f} s",
            f"(CPU {statistics.median(cpus):.2f} s; goal < {GOAL_CLI:.0f} s:"
            f" {verdict(median < GOAL_CLI)})",
        )


# -- lines -------------------------------------------------------------------------------------

TERMS = {
    "advance_rate_bps": 9000,
    "interest_rate_bps": 650,
    "payoff_window_seconds": 5 * 86400,
    "confirm_window_seconds": 3 * 86400,
}


def vin(n: int) -> str:
    from ledger.vin import check_digit

    body = f"LFV2A21K0N{n:07d}"
    return body[:8] + check_digit(body) + body[9:]


def advance(server: Server, key: str, line: int, first: int, count: int) -> None:
    """Advance `count` vehicles (serials from `first`) on `line`, 100 a transaction."""
    for start in range(first, first + count, 100):
        vehicles = [
            {
                "vin": vin(n),
                "certificate": f"WDK{n:012d}",
                "engine": f"EA{n:08d}",
                "value": 25_000_000,
            }
            for n in range(start, min(first + count, start + 100))
        ]
        status, body, _ = server.call(
            "POST", f"/v1/lines/{line}/advances", key, {"vehicles": vehicles}
        )
        if status != 201:
            raise SystemExit(f"advance on line {line} failed: {status} {str(body)[:300]}")


def open_line(server: Server, key: str, dealer_id: int) -> int:
    status, body, _ = server.call(
        "POST", "/v1/lines", key, {"dealer_id": dealer_id, "limit": 2**96 - 1, "terms": TERMS}
    )
    if status != 201:
        raise SystemExit(f"opening a line failed: {status} {body}")
    return int(body["id"])


def page_session(server: Server, key: str) -> str:
    """The session cookie of a page sign-in with `key`."""
    connection = server.connection()
    connection.request("GET", "/sign-in")
    response = connection.getresponse()
    form = response.read().decode()
    cookie = (response.getheader("set-cookie") or "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, "no CSRF field on the sign-in form"
    body = urlencode({"api_key": key, "csrf_token": token.group(1), "next": "/"})
    connection.request(
        "POST",
        "/sign-in",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return (response.getheader("set-cookie") or cookie).split(";", 1)[0]


def timed(server: Server, path: str, *, key: str | None = None, cookie: str | None = None) -> float:
    """Median seconds of 5 GETs of `path` (after one warm-up)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {"Cookie": cookie or ""}
    times = []
    connection = server.connection()
    for attempt in range(6):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        if attempt:
            times.append(time.perf_counter() - started)
    connection.close()
    return statistics.median(times)


def wait_indexed(server: Server) -> None:
    """Until the indexer has passed the chain's head (the read models are current)."""
    key = server.keys["regulator"]
    for _ in range(6000):
        _, health, _ = server.call("GET", "/v1/health", key)
        chain = health.get("chain", {})
        indexed = health.get("indexer", {}).get("indexed_through", chain.get("indexed_through"))
        if indexed is None or indexed >= chain.get("latest_block", 0):
            return
        time.sleep(0.1)


def line_pages(server: Server, sizes: list[int], line_vehicles: int) -> None:
    """Time one lender's line of `line_vehicles` while other lenders' vehicles grow the chain
    to each of `sizes` vehicles."""
    lender = server.keys["Huaxia Auto Finance"]
    other = server.keys["Pacific Commercial Bank"]
    _, members, _ = server.call("GET", "/v1/members", lender)
    dealers = [m["id"] for m in members if "DEALER" in m["roles"]]
    line = open_line(server, lender, dealers[0])
    other_line = open_line(server, other, dealers[1])
    seeding = time.perf_counter()
    advance(server, lender, line, 0, line_vehicles)
    print(f"lender line {line} with {line_vehicles:,} vehicles (median of 5 GETs, after warm-up)")
    print(
        f"  {'vehicles on chain':>18} {'page':>10} {'/v1/lines/N':>11}"
        f" {'vehicles':>10} {'obligations':>11} {'alerts':>10}"
    )
    cookie = page_session(server, lender)
    on_chain = line_vehicles
    serial = 10**6
    figures = []
    for size in sizes:
        if size > on_chain:
            advance(server, other, other_line, serial, size - on_chain)
            serial += size - on_chain
            on_chain = size
        wait_indexed(server)
        row = [
            timed(server, f"/lender/lines/{line}", cookie=cookie),
            timed(server, f"/v1/lines/{line}", key=lender),
            timed(server, f"/v1/lines/{line}/vehicles", key=lender),
            timed(server, f"/v1/lines/{line}/obligations", key=lender),
            timed(server, "/v1/alerts", key=lender),
        ]
        figures.append(row)
        print(f"  {on_chain:>18,} " + " ".join(f"{t * 1000:>9.0f}ms" for t in row))
    page = [r[0] for r in figures]
    print(f"  (seeding took {time.perf_counter() - seeding:.0f} s)")
    show(
        "line page, largest chain",
        f"{page[-1] * 1000:.0f} ms",
        f"(goal < {GOAL_PAGE * 1000:.0f} ms: {verdict(page[-1] < GOAL_PAGE)})",
    )
    growth = page[-1] / page[0]
    show(
        "line page, largest ÷ smallest chain",
        f"{growth:.2f}x",
        f"(goal <= 1.5x: {verdict(growth <= 1.5)})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--bulk", type=int, default=10_000, help="digests over the bulk route")
    parser.add_argument("--per-request", type=int, default=1_000)
    parser.add_argument(
        "--chain-sizes",
        default="1000,11000,50000",
        help="vehicles on the chain at which the line is timed (comma-separated; '' skips)",
    )
    parser.add_argument("--line-vehicles", type=int, default=1_000)
    args = parser.parse_args()
    if not CLI.exists():
        sys.exit(f"{CLI} is missing: run scripts/bootstrap")
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        var.mkdir()
        with serve(var) as server:
            print(f"autoledger serve on a fresh embedded chain, port {server.port}")
            single_digests(server, args.clients, args.seconds)
            bulk_digests(server, args.bulk, args.per_request)
            cli_times(server)
            sizes = [int(s) for s in args.chain_sizes.split(",") if s.strip()]
            if sizes:
                line_pages(server, sizes, args.line_vehicles)


if __name__ == "__main__":
    main()
